"""Catalogue: the canned queries, ``queries/NAME.rq``, read from their files.

A canned query has a header of ``# key: value`` lines (title, question, columns, and ``param: NAME
TYPE [= DEFAULT] -- description``); ``#include NAME`` lines in its body splice in a shared pattern
of ``queries/fragments/``. A parameter's type is a plain one (entity, name, string, decimal,
integer) or a value set (:data:`VALUE_SETS`: the closed sets of values a parameter may take, read
from the graph). How a person's values are bound to a query is :mod:`hcc_kg.answer.params`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from hcc_kg.answer.store import dataset_options
from hcc_kg.build.sources import read_text
from hcc_kg.constants import QUERIES
from hcc_kg.errors import HccKgError

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


def fragment(name: str, folder: Path = FRAGMENTS, within: tuple[str, ...] = ()) -> str:
    """A shared pattern's text without its leading comment block (its header documents it), with
    the patterns its own ``#include`` lines name spliced in (``arm-comparison`` includes
    ``comparison``)."""
    path = folder / f"{name}.rq"
    if not path.is_file():
        raise HccKgError(f"{path}: no such query fragment")
    if name in within:
        raise HccKgError(f"{path}: includes itself (through {' -> '.join(within)})")
    lines = read_text(path).splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    body = "\n".join(lines).strip("\n")
    return INCLUDE.sub(lambda m: _expand(m, folder, (*within, name)), body)


def _expand(m: re.Match, folder: Path, within: tuple[str, ...] = ()) -> str:
    """An ``#include NAME`` line replaced by the fragment NAME, indented as the line was."""
    body = fragment(m[2], folder, within)
    return f"{m[1]}# the {m[2]} pattern (queries/fragments/{m[2]}.rq)\n" + "\n".join(
        f"{m[1]}{line}" if line else line for line in body.splitlines())


def splice(path: Path, text: str, uses: list[str]) -> str:
    """The query text with each ``#include NAME`` line replaced by the fragment NAME, indented as the
    line was. The header's ``# uses:`` must name exactly the fragments the body includes, so that
    a reader of the header knows which shared pattern a query's rows come from."""
    included = INCLUDE.findall(text)
    if sorted({name for _, name in included}) != sorted(set(uses)):
        raise HccKgError(f"{path}: '# uses: {', '.join(uses)}' does not match the #include lines "
                         f"({', '.join(name for _, name in included) or 'none'})")
    folder = path.parent / "fragments"
    folder = folder if folder.is_dir() else FRAGMENTS
    return INCLUDE.sub(lambda m: _expand(m, folder), text)


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


def canned(name: str) -> CannedQuery:
    """The canned query called ``name``; an unknown name names the nearest ones."""
    queries = catalogue()
    if name not in queries:
        near = difflib.get_close_matches(name, list(queries), n=3)
        raise HccKgError(f"no canned query {name!r}" + (f"; did you mean {', '.join(near)}?" if near else "; see `hcc-kg queries`"))
    return queries[name]
