"""Studies and their arms: a study's registry links and statements, each arm with its regimen,
role, statements and doses, then the study's outcomes (hcc_kg.build.emit.outcomes)."""

from __future__ import annotations

from rdflib import RDF, RDFS, Literal, URIRef

from hcc_kg import models as m
from hcc_kg.build.emit.core import Emitter, decimal
from hcc_kg.build.emit.links import registry_ids
from hcc_kg.build.emit.outcomes import comparison, measurement
from hcc_kg.build.emit.statements import statement
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import DOSE_UNITS, HCC, INTERVAL_UNITS, RES


def study(em: Emitter, study: m.Study, where: str, curated: bool) -> None:
    node = RES["study"][study.id]
    g = em.g
    if not curated and (node, RDF.type, HCC.ClinicalStudy) not in g:
        g.add((node, RDF.type, HCC.ClinicalStudy))
        if study.type:
            g.add((node, RDF.type, getattr(HCC, study.type)))
        g.add((node, RDFS.label, Literal(study.name, lang="en")))
    registry_ids(em, node, study, where)
    hcc = em.lexicon.find("hepatocellular carcinoma", ("disease",))
    if hcc:
        g.add((node, HCC.condition, em.entity(hcc)))
    for i, stmt in enumerate(study.statements):
        statement(em, node, stmt, f"{where}, field statements[{i}]")
    arms = {}
    for i, arm in enumerate(study.arms):
        arm_node = RES["arm"][f"{study.id}-{arm.id}"]
        arms[arm.id] = arm_node
        g.add((node, HCC.hasArm, arm_node))
        g.add((arm_node, RDF.type, HCC.TrialArm))
        regimen = em.regimen(arm.regimen, f"{where}, field arms[{i}].regimen")
        g.add((arm_node, HCC.armRegimen, regimen))
        label = f"{study.name}: {g.value(regimen, RDFS.label)}" + (f" ({arm.label})" if arm.label else "")
        if (arm_node, RDFS.label, None) not in g:
            g.add((arm_node, RDFS.label, Literal(label, lang="en")))
        if arm.label:
            g.add((arm_node, HCC.cohort, Literal(arm.label)))
        if arm.role:
            g.add((arm_node, HCC.armRole, em.value("role", arm.role, f"{where}, field arms[{i}].role")))
        if arm.disputed:
            g.add((arm_node, HCC.disputed, Literal(True)))
        if arm.note:
            g.add((arm_node, HCC.curatorNote, Literal(arm.note)))
        for j, stmt in enumerate(arm.statements):
            statement(em, arm_node, stmt, f"{where}, field arms[{i}].statements[{j}]")
        for j, d in enumerate(arm.doses):
            dose(em, arm_node, arm, d, f"{where}, field arms[{i}].doses[{j}]")
    em.known_arms.setdefault(study.id, set()).update(arms)
    for i, fact in enumerate(study.measurements):
        measurement(em, study, fact, f"{where}, field measurements[{i}]")
    for i, fact in enumerate(study.comparisons):
        comparison(em, study, fact, f"{where}, field comparisons[{i}]")


def dose(em: Emitter, arm_node: URIRef, arm: m.Arm, dose: m.Dose, where: str) -> None:
    """A dose of one of the arm's drugs: amount and unit, interval, route and step where stated."""
    drug = em.resolve(dose.drug, f"{where}.drug", "drug")
    if drug not in set(em.g.objects(em.g.value(arm_node, HCC.armRegimen), HCC.hasComponent)):
        raise HccKgError(f"{where}.drug: {dose.drug!r} is not in the arm's regimen {arm.regimen}")
    local = arm_node.rsplit("/", 1)[-1]
    node = em.iri("dose", f"{local}-{drug.rsplit('/', 1)[-1]}-{dose.step or 1}-{dose.source}", unique=True)
    g = em.g
    g.add((arm_node, HCC.dose, node))
    g.add((node, RDF.type, HCC.DoseSpecification))
    amount = format(dose.amount.normalize(), "f")
    every = f" every {format(dose.every.normalize(), 'f')} {dose.every_unit}s" if dose.every is not None else ""
    g.add((node, RDFS.label, Literal(f"{amount} {dose.unit} {g.value(drug, RDFS.label)}{every}", lang="en")))
    g.add((node, HCC.doseOf, drug))
    g.add((node, HCC.doseAmount, decimal(dose.amount)))
    g.add((node, HCC.doseUnit, DOSE_UNITS[dose.unit]))
    if dose.every is not None:
        g.add((node, HCC.doseInterval, decimal(dose.every)))
        g.add((node, HCC.doseIntervalUnit, INTERVAL_UNITS[dose.every_unit]))
    if dose.route:
        g.add((node, HCC.route, Literal(dose.route)))
    if dose.step:
        g.add((node, HCC.doseStep, Literal(dose.step)))
    em.evidence(dose, node)
