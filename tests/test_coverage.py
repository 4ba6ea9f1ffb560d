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
