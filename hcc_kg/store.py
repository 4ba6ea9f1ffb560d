"""Store/query stage: the release in an embedded pyoxigraph store, and the canned-query catalogue.

A canned query is ``queries/NAME.rq`` with a header of ``# key: value`` lines (title, question,
columns, and ``param: NAME TYPE [= DEFAULT] -- description``). Parameters are bound as typed
terms through pyoxigraph substitutions, never pasted into the query text; an entity parameter
accepts any label or alias of the entity.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from hcc_kg.constants import QUERIES, RELEASE, RELEASE_NQ
from hcc_kg.errors import HccKgError
from hcc_kg.release import checked
from hcc_kg.lexicon import normalise
from hcc_kg.sources import read_text

PARAM = re.compile(r"^(\w+)\s+(entity|string|decimal|integer)(?:\s*=\s*(\S+))?\s*(?:--\s*(.*))?$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    description: str


@dataclass
class CannedQuery:
    name: str
    path: Path
    text: str
    title: str = ""
    question: str = ""
    columns: str = ""
    params: dict[str, Param] = field(default_factory=dict)


def parse_query_file(path: Path) -> CannedQuery:
    text = read_text(path)
    query = CannedQuery(path.stem, path, text)
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        value = value.strip()
        if key == "param":
            m = PARAM.match(value)
            if not m:
                raise HccKgError(f"{path}: bad param header {value!r}; expected 'NAME TYPE [= DEFAULT] -- text'")
            query.params[m[1]] = Param(m[1], m[2], m[3], m[4] or "")
        elif key in ("title", "question", "columns"):
            setattr(query, key, value)
    return query


def catalogue(folder: Path = QUERIES) -> dict[str, CannedQuery]:
    """Every canned query (the registry is the folder)."""
    return {p.stem: parse_query_file(p) for p in sorted(folder.glob("*.rq"))}


def store_of(nquads: str):
    """An in-memory pyoxigraph store holding an N-Quads text."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    return store


def open_release(release: Path | None = None):
    """The release's named graphs in an embedded store; a missing or corrupt file is a clear error."""
    path = checked(RELEASE_NQ, release or RELEASE)
    try:
        return store_of(read_text(path))
    except SyntaxError as err:
        raise HccKgError(f"{path}: corrupt release file: {err}") from None


@dataclass
class Result:
    columns: list[str]
    rows: list[list[str | None]]

    def as_dicts(self) -> list[dict[str, str | None]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def render(self, fmt: str = "table") -> str:
        if fmt == "json":
            return json.dumps(self.as_dicts(), indent=2, ensure_ascii=False) + "\n"
        if fmt in ("csv", "tsv"):
            out = io.StringIO()
            writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
            writer.writerow(self.columns)
            writer.writerows([["" if v is None else v for v in row] for row in self.rows])
            return out.getvalue()
        cells = [self.columns] + [["" if v is None else v for v in row] for row in self.rows]
        widths = [min(60, max(len(r[i]) for r in cells)) for i in range(len(self.columns))]
        lines = ["  ".join(v[:60].ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines) + f"\n({len(self.rows)} rows)\n"


def _value(term) -> str | None:
    return None if term is None else term.value


def entity_index(store) -> dict[str, tuple[str, str]]:
    """normalised label, alias or registry id -> (IRI, canonical label).

    A one-drug regimen shares its drug's label; where names collide, the drug (or any entity
    that is not a regimen) wins, so "regorafenib" means the drug.
    """
    q = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
           PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
           PREFIX hcc: <https://w3id.org/hcc-kg/ontology#>
           SELECT ?e ?label ?name ?regimen WHERE {
             ?e rdfs:label ?label .
             { ?e rdfs:label ?name } UNION { ?e skos:altLabel ?name } UNION { ?e hcc:registryId ?name }
             BIND (EXISTS { ?e a hcc:Regimen } AS ?regimen) }"""
    ranked = []
    for row in store.query(q, use_default_graph_as_union=True):
        is_regimen = row["regimen"].value == "true"
        ranked.append((is_regimen, row["e"].value, normalise(row["name"].value), row["label"].value))
    index: dict[str, tuple[str, str]] = {}
    for _, iri, key, label in sorted(ranked):
        index.setdefault(key, (iri, label))
    return index


def bindings(query: CannedQuery, given: dict[str, str], store) -> dict:
    """Typed terms for the query's parameters; unknown parameters and names are errors."""
    import pyoxigraph as ox

    unknown = set(given) - set(query.params)
    if unknown:
        known = ", ".join(query.params) or "none"
        raise HccKgError(f"query {query.name}: unknown parameter(s) {', '.join(sorted(unknown))}; parameters: {known}")
    out, index = {}, None
    for name, param in query.params.items():
        value = given.get(name, param.default)
        if value is None:
            continue
        if param.type == "entity":
            index = index if index is not None else entity_index(store)
            hit = index.get(normalise(value))
            if hit is None:
                near = difflib.get_close_matches(value, [label for _, label in index.values()], n=3, cutoff=0.5)
                hint = f"; nearest: {', '.join(sorted(set(near)))}" if near else ""
                raise HccKgError(f"query {query.name}: parameter {name}: no entity named {value!r}{hint}")
            term = ox.NamedNode(hit[0])
        elif param.type in ("decimal", "integer"):
            if not re.fullmatch(r"-?\d+(\.\d+)?", value) or (param.type == "integer" and "." in value):
                raise HccKgError(f"query {query.name}: parameter {name}: {value!r} is not a {param.type}")
            term = ox.Literal(value, datatype=ox.NamedNode(f"http://www.w3.org/2001/XMLSchema#{param.type}"))
        else:
            term = ox.Literal(value)
        out[ox.Variable(name)] = term
    return out


def run(text: str, store, substitutions: dict | None = None, name: str = "query",
        allow_service: bool = False) -> Result:
    """A read-only query on the store, after the guard; any failure is one clear HccKgError."""
    import pyoxigraph as ox

    from hcc_kg.engine import explain, on_big_stack
    from hcc_kg.guard import check_query

    check_query(text, allow_service, name)

    def rows() -> Result:
        result = store.query(text, use_default_graph_as_union=True, substitutions=substitutions or {})
        if isinstance(result, ox.QueryBoolean):
            return Result(["result"], [[str(bool(result)).lower()]])
        if not hasattr(result, "variables"):  # CONSTRUCT / DESCRIBE: triples as rows
            return Result(["subject", "predicate", "object"],
                          [[t.subject.value, t.predicate.value, t.object.value] for t in result])
        columns = [v.value for v in result.variables]
        return Result(columns, [[_value(row[c]) for c in columns] for row in result])

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


def run_rdflib(text: str, dataset, substitutions: dict | None = None) -> Result:
    """The same query and bindings on rdflib's engine."""
    init = {str(k.value): to_rdflib(v) for k, v in (substitutions or {}).items()}
    result = dataset.query(text, initBindings=init)
    columns = [str(v) for v in result.vars]
    return Result(columns, [[None if row[i] is None else str(row[i]) for i in range(len(columns))]
                            for row in result])


def run_canned(name: str, params: dict[str, str], store=None) -> Result:
    queries = catalogue()
    if name not in queries:
        near = difflib.get_close_matches(name, list(queries), n=3)
        raise HccKgError(f"no canned query {name!r}" + (f"; did you mean {', '.join(near)}?" if near else "; see `hcc-kg queries`"))
    query = queries[name]
    store = store if store is not None else open_release()
    return run(query.text, store, bindings(query, params, store), name)
