"""Tables: every row and cell of the five tables, read from the text."""

from __future__ import annotations

import pytest

from hcc_kg.build.sources import load_sources
from hcc_kg.build.tables import parse_tables


@pytest.fixture(scope="module")
def tables():
    return parse_tables(load_sources())


def test_row_counts(tables):
    assert {k: len(v) for k, v in tables.items()} == {
        "s000/table-1": 14, "s000/table-2": 15, "s000/table-3": 4, "s000/table-4": 6, "s001/table-1": 22, "s001/table-2": 25,
    }


def test_cells_as_printed(tables):
    # s001 Table 1 row 2 carries the shifted label: "COSMIC-312" on IMbrave150's sorafenib arm
    row = tables["s001/table-1"][1]
    assert (row.cells["Trials"], row.cells["Treatment arms"], row.cells["Num- ber of patients"],
            row.cells["mOS (months)"]) == ("COSMIC-312", "Sorafenib", "165", "13.4")
    assert tables["s001/table-1"][17].cells["mOS (months)"] == "0.271"  # COMPASSION-08, as printed
    first = tables["s000/table-1"][0].cells
    assert first["Intervention measures"] == "Envafolimab/pembrolizumab"  # bookmarks stripped
    assert first["Patient population"] == "Advanced HCC with or without chronic viral hepatits"
    assert tables["s000/table-4"][5].cells == {
        "Drug target": "PD-1 + CTLA-4", "Drug name": "Tremelimumab + durvalumab",
        "Drug launch time": "2022", "Listed in China": "No"}
    assert tables["s001/table-2"][-1].cells["Immune checkpoint inhibitors"] == "Treprezilizumab"


def test_row_text_is_the_evidence(tables):
    text = load_sources()["s001"].text
    row = tables["s001/table-1"][0]
    assert text[row.start:row.end].startswith("IMbrave 150\tFirst\tIII\tAtezolizumab + Bevacizumab\t336")
