"""Statements: an attribute of a study or arm, a drug-target claim (from a source, or from an outside
page), and a claim's stated values, each a node with its evidence; the plain triple too unless
disputed."""

from __future__ import annotations

from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from hcc_kg import models as m
from hcc_kg.build.emit.core import Emitter, decimal
from hcc_kg.vocab import HCC, RES

STATEMENT_PROPERTY = {
    "phase": HCC.phase, "line": HCC.lineOfTherapy, "enrollment": HCC.enrollment,
    "design": HCC.design, "population": HCC.population, "status": HCC.recruitmentStatus,
    "country": HCC.country, "dose": HCC.doseText, "patients": HCC.patientCount,
    "regimen": HCC.statedRegimen, "prior_regimen": HCC.priorRegimen, "child_pugh": HCC.childPughClass,
    "countries": HCC.countryCount, "centers": HCC.centerCount, "pooled_studies": HCC.pooledStudyCount,
    "evaluable": HCC.evaluablePatients,
}


def statement(em: Emitter, subject: URIRef, stmt: m.Statement, where: str) -> None:
    """An attribute statement with its evidence; the plain triple too unless disputed."""
    prop = STATEMENT_PROPERTY[stmt.attribute]
    if stmt.regimen:
        obj = em.regimen(stmt.regimen, f"{where}, field regimen")
    elif stmt.attribute in ("phase", "line"):
        obj = em.value(stmt.attribute, str(stmt.value), f"{where}, attribute {stmt.attribute}")
    elif stmt.attribute in m.COUNT_ATTRIBUTES:
        obj = Literal(int(stmt.value))
    else:
        obj = Literal(str(stmt.value))
    local = str(subject).rsplit("/", 2)[-2:]
    node = em.iri("statement", f"{local[0]}-{local[1]}-{stmt.attribute}-{stmt.source}", unique=True)
    em.g.add((node, RDF.type, HCC.AttributeStatement))
    em.g.add((node, HCC.describes, subject))
    em.g.add((node, prop, obj))
    em.evidence(stmt, node)
    if not stmt.disputed and stmt.attribute != "regimen":  # an arm's own regimen is hcc:armRegimen
        em.g.add((subject, prop, obj))


def target_claim(em: Emitter, drug: URIRef, claim: m.TargetClaim, where: str) -> None:
    """A sourced drug-target statement; the plain triple too unless disputed."""
    target = em.resolve(claim.target, where, "target")
    slug = f"{drug.rsplit('/', 1)[-1]}-inhibits-{target.rsplit('/', 1)[-1]}-{claim.source}"
    stmt = em.iri("statement", slug, unique=True)
    em.g.add((stmt, RDF.type, HCC.AttributeStatement))
    em.g.add((stmt, HCC.describes, drug))
    em.g.add((stmt, HCC.inhibits, target))
    em.evidence(claim, stmt)
    if not claim.disputed:
        em.g.add((drug, HCC.inhibits, target))


def external_target(em: Emitter, drug: URIRef, ext: m.ExternalClaim, where: str) -> None:
    """A drug-target statement from an outside page (its address and excerpt, not a source's quote)."""
    target = em.resolve(ext.target, where, "target")
    t_slug = target.rsplit("/", 1)[-1]
    stmt = em.iri("statement", f"{drug.rsplit('/', 1)[-1]}-inhibits-{t_slug}-external")
    ev = RES["evidence"][f"external-{drug.rsplit('/', 1)[-1]}-{t_slug}"]
    em.g.add((stmt, RDF.type, HCC.AttributeStatement))
    em.g.add((stmt, HCC.describes, drug))
    em.g.add((stmt, HCC.inhibits, target))
    em.g.add((stmt, PROV.wasDerivedFrom, ev))
    em.g.add((stmt, HCC.curatorNote, Literal(ext.note)))
    em.g.add((ev, RDF.type, HCC.ExternalEvidence))
    em.g.add((ev, DCTERMS.source, URIRef(ext.url)))
    em.g.add((ev, HCC.excerpt, Literal(ext.excerpt)))
    em.g.add((drug, HCC.inhibits, target))


def claim(em: Emitter, fact: m.Claim, where: str) -> None:
    """A claim about entities, with each value it states as a quantity."""
    g = em.g
    node = RES["claim"][fact.id]
    g.add((node, RDF.type, HCC.Claim))
    g.add((node, RDFS.label, Literal(fact.topic, lang="en")))
    g.add((node, HCC.topic, Literal(fact.topic)))
    for i, name in enumerate(fact.about):
        g.add((node, HCC.about, em.resolve(name, f"{where}, field about[{i}]", "drug", "therapy", "study", "target", "disease", "cell")))
    for i, v in enumerate(fact.values, 1):
        shown = format(v.value.normalize(), "f") + (f" {v.unit}" if v.unit else "")
        g.add((node, HCC.statedValue, Literal(shown)))
        quantity = RES["claim"][f"{fact.id}-q{i}"]
        g.add((node, HCC.quantity, quantity))
        g.add((quantity, RDF.type, HCC.StatedQuantity))
        g.add((quantity, HCC.quantityValue, decimal(v.value)))
        if v.unit:
            g.add((quantity, HCC.unitText, Literal(v.unit)))
    em.evidence(fact, node)
