"""Where a source is wrong: a table row a curator corrected (the row's evidence points to the
correction, one node a corrected cell) and a passage doubted, linked to every fact resting on it."""

from __future__ import annotations

from rdflib import RDF, RDFS, Literal
from rdflib.namespace import PROV

from hcc_kg import models as m
from hcc_kg.build.emit.core import Emitter
from hcc_kg.build.facts import slugify
from hcc_kg.build.table_facts import TableFacts
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC, RES


def corrections(em: Emitter, tables: TableFacts) -> None:
    """Each applied row note becomes a TableCorrection the row's evidence points to."""
    for row, note in tables.corrections:
        node = RES["correction"][f"{row.source}-{row.table}-row-{row.row}"]
        g = em.g
        g.add((node, RDF.type, HCC.TableCorrection))
        g.add((node, RDFS.label, Literal(f"{row.source} {row.table} row {row.row}", lang="en")))
        g.add((node, HCC.reason, Literal(note.reason)))
        for column, value in sorted(note.set.items()):
            g.add((node, HCC.correctedField, Literal(column)))
            g.add((node, HCC.originalValue, Literal(row.cells.get(column, ""))))
            g.add((node, HCC.correctedValue, Literal(value)))
        text = em.sources[row.source].text
        fact = m.Sourced(source=row.source, quote=text[row.start:row.end], table=row.table, row=row.row)
        em.facts.offsets[(row.source, fact.quote, 1)] = (row.start, row.end)
        em.evidence(fact, node)
        for column, value in sorted(note.set.items()):  # one node a printed cell, for `conflicts`
            if column not in row.cells:
                continue  # "arm"/"study": a curated pick, not a printed cell
            cell = RES["correction"][f"{row.source}-{row.table}-row-{row.row}-{slugify(column)}"]
            g.add((cell, RDF.type, HCC.CellCorrection))
            g.add((cell, HCC.correctedField, Literal(column)))
            g.add((cell, HCC.originalValue, Literal(row.cells[column])))
            g.add((cell, HCC.correctedValue, Literal(value)))
            g.add((cell, HCC.reason, Literal(note.reason)))
            em.evidence(fact, cell)
        g.add((RES["evidence"][f"{row.source}-{row.start}-{row.end}"], HCC.correction, node))


def doubt(em: Emitter, fact: m.Doubt, where: str) -> None:
    """A suspected source error: linked to every fact of the study (and arms) whose evidence
    quote holds the doubted passage; the facts' values are left as they are."""
    g = em.g
    study = RES["study"][fact.study]
    if (study, RDF.type, HCC.ClinicalStudy) not in g:
        raise HccKgError(f"{where}, field study: unknown study {fact.study!r}")
    arms = set(g.objects(study, HCC.hasArm))
    chosen = [RES["arm"][f"{fact.study}-{a}"] for a in fact.arms]
    for i, arm in enumerate(chosen):
        if arm not in arms:
            raise HccKgError(f"{where}, field arms[{i}]: no arm {fact.arms[i]!r} in study {fact.study}")
    start, end = em.facts.span(fact)
    doubted = []
    for arm in chosen or sorted(arms):
        for node in sorted(g.subjects(HCC.arm, arm)):
            for ev in g.objects(node, PROV.wasDerivedFrom):
                src, s, e = str(ev).rsplit("/", 1)[-1].rsplit("-", 2)
                if src == fact.source and int(s) <= start and end <= int(e):
                    doubted.append(node)
    if not doubted:
        raise HccKgError(f"{where}, field quote: no fact of {fact.study} {fact.arms or ''} rests on the doubted passage")
    node = RES["doubt"][fact.id]
    g.add((node, RDF.type, HCC.SuspectedSourceError))
    g.add((node, RDFS.label, Literal(fact.what, lang="en")))
    g.add((node, HCC.reason, Literal(fact.reason)))
    g.add((node, HCC.outsideReference, Literal(fact.reference)))
    for arm in chosen:
        g.add((node, HCC.concernsArm, arm))
    for fact_node in doubted:
        g.add((node, HCC.doubts, fact_node))
    em.evidence(fact, node)
