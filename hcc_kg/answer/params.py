"""Params: a canned query asked with a person's parameters.

Parameters are bound as typed terms through pyoxigraph substitutions (:func:`bindings`), never
pasted into the query text; an entity parameter accepts any label or alias of the entity, a
value-set parameter any name of a value, ignoring case, spacing and punctuation. A wrong value is
an error naming the nearest ones, and a query that answers nothing says why (:func:`empty_hints`):
never silent emptiness.
"""

from __future__ import annotations

import difflib
import json
import re
import shlex

from hcc_kg.answer.catalogue import VALUE_SETS, CannedQuery, Param, canned, values_of
from hcc_kg.answer.store import Result, dataset_options, open_release, run
from hcc_kg.build.lexicon import normalise
from hcc_kg.errors import HccKgError


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
