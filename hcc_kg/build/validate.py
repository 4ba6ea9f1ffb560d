"""Validate stage: SHACL (pySHACL, core shapes) and QC queries (pyoxigraph); any violation stops.

``read_rdf`` reads an RDF file from outside the project (``hcc-kg validate FILE``) without
dereferencing anything; ``load_rdf`` reads the project's own Turtle files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import XSD, Graph, Namespace, URIRef

from hcc_kg.build.sources import read_text
from hcc_kg.constants import QC_QUERIES, SHAPES
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import PREFIXES

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True, order=True)
class Violation:
    node: str
    shape: str
    message: str

    def __str__(self) -> str:
        return f"{self.node} [{self.shape}]: {self.message}"


def load_rdf(path: Path, fmt: str | None = None) -> Graph:
    """Parse an RDF file; a syntax error names the file (and the parser's position)."""
    try:
        return Graph().parse(path, format=fmt)
    except FileNotFoundError:
        raise HccKgError(f"{path}: no such file") from None
    except Exception as err:  # noqa: BLE001 -- rdflib raises many parser-specific types
        raise HccKgError(f"{path}: cannot parse as RDF: {' '.join(str(err).split())[:300]}") from None


#: the formats ``read_rdf`` reads, by file extension (pyoxigraph's parser names)
FORMATS = {".ttl": "TURTLE", ".turtle": "TURTLE", ".nt": "N_TRIPLES", ".nq": "N_QUADS", ".trig": "TRIG",
           ".rdf": "RDF_XML", ".owl": "RDF_XML", ".xml": "RDF_XML", ".jsonld": "JSON_LD", ".json": "JSON_LD"}

#: entities may grow an RDF/XML file to this many times its size, plus this many characters
XML_GROWTH = (10, 1 << 20)


def read_rdf(path: Path) -> Graph:
    """An RDF file from outside the project as one graph (a dataset's graphs merged), read without
    fetching or opening anything else: pyoxigraph parses it, whose parsers read the bytes given
    and have no loader (a remote JSON-LD ``@context`` or ``@import`` is an error, not a request;
    rdflib's JSON-LD parser fetches them, and reads ``file:`` contexts); RDF/XML first goes
    through ``expand_xml``. A failure is one line naming the file."""
    import pyoxigraph as ox

    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise HccKgError(f"{path}: unknown RDF format (validate reads .ttl, .nt, .nq, .trig, .rdf/.owl/.xml "
                         "and .jsonld files)")
    try:
        if path.exists() and not path.is_file():  # a device or FIFO (/dev/zero) would be read forever
            raise HccKgError(f"{path}: not a regular file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise HccKgError(f"{path}: no such file") from None
    except OSError as err:
        raise HccKgError(f"{path}: cannot read: {err.strerror}") from None
    if fmt == "RDF_XML":
        data = expand_xml(path, data)
    graph = Graph()
    try:
        for quad in ox.parse(data, format=getattr(ox.RdfFormat, fmt), base_iri=path.resolve().as_uri()):
            graph.add((rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)))
    except SyntaxError as err:
        text = " ".join(str(err).split())[:300]
        if "LoadDocumentCallback" in text:
            text = ("it names an external JSON-LD context (by IRI), which validate never fetches or opens: "
                    "put the context in the file")
        raise HccKgError(f"{path}: cannot parse as RDF: {text}") from None
    except TypeError:  # an RDF 1.2 triple term, which rdflib (and so pySHACL) cannot hold
        raise HccKgError(f"{path}: cannot validate RDF 1.2 triple terms (<< ... >>)") from None
    return graph


def rdflib_term(term):
    """The rdflib term of a pyoxigraph one (an xsd:string literal is rdflib's plain literal, as
    rdflib's own parsers give it)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))
    raise TypeError(term)


def expand_xml(path: Path, data: bytes) -> bytes:
    """The XML document with its internal entities expanded by expat and its DTD left out, so the
    RDF/XML parser after it never sees an entity (pyoxigraph's, like rdflib's, expands entities
    without a bound: a 535-byte file of nested entities ran for over 100 s). Expansion beyond
    ``XML_GROWTH`` stops it; an external DTD or entity (``SYSTEM "file:..."``, ``"http:..."``) is
    refused, never read; parameter entities are refused (RDF/XML has no use for them)."""
    import io
    from xml.parsers import expat
    from xml.sax.saxutils import XMLGenerator
    from xml.sax.xmlreader import AttributesImpl

    factor, extra = XML_GROWTH
    limit = factor * len(data) + extra
    out = io.BytesIO()
    writer = XMLGenerator(out, "utf-8", short_empty_elements=True)
    size = 0

    def grow(n: int) -> None:
        nonlocal size
        size += n
        if size > limit:
            raise HccKgError(f"{path}: refused: its XML entities expand it past {limit:,} characters "
                             f"({factor} times its size + {extra:,})")

    def doctype(name, system_id, public_id, has_internal_subset):
        if system_id or public_id:
            raise HccKgError(f"{path}: refused: it names an external DTD ({system_id or public_id}), which "
                             "validate never reads")

    def entity(name, is_parameter, value, base, system_id, public_id, notation):
        if system_id or public_id or notation:
            raise HccKgError(f"{path}: refused: XML entity {name} is external ({system_id or public_id}), which "
                             "validate never reads")
        if is_parameter:
            raise HccKgError(f"{path}: refused: XML parameter entity %{name}; (RDF/XML has no use for one)")

    def start(name, attrs):
        grow(len(name) + sum(len(k) + len(v) for k, v in attrs.items()))
        writer.startElement(name, AttributesImpl(attrs))

    def text(chars):
        grow(len(chars))
        writer.characters(chars)

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = start
    parser.EndElementHandler = writer.endElement
    parser.CharacterDataHandler = text
    writer.startDocument()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        raise HccKgError(f"{path}: cannot parse as RDF: {err}") from None
    writer.endDocument()
    return out.getvalue()


def shacl(data: Graph, ontology: Graph | None, shapes: Graph | None = None, focus: list[URIRef] | None = None
          ) -> list[Violation]:
    """Every SHACL violation of ``data``, sorted; the ontology supplies the value-set individuals
    (None: ``data`` holds them already, and pyshacl validates it without copying it).
    ``focus``: only these nodes, against the shapes that target them (pyshacl's focus_nodes, which
    then also fails a qualified value shape whose value nodes are out of focus)."""
    from pyshacl import validate

    shapes = shapes if shapes is not None else load_rdf(SHAPES, "turtle")
    _, report, _ = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                            advanced=False, allow_warnings=True, focus_nodes=focus)
    out = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        node = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage) or "violation"
        shape_name = str(shape) if isinstance(shape, URIRef) else f"property {compact(path)}"
        text = str(message) + (f" (path {compact(path)})" if isinstance(path, URIRef) else "")
        out.append(Violation(str(node), shape_name.replace("https://w3id.org/hcc-kg/shapes#", "hccsh:"), text))
    return sorted(set(out))


def compact(term: object) -> str:
    text = str(term)
    for prefix, ns in PREFIXES.items():
        if text.startswith(str(ns)):
            return f"{prefix}:{text[len(str(ns)):]}"
    return text


def qc(store: object) -> list[Violation]:
    """Run every queries/qc/*.rq on a pyoxigraph store: each row returned is a violation."""
    out = []
    for path in sorted(QC_QUERIES.glob("*.rq")):
        for row in store.query(read_text(path), use_default_graph_as_union=True):
            node = row["node"].value if row["node"] is not None else "?"
            message = row["message"].value if row["message"] is not None else path.stem
            out.append(Violation(node, f"qc:{path.stem}", message))
    return sorted(out)


def raise_on(violations: list[Violation], what: str, limit: int = 20) -> None:
    if violations:
        shown = "\n  ".join(map(str, violations[:limit]))
        more = f"\n  ... and {len(violations) - limit} more" if len(violations) > limit else ""
        raise HccKgError(f"{what}: {len(violations)} violation(s)\n  {shown}{more}")
