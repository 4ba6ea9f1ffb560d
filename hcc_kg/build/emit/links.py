"""Links to other datasets and their provenance: a study's registry numbers, each entity's
confirmed identifiers and registry names (graph/facts/xrefs.yaml), each link annotated by an
owl:Axiom (SSSOM's RDF form) naming the registry file and row, or where a curator saw it."""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, SKOS, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from hcc_kg import models as m
from hcc_kg import prefixes
from hcc_kg.build.emit.core import Emitter
from hcc_kg.build.facts import Where
from hcc_kg.build.lexicon import Entity
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC, RES, SEMAPV, SSSOM


def registry_ids(em: Emitter, node: URIRef, study: m.Study, where: str) -> None:
    """Each registry number the sources state for a study; an NCT number also as the exact match
    of its ClinicalTrials.gov record (the record's page for people as rdfs:seeAlso), with the sources
    that state it."""
    g = em.g
    for i, registry_id in enumerate(study.registry_ids):
        if not any(registry_id in source.text for source in em.sources.values()):
            raise HccKgError(f"{where}, field registry_ids[{i}]: {registry_id!r} does not occur in any source")
        g.add((node, HCC.registryId, Literal(registry_id)))
        trial = URIRef(prefixes.expand(f"clinicaltrials:{registry_id}"))
        if registry_id.startswith("NCT") and (node, SKOS.exactMatch, trial) not in g:
            # stated in the source itself: its ClinicalTrials.gov record
            g.add((node, SKOS.exactMatch, trial))
            g.add((node, RDFS.seeAlso, URIRef(prefixes.page(f"clinicaltrials:{registry_id}"))))
            stated = axiom(em, node, SKOS.exactMatch, trial, prefixes.biolink_curie(f"clinicaltrials:{registry_id}"),
                           f"The source states the registry number {registry_id} for this study.")
            g.add((stated, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration))
            for source in em.sources.values():
                if registry_id in source.text:
                    g.add((stated, DCTERMS.source, RES["source"][source.id]))


def xrefs(em: Emitter) -> None:
    """skos:exactMatch (or closeMatch) to each confirmed identifier, as the IRI other datasets
    use (hcc_kg.prefixes), the registry's page for people as rdfs:seeAlso, and each link's
    provenance as an owl:Axiom on the link (SSSOM's RDF form): justification, the registry
    file (package, version, path, sha256), row and the row's text. Registry names (an INN a
    registry row gives a code name) and a biosimilar's UNII row get the same. Every drug and
    target needs a record, so a new one cannot go out unlinked without a decision."""
    recorded = set()
    files = {f.id: f for f in em.facts.of("registry-files")}
    for where, mapping in em.facts.where("xrefs"):
        entity = em.lexicon.resolve(mapping.name, f"{where}, field name", (mapping.kind,))
        recorded.add(entity)
        node = em.entity(entity)
        curies = {x.curie for x in mapping.xrefs}
        for i, xref in enumerate(mapping.xrefs):
            field = f"{where}, field xrefs[{i}]"
            try:
                iri = URIRef(prefixes.expand(xref.curie))
            except (HccKgError, ValueError) as e:
                raise HccKgError(f"{field}.curie: {e}") from None
            if xref.registry is not None and xref.registry not in files:
                raise HccKgError(f"{field}.registry: {xref.registry!r} is not in "
                                 f"registry-files.yaml; known: {', '.join(sorted(files))}")
            if xref.via is not None and xref.via not in curies:
                raise HccKgError(f"{field}.via: {xref.via!r} is not one of this record's xrefs")
            predicate = getattr(SKOS, xref.predicate)
            em.g.add((node, predicate, iri))
            page = prefixes.page(xref.curie)
            if page:
                em.g.add((node, RDFS.seeAlso, URIRef(page)))
            link(em, entity, predicate, iri, prefixes.biolink_curie(xref.curie), xref, files)
        for i, name in enumerate(mapping.registry_names):
            if name.registry not in files:
                raise HccKgError(f"{where}, field registry_names[{i}].registry: {name.registry!r} is not "
                                 f"in registry-files.yaml; known: {', '.join(sorted(files))}")
            literal = Literal(name.name)
            em.g.add((node, HCC.registryName, literal))
            link(em, entity, HCC.registryName, literal, name.name, name, files)
        for i, member in enumerate(mapping.members):
            part = em.resolve(member.target, f"{where}, field members[{i}].target", "target")
            em.g.add((node, HCC.hasMember, part))
        reference = em.g.value(node, HCC.biosimilarOf)
        for rejected in mapping.rejected:  # the registry row that lists a biosimilar under its reference
            if reference is not None and rejected.registry in files and (
                    reference, SKOS.exactMatch, URIRef(prefixes.expand(rejected.curie))) in em.g:
                link(em, entity, HCC.biosimilarOf, reference, prefixes.biolink_curie(rejected.curie),
                     rejected, files)
    for kind in ("drug", "target"):
        for where, record in em.facts.where(f"{kind}s"):
            if em.lexicon.resolve(record.name, where, (kind,)) not in recorded:
                home = Where(where.file.parent / "xrefs.yaml", repr(record.name))
                raise HccKgError(f"{home}: missing ({kind} named in {where.file.name}); add it, "
                                 "with xrefs: [] and a note when no identifier is confirmed")


def axiom(em: Emitter, subject: URIRef, predicate: URIRef, target, identifier: str, excerpt: str) -> URIRef:
    """An owl:Axiom annotating one link (SSSOM's RDF form), to carry its provenance."""
    g = em.g
    kind, slug = str(subject).rsplit("/", 2)[-2:]
    node = em.iri("link", f"{kind}-{slug}-{predicate.split('#')[-1]}-{identifier}", unique=True)
    g.add((node, RDF.type, OWL.Axiom))
    g.add((node, OWL.annotatedSource, subject))
    g.add((node, OWL.annotatedProperty, predicate))
    g.add((node, OWL.annotatedTarget, target))
    g.add((node, DCTERMS.identifier, Literal(identifier)))
    g.add((node, HCC.excerpt, Literal(" ".join(excerpt.split()))))
    return node


def link(em: Emitter, entity: Entity, predicate: URIRef, target, identifier: str, item, files: dict) -> None:
    """The provenance of one link: the registry file and row, or where a curator saw it."""
    g = em.g
    node = axiom(em, em.entity(entity), predicate, target, identifier, item.evidence or "")
    if getattr(item, "reason", None):
        g.add((node, HCC.reason, Literal(item.reason)))
    registry = getattr(item, "registry", None)
    if registry:
        chained = getattr(item, "via", None)
        g.add((node, SSSOM.mapping_justification, SEMAPV.MappingChaining if chained else SEMAPV.LexicalMatching))
        if chained:
            g.add((node, HCC.curatorNote, Literal(f"via {chained}: the row pairs it with that identifier")))
        g.add((node, PROV.wasDerivedFrom, registry_file(em, files[registry])))
        g.add((node, HCC.tableRow, Literal(str(item.row))))
    else:
        g.add((node, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration))
        g.add((node, DCTERMS.source, Literal(item.confirmed_in)))


def registry_file(em: Emitter, file: m.RegistryFile) -> URIRef:
    node = RES["registry"][file.id]
    g = em.g
    if (node, RDF.type, HCC.RegistryFile) not in g:
        g.add((node, RDF.type, HCC.RegistryFile))
        g.add((node, RDFS.label, Literal(f"{file.registry}: {file.package} {file.version}, {file.path}")))
        g.add((node, DCTERMS.title, Literal(file.registry)))
        g.add((node, DCTERMS.identifier, Literal(file.path)))
        g.add((node, OWL.versionInfo, Literal(file.version)))
        g.add((node, DCTERMS.isPartOf, URIRef(f"https://pypi.org/project/{file.package}/{file.version}/")))
        g.add((node, HCC.sha256, Literal(file.sha256)))
    return node
