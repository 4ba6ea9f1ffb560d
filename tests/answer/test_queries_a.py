"""Canned queries of group a: regimens by class, drugs by target, drug and trial cards, regimen
outcomes, one endpoint compared, phase III OS benefit, negative trials.

Every query runs on pyoxigraph and rdflib through the `ask` fixture (both engines must agree).
Expected answers are read from the sources; the comment beside each says where.
"""

from __future__ import annotations

import pytest

from hcc_kg.errors import HccKgError


def _col(rows, name):
    return {r[name] for r in rows}


# --- regimens-by-class -----------------------------------------------------------------------

# Dual checkpoint = CTLA-4 + PD-1/PD-L1, two drugs or one bispecific (found by the reasoner):
# cadonilimab "targets both PD-1 and CTLA-4" (s001), KN046 "a PD-L1/CTLA-4 bispecific antibody"
# (s001), durvalumab + tremelimumab (HIMALAYA, Study 22; s000 Table 4 "PD-1 + CTLA-4"), nivolumab +
# ipilimumab (Checkmate 040, s001 Table 1), and the cadonilimab and KN046 combinations of s001 Table 2.
DUAL_CHECKPOINT = {
    "KN046", "KN046 + lenvatinib", "bevacizumab + cadonilimab", "cadonilimab", "cadonilimab + lenvatinib",
    "cadonilimab + ramucirumab", "cadonilimab + regorafenib", "durvalumab + tremelimumab", "ipilimumab + nivolumab",
}


def test_regimens_by_class_dual_checkpoint(ask):
    rows = ask("regimens-by-class", **{"class": "dual checkpoint"})
    assert _col(rows, "regimen") == DUAL_CHECKPOINT
    assert _col(rows, "regimen_class") == {"dual checkpoint regimen"}
    stride = next(r for r in rows if r["regimen"] == "durvalumab + tremelimumab")
    # HIMALAYA is a first-line phase III trial (s000: "phase III"; s001 Table 1 "First")
    assert "HIMALAYA (III)" in stride["trials"].split("; ")
    assert "first" in stride["lines"].split("; ")


def test_regimens_by_class_ici_tki_first_line(ask):
    rows = ask("regimens-by-class", **{"class": "ICI+TKI", "line": "first"})
    got = _col(rows, "regimen")
    # s001: COSMIC-312 (atezolizumab + cabozantinib, first line, PD-L1 + TKI), LEAP-002 (first line),
    # CARES-310 (camrelizumab + rivoceranib, first line)
    assert {"atezolizumab + cabozantinib", "lenvatinib + pembrolizumab", "camrelizumab + rivoceranib"} <= got
    # anlotinib + toripalimab is a second-line trial only (s001 Table 2, NCT05453383)
    assert "anlotinib + toripalimab" not in got
    # atezolizumab + bevacizumab is ICI + anti-VEGF, not ICI + TKI
    assert "atezolizumab + bevacizumab" not in got
    assert len(rows) == 20


def test_regimens_by_class_accepts_local_name_and_any_case(ask):
    by_label = ask("regimens-by-class", **{"class": "ICI + anti-VEGF"})
    by_name = ask("regimens-by-class", **{"class": "ICIPlusAntiVEGFRegimen", "line": "FIRST"})
    assert "atezolizumab + bevacizumab" in _col(by_label, "regimen")  # IMbrave150, s000 and s001
    assert _col(by_name, "regimen") <= _col(by_label, "regimen")
    assert "atezolizumab + bevacizumab" in _col(by_name, "regimen")
    # NCT05760599 (bevacizumab + cadonilimab) is second line only (s001 Table 2)
    assert "bevacizumab + cadonilimab" not in _col(by_name, "regimen")


def test_regimens_by_class_without_filters_lists_every_class(ask):
    rows = ask("regimens-by-class")
    assert _col(rows, "regimen_class") == {"ICI + TKI regimen", "ICI + anti-VEGF regimen", "dual checkpoint regimen",
                                          "ICI monotherapy", "ICI + locoregional regimen"}


def test_regimens_by_class_no_match(ask):
    # a class outside the value set is an error, not an empty answer (issue 13)
    with pytest.raises(HccKgError, match="no regimen class 'CAR-T'; values: dual checkpoint regimen, "):
        ask("regimens-by-class", **{"class": "CAR-T"})
    assert ask("regimens-by-class", **{"class": "dual checkpoint", "line": "neoadjuvant"}) == []


# --- drugs-by-target -------------------------------------------------------------------------

def test_drugs_by_target_pd_l1(ask):
    rows = ask("drugs-by-target", target="PD-L1")
    # s001: "Atezolizumab is a PD-L1 monoclonal antibody", "Avelumab is an anti-PD-L1 drug",
    # "TQB2450, a PD-L1 monoclonal antibody" (benmelstobart), "Envafolelimab is a PD-L1 antibody",
    # "KN046, a PD-L1/CTLA-4 bispecific antibody"; s000: "PD-L1 inhibitors" (unspecified classes);
    # durvalumab from its drug label (external). Camrelizumab's "human PD-L1 monoclonal antibody"
    # (s001) is disputed and left out.
    assert _col(rows, "drug") == {"KN046", "atezolizumab", "avelumab", "benmelstobart", "durvalumab",
                                  "envafolimab", "unspecified PD-1/PD-L1 inhibitor", "unspecified PD-L1 inhibitor"}
    how = {(r["drug"], r["how"]) for r in rows}
    assert ("durvalumab", "external") in how
    assert ("KN046", "asserted (one arm of a bispecific)") in how
    atezo = next(r for r in rows if r["drug"] == "atezolizumab")
    assert (atezo["source"], atezo["evidence"]) == ("s001 text", "Atezolizumab is a PD-L1 monoclonal antibody")
    assert "PD-L1 inhibitor" in atezo["classes"].split("; ")


def test_drugs_by_target_vegf_a_includes_biosimilars(ask):
    rows = ask("drugs-by-target", target="VEGF-A")
    # s001: "Bevacizumab is a VEGF-A monoclonal antibody"; "IBI-305 is a biosimilar of bevacizumab";
    # suvemcitug "blocks the interaction of VEGFA with VEGFR1 and VEGFR2"; HLX04 and SCT510 are
    # bevacizumab biosimilars (s001), so they act on VEGF-A through their reference product.
    assert _col(rows, "drug") == {"bevacizumab", "IBI305", "suvemcitug", "HLX04", "SCT510"}
    assert {r["how"] for r in rows if r["drug"] in ("HLX04", "SCT510")} == {"biosimilar of bevacizumab"}


def test_drugs_by_target_alias(ask):
    rows = ask("drugs-by-target", target="fibroblast growth factor receptor 4")  # FGFR4's synonym
    # s001: "Irpagratinib (ABSK-011) is a highly selective FGFR4 inhibitor"; s001: "lenvatinib ... can
    # inhibit FGFR4 in tumor cells"; s000: lenvatinib "FGFR 1-4"
    assert _col(rows, "drug") == {"irpagratinib", "lenvatinib"}
    assert _col(rows, "target_label") == {"FGFR4"}


def test_drugs_by_target_no_match(ask):
    assert ask("drugs-by-target", target="lenvatinib") == []  # a drug, not a target


# --- drug-card -------------------------------------------------------------------------------

def test_drug_card_camrelizumab_by_misspelling(ask):
    rows = ask("drug-card", drug="karelizumab")  # s000's misspelling of camrelizumab
    assert _col(rows, "drug_label") == {"camrelizumab"}
    facts = {(r["section"], r["item"]) for r in rows}
    # targets: PD-1 only ("Camrelizumab is a humanized anti-PD-1 monoclonal antibody", s001); the
    # "human PD-L1 monoclonal antibody" sentence is disputed
    assert {i for s, i in facts if s == "04 target"} == {"PD-1"}
    assert ("01 class", "PD-1 inhibitor") in facts
    assert ("02 synonym", "karelizumab") not in facts  # a source spelling, never shown as a synonym
    # s001: "In 2023, based on the results of CARES-310, ... approved by the NMPA" (camrelizumab + rivoceranib)
    approvals = [r for r in rows if r["section"] == "06 approval"]
    assert any(r["item"] == "NMPA approval of camrelizumab + rivoceranib (2023)"
               and "based on CARES-310" in r["detail"] for r in approvals)
    # s001: CARES-310 "mOS (22.1 vs. 15.2 months, $p < 0.0001$)"
    assert any(r["section"] == "10 comparison" and r["detail"] == "OS; p < 0.0001" and r["source"] == "s001 text"
               for r in rows)
    assert any(r["section"] == "09 outcome" and r["item"] == "CARES-310: camrelizumab + rivoceranib"
               and r["detail"] == "mOS: 22.1 months" for r in rows)


def test_drug_card_default_is_atezolizumab(ask):
    rows = ask("drug-card")
    assert _col(rows, "drug_label") == {"atezolizumab"}
    # s001: "Atezolizumab is a PD-L1 monoclonal antibody"
    target = [r for r in rows if r["section"] == "04 target"]
    assert [(r["item"], r["source"], r["quote"]) for r in target] == \
        [("PD-L1", "s001 text", "Atezolizumab is a PD-L1 monoclonal antibody")]


def test_drug_card_no_match(ask):
    assert ask("drug-card", drug="PD-1") == []  # a target, not a drug


def test_drug_card_reads_every_drug_class(built):
    """drug-card follows rdfs:subClassOf one to three steps up to hcc:Drug, not the path
    rdfs:subClassOf* (Virtuoso 7.2 drops rows with it, README "Loading into a triplestore"): every
    class below hcc:Drug in the ontology must be within three steps, or its rows would be lost."""
    from rdflib import RDFS

    from hcc_kg.vocab import HCC

    ontology = built[1].graphs["ontology"]
    below = set(ontology.transitive_subjects(RDFS.subClassOf, HCC.Drug)) - {HCC.Drug}
    reach, level = set(), {HCC.Drug}
    for _ in range(3):
        level = {c for parent in level for c in ontology.subjects(RDFS.subClassOf, parent)}
        reach |= level
    assert below and below <= reach, sorted(below - reach)


# --- trial-card ------------------------------------------------------------------------------

def test_trial_card_imbrave150_by_alias(ask):
    rows = ask("trial-card", study="Imbrave 150")
    assert _col(rows, "study_label") == {"IMbrave150"}
    values = {(r["section"], r["item"], r["value"], r["source"]) for r in rows}
    # s001: "IMbrave150 is a global, open-label, randomized phase III clinical trial involving 501 patients"
    assert ("04 attribute", "phase", "III", "s001 text") in values
    assert ("04 attribute", "enrollment", "501", "s001 text") in values
    # s000's "over 70 countries" is disputed and left out
    assert not any(v == "over 70 countries" for _, _, v, _ in values)
    # s001: "mOS (19.2 vs. 13.4 months, $p < 0.001$)"; s000: "a mOS of 19.2 months with the T + A regimen"
    arm = "IMbrave150: atezolizumab + bevacizumab"
    assert ("06 outcome", arm, "mOS: 19.2 months", "s001 text") in values
    assert ("06 outcome", arm, "mOS: 19.2 months", "s000 text") in values
    assert ("07 comparison", "atezolizumab + bevacizumab vs sorafenib", "OS; p < 0.001", "s001 text") in values
    # s000: "HR = 0.63, 95%CI: 0.46-0.85" for quality of life
    assert ("07 comparison", "atezolizumab + bevacizumab vs sorafenib", "QoL: HR 0.63 (95% CI 0.46-0.85)",
            "s000 text") in values


def test_trial_card_by_registry_id(ask):
    rows = ask("trial-card", study="NCT03755791")
    assert _col(rows, "study_label") == {"COSMIC-312"}
    # s001: "but not mOS (15.4 vs. 15.5 months, $p = 0.44$)"
    assert any(r["section"] == "07 comparison" and r["value"] == "OS; p = 0.44" and r["source"] == "s001 text"
               for r in rows)


def test_trial_card_study_22_shows_the_doubted_attribution(ask):
    """s000 Table 1 prints "tremelimumab + Durvalumab/tremelimumab/Durvalumab" with four values; the
    published Study 22 report gives the monotherapy values the other way round (doubts.yaml)."""
    rows = [r for r in ask("trial-card", study="Study 22") if r["section"] == "10 suspected source error"]
    assert {r["item"] for r in rows} == {("s000 Table 1's attribution of Study 22's second and third values (mOS, DCR, "
                                          "ORR, median DOR) to tremelimumab monotherapy and durvalumab monotherapy")}
    why = [r for r in rows if r["value"].startswith("Why: ")]
    assert [(r["source"], r["quote"]) for r in why] == [("s000 text", "tremelimumab + Durvalumab/tremelimumab/Durvalumab")]
    assert "durvalumab monotherapy mOS 13.57 months and ORR 10.6%" in why[0]["value"]
    assert "Outside reference: Kelley RK et al." in why[0]["value"] and "J Clin Oncol 2021" in why[0]["value"]
    doubted = {(r["value"].removeprefix("doubted value, as printed: "), r["source"]) for r in rows if r not in why}
    assert doubted == {(v, "s000 table-1 row 11") for v in (
        "tremelimumab mOS 13.6 months", "tremelimumab ORR 10.6%", "tremelimumab DCR 39%", "tremelimumab DOR 11.17 months",
        "durvalumab mOS 15.1 months", "durvalumab ORR 7.2%", "durvalumab DCR 34%", "durvalumab DOR 23.95 months")}


def test_trial_card_no_match(ask):
    assert ask("trial-card", study="atezolizumab") == []  # a drug, not a study


# --- regimen-outcomes ------------------------------------------------------------------------

def test_regimen_outcomes_atezolizumab_bevacizumab(ask):
    rows = ask("regimen-outcomes", regimen="atezolizumab + bevacizumab")
    assert _col(rows, "regimen_label") == {"atezolizumab + bevacizumab"}
    mos = {(r["study"], r["value"], r["source"]) for r in rows
           if r["endpoint"] == "mOS" and r["study"] == "IMbrave150" and not r["subgroup"]}
    # s000 text "a mOS of 19.2 months", s001 text "mOS (19.2 vs. 13.4 months", s001 Table 1 row 1 "19.2"
    assert mos == {("IMbrave150", "19.2 months", "s000 text"), ("IMbrave150", "19.2 months", "s001 text"),
                   ("IMbrave150", "19.2 months", "s001 table-1 row 1")}
    # s001: 2205-patient real-world study "an mOS of 16.4 months in the atezolizumab plus bevacizumab group"
    assert ("Real-world atezolizumab + bevacizumab vs lenvatinib study (2205 patients)", "16.4 months",
            "s001 text") in {(r["study"], r["value"], r["source"]) for r in rows if r["endpoint"] == "mOS"}
    # the Chinese subgroup (s000 "24.0 months", s001 "24 months") is kept, labelled
    assert {r["source"] for r in rows if r["subgroup"] == "Chinese subgroup"} == {"s000 text", "s001 text"}


def test_regimen_outcomes_drug_name_stands_for_monotherapy(ask):
    rows = ask("regimen-outcomes", regimen="Nivolumab")
    assert _col(rows, "regimen_label") == {"nivolumab"}
    # s001 Table 1: Checkmate 040 nivolumab, mOS 15.6, ORR 14, DCR 56
    checkmate = {(r["endpoint"], r["value"]) for r in rows if r["study"] == "Checkmate 040"}
    assert {("mOS", "15.6 months"), ("ORR", "14%"), ("DCR", "56%")} <= checkmate


def test_regimen_outcomes_no_match(ask):
    assert ask("regimen-outcomes", regimen="HIMALAYA") == []  # a study, not a regimen


# --- compare-endpoint ------------------------------------------------------------------------

def test_compare_endpoint_first_line_phase3_mos(ask):
    rows = ask("compare-endpoint", endpoint="mOS", line="first", phase="III")
    main = [r for r in rows if not r["subgroup"]]
    # s001: CARES-310 "mOS (22.1 vs. 15.2 months" is the longest median OS of a first-line phase III arm
    assert (main[0]["regimen"], main[0]["study"], main[0]["value"]) == \
        ("camrelizumab + rivoceranib", "CARES-310", "22.1 months")
    values = [float(r["rank_value"]) for r in rows if r["rank_value"]]
    assert values == sorted(values, reverse=True)
    assert _col(rows, "study") >= {"IMbrave150", "LEAP-002", "HIMALAYA", "COSMIC-312", "CARES-310"}
    # REFLECT-era phase II/Ib studies are filtered out
    assert "KEYNOTE-524" not in _col(rows, "study")
    # ORIENT-32's combination arm: "mOS was not reached" (s001), "NE" (s000): no rank value, last
    nr = [r for r in rows if r["value"] == "not reached"]
    assert nr and all(r["rank_value"] == "" for r in nr)
    assert rows[-1]["value"] == "not reached"


def test_compare_endpoint_by_label_and_case(ask):
    by_notation = ask("compare-endpoint", endpoint="ORR", phase="III")
    by_label = ask("compare-endpoint", endpoint="objective response rate", phase="iii")
    assert [r["quote"] for r in by_notation] == [r["quote"] for r in by_label]
    # s001: IMbrave150 "increased ORR (33.2% vs. 13.3%"
    assert ("IMbrave150", "33.2%", "s001 text") in {(r["study"], r["value"], r["source"]) for r in by_label}


def test_compare_endpoint_no_match(ask):
    # a value outside its value set is an error naming the nearest values (issue 13)
    with pytest.raises(HccKgError, match=r"no endpoint 'survival at Mars'; nearest: OS \(overall survival\)"):
        ask("compare-endpoint", endpoint="survival at Mars")
    with pytest.raises(HccKgError, match="no trial phase 'IV'"):
        ask("compare-endpoint", endpoint="mOS", phase="IV")
    # a phase in the set that no first-line study has: an empty answer, rightly
    assert ask("compare-endpoint", endpoint="mOS", phase="NA", line="adjuvant") == []


# --- phase3-os-benefit -----------------------------------------------------------------------

def test_phase3_os_benefit(ask):
    rows = ask("phase3-os-benefit")
    by_study = {r["study"]: r for r in rows}
    # CARES-310 (s001 "mOS (22.1 vs. 15.2 months, $p < 0.0001$)"), HIMALAYA (s000 "reduced the risk
    # of death by 22% (HR = 0.78, 95%CI = 0.65-0.93)"), IMbrave150 (s001 "mOS (19.2 vs. 13.4 months,
    # $p < 0.001$)"), LEAP-002 (s000 "HR = 0.840, P = 0.0227"), ORIENT-32 (s000 "HR = 0.57, P < 0.0001")
    assert set(by_study) == {"CARES-310", "HIMALAYA", "IMbrave150", "LEAP-002", "ORIENT-32"}
    assert len(rows) == 5
    himalaya = by_study["HIMALAYA"]
    assert (himalaya["hr"], himalaya["control"], himalaya["effect_source"]) == \
        ("0.78 (95% CI 0.65-0.93)", "sorafenib", "s000 text")
    assert himalaya["experimental"] == "durvalumab + tremelimumab (STRIDE regimen)"
    # s000: "a mOS of 16.4 months comparable to sorafenib alone (13.8 months)"
    assert "16.4 months [s000 text]" in himalaya["experimental_value"].split("; ")
    assert "13.8 months [s000 text]" in himalaya["control_value"].split("; ")
    leap = by_study["LEAP-002"]
    assert (leap["hr"], leap["p"], leap["control"]) == ("0.84", "= 0.0227", "lenvatinib")
    assert leap["primary_endpoint"].startswith("not met (s000")
    imbrave = by_study["IMbrave150"]
    assert (imbrave["p"], imbrave["effect_source"]) == ("< 0.001", "s000 text; s001 text") or \
        (imbrave["p"], imbrave["effect_source"]) == ("< 0.001", "s001 text; s000 text")
    assert "13.4 months [s001 text]" in imbrave["control_value"].split("; ")
    orient = by_study["ORIENT-32"]
    # s001: "43.1% reduction in the risk of death" (no HR); s000: HR = 0.57
    assert set(orient["direction"].split("; ")) == {"HR < 1: favours experimental",
                                                   "risk or rate lower in experimental (43.1% relative reduction)"}
    # COSMIC-312's OS was not improved (p = 0.44, both sources)
    assert "COSMIC-312" not in by_study


# --- negative-trials -------------------------------------------------------------------------

def test_negative_trials(ask):
    rows = ask("negative-trials")
    os_rows = {(r["study"], r["p"], r["source"]) for r in rows if r["basis"] == "OS comparison, p >= 0.05"}
    assert {(s, p, frozenset(src.split("; "))) for s, p, src in os_rows} == {
        # s000: "no significant difference in the mOS ... P = 0.44"; s001: "but not mOS (15.4 vs. 15.5 months, $p = 0.44$)"
        ("COSMIC-312", "= 0.44", frozenset({"s000 text", "s001 text"})),
        # s001: real-world study, "no significant difference from the lenvatinib group ($p = 0.739$)"
        ("Real-world atezolizumab + bevacizumab vs lenvatinib study (2205 patients)", "= 0.739", frozenset({"s001 text"})),
        # s001: standard- vs low-dose bevacizumab "mOS (14.9 vs. 11.2 months, $p = 0.13$)"
        ("Standard-dose vs low-dose bevacizumab with atezolizumab study (151 patients)", "= 0.13", frozenset({"s001 text"})),
    }
    cosmic = next(r for r in rows if r["study"] == "COSMIC-312" and r["basis"].startswith("OS"))
    assert "15.4 months [s001 text]" in cosmic["experimental_value"].split("; ")
    assert (cosmic["control"], "15.5 months [s001 text]" in cosmic["control_value"].split("; ")) == ("sorafenib", True)
    leap = [r for r in rows if r["study"] == "LEAP-002"]
    # s001: "showing no statistically significant differences"; s000: "did not achieve the
    # predetermined statistical significance" (the curator's note on its OS and PFS comparisons)
    assert {r["basis"] for r in leap} == {"source states no significant difference",
                                          "source states primary endpoint not met"}
    assert any("no statistically significant differences" in r["quote"] for r in leap)
    assert {r["endpoint"] for r in leap if r["basis"].endswith("not met")} == {"mOS", "mPFS"}
    # s000: "subsequent Phase III randomized controlled trials for nivolumab and pembrolizumab failed
    # to meet their primary endpoints" (the trials are not named)
    claim = [r for r in rows if "nivolumab and pembrolizumab failed to meet" in (r["quote"] or "")]
    assert [(r["phases"], r["basis"], r["source"]) for r in claim] == \
        [("III", "source states primary endpoint not met", "s000 text")]
    assert set(claim[0]["experimental"].split("; ")) == {"nivolumab", "pembrolizumab"}
    assert "IMbrave150" not in _col(rows, "study")


def test_negative_trials_phase3_against_sorafenib(ask):
    """Phase III failures against sorafenib: COSMIC-312 only (s000, s001). LEAP-002 is against
    lenvatinib; s000's nivolumab and pembrolizumab trials name no comparator; the real-world and
    dose studies are not phase III."""
    rows = ask("negative-trials", phase="III", comparator="sorafenib")
    assert _col(rows, "study") == {"COSMIC-312"}
    assert _col(rows, "basis") == {"OS comparison, p >= 0.05", "source states no significant difference"}
    assert _col(ask("negative-trials", phase="III"), "study") == {
        "COSMIC-312", "LEAP-002", "the phase III randomized controlled trials of nivolumab and of pembrolizumab"}
    with pytest.raises(HccKgError, match="no entity named 'sorafenibb'; nearest: .*sorafenib"):
        ask("negative-trials", comparator="sorafenibb")


def test_unknown_entity_is_an_error(ask):
    with pytest.raises(HccKgError, match="no entity named"):
        ask("trial-card", study="no such trial at all")
