"""SPARQL examples in the release: one sh:SPARQLExecutable per canned query, each run as published."""

from __future__ import annotations

import pytest

from hcc_kg.constants import RELEASE_NQ

pytestmark = pytest.mark.slow

EXAMPLES = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?name ?text ?question ?target WHERE {
  GRAPH <https://w3id.org/hcc-kg/graph/metadata> {
    ?ex a sh:SPARQLExecutable, sh:SPARQLSelectExecutable ; dcterms:identifier ?name ; sh:select ?text ;
        rdfs:comment ?question ; schema:target ?target }
}"""


@pytest.fixture(scope="module")
def fresh(built):
    """A fresh pyoxigraph store loaded with the release's N-Quads alone."""
    import pyoxigraph as ox

    release, _ = built
    store = ox.Store()
    store.load(path=str(release / RELEASE_NQ), format=ox.RdfFormat.N_QUADS)
    return store


def test_one_example_per_canned_query_with_its_question_and_endpoint(fresh):
    from hcc_kg.answer.catalogue import catalogue

    rows = {r["name"].value: r for r in fresh.query(EXAMPLES)}
    queries = catalogue()
    assert sorted(rows) == sorted(queries)
    for name, row in rows.items():
        assert row["question"].value == queries[name].question, name
        assert row["target"].value == "http://127.0.0.1:7878/query", name


def test_each_example_runs_on_the_release_alone_and_answers_as_the_canned_query(fresh):
    """Run as published (no parameters passed): rows, the same as `hcc-kg query NAME` with the
    defaults and the example's parameters (synonyms: name=karelizumab)."""
    from hcc_kg.answer.catalogue import catalogue
    from hcc_kg.answer.params import run_canned
    from hcc_kg.answer.store import Result

    queries = catalogue()
    for row in fresh.query(EXAMPLES):
        name = row["name"].value
        result = fresh.query(row["text"].value, use_default_graph_as_union=True)
        columns = [v.value for v in result.variables]
        got = Result(columns, [[None if r[c] is None else r[c].value for c in columns] for r in result])
        assert got.rows, f"{name}: no rows"
        expected = run_canned(name, queries[name].examples, fresh)
        assert sorted(map(tuple, got.rows), key=str) == sorted(map(tuple, expected.rows), key=str), name


def test_synonyms_example_finds_the_misspelling(fresh):
    rows = {r["name"].value: r["text"].value for r in fresh.query(EXAMPLES)}
    result = list(fresh.query(rows["synonyms"], use_default_graph_as_union=True))
    assert {r["entity"].value for r in result} == {"https://w3id.org/hcc-kg/resource/drug/camrelizumab"}
