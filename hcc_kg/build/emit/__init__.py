"""Emit stage: curated and table records -> asserted triples (rdflib), IRIs from hcc_kg.vocab.

One module per kind of record, each a set of functions over the shared state and helpers in
``core`` (the graph, IRIs, name and value-set lookup, a fact's evidence): ``entities`` (sources,
drugs, targets, ...), ``studies`` (studies, arms, doses), ``outcomes`` (measurements,
comparisons), ``statements``, ``approvals`` (and recommendations), ``mechanisms`` (and
biomarkers), ``corrections`` (table corrections, doubts) and ``links`` (registry numbers, xrefs,
registry names and their provenance). ``emit`` below runs them in order."""

from __future__ import annotations

from rdflib import Graph

from hcc_kg.build.emit.approvals import approval, recommendation
from hcc_kg.build.emit.core import Emitter
from hcc_kg.build.emit.corrections import corrections, doubt
from hcc_kg.build.emit.entities import entities, source_documents
from hcc_kg.build.emit.links import xrefs
from hcc_kg.build.emit.mechanisms import biomarker, mechanism
from hcc_kg.build.emit.statements import claim, target_claim
from hcc_kg.build.emit.studies import study
from hcc_kg.build.facts import Facts
from hcc_kg.build.levels import assign_levels
from hcc_kg.build.lexicon import build_lexicon
from hcc_kg.build.sources import load_sources
from hcc_kg.build.table_facts import TableFacts, table_facts
from hcc_kg.build.tables import parse_tables

#: the curated files whose records stand alone, and the emitter of each record
CURATED = (("approvals", approval), ("recommendations", recommendation), ("mechanisms", mechanism),
           ("biomarkers", biomarker), ("claims", claim))


def run(em: Emitter, tables: TableFacts) -> Graph:
    """Every record, in an order where each finds what it refers to (IRIs numbered in this order)."""
    source_documents(em)
    entities(em)
    for where, record in em.facts.where("studies"):
        study(em, record, str(where), curated=True)
    for record in tables.studies:
        study(em, record, f"table rows of {record.id}", curated=False)
    for name, emit_one in CURATED:
        for where, fact in em.facts.where(name):
            emit_one(em, fact, str(where))
    for fact in tables.approvals:
        approval(em, fact, f"{fact.source} {fact.table} row {fact.row}")
    for fact in tables.claims:
        claim(em, fact, f"{fact.source} {fact.table} row {fact.row}")
    for drug, fact in tables.targets:
        target_claim(em, em.resolve(drug, f"{fact.source} {fact.table} row {fact.row}", "drug"),
                     fact, f"{fact.source} {fact.table} row {fact.row}, column 'Drug target'")
    corrections(em, tables)
    xrefs(em)
    for where, fact in em.facts.where("doubts"):
        doubt(em, fact, str(where))
    assign_levels(em.g)
    return em.g


def emit(facts: Facts) -> Graph:
    """The asserted graph of all curated facts and table rows."""
    sources = load_sources()
    lexicon = build_lexicon(facts)
    tables = table_facts(facts, lexicon, sources, parse_tables(sources))
    return run(Emitter(facts, lexicon, sources), tables)
