"""Levels of evidence: one rule, from the design facts the sources state and nobody disputes.

A study's level is derived only from (a) its type where a source states it (a study whose type
is left out of its record is only an hcc:ClinicalStudy), (b) its phase and design statements that
are not disputed (a disputed statement never becomes the plain triple this reads), and (c) its arms
that are not disputed and whose role is comparator. The rules, first match wins (README, "Levels
of evidence"):

1. ``meta-analysis``: stated to be a meta-analysis.
2. ``observational``: stated to be observational, or a design statement says retrospective or
   real-world.
3. ``design-not-stated``: no stated type, no phase and no design statement: nothing to rate.
4. ``phase-3-controlled`` / ``early-phase-controlled``: a design statement says randomised, or an
   undisputed comparator arm; phase III or II/III for the first, any other or no phase the second.
5. ``single-arm``: any other trial.

Each study with results, and each of its measurements and comparisons, gets the level.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, Graph, Literal, URIRef

from hcc_kg.vocab import HCC

PHASE_3 = frozenset({HCC.Phase3, HCC.Phase2to3})
TYPES = (HCC.MetaAnalysis, HCC.ObservationalStudy, HCC.ClinicalTrial)
LEVEL_IRI = {"meta-analysis": HCC.LevelMetaAnalysis, "observational": HCC.LevelObservational,
             "design-not-stated": HCC.LevelDesignNotStated, "phase-3-controlled": HCC.LevelPhase3Controlled,
             "early-phase-controlled": HCC.LevelControlledEarlyPhase, "single-arm": HCC.LevelSingleArm}


@dataclass(frozen=True)
class Design:
    """What the sources state about a study's design, disputed facts left out."""

    #: the stated type (hcc:MetaAnalysis, hcc:ObservationalStudy, hcc:ClinicalTrial) or None
    type: URIRef | None
    phases: frozenset[URIRef]
    designs: tuple[str, ...]
    #: an arm that is not disputed and whose role is comparator
    comparator: bool


def level(design: Design) -> str:
    """The level (a notation of hcc:EvidenceLevel) the rules above give a design."""
    words = " ".join(design.designs).lower()
    if design.type == HCC.MetaAnalysis:
        return "meta-analysis"
    if design.type == HCC.ObservationalStudy or "retrospective" in words or "real-world" in words:
        return "observational"
    if design.type is None and not design.phases and not design.designs:
        return "design-not-stated"
    if "randomi" in words or design.comparator:
        return "phase-3-controlled" if design.phases & PHASE_3 else "early-phase-controlled"
    return "single-arm"


def design_of(g: Graph, study: URIRef) -> Design:
    """A study's design as the asserted graph states it (disputed statements have no plain triple)."""
    stated = next((t for t in TYPES if (study, RDF.type, t) in g), None)
    comparator = any((arm, HCC.armRole, HCC.Comparator) in g and (arm, HCC.disputed, Literal(True)) not in g
                     for arm in g.objects(study, HCC.hasArm))
    return Design(stated, frozenset(g.objects(study, HCC.phase)),
                  tuple(sorted(str(d) for d in g.objects(study, HCC.design))), comparator)


def assign_levels(g: Graph) -> None:
    """Each study with results, and each of its measurements and comparisons, gets its level."""
    results: dict[URIRef, list[URIRef]] = {}
    for node in sorted(g.subjects(RDF.type, HCC.OutcomeMeasurement)):
        results.setdefault(g.value(predicate=HCC.hasArm, object=g.value(node, HCC.arm)), []).append(node)
    for node in sorted(g.subjects(RDF.type, HCC.ArmComparison)):
        results.setdefault(g.value(predicate=HCC.hasArm, object=g.value(node, HCC.experimentalArm)), []).append(node)
    for study, nodes in results.items():
        iri = LEVEL_IRI[level(design_of(g, study))]
        for node in [study, *nodes]:
            g.add((node, HCC.evidenceLevel, iri))
