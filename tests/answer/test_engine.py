"""The engine boundary on the local paths (hcc-kg query, hcc_kg.query): the network filter in
force, queries that merely mention "service" answered, a deadline, the dataset a query names,
the same order from every engine, and bad input as one clear line. The HTTP side is in
test_serve.py; the attack corpus in test_guard.py."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from test_guard import listener  # noqa: F401 - a fixture

from hcc_kg.answer.engine import Engine, run_local
from hcc_kg.answer.guard import REFUSED, RefusedQuery
from hcc_kg.answer.store import release_nq
from hcc_kg.cli import main
from hcc_kg.constants import GRAPH, RELEASE_NQ
from hcc_kg.errors import HccKgError

DCAT = "PREFIX dcat: <http://www.w3.org/ns/dcat#>\n"
SERVICE_IRI = "https://w3id.org/hcc-kg/service/sparql"

#: queries the word ban refused (issue 21): each mentions "service" and makes no call
MENTIONS = {
    "class": (DCAT + "SELECT ?s WHERE { ?s a dcat:DataService }", [{"s": SERVICE_IRI}]),
    "access-service": (DCAT + "SELECT ?d WHERE { ?d dcat:accessService ?s }", [{"d": "https://w3id.org/hcc-kg/"}]),
    "variable": (DCAT + "SELECT ?services WHERE { ?d dcat:accessService ?services }", [{"services": SERVICE_IRI}]),
    "filter": ('SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(CONTAINS(LCASE(STR(?s)), "service")) }',
               [{"n": "4"}]),
    "comment": (DCAT + "ASK { ?s a dcat:DataService } # is the service described?", [{"result": "true"}]),
    "iri": (DCAT + f"SELECT ?url WHERE {{ <{SERVICE_IRI}> dcat:endpointURL ?url }}",
            [{"url": "http://127.0.0.1:7878/query"}]),
    "string": ('SELECT ?x WHERE { BIND("customer service" AS ?x) }', [{"x": "customer service"}]),
    "escaped": ('SELECT ?x WHERE { BIND("\\u0073ervice" AS ?x) }', [{"x": "service"}]),
    "prefix": (DCAT + "PREFIX service: <https://w3id.org/hcc-kg/service/>\nASK { service:sparql a dcat:DataService }",
               [{"result": "true"}]),
}

#: nested RDF collections: tiny, parsed at once, super-linear in the engine (issue 21, item 3)
NESTED = "ASK { ?s <http://x/p> " + "(" * 400 + ")" * 400 + " }"

GRAPHS = [GRAPH + name for name in ("ontology", "asserted", "inferred", "metadata")]


@pytest.fixture()
def api(built, monkeypatch):
    import hcc_kg
    from hcc_kg.answer import store

    monkeypatch.setattr(store, "RELEASE", built[0])
    return hcc_kg.query


@pytest.fixture()
def cli(built, monkeypatch):
    from hcc_kg.answer import store

    monkeypatch.setattr(store, "RELEASE", built[0])
    return lambda *args: CliRunner().invoke(main, list(args))


def test_the_network_filter_is_in_force_here(built):
    """On Linux with libseccomp (this machine, CI) every engine runs under the filter, so the
    tests below exercise the filter, not the word ban."""
    engine = Engine(str(built[0] / RELEASE_NQ))
    try:
        engine.ready()
        assert engine.refused is None
    finally:
        engine.close()


@pytest.mark.parametrize("name", sorted(MENTIONS))
def test_a_query_that_mentions_service_is_answered(name, api):
    text, expected = MENTIONS[name]
    assert api(text) == expected


def test_a_query_that_mentions_service_is_answered_by_the_cli(cli):
    result = cli("query", "--format", "csv", MENTIONS["class"][0])
    assert result.exit_code == 0 and result.output == f"s\n{SERVICE_IRI}\n"


def test_service_fails_with_one_clear_line(cli, api, listener):  # noqa: F811
    url, hits = listener
    text = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    result = cli("query", text)
    assert result.exit_code == 1
    assert result.output == (f"error: query: {REFUSED}: the query tried to open a network connection; query engines "
                             "run without network access (a seccomp filter), so its engine was stopped\n")
    with pytest.raises(RefusedQuery, match=r"SERVICE \(federated query\) is refused: the query tried"):
        api(text.replace("SERVICE", "SERVICE SILENT"))  # SILENT too: the engine is stopped, not the call
    assert hits == []
    assert api(MENTIONS["class"][0]) == MENTIONS["class"][1]  # a new engine answers the next query


def test_allow_service_lets_your_own_query_call_out(cli, listener):  # noqa: F811
    url, hits = listener
    result = cli("query", "--allow-service", f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}")
    assert result.exit_code == 0, result.output
    assert hits and hits[0].startswith(b"POST ")


def test_the_nested_collection_query_ends_at_the_deadline(cli, api):
    result = cli("query", "--timeout", "1", NESTED)
    assert result.exit_code == 1
    assert result.output == ("error: query: the query did not finish within 1 s and was stopped (raise the limit "
                             "with --timeout, or timeout= in Python)\n")
    with pytest.raises(HccKgError, match="did not finish within 1 s"):
        api(NESTED, timeout=1)
    assert api(MENTIONS["comment"][0], timeout=1) == [{"result": "true"}]  # and the next query runs


def count(api, text: str) -> int:
    return int(api(text)[0]["n"])


@pytest.mark.parametrize("graph", GRAPHS)
def test_from_gives_the_graph_that_graph_gives(graph, api, store):
    """FROM <g> is the default graph g, as GRAPH <g> reads it (union-default-graph mode ignored FROM)."""
    in_graph = count(api, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert in_graph == len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph))))
    assert count(api, f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}") == in_graph
    assert count(api, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == in_graph


def test_a_dataset_of_nothing_is_empty_and_no_dataset_is_the_union(api, cli):
    assert count(api, "SELECT (COUNT(*) AS ?n) FROM <urn:nothing> WHERE { ?s ?p ?o }") == 0
    assert count(api, "SELECT (COUNT(*) AS ?n) FROM NAMED <urn:nothing> WHERE { ?s ?p ?o }") == 0  # no FROM: empty
    union = count(api, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    quads = len(release_nq().read_text(encoding="utf-8").splitlines())  # each triple in one graph (QC one-graph)
    assert union == count(api, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == quads
    both = " ".join(f"FROM <{g}>" for g in GRAPHS)
    assert count(api, f"SELECT (COUNT(*) AS ?n) {both} WHERE {{ ?s ?p ?o }}") == union
    result = cli("query", "--format", "csv", "SELECT (COUNT(*) AS ?n) FROM <urn:nothing> WHERE { ?s ?p ?o }")
    assert result.output == "n\n0\n"


def test_every_engine_orders_blank_nodes_alike(built):
    """Two engine processes, each loading the release: the same ORDER BY over blank nodes gives
    the same rows (pyoxigraph's Store.load gave them random labels), so OFFSET pages agree."""
    text = "SELECT ?s ?p WHERE { ?s ?p ?o FILTER(isBlank(?s)) } ORDER BY ?s ?p LIMIT 2 OFFSET 3"
    answers = []
    for _ in range(2):
        engine = Engine(str(built[0] / RELEASE_NQ))
        try:
            engine.ready()
            answers.append(engine.call(("run", text, {}, False, None, None, "query", False), 30))
        finally:
            engine.close()
    assert answers[0] == answers[1] and len(answers[0][1][1]) == 2
    assert answers[0][1][1][0][0].startswith("cb")  # the label the release file gives it


@pytest.mark.parametrize("value", ["٣٠", "３０", "30.٥"])
def test_non_ascii_digits_are_not_a_decimal(value, cli):
    result = cli("query", "orr-above", "-p", f"threshold={value}")
    assert result.exit_code == 1
    assert result.output == f"error: query orr-above: parameter threshold: {value!r} is not a decimal\n"


@pytest.mark.parametrize("args, message", [
    ((b"ASK {}",), "hcc_kg.query: give a canned query's name or SPARQL text as a str, not bytes"),
    ((None,), "hcc_kg.query: give a canned query's name or SPARQL text as a str, not NoneType"),
    (("drug-card",), "hcc_kg.query: parameter drug: give the value as a str, not int 5"),
    (("ASK {}",), "hcc_kg.query: timeout must be a number of seconds"),
])
def test_the_api_refuses_wrong_types_with_one_clear_error(args, message, api):
    extra = {"drug": 5} if args == ("drug-card",) else {"timeout": "soon"} if args == ("ASK {}",) else {}
    with pytest.raises(HccKgError) as err:
        api(*args, **extra)
    assert str(err.value).startswith(message)


def test_an_unknown_function_is_the_query_s_fault(cli):
    result = cli("query", "SELECT (<urn:f>(1) AS ?x) WHERE {}")
    assert result.exit_code == 1
    assert result.output == "error: query: the query cannot be evaluated: The custom function <urn:f> is not supported\n"


def test_timeout_is_a_reserved_parameter_name(tmp_path):
    from hcc_kg.answer.catalogue import parse_query_file

    path = tmp_path / "q.rq"
    path.write_text("# param: timeout decimal -- seconds\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(HccKgError, match="parameter name 'timeout' is reserved"):
        parse_query_file(path)


def test_an_engine_reuses_itself_and_is_replaced_after_a_deadline(built):
    nq = built[0] / RELEASE_NQ
    assert run_local("ASK {}", release_nq=nq) == (["result"], [["true"]])
    from hcc_kg.answer.engine import _LOCAL

    first = next(e for k, e in _LOCAL.items() if k[0] == str(nq) and not k[2])
    assert run_local("ASK {}", release_nq=nq) == (["result"], [["true"]])
    assert next(e for k, e in _LOCAL.items() if k[0] == str(nq) and not k[2]) is first
    with pytest.raises(HccKgError, match="did not finish"):
        run_local(NESTED, release_nq=nq, timeout=0.5)
    assert not first.alive()
    assert run_local("ASK {}", release_nq=nq) == (["result"], [["true"]])


def test_the_engine_imports_the_callers_hcc_kg_not_one_in_the_working_directory(tmp_path):
    """Run from a folder holding another hcc_kg (another checkout), the engine imported that one."""
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "hcc_kg").mkdir()
    (tmp_path / "hcc_kg" / "__init__.py").write_text("raise ImportError('the wrong hcc_kg')\n", encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).with_name("hcc-kg")), "query", "--format", "csv", "ASK {}"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "result\ntrue\n", "")  # text mode: CRLF read as LF
