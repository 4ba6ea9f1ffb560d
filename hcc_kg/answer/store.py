"""Store/query stage: the release in an embedded pyoxigraph store, and the canned-query catalogue.

A canned query is ``queries/NAME.rq`` with a header of ``# key: value`` lines (title, question,
columns, and ``param: NAME TYPE [= DEFAULT] -- description``). Parameters are bound as typed
terms through pyoxigraph substitutions, never pasted into the query text; an entity parameter
accepts any label or alias of the entity.
"""

from __future__ import annotations

import difflib
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from hcc_kg.build.lexicon import normalise
from hcc_kg.build.sources import read_text
from hcc_kg.constants import QUERIES, RELEASE, RELEASE_NQ
from hcc_kg.errors import HccKgError
from hcc_kg.receipt import checked

PARAM = re.compile(r"^(\w+)\s+([\w-]+)(?:\s*=\s*(\S+))?\s*(?:--\s*(.*))?$")
#: a body line naming a shared pattern (``queries/fragments/NAME.rq``) to splice in
INCLUDE = re.compile(r"^([ \t]*)#include[ \t]+([\w-]+)[ \t]*$", re.MULTILINE)
FRAGMENTS = QUERIES / "fragments"


@dataclass(frozen=True)
class ValueSet:
    """A closed set of values a parameter may take: a SPARQL query listing each ``?value`` (what
    the canned query receives), its ``?label`` and every ``?name`` it may be given by."""

    what: str
    sparql: str
    #: the canned query matches part of a name ("TKI"): a value is accepted when it is part of one
    partial: bool = False


_NOTATED = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX hcc: <https://w3id.org/hcc-kg/ontology#>
SELECT ?value ?label ?name WHERE {
  ?x a hcc:%s ; skos:notation ?value ; rdfs:label ?label . OPTIONAL { ?x skos:altLabel ?name } }"""

#: parameter type -> its value set (the registry; a query header names the type)
VALUE_SETS = {
    "line": ValueSet("line of therapy", _NOTATED % "LineOfTherapy"),
    "phase": ValueSet("trial phase", _NOTATED % "TrialPhase"),
    "guideline": ValueSet("guideline", _NOTATED % "Guideline"),
    "agency": ValueSet("regulatory agency", _NOTATED % "RegulatoryAgency"),
    "endpoint": ValueSet("endpoint", _NOTATED % "Endpoint"),
    "country": ValueSet("country", """PREFIX hcc: <https://w3id.org/hcc-kg/ontology#>
        SELECT DISTINCT ?value (?value AS ?label) WHERE { ?s hcc:country ?value }"""),
    "regimen-class": ValueSet("regimen class", """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX hcc: <https://w3id.org/hcc-kg/ontology#>
        SELECT ?value (?value AS ?label) (STRAFTER(STR(?c), "#") AS ?name) WHERE {
          ?c rdfs:subClassOf+ hcc:Regimen ; rdfs:label ?value }""", partial=True),
    "conflict-kind": ValueSet("kind of disagreement", """SELECT ?value ?label ?name WHERE { VALUES (?value ?label ?name) {
          ("conflict" "values that cannot both be true" "real") ("compatible" "different wordings of compatible facts" "wording")
          ("all" "conflicts and compatible wordings" "both") } }"""),
    "measurement": ValueSet("measurement or comparison", """PREFIX hcc: <https://w3id.org/hcc-kg/ontology#>
        SELECT ?value (?value AS ?label) (STR(?m) AS ?name) WHERE {
          { ?m a hcc:OutcomeMeasurement } UNION { ?m a hcc:ArmComparison }
          BIND (REPLACE(STR(?m), "^.*/", "") AS ?value) }"""),
}
#: keyword arguments of hcc_kg.query itself, so no canned query may name a parameter so
RESERVED = ("timeout",)
TYPES = ("entity", "name", "string", "decimal", "integer", *VALUE_SETS)


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
    units: dict[str, str] = field(default_factory=dict)
    lists: list[str] = field(default_factory=list)
    #: ``# quotes: quote_a=value_a, ...``: quote columns the table view shortens to the sentence or
    #: table cell that holds the value of the named column (other formats keep them whole)
    quotes: dict[str, str] = field(default_factory=dict)
    #: ``# example: NAME=VALUE`` lines: the parameters its published SPARQL example binds
    examples: dict[str, str] = field(default_factory=dict)
    #: ``# uses: NAME`` lines: the shared patterns (queries/fragments/) spliced into ``text``
    uses: list[str] = field(default_factory=list)


def fragment(name: str, folder: Path = FRAGMENTS) -> str:
    """A shared pattern's text without its leading comment block (its header documents it)."""
    path = folder / f"{name}.rq"
    if not path.is_file():
        raise HccKgError(f"{path}: no such query fragment")
    lines = read_text(path).splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip("\n")


def splice(path: Path, text: str, uses: list[str]) -> str:
    """The query text with each ``#include NAME`` line replaced by the fragment NAME, indented as the
    line was. The header's ``# uses:`` must name exactly the fragments the body includes, so that
    a reader of the header knows which shared pattern a query's rows come from."""
    included = INCLUDE.findall(text)
    if sorted({name for _, name in included}) != sorted(set(uses)):
        raise HccKgError(f"{path}: '# uses: {', '.join(uses)}' does not match the #include lines "
                         f"({', '.join(name for _, name in included) or 'none'})")
    folder = path.parent / "fragments"

    def expand(m: re.Match) -> str:
        body = fragment(m[2], folder if folder.is_dir() else FRAGMENTS)
        return f"{m[1]}# the {m[2]} pattern (queries/fragments/{m[2]}.rq)\n" + "\n".join(
            f"{m[1]}{line}" if line else line for line in body.splitlines())

    return INCLUDE.sub(expand, text)


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
            if not m or m[2] not in TYPES:
                raise HccKgError(f"{path}: bad param header {value!r}; expected 'NAME TYPE [= DEFAULT] -- text' "
                                 f"with TYPE one of {', '.join(TYPES)}")
            if m[1] in RESERVED:
                raise HccKgError(f"{path}: parameter name {m[1]!r} is reserved (hcc_kg.query takes {m[1]}=)")
            query.params[m[1]] = Param(m[1], m[2], m[3], m[4] or "")
        elif key == "units":  # "orr %, threshold %": units the terminal view writes after a column's values
            query.units = dict(part.split(None, 1) for part in value.split(",") if part.strip())
        elif key == "lists":  # columns of "; "-joined values, one a line in the terminal view
            query.lists = [part.strip() for part in value.split(",") if part.strip()]
        elif key == "quotes":
            query.quotes = dict(part.strip().split("=", 1) for part in value.split(",") if "=" in part)
        elif key == "example":
            name, _, given = value.partition("=")
            query.examples[name.strip()] = given.strip()
        elif key == "uses":  # shared patterns the body includes (queries/fragments/NAME.rq)
            query.uses = [part.strip() for part in value.split(",") if part.strip()]
        elif key in ("title", "question", "columns"):
            setattr(query, key, value)
    if query.uses or INCLUDE.search(text):
        query.text = splice(path, text, query.uses)
    return query


def catalogue(folder: Path = QUERIES) -> dict[str, CannedQuery]:
    """Every canned query (the registry is the folder)."""
    return {p.stem: parse_query_file(p) for p in sorted(folder.glob("*.rq"))}


TYPE_TEXT = {"entity": "an entity, by any label, alias, misspelling or registry id in the sources",
             "name": "a label or alias of some entity; one that none goes by is an error naming the nearest",
             "string": "text", "decimal": "a decimal number", "integer": "an integer"}


def describe(query: CannedQuery, store=None, full: bool = False) -> list[str]:
    """The catalogue entry of a query: title, question and each parameter with its type, default
    and allowed values (read from the graph when a ``store`` is given; all of them when ``full``)."""
    lines = [query.title, query.question]
    if full and query.columns:
        lines.append(f"columns: {query.columns}")
    if not query.params:
        lines.append("parameters: none")
    for param in query.params.values():
        default = f"default {param.default}" if param.default else "optional"
        kind = VALUE_SETS[param.type].what if param.type in VALUE_SETS else param.type
        lines.append(f"--param {param.name}=VALUE  ({kind}; {default}) {param.description}".rstrip())
        if param.type in VALUE_SETS and store is not None:
            values = list(values_of(store, param.type))
            shown = values if full or len(values) <= 10 else values[:8]
            more = "" if len(shown) == len(values) else f", ... ({len(values)} values: hcc-kg queries {query.name})"
            lines.append(f"    values: {', '.join(shown)}{more}")
        elif param.type in TYPE_TEXT:
            lines.append(f"    values: {TYPE_TEXT[param.type]}")
    return lines


def is_sparql(text: str) -> bool:
    """SPARQL text rather than a canned query's name (names have no spaces or line breaks)."""
    return any(ch.isspace() for ch in text)


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


def entity_index(store) -> dict[str, tuple[str, str]]:
    """normalised label, alias, source spelling (skos:hiddenLabel) or registry id -> (IRI, canonical label).

    A one-drug regimen shares its drug's label; where names collide, the drug (or any entity
    that is not a regimen) wins, so "regorafenib" means the drug.
    """
    q = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
           PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
           PREFIX hcc: <https://w3id.org/hcc-kg/ontology#>
           SELECT ?e ?label ?name ?regimen WHERE {
             ?e rdfs:label ?label .
             { ?e rdfs:label ?name } UNION { ?e skos:altLabel ?name } UNION { ?e skos:hiddenLabel ?name }
             UNION { ?e hcc:registryId ?name }
             BIND (EXISTS { ?e a hcc:Regimen } AS ?regimen) }"""
    ranked = []
    for row in store.query(q, **dataset_options(store)):
        is_regimen = row["regimen"].value == "true"
        ranked.append((is_regimen, row["e"].value, normalise(row["name"].value), row["label"].value))
    index: dict[str, tuple[str, str]] = {}
    for _, iri, key, label in sorted(ranked):
        index.setdefault(key, (iri, label))
    return index


def values_of(store, kind: str) -> dict[str, tuple[str, set[str]]]:
    """A value set on the store: value -> (label, every name it may be given by: the value, the
    label and each ``?name``)."""
    out: dict[str, tuple[str, set[str]]] = {}
    for row in store.query(VALUE_SETS[kind].sparql, **dataset_options(store)):
        value, label = row["value"].value, row["label"].value
        names = out.setdefault(value, (label, {value, label}))[1]
        if row["name"] is not None:
            names.add(row["name"].value)
    return dict(sorted(out.items(), key=lambda item: item[0].casefold()))


def _nearest(given: str, names: dict[str, str]) -> str:
    """"; nearest: ..." naming the names closest to a misspelt one (``names``: spelling -> what to
    show), or "" when none is close."""
    near = difflib.get_close_matches(given.casefold(), [n.casefold() for n in names], n=3, cutoff=0.5)
    folded = {n.casefold(): shown for n, shown in names.items()}
    return f"; nearest: {', '.join(sorted({folded[n] for n in near}))}" if near else ""


def value_in_set(query: str, param: Param, given: str, store) -> str:
    """The canonical value of a value-set parameter (its notation, or the name as the sources
    spell it), found ignoring case, spacing and punctuation; a value not in the set is an error
    that names the nearest values and where the whole set is listed."""
    kind = VALUE_SETS[param.type]
    values = values_of(store, param.type)
    key = normalise(given)
    if kind.partial:  # the query matches part of a name, keeping "+" ("ICI+TKI")
        part = re.sub(r"[^a-z0-9+]", "", given.casefold())
        hits = [v for v, (_, names) in values.items()
                if part and any(part in re.sub(r"[^a-z0-9+]", "", n.casefold()) for n in names)]
        if hits:
            return hits[0] if len(hits) == 1 else given
    else:  # the same name in any case; else the same ignoring spacing and punctuation, if that is
        # one value only ("I/II" and "III" both normalise to "iii")
        for match in (lambda n: n.casefold() == given.strip().casefold(), lambda n: key and normalise(n) == key):
            hits = [value for value, (_, names) in values.items() if any(match(n) for n in names)]
            if len(hits) == 1:
                return hits[0]
    shown = {n: (v if label == v else f"{v} ({label})") for v, (label, names) in values.items() for n in names}
    hint = _nearest(given, shown)
    listing = (f"; values: {', '.join(values)}" if len(values) <= 30 else
               f"; {len(values)} values, listed by `hcc-kg queries {query}`")
    raise HccKgError(f"query {query}: parameter {param.name}: no {kind.what} {given!r}{hint}{listing}")


def bindings(query: CannedQuery, given: dict[str, str], store) -> dict:
    """Typed terms for the query's parameters; unknown parameters, names and values are errors."""
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
                hint = _nearest(value, {label: label for _, label in index.values()})
                raise HccKgError(f"query {query.name}: parameter {name}: no entity named {value!r}{hint}")
            term = ox.NamedNode(hit[0])
        elif param.type in VALUE_SETS:
            term = ox.Literal(value_in_set(query.name, param, value, store))
        elif param.type in ("decimal", "integer"):
            if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value) or (param.type == "integer" and "." in value):
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

    from hcc_kg.answer.engine import explain, on_big_stack
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


def run_rdflib(text: str, dataset, substitutions: dict | None = None) -> Result:
    """The same query and bindings on rdflib's engine."""
    init = {str(k.value): to_rdflib(v) for k, v in (substitutions or {}).items()}
    result = dataset.query(text, initBindings=init)
    columns = [str(v) for v in result.vars]
    return Result(columns, [[None if row[i] is None else str(row[i]) for i in range(len(columns))]
                            for row in result])


def canned(name: str) -> CannedQuery:
    """The canned query called ``name``; an unknown name names the nearest ones."""
    queries = catalogue()
    if name not in queries:
        near = difflib.get_close_matches(name, list(queries), n=3)
        raise HccKgError(f"no canned query {name!r}" + (f"; did you mean {', '.join(near)}?" if near else "; see `hcc-kg queries`"))
    return queries[name]


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


def empty_hints(query: CannedQuery, params: dict[str, str], store) -> list[str]:
    """When a canned query answers nothing for a value-set parameter a person gave (``endpoint=RFS``):
    the values that share its name and do answer, and, for an endpoint, the studies that report it
    only as a between-arm statistic. One line each."""
    hints = []
    for name, given in params.items():
        param = query.params.get(name)
        if param is None or param.type not in VALUE_SETS:
            continue
        value = value_in_set(query.name, param, given, store)
        stem = re.sub(r"[^a-z0-9]", "", value.casefold())
        related = [v for v, (label, names) in values_of(store, param.type).items() if v != value and stem and any(
            re.sub(r"[^a-z0-9]", "", n.casefold()).startswith(stem) for n in names)]
        answering = []
        for other in related:
            rows = run(query.text, store, bindings(query, {**params, name: other}, store), query.name).rows
            if rows:
                answering.append(f"{name}={other} ({len(rows)} rows)")
        what = f"{query.name} has no rows for {name}={value}"
        if answering:
            hints.append(f"{what}; with rows: {', '.join(answering)}")
        if param.type == "endpoint":
            studies = sorted({row["study"].value for row in store.query(
                "PREFIX hcc: <https://w3id.org/hcc-kg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT DISTINCT ?study WHERE { "
                "?k a hcc:ArmComparison ; hcc:endpoint ?e ; hcc:experimentalArm ?a . ?e skos:notation ?n . "
                "?s hcc:hasArm ?a ; rdfs:label ?study . FILTER (STR(?n) = " + json.dumps(value) + ") }",
                use_default_graph_as_union=True)})
            if studies:
                hints.append(f"{value} is reported as a between-arm statistic (hazard ratio, p, relative effect), "
                             f"not an arm's value, in {', '.join(studies)}: "
                             f"hcc-kg query trial-card -p study={shlex.quote(studies[0])}")
        if not answering and not (param.type == "endpoint" and studies):
            hints.append(f"{what}; values: hcc-kg queries {query.name}")
    return hints


def run_canned(name: str, params: dict[str, str], store=None) -> Result:
    """A canned query with its parameters; a ``name`` parameter that finds nothing is an error
    naming the nearest names, never silent emptiness (the query itself decides what matches)."""
    query = canned(name)
    store = store if store is not None else open_release()
    result = run(query.text, store, bindings(query, params, store), name)
    for param in query.params.values():
        if param.type == "name" and param.name in params and not result.rows:
            given = params[param.name]
            names = {key: label for key, (_, label) in entity_index(store).items()}
            raise HccKgError(f"query {name}: parameter {param.name}: no entity goes by {given!r}"
                             f"{_nearest(normalise(given), names)}")
    if not result.rows:
        result.hints = empty_hints(query, params, store)
    return result
