"""The release's formats: the graphs as sorted N-Triples lines, serialised once, and one writer per
release file (the registry of output formats)."""

from __future__ import annotations

import json

from rdflib import Graph

from hcc_kg.constants import RELEASE_NQ, RELEASE_TTL
from hcc_kg.vocab import GRAPHS, release_prefixes

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
        return ox.serialize(data, format=getattr(ox.RdfFormat, fmt), prefixes=release_prefixes()).decode("utf-8")
    return write


def context(lines: Statements | None = None) -> str:
    """The published JSON-LD context: the prefixes every release file uses."""
    return json.dumps({"@context": release_prefixes()}, indent=1, sort_keys=True) + "\n"


RELEASE_ONTOLOGY = "hcc-kg-ontology.owl"
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
