"""Mechanisms and biomarkers: how an agent acts (the targets and cells it acts on, the chain of
events, the effect), and a biomarker with the drugs and therapies it guides."""

from __future__ import annotations

from rdflib import RDF, RDFS, Literal

from hcc_kg import models as m
from hcc_kg.build.emit.core import Emitter
from hcc_kg.vocab import HCC, RES


def mechanism(em: Emitter, fact: m.Mechanism, where: str) -> None:
    g = em.g
    node = RES["mechanism"][fact.id]
    g.add((node, RDF.type, HCC.MechanismStatement))
    g.add((node, RDFS.label, Literal(" -> ".join(fact.chain), lang="en")))
    g.add((node, HCC.agent, em.resolve(fact.agent, f"{where}, field agent", "drug", "therapy")))
    for i, name in enumerate(fact.acts_on):
        g.add((node, HCC.actsOn, em.resolve(name, f"{where}, field acts_on[{i}]", "target")))
    for i, name in enumerate(fact.cells):
        g.add((node, HCC.affectsCell, em.resolve(name, f"{where}, field cells[{i}]", "cell")))
    g.add((node, HCC.chain, Literal(" -> ".join(fact.chain))))
    g.add((node, HCC.effect, Literal(fact.effect)))
    em.evidence(fact, node)


def biomarker(em: Emitter, fact: m.Biomarker, where: str) -> None:
    g = em.g
    node = RES["biomarker"][fact.id]
    g.add((node, RDF.type, HCC.Biomarker))
    g.add((node, RDFS.label, Literal(fact.name, lang="en")))
    for i, name in enumerate(fact.guides):
        g.add((node, HCC.guides, em.resolve(name, f"{where}, field guides[{i}]", "drug", "therapy")))
    em.evidence(fact, node)
