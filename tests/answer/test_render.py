"""Answers a person can read (issue 13): the terminal view fits 120 columns and cuts nothing, CSV
and TSV parse with a standard parser, parameters are checked against their value sets, and the
Python API takes any parameter name and SPARQL text."""

from __future__ import annotations

import csv
import io
import re

import pytest

from hcc_kg.answer.catalogue import catalogue
from hcc_kg.answer.params import run_canned
from hcc_kg.answer.render import render, tsv_field, tsv_unescape
from hcc_kg.answer.store import Result
from hcc_kg.errors import HccKgError

CANNED = catalogue()
BOX = re.compile(r"[\s─│┌┐└┘├┤┬┴┼]")


@pytest.fixture(scope="module")
def results(store):
    """Every canned query with its default parameters."""
    return {name: run_canned(name, {}, store) for name in CANNED}


@pytest.mark.parametrize("name", sorted(CANNED))
def test_csv_of_every_query_parses_with_the_same_field_count(name, results):
    result = results[name]
    text = render(result, "csv")
    assert text.endswith("\r\n")  # RFC 4180: CRLF ends a record; a quoted field may hold a line break
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == result.columns
    assert all(len(row) == len(result.columns) for row in rows)
    assert rows[1:] == [["" if v is None else v for v in row] for row in result.rows]


@pytest.mark.parametrize("name", sorted(CANNED))
def test_tsv_of_every_query_has_one_line_per_row_and_the_same_field_count(name, results):
    result = results[name]
    text = render(result, "tsv")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) == len(result.rows) + 1  # a tab or newline inside a value would add rows or fields
    assert all(len(row) == len(result.columns) for row in rows)
    assert [[tsv_unescape(v) for v in row] for row in rows[1:]] == \
        [["" if v is None else v for v in row] for row in result.rows]


def test_tsv_escapes_tab_newline_carriage_return_and_backslash():
    value = "\tFirst\tIII\n\tSorafenib\r\\ end"
    assert tsv_field(value) == "\\tFirst\\tIII\\n\\tSorafenib\\r\\\\ end"
    assert tsv_unescape(tsv_field(value)) == value


def test_quotes_from_table_rows_keep_their_tabs_in_json_and_csv(results):
    """The quotes stay verbatim in the machine formats; only TSV escapes them (IANA)."""
    result = results["adverse-events"]
    quotes = [r["quote"] for r in result.as_dicts() if "\t" in r["quote"]]
    assert quotes
    assert all(q.replace("\t", "\\t") in render(result, "tsv") for q in quotes[:3])


def _text(cells: list[str]) -> str:
    return BOX.sub("", "".join(cells))


@pytest.mark.parametrize("name", sorted(CANNED))
@pytest.mark.parametrize("fmt", ["table", "expanded"])
def test_terminal_view_fits_120_columns_and_cuts_nothing(name, fmt, results, store):
    from hcc_kg.answer.display import clean
    from hcc_kg.answer.render import shortened

    result, query = results[name], CANNED[name]
    out = render(result, fmt, store=store, query=query, width=120)
    # what is shown: quote columns a query declares shortened (table view only), display residue
    # (Word bookmarks, inline LaTeX) cleaned; the rest whole
    if fmt == "table" and query.quotes:
        result = shortened(result, query.quotes)
    result = Result(result.columns, [[clean(v) if v else v for v in row] for row in result.rows])
    assert max(len(line) for line in out.splitlines()) <= 120
    assert out.count("…") == sum((v or "").count("…") for row in result.rows for v in row)  # no ellipsis
    # every character of every value is printed: the visible characters of the output hold at
    # least those of the values (labels replace IRIs, so IRIs count as their label, and the row
    # count says so)
    from hcc_kg.answer.render import labels_of

    labels = labels_of(store, {v for row in result.rows for v in row if v})
    count = f"({len(result.rows)} row{'' if len(result.rows) == 1 else 's'}"
    note = "; IRIs shown as labels: --format csv, tsv or json for the IRIs" if labels else ""
    assert out.rstrip().endswith(count + note + ")")
    shown = []
    for i in range(len(result.columns)):
        column = [labels.get(v, v) for row in result.rows if (v := row[i])]
        constant = len(result.rows) > 1 and len(column) == len(result.rows) and len(set(column)) == 1
        shown += column[:1] if constant else column  # a constant column is printed once, above the rows
    assert len(BOX.sub("", out)) >= len(_text(shown))


def test_expanded_view_prints_each_value_whole(results, store):
    result = results["first-line-pd1-tki"]
    out = render(result, "expanded", store=store, width=120)
    flat = BOX.sub("", out)
    for row in result.rows:
        for value in row:
            for item in (value or "").split("; "):
                assert BOX.sub("", item) in flat


def test_first_line_pd1_tki_is_readable_in_120_columns(results, store):
    """The headline answer: one value a line, COMPASSION-08's cohorts named with their values, and
    each controlled trial's control arm beside its experimental arm."""
    out = render(results["first-line-pd1-tki"], "table", store=store, query=CANNED["first-line-pd1-tki"], width=120)
    # s001: "mOS in the cohort A was 27.1 months, while mOS was not reached in the cohort B"
    assert "cadonilimab + lenvatinib (cohort A)" in out and "cadonilimab + lenvatinib (cohort B)" in out
    assert "27.1 months [s001 text]" in out and "not reached [s001 text]" in out
    assert "0.271 months [s001 table-1 row 18]" in out
    # s001: CARES-310 "mOS (22.1 vs. 15.2 months, $p < 0.0001$)"
    assert "15.2 months [s001 text]" in out and "< 0.0001" in out


def test_terminal_view_shows_labels_units_and_constant_columns_once(store):
    card = run_canned("drug-card", {"drug": "atezolizumab"}, store)
    out = render(card, "table", store=store, query=CANNED["drug-card"], width=120)
    assert "https://w3id.org/hcc-kg/resource/drug/atezolizumab" not in out
    assert out.startswith("drug: atezolizumab\ndrug_label: atezolizumab\n")
    orr = run_canned("orr-above", {"threshold": "76.7"}, store)
    out = render(orr, "table", store=store, query=CANNED["orr-above"], width=120)
    assert "threshold: 76.7%" in out and "81%" in out


def test_an_empty_column_is_named_not_dropped(store):
    result = Result(["a", "b"], [["x", None], ["y", None]])
    out = render(result, "table", store=store, width=120)
    assert "empty in every row: b" in out


# --- parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize("query,param,value,message", [
    # issue 13: each returned "(0 rows)" with exit 0
    ("ongoing-trials", "country", "Chine", "no country 'Chine'; nearest: China;"),
    ("compare-endpoint", "line", "frist", "no line of therapy 'frist'; nearest: first (first line);"),
    ("guideline-recommendations", "guideline", "WHO", "no guideline 'WHO'; values: ASCO, CSCO, ESMO, NCCN"),
    ("compare-endpoint", "endpoint", "median-os", "no endpoint 'median-os'; nearest: …mOS (median overall survival);"),
    ("regimens-by-class", "line", "3rd", "no line of therapy '3rd'"),
    ("compare-endpoint", "phase", "IV", "no trial phase 'IV'"),
    ("approvals", "agency", "PMDA", "no regulatory agency 'PMDA'; nearest: EMA (European Medicines Agency), "),
    ("regimens-by-class", "class", "chemotherapy", "no regimen class 'chemotherapy'"),
    ("evidence", "measurement", "imbrave150-orr", "no measurement or comparison 'imbrave150-orr'"),
])
def test_a_value_outside_its_value_set_is_an_error_naming_the_nearest(query, param, value, message, store):
    pattern = ".*".join(re.escape(part) for part in f"query {query}: parameter {param}: {message}".split("…"))
    with pytest.raises(HccKgError, match=pattern):  # "…": any text (other nearest values)
        run_canned(query, {param: value}, store)


def test_a_name_no_entity_goes_by_is_an_error_naming_the_nearest(store):
    """synonyms returned "(0 rows)" with exit 0 for a misspelt name; the query still decides what
    matches (a name it finds is never refused)."""
    with pytest.raises(HccKgError, match=r"^query synonyms: parameter name: no entity goes by 'karelizumabb'; "
                                         r"nearest: .*\bcamrelizumab\b"):
        run_canned("synonyms", {"name": "karelizumabb"}, store)
    assert run_canned("synonyms", {"name": "Imbrave 150"}, store).as_dicts()[0]["label"] == "IMbrave150"


@pytest.mark.parametrize("query,param,value,column,echoed", [
    ("guideline-recommendations", "guideline", "nccn", "guideline", "NCCN"),
    ("compare-endpoint", "endpoint", "Median Overall Survival", "endpoint", "mOS"),
    ("compare-endpoint", "line", "First line", "line", "first"),
    ("ongoing-trials", "country", "china", "country", "China"),
    ("regimens-by-class", "class", "ici+tki", "class", "ICI + TKI regimen"),
    ("approvals", "agency", "fda", "agency", "FDA"),
])
def test_a_value_is_echoed_by_its_canonical_name(query, param, value, column, echoed, store):
    rows = run_canned(query, {param: value}, store).as_dicts()
    assert rows
    assert {r[column] for r in rows} == {echoed}


def test_queries_command_lists_parameters_types_defaults_and_values(store, monkeypatch):
    from click.testing import CliRunner

    import hcc_kg.answer.store as store_module
    from hcc_kg.cli import main

    monkeypatch.setattr(store_module, "open_release", lambda release=None: store)
    out = CliRunner().invoke(main, ["queries", "compare-endpoint"], env={"COLUMNS": "120"}).output
    assert "--param endpoint=VALUE  (endpoint; default mOS)" in out
    assert "values: adjuvant, conversion, first, later, neoadjuvant, second" in out
    assert max(len(line) for line in out.splitlines()) <= 120
    help_text = CliRunner().invoke(main, ["query", "--help"]).output
    assert "`hcc-kg queries NAME`" in help_text and "RFC 4180" in help_text


# --- Python API ----------------------------------------------------------------------------------


@pytest.fixture()
def api(built, monkeypatch):
    import hcc_kg
    from hcc_kg.answer import store

    release, _ = built
    monkeypatch.setattr(store, "RELEASE", release)
    return hcc_kg.query


def test_api_takes_a_parameter_called_name(api):
    """Regression: query("synonyms", name=...) raised TypeError (the function's own argument)."""
    rows = api("synonyms", name="karelizumab")
    assert [(r["name_matched"], r["label"]) for r in rows] == [("karelizumab", "camrelizumab")]


def test_api_takes_sparql_text(api):
    rows = api('SELECT ?l WHERE { <https://w3id.org/hcc-kg/resource/study/imbrave150> '
               '<http://www.w3.org/2000/01/rdf-schema#label> ?l }')
    assert rows == [{"l": "IMbrave150"}]
    with pytest.raises(HccKgError, match="parameters apply to canned queries only"):
        api("SELECT * WHERE { ?s ?p ?o } LIMIT 1", name="x")


# --- hand-written SPARQL -------------------------------------------------------------------------


def test_plain_sparql_on_the_union_gives_one_label_per_entity(store):
    """PD-1's label was in the ontology and the asserted graph: every row about it came twice."""
    from hcc_kg.answer.store import run

    dupes = run("SELECT ?e WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l } "
                "GROUP BY ?e HAVING (COUNT(*) > 1)", store)
    assert dupes.rows == []
    pd1 = run('SELECT ?t WHERE { ?t <http://www.w3.org/2000/01/rdf-schema#label> "PD-1"@en }', store)
    assert pd1.rows == [["https://w3id.org/hcc-kg/resource/target/pd-1"]]


def test_trial_card_lists_registry_ids_once(store):
    rows = run_canned("trial-card", {"study": "IMbrave150"}, store).as_dicts()
    assert [r["item"] for r in rows if r["item"] == "NCT03434379"] == ["NCT03434379"]
    assert {r["section"] for r in rows if r["item"] == "NCT03434379"} == {"03 registry id"}
