"""Every number as data (issue 14): regimen disagreements, "none" against a number, counts,
relative effects, structured qualifiers, disputed table values and evidence levels, each answered
by the graph or a canned query with the exact values of the sources; and each new input rule
failing clearly on a broken input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from curated import curated
from rdflib import RDF, Literal
from rdflib.namespace import PROV

from hcc_kg.build.emit import emit
from hcc_kg.build.facts import load_facts
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC, RES

NCT05760599_TEXT = ("NCT05760599 is a phase II clinical trial aiming to assess the effectiveness and safety of "
                    "camrelizumab in combination with bevacizumab as the second-line treatment for patients "
                    "resistant to atezolizumab plus bevacizumab.")


@pytest.fixture(scope="module")
def graph(built):
    _, result = built
    return result.graphs["asserted"]


@pytest.fixture(scope="module")
def conflicts(ask):
    return ask("conflicts")


def _pair(rows, entity, what):
    """The conflict rows of one entity and kind, as {(value, source, quote)} pairs."""
    return [{(r["value_a"], r["source_a"], r["quote_a"]), (r["value_b"], r["source_b"], r["quote_b"])}
            for r in rows if r["entity"] == entity and r["what"] == what]


def _measurements(graph, arm, endpoint):
    """(value, UO unit number, source id of the evidence) of every measurement of an arm and endpoint."""
    out = set()
    for m in graph.subjects(HCC.arm, RES["arm"][arm]):
        if (m, HCC.endpoint, endpoint) in graph:
            ev = graph.value(m, PROV.wasDerivedFrom)
            out.add((graph.value(m, HCC.value).toPython(), str(graph.value(m, HCC.unit)).rsplit("_", 1)[-1],
                     str(ev).rsplit("/", 1)[-1].split("-")[0]))
    return out


# --- NCT05760599: two regimens for one trial, and its population -----------------------------


def test_nct05760599_regimens_side_by_side_in_conflicts(conflicts):
    # s001 text: "camrelizumab in combination with bevacizumab"; s001 Table 2: "Candonilimab	Bevacizumab"
    pairs = _pair(conflicts, "NCT05760599: bevacizumab + cadonilimab", "regimen")
    assert len(pairs) == 1
    (text,) = [side for side in pairs[0] if side[1] == "s001 text"]
    (table,) = [side for side in pairs[0] if side[1] == "s001 table-2 row 11"]
    assert text == ("bevacizumab + camrelizumab", "s001 text", NCT05760599_TEXT)
    assert table[0] == "bevacizumab + cadonilimab"
    assert table[2].startswith("NCT05760599\tCandonilimab\tBevacizumab\tSecond line\tPhase 2\t30")


def test_nct05760599_is_second_line_after_atezolizumab_bevacizumab(ask):
    rows = [r for r in ask("second-line-options") if r["name"] == "NCT05760599"]
    assert {r["line"] for r in rows} == {"second"}
    assert {r["phase"] for r in rows} == {"II"}
    for r in rows:  # the structured prior regimen, and the population as s001 words it
        assert set(r["after_atezolizumab_bevacizumab"].split("; ")) == {
            "after atezolizumab + bevacizumab", "patients resistant to atezolizumab plus bevacizumab"}


def test_nct05760599_prior_regimen_is_a_regimen(graph):
    assert (RES["study"]["nct05760599"], HCC.priorRegimen, RES["regimen"]["atezolizumab-bevacizumab"]) in graph


def test_nct05048017_keeps_all_three_pd1_inhibitors(graph):
    # s001: "regorafenib in combination with PD-1 inhibitors (camrelizumab, toripalimab, and pembrolizumab)"
    regimens = {str(graph.value(a, HCC.armRegimen)).rsplit("/", 1)[-1]
                for a in graph.objects(RES["study"]["nct05048017"], HCC.hasArm)}
    assert regimens == {"camrelizumab-regorafenib", "regorafenib-toripalimab", "pembrolizumab-regorafenib"}


# --- ORIENT-32: phase III, the table's "II" a disputed table value ----------------------------


def test_orient32_phase_is_not_ii(graph):
    study = RES["study"]["orient-32"]
    phases = set(graph.objects(study, HCC.phase))
    # s001 text "a phase III clinical trial", s000 text "phase III"; s000 Table 1 "II/III" and
    # s001's key reference "a randomised, open-label, phase 2-3 study" stay (they are stated)
    assert phases == {HCC.Phase3, HCC.Phase2to3}
    disputed = [s for s in graph.subjects(HCC.describes, study)
                if (s, HCC.phase, HCC.Phase2) in graph]
    assert len(disputed) == 1 and (disputed[0], HCC.disputed, Literal(True)) in graph
    ev = graph.value(disputed[0], PROV.wasDerivedFrom)
    assert (str(graph.value(ev, HCC.tableName)), int(graph.value(ev, HCC.tableRow))) == ("table-1", 6)


def test_orient32_phase_ii_listed_as_disputed(conflicts):
    rows = [r for r in conflicts if r["entity"] == "ORIENT-32" and r["what"] == "disputed statement: phase"]
    assert [(r["value_a"], r["source_a"]) for r in rows] == [("II", "s001 table-1 row 6")]
    assert "no passage says ORIENT-32 is phase II" in rows[0]["note"]


# --- CHANCE001: one experimental arm; the drug class a conflict --------------------------------


def test_chance001_one_experimental_arm(graph):
    study = RES["study"]["chance001"]
    arms = set(graph.objects(study, HCC.hasArm))
    assert len(arms) == 2
    experimental = [a for a in arms if (a, HCC.armRole, HCC.Experimental) in graph]
    assert len(experimental) == 1
    # the table's values (mPFS 9.5, mOS 19.2, ORR 60.1) and the text's p-values are on that arm
    values = {(graph.value(m, HCC.endpoint), graph.value(m, HCC.value).toPython(), graph.value(m, PROV.wasDerivedFrom))
              for m in graph.subjects(HCC.arm, experimental[0])}
    table = {(e, v) for e, v, ev in values if (ev, HCC.tableRow, Literal(14)) in graph}
    assert table == {(HCC.MedianPFS, Decimal("9.5")), (HCC.MedianOS, Decimal("19.2")), (HCC.ObjectiveResponseRate, Decimal("60.1"))}
    assert len(set(graph.subjects(HCC.experimentalArm, experimental[0]))) == 2  # P = 0.001 (OS), P = 0.002 (PFS)


def test_chance001_drug_class_is_a_conflict(conflicts):
    pairs = _pair(conflicts, "CHANCE001: TACE + unspecified molecular targeted drug + unspecified PD-1 inhibitor"
                          " (TACE + targeted drug + PD-1 inhibitor)", "regimen")
    assert len(pairs) == 1
    values = {(v, s) for v, s, _ in pairs[0]}
    assert values == {("TACE + unspecified molecular targeted drug + unspecified PD-1 inhibitor", "s000 text"),
                      ("TACE + unspecified molecular targeted drug + unspecified PD-L1 inhibitor", "s000 table-1 row 14")}


def test_orient32_partner_named_three_ways(conflicts):
    # s000 text "sintilimab combined with bevacizumab", s000 Table 1 "Sintilimab + Bevacizumab",
    # s001 text "sintilimab in combination with IBI-305" (the biosimilar)
    pairs = _pair(conflicts, "ORIENT-32: IBI305 + sintilimab", "regimen")
    assert {frozenset((v, s) for v, s, _ in p) for p in pairs} == {
        frozenset({("bevacizumab + sintilimab", "s000 text"), ("IBI305 + sintilimab", "s001 text")}),
        frozenset({("bevacizumab + sintilimab", "s000 table-1 row 10"), ("IBI305 + sintilimab", "s001 text")}),
    }


# --- zeros and "none" ----------------------------------------------------------------------------


def test_imbrave150_sorafenib_cr_none_against_table(conflicts):
    # s001 text: "no patients in the sorafenib group achieved CR"; s001 Table 1 row 2: CR 1.9
    pairs = _pair(conflicts, "IMbrave150: sorafenib", "CR")
    assert {frozenset((v, s) for v, s, _ in p) for p in pairs} == {
        frozenset({("0%", "s001 text"), ("1.9%", "s001 table-1 row 2")})}
    text = next(q for p in pairs for v, s, q in p if s == "s001 text")
    assert "no patients in the sorafenib group achieved CR" in text


@pytest.mark.parametrize("arm,endpoint,expected", [
    # s000: "six patients experienced PR and seven exhibited SD, with no CRs observed"
    ("zhong-radiotherapy-pd1-radiotherapy-unspecified-anti-angiogenic-agent-unspecified-pd-1-inhibitor",
     HCC.PartialResponseRate, {(6, "0000189", "s000")}),
    ("zhong-radiotherapy-pd1-radiotherapy-unspecified-anti-angiogenic-agent-unspecified-pd-1-inhibitor",
     HCC.StableDiseaseRate, {(7, "0000189", "s000")}),
    ("zhong-radiotherapy-pd1-radiotherapy-unspecified-anti-angiogenic-agent-unspecified-pd-1-inhibitor",
     HCC.CompleteResponseRate, {(0, "0000189", "s000")}),
    # s001: "with no grade 4/5 AEs reported, and no patients discontinued treatment due to AEs"
    ("vegf-liver-100-avelumab-axitinib", HCC.Grade4To5AERate, {(0, "0000187", "s001")}),
    ("vegf-liver-100-avelumab-axitinib", HCC.AEDiscontinuationRate, {(0, "0000187", "s001")}),
    # s001: "with no treatment-related deaths reported"
    ("nct05148195-envafolimab-suvemcitug", HCC.TreatmentRelatedDeathRate, {(0, "0000187", "s001")}),
    # s000: "All patients experienced AEs"
    ("study-117-lenvatinib-nivolumab", HCC.AnyAERate, {(100, "0000187", "s000")}),
    # s001: "7 cases (27%) ... underwent liver resection, and 1 case (4%) underwent curative ablation"
    ("nct04042805-lenvatinib-sintilimab", HCC.ResectionRate, {(27, "0000187", "s001"), (7, "0000189", "s001")}),
    ("nct04042805-lenvatinib-sintilimab", HCC.AblationRate, {(4, "0000187", "s001"), (1, "0000189", "s001")}),
    # s000: "the median follow-up time was 13.2 months for group A and 3.4 months for group B"
    ("tivozanib-durvalumab-phase1b2-durvalumab-tivozanib-group-a", HCC.MedianFollowUp, {(Decimal("13.2"), "0000035", "s000")}),
    ("tivozanib-durvalumab-phase1b2-durvalumab-tivozanib-group-b", HCC.MedianFollowUp, {(Decimal("3.4"), "0000035", "s000")}),
    # s001: IMbrave050 control group "(78% vs. 65%)" RFS rate and "(20% vs. 34%)" 12-month recurrence
    ("imbrave050-unnamed-control-treatment", HCC.RFSRate, {(65, "0000187", "s001")}),
    ("imbrave050-unnamed-control-treatment", HCC.RecurrenceRate12Month, {(34, "0000187", "s001")}),
])
def test_numbers_stated_in_words_or_beside_others_are_values(graph, arm, endpoint, expected):
    assert _measurements(graph, arm, endpoint) == expected


def test_baseline_shares_are_values_with_their_subgroup(graph):
    # s001: "fewer patients with microvascular invasion (MVI) in the lenvatinib group than the REFLECT trial (15.5% vs. 23%)"
    # s001: "with 67.9% receiving treatment with TKIs and 21.4% receiving treatment with TKIs plus PD-1 antibodies"
    shares = {(str(graph.value(m, HCC.arm)).rsplit("/", 1)[-1], str(graph.value(m, HCC.subgroup)), graph.value(m, HCC.value).toPython())
              for m in graph.subjects(HCC.endpoint, HCC.BaselineShare)}
    assert shares == {
        ("leap-002-lenvatinib", "microvascular invasion (MVI)", Decimal("15.5")),
        ("reflect-lenvatinib", "microvascular invasion (MVI)", Decimal(23)),
        ("tislelizumab-regorafenib-phase2-regorafenib-tislelizumab", "prior treatment with TKIs", Decimal("67.9")),
        ("tislelizumab-regorafenib-phase2-regorafenib-tislelizumab", "prior treatment with TKIs plus PD-1 antibodies", Decimal("21.4")),
        # s000: "A total of 19 patients were monitored ..., and 5 of the 8 positive patients ..., while only 1 of the 11 negative"
        ("bavituximab-pembrolizumab-phase2-bavituximab-pembrolizumab", "immune-microenvironment marker positive (8 patients)", Decimal(8)),
        ("bavituximab-pembrolizumab-phase2-bavituximab-pembrolizumab", "immune-microenvironment marker negative (11 patients)", Decimal(11)),
    }


# --- relative effects and design targets ---------------------------------------------------------


def _relative(graph):
    return {(str(graph.value(c, HCC.experimentalArm)).rsplit("/", 1)[-1], str(graph.value(c, HCC.comparatorArm)).rsplit("/", 1)[-1],
             graph.value(c, HCC.endpoint), graph.value(c, HCC.relativeEffect).toPython(), graph.value(c, HCC.effectDirection))
            for c in graph.subjects(HCC.relativeEffect, None)}


def test_relative_effects_are_typed_with_direction(graph):
    found = _relative(graph)
    # s001 ORIENT-32: "with a 43.1% reduction in the risk of death"
    assert ("orient-32-ibi305-sintilimab", "orient-32-sorafenib", HCC.OverallSurvival, Decimal("43.1"), HCC.Lower) in found
    # s000 HIMALAYA: "The STRIDE regimen reduced the risk of death by 22% (HR = 0.78, ...)"
    assert ("himalaya-durvalumab-tremelimumab", "himalaya-sorafenib", HCC.OverallSurvival, Decimal(22), HCC.Lower) in found
    # s000 HIMALAYA: "≥ grade 3 treatment-related AEs was 30% lower than that of the control group"
    assert ("himalaya-durvalumab-tremelimumab", "himalaya-sorafenib", HCC.Grade3PlusTRAERate, Decimal(30), HCC.Lower) in found
    # s001 IMbrave050: "reduced the risk of disease recurrence, distant metastasis, or death ... by 28%"
    assert ("imbrave050-atezolizumab-bevacizumab", "imbrave050-unnamed-control-treatment", HCC.RecurrenceFreeSurvival,
            Decimal(28), HCC.Lower) in found


def test_design_target_is_not_a_result(graph, ask):
    # s001 IMMUNIB: "Although the expected ORR of 40% was not reached" (the result was 28%)
    targets = list(graph.subjects(RDF.type, HCC.DesignTarget))
    assert [(str(graph.value(t, HCC.targetOfArm)).rsplit("/", 1)[-1], graph.value(t, HCC.endpoint),
             graph.value(t, HCC.targetValue).toPython()) for t in targets] == [
        ("immunib-lenvatinib-nivolumab", HCC.ObjectiveResponseRate, Decimal(40))]
    assert (targets[0], RDF.type, HCC.OutcomeMeasurement) not in graph
    rows = [r for r in ask("regimen-outcomes", regimen="lenvatinib + nivolumab") if r["study"] == "IMMUNIB"]
    # the results only: "the ORR was 28%" (s001 text) and 28.0 (s001 Table 1 row 14)
    assert sorted((r["value"], r["source"]) for r in rows if r["endpoint"] == "ORR") == [
        ("28%", "s001 table-1 row 14"), ("28%", "s001 text")]


# --- recommendations with structured populations -------------------------------------------------


def test_recommendation_populations_are_structured(graph):
    rec = RES["recommendation"]
    # s001: "nivolumab plus ipilimumab should be used for tumor mutational burden-high (TMB-H) patients"
    assert (rec["nccn-ipilimumab-nivolumab-tmb-h"], HCC.forBiomarker, RES["biomarker"]["tmb-h-nivolumab-ipilimumab"]) in graph
    # s001: "recommended pembrolizumab as the second-line treatment option for HCC patients in Child–Pugh class A"
    assert graph.value(rec["nccn-4-2018-pembrolizumab-second-line"], HCC.childPughClass) == Literal("A")
    assert graph.value(rec["nccn-4-2018-pembrolizumab-second-line"], HCC.lineOfTherapy) == HCC.SecondLine


# --- Study 22: four groups kept, the doubt as data -----------------------------------------------


def test_study22_four_groups_with_disputed_attribution(graph):
    # s000 Table 1 row 11: "mOS: 18.7 months vs 13.6 months vs 15.1 months vs 11.3 months"
    mos = {}
    for m in graph.subjects(HCC.endpoint, HCC.MedianOS):
        ev = graph.value(m, PROV.wasDerivedFrom)
        if (ev, HCC.tableRow, Literal(11)) in graph and str(graph.value(m, HCC.arm)).startswith(str(RES["arm"]["study-22"])):
            mos[str(graph.value(m, HCC.qualifier))] = (graph.value(m, HCC.value).toPython(), (m, HCC.disputed, Literal(True)) in graph)
    assert mos == {"group 1 of 4 as printed": (Decimal("18.7"), False), "group 2 of 4 as printed": (Decimal("13.6"), True),
                   "group 3 of 4 as printed": (Decimal("15.1"), True), "group 4 of 4 as printed": (Decimal("11.3"), True)}


# --- evidence levels ------------------------------------------------------------------------------


def test_every_result_has_an_evidence_level(graph):
    for cls in (HCC.OutcomeMeasurement, HCC.ArmComparison):
        results = set(graph.subjects(RDF.type, cls))
        assert results and [m for m in results if (m, HCC.evidenceLevel, None) not in graph] == []


@pytest.mark.parametrize("study,level", [
    ("imbrave150", HCC.LevelPhase3Controlled),     # randomised phase III with a sorafenib arm
    ("study-22", HCC.LevelControlledEarlyPhase),   # "randomized controlled phase I/II trial"
    ("keynote-224", HCC.LevelSingleArm),
    ("chance001", HCC.LevelObservational),         # "multicenter retrospective study"
    ("zhong-radiotherapy-pd1", HCC.LevelObservational),
])
def test_evidence_level_follows_the_design(graph, study, level):
    assert graph.value(RES["study"][study], HCC.evidenceLevel) == level


def test_best_evidence_for_a_regimen(ask):
    rows = ask("best-evidence", regimen="lenvatinib + pembrolizumab")
    assert [(r["study"], r["best"], r["rank"], r["level"]) for r in rows] == [
        ("LEAP-002", "yes", "1", "controlled phase III trial"),
        ("KEYNOTE-524", "no", "4", "single-arm or uncontrolled trial")]
    assert rows[0]["esmo"].startswith("I (") and rows[0]["asco"] == "high" and rows[0]["civic"].startswith("B")


# --- broken inputs: each new rule fails with file, record and field -------------------------------


def test_regimen_statement_needs_a_regimen(facts_copy):
    study, save = curated(facts_copy, "studies/nct05760599.yaml")
    study["arms"][0]["statements"][0]["value"] = "camrelizumab + bevacizumab"
    save(study)
    with pytest.raises(HccKgError, match=r"nct05760599.yaml: record 'nct05760599', field arms.0.statements.0: "
                                         r".*regimen takes regimen \(a list of names\), not value"):
        load_facts(facts_copy)


def test_relative_effect_needs_its_direction(facts_copy):
    study, save = curated(facts_copy, "studies/orient-32.yaml")
    i = next(i for i, c in enumerate(study["comparisons"]) if "relative_effect" in c)
    del study["comparisons"][i]["direction"]
    save(study)
    with pytest.raises(HccKgError, match=rf"orient-32.yaml: record 'orient-32', field comparisons.{i}: "
                                         r".*a relative_effect needs its direction"):
        load_facts(facts_copy)


def test_relative_effect_must_occur_in_its_quote(facts_copy):
    study, save = curated(facts_copy, "studies/orient-32.yaml")
    i = next(i for i, c in enumerate(study["comparisons"]) if "relative_effect" in c)
    study["comparisons"][i]["relative_effect"] = 43
    save(study)
    with pytest.raises(HccKgError, match=r"field comparisons\[\d+\].relative_effect: 43 does not occur in its quote"):
        load_facts(facts_copy)


def test_unknown_recommendation_biomarker(facts_copy):
    recs, save = curated(facts_copy, "recommendations.yaml")
    i = next(i for i, r in enumerate(recs) if r.get("biomarker"))
    recs[i]["biomarker"] = "no-such-biomarker"
    save(recs)
    with pytest.raises(HccKgError, match=r"recommendations.yaml: record '.*', field biomarker: unknown biomarker 'no-such-biomarker'"):
        emit(load_facts(facts_copy))


def test_row_note_disputes_unknown_column(facts_copy):
    notes, save = curated(facts_copy, "tables.yaml")
    next(n for n in notes if n.get("dispute"))["dispute"] = ["Stage"]
    save(notes)
    with pytest.raises(HccKgError, match=r"tables.yaml: s001/table-1 row 6: dispute names unknown columns \['Stage'\]"):
        emit(load_facts(facts_copy))


def test_group_printed_must_be_the_rows_own_intervention(facts_copy):
    notes, save = curated(facts_copy, "tables.yaml")
    note = next(n for n in notes if n["table"] == "s000/table-1" and n["row"] == 14)
    note["groups"][0]["printed"] = "TACE + PD-1 inhibitors"
    save(notes)
    with pytest.raises(HccKgError, match=r"tables.yaml: s000/table-1 row 14: printed 'TACE \+ PD-1 inhibitors' is not "
                                         r"one of the row's interventions"):
        emit(load_facts(facts_copy))


def test_row_note_arm_must_exist(facts_copy):
    notes, save = curated(facts_copy, "tables.yaml")
    note = next(n for n in notes if n["table"] == "s000/table-1" and n["row"] == 14)
    note["groups"][0]["arm"] = "tace-pd-l1"
    save(notes)
    with pytest.raises(HccKgError, match=r"tables.yaml: s000/table-1 row 14: no arm 'tace-pd-l1' in study chance001"):
        emit(load_facts(facts_copy))


def test_corrected_table_cells_are_listed_as_conflicts(conflicts):
    rows = {(r["entity"], r["what"]): r for r in conflicts if r["what"].startswith("table cell corrected")}
    # s001 Table 1 row 2 prints COSMIC-312 on IMbrave150's sorafenib arm (the shifted trial-name column)
    row = rows[("s001 table-1 row 2", "table cell corrected: Trials")]
    assert (row["value_a"], row["value_b"], row["source_b"]) == ("COSMIC-312", "IMbrave 150", "curated correction")
    assert row["quote_a"].startswith("COSMIC-312\tFirst\tIII\tSorafenib\t165") and "shifted" in row["note"]
    # s000 Table 1 row 2 prints KEYNOTE-224's "mOS: 12.9%"; s000's text gives months
    row = rows[("s000 table-1 row 2", "table cell corrected: Finding")]
    assert row["value_a"] == "ORR: 17%; DCR: 62%; mPFS: 4.9 months; mOS: 12.9%"
    assert row["value_b"] == "ORR: 17%; DCR: 62%; mPFS: 4.9 months; mOS: 12.9 months"
