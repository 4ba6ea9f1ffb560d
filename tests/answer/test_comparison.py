"""Issue 20: one notion of a result (the comparison pattern every results query is built from),
no silent emptiness (hints), and the approvals and mechanisms filters.

Expected answers are read from the sources (s000 = graph/sources/000_*.txt, s001 = 001_*.txt).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hcc_kg.answer.catalogue import catalogue, fragment, parse_query_file
from hcc_kg.answer.params import run_canned
from hcc_kg.answer.store import term_hints
from hcc_kg.cli import main
from hcc_kg.errors import HccKgError
from hcc_kg.publish.results import select_all

COMPARISON_COLUMNS = ["cmp_study", "cmp_experimental_arm", "cmp_regimen", "cmp_control_arm", "cmp_endpoint",
                      "study", "phases", "lines", "endpoint", "subgroup", "experimental", "experimental_value",
                      "control", "control_value", "hr", "p", "direction", "primary_endpoint", "effect_source",
                      "hr_high", "ci_high", "p_high"]
#: the canned queries about results that answer through the comparison pattern
USERS = {"first-line-pd1-tki", "comparator-sorafenib", "phase3-os-benefit", "locoregional-combinations",
         "negative-trials"}
#: the canned queries whose rows are measurements of any arm: the pattern keyed on the arm
ARM_USERS = {"compare-endpoint", "regimen-outcomes", "adverse-events"}


# --- the pattern and how the catalogue splices it ------------------------------------------------

def test_results_queries_share_one_pattern():
    body = fragment("comparison")
    queries = catalogue()
    assert {name for name, q in queries.items() if "comparison" in q.uses} == USERS
    for name in USERS:
        assert body.splitlines()[3].strip() in queries[name].text, name  # spliced, not copied by hand
        assert "#include" not in queries[name].text
    # the queries about any arm's measurements through arm-comparison.rq, which includes the pattern
    assert {name for name, q in queries.items() if "arm-comparison" in q.uses} == ARM_USERS
    for name in ARM_USERS:
        assert body.splitlines()[3].strip() in queries[name].text, name
        assert "#include" not in queries[name].text
    # the rule for a missed primary endpoint has one home, in the pattern the build runs
    # (result-comparisons.rq) and the trial card's query
    rule = fragment("primary-endpoint").splitlines()[2].strip()
    assert rule in fragment("result-comparisons") and rule in queries["trial-results"].text
    first = next(line for line in body.splitlines() if line.strip().startswith("SELECT"))
    projected = " ".join(body.splitlines()[body.splitlines().index(first):][:4]).split("WHERE")[0]
    assert [v.strip("?") for v in projected.split() if v.startswith("?")] == COMPARISON_COLUMNS


def test_pattern_columns_on_the_release(store):
    """The pattern alone, as the README documents it: one row per result, with its comparison."""
    from hcc_kg.answer.store import run

    result = run(select_all("comparison"), store)
    assert set(result.columns) == set(COMPARISON_COLUMNS)  # SELECT * orders them its own way
    rows = result.as_dicts()
    # s001: "mOS (22.1 vs. 15.2 months, $p < 0.0001$)" (CARES-310)
    cares = [r for r in rows if r["study"] == "CARES-310" and r["endpoint"] == "mOS"]
    assert len(cares) == 1 and cares[0]["cmp_control_arm"].endswith("/arm/cares-310-sorafenib")
    # an uncontrolled arm joins on hcc:noControl, never on an unbound variable
    assert any(r["cmp_control_arm"] == "https://w3id.org/hcc-kg/ontology#noControl" for r in rows)


def test_the_rows_the_build_wrote_are_the_pattern_evaluated_on_the_release(store):
    """queries/fragments/comparison.rq reads what the build wrote (hcc:ResultComparison); evaluated
    afresh on the release, result-comparisons.rq gives the same rows, but for the row without a
    control of an arm that another row compares (the low-dose group against the standard-dose one)."""
    from hcc_kg.answer.store import run

    def rows(name):  # "; "-joined values sorted: their order is the engine's
        return {tuple("; ".join(sorted(str(r[c]).split("; "))) for c in COMPARISON_COLUMNS)
                for r in run(select_all(name), store).as_dicts()}

    written, fresh = rows("comparison"), rows("result-comparisons")
    assert written < fresh
    left_out = fresh - written
    assert {(r[COMPARISON_COLUMNS.index("study")], r[COMPARISON_COLUMNS.index("cmp_control_arm")]) for r in left_out} == {
        ("Standard-dose vs low-dose bevacizumab with atezolizumab study (151 patients)",
         "https://w3id.org/hcc-kg/ontology#noControl")}


def test_a_header_and_body_that_disagree_are_an_error(tmp_path):
    (tmp_path / "fragments").mkdir()
    (tmp_path / "fragments" / "comparison.rq").write_text("# doc\n{ ?s ?p ?o }\n", encoding="utf-8")
    bad = tmp_path / "bad.rq"
    bad.write_text("# title: t\n# uses: comparison\nSELECT * WHERE {\n}\n", encoding="utf-8")
    with pytest.raises(HccKgError, match=r"bad.rq: '# uses: comparison' does not match the #include lines \(none\)"):
        parse_query_file(bad)
    good = tmp_path / "good.rq"
    good.write_text("# title: t\n# uses: comparison\nSELECT * WHERE {\n  #include comparison\n}\n", encoding="utf-8")
    assert "  { ?s ?p ?o }" in parse_query_file(good).text
    missing = tmp_path / "missing.rq"
    missing.write_text("# uses: nothing\nSELECT * WHERE {\n  #include nothing\n}\n", encoding="utf-8")
    with pytest.raises(HccKgError, match="nothing.rq: no such query fragment"):
        parse_query_file(missing)


# --- no silent emptiness ---------------------------------------------------------------------------

def test_an_unknown_ontology_term_gets_a_hint_on_stderr_and_the_rows_stay():
    query = "PREFIX hcc: <https://w3id.org/hcc-kg/ontology#>\nSELECT ?s WHERE { ?s a hcc:Study }"
    result = CliRunner().invoke(main, ["query", query, "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.replace("\r\n", "\n") == "s\n"  # the rows (none) as they are
    assert result.stderr.splitlines() == [
        ("hint: hcc:Study is not a term of the ontology; nearest: hcc:ClinicalStudy, hcc:ObservationalStudy, "
         "hcc:basedOnStudy, hcc:resultStudy")]


def test_known_terms_get_no_hint(store):
    assert term_hints("PREFIX h: <https://w3id.org/hcc-kg/ontology#> SELECT * WHERE { ?s a h:ClinicalTrial ; "
                      "<https://w3id.org/hcc-kg/ontology#phase> h:Phase3 } # h:Nothing in a comment", store) == []
    hint = term_hints("SELECT * WHERE { ?s a <https://w3id.org/hcc-kg/ontology#Trial> }", store)
    ns = "https://w3id.org/hcc-kg/ontology#"
    assert hint == [f"{ns}Trial is not a term of the ontology; nearest: {ns}ClinicalTrial, {ns}TrialArm, {ns}TrialPhase"]


def test_an_endpoint_without_rows_names_what_exists(store):
    """compare-endpoint ranks arms' values; RFS is in the graph only as IMbrave050's between-arm
    statistic (s001), and arms' RFS rates are RFS-rate."""
    result = run_canned("compare-endpoint", {"endpoint": "RFS"}, store)
    assert result.rows == []
    assert result.hints[0].startswith("compare-endpoint has no rows for endpoint=RFS; with rows: endpoint=RFS-rate (")
    assert result.hints[1] == ("RFS is reported as a between-arm statistic (hazard ratio, p, relative effect), not an "
                               "arm's value, in IMbrave050: hcc-kg query trial-card -p study=IMbrave050")
    cli = CliRunner().invoke(main, ["query", "compare-endpoint", "-p", "endpoint=RFS"])
    assert cli.exit_code == 0 and "hint: compare-endpoint has no rows for endpoint=RFS" in cli.stderr
    assert run_canned("compare-endpoint", {"endpoint": "mOS"}, store).hints == []


# --- filters ----------------------------------------------------------------------------------------

def test_approvals_by_drug_line_target_and_agency(ask):
    # s001: "In 2018, FDA approved the use of pembrolizumab in the second-line treatment for HCC";
    # s000: "the FDA has approved pembrolizumab and nivolumab for second-line monotherapy"
    rows = ask("approvals", drug="pembrolizumab", line="second")
    assert {(r["agency"], r["regimen"], r["line"], r["source"]) for r in rows} == {
        ("FDA", "pembrolizumab", "second", "s001"), ("FDA", "pembrolizumab", "second", "s000")}
    # s001: "In 2020, FDA approved atezolizumab plus bevacizumab ... first-line" (a PD-L1 inhibitor)
    pdl1 = ask("approvals", target="PD-L1", agency="FDA")
    assert ("2020", "atezolizumab + bevacizumab", "first") in {(r["year"], r["regimen"], r["line"]) for r in pdl1}
    assert all("pembrolizumab" not in r["regimen"] for r in pdl1)  # PD-1, not PD-L1
    with pytest.raises(HccKgError, match="parameter drug: no entity named 'pembrolizumabb'; nearest: .*pembrolizumab"):
        ask("approvals", drug="pembrolizumabb")
    with pytest.raises(HccKgError, match="parameter line: no line of therapy 'secnod'"):
        ask("approvals", line="secnod")


def test_mechanisms_by_target(ask):
    rows = ask("mechanisms", target="VEGFR2")
    agents = {r["agent"] for r in rows}
    # s001: rivoceranib "binds competitively to the ATP-binding site of intracellular VEGFR-2";
    # suvemcitug "blocks the interaction of VEGFA with VEGFR1 and VEGFR2"
    assert {"rivoceranib", "suvemcitug"} <= agents
    assert "regorafenib" not in {r["agent"] for r in ask("mechanisms", target="CTLA-4")}
    with pytest.raises(HccKgError, match="parameter target: no entity named 'VEGFR22'"):
        ask("mechanisms", target="VEGFR22")


# --- the comparison on every row of a result: compare-endpoint, regimen-outcomes, adverse-events ----

def _listed(row: dict, column: str) -> set[str]:
    """A "; "-joined column as a set (GROUP_CONCAT's order is the engine's)."""
    return set(row[column].split("; ")) if row[column] else set()


def test_compare_endpoint_rows_carry_the_control_arm_and_the_effect(ask):
    rows = ask("compare-endpoint", endpoint="mOS", line="first", phase="III")
    by_arm = {(r["study"], r["regimen"], r["value"], r["source"]): r for r in rows if not r["subgroup"]}
    # s001: "mOS (19.2 vs. 13.4 months, $p < 0.001$)"; s000: "median overall survival (mOS) ... 19.2
    # months ... 13.4 months" (p < 0.001); s001 Table 1 rows 1-2: 19.2 and 13.4
    imbrave = by_arm[("IMbrave150", "atezolizumab + bevacizumab", "19.2 months", "s001 text")]
    assert (imbrave["role"], imbrave["control"], imbrave["p"], imbrave["direction"]) == (
        "experimental", "sorafenib", "< 0.001", "longer in experimental (values)")
    assert _listed(imbrave, "control_value") == {"13.4 months [s000 text]", "13.4 months [s001 table-1 row 2]",
                                                 "13.4 months [s001 text]"}
    # s000: LEAP-002 "a significantly higher mOS (21.2 months) ... compared to lenvatinib alone (19
    # months) [HR = 0.840, P = 0.0227]", and the predetermined significance was not achieved
    leap = by_arm[("LEAP-002", "lenvatinib + pembrolizumab", "21.2 months", "s000 text")]
    assert (leap["control"], leap["hr"], leap["p"], leap["direction"], leap["primary_endpoint"], leap["effect_source"]) \
        == ("lenvatinib", "0.84", "= 0.0227", "HR < 1: favours experimental",
            "not met (s000: predetermined significance not achieved)", "s000 text")
    assert _listed(leap, "control_value") == {"19 months [s000 table-1 row 5]", "19 months [s000 text]",
                                              "19 months [s001 table-1 row 10]"}
    # a control arm's own row: its values are the experimental arm's control_value, no control of its own
    sorafenib = by_arm[("IMbrave150", "sorafenib", "13.4 months", "s001 text")]
    assert (sorafenib["role"], sorafenib["control"], sorafenib["control_value"], sorafenib["hr"]) == (
        "comparator", "", "", "")
    # a row per measurement, as before: no measurement twice for want of a control
    assert len(rows) == len({(r["arm"], r["value"], r["source"], r["subgroup"], r["note"], r["quote"]) for r in rows})


def test_an_uncontrolled_arm_keeps_empty_control_columns(ask):
    rows = ask("compare-endpoint", endpoint="mOS")
    # s000 Table 1: KEYNOTE-524 (single arm) lenvatinib + pembrolizumab mOS 22
    keynote = [r for r in rows if r["study"] == "KEYNOTE-524"]
    assert keynote and {(r["role"], r["control"], r["control_value"], r["hr"], r["p"], r["direction"]) for r in keynote} \
        == {("single", "", "", "", "", "")}


def test_two_groups_compared_with_each_other_have_one_row_each_with_the_comparison(ask):
    rows = ask("adverse-events", regimen="atezolizumab + bevacizumab")
    # s001: "bleeding event rate (20.0% vs. 25.0%, $p = 0.23$)" (standard- vs low-dose bevacizumab)
    low = [r for r in rows if r["adverse_event"] == "bleeding event" and r["arm"].endswith("(low-dose group)")]
    assert [(r["result"], r["control"], r["control_value"], r["p"], r["direction"]) for r in low] == [
        ("25%", "atezolizumab + bevacizumab (standard-dose group)", "bleeding event 20% [s001 text]", "= 0.23",
         "no significant difference (p >= 0.05)")]


def test_grade3_adverse_events_come_with_the_control_arm_rate(ask):
    """*What grade >= 3 adverse-event rates did atezolizumab + bevacizumab and sorafenib have?* in one answer."""
    rows = ask("adverse-events", regimen="atezolizumab + bevacizumab")
    imbrave = {(r["result"], r["qualifier"], r["source"], r["table_row"]): r for r in rows if r["study"] == "IMbrave150"}
    # s001: "with 61.1% experiencing AEs of grade 3 or higher" ... "In contrast, 60.9% of patients in the
    # sorafenib group experienced AEs of grade 3 or higher"; s001 Table 1 rows 1-2: 61.1% and 60.9%;
    # s000: "The incidence of grade 3-4 AEs in the T + A regimen (43%) was similar to sorafenib monotherapy (43%)"
    sorafenib = frozenset({"43% (grade 3-4) [s000 text]", "60.9% [s001 table-1 row 2]", "60.9% [s001 text]"})
    assert {k: (r["control"], frozenset(_listed(r, "control_value"))) for k, r in imbrave.items()} == {
        ("43%", "grade 3-4", "s000", ""): ("sorafenib", sorafenib),
        ("61.1%", "", "s001", ""): ("sorafenib", sorafenib),
        ("61.1%", "", "s001", "table-1 row 1"): ("sorafenib", sorafenib)}


def test_regimen_outcomes_rows_carry_the_comparison(ask):
    rows = ask("regimen-outcomes", regimen="atezolizumab + bevacizumab")
    # s001: "increased ORR (33.2% vs. 13.3%" and "$p < 0.0001$"; s001 Table 1 rows 1-2: 33.2 and 13.3
    orr = [r for r in rows if r["study"] == "IMbrave150" and r["endpoint"] == "ORR" and r["source"] == "s001 text"]
    assert [(r["value"], r["control"], r["p"]) for r in orr] == [("33.2%", "sorafenib", "< 0.0001")]
    assert "13.3% [s001 text]" in _listed(orr[0], "control_value")
