"""Publish stage: run every stage, then write the release atomically with its build receipt.

Nothing is written until every stage has passed; the files are then written into a new folder
beside graph/release/, which is swapped in with one rename, so a build that fails or is killed at
any point leaves the previous release whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCAT, DCTERMS, VOID

from hcc_kg import __version__
from hcc_kg.constants import (
    FACTS,
    MANIFEST,
    ONTOLOGY,
    ONTOLOGY_IRI,
    QUERIES,
    RECEIPT,
    RELEASE,
    RELEASE_NQ,
    RELEASE_TTL,
    RESOURCE,
    ROOT,
    SHAPES,
    SOURCES,
    TERM_SOURCES,
)
from hcc_kg.constants import HCC as HCC_IRI
from hcc_kg.constants import KINDS as RES_KINDS
from hcc_kg.emit import new_graph
from hcc_kg.errors import HccKgError
from hcc_kg.release import sha256
from hcc_kg.vocab import GRAPHS, HCC

LIBRARIES = ("rdflib", "owlready2", "pyshacl", "pyoxigraph", "pydantic", "PyYAML", "click", "bioregistry", "pylode")
DATASET = URIRef("https://w3id.org/hcc-kg/")
PAV = Namespace("http://purl.org/pav/")
SPDX = Namespace("http://spdx.org/rdf/terms#")


@dataclass
class Build:
    graphs: dict[str, Graph]
    timings: dict[str, float] = field(default_factory=dict)
    #: release files that are not serialisations of the graphs (the SSSOM table)
    documents: dict[str, str] = field(default_factory=dict)


def inputs() -> list[Path]:
    """Every file the build reads (the canned queries too: their texts are in the metadata graph);
    its sha256 goes into the receipt."""
    files = [MANIFEST, ONTOLOGY, SHAPES, TERM_SOURCES, *sorted(SOURCES.glob("*.txt")),
             *sorted(FACTS.rglob("*.yaml")), *sorted(QUERIES.rglob("*.rq"))]
    return [f for f in files if f.exists()]


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
    import bioregistry
    from rdflib import SKOS

    for kind in ("drug", "target", "disease"):
        base = RESOURCE + kind + "/"
        entities = {s for s in data.subjects(RDFS.label, None) if str(s).startswith(base)}
        links: dict[str, set] = {}
        for entity in entities:
            for target in data.objects(entity, SKOS.exactMatch):
                parsed = bioregistry.parse_iri(str(target))
                if parsed:
                    links.setdefault(parsed[0], set()).add((entity, target))
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


def run_stages() -> Build:
    """facts -> resolve/emit -> reason -> SHACL -> QC; raises HccKgError at the first failure."""
    from hcc_kg.emit import emit
    from hcc_kg.examples import sparql_examples
    from hcc_kg.facts import load_facts
    from hcc_kg.kgx import kgx_files
    from hcc_kg.reason import reason
    from hcc_kg.sources import load_sources
    from hcc_kg.sssom import sssom_table
    from hcc_kg.store import store_of
    from hcc_kg.validate import load_rdf, qc, raise_on, shacl

    timings: dict[str, float] = {}

    def timed(stage: str, fn, *args):
        t = time.perf_counter()
        out = fn(*args)
        timings[stage] = round(time.perf_counter() - t, 3)
        return out

    facts = timed("facts", load_facts)
    asserted = timed("emit", emit, facts)
    ontology = timed("ontology", load_rdf, ONTOLOGY, "turtle")
    inferred = timed("reason", reason, ontology, asserted)
    data = asserted + inferred
    timed("shacl", lambda: raise_on(shacl(data, ontology), "SHACL validation failed"))
    graphs = one_graph_each({"ontology": to_canonical_graph(ontology), "asserted": asserted, "inferred": inferred})
    union = graphs["ontology"] + graphs["asserted"] + graphs["inferred"]
    graphs["metadata"] = metadata(graphs, union)
    store = store_of(nquads(statements(graphs)))
    timed("qc", lambda: raise_on(qc(store), "QC checks failed"))
    graphs["metadata"] += timed("examples", sparql_examples, store, ENDPOINT)
    sssom = timed("sssom", sssom_table, facts, asserted, ontology, load_sources())
    kgx = timed("kgx", kgx_files, union)
    return Build(graphs, timings, {SSSOM: sssom, **kgx})


def one_graph_each(graphs: dict[str, Graph]) -> dict[str, Graph]:
    """Each triple in one named graph only, the first that holds it: the ontology declares the
    targets its defined classes name (PD-1, PD-L1, CTLA-4, VEGF-A, ...) with their types and
    labels, and the curated targets state them again. In the union default graph a triple held by
    two graphs is a solution twice, so plain SPARQL would return each of their rows twice."""
    seen = Graph()
    out = {}
    for name, graph in graphs.items():
        out[name] = graph - seen if len(seen) else graph
        seen += graph
    return out


Statements = dict[str, list[str]]


def statements(graphs: dict[str, Graph]) -> Statements:
    """Each named graph as sorted, unique N-Triples lines: serialised once, every format uses them."""
    return {name: sorted(set(graph.serialize(format="nt").splitlines()) - {""})
            for name, graph in graphs.items()}


def nquads(lines: Statements) -> str:
    """Sorted N-Quads of the named graphs: the same input gives the same bytes."""
    quads = {line[:-2] + f" <{GRAPHS[name]}> ." for name, graph in lines.items() for line in graph}
    return "\n".join(sorted(quads)) + "\n"


def ntriples(lines: Statements, names: tuple[str, ...] | None = None) -> str:
    """Sorted N-Triples of the union (of ``names``, default all graphs)."""
    union = {line for name in names or tuple(lines) for line in lines[name]}
    return "\n".join(sorted(union)) + "\n"


def prefixes() -> dict[str, str]:
    return {p: str(ns) for p, ns in new_graph().namespaces() if p in USED_PREFIXES}


def write_with(fmt: str, names: tuple[str, ...] | None = None, triples: bool = False):
    """A writer serialising the sorted statements with pyoxigraph (streaming, order kept, lexical
    forms kept: rdflib's Turtle writer would print "5"^^xsd:decimal as 5.0, another term)."""
    def write(lines: Statements) -> str:
        import pyoxigraph as ox

        if triples:  # the union (or the named graphs) as one sorted, duplicate-free graph
            data = list(ox.parse(ntriples(lines, names), format=ox.RdfFormat.N_TRIPLES))
        else:  # graph by graph, each in sorted order
            data = []
            for name in names or tuple(lines):
                graph = ox.NamedNode(str(GRAPHS[name]))
                data += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in
                         ox.parse("\n".join(lines[name]) + "\n", format=ox.RdfFormat.N_TRIPLES)]
        return ox.serialize(data, format=getattr(ox.RdfFormat, fmt), prefixes=prefixes()).decode("utf-8")
    return write


def context(lines: Statements | None = None) -> str:
    """The published JSON-LD context: the prefixes every release file uses."""
    return json.dumps({"@context": prefixes()}, indent=1, sort_keys=True) + "\n"


RELEASE_ONTOLOGY = "hcc-kg-ontology.owl"
USED_PREFIXES = {"hcc", "oa", "uo", "prov", "skos", "dcterms", "rdf", "rdfs", "owl", "xsd", "void", "dcat", "pav",
                 "sh", "schema", *RES_KINDS}

#: release file name -> writer of the statements (the registry of output formats)
WRITERS = {
    RELEASE_NQ: nquads,
    RELEASE_TTL: write_with("TURTLE", triples=True),
    "hcc-kg.nt": ntriples,
    "hcc-kg.trig": write_with("TRIG"),
    "hcc-kg.jsonld": write_with("JSON_LD"),
    "hcc-kg-context.jsonld": context,
    RELEASE_ONTOLOGY: write_with("RDF_XML", ("ontology",), triples=True),
}
SSSOM = "hcc-kg.sssom.tsv"
VOID_FILE = "hcc-kg.void.ttl"
DOCS = "hcc-kg-ontology.html"


def receipt(graphs: dict[str, Graph], files: dict[str, str]) -> str:
    body = {
        "package": {"hcc-kg": __version__},
        "versions": {"data": __version__, "ontology": ontology_version(graphs["ontology"])},
        "python": platform.python_version(),
        "libraries": {lib: version(lib) for lib in LIBRARIES},
        "inputs": {str(p.relative_to(ROOT)): sha256(p) for p in inputs()},
        "triples": {name: len(g) for name, g in graphs.items()},
        "outputs": {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in sorted(files.items())},
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def write_release(graphs: dict[str, Graph], release: Path = RELEASE, documents: dict[str, str] | None = None) -> list[Path]:
    """Serialise the release in memory, then write it all or nothing (see :func:`writing`)."""
    lines = statements(graphs)
    files = {name: write(lines) for name, write in WRITERS.items()} | (documents or {})
    files[VOID_FILE] = describe_files(graphs["metadata"], files)
    files[RECEIPT] = receipt(graphs, files)
    for _ in writing(files, release):
        pass
    return [release / name for name in (*files, DOCS)]


def writing(files: dict[str, str], release: Path) -> Iterator[str]:
    """Write ``files`` as the new ``release`` folder, all or nothing, naming each step when done.

    The files go into a new folder beside ``release``; files of the old release that the build does
    not write (the committed KGX graph summary) are copied over; then one ``renameat2`` exchanges
    the two folders, so a reader or a crash at any step sees either the old release or the new one,
    whole. A folder left by a killed build is removed by the next one.
    """
    release.parent.mkdir(parents=True, exist_ok=True)
    for leftover in release.parent.glob(f".{release.name}-new-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    new = Path(tempfile.mkdtemp(prefix=f".{release.name}-new-", dir=release.parent))
    try:
        for name, text in files.items():
            (new / name).parent.mkdir(parents=True, exist_ok=True)  # kgx/ holds the KGX files
            (new / name).write_text(text, encoding="utf-8")
            yield name
        if RELEASE_ONTOLOGY in files:
            ontology_docs(new / RELEASE_ONTOLOGY, new / DOCS)
            yield DOCS
        if release.exists():
            for old in sorted(release.rglob("*")):
                if old.is_file() and not (new / old.relative_to(release)).exists():
                    (new / old.relative_to(release)).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(old, new / old.relative_to(release))
            yield "kept files the build does not write"
            exchange(new, release)
        else:
            os.rename(new, release)
        yield "swapped in"
    finally:
        shutil.rmtree(new, ignore_errors=True)  # the old release, after the exchange


def exchange(a: Path, b: Path) -> None:
    """Swap two folders in one step: Linux renameat2(RENAME_EXCHANGE). Elsewhere two renames, with a
    moment in which ``b`` is absent (said in the README)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
            errno = ctypes.get_errno()
            raise HccKgError(f"{b}: could not swap in the new release: {os.strerror(errno)}")
        return
    aside = b.with_name(b.name + ".old")
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)


def ontology_docs(ontology: Path, html: Path) -> None:
    """The ontology's HTML documentation, by pyLODE. Not in the receipt and not committed: pyLODE
    orders blank-node restrictions differently from run to run, so its bytes are not stable."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "pylode", "--sort", "-o", str(html), str(ontology)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or not html.exists():
        raise HccKgError(f"{ontology}: pyLODE could not document it: {done.stderr.strip()[-400:]}")


def build(release: Path = RELEASE) -> Build:
    result = run_stages()
    t = time.perf_counter()
    write_release(result.graphs, release, result.documents)
    result.timings["write"] = round(time.perf_counter() - t, 3)
    return result
