"""Publish stage: run every stage, then write the release atomically with its build receipt.

Nothing is written until every stage has passed; the files are serialised into a temporary
folder beside graph/release/ and moved in last, so a failed build leaves the previous release.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, VOID

from hcc_kg import __version__
from hcc_kg.constants import KINDS as RES_KINDS
from hcc_kg.constants import (FACTS, MANIFEST, ONTOLOGY, QC_QUERIES, RECEIPT, RELEASE,
                              RELEASE_NQ, RELEASE_TTL, ROOT, SHAPES, SOURCES)
from hcc_kg.emit import new_graph
from hcc_kg.vocab import GRAPHS, HCC

LIBRARIES = ("rdflib", "owlready2", "pyshacl", "pyoxigraph", "pydantic", "PyYAML", "click")
DATASET = URIRef("https://w3id.org/hcc-kg/")


@dataclass
class Build:
    graphs: dict[str, Graph]
    timings: dict[str, float] = field(default_factory=dict)


def inputs() -> list[Path]:
    """Every file the build reads: its sha256 goes into the receipt."""
    files = [MANIFEST, ONTOLOGY, SHAPES, *sorted(SOURCES.glob("*.txt")),
             *sorted(FACTS.rglob("*.yaml")), *sorted(QC_QUERIES.glob("*.rq"))]
    return [f for f in files if f.exists()]


def metadata(graphs: dict[str, Graph]) -> Graph:
    g = new_graph()
    g.bind("void", VOID)
    g.add((DATASET, RDF.type, VOID.Dataset))
    g.add((DATASET, DCTERMS.title, Literal("hcc-kg: immunotherapy for hepatocellular carcinoma", lang="en")))
    g.add((DATASET, DCTERMS.hasVersion, Literal(__version__)))
    for source in sorted(graphs["asserted"].subjects(RDF.type, HCC.SourceDocument)):
        g.add((DATASET, DCTERMS.source, source))
    for name in ("ontology", "asserted", "inferred"):
        g.add((DATASET, VOID.subset, GRAPHS[name]))
        g.add((GRAPHS[name], VOID.triples, Literal(len(graphs[name]), datatype=XSD.integer)))
    return g


def run_stages() -> Build:
    """facts -> resolve/emit -> reason -> SHACL -> QC; raises HccKgError at the first failure."""
    from hcc_kg.emit import emit
    from hcc_kg.facts import load_facts
    from hcc_kg.reason import reason
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
    graphs = {"ontology": to_canonical_graph(ontology), "asserted": asserted, "inferred": inferred}
    graphs["metadata"] = metadata(graphs)
    timed("qc", lambda: raise_on(qc(store_of(nquads(statements(graphs)))), "QC checks failed"))
    return Build(graphs, timings)


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


USED_PREFIXES = {"hcc", "oa", "uo", "prov", "skos", "dcterms", "rdf", "rdfs", "owl", "xsd", "void",
                 *RES_KINDS}

#: release file name -> writer of the statements (the registry of output formats)
WRITERS = {
    RELEASE_NQ: nquads,
    RELEASE_TTL: write_with("TURTLE", triples=True),
    "hcc-kg.nt": ntriples,
    "hcc-kg.trig": write_with("TRIG"),
    "hcc-kg.jsonld": write_with("JSON_LD"),
    "hcc-kg-context.jsonld": context,
    "hcc-kg-ontology.owl": write_with("RDF_XML", ("ontology",), triples=True),
}


def receipt(graphs: dict[str, Graph], files: dict[str, str]) -> str:
    body = {
        "package": {"hcc-kg": __version__},
        "python": platform.python_version(),
        "libraries": {lib: version(lib) for lib in LIBRARIES},
        "inputs": {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs()},
        "triples": {name: len(g) for name, g in graphs.items()},
        "outputs": {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in sorted(files.items())},
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def write_release(graphs: dict[str, Graph], release: Path = RELEASE) -> list[Path]:
    """Serialise into a temporary folder, then move each file into ``release``."""
    release.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=release))
    try:
        lines = statements(graphs)
        files = {name: write(lines) for name, write in WRITERS.items()}
        files[RECEIPT] = receipt(graphs, files)
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        for name in files:
            os.replace(tmp / name, release / name)
        return [release / name for name in files]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build(release: Path = RELEASE) -> Build:
    result = run_stages()
    t = time.perf_counter()
    write_release(result.graphs, release)
    result.timings["write"] = round(time.perf_counter() - t, 3)
    return result
