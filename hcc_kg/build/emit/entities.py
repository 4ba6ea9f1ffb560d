"""The things the facts are about: source documents, and each named drug, target, therapy,
disease, cell type and study with its labels (a drug with its kind, reference and targets)."""

from __future__ import annotations

from rdflib import RDF, RDFS, SKOS, Literal, URIRef
from rdflib.namespace import DCTERMS

from hcc_kg import models as m
from hcc_kg.build.emit.core import Emitter
from hcc_kg.build.emit.statements import external_target, target_claim
from hcc_kg.vocab import HCC, RES

KIND_CLASS = {"drug": HCC.Drug, "target": HCC.MolecularTarget, "therapy": HCC.Therapy,
              "disease": HCC.Disease, "cell": HCC.CellType, "study": HCC.ClinicalStudy}


def source_documents(em: Emitter) -> None:
    for source in em.sources.values():
        node = RES["source"][source.id]
        em.g.add((node, RDF.type, HCC.SourceDocument))
        em.g.add((node, RDFS.label, Literal(source.title or f"source {source.id} ({source.file})")))
        em.g.add((node, HCC.sha256, Literal(source.sha256)))
        if source.licence:
            em.g.add((node, DCTERMS.license, Literal(source.licence)))


def entities(em: Emitter) -> None:
    for facts_kind, kind in (("drugs", "drug"), ("targets", "target"), ("therapies", "therapy"),
                             ("diseases", "disease"), ("cells", "cell"), ("studies", "study")):
        for where, record in em.facts.where(facts_kind):
            entity = em.lexicon.resolve(record.name, where, (kind,))
            node = em.entity(entity)
            cls = getattr(HCC, getattr(record, "type", None) or "", None) or KIND_CLASS[kind]
            em.g.add((node, RDF.type, cls))
            if kind == "study":
                em.g.add((node, RDF.type, HCC.ClinicalStudy))
            em.g.add((node, RDFS.label, Literal(entity.label, lang="en")))
            for alias in em.lexicon.aliases(entity):
                em.g.add((node, SKOS.altLabel, Literal(alias, lang="en")))
            for spelling in em.lexicon.spellings(entity):  # searchable, never a synonym
                em.g.add((node, SKOS.hiddenLabel, Literal(spelling, lang="en")))
            if getattr(record, "note", None):
                em.g.add((node, HCC.curatorNote, Literal(record.note)))
            if isinstance(record, m.Drug):
                drug(em, node, record, str(where))


def drug(em: Emitter, node: URIRef, drug: m.Drug, where: str) -> None:
    if drug.type == "BispecificAntibody":
        em.g.add((node, RDF.type, HCC.MonoclonalAntibody))
    if drug.type == "Biosimilar":
        em.g.add((node, RDF.type, HCC.MonoclonalAntibody))
    if drug.biosimilar_of:
        em.g.add((node, HCC.biosimilarOf, em.resolve(drug.biosimilar_of, where, "drug")))
    if drug.formulation_of:
        em.g.add((node, HCC.formulationOf, em.resolve(drug.formulation_of, where, "drug")))
    for i, claim in enumerate(drug.targets):
        target_claim(em, node, claim, f"{where}, field targets[{i}].target")
    for i, ext in enumerate(drug.external_targets):
        external_target(em, node, ext, f"{where}, field external_targets[{i}].target")
