"""The release's description: the dataset's VoID and DCAT metadata (version, sources, endpoint,
partitions, linksets) and one dcat:Distribution per release file."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID

from hcc_kg import __version__
from hcc_kg.constants import DATASET_IRI, ONTOLOGY, ONTOLOGY_IRI, RESOURCE
from hcc_kg.constants import HCC as HCC_IRI
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import GRAPHS, HCC, new_graph

DATASET = URIRef(DATASET_IRI)
PAV = Namespace("http://purl.org/pav/")
SPDX = Namespace("http://spdx.org/rdf/terms#")

DESCRIPTION = ("Drugs, targets, mechanisms, trials, arms, outcomes, approvals and guideline recommendations "
               "of immunotherapy for hepatocellular carcinoma, curated from two reviews; every sourced fact "
               "carries the verbatim quote it came from and its character offsets.")
RIGHTS = ("The curation is licensed CC BY 4.0. Quoted excerpts remain under their sources' terms: s001 is "
          "CC BY-NC-ND 4.0; s000 states no licence. They are quoted as evidence for the facts.")
ENDPOINT = URIRef("http://127.0.0.1:7878/query")  # what `hcc-kg serve` offers by default
EXAMPLES = ("study/imbrave150", "drug/atezolizumab", "target/pd-l1", "regimen/atezolizumab-bevacizumab")
MEDIA_TYPES = {".nq": "application/n-quads", ".ttl": "text/turtle", ".nt": "application/n-triples",
               ".trig": "application/trig", ".jsonld": "application/ld+json", ".owl": "application/rdf+xml",
               ".tsv": "text/tab-separated-values", ".json": "application/json"}


def ontology_version(ontology: Graph) -> str:
    """The ontology's owl:versionInfo; its owl:versionIRI must be the ontology IRI + "/" + that
    version (the release's version scheme: README, "Versions and changes")."""
    from rdflib import OWL

    iri = URIRef(ONTOLOGY_IRI)
    info, version_iri = ontology.value(iri, OWL.versionInfo), ontology.value(iri, OWL.versionIRI)
    if info is None or version_iri != URIRef(f"{ONTOLOGY_IRI}/{info}"):
        raise HccKgError(f"{ONTOLOGY}: <{ONTOLOGY_IRI}> needs owl:versionInfo \"X.Y.Z\" and owl:versionIRI "
                         f"<{ONTOLOGY_IRI}/X.Y.Z> with the same version; found {info!r} and {version_iri}")
    return str(info)


def metadata(graphs: dict[str, Graph], data: Graph) -> Graph:
    """The dataset's VoID and DCAT description of the named ``graphs`` and their union ``data``
    (the distributions are added by `describe_files`)."""
    g = new_graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("pav", PAV)):
        g.bind(prefix, ns)
    g.add((DATASET, RDF.type, VOID.Dataset))
    g.add((DATASET, RDF.type, DCAT.Dataset))
    g.add((DATASET, DCTERMS.title, Literal("hcc-kg: immunotherapy for hepatocellular carcinoma", lang="en")))
    g.add((DATASET, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((DATASET, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((DATASET, DCTERMS.rights, Literal(RIGHTS, lang="en")))
    g.add((DATASET, DCTERMS.hasVersion, Literal(__version__)))
    g.add((DATASET, URIRef(str(DCAT) + "version"), Literal(__version__)))  # DCAT 3; rdflib lacks it
    g.add((DATASET, DCTERMS.conformsTo, URIRef(f"{ONTOLOGY_IRI}/{ontology_version(graphs['ontology'])}")))
    tool = URIRef(f"https://w3id.org/hcc-kg/tool/hcc-kg/{__version__}")
    g.add((DATASET, PAV.createdWith, tool))
    g.add((tool, RDFS.label, Literal(f"hcc-kg {__version__}")))
    g.add((tool, DCTERMS.hasVersion, Literal(__version__)))
    for source in sorted(graphs["asserted"].subjects(RDF.type, HCC.SourceDocument)):
        g.add((DATASET, DCTERMS.source, source))
    g.add((DATASET, VOID.sparqlEndpoint, ENDPOINT))
    service = URIRef("https://w3id.org/hcc-kg/service/sparql")
    g.add((DATASET, DCAT.accessService, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, ENDPOINT))
    g.add((service, DCAT.servesDataset, DATASET))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    g.add((DATASET, VOID.vocabulary, URIRef(HCC_IRI)))
    g.add((DATASET, VOID.uriSpace, Literal(RESOURCE)))
    for example in EXAMPLES:
        g.add((DATASET, VOID.exampleResource, URIRef(RESOURCE + example)))
    g.add((DATASET, VOID.triples, Literal(len(data), datatype=XSD.integer)))
    for name in ("ontology", "asserted", "inferred"):
        g.add((DATASET, VOID.subset, GRAPHS[name]))
        g.add((GRAPHS[name], RDF.type, VOID.Dataset))
        g.add((GRAPHS[name], VOID.triples, Literal(len(graphs[name]), datatype=XSD.integer)))
    linksets(g, data)  # the union: the ontology states some targets' labels (PD-1, VEGFR1, ...)
    members: dict[URIRef, set] = {}
    for subject, _, cls in data.triples((None, RDF.type, None)):
        members.setdefault(cls, set()).add(subject)
    partitions = [("class", cls, len(subjects)) for cls, subjects in members.items()]
    partitions += [("property", p, n) for p, n in Counter(p for _, p, _ in data).items()]
    for kind, term, n in partitions:
        part = URIRef(f"{DATASET}{kind}-partition/{hashlib.sha256(str(term).encode()).hexdigest()[:16]}")
        g.add((DATASET, VOID.classPartition if kind == "class" else VOID.propertyPartition, part))
        g.add((part, VOID["class" if kind == "class" else "property"], term))
        g.add((part, VOID.entities if kind == "class" else VOID.triples, Literal(n, datatype=XSD.integer)))
    return g


def linksets(g: Graph, data: Graph) -> None:
    """The external-links summary: one void:Linkset per entity kind and registry, with the links
    (void:triples), the entities linked (void:distinctSubjects) and those not (hcc:unlinkedEntities)."""
    from rdflib import SKOS

    from hcc_kg import prefixes

    bioregistry_prefix = {biolink: ours for ours, biolink in prefixes.BIOLINK.items()}
    for kind in ("drug", "target", "disease"):
        base = RESOURCE + kind + "/"
        entities = {s for s in data.subjects(RDFS.label, None) if str(s).startswith(base)}
        links: dict[str, set] = {}
        for entity in entities:
            for target in data.objects(entity, SKOS.exactMatch):
                known = prefixes.compress(str(target))
                if known:
                    links.setdefault(bioregistry_prefix[known.split(":", 1)[0]], set()).add((entity, target))
        for prefix, pairs in sorted(links.items()):
            linked = {e for e, _ in pairs}
            node = URIRef(f"{DATASET}linkset/{kind}-{prefix}")
            g.add((DATASET, VOID.subset, node))
            g.add((node, RDF.type, VOID.Linkset))
            g.add((node, DCTERMS.title, Literal(f"{kind} links to {prefix}: {len(linked)} of {len(entities)} "
                                                f"{kind}s linked", lang="en")))
            g.add((node, VOID.subjectsTarget, DATASET))
            g.add((node, VOID.objectsTarget, URIRef(f"https://bioregistry.io/registry/{prefix}")))
            g.add((node, VOID.linkPredicate, SKOS.exactMatch))
            g.add((node, VOID.triples, Literal(len(pairs), datatype=XSD.integer)))
            g.add((node, VOID.distinctSubjects, Literal(len(linked), datatype=XSD.integer)))
            g.add((node, HCC.unlinkedEntities, Literal(len(entities) - len(linked), datatype=XSD.integer)))


def describe_files(description: Graph, files: dict[str, str]) -> str:
    """The dataset description plus one dcat:Distribution per release file (media type, size,
    sha256): a separate Turtle file, since no file can hold its own checksum."""
    g = new_graph() + description
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("spdx", SPDX)):
        g.bind(prefix, ns)
    for name, text in sorted(files.items()):
        dist = URIRef(f"{DATASET}distribution/{name}")
        data = text.encode("utf-8")
        g.add((DATASET, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(name)))
        g.add((dist, DCAT.downloadURL, URIRef(f"https://w3id.org/hcc-kg/release/{__version__}/{name}")))
        g.add((dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/"
                                            + MEDIA_TYPES[Path(name).suffix])))
        g.add((dist, DCAT.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(f"{dist}#sha256")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)))
    return g.serialize(format="turtle")
