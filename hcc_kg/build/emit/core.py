"""What every record kind's emitter uses: the graph being built, stable IRIs, the lookup of names
(lexicon), value-set notations (ontology) and arms, regimens, and a fact's evidence (its source,
verbatim quote and offsets)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from functools import cache

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV

from hcc_kg import models as m
from hcc_kg.build.facts import Facts, slugify
from hcc_kg.build.lexicon import Entity, Lexicon, regimen_label, regimen_slug
from hcc_kg.build.sources import Source
from hcc_kg.constants import ONTOLOGY
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC, OA, RES, new_graph

#: a curated field -> the ontology class whose members' notations it takes (not the query
#: parameters' value sets: those are hcc_kg.answer.store.VALUE_SETS)
NOTATION_CLASSES = {"phase": HCC.TrialPhase, "line": HCC.LineOfTherapy, "endpoint": HCC.Endpoint,
                    "criteria": HCC.ResponseCriteria, "agency": HCC.RegulatoryAgency,
                    "guideline": HCC.Guideline, "role": HCC.ArmRole, "type": HCC.ApprovalType,
                    "direction": HCC.EffectDirection, "grade": HCC.AEGrade, "ae_kind": HCC.AEKind}


@cache
def ontology() -> Graph:
    """The ontology (the one vocabulary file), read once."""
    return Graph().parse(ONTOLOGY)


@cache
def notations() -> dict[URIRef, dict[str, URIRef]]:
    """Value-set class -> {notation: individual}, read from the ontology."""
    out: dict[URIRef, dict[str, URIRef]] = {}
    for individual, notation in ontology().subject_objects(SKOS.notation):
        for cls in ontology().objects(individual, RDF.type):
            out.setdefault(cls, {})[str(notation)] = individual
    return out


def decimal(value: Decimal) -> Literal:
    """The canonical lexical form (46.0 -> "46"), so every engine prints the same; the quote keeps
    the printed form."""
    return Literal(format(value.normalize(), "f"), datatype=XSD.decimal)


class Emitter:
    """The state one build's emitters share; each record kind's module adds its triples to ``g``."""

    def __init__(self, facts: Facts, lexicon: Lexicon, sources: dict[str, Source]):
        self.facts, self.lexicon, self.sources = facts, lexicon, sources
        self.g = new_graph()
        self.used: Counter[str] = Counter()
        self.known_arms: dict[str, set[str]] = {}

    def iri(self, kind: str, slug: str, unique: bool = False) -> URIRef:
        """A stable IRI; with ``unique`` a repeated slug gets -2, -3 in input order."""
        slug = slugify(slug)
        if unique:
            self.used[f"{kind}/{slug}"] += 1
            n = self.used[f"{kind}/{slug}"]
            slug = slug if n == 1 else f"{slug}-{n}"
        return RES[kind][slug]

    def entity(self, entity: Entity) -> URIRef:
        return RES[entity.kind][entity.slug]

    def value(self, value_set: str, notation: str, where: str) -> URIRef:
        members = notations()[NOTATION_CLASSES[value_set]]
        if notation not in members:
            raise HccKgError(f"{where}: unknown {value_set} {notation!r}; allowed: {', '.join(sorted(members))}")
        return members[notation]

    def resolve(self, name: str, where: str, *kinds: str) -> URIRef:
        return self.entity(self.lexicon.resolve(name, where, kinds))

    def arm(self, study: m.Study, arm: str, where: str) -> URIRef:
        """An arm the study's record declared (hcc_kg.build.emit.studies fills ``known_arms``)."""
        if arm not in self.known_arms.get(study.id, ()):
            raise HccKgError(f"{where}: unknown arm {arm!r} of study {study.id}; arms: {sorted(self.known_arms.get(study.id, ()))}")
        return RES["arm"][f"{study.id}-{arm}"]

    def regimen(self, names: list[str], where: str) -> URIRef:
        parts = self.lexicon.regimen_parts(names, where)
        node = RES["regimen"][regimen_slug(parts)]
        self.g.add((node, RDF.type, HCC.Regimen))
        self.g.add((node, RDFS.label, Literal(regimen_label(parts), lang="en")))
        for part in parts:
            self.g.add((node, HCC.hasComponent, self.entity(part)))
        return node

    def evidence(self, fact: m.Sourced, node: URIRef) -> None:
        """``node`` prov:wasDerivedFrom the evidence: source, exact quote, offsets, table row."""
        start, end = self.facts.span(fact)
        ev = RES["evidence"][f"{fact.source}-{start}-{end}"]
        g = self.g
        g.add((node, PROV.wasDerivedFrom, ev))
        if fact.disputed:
            g.add((node, HCC.disputed, Literal(True)))
        if fact.note:
            g.add((node, HCC.curatorNote, Literal(fact.note)))
        if (ev, RDF.type, HCC.Evidence) in g:
            return
        quote, position = URIRef(f"{ev}#quote"), URIRef(f"{ev}#position")
        g.add((ev, RDF.type, HCC.Evidence))
        g.add((ev, OA.hasSource, RES["source"][fact.source]))
        g.add((ev, OA.hasSelector, quote))
        g.add((ev, OA.hasSelector, position))
        g.add((quote, RDF.type, OA.TextQuoteSelector))
        g.add((quote, OA.exact, Literal(self.sources[fact.source].text[start:end])))
        g.add((position, RDF.type, OA.TextPositionSelector))
        g.add((position, OA.start, Literal(start)))
        g.add((position, OA.end, Literal(end)))
        if fact.table:
            g.add((ev, HCC.tableName, Literal(fact.table)))
            g.add((ev, HCC.tableRow, Literal(fact.row)))
