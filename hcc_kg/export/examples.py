"""SPARQL examples: every canned query as a SHACL ``sh:SPARQLExecutable`` in the metadata graph.

The form is the one sib-swiss/sparql-examples publishes (UniProt, Bgee, Rhea, ...), so tools
that list and run those examples read ours too: ``rdfs:comment`` is the query's question,
``sh:select`` (or ``sh:ask``, ...) the complete query text, ``schema:target`` the SPARQL endpoint
that ``hcc-kg serve`` offers. A parameter with a default (``param: drug entity = atezolizumab``)
or an ``# example: NAME=VALUE`` header line is bound by a ``VALUES`` block opening the outer
``WHERE``, with the entity resolved to its IRI, so each example runs as published and answers
as ``hcc-kg query NAME`` does with those parameters.
"""

from __future__ import annotations

import re

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH

from hcc_kg.answer.catalogue import catalogue
from hcc_kg.answer.params import bindings
from hcc_kg.errors import HccKgError

EXAMPLES = Namespace("https://w3id.org/hcc-kg/.well-known/sparql-examples/")
SCHEMA = Namespace("https://schema.org/")
#: query form -> (SHACL-AF property holding the text, executable class); SHACL has no DESCRIBE
FORMS = {"SELECT": (SH.select, SH.SPARQLSelectExecutable), "ASK": (SH.ask, SH.SPARQLAskExecutable),
         "CONSTRUCT": (SH.construct, SH.SPARQLConstructExecutable)}
FORM = re.compile(r"^\s*(SELECT|ASK|CONSTRUCT)\b", re.IGNORECASE | re.MULTILINE)
OUTER_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def example_text(text: str, form_start: int, substitutions: dict) -> str:
    """The query with its bound parameters as a VALUES block at the start of the outer WHERE (the
    first after the query form, which starts at ``form_start``)."""
    if not substitutions:
        return text
    where = OUTER_WHERE.search(text, form_start)
    names = " ".join(str(v) for v in substitutions)
    values = " ".join(str(t) for t in substitutions.values())
    return f"{text[:where.end()]}\n  VALUES ({names}) {{ ({values}) }}{text[where.end():]}"


def sparql_examples(store, endpoint: URIRef) -> Graph:
    """One sh:SPARQLExecutable per canned query (``store``: the built graph, to resolve names)."""
    g = Graph()
    g.bind("sh", SH)
    g.bind("schema", SCHEMA)
    for name, query in catalogue().items():
        node = EXAMPLES[name]
        form = FORM.search(query.text)
        if form is None:
            raise HccKgError(f"{query.path}: no SELECT, ASK or CONSTRUCT form to publish as a SPARQL example")
        prop, cls = FORMS[form[1].upper()]
        text = example_text(query.text, form.start(), bindings(query, query.examples, store))
        g.add((node, RDF.type, SH.SPARQLExecutable))
        g.add((node, RDF.type, cls))
        g.add((node, RDFS.label, Literal(query.title, lang="en")))
        g.add((node, RDFS.comment, Literal(query.question, lang="en")))
        g.add((node, DCTERMS.identifier, Literal(name)))
        g.add((node, prop, Literal(text)))
        g.add((node, SCHEMA.target, endpoint))
    return g
