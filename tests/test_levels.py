"""Levels of evidence: one rule (hcc_kg/levels.py), from stated, undisputed design facts only.

Each rule has a test on the rule itself and a counter-example from the graph: RESCUE (a
single-regimen phase II study whose sorafenib arm is disputed), NCT03347292 (an open-label phase Ib
trial whose regorafenib arm has no stated role), Cai et al (design not stated, a comparator arm)
and Cao, Lai and Bae et al (design not stated, one arm)."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, Literal

from hcc_kg.constants import ONTOLOGY
from hcc_kg.levels import LEVEL_IRI, Design, design_of, level
from hcc_kg.vocab import HCC, RES

NOTHING = Design(None, frozenset(), (), False)


@pytest.fixture(scope="module")
def graph(built):
    _, result = built
    return result.graphs["asserted"]


def study_level(graph, slug):
    return graph.value(RES["study"][slug], HCC.evidenceLevel)


# --- the rules, in order ---------------------------------------------------------------------


def test_rule_1_a_stated_meta_analysis():
    assert level(Design(HCC.MetaAnalysis, frozenset(), ("randomized",), True)) == "meta-analysis"


def test_rule_2_observational_by_type_or_stated_design():
    assert level(Design(HCC.ObservationalStudy, frozenset(), (), False)) == "observational"
    assert level(Design(HCC.ClinicalTrial, frozenset(), ("multicenter retrospective real-world",), True)) == "observational"
    assert level(Design(None, frozenset(), ("retrospective",), False)) == "observational"


def test_rule_3_design_not_stated_even_with_a_comparator_arm():
    """Cai et al: "compared to TACE combined with lenvatinib alone", but trial or retrospective is
    not stated; the arm alone does not make it a controlled trial."""
    assert level(NOTHING) == "design-not-stated"
    assert level(Design(None, frozenset(), (), True)) == "design-not-stated"
    # a stated phase or design is enough to rate it
    assert level(Design(None, frozenset({HCC.Phase2}), (), False)) == "single-arm"


def test_rule_4_controlled_by_randomisation_or_an_undisputed_comparator():
    assert level(Design(HCC.ClinicalTrial, frozenset({HCC.Phase3}), ("randomized 1:1",), False)) == "phase-3-controlled"
    assert level(Design(HCC.ClinicalTrial, frozenset({HCC.Phase2to3}), (), True)) == "phase-3-controlled"
    assert level(Design(HCC.ClinicalTrial, frozenset({HCC.Phase1to2}), ("randomized controlled",), False)) \
        == "early-phase-controlled"
    assert level(Design(HCC.ClinicalTrial, frozenset(), (), True)) == "early-phase-controlled"


def test_rule_5_any_other_trial_is_single_arm():
    assert level(Design(HCC.ClinicalTrial, frozenset({HCC.Phase1b}), ("open-label",), False)) == "single-arm"
    assert level(Design(HCC.ClinicalTrial, frozenset(), (), False)) == "single-arm"


def test_every_level_is_an_ontology_individual_and_in_the_readme():
    from hcc_kg.constants import ROOT

    ontology = Graph().parse(ONTOLOGY)
    assert set(LEVEL_IRI.values()) == set(ontology.subjects(RDF.type, HCC.EvidenceLevel))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"(`{notation}`)" in readme for notation in LEVEL_IRI)


# --- counter-examples from the graph ---------------------------------------------------------


def test_rescue_a_disputed_arm_never_makes_a_study_controlled(graph):
    rescue = RES["study"]["rescue"]
    sorafenib = RES["arm"]["rescue-sorafenib"]
    assert (sorafenib, HCC.armRole, HCC.Comparator) in graph and (sorafenib, HCC.disputed, Literal(True)) in graph
    assert design_of(graph, rescue).comparator is False
    assert study_level(graph, "rescue") == HCC.LevelSingleArm
    # the same arm undisputed would make it controlled: the flag is what keeps it out
    undisputed = Graph()
    undisputed += graph
    undisputed.remove((sorafenib, HCC.disputed, Literal(True)))
    assert level(design_of(undisputed, rescue)) == "early-phase-controlled"


def test_nct03347292_an_arm_without_a_stated_role_is_not_a_comparator(graph):
    study = RES["study"]["nct03347292"]
    regorafenib = RES["arm"]["nct03347292-regorafenib"]
    assert (study, HCC.hasArm, regorafenib) in graph and (regorafenib, HCC.armRole, None) not in graph
    design = design_of(graph, study)
    assert design.phases == {HCC.Phase1b} and design.designs == ("open-label",) and not design.comparator
    assert study_level(graph, "nct03347292") == HCC.LevelSingleArm


def test_cai_design_not_stated_despite_its_comparator_arm(graph):
    cai = RES["study"]["cai-tace-lenvatinib-pd1"]
    assert (cai, RDF.type, HCC.ClinicalTrial) not in graph and (cai, RDF.type, HCC.ClinicalStudy) in graph
    assert design_of(graph, cai).comparator is True
    assert study_level(graph, "cai-tace-lenvatinib-pd1") == HCC.LevelDesignNotStated


@pytest.mark.parametrize("slug", ["cao-tace-lenvatinib-sintilimab", "lai-haic-lenvatinib-toripalimab", "bae-haic-nk-cells"])
def test_a_defaulted_type_never_gives_single_arm(graph, slug):
    assert (RES["study"][slug], RDF.type, HCC.ClinicalTrial) not in graph
    assert study_level(graph, slug) == HCC.LevelDesignNotStated


@pytest.mark.parametrize("slug", ["rescue", "nct03347292", "cai-tace-lenvatinib-pd1"])
def test_every_result_carries_its_studys_level(graph, slug):
    study = RES["study"][slug]
    arms = set(graph.objects(study, HCC.hasArm))
    results = [m for arm in arms for m in graph.subjects(HCC.arm, arm)]
    results += [c for arm in arms for c in graph.subjects(HCC.experimentalArm, arm)]
    assert results and {graph.value(r, HCC.evidenceLevel) for r in results} == {study_level(graph, slug)}
