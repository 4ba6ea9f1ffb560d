"""Coverage of the sources: every table row accounted for; every stated number covered or excluded."""

from __future__ import annotations

import pytest

from hcc_kg.coverage import coverage, graph_quote_spans
from hcc_kg.sources import load_sources
from hcc_kg.tables import parse_tables
from hcc_kg.vocab import HCC, RES

#: the level reached (share of counted numbers inside an evidence quote); a drop fails
REACHED = {"s000": 1.0, "s001": 1.0}


@pytest.fixture(scope="module")
def results(built):
    _, result = built
    return {c.source.id: c for c in coverage(load_sources(), graph_quote_spans(result.graphs["asserted"]))}


@pytest.mark.parametrize("source", sorted(REACHED))
def test_coverage_does_not_drop(results, source):
    cov = results[source]
    uncovered = [cov.source.text[s.start - 30:s.end + 30] for s in cov.counted() if not s.covered]
    assert cov.share() >= REACHED[source], uncovered


def test_exclusions_are_a_minority(results):
    for cov in results.values():  # excluded numbers are citations, names and dates of the article
        assert len(cov.counted()) > len(cov.spans) - len(cov.counted())


ROWS = [(key, row) for key, rows in parse_tables(load_sources()).items() for row in rows]


@pytest.mark.parametrize("key,row", ROWS, ids=[f"{k}-row-{r.row}" for k, r in ROWS])
def test_every_table_row_is_accounted_for(key, row, built):
    """Each row is the evidence of facts in the graph, or carries a correction saying why not."""
    _, result = built
    graph = result.graphs["asserted"]
    evidence = RES["evidence"][f"{row.source}-{row.start}-{row.end}"]
    used = set(graph.subjects(None, evidence)) - {evidence}
    corrected = (evidence, HCC.correction, None) in graph
    assert used or corrected, f"{key} row {row.row} is in no fact"


# --- typed values: every covered number is a typed value, or text for a listed reason ----------


@pytest.fixture(scope="module")
def typed_results(built):
    from hcc_kg.coverage import graph_typed_numbers

    _, result = built
    graph = result.graphs["asserted"]
    return {c.source.id: c for c in coverage(load_sources(), graph_quote_spans(graph), graph_typed_numbers(graph))}


@pytest.mark.parametrize("source", sorted(REACHED))
def test_no_number_is_held_only_as_text(typed_results, source):
    cov = typed_results[source]
    text = cov.source.text
    assert [text[s.start - 40:s.end + 40] for s in cov.text_only()] == []
    # and the typed share is most of what is covered (the rest is text for a listed reason)
    checked = [s for s in cov.counted() if s.covered]
    assert sum(bool(s.typed) for s in checked) > 0.85 * len(checked)


def test_a_number_only_in_text_is_reported(built):
    """Broken input: COSMIC-312's "324 patients (76%)" without its count measurement."""
    from rdflib import XSD, Graph, Literal

    from hcc_kg.coverage import graph_typed_numbers, report

    _, result = built
    graph = Graph()
    graph += result.graphs["asserted"]
    count = Literal("324", datatype=XSD.decimal)
    assert (None, HCC.value, count) in graph
    graph.remove((None, HCC.value, count))
    results = coverage(load_sources(), graph_quote_spans(graph), graph_typed_numbers(graph))
    s001 = {c.source.id: c for c in results}["s001"]
    assert [s001.source.text[s.start:s.end] for s in s001.text_only()] == ["324"]
    assert "1 are held only as text" in report(results) and "a total of **324** patients" in report(results)


def test_bad_text_only_pattern_names_the_file(tmp_path, monkeypatch):
    from hcc_kg import coverage as cov_module
    from hcc_kg.errors import HccKgError

    bad = tmp_path / "coverage-exclusions.yaml"
    bad.write_text("text_only:\n- pattern: '(unclosed'\n  reason: broken on purpose\n", encoding="utf-8")
    monkeypatch.setattr(cov_module, "EXCLUSIONS", bad)
    with pytest.raises(HccKgError, match=r"coverage-exclusions.yaml: bad text_only entry"):
        coverage(load_sources(), {}, {})


def test_doses_and_adverse_event_grades_are_typed(typed_results, built):
    """Issue 22: every dose ("3 mg/kg", "every 2 weeks") and the grade beside an adverse-event rate
    ("Grade 3-4 AEs ... 77.4%") is a typed value, and the report counts both kinds of fact."""
    import re

    from hcc_kg.coverage import counts, report

    _, result = built
    assert counts(result.graphs["asserted"]) == {"adverse-event rates": 78, "doses": 13}
    doses = grades = 0
    for cov in typed_results.values():
        text = cov.source.text
        for s in cov.counted():
            if re.match(r"\s*mg\b", text[s.end:]) or text[:s.start].endswith("every "):
                doses += 1
                assert s.typed, text[s.start - 40:s.end + 40]
            if re.search(r"(?i)grade\s*(?:≥\s*)?$|grade \d-$", text[:s.start]):
                grades += 1
                assert s.typed, text[s.start - 40:s.end + 40]
    assert doses == 13 and grades > 10
    assert report(list(typed_results.values()), typed=counts(result.graphs["asserted"])).startswith(
        "# Coverage: numbers stated in the sources and the evidence quotes that cover them\n\n"
        "Typed facts: 78 adverse-event rates; 13 doses")
