"""Validate stage: SHACL (pySHACL, core shapes) and QC queries (pyoxigraph); any violation stops."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Namespace, URIRef

from hcc_kg.constants import QC_QUERIES, SHAPES
from hcc_kg.errors import HccKgError
from hcc_kg.sources import read_text
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


def shacl(data: Graph, ontology: Graph, shapes: Graph | None = None) -> list[Violation]:
    """Every SHACL violation of ``data``, sorted; the ontology supplies the value-set individuals."""
    from pyshacl import validate

    shapes = shapes if shapes is not None else load_rdf(SHAPES, "turtle")
    _, report, _ = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                            advanced=False, allow_warnings=True)
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
