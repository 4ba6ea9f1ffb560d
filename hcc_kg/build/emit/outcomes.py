"""Outcomes of a study's arms: each measurement (or design target) with its unit, interval and,
for an adverse-event rate, grade range and kind; each comparison of two arms with its effect."""

from __future__ import annotations

import re
from functools import cache

from rdflib import RDF, Literal, URIRef

from hcc_kg import models as m
from hcc_kg.build.emit.core import Emitter, decimal, ontology
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC, MONTH_ENDPOINTS, UNITS

#: words of a qualifier that state an adverse-event grade or kind, which must then be typed
GRADE_WORDS = re.compile(r"\bgrade|\bg[1-5]\b")
AE_KIND_WORDS = ("treatment-related", "treatment-emergent", "immune-related", "discontinu")


@cache
def ae_defaults() -> dict[URIRef, tuple[URIRef, URIRef]]:
    """Adverse-event endpoint -> (grade range, kind) it names, read from the ontology."""
    onto = ontology()
    return {e: (g, onto.value(e, HCC.aeKind)) for e, g in onto.subject_objects(HCC.aeGrade)
            if (e, RDF.type, HCC.Endpoint) in onto}


def measurement(em: Emitter, study: m.Study, fact: m.Measurement, where: str) -> None:
    g = em.g
    arm = em.arm(study, fact.arm, f"{where}.arm")
    endpoint = em.value("endpoint", fact.endpoint, f"{where}.endpoint")
    parts = [study.id, fact.arm, fact.endpoint.replace(">=", "3plus"), fact.criteria or "",
             fact.subgroup or "", fact.adverse_event or "", fact.qualifier or "", fact.source,
             f"{fact.table}-r{fact.row}" if fact.table else ""]
    node = em.iri("measurement", "-".join(p for p in parts if p), unique=True)
    unit = fact.unit or ("month" if fact.endpoint in MONTH_ENDPOINTS else "percent")
    if fact.design_target:  # a value to reach, not a result: no measurement for result queries to find
        g.add((node, RDF.type, HCC.DesignTarget))
        g.add((node, HCC.targetOfArm, arm))
        g.add((node, HCC.endpoint, endpoint))
        g.add((node, HCC.unit, UNITS[unit]))
        g.add((node, HCC.targetValue, decimal(fact.value)))
        em.evidence(fact, node)
        return
    g.add((node, RDF.type, HCC.OutcomeMeasurement))
    g.add((node, HCC.arm, arm))
    g.add((node, HCC.endpoint, endpoint))
    g.add((node, HCC.unit, UNITS[unit]))
    if fact.value is not None:
        g.add((node, HCC.value, decimal(fact.value)))
    if fact.below is not None:
        g.add((node, HCC.valueBelow, decimal(fact.below)))
    if fact.not_reached:
        g.add((node, HCC.notReached, Literal(True)))
    for prop, v in ((HCC.ciLower, fact.ci_lower), (HCC.ciUpper, fact.ci_upper)):
        if v is not None:
            g.add((node, prop, decimal(v)))
    if fact.criteria:
        g.add((node, HCC.responseCriteria, em.value("criteria", fact.criteria, f"{where}.criteria")))
    for prop, text in ((HCC.subgroup, fact.subgroup), (HCC.adverseEvent, fact.adverse_event),
                       (HCC.qualifier, fact.qualifier)):
        if text:
            g.add((node, prop, Literal(text)))
    adverse_event(em, node, endpoint, fact, where)
    em.evidence(fact, node)


def adverse_event(em: Emitter, node: URIRef, endpoint: URIRef, fact: m.Measurement, where: str) -> None:
    """An adverse-event rate's grade range and kind: as the fact states them, else as its
    endpoint names them (the ontology's hcc:aeGrade / hcc:aeKind of the endpoint)."""
    defaults = ae_defaults().get(endpoint)
    if defaults is None:
        if fact.grade or fact.ae_kind:
            raise HccKgError(f"{where}: grade and ae_kind apply to adverse-event endpoints only, not {fact.endpoint!r}")
        return
    words = (fact.qualifier or "").lower()
    if fact.grade is None and GRADE_WORDS.search(words):
        raise HccKgError(f"{where}.grade: the qualifier {fact.qualifier!r} names a grade; give it as grade "
                         "(any, 1-2, 3, 3-4, >=3, 4-5, 5)")
    if fact.ae_kind is None and any(k in words for k in AE_KIND_WORDS):
        raise HccKgError(f"{where}.ae_kind: the qualifier {fact.qualifier!r} names a kind of adverse event; "
                         "give it as ae_kind")
    grade = em.value("grade", fact.grade, f"{where}.grade") if fact.grade else defaults[0]
    kind = em.value("ae_kind", fact.ae_kind, f"{where}.ae_kind") if fact.ae_kind else defaults[1]
    em.g.add((node, HCC.aeGrade, grade))
    em.g.add((node, HCC.aeKind, kind))


def comparison(em: Emitter, study: m.Study, fact: m.Comparison, where: str) -> None:
    g = em.g
    exp = em.arm(study, fact.experimental, f"{where}.experimental")
    comp = em.arm(study, fact.comparator, f"{where}.comparator")
    node = em.iri("comparison", f"{study.id}-{fact.experimental}-vs-{fact.comparator}-{fact.endpoint}-{fact.subgroup or ''}-{fact.source}", unique=True)
    g.add((node, RDF.type, HCC.ArmComparison))
    g.add((node, HCC.experimentalArm, exp))
    g.add((node, HCC.comparatorArm, comp))
    g.add((node, HCC.endpoint, em.value("endpoint", fact.endpoint, f"{where}.endpoint")))
    for prop, v in ((HCC.hazardRatio, fact.hazard_ratio), (HCC.ciLower, fact.ci_lower),
                    (HCC.ciUpper, fact.ci_upper), (HCC.pValue, fact.p_value), (HCC.pValueBelow, fact.p_below)):
        if v is not None:
            g.add((node, prop, decimal(v)))
    if fact.relative_effect is not None:
        g.add((node, HCC.relativeEffect, decimal(fact.relative_effect)))
        g.add((node, HCC.effectDirection, em.value("direction", fact.direction, f"{where}.direction")))
    if fact.subgroup:
        g.add((node, HCC.subgroup, Literal(fact.subgroup)))
    if (endpoint := g.value(node, HCC.endpoint)) in ae_defaults():  # as the endpoint names them
        g.add((node, HCC.aeGrade, ae_defaults()[endpoint][0]))
        g.add((node, HCC.aeKind, ae_defaults()[endpoint][1]))
    em.evidence(fact, node)
