"""Running the build: every stage in turn (facts, emit, reason, SHACL, QC, exports), then the
release written."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.compare import to_canonical_graph

from hcc_kg.constants import ONTOLOGY, RELEASE
from hcc_kg.publish.formats import SSSOM, nquads, statements
from hcc_kg.publish.metadata import ENDPOINT, metadata
from hcc_kg.publish.write import write_release


@dataclass
class Build:
    graphs: dict[str, Graph]
    timings: dict[str, float] = field(default_factory=dict)
    #: release files that are not serialisations of the graphs (the SSSOM table)
    documents: dict[str, str] = field(default_factory=dict)


def run_stages() -> Build:
    """facts -> resolve/emit -> reason -> result comparisons -> SHACL -> QC; raises HccKgError at the
    first failure."""
    from hcc_kg.answer.store import store_of
    from hcc_kg.build.emit import emit
    from hcc_kg.build.facts import load_facts
    from hcc_kg.build.reason import reason
    from hcc_kg.build.sources import load_sources
    from hcc_kg.build.validate import load_rdf, qc, raise_on, shacl
    from hcc_kg.export.examples import sparql_examples
    from hcc_kg.export.kgx import kgx_files
    from hcc_kg.export.sssom import sssom_table
    from hcc_kg.publish.results import result_comparisons

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
    canonical = to_canonical_graph(ontology)

    def graphs_of() -> dict[str, Graph]:
        return one_graph_each({"ontology": canonical, "asserted": asserted, "inferred": inferred})

    # from the sorted N-Quads the release is written from: the same input gives the same rows, their
    # "; "-joined values in the same order
    inferred += timed("results", lambda: result_comparisons(nquads(statements(graphs_of()))))
    data = asserted + inferred
    timed("shacl", lambda: raise_on(shacl(data, ontology), "SHACL validation failed"))
    graphs = graphs_of()
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


def build(release: Path = RELEASE) -> Build:
    result = run_stages()
    t = time.perf_counter()
    write_release(result.graphs, release, result.documents)
    result.timings["write"] = round(time.perf_counter() - t, 3)
    return result
