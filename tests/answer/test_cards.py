"""Whole answers (issue 20): cards that summarise, conflicts that are conflicts, and typed xlsx.

Expected values are the sources' own: IMbrave150 (s001: "mOS (19.2 vs. 13.4 months, $p < 0.001$)",
"increased ORR (33.2% vs. 13.3%, $p < 0.0001$)"; s000: "the ORR of the T + A combination reached 30%").
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest

from hcc_kg.answer import cards
from hcc_kg.answer.display import clean, endpoint_order, needles, shorten
from hcc_kg.answer.params import run_canned
from hcc_kg.answer.render import to_xlsx
from hcc_kg.answer.store import Result
from hcc_kg.errors import HccKgError

# --- display: residue, quotes, order ---------------------------------------------------------


def test_clean_drops_word_bookmarks_and_unwraps_inline_latex():
    assert clean("\t[bookmark: _Hlk155090893]ORR: 33.2% vs 13.3%") == "\tORR: 33.2% vs 13.3%"
    assert clean("mOS (19.2 vs. 13.4 months, $p < 0.001$)") == "mOS (19.2 vs. 13.4 months, p < 0.001)"
    # a long span between dollars is prose about prices, not LaTeX: only the escape goes
    prose = "the cost is $100,156, while that of atezolizumab plus bevacizumab goes up to \\$"
    assert clean(prose) == prose.replace("\\$", "$")


def test_the_stored_quote_keeps_its_residue(store):
    """Cleaning is for display only: the graph's oa:exact stays verbatim."""
    from hcc_kg.answer.store import run

    rows = run('SELECT ?q WHERE { ?s <http://www.w3.org/ns/oa#exact> ?q '
               'FILTER (CONTAINS(?q, "[bookmark: _Hlk155090893]")) }', store).rows
    assert rows


def test_shorten_to_the_table_cell_or_sentence_that_holds_the_value():
    row = "IMbrave 150\tFirst\tIII\tAtezolizumab + Bevacizumab\t336\t19.2\t6.8\t33.2\t72.3"
    assert shorten(row, ["33.2"]) == "IMbrave 150 | … | 33.2"
    vertical = "\tImbrave 150\n\tIII\n\t[bookmark: _Hlk155090893]ORR: 33.2% vs 13.3%; DCR: 72.3% vs 55.1%\n\tAsia"
    assert shorten(vertical, ["13.3"]) == "Imbrave 150 | … | ORR: 33.2% vs 13.3%; DCR: 72.3% vs 55.1%"
    text = "The Chinese subgroup exhibited a mOS of 24.0 months. Another sentence with 19.2 months."
    assert shorten(text, ["24"]) == "The Chinese subgroup exhibited a mOS of 24.0 months."  # 24 is 24.0
    assert shorten(text, ["2"]) == text  # "2" is in no number: the quote whole
    assert needles("mOS: 19.2 months; subgroup: Chinese subgroup") == ["19.2"]
    assert needles("global, open-label, randomized") == ["global", "open-label", "randomized"]


def test_endpoints_are_ordered_by_clinical_importance_in_the_ontology(store):
    order = endpoint_order(store)
    from hcc_kg.answer.store import run

    endpoints = {r[0] for r in run('SELECT ?n WHERE { ?e a <https://w3id.org/hcc-kg/ontology#Endpoint> ; '
                                   '<http://www.w3.org/2004/02/skos/core#notation> ?n }', store).rows}
    assert set(order) == endpoints  # every endpoint has its place
    ranked = sorted(order, key=order.get)
    assert ranked[:5] == ["mOS", "OS", "mPFS", "PFS", "RFS"]
    assert max(order[e] for e in ("ORR", "DCR", "CR", "DOR", "QoL")) < min(order[e] for e in ("AE>=3", "AE", "TRAE>=3"))


# --- trial card ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imbrave150(store):
    answers = cards.results("trial-card", {"study": "IMbrave150"}, store)
    return cards.render("trial-card", answers, store, width=120)


def _first_screen(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[:next(i for i, line in enumerate(lines) if line.startswith("Details"))]


def test_imbrave150_card_fits_one_120x50_screen_before_its_details(imbrave150):
    screen = _first_screen(imbrave150)
    assert len(screen) <= 50
    assert max(len(line) for line in imbrave150.splitlines()) <= 120
    assert "[bookmark:" not in imbrave150 and "$p" not in imbrave150


def test_the_grid_says_where_a_source_says_the_primary_endpoint_was_missed(store, imbrave150):
    """s000 on LEAP-002: "a significantly higher mOS (21.2 months) ... (19 months) [HR = 0.840, P = 0.0227]
    ... mPFS (8.2 months vs 8.0 months, HR = 0.867, P = 0.0466)", then that the predetermined statistical
    significance was not achieved: the effect column says so on both rows; no source says it of IMbrave150."""
    answers = cards.results("trial-card", {"study": "LEAP-002"}, store)
    screen = "\n".join(_first_screen(cards.render("trial-card", answers, store, width=250)))
    assert re.search(r"^mOS .*OS HR 0\.84; p = 0\.0227; primary endpoint not met \(s000\)$", screen, re.MULTILINE)
    assert re.search(r"^mPFS .*PFS HR 0\.867; p = 0\.0466; primary endpoint not met \(s000\)$", screen, re.MULTILINE)
    typed = [r for r in answers["trial-results"].as_dicts() if r["kind"] == "comparison"]
    assert {(r["endpoint"], r["primary_endpoint"]) for r in typed} == {("OS", "not met"), ("PFS", "not met")}
    assert "primary endpoint" not in "\n".join(_first_screen(imbrave150))


@pytest.fixture(scope="module")
def imbrave150_wide(store):
    """The same card on a wide terminal: no cell wraps, so each grid row is one line."""
    answers = cards.results("trial-card", {"study": "IMbrave150"}, store)
    return cards.render("trial-card", answers, store, width=250)


def test_imbrave150_card_header_arms_and_grid(imbrave150_wide):
    screen = "\n".join(_first_screen(imbrave150_wide))
    assert screen.startswith("IMbrave150 · clinical trial · NCT03434379")
    assert re.search(r"^phase +III \(", screen, re.MULTILINE)
    assert re.search(r"^N +501 \(s001\); 558 \(s000 T1\)", screen, re.MULTILINE)  # s001 text; s000 Table 1
    assert re.search(r"^experimental +atezolizumab \+ bevacizumab +336 patients", screen, re.MULTILINE)
    assert re.search(r"^comparator +sorafenib +165 patients", screen, re.MULTILINE)
    grid: dict[str, str] = {}
    for line in screen.splitlines():
        if line[:1].isalpha():
            grid.setdefault(line.split()[0], line)
    assert "19.2 mo (s000, s001, s001 T1)" in grid["mOS"] and "13.4 mo (s000, s001, s001 T1)" in grid["mOS"]
    assert "OS p < 0.001 (s000, s001)" in grid["mOS"]
    # the sources disagree on ORR: both values, each with its sources, and the ORR p-value
    assert "33.2% (s000 T1, s001, s001 T1); 30% (s000)" in screen
    assert "p < 0.0001 (s001)" in grid["ORR"]
    assert "HR 0.63 (0.46-0.85) (s000)" in grid["QoL"]


def test_imbrave150_results_in_clinical_order(imbrave150):
    rows = [line.split()[0] for line in _first_screen(imbrave150) if line[:1].isalpha()]
    at = {name: rows.index(name) for name in ("mOS", "mPFS", "ORR", "DCR", "CR", "QoL", "AE>=3", "AE-discontinuation")}
    assert list(at.values()) == sorted(at.values())


def test_details_quote_the_cell_or_sentence_and_full_quotes_one_flag_away(store, imbrave150):
    details = imbrave150[imbrave150.index("Details"):]
    assert "“IMbrave 150 | … | 19.2”" in details  # s001 Table 1 row 1, the mOS cell
    assert "mOS (19.2 vs. 13.4 months, p < 0.001)" in details
    answers = cards.results("trial-card", {"study": "IMbrave150"}, store)
    full = cards.render("trial-card", answers, store, width=400, full_quotes=True)  # wide: no quote wraps
    assert "IMbrave 150 | First | III | Atezolizumab + Bevacizumab | 336 | 19.2 | 6.8 | 33.2" in full


def test_trial_card_of_a_drug_names_what_it_is(store):
    with pytest.raises(HccKgError, match=r"^query trial-card: parameter study: 'atezolizumab' names a drug "
                                         r"\(atezolizumab\), not a study$"):
        cards.results("trial-card", {"study": "atezolizumab"}, store)


def test_trial_card_on_the_command_line_at_120_columns(store, monkeypatch):
    from click.testing import CliRunner

    import hcc_kg.answer.store as store_module
    from hcc_kg.cli import main

    monkeypatch.setattr(store_module, "open_release", lambda release=None: store)
    out = CliRunner().invoke(main, ["query", "trial-card", "-p", "study=IMbrave150"], env={"COLUMNS": "120"})
    assert out.exit_code == 0, out.output
    assert len(_first_screen(out.output)) <= 50
    assert max(len(line) for line in out.output.splitlines()) <= 120
    # the machine formats keep the rows whole, the full quotes in them
    csv_out = CliRunner().invoke(main, ["query", "trial-card", "-p", "study=IMbrave150", "--format", "csv"]).output
    assert "[bookmark: _Hlk155090893]" in csv_out


def test_trial_results_rows_are_typed(store):
    result = run_canned("trial-results", {"study": "IMbrave150"}, store)
    rows = result.as_dicts()
    at = result.columns.index("value")
    mos = [(r, t) for r, t, d in zip(rows, result.datatypes, result.rows, strict=True)
           if r["kind"] == "measurement" and r["endpoint"] == "mOS" and not r["subgroup"]]
    assert {r["value"] for r, _ in mos} == {"19.2", "13.4"}
    assert {t[at] for _, t in mos} == {"http://www.w3.org/2001/XMLSchema#decimal"}
    assert {r["endpoint_order"] for r, _ in mos} == {"10"}


# --- drug and target cards ---------------------------------------------------------------------


def test_drug_card_lists_sections_in_order(store):
    out = cards.render("drug-card", cards.results("drug-card", {"drug": "atezolizumab"}, store), store, width=120)
    titles = [line for line in out.splitlines() if line in ("class", "target", "regimen", "approval", "arm",
                                                            "outcome", "comparison", "mechanism", "external id")]
    assert titles == sorted(titles, key=["class", "target", "regimen", "approval", "arm", "outcome", "comparison",
                                         "mechanism", "external id"].index)
    assert out.startswith("atezolizumab\n")
    assert "“Atezolizumab is a PD-L1 monoclonal antibody”" in out


def test_target_card_pd_l1(store):
    rows = run_canned("target-card", {"target": "PD-L1"}, store).as_dicts()
    drugs = {r["item"] for r in rows if r["section"] == "03 drug"}
    assert {"atezolizumab", "durvalumab", "envafolimab"} <= drugs
    # s001: "Atezolizumab is a PD-L1 monoclonal antibody"
    assert any(r["section"] == "03 drug" and r["item"] == "atezolizumab" and r["source"] == "s001 text" for r in rows)
    assert any(r["section"] == "06 trial" and r["item"] == "IMbrave150: atezolizumab + bevacizumab" for r in rows)
    # s001: IMbrave150 "mOS (19.2 vs. 13.4 months, $p < 0.001$)"
    assert any(r["section"] == "07 result" and r["item"] == "IMbrave150: atezolizumab + bevacizumab vs sorafenib"
               and r["detail"] == "OS; p < 0.001" for r in rows)
    out = cards.render("target-card", cards.results("target-card", {"target": "PD-L1"}, store), store, width=120)
    assert out.startswith("PD-L1\n") and "drug\n" in out and "mechanism\n" in out


# --- xlsx ------------------------------------------------------------------------------------


def test_xlsx_card_one_sheet_per_section_with_typed_values(store):
    from openpyxl import load_workbook

    answers = cards.results("trial-card", {"study": "IMbrave150"}, store)
    book = load_workbook(io.BytesIO(to_xlsx(cards.sheets("trial-card", answers))))
    assert book.sheetnames == ["01 type", "02 alias", "03 registry id", "04 attribute", "05 arm", "06 outcome",
                               "07 comparison", "08 approval", "09 note", "trial-results"]
    sheet = book["trial-results"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    mos = {r["arm_label"]: r["value"] for r in rows if r["endpoint"] == "mOS" and r["source"] == "s001 text"
           and r["subgroup"] is None}
    assert mos == {"IMbrave150: atezolizumab + bevacizumab": 19.2, "IMbrave150: sorafenib": 13.4}
    assert all(isinstance(v, float) for v in mos.values())  # numbers, not text
    patients = {r["arm_label"]: r["value"] for r in rows if r["kind"] == "arm"}
    assert patients == {"IMbrave150: atezolizumab + bevacizumab": 336, "IMbrave150: sorafenib": 165}
    assert all(type(v) is int for v in patients.values())
    assert {r["endpoint_order"] for r in rows if r["endpoint"] == "ORR"} == {80}
    quotes = [c.value for c in book["06 outcome"]["G"][1:]]
    assert any("[bookmark: _Hlk155090893]" in q for q in quotes)  # verbatim in the machine formats


def test_xlsx_keeps_formula_like_text_as_text_and_escapes_control_characters():
    from openpyxl import load_workbook

    result = Result(["a", "b", "c"], [["=HYPERLINK(\"http://x\")", "1.5", "x\x01y"]],
                    [[None, "http://www.w3.org/2001/XMLSchema#decimal", None]])
    sheet = load_workbook(io.BytesIO(to_xlsx({"s": result}))).active
    cell = sheet["A2"]
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"
    assert sheet["B2"].value == 1.5 and sheet["C2"].value == "x\\x01y"
    assert Decimal("1.5") == Decimal(str(sheet["B2"].value))


def test_xlsx_on_the_command_line_refuses_a_terminal_and_writes_a_file(store, monkeypatch, tmp_path):
    from click.testing import CliRunner
    from openpyxl import load_workbook

    import hcc_kg.answer.store as store_module
    from hcc_kg.cli import main

    monkeypatch.setattr(store_module, "open_release", lambda release=None: store)
    path = tmp_path / "orr.xlsx"
    out = CliRunner().invoke(main, ["query", "orr-above", "--format", "xlsx", "--output", str(path)])
    assert out.exit_code == 0, out.output
    sheet = load_workbook(path)["orr-above"]
    assert sheet.max_row > 1


# --- conflicts ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def every_disagreement(store):
    return run_canned("conflicts", {"kind": "all"}, store).as_dicts()


def _kind(rows, entity, what, a, b):
    """The disagreement class of the pair of values a and b (either order)."""
    hits = {r["disagreement"] for r in rows if r["entity"] == entity and r["what"] == what
            and {r["value_a"], r["value_b"]} == {a, b}}
    assert hits, (entity, what, a, b)
    return hits


def test_real_conflicts_are_conflicts(every_disagreement):
    rows = every_disagreement
    # s000 "the ORR of the T + A combination reached 30%"; s001 "ORR (33.2% vs. 13.3%"
    assert _kind(rows, "IMbrave150: atezolizumab + bevacizumab", "ORR", "30%", "33.2%") == {"conflict"}
    assert _kind(rows, "LEAP-002: lenvatinib + pembrolizumab", "ORR", "26.1%", "40.8%") == {"conflict"}
    assert _kind(rows, "KEYNOTE-524", "enrollment", "140", "106") == {"conflict"}
    # s001: VEGF Liver 100 "as the first-line treatment"; its Table 1 row: "Second"
    assert _kind(rows, "VEGF Liver 100", "lineOfTherapy", "first", "second") == {"conflict"}
    assert _kind(rows, "ORIENT-32", "phase", "III", "II") == {"conflict"}


def test_compatible_wordings_are_compatible(every_disagreement):
    rows = every_disagreement
    design = [r for r in rows if r["what"] == "design"]
    assert len(design) == 22 and {r["disagreement"] for r in design} == {"compatible"}
    assert _kind(rows, "LEAP-002", "design", "randomized, controlled, double-blind",
                 "randomised, double-blind, placebo-controlled (lenvatinib plus placebo)") == {"compatible"}
    # s000: Study 22 "... in first and second-line treatments": one passage, both lines
    assert _kind(rows, "Study 22", "lineOfTherapy", "first", "second") == {"compatible"}
    # KEYNOTE-224: cohort 1 second line (s000, s001), cohort 2 first line (s001)
    assert _kind(rows, "KEYNOTE-224", "lineOfTherapy", "second", "first") == {"compatible"}
    assert _kind(rows, "NCT04042805", "lineOfTherapy", "conversion", "first") == {"compatible"}
    assert _kind(rows, "KEYNOTE-524", "phase", "I", "Ib") == {"compatible"}  # Ib is a phase I
    assert _kind(rows, "ORIENT-32", "phase", "II/III", "III") == {"compatible"}
    assert _kind(rows, "Study 22", "phase", "I/II", "II") == {"compatible"}


def test_conflicts_by_default_lists_no_compatible_wording(store, every_disagreement):
    default = run_canned("conflicts", {}, store).as_dicts()
    compatible = run_canned("conflicts", {"kind": "wording"}, store).as_dicts()  # an alias of compatible
    assert {r["disagreement"] for r in default} == {"conflict"}
    assert {r["disagreement"] for r in compatible} == {"compatible"}
    assert len(default) + len(compatible) == len(every_disagreement)
    assert not any(r["what"] == "design" for r in default)


def test_conflicts_unbound_kind_lists_conflicts_only(store):
    """A plain run of the query text (the site, the query page, another store) lists real ones."""
    from hcc_kg.answer.store import run
    from hcc_kg.constants import QUERIES

    rows = run((QUERIES / "conflicts.rq").read_text(encoding="utf-8"), store).as_dicts()
    assert rows and {r["disagreement"] for r in rows} == {"conflict"}


def test_conflicts_table_view_shortens_quotes_and_cleans_residue(store):
    from hcc_kg.answer.catalogue import canned
    from hcc_kg.answer.render import render

    result = run_canned("conflicts", {}, store)
    out = render(result, "table", store=store, query=canned("conflicts"), width=120)
    assert "[bookmark:" not in out
    # COMPASSION-08 cohort A: "27.1 months" (s001 text) vs "0.271" (s001 Table 1 row 18): the row's
    # name and the cell, not the whole row
    assert "COMPASSION-08 | … | 0.271" in out
    full = render(result, "table", store=store, query=canned("conflicts"), width=120, full_quotes=True)
    assert "COMPASSION-08 ⇥ First ⇥ Ib/II" in full
