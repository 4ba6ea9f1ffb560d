"""Store: the release in an embedded pyoxigraph store, and a query text run on it.

The release opened (:func:`open_release`, :func:`release_store` as the engines hold it), the
dataset a query runs on (:func:`dataset_options`), a read-only query run after the guard
(:func:`run`, a :class:`Result`; the same on rdflib's engine, :func:`run_rdflib`), and the hints a
query text earns when it names an ontology term that does not exist (:func:`term_hints`). The
canned queries are :mod:`hcc_kg.answer.catalogue`; their parameters :mod:`hcc_kg.answer.params`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hcc_kg.build.sources import read_text
from hcc_kg.constants import RELEASE, RELEASE_NQ
from hcc_kg.errors import HccKgError
from hcc_kg.receipt import checked


def store_of(nquads: str):
    """An in-memory pyoxigraph store holding an N-Quads text."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    return store


_UNION_COPY = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"  # our own text, on our own store


def release_store(nquads: str):
    """The release as the query engines hold it: each named graph, and their union copied into the
    default graph. Queried as it is (not in union-default-graph mode, which overrides a dataset),
    Oxigraph itself applies a query's own ``FROM`` / ``FROM NAMED``, and the union otherwise: no
    reading of the text decides. Blank nodes keep the file's labels (``Store.load`` gives them
    random ones), so every engine orders them alike and paging with OFFSET is consistent."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_extend(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    store.update(_UNION_COPY)
    return store


def dataset_options(store, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> dict:
    """The keyword arguments of ``store.query`` for the dataset a query runs on. With graphs named
    (the protocol's default-graph-uri / named-graph-uri, which override the query's own): those.
    Otherwise a store whose default graph holds the union (:func:`release_store`) is queried as it
    is, so a query's FROM is honoured; any other store (:func:`store_of`, named graphs only) in
    union-default-graph mode."""
    import pyoxigraph as ox

    if default_graphs is not None or named_graphs is not None:
        return {"default_graph": [ox.NamedNode(g) for g in default_graphs or []],
                "named_graphs": [ox.NamedNode(g) for g in named_graphs or []]}
    if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
        return {}
    return {"use_default_graph_as_union": True}


def release_nq(release: Path | None = None) -> Path:
    """The release's N-Quads file (default: the release folder); a missing one is a clear error."""
    return checked(RELEASE_NQ, release or RELEASE)


def open_release(release: Path | None = None):
    """The release's named graphs in an embedded store; a missing or corrupt file is a clear error."""
    path = release_nq(release)
    try:
        return store_of(read_text(path))
    except SyntaxError as err:
        raise HccKgError(f"{path}: corrupt release file: {err}") from None


@dataclass
class Result:
    columns: list[str]
    rows: list[list[str | None]]
    #: each cell's XSD datatype IRI where it is a typed literal (None otherwise, or not known), for
    #: writers that keep types (xlsx: numbers as numbers)
    datatypes: list[list[str | None]] | None = None
    #: one-line hints for a person (an unknown ontology term, what exists when nothing matched);
    #: the command line prints them on stderr, they never change the rows
    hints: list[str] = field(default_factory=list)

    def as_dicts(self) -> list[dict[str, str | None]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def render(self, fmt: str = "table", **options) -> str:
        """See hcc_kg.answer.render (table, expanded, csv, tsv, json)."""
        from hcc_kg.answer.render import render

        return render(self, fmt, **options)


def _value(term) -> str | None:
    return None if term is None else term.value


def _datatype(term) -> str | None:
    datatype = getattr(term, "datatype", None)
    return None if datatype is None else datatype.value


def run(text: str, store, substitutions: dict | None = None, name: str = "query",
        allow_service: bool = False) -> Result:
    """A read-only query on the store, after the guard; any failure is one clear HccKgError."""
    import pyoxigraph as ox

    from hcc_kg.answer.execute import explain, on_big_stack
    from hcc_kg.answer.guard import check_query

    check_query(text, allow_service, name)

    def rows() -> Result:
        result = store.query(text, substitutions=substitutions or {}, **dataset_options(store))
        if isinstance(result, ox.QueryBoolean):
            return Result(["result"], [[str(bool(result)).lower()]])
        if not hasattr(result, "variables"):  # CONSTRUCT / DESCRIBE: triples as rows
            return Result(["subject", "predicate", "object"],
                          [[t.subject.value, t.predicate.value, t.object.value] for t in result])
        columns = [v.value for v in result.variables]
        terms = [[row[c] for c in columns] for row in result]
        return Result(columns, [[_value(t) for t in row] for row in terms],
                      [[_datatype(t) for t in row] for row in terms])

    try:
        return on_big_stack(rows)
    except Exception as err:  # noqa: BLE001 - every engine failure becomes one line
        raise explain(err, text, name) from None


def rdflib_dataset(nquads: str):
    """The same release in rdflib (union default graph): the second, independent SPARQL engine."""
    from rdflib import Dataset

    ds = Dataset(default_union=True)
    ds.parse(data=nquads, format="nquads")
    return ds


def to_rdflib(term):
    import pyoxigraph as ox
    from rdflib import Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    datatype = term.datatype.value if term.datatype else None
    if datatype == "http://www.w3.org/2001/XMLSchema#string":  # rdflib matches plain literals only
        datatype = None
    return Literal(term.value, datatype=URIRef(datatype) if datatype else None)


@cache
def _rdflib_query(text: str):
    """A query parsed and translated by rdflib once (0.1-1.2 s for a canned query), asked again
    with other bindings."""
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text)


def run_rdflib(text: str, dataset, substitutions: dict | None = None) -> Result:
    """The same query and bindings on rdflib's engine."""
    init = {str(k.value): to_rdflib(v) for k, v in (substitutions or {}).items()}
    result = dataset.query(_rdflib_query(text), initBindings=init)
    columns = [str(v) for v in result.vars]
    return Result(columns, [[None if row[i] is None else str(row[i]) for i in range(len(columns))]
                            for row in result])


ONTOLOGY_NS = "https://w3id.org/hcc-kg/ontology#"
_PREFIX_DECL = re.compile(r"PREFIX\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)


def _strip_comments_and_strings(text: str) -> str:
    """The query without its string literals and comments, roughly: enough to find the terms it names."""
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', '""', text)
    return re.sub(r"(?m)#[^\n<>]*$", "", text)


def term_hints(text: str, store) -> list[str]:
    """A hint for each ontology term (``hcc:Study``) a query names that the ontology does not define,
    with the nearest terms: such a query runs, and answers nothing, without saying why."""
    body = _strip_comments_and_strings(text)
    prefixes = {p for p, iri in _PREFIX_DECL.findall(body) if iri == ONTOLOGY_NS}
    used = {m for m in re.findall(r"<" + re.escape(ONTOLOGY_NS) + r"([^>\s]*)>", body)}
    for prefix in prefixes:
        used |= set(re.findall(r"(?<![\w:/#-])" + re.escape(prefix) + r":([A-Za-z_][\w-]*)", body))
    used.discard("")  # the namespace itself, in a PREFIX line
    if not used:
        return []
    known = {row["t"].value[len(ONTOLOGY_NS):] for row in store.query(
        "SELECT DISTINCT ?t WHERE { GRAPH <https://w3id.org/hcc-kg/graph/ontology> { ?t ?p ?o } "
        f'FILTER (STRSTARTS(STR(?t), "{ONTOLOGY_NS}")) }}')}
    shown = min(prefixes) + ":" if prefixes else ONTOLOGY_NS
    hints = []
    for term in sorted(used - known):
        low = term.casefold()
        near = sorted(k for k in known if low in k.casefold())[:3]
        near += [k for k in difflib.get_close_matches(term, sorted(known), n=3, cutoff=0.6) if k not in near]
        nearest = f"; nearest: {', '.join(shown + k for k in near[:4])}" if near else ""
        hints.append(f"{shown}{term} is not a term of the ontology{nearest}")
    return hints
