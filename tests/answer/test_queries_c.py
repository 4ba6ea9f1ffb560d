"""Canned queries of group c: mechanisms, biomarkers, trials with a sorafenib control arm, conflicts
between sources, the evidence of a measurement, name resolution, external links and graph counts.

Every query runs on pyoxigraph and rdflib (the `ask` fixture); both engines must agree. Expected answers are
read from the sources; the comment beside each says where.
"""

from __future__ import annotations

import pytest

from hcc_kg.errors import HccKgError


def _col(rows, name):
    return {r[name] for r in rows}


# --- mechanisms ------------------------------------------------------------------------------

# s001, "Mechanisms of Combination Therapy": the mechanism statements that name regulatory T cells.
# lenvatinib "suppress the differentiation of naïve T lymphocytes into Tregs" and "can not only
# inhibit Tregs but also suppress immune inhibitory signals such as TGF- β"; regorafenib "inhibit
# Treg infiltration"; "Similar results have been obtained in studies on bevacizumab and
# cabozantinib"; bevacizumab acts on "the PD-L1 expression in DCs, Tregs, MDSCs and TAMs";
# "Following anti-PD-1 treatment ... promoting the differentiation of naïve T lymphocytes into
# Tregs"; "Targeted drugs can sensitize ICIs by regulating the differentiation ... The infiltration
# of Tregs"; s000: VEGF "inhibits ... regulatory T cells" (the rationale for anti-VEGF drugs).
TREG_AGENTS = {
    "lenvatinib", "regorafenib", "bevacizumab", "cabozantinib", "unspecified PD-1 inhibitor",
    "unspecified molecular targeted drug", "unspecified anti-angiogenic agent",
}


def test_mechanisms_on_tregs_by_alias(ask):
    rows = ask("mechanisms", cell="Tregs")  # "Tregs": an alias of regulatory T cells (cells.yaml)
    assert _col(rows, "agent") == TREG_AGENTS
    assert all("regulatory T cells" in r["cells"].split("; ") for r in rows)
    # which drugs reduce Treg differentiation? lenvatinib (s001); anti-PD-1 increases it (s001)
    effects = {(r["agent"], r["effect"]) for r in rows}
    assert ("lenvatinib", "less Treg differentiation") in effects
    assert ("unspecified PD-1 inhibitor", "more Treg differentiation (immunosuppression)") in effects


def test_mechanisms_lenvatinib_tregs_by_misspelling(ask):
    # "Ilenvatinib" is a misspelling in the sources (drugs.yaml synonyms)
    rows = ask("mechanisms", drug="Ilenvatinib", cell="Tregs")
    assert {r["effect"] for r in rows} == {"less Treg differentiation", "reduced Tregs and TGF-beta signalling"}
    chain = next(r for r in rows if r["effect"] == "less Treg differentiation")
    # s001: "lenvatinib is believed to block FGFR4 in naïve T cells, inhibit downstream STAT5
    # phosphorylation, reduce the IL-2/CD25 axis activity"
    assert chain["chain"].startswith("lenvatinib (with ICIs) -> blocks FGFR4 in naive T cells")
    assert set(chain["targets"].split("; ")) == {"FGFR4", "STAT5", "interleukin-2", "CD25"}
    assert chain["source"] == "s001"
    assert chain["quote"].startswith("When combined with ICIs, lenvatinib is believed to block FGFR4")


def test_mechanisms_sensitising_chains_carry_quotes(ask):
    # all mechanisms (a canonical drug name may resolve to its one-drug regimen: see the report)
    rows = [r for r in ask("mechanisms") if r["agent"] == "regorafenib"]
    # s001: regorafenib "block[s] the downstream JAK1/2-STAT1 and MAPK signaling pathways through the
    # RET-Src signaling axis ... sensitizing the effect of ICI" (shown in melanoma)
    ret = next(r for r in rows if "RET-Src" in r["chain"])
    assert ret["chain"].endswith("sensitizes the effect of ICI")
    assert "JAK1" in ret["targets"].split("; ") and ret["cells"] == "CD8+ T cells"
    assert "through the RET-Src signaling axis" in ret["quote"]
    assert all(r["source"] in ("s000", "s001") and r["quote"] for r in rows)


def test_mechanisms_no_match(ask):
    # camrelizumab ("karelizumab" in s001) has no mechanism statement in either source
    assert ask("mechanisms", drug="karelizumab") == []


# --- biomarkers ------------------------------------------------------------------------------


def test_biomarkers_all(ask):
    rows = ask("biomarkers")
    by_name = {}
    for r in rows:
        by_name.setdefault(r["biomarker"], []).append(r)
    # s001: "ramucirumab is suitable for patients with AFP > 400 ng/ml"
    afp = by_name["AFP > 400 ng/ml"][0]
    assert afp["guides"] == "ramucirumab" and afp["source"] == "s001"
    assert afp["quote"] == "According to the NCCN Guidelines, ramucirumab is suitable for patients with AFP > 400 ng/ml"
    # s001: "nivolumab plus ipilimumab should be used for tumor mutational burden-high (TMB-H) patients"
    assert set(by_name["tumor mutational burden-high (TMB-H)"][0]["guides"].split("; ")) == {"nivolumab", "ipilimumab"}
    # s001: liquid biopsy "ctDNAs, CTCs and miRNAs" name no drug: listed with empty guides
    assert by_name["ctDNA (liquid biopsy)"][0]["guides"] is None


def test_biomarkers_for_bevacizumab_by_brand_name(ask):
    rows = ask("biomarkers", drug="Avastin")  # brand name of bevacizumab (drugs.yaml synonyms)
    # s001: the 2205-patient real-world study (viral hepatitis vs NAFLD/NAFL) and the 161-patient
    # study that "detected no significant differences among patients of different etiologies"
    assert _col(rows, "biomarker") == {"etiology (viral hepatitis vs NAFLD/NAFL)",
                                       "etiology (viral vs non-viral; NAFLD vs others)"}
    assert all("bevacizumab" in r["guides"].split("; ") for r in rows)


def test_biomarkers_no_match(ask):
    assert ask("biomarkers", drug="karelizumab") == []  # no biomarker is stated for camrelizumab


# --- comparator-sorafenib --------------------------------------------------------------------

# Trials with a sorafenib-alone control arm: IMbrave150 (s001 "compared with sorafenib"), COSMIC-312,
# ORIENT-32, CARES-310, HIMALAYA (STRIDE vs sorafenib, s000), REFLECT (lenvatinib vs sorafenib);
# RESCUE's sorafenib arm is disputed (s000 Table 1 lists no sorafenib arm); ZGDH3 and CheckMate 9DW
# report no values for their arms.
SORAFENIB_TRIALS = {"CARES-310", "COSMIC-312", "HIMALAYA", "IMbrave150", "ORIENT-32", "REFLECT"}


def test_comparator_sorafenib_trials_and_values(ask):
    rows = ask("comparator-sorafenib")
    assert _col(rows, "study") == SORAFENIB_TRIALS
    assert _col(rows, "control") == {"sorafenib"}
    by = {(r["study"], r["endpoint"], r["subgroup"]): r for r in rows}
    # s001: "mOS (19.2 vs. 13.4 months, $p < 0.001$)"; s001 Table 1 rows 1-2
    imbrave = by[("IMbrave150", "mOS", "")]
    assert "19.2 months [s001 text]" in imbrave["experimental_value"].split("; ")
    assert {"13.4 months [s001 text]", "13.4 months [s001 table-1 row 2]"} <= set(imbrave["control_value"].split("; "))
    assert imbrave["p"] == "< 0.001"
    # s000: "with a mOS of 16.4 months comparable to sorafenib alone (13.8 months)"; "The STRIDE
    # regimen reduced the risk of death by 22% (HR = 0.78, 95%CI = 0.65-0.93)"
    himalaya = by[("HIMALAYA", "mOS", "")]
    assert "13.8 months [s000 text]" in himalaya["control_value"].split("; ")
    assert (himalaya["hr"], himalaya["p"]) == ("0.78 (95% CI 0.65-0.93)", None)
    assert by[("ORIENT-32", "mOS", "")]["hr"] == "0.57"   # s000: "HR = 0.57, P < 0.0001"
    # s001: "but not mOS (15.4 vs. 15.5 months, $p = 0.44$)": a p-value, not a hazard ratio (issue 13)
    cosmic = by[("COSMIC-312", "mOS", "")]
    assert (cosmic["hr"], cosmic["p"], cosmic["direction"]) == (None, "= 0.44", "no significant difference (p >= 0.05)")
    assert all(r["experimental_value"] or r["control_value"] or r["effect_source"] for r in rows)
    assert not any("RESCUE" in r["study"] for r in rows)


# --- conflicts -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def conflicts(ask):
    return ask("conflicts")


def _pairs(rows, entity, what):
    return {(r["value_a"], r["source_a"], r["value_b"], r["source_b"])
            for r in rows if r["entity"] == entity and r["what"] == what}


def _has_pair(rows, entity, what, a, b):
    """The pair (value, source) a and b, in either order."""
    pairs = _pairs(rows, entity, what)
    return (a + b) in pairs or (b + a) in pairs


def test_conflicts_imbrave150_orr_and_pfs(conflicts):
    arm = "IMbrave150: atezolizumab + bevacizumab"
    # s000: "the ORR of the T + A combination reached 30%"; s001: "ORR (33.2% vs. 13.3%...)"
    assert _has_pair(conflicts, arm, "ORR", ("30%", "s000 text"), ("33.2%", "s001 text"))
    assert _has_pair(conflicts, arm, "ORR", ("30%", "s000 text"), ("33.2%", "s000 table-1 row 9"))
    # s000 mPFS 6.9 months; s001 "mPFS (6.8 vs. 4.3 months"
    assert _has_pair(conflicts, arm, "mPFS", ("6.9 months", "s000 text"), ("6.8 months", "s001 text"))
    row = next(r for r in conflicts if r["entity"] == arm and r["what"] == "ORR" and r["source_b"] == "s001 text")
    assert "30%" in row["quote_a"] and "33.2%" in row["quote_b"]


def test_conflicts_table_against_its_text(conflicts):
    # CHANCE001, s000: "PFS (9.5 months vs 8.5 months" in the text, "9.5 months vs 8.0 months" in Table 1
    assert _has_pair(conflicts, "CHANCE001: TACE (TACE alone)", "mPFS",
                     ("8.5 months", "s000 text"), ("8 months", "s000 table-1 row 14"))
    # COMPASSION-08, s001: mOS 27.1 months in the text, "0.271" in Table 1
    assert _has_pair(conflicts, "COMPASSION-08: cadonilimab + lenvatinib (cohort A)", "mOS",
                     ("27.1 months", "s001 text"), ("0.271 months", "s001 table-1 row 18"))
    # LEAP-002: 21.2 months (s001 Table 1) vs 21.1 months (s000 Table 1)
    assert _has_pair(conflicts, "LEAP-002: lenvatinib + pembrolizumab", "mOS",
                     ("21.2 months", "s001 table-1 row 9"), ("21.1 months", "s000 table-1 row 5"))


def test_conflicts_keynote_524_enrollment_and_phase(conflicts, ask):
    # s000 text "enrolled 140 patients"; s001 text "a total of 106 patients enrolled"; both tables 104
    pairs = _pairs(conflicts, "KEYNOTE-524", "enrollment")
    assert {frozenset((a, b)) for a, _, b, _ in pairs} == {frozenset(p) for p in (("104", "106"), ("104", "140"), ("106", "140"))}
    # s000 text "single-arm Phase Ib"; s000 Table 1 "I": a phase Ib is a phase I, a compatible wording
    # (issue 20), listed on request only
    assert not _pairs(conflicts, "KEYNOTE-524", "phase")
    assert _has_pair(ask("conflicts", kind="compatible"), "KEYNOTE-524", "phase", ("Ib", "s000 text"),
                     ("I", "s000 table-1 row 4"))
    # the two text values are disputed, with the curator's note
    disputed = [r for r in conflicts if r["entity"] == "KEYNOTE-524" and r["what"] == "disputed statement: enrollment"]
    assert {r["value_a"] for r in disputed} == {"140", "106"}
    assert all(r["note"] and "104" in r["note"] for r in disputed)


def test_conflicts_list_disputed_facts_once_per_pair(conflicts):
    # s000 RESCUE text "ORR of 25.4%" is disputed against s000's own RESCUE table row
    assert any(r["entity"] == "RESCUE: camrelizumab + rivoceranib" and r["what"] == "disputed measurement: ORR"
               and r["value_a"] == "25.4" for r in conflicts)
    keys = [(r["entity"], r["what"], r["value_a"], r["source_a"], r["quote_a"], r["value_b"], r["source_b"], r["quote_b"])
            for r in conflicts]
    assert len(keys) == len(set(keys))
    for r in conflicts:  # no pair appears in both orders
        if r["value_b"] is not None:
            assert not any(s["entity"] == r["entity"] and s["what"] == r["what"] and s["value_a"] == r["value_b"]
                           and s["source_a"] == r["source_b"] and s["quote_a"] == r["quote_b"]
                           and s["value_b"] == r["value_a"] and s["quote_b"] == r["quote_a"] for s in conflicts)


# --- evidence --------------------------------------------------------------------------------


def test_evidence_of_one_measurement_by_local_name(ask):
    rows = ask("evidence", measurement="imbrave150-atezolizumab-bevacizumab-orr-s000")
    assert len(rows) == 1
    r = rows[0]
    # s000: "The study also found that the ORR of the T + A combination reached 30%."
    assert r["quote"] == "The study also found that the ORR of the T + A combination reached 30%."
    assert (r["source"], r["endpoint"], r["value"]) == ("s000", "ORR", "IMbrave150: atezolizumab + bevacizumab: 30%")
    assert int(r["end"]) - int(r["start"]) == len(r["quote"])
    assert r["table"] is None and r["correction_reason"] is None


def test_evidence_by_full_iri_and_table_correction(ask):
    iri = "https://w3id.org/hcc-kg/resource/measurement/keynote-224-pembrolizumab-mos-s000-table-1-r2"
    rows = ask("evidence", measurement=iri)
    assert len(rows) == 1
    # s000 Table 1 prints KEYNOTE-224's "mOS: 12.9%": the correction reads it as months
    assert (rows[0]["table"], rows[0]["row"]) == ("table-1", "2")
    assert "mOS: 12.9%" in rows[0]["quote"] and "mOS: 12.9%" in rows[0]["correction_reason"]


def test_evidence_of_a_study_by_alias(ask):
    rows = ask("evidence", study="Imbrave 150")  # an alias of IMbrave150 (s000's spelling)
    assert _col(rows, "study_name") == {"IMbrave150"}
    assert "imbrave150-atezolizumab-bevacizumab-orr-s000" in _col(rows, "node")
    assert all(r["quote"] and r["source"] in ("s000", "s001") for r in rows)


def test_evidence_no_match(ask):
    with pytest.raises(HccKgError, match="no measurement or comparison 'no-such-measurement'"):
        ask("evidence", measurement="no-such-measurement")


# --- synonyms --------------------------------------------------------------------------------


def test_synonyms_misspelling(ask):
    rows = ask("synonyms", name="karelizumab")  # s001's spelling of camrelizumab
    assert len(rows) == 1
    r = rows[0]
    assert (r["label"], r["kind"], r["name_matched"]) == ("camrelizumab", "drug", "karelizumab")
    assert r["entity"] == "https://w3id.org/hcc-kg/resource/drug/camrelizumab"
    assert "karelizumab" in r["spellings"].split("; ")  # a source spelling, not a synonym
    assert not r["aliases"]
    assert "PD-1 inhibitor" in r["classes"].split("; ")  # inferred


def test_synonyms_case_and_punctuation_insensitive(ask):
    rows = ask("synonyms", name="imbrave-150")
    assert _col(rows, "label") == {"IMbrave150"} and _col(rows, "kind") == {"study"}
    assert "Imbrave 150" in rows[0]["aliases"].split("; ")  # s000 writes "Imbrave 150"
    rows = ask("synonyms", name="PD1")
    assert {(r["label"], r["kind"]) for r in rows} == {("PD-1", "target")}


def test_synonyms_no_match(ask):
    assert ask("synonyms", name="no such drug") == []


# --- external-links --------------------------------------------------------------------------


def test_external_links(ask):
    rows = ask("external-links")
    keys = [(r["kind"], r["label"], r["external_id"]) for r in rows]
    assert len(keys) == len(set(keys))
    links = {}
    for kind, label, iri in keys:
        links.setdefault((kind, label), set()).add(iri)
    # the disease: MONDO, DOID, NCIt, MeSH and EFO (graph/facts/xrefs.yaml, each with its evidence)
    assert links[("disease", "hepatocellular carcinoma")] == {
        "http://purl.obolibrary.org/obo/MONDO_0007256", "http://purl.obolibrary.org/obo/DOID_684",
        "http://purl.obolibrary.org/obo/NCIT_C3099", "http://www.ebi.ac.uk/efo/EFO_0000182",
        "http://id.nlm.nih.gov/mesh/D006528"}
    assert links[("target", "PD-1")] == {
        "http://purl.uniprot.org/uniprot/Q15116", "http://identifiers.org/ncbigene/5133",
        "http://identifiers.org/hgnc/8760"}
    assert links[("drug", "sorafenib")] == {  # all six drug vocabularies
        "http://purl.obolibrary.org/obo/CHEBI_50924", "http://rdf.ebi.ac.uk/resource/chembl/molecule/CHEMBL1336",
        "http://identifiers.org/drugbank/DB00398", "http://purl.obolibrary.org/obo/NCIT_C61948",
        "http://identifiers.org/unii/9ZOQ3TZI87", "http://www.wikidata.org/entity/Q421136",
        "http://id.nlm.nih.gov/mesh/D000077157"}
    # every NCT number the sources state links its study to ClinicalTrials.gov: 59 trials
    assert links[("study", "IMbrave150")] == {"http://identifiers.org/clinicaltrials/NCT03434379"}
    assert sum(kind == "study" for kind, _ in links) == 59
    # a biosimilar never takes its reference product's identifier (UNII lists IBI305 under
    # bevacizumab's 2S9ZZM9Q9V); a code name the registry gives the product itself links to it
    assert ("drug", "IBI305") not in links
    assert links[("drug", "AK105")] == {  # penpulimab: UNII's code-name row, then DrugBank and MeSH by that INN
        "http://identifiers.org/unii/IBS1BZ4E4I", "http://identifiers.org/drugbank/DB16747",
        "http://id.nlm.nih.gov/mesh/C000720860"}


# --- stats -----------------------------------------------------------------------------------


def test_stats(ask):
    rows = ask("stats")
    counts = {(r["kind"], r["name"]): int(r["count"]) for r in rows}
    assert counts[("class", "source document")] == 2  # the two reviews, s000 and s001
    assert counts[("class", "disease")] == 1  # both study one disease: hepatocellular carcinoma
    endpoints = sum(n for (kind, _), n in counts.items() if kind == "endpoint")
    assert endpoints == counts[("class", "outcome measurement")]  # each measurement has one endpoint
    assert counts[("endpoint", "ORR (objective response rate)")] > 0
