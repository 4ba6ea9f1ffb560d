"""Canned queries of group b, each checked against answers read from the two sources.

Every query runs on pyoxigraph AND rdflib (the `ask` fixture asserts both engines agree).
s000 = graph/sources/000_*.txt, s001 = graph/sources/001_*.txt.
"""

from __future__ import annotations

import pytest

from hcc_kg.errors import HccKgError


def _pick(rows, *cols):
    return {tuple(r[c] for c in cols) for r in rows}


# --- orr-above ---------------------------------------------------------------------------------

# ORR >= 60%, read from the sources:
ORR_60 = {
    # s000 text: "revealed an 81% regression of radiation field target lesions" (CA 209-678)
    ("CA 209-678", "81", "s000", ""),
    # s000 text: "The combination therapy demonstrated a remarkable ORR of 76.7%" (Study 117);
    # s001 Table 1: "Study 117 First Ib Nivolumab + Lenvatinib 30 / / 76.7 ..."
    ("Study 117", "76.7", "s000", ""),
    ("Study 117", "76.7", "s001", "table-1 row 13"),
    # s000 text: "Results showcased a 42% CR, 24% PR, and a 67% ORR" (START-FIT)
    ("START-FIT", "67", "s000", ""),
    # s000 text: "Lai et al[75] ... with an ORR of 66.7%"
    ("Lai et al", "66.7", "s000", ""),
    # s001 Table 1: "Sintilimab + Ilenvatinib 97 NR 14.3 66.7 ..." (NCT04401813, after the row fix)
    ("NCT04401813", "66.7", "s001", "table-1 row 7"),
    # s000 text: "Among the 11 enrolled patients, the ORR was 63.6%" (Bae et al)
    ("Bae et al", "63.6", "s000", ""),
    # s000 text: "The ORR was 60.1% for the combination therapy group"; s000 Table 1 CHANCE001 row
    ("CHANCE001", "60.1", "s000", ""),
    ("CHANCE001", "60.1", "s000", "table-1 row 14"),
}


def test_orr_above_60_is_what_the_sources_say(ask):
    rows = ask("orr-above", threshold="60")
    assert _pick(rows, "study", "orr", "source", "table_row") == ORR_60
    assert {r["threshold"] for r in rows} == {"60"}
    ca = [r for r in rows if r["study"] == "CA 209-678"]
    assert ca[0]["qualifier"].startswith("regression of radiation field target lesions")


def test_orr_above_default_threshold_is_30_and_keeps_criteria(ask):
    rows = ask("orr-above")
    assert _pick(rows, "study", "orr", "criteria", "source") == _pick(ask("orr-above", threshold="30"),
                                                                      "study", "orr", "criteria", "source")
    assert all(float(r["orr"]) >= 30 for r in rows)
    # s000: "achieved an ORR of 36% (RECIST 1.1 standard) and 46% (mRECIST standard)" (KEYNOTE-524)
    k524 = _pick([r for r in rows if r["study"] == "KEYNOTE-524" and r["table_row"] == ""],
                 "orr", "criteria", "source")
    assert ("46", "mRECIST", "s000") in k524 and ("36", "RECIST 1.1", "s000") in k524
    # s001: "According to mRECIST, ... an ORR as high as 31.8%" (VEGF Liver 100)
    assert ("VEGF Liver 100", "31.8", "mRECIST", "s001") in _pick(rows, "study", "orr", "criteria", "source")
    # values below the threshold stay out: s001 "the ORR assessed by RECIST v1.1 was 17%"
    assert "ChiCTR2100050076" not in {r["study"] for r in rows if r["criteria"] == "RECIST 1.1"}
    # disputed values stay out: s000 Table 1 credits CheckMate 040 to "Envafolimab/pembrolizumab"
    assert "Checkmate 040: envafolimab" not in {r["arm"] for r in rows}


def test_orr_above_a_decimal_threshold(ask):
    rows = ask("orr-above", threshold="76.7")  # only CA 209-678 (81) and Study 117 (76.7)
    assert _pick(rows, "study", "orr") == {("CA 209-678", "81"), ("Study 117", "76.7")}
    assert len(rows) == 3


def test_orr_above_100_is_empty(ask):
    assert ask("orr-above", threshold="100") == []


def test_orr_above_rejects_a_non_number(ask):
    with pytest.raises(HccKgError, match="not a decimal"):
        ask("orr-above", threshold="thirty")


# --- approvals ---------------------------------------------------------------------------------

def test_approvals_ema_is_lenvatinib_2018_on_reflect(ask):
    # s000: "has gained approval from the European Drug Administration, FDA, and the National Medical
    # Products Administration (NMPA) as a first-line treatment for advanced HCC in 2018, based on the
    # Reflect study" (said of lenvatinib); the only EMA action in either source.
    rows = ask("approvals", agency="EMA")
    assert _pick(rows, "year", "agency", "action", "regimen", "line", "based_on", "withdrawn", "source") == {
        ("2018", "EMA", "approval", "lenvatinib", "first", "REFLECT", "no", "s000")}


def test_approvals_nmpa_with_years(ask):
    rows = ask("approvals", agency="NMPA")
    dated = _pick([r for r in rows if r["year"]], "year", "regimen", "line", "based_on", "source")
    assert dated == {
        ("2018", "lenvatinib", "first", "REFLECT", "s000"),                       # s000, as above
        ("2021", "AK105", "second", "", "s001"),           # "pascolizumab (AK105) ... approved by the NMPA in 2021"
        ("2021", "IBI305 + sintilimab", "first", "ORIENT-32", "s001"),            # "In 2021, based on ... ORIENT-32"
        ("2021", "donafenib", "first", "ZGDH3", "s001"),                          # "Based on the results of the ZGDH3 trial"
        ("2021", "tislelizumab", "second", "RATIONALE-208", "s001"),              # "NMPA approved tislelizumab monotherapy"
        ("2023", "camrelizumab + rivoceranib", "first", "CARES-310", "s001"),     # "In 2023, based on ... CARES-310"
        ("2023", "camrelizumab + rivoceranib", "first", "", "s000"),              # "On January 31, 2023, with NMPA approval"
    }
    assert {r["agency"] for r in rows} == {"NMPA"}
    assert ("2023-01-31", "s000") in _pick(rows, "date", "source")


def test_approvals_timeline_order_and_withdrawal(ask):
    rows = ask("approvals")
    years = [r["year"] for r in rows]
    dated = [y for y in years if y]
    assert dated == sorted(dated) and years[: len(dated)] == dated  # undated actions last
    # s001: "In 1997, rituximab, as the first anti-tumor targeted drug, was approved"
    assert (rows[0]["year"], rows[0]["regimen"]) == ("1997", "rituximab")
    # s000: "Consequently, the FDA retracted the indication for nivolumab monotherapy as a second-line
    # treatment for patients with HCC."
    withdrawn = [r for r in rows if r["withdrawn"] == "yes"]
    assert _pick(withdrawn, "agency", "regimen", "line", "source") == {("FDA", "nivolumab", "second", "s000")}
    # disputed: s001's "the FDA approved camrelizumab for the treatment of HCC in 2022" (HIMALAYA)
    assert ("FDA", "camrelizumab", "2022") not in _pick(rows, "agency", "regimen", "year")
    # s000 Table 4 gives listing in China: "PD-1 Pembrolizumab 2018 Yes"
    assert ("pembrolizumab", "2018", "yes", "table-4 row 2") in _pick(rows, "regimen", "year", "listed_in_china", "table_row")


def test_approvals_agency_in_lower_case(ask):
    rows = ask("approvals", agency="ema")
    assert _pick(rows, "year", "regimen", "source") == {("2018", "lenvatinib", "s000")}


def test_approvals_unknown_agency_is_an_error(ask):
    with pytest.raises(HccKgError, match="no regulatory agency 'WHO'; values: EMA, FDA, NMPA"):
        ask("approvals", agency="WHO")


# --- first-line-approved -----------------------------------------------------------------------

FIRST_LINE_APPROVED = {
    # s000: "... European Drug Administration, FDA, and the National Medical Products Administration
    # (NMPA) as a first-line treatment for advanced HCC in 2018, based on the Reflect study"
    ("EMA", "lenvatinib", "2018", "REFLECT", "s000"),
    ("FDA", "lenvatinib", "2018", "REFLECT", "s000"),
    ("NMPA", "lenvatinib", "2018", "REFLECT", "s000"),
    # s001: "In 2020, based on the results of IMbrave150, atezolizumab in combination with
    # bevacizumab was approved by the FDA as the first-line treatment"
    ("FDA", "atezolizumab + bevacizumab", "2020", "IMbrave150", "s001"),
    # s001: "In 2021, based on the results of the ORIENT-32 trial, sintilimab in combination with
    # IBI-305 was approved as the first-line treatment for HCC by the NMPA."
    ("NMPA", "IBI305 + sintilimab", "2021", "ORIENT-32", "s001"),
    # s001: "Based on the results of the ZGDH3 trial, donafenib was approved by the NMPA as the
    # first-line treatment for HCC in 2021"
    ("NMPA", "donafenib", "2021", "ZGDH3", "s001"),
    # s001: "In 2023, based on the results of the CARES-310 trial, the combination of camrelizumab
    # and rivoceranib was approved by the NMPA as the first-line treatment for HCC"
    ("NMPA", "camrelizumab + rivoceranib", "2023", "CARES-310", "s001"),
    # s000: "On January 31, 2023, with NMPA approval, camrelizumab combined with apatinib became the
    # first-line treatment for unresectable or metastatic liver cancer in China" (no trial named)
    ("NMPA", "camrelizumab + rivoceranib", "2023", "", "s000"),
    # no agency named:
    # s000: "... the T + A regimen ... leading to its approval as a first-line treatment for HCC"
    ("", "atezolizumab + bevacizumab", "", "IMbrave150", "s000"),
    # s000: "with the approval of the T + A scheme and sindilimab + bevacizumab regimens"
    ("", "bevacizumab + sintilimab", "", "", "s000"),
    # s001: "This picture changed in 2018 with the approval of lenvatinib as the first-line treatment"
    ("", "lenvatinib", "2018", "", "s001"),
}


def test_first_line_approved_is_what_the_sources_say(ask):
    rows = ask("first-line-approved")
    assert _pick(rows, "agency", "regimen", "year", "trial", "source") == FIRST_LINE_APPROVED
    assert len(rows) == len(FIRST_LINE_APPROVED)
    regimens = {r["regimen"] for r in rows}
    assert "lenvatinib + pembrolizumab" not in regimens  # a breakthrough designation, not an approval
    assert "JS001sc" not in regimens                    # first line for nasopharyngeal carcinoma
    assert "tislelizumab" not in regimens               # first line for other cancers
    assert ("2023-01-31", "s000") in _pick(rows, "date", "source")


# --- guideline-recommendations -----------------------------------------------------------------

def test_guideline_recommendations_nccn_versions(ask):
    rows = ask("guideline-recommendations", guideline="NCCN")
    versioned = _pick([r for r in rows if r["version"]], "version", "regimen", "line", "category")
    assert versioned == {
        # s001: "It was also recommended by the NCCN Guidelines version 4.2017 as the second-line
        # treatment and incorporated in the first-line treatment ... in version 1.2021." (nivolumab)
        ("4.2017", "nivolumab", "second", ""),
        ("1.2021", "nivolumab", "first", ""),
        # s001: "recommended by the NCCN Guidelines version 1.2020 as a preferred first-line systemic
        # therapy for HCC" (atezolizumab + bevacizumab)
        ("1.2020", "atezolizumab + bevacizumab", "first", "preferred"),
        # s001: "the NCCN Guidelines version 4.2018 recommended pembrolizumab as the second-line"
        ("4.2018", "pembrolizumab", "second", ""),
        # s001: "pembrolizumab was incorporated in the other recommended regimens for the first-line
        # treatment for HCC by the NCCN Guidelines version 1.2022"
        ("1.2022", "pembrolizumab", "first", "other recommended"),
    }
    unversioned = _pick([r for r in rows if not r["version"]], "regimen", "source")
    assert unversioned == {
        ("sorafenib", "s001"),                  # "recommended as the first-line treatment ... NCCN ... in 2008"
        ("ramucirumab", "s001"),                # "ramucirumab is suitable for patients with AFP > 400 ng/ml"
        ("ipilimumab + nivolumab", "s001"),     # "nivolumab plus ipilimumab should be used for ... TMB-H"
        ("durvalumab + tremelimumab", "s000"),  # '"duvalizumab + tremelimumab" as a treatment option (Class 1'
    }
    assert {r["guideline"] for r in rows} == {"NCCN"}
    assert {r["guideline_name"] for r in rows} == {"NCCN Guidelines"}


def test_guideline_recommendations_csco_in_lower_case(ask):
    # s000: CSCO included "sintilimab in combination with bevacizumab biosimilar" and adopted
    # "apatinib + carilizumab" as treatment options.
    rows = ask("guideline-recommendations", guideline="csco")
    assert _pick(rows, "guideline_name", "regimen", "line", "category", "source") == {
        ("CSCO guideline", "IBI305 + sintilimab", "first", "treatment option", "s000"),
        ("CSCO guideline", "camrelizumab + rivoceranib", "first", "treatment option", "s000"),
    }


def test_guideline_recommendations_all_and_none(ask):
    assert len(ask("guideline-recommendations")) == 11
    assert {r["guideline"] for r in ask("guideline-recommendations")} == {"NCCN", "CSCO"}
    assert ask("guideline-recommendations", guideline="ESMO") == []  # neither source states one


# --- second-line-options -----------------------------------------------------------------------

SECOND_LINE_APPROVALS = {
    ("AK105", "NMPA approval of AK105 (2021)", "no", "s001"),          # "second- and third-line ... and HCC"
    ("cabozantinib", "FDA approval of cabozantinib (2019)", "no", "s001"),  # "previously treated with sorafenib"
    ("camrelizumab", "NMPA approval of camrelizumab", "no", "s001"),   # "also as the second-line treatment for HCC"
    ("nivolumab", "FDA approval of nivolumab", "yes", "s000"),         # "the FDA retracted the indication"
    ("nivolumab", "FDA approval of nivolumab", "no", "s000"),          # "the FDA has approved pembrolizumab and nivolumab"
    ("nivolumab", "FDA approval of nivolumab (2017)", "no", "s001"),   # "In 2017, it was approved by the FDA"
    ("pembrolizumab", "FDA approval of pembrolizumab", "no", "s000"),  # as above (s000)
    ("pembrolizumab", "FDA approval of pembrolizumab (2018)", "no", "s001"),  # "In 2018, FDA approved ..."
    ("regorafenib", "approval of regorafenib", "no", "s001"),          # "second-line treatment for CRC [58], GIST [59], and HCC"
    ("rivoceranib", "NMPA approval of rivoceranib", "no", "s001"),     # "and the second-line treatment for HCC"
    ("tislelizumab", "NMPA approval of tislelizumab (2021)", "no", "s001"),  # "NMPA approved tislelizumab monotherapy"
}

SECOND_LINE_STUDIES = {
    # s001 Table 2, "Second line" rows
    ("bevacizumab + cadonilimab", "NCT05760599"), ("cadonilimab + ramucirumab", "NCT05856864"),
    ("cadonilimab + regorafenib", "NCT05644379"), ("camrelizumab + regorafenib", "NCT05048017"),
    # s001 text: NCT05048017 gives regorafenib "in combination with PD-1 inhibitors (camrelizumab,
    # toripalimab, and pembrolizumab)"
    ("regorafenib + toripalimab", "NCT05048017"), ("pembrolizumab + regorafenib", "NCT05048017"),
    ("anlotinib + toripalimab", "NCT05453383"), ("lenvatinib + toripalimab", "NCT04368078"),
    # s001 Table 1, "Second" rows: VEGF Liver 100 (avelumab + axitinib), Tislelizumab + Regorafenib,
    # NCT05148195 (envafolimab + suvemcitug)
    ("avelumab + axitinib", "VEGF Liver 100"),
    ("regorafenib + tislelizumab", "Tislelizumab plus regorafenib second-line phase II"),
    ("envafolimab + suvemcitug", "NCT05148195"),
    # s001: CELESTIAL, "approved for the treatment of HCC patients previously treated with sorafenib"
    ("cabozantinib", "CELESTIAL"),
    # s001: "NMPA approved tislelizumab monotherapy as the second-line treatment" (RATIONALE-208)
    ("tislelizumab", "RATIONALE-208"),
    # s000/s001: KEYNOTE-224 cohort 1, pembrolizumab second line
    ("pembrolizumab", "KEYNOTE-224"),
    # s000: Study 22, "tremelimumab and duvalizumab combination therapy in first and second-line"
    ("durvalumab", "Study 22"), ("tremelimumab", "Study 22"), ("durvalumab + tremelimumab", "Study 22"),
    # s000: "tivozanib combined with duvalizumab in second-line treatment"
    ("durvalumab + tivozanib", "Tivozanib + durvalumab phase Ib/II study"),
    # s000: Ren et al, serplulimab with bevacizumab biosimilar (HLX04), second-line groups
    ("serplulimab", "Ren et al"), ("HLX04 + serplulimab", "Ren et al"),
    # s000: ASCO 2023 back-line study of nivolumab + ipilimumab
    ("ipilimumab + nivolumab", "Nivolumab + ipilimumab back-line study (ASCO 2023)"),
    # s001: "disease progression after the first-line treatment with atezolizumab plus bevacizumab and
    # underwent different second-line treatments, including sorafenib, lenvatinib, and TKIs combined ICIs"
    ("sorafenib", "Asia-Pacific second-line real-world study (673 patients)"),
    ("lenvatinib", "Asia-Pacific second-line real-world study (673 patients)"),
    ("unspecified immune checkpoint inhibitor + unspecified tyrosine kinase inhibitor",
     "Asia-Pacific second-line real-world study (673 patients)"),
}


def test_second_line_options_approvals(ask):
    rows = [r for r in ask("second-line-options") if r["basis"] == "approval"]
    assert _pick(rows, "regimen", "name", "withdrawn", "source") == SECOND_LINE_APPROVALS
    regimens = {r["regimen"] for r in rows}
    assert "axitinib" not in regimens and "futibatinib" not in regimens  # second line, other cancers


def test_second_line_options_studies(ask):
    rows = [r for r in ask("second-line-options") if r["basis"] == "study"]
    assert _pick(rows, "regimen", "name") == SECOND_LINE_STUDIES
    assert {r["line"] for r in rows} <= {"second", "later"}
    # ASCO 2023 back-line study: s000 says "back-line"
    assert ("ipilimumab + nivolumab", "later") in _pick(rows, "regimen", "line")


def test_second_line_options_after_atezolizumab_bevacizumab(ask):
    rows = ask("second-line-options")
    after = _pick([r for r in rows if r["after_atezolizumab_bevacizumab"]], "regimen", "name")
    assert after == {
        # s001, the 673-patient Asia-Pacific study (quoted above)
        ("sorafenib", "Asia-Pacific second-line real-world study (673 patients)"),
        ("lenvatinib", "Asia-Pacific second-line real-world study (673 patients)"),
        ("unspecified immune checkpoint inhibitor + unspecified tyrosine kinase inhibitor",
         "Asia-Pacific second-line real-world study (673 patients)"),
        # s000: "for advanced HCC following initial treatment or after T + A progression"
        ("durvalumab + tivozanib", "Tivozanib + durvalumab phase Ib/II study"),
        # s001 text: NCT05760599 assesses "camrelizumab in combination with bevacizumab as the
        # second-line treatment for patients resistant to atezolizumab plus bevacizumab" (its arm
        # keeps s001 Table 2's cadonilimab; the two regimens are a conflict)
        ("bevacizumab + cadonilimab", "NCT05760599"),
    }
    row = next(r for r in rows if r["name"] == "NCT05760599")
    assert "after atezolizumab + bevacizumab" in row["after_atezolizumab_bevacizumab"].split("; ")


# --- ongoing-trials ----------------------------------------------------------------------------

# s001 Table 2 ("The ongoing clinical trials ...", location China), minus NCT04042805, which s001
# Table 1 and the text report results for, plus NCT05441475 (s001: "Currently, a phase II clinical
# trial ... is ongoing", Table 2: Recruiting, China).
ONGOING_CHINA = {
    ("NCT04444167", "Recruiting"), ("NCT04344158", "Not yet recruiting"), ("NCT04418401", "Recruiting"),
    ("NCT05441475", "Recruiting; ongoing"), ("NCT05856864", "Recruiting"), ("NCT05644379", "Recruiting"),
    ("NCT04443309", "Recruiting"), ("NCT05048017", "Recruiting"), ("NCT05760599", "Recruiting"),
    ("NCT05312216", "Not yet recruiting"), ("NCT05557838", "Recruiting"), ("NCT04720716", "Recruiting"),
    ("NCT04542837", "Recruiting"), ("NCT05408221", "Recruiting"), ("NCT04560894", "Recruiting"),
    ("NCT05162352", "Unknown status"), ("NCT04183088", "Recruiting"), ("NCT05453383", "Recruiting"),
    ("NCT04368078", "Recruiting"), ("NCT06031480", "Not yet recruiting"), ("NCT04503902", "Recruiting"),
}


def _status_sorted(rows):
    return {(r["trial"], "; ".join(sorted(r["status"].split("; ")))) for r in rows}


def test_ongoing_trials_in_china(ask):
    rows = ask("ongoing-trials", country="China")
    assert _status_sorted(rows) == ONGOING_CHINA
    row = {r["trial"]: r for r in rows}["NCT04344158"]
    # s001 Table 2: "NCT04344158 AK105 Anlotinib First line Phase 3 648 Not yet recruiting China"
    assert (row["phase"], row["line"], row["enrollment"], row["regimens"], row["status_source"]) == \
        ("III", "first", "648", "AK105 + anlotinib", "s001 table-2 row 2")


def test_ongoing_trials_country_in_another_case(ask):
    assert _status_sorted(ask("ongoing-trials", country="CHINA")) == ONGOING_CHINA
    # s001 Table 2, United States rows
    assert {r["trial"] for r in ask("ongoing-trials", country="united states")} == \
        {"NCT04829383", "NCT04828486", "NCT06096779"}


def test_ongoing_trials_all(ask):
    rows = ask("ongoing-trials")
    trials = {r["trial"] for r in rows}
    # s001: "Ongoing phase III clinical trials, including ABC-HCC (NCT04803994) and RENOTACE";
    # s000: SynOV1.1 with tislelizumab, "recruiting"; s001 Table 2: three United States trials
    assert trials == {t for t, _ in ONGOING_CHINA} | {
        "ABC-HCC", "RENOTACE", "SynOV1.1 + tislelizumab trial", "NCT04829383", "NCT04828486", "NCT06096779"}
    # reported: NCT04042805 (Table 2 "Recruiting", Table 1 results), ChiCTR2100050076 ("preliminary
    # data"), the tislelizumab + regorafenib second-line study ("In an ongoing study", results given)
    assert not trials & {"NCT04042805", "ChiCTR2100050076", "Tislelizumab plus regorafenib second-line phase II"}


def test_ongoing_trials_unknown_country_is_an_error(ask):
    with pytest.raises(HccKgError, match="no country 'Atlantis'"):
        ask("ongoing-trials", country="Atlantis")
    with pytest.raises(HccKgError, match="no country 'Chine'; nearest: China;"):
        ask("ongoing-trials", country="Chine")


# --- locoregional-combinations -----------------------------------------------------------------

@pytest.fixture(scope="module")
def locoregional(ask):
    return ask("locoregional-combinations")


def test_locoregional_combinations_regimens(locoregional):
    rows = locoregional
    # the locoregional column joins therapies in engine order: compare it sorted
    got = {(r["regimen"], "; ".join(sorted((r["locoregional"] or "").split("; "))), r["study"])
           for r in rows if r["locoregional"]}
    assert got == {
        # s000 text (CHANCE001's one experimental arm: PD-1 inhibitor); Table 1's "PD-L1 inhibitors"
        # is a regimen statement on that arm (a conflict), a regimen no arm received
        ("TACE + unspecified molecular targeted drug + unspecified PD-1 inhibitor", "TACE", "CHANCE001"),
        ("TACE + unspecified molecular targeted drug + unspecified PD-L1 inhibitor", "TACE", ""),
        ("nivolumab + Y90 radioembolisation", "Y90 radioembolisation", "CA 209-678"),  # s000
        ("lenvatinib + sintilimab + TACE", "TACE", "Cao et al"),                      # s000
        ("lenvatinib + TACE + unspecified PD-1 inhibitor", "TACE", "Cai et al"),      # s000
        ("HAIC + lenvatinib + toripalimab", "HAIC", "Lai et al"),                     # s000
        ("avelumab + SBRT + TACE", "SBRT; TACE", "START-FIT"),                        # s000
        ("pembrolizumab + SBRT", "SBRT", "Luke et al"),                               # s000
        ("radiotherapy + unspecified anti-angiogenic agent + unspecified PD-1 inhibitor",
         "radiotherapy", "Zhong et al"),                                              # s000
        # s000 Table 3 (NCT05535998), no results
        ("TACE-HAIC + unspecified PD-1 inhibitor + unspecified tyrosine kinase inhibitor",
         "TACE-HAIC", "NCT05535998"),
    }
    assert "Bae et al" not in {r["study"] for r in rows}  # HAIC + NK cells: no checkpoint inhibitor
    assert {r["experimental_value"] for r in rows if r["study"] == "NCT05535998"} == {None}


def test_locoregional_combinations_with_their_comparators(locoregional):
    """Issue 20: the comparators' values and p (s000) beside the experimental arms."""
    rows = {(r["study"], r["endpoint"]): r for r in locoregional}
    # s000: CHANCE001 "significantly longer mOS (19.2 months vs 15.7 months, P = 0.001) and PFS (9.5
    # months vs 8.5 months, P = 0.002)"; "The ORR was 60.1% ... compared to 32.0% for the TACE group"
    chance = rows[("CHANCE001", "mOS")]
    assert ("19.2 months [s000 text]" in chance["experimental_value"].split("; ")
            and "15.7 months [s000 text]" in chance["control_value"].split("; "))
    assert (chance["control"], chance["p"], chance["effect_source"]) == ("TACE (TACE alone)", "= 0.001", "s000 text")
    assert rows[("CHANCE001", "mPFS")]["p"] == "= 0.002"
    assert "32% [s000 text]" in rows[("CHANCE001", "ORR")]["control_value"].split("; ")
    # s000: Cai et al "prolonged mOS ... (16.9 months vs 12.1 months, P = 0.009)" against TACE + lenvatinib
    cai = rows[("Cai et al", "mOS")]
    assert (cai["experimental_value"], cai["control"], cai["control_value"], cai["p"]) == \
        ("16.9 months [s000 text]", "lenvatinib + TACE", "12.1 months [s000 text]", "= 0.009")


def test_locoregional_combinations_trials_against_tace(locoregional):
    """s001 names trials against TACE: EMERALD-1, EMERALD-3, LEAP-012 and ML-42612 ("triple or
    quadruple therapies based on immunotherapy with TACE alone", regimens unnamed), ABC-HCC
    (atezolizumab plus bevacizumab) and RENOTACE (regorafenib plus nivolumab)."""
    against_tace = {(r["study"], r["experimental"]) for r in locoregional if r["control"] == "TACE"}
    assert against_tace == {
        ("EMERALD-1", "not named by the source"), ("EMERALD-3", "not named by the source"),
        ("LEAP-012", "not named by the source"), ("ML-42612", "not named by the source"),
        ("ABC-HCC", "atezolizumab + bevacizumab"), ("RENOTACE", "nivolumab + regorafenib")}
    emerald = next(r for r in locoregional if r["study"] == "EMERALD-1")
    assert emerald["design"].startswith("immunotherapy-based triple or quadruple therapy vs TACE alone [s001 text: ")


def test_locoregional_combinations_start_fit_results(locoregional):
    rows = [r for r in locoregional if r["study"] == "START-FIT"]
    # s000: "Results showcased a 42% CR, 24% PR, and a 67% ORR. PFS stood out at 20.7 months and OS at
    # 30.3 months, with a local control rate of 92% at two years."
    assert _pick(rows, "endpoint", "experimental_value") == {
        ("CR", "42% [s000 text]"), ("PR", "24% [s000 text]"), ("ORR", "67% [s000 text]"),
        ("mPFS", "20.7 months [s000 text]"), ("mOS", "30.3 months [s000 text]"),
        ("local-control-2y", "92% [s000 text]")}
    assert all(r["icis"] == "avelumab" and r["control"] == "" for r in rows)


# --- dual-checkpoint ---------------------------------------------------------------------------

def test_dual_checkpoint_regimens_and_targets(ask):
    rows = ask("dual-checkpoint")
    targets = {r["regimen"]: frozenset(r["checkpoint_targets"].split("; ")) for r in rows}
    kinds = {r["regimen"]: frozenset(r["kind"].split("; ")) for r in rows}
    both = frozenset({"dual checkpoint", "bispecific antibody"})
    cado = frozenset({"cadonilimab (PD-1)", "cadonilimab (CTLA-4)"})  # s001: "targets both PD-1 and CTLA-4"
    kn046 = frozenset({"KN046 (PD-L1)", "KN046 (CTLA-4)"})            # s001: "a PD-L1/CTLA-4 bispecific antibody"
    assert targets == {
        "cadonilimab": cado, "cadonilimab + lenvatinib": cado, "bevacizumab + cadonilimab": cado,
        "cadonilimab + ramucirumab": cado, "cadonilimab + regorafenib": cado,
        "KN046": kn046, "KN046 + lenvatinib": kn046,
        # durvalumab (PD-L1) + tremelimumab (CTLA-4): HIMALAYA's STRIDE, Study 22
        "durvalumab + tremelimumab": frozenset({"durvalumab (PD-L1)", "tremelimumab (CTLA-4)"}),
        # s000: "nivolumab plus ipilimumab"
        "ipilimumab + nivolumab": frozenset({"nivolumab (PD-1)", "ipilimumab (CTLA-4)"}),
        # s000: "Tebotelimab, a bispecific antibody targeting PD-1 and LAG-3"
        "tebotelimab": frozenset({"tebotelimab (PD-1)", "tebotelimab (LAG-3)"}),
    }
    assert kinds["tebotelimab"] == {"bispecific antibody"}
    assert kinds["durvalumab + tremelimumab"] == {"dual checkpoint"}
    assert kinds["cadonilimab + lenvatinib"] == both and kinds["KN046 + lenvatinib"] == both


def test_dual_checkpoint_results(ask):
    rows = ask("dual-checkpoint")
    himalaya = _pick([r for r in rows if r["study"] == "HIMALAYA"], "endpoint", "result", "source", "table_row")
    # s000: STRIDE "ORR of the STRIDE regimen" 20.1%, mOS 16.4 months (text and s000 Table 1 row 12)
    assert {("ORR", "20.1%", "s000", ""), ("ORR", "20.1%", "s000", "table-1 row 12"),
            ("mOS", "16.4 months", "s000", ""), ("mOS", "16.4 months", "s000", "table-1 row 12")} <= himalaya
    # s000: tebotelimab "the ORR was 3% in ..." and 13.3%
    tebo = _pick([r for r in rows if r["regimen"] == "tebotelimab"], "endpoint", "result")
    assert {("ORR", "3%"), ("ORR", "13.3%")} <= tebo
    # s001 Table 2: KN046 + lenvatinib (NCT04542837) has no results yet
    kn = [r for r in rows if r["regimen"] == "KN046 + lenvatinib"]
    assert _pick(kn, "study", "result") == {("NCT04542837", "")}


# --- adverse-events ----------------------------------------------------------------------------

def test_adverse_events_for_a_drug_by_its_misspelling(ask):
    # "karelizumab" is s000's spelling of camrelizumab: every camrelizumab regimen's grade >= 3 AEs.
    rows = ask("adverse-events", regimen="karelizumab")
    assert _pick(rows, "regimen_name", "study", "endpoint", "adverse_event", "result", "qualifier",
                 "source", "table_row") == {
        # s000: "Grade 3-4 AEs were experienced by 77.4% of patients, primarily manifesting as
        # hypertension (34.2%)." (RESCUE)
        ("camrelizumab + rivoceranib", "RESCUE", "AE>=3", "", "77.4%", "grade 3-4", "s000", ""),
        ("camrelizumab + rivoceranib", "RESCUE", "named-AE", "hypertension", "34.2%", "grade 3-4", "s000", ""),
        # s001 Table 1: "... Camrelizumab + Rivoceeranib 272 22.1 5.6 25.0 78.0 / / / / 88.0%" (CARES-310)
        ("camrelizumab + rivoceranib", "CARES-310", "AE>=3", "", "88%", "", "s001", "table-1 row 16"),
    }
    assert {r["regimen"] for r in rows} == {"https://w3id.org/hcc-kg/resource/drug/camrelizumab"}


def test_adverse_events_for_a_regimen(ask):
    rows = ask("adverse-events", regimen="atezolizumab + bevacizumab")
    assert _pick(rows, "study", "endpoint", "adverse_event", "result", "source", "table_row") == {
        # s000: "The incidence of grade 3-4 AEs in the T + A regimen (43%) was similar to sorafenib"
        ("IMbrave150", "AE>=3", "", "43%", "s000", ""),
        # s001: "with 61.1% experiencing AEs of grade 3 or higher"; s001 Table 1 row 1 "61.1%"
        ("IMbrave150", "AE>=3", "", "61.1%", "s001", ""),
        ("IMbrave150", "AE>=3", "", "61.1%", "s001", "table-1 row 1"),
        # s001: "bleeding event rate (20.0% vs. 25.0%, $p = 0.23$)" (standard vs low-dose bevacizumab)
        ("Standard-dose vs low-dose bevacizumab with atezolizumab study (151 patients)", "named-AE",
         "bleeding event", "20%", "s001", ""),
        ("Standard-dose vs low-dose bevacizumab with atezolizumab study (151 patients)", "named-AE",
         "bleeding event", "25%", "s001", ""),
    }


def test_adverse_events_all(ask):
    rows = ask("adverse-events")
    assert {r["endpoint"] for r in rows} == {"AE>=3", "TRAE>=3", "named-AE"}
    assert all(r["adverse_event"] for r in rows if r["endpoint"] == "named-AE")
    # s000: "Grade 3 or higher treatment-emergent adverse event incidence was 70.0%, 57.1% in groups A
    # and B" (Ren et al, serplulimab + HLX04)
    assert {("Ren et al", "70%"), ("Ren et al", "57.1%")} <= _pick(rows, "study", "result")
    # s000: Study 22, grade 3-4 treatment-related AEs 37.8% with tremelimumab + durvalumab
    assert ("durvalumab + tremelimumab", "TRAE>=3", "37.8%") in _pick(rows, "regimen_name", "endpoint", "result")
    assert {r["regimen"] for r in rows} == {None}  # no regimen asked for


def test_adverse_events_none_for_rituximab(ask):
    assert ask("adverse-events", regimen="rituximab") == []  # s001 names it only as approved in 1997
