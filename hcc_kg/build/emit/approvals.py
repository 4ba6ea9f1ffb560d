"""Approvals and recommendations: a regulator's approval of a regimen (agency, type, year, line,
indication, the study it rests on) and a guideline's recommendation of one."""

from __future__ import annotations

from rdflib import RDF, RDFS, XSD, Literal

from hcc_kg import models as m
from hcc_kg.build.emit.core import Emitter
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC, RES


def approval(em: Emitter, fact: m.Approval, where: str) -> None:
    g = em.g
    node = RES["approval"][fact.id]
    g.add((node, RDF.type, HCC.RegulatoryApproval))
    regimen = em.regimen(fact.regimen, f"{where}, field regimen")
    g.add((node, HCC.approvedRegimen, regimen))
    g.add((node, HCC.approvalType, em.value("type", fact.type, f"{where}, field type")))
    agency = f"{fact.agency} " if fact.agency else ""
    g.add((node, RDFS.label, Literal(f"{agency}{fact.type} of {g.value(regimen, RDFS.label)}"
                                     + (f" ({fact.year})" if fact.year else ""), lang="en")))
    if fact.agency:
        g.add((node, HCC.agency, em.value("agency", fact.agency, f"{where}, field agency")))
    if fact.year:
        g.add((node, HCC.approvalYear, Literal(str(fact.year), datatype=XSD.gYear)))
    if fact.date:
        g.add((node, HCC.approvalDate, Literal(fact.date, datatype=XSD.date)))
    if fact.line:
        g.add((node, HCC.lineOfTherapy, em.value("line", fact.line, f"{where}, field line")))
    if fact.indication:
        g.add((node, HCC.indication, Literal(fact.indication)))
    if fact.study:
        g.add((node, HCC.basedOnStudy, em.resolve(fact.study, f"{where}, field study", "study")))
    if fact.withdrawn:
        g.add((node, HCC.withdrawn, Literal(True)))
    if fact.listed_in_china is not None:
        g.add((node, HCC.listedInChina, Literal(fact.listed_in_china)))
    em.evidence(fact, node)


def recommendation(em: Emitter, fact: m.Recommendation, where: str) -> None:
    g = em.g
    node = RES["recommendation"][fact.id]
    g.add((node, RDF.type, HCC.GuidelineRecommendation))
    g.add((node, HCC.guideline, em.value("guideline", fact.guideline, f"{where}, field guideline")))
    regimen = em.regimen(fact.regimen, f"{where}, field regimen")
    g.add((node, HCC.recommendedRegimen, regimen))
    g.add((node, RDFS.label, Literal(f"{fact.guideline} {fact.version or ''} recommends {g.value(regimen, RDFS.label)}".replace("  ", " "), lang="en")))
    if fact.version:
        g.add((node, HCC.guidelineVersion, Literal(fact.version)))
    if fact.line:
        g.add((node, HCC.lineOfTherapy, em.value("line", fact.line, f"{where}, field line")))
    if fact.category:
        g.add((node, HCC.category, Literal(fact.category)))
    if fact.population:
        g.add((node, HCC.populationText, Literal(fact.population)))
    if fact.child_pugh:
        g.add((node, HCC.childPughClass, Literal(fact.child_pugh)))
    if fact.biomarker:
        if fact.biomarker not in {b.id for b in em.facts.of("biomarkers")}:
            raise HccKgError(f"{where}, field biomarker: unknown biomarker {fact.biomarker!r} (an id in biomarkers.yaml)")
        g.add((node, HCC.forBiomarker, RES["biomarker"][fact.biomarker]))
    em.evidence(fact, node)
