"""Site stage: a page for every entity, the source viewer and plots, rendered from the release.

The release is loaded into pyoxigraph and indexed once by subject and object; every page is then
drawn from that index by properties, not by kind, so a new property or fact shows without code
changes. Each fact links to its evidence page: the source text with the quoted span
(``oa:TextPositionSelector``, Unicode code points) highlighted. Pages are Jinja2 templates with
autoescape; links are relative, so the folder works from ``file://`` and from any web server.
``respond`` answers the same pages over HTTP, with content negotiation for the IRIs.
"""

from __future__ import annotations

import bisect
import itertools
import re
import shutil
import tempfile
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from markupsafe import Markup, escape
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from hcc_kg.constants import HCC, ONTOLOGY_IRI, QUERIES, RELEASE, RESOURCE
from hcc_kg.engine import negotiate
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import GRAPHS, OA, UNITS
from hcc_kg.vocab import HCC as V

RDF_TYPE, LABEL, DERIVED = str(RDF.type), str(RDFS.label), str(PROV.wasDerivedFrom)
ALT, NOTATION, DEFINITION = str(SKOS.altLabel), str(SKOS.notation), str(SKOS.definition)
MATCHES = tuple(str(m) for m in (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch, SKOS.narrowMatch,
                                 SKOS.broadMatch))
INFERRED = str(GRAPHS["inferred"])
NOTE, DISPUTED, DESCRIBES = str(V.curatorNote), str(V.disputed), str(V.describes)
DOUBTS = str(V.doubts)
#: properties that lead from an entity to its parts, whose facts its page shows too (a study's arms)
PARTS = (str(V.hasArm),)
#: properties an evidence page follows to the nodes that belong to it (selectors, corrections)
EVIDENCE_PARTS = (str(OA.hasSelector), str(V.correction))
#: classes whose individuals read better by their notation (mOS, FDA, III) than their label
BY_NOTATION = tuple(str(c) for c in (V.Endpoint, V.TrialPhase, V.RegulatoryAgency, V.Guideline, V.ResponseCriteria))
#: property order in fact tables; the rest follow alphabetically by label
ORDER = [str(V[p]) for p in [
    "describes", "agent", "arm", "experimentalArm", "comparatorArm", "about", "endpoint", "subgroup",
    "adverseEvent", "value", "valueBelow", "notReached", "unit", "hazardRatio", "ciLower", "ciUpper", "pValue",
    "pValueBelow", "responseCriteria", "qualifier", "agency", "approvedRegimen", "recommendedRegimen", "guideline",
    "guidelineVersion", "approvalYear", "approvalDate", "approvalType", "lineOfTherapy", "category", "indication",
    "basedOnStudy"]]
ORDER_INDEX = {p: i for i, p in enumerate(ORDER)}
HIDDEN = {RDF_TYPE, LABEL, ALT, DERIVED, NOTE, DISPUTED, *MATCHES}
FORMATS = {  # extension -> (media type, pyoxigraph format name)
    "ttl": ("text/turtle", "TURTLE"),
    "nt": ("application/n-triples", "N_TRIPLES"),
    "jsonld": ("application/ld+json", "JSON_LD"),
}
HTML = "text/html; charset=utf-8"
#: UO unit IRI -> how a value's unit is written on a page
UNIT_NAMES = {str(iri): {"month": "months", "percent": "%"}.get(name, name) for name, iri in UNITS.items()}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass
class Value:
    """One object of a triple, ready to show: text, link (relative), and where it came from."""

    text: str
    href: str | None = None
    external: bool = False
    inferred: bool = False


@dataclass
class Row:
    """One fact or attribute on a page: cells by property, its evidence and its flags."""

    node: str | None
    cells: dict[str, list[Value]]
    evidence: list[Value] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    disputed: bool = False
    conflicts: list[Value] = field(default_factory=list)
    anchor: str = ""
    label: Value | None = None
    title: Value | None = None


def slug_of(iri: str) -> tuple[str, str] | None:
    """(kind, slug) of a resource IRI (a ``#part`` belongs to its page); None for other IRIs."""
    if not iri.startswith(RESOURCE):
        return None
    kind, _, slug = iri[len(RESOURCE):].partition("/")
    slug = slug.split("#")[0]
    return (kind, slug) if kind and SLUG.match(slug) else None


class Site:
    """The release, indexed for drawing pages (one instance renders every page)."""

    def __init__(self, store, sources: dict | None = None):
        from hcc_kg.sources import load_sources

        self.store = store
        self.sources = sources if sources is not None else load_sources()
        self.out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.into: dict[str, list[tuple[str, str]]] = defaultdict(list)
        #: triples of the inferred graph (the release holds each triple in one named graph only)
        self.inferred: set[tuple[str, str, str]] = set()
        self.terms = {}  # IRI -> pyoxigraph term, for serialising
        for quad in store.quads_for_pattern(None, None, None, None):
            s, p, o = quad.subject, quad.predicate.value, quad.object
            key = self._key(s)
            okey = self._key(o)
            triple = (key, p, okey)
            graph = getattr(quad.graph_name, "value", "")
            if graph == INFERRED:
                self.inferred.add(triple)
            if o not in self.out[key][p]:
                self.out[key][p].append(o)
                if not hasattr(o, "datatype"):
                    self.into[okey].append((key, p))
            self.terms[key] = s
        for values in self.out.values():
            for objs in values.values():
                objs.sort(key=lambda t: (t.value if hasattr(t, "value") else str(t)))
        for key in self.into:
            self.into[key].sort()
        self.pairs = self._conflicts()
        self.env = environment()

    @staticmethod
    def _key(term) -> str:
        import pyoxigraph as ox

        if isinstance(term, ox.BlankNode):
            return "_:" + term.value
        return term.value

    # --- reading the graph -------------------------------------------------------------------
    def first(self, node: str, prop: str) -> str | None:
        values = self.out.get(node, {}).get(prop)
        return values[0].value if values else None

    def types(self, node: str) -> list[str]:
        return [t.value for t in self.out.get(node, {}).get(RDF_TYPE, [])]

    def label(self, iri: str) -> str:
        notation = self.first(iri, NOTATION)
        if notation and any(t in BY_NOTATION for t in self.types(iri)):
            return notation
        label = self.first(iri, LABEL)
        if label:
            return label
        return UNIT_NAMES.get(iri) or iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def href(self, iri: str, root: str) -> str | None:
        """A relative link to the page of ``iri``; None for an IRI that has no page here."""
        where = slug_of(iri)
        if where:
            frag = "#" + iri.split("#", 1)[1] if "#" in iri else ""
            return f"{root}resource/{where[0]}/{where[1]}.html{frag}"
        if iri.startswith(HCC):
            return f"{root}ontology.html#{iri[len(HCC):]}"
        if iri == ONTOLOGY_IRI:
            return f"{root}ontology.html"
        return None

    def value(self, term, root: str, node: str | None = None, prop: str | None = None) -> Value:
        if hasattr(term, "datatype"):  # a literal, shown exactly as written
            return Value(term.value)
        iri = self._key(term)
        inferred = node is not None and (node, prop, iri) in self.inferred
        href = self.href(iri, root)
        if iri in UNIT_NAMES:  # a unit reads as text (months, %), not as a link out
            return Value(UNIT_NAMES[iri], inferred=inferred)
        if href is None and iri.startswith(("http://", "https://")):  # outside the graph: a link out
            label = self.label(iri)
            return Value(label if label != iri.rsplit("/", 1)[-1] else iri, iri, external=True, inferred=inferred)
        return Value(self.label(iri), href, inferred=inferred)

    def prop_label(self, prop: str) -> str:
        name = prop.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return self.first(prop, LABEL) or re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()

    def prop_key(self, prop: str) -> tuple[int, str]:
        """Where a property's column or row goes: ORDER first, the rest by label."""
        return ORDER_INDEX.get(prop, 99), self.prop_label(prop)

    def link(self, node: str, root: str) -> Value:
        return Value(self.title(node), self.href(node, root))

    def disputed(self, node: str) -> bool:
        return self.first(node, DISPUTED) == "true"

    def conflicts_of(self, node: str, root: str) -> list[Value]:
        """What each fact in conflict with ``node`` says instead, linked to it."""
        return [Value(self._conflict_text(node, other), self.href(other, root))
                for other in sorted(self.pairs.get(node, ()))]

    def evidence_of(self, node: str, root: str) -> list[Value]:
        out = []
        for ev in self.out.get(node, {}).get(DERIVED, []):
            href = self.href(ev.value, root)
            out.append(Value(self.evidence_name(ev.value), href + "#hl" if href else ev.value))
        return out

    def evidence_name(self, ev: str) -> str:
        """"s001 table-1 row 9", "s000 text", or the external source's host."""
        source = self.first(ev, str(OA.hasSource))
        if source is None:
            url = self.first(ev, str(DCTERMS.source)) or ev
            return "external: " + re.sub(r"^https?://(www\.)?", "", url).split("/")[0]
        name = source.rsplit("/", 1)[-1]
        table = self.first(ev, str(V.tableName))
        return f"{name} {table} row {self.first(ev, str(V.tableRow))}" if table else f"{name} text"

    def selector(self, ev: str, prop: str) -> str | None:
        for sel in self.out.get(ev, {}).get(str(OA.hasSelector), []):
            found = self.first(sel.value, prop)
            if found is not None:
                return found
        return None

    def is_fact(self, node: str) -> bool:
        return DERIVED in self.out.get(node, {})

    def _conflicts(self) -> dict[str, set[str]]:
        """node -> the nodes it disagrees with, by the canned ``conflicts`` query's own rules."""
        text = (QUERIES / "conflicts.rq").read_text(encoding="utf-8")
        text, n = re.subn(r"SELECT DISTINCT .*?WHERE \{", "SELECT DISTINCT ?na ?nb WHERE {", text, count=1,
                          flags=re.DOTALL)
        if n != 1:
            raise HccKgError(f"{QUERIES / 'conflicts.rq'}: no SELECT DISTINCT ... WHERE line to project")
        pairs: dict[str, set[str]] = defaultdict(set)
        for row in self.store.query(text, use_default_graph_as_union=True):
            a, b = row["na"], row["nb"]
            if a is not None and b is not None:
                pairs[a.value].add(b.value)
                pairs[b.value].add(a.value)
        return pairs

    # --- rows ----------------------------------------------------------------------------------
    def fact_row(self, node: str, root: str, skip: tuple[str, ...] = ()) -> Row:
        cells: dict[str, list[Value]] = {}
        for prop, objs in self.out.get(node, {}).items():
            if prop in HIDDEN or prop in skip:
                continue
            cells[prop] = [self.value(o, root, node, prop) for o in objs]
        row = Row(node, cells, self.evidence_of(node, root), self._notes(node), self.disputed(node),
                  anchor=self.anchor(node))
        row.conflicts = self.conflicts_of(node, root)
        if node.startswith(RESOURCE):
            row.label = Value(self.first(node, LABEL) or "details", self.href(node, root))
            row.title = self.link(node, root)
        return row

    def _notes(self, node: str) -> list[str]:
        """A fact's curator notes, and each suspected source error that doubts it (hcc:doubts)."""
        notes = [n.value for n in self.out.get(node, {}).get(NOTE, [])]
        for doubt, prop in self.into.get(node, []):
            if prop == DOUBTS:
                notes.append(f"Suspected source error: {self.first(doubt, LABEL)}. {self.first(doubt, str(V.reason))} "
                             f"Outside reference: {self.first(doubt, str(V.outsideReference))}")
        return notes

    @staticmethod
    def anchor(node: str) -> str:
        where = slug_of(node)
        return f"{where[0]}-{where[1]}" if where else ""

    def title(self, node: str) -> str:
        """A node's label, or for an unlabelled fact a name made from what it is about."""
        label = self.first(node, LABEL)
        if label:
            return label
        parts = [self.label(o.value) for p in (str(V.arm), str(V.experimentalArm), str(V.describes),
                                                str(V.endpoint)) for o in self.out.get(node, {}).get(p, [])]
        where = slug_of(node)
        return ": ".join(parts) if parts else (where[1] if where else node)

    def attribute_rows(self, node: str, root: str) -> list[Row]:
        """The entity's own attributes, each with the statements (and evidence) that state it."""
        statements = [s for s, p in self.into.get(node, []) if p == DESCRIBES]
        rows: dict[tuple[str, str], Row] = {}
        own_evidence = self.evidence_of(node, root)
        for prop, objs in self.out.get(node, {}).items():
            if prop in HIDDEN or prop == str(V.correction):
                continue
            for o in objs:
                v = self.value(o, root, node, prop)
                rows[(prop, self._key(o))] = Row(node, {prop: [v]}, list(own_evidence), anchor="")
        for st in statements:
            for prop, objs in self.out[st].items():
                if prop in HIDDEN or prop == DESCRIBES:
                    continue
                for o in objs:
                    row = rows.setdefault((prop, self._key(o)), Row(st, {prop: [self.value(o, root)]}))
                    row.evidence += self.evidence_of(st, root)
                    row.notes += self._notes(st)
                    row.disputed |= self.disputed(st)
                    row.conflicts += self.conflicts_of(st, root)
        return sorted(rows.values(), key=lambda r: (*self.prop_key(next(iter(r.cells))),
                                                    next(iter(r.cells.values()))[0].text))

    def _conflict_text(self, node: str, other: str) -> str:
        """What the other side says where it differs from ``node``, and where it says it."""
        mine, theirs = self.out.get(node, {}), self.out.get(other, {})
        values = [self.value(o, "").text for p, objs in theirs.items() if p not in HIDDEN and p != DESCRIBES
                  and objs != mine.get(p) for o in objs]
        return ", ".join(values) + " (" + ", ".join(v.text for v in self.evidence_of(other, "")) + ")"

    def fact_groups(self, node: str, root: str) -> list[tuple[str, list[str], list[Row]]]:
        """Facts (sourced nodes) that point to this entity or to one of its parts, by class."""
        targets = [node] + [o.value for p in PARTS for o in self.out.get(node, {}).get(p, [])]
        facts: dict[str, str] = {}
        for target in targets:
            for subject, prop in self.into.get(target, []):
                if self.is_fact(subject) and not (prop == DESCRIBES and target == node):
                    facts.setdefault(subject, prop)
        groups: dict[str, list[str]] = defaultdict(list)
        for fact in facts:
            asserted = [t for t in self.types(fact) if (fact, RDF_TYPE, t) not in self.inferred]
            groups[self.label(asserted[0]) if asserted else "fact"].append(fact)
        out = []
        for name in sorted(groups):
            rows = [self.fact_row(f, root) for f in groups[name]]
            columns = self.columns(rows)
            rows.sort(key=lambda r: [" ".join(v.text for v in r.cells.get(c, [])) for c in columns]
                      + [" ".join(v.text for v in r.evidence)])
            out.append((name, columns, rows))
        return out

    def columns(self, rows: list[Row]) -> list[str]:
        return sorted({p for r in rows for p in r.cells}, key=self.prop_key)

    def related(self, node: str, root: str) -> list[tuple[str, list[Value]]]:
        """Entities (not facts) that point to this one: regimens with this drug, studies of an arm."""
        out: dict[str, list[Value]] = defaultdict(list)
        for subject, prop in self.into.get(node, []):
            if not self.is_fact(subject) and prop != DESCRIBES and subject.startswith(RESOURCE):
                out[self.prop_label(prop)].append(self.link(subject, root))
        return [(k, sorted(v, key=lambda x: x.text)) for k, v in sorted(out.items())]

    # --- pages -----------------------------------------------------------------------------------
    def render(self, template: str, root: str, **context) -> str:
        return self.env.get_template(template).render(root=root, prop_label=self.prop_label, **context)

    def entity_page(self, iri: str) -> str:
        root = "../../"
        kind, slug = slug_of(iri)
        if kind == "evidence":
            return self.evidence_page(iri)
        if kind == "source":
            return self.source_page(iri)
        types = self.types(iri)
        classes = [Value(self.label(t), self.href(t, root), inferred=(iri, RDF_TYPE, t) in self.inferred)
                   for t in types if t != str(OWL.NamedIndividual)]
        links = [(self.prop_label(p), [self.value(o, root) for o in self.out[iri].get(p, [])]) for p in MATCHES]
        plots = []
        if kind == "study":
            from hcc_kg.plots import forest_svg, response_svg

            plots = [p for p in (forest_svg(self, root, [iri]), response_svg(self, root, [iri])) if p]
        return self.render(
            "entity.html", root, kind=kind, slug=slug, iri=iri, title=self.title(iri),
            classes=sorted(classes, key=lambda c: (c.inferred, c.text)),
            synonyms=sorted(v.value for v in self.out[iri].get(ALT, [])),
            links=[(name, vals) for name, vals in links if vals],
            notes=self._notes(iri), disputed=self.disputed(iri),
            attributes=self.attribute_rows(iri, root), groups=self.fact_groups(iri, root),
            related=self.related(iri, root), plots=plots,
            fact=self.fact_row(iri, root) if self.is_fact(iri) else None,
        )

    @cached_property
    def texts(self) -> dict[str, SourceText]:
        from hcc_kg.tables import TABLES, parse_tables

        tables = parse_tables(self.sources)
        out = {}
        for sid, source in self.sources.items():
            spans = [(layout, caption, tables[f"{sid}/{table}"]) for (s, table), (layout, caption) in TABLES.items()
                     if s == sid]
            out[sid] = SourceText(source.text, spans)
        return out

    def evidence_page(self, iri: str) -> str:
        root = "../../"
        source = self.first(iri, str(OA.hasSource))
        users = sorted({s for s, p in self.into.get(iri, []) if p == DERIVED})
        facts = [self.fact_row(f, root) for f in users]
        ctx = {"iri": iri, "title": f"Evidence {slug_of(iri)[1]}", "facts": facts,
               "name": self.evidence_name(iri), "notes": self._notes(iri)}
        if source is None:  # external evidence: a URL and an excerpt
            return self.render("evidence.html", root, external=self.first(iri, str(DCTERMS.source)),
                               excerpt=self.first(iri, str(V.excerpt)), nearby=[], **ctx)
        sid = source.rsplit("/", 1)[-1]
        start, end = int(self.selector(iri, str(OA.start))), int(self.selector(iri, str(OA.end)))
        exact = self.selector(iri, str(OA.exact))
        nearby = sorted({s for e in self.overlapping(sid, start, end) if e != iri
                         for s, p in self.into.get(e, []) if p == DERIVED} - set(users))
        corrections = [self.fact_row(c.value, root) for c in self.out[iri].get(str(V.correction), [])]
        return self.render(
            "evidence.html", root, source=self.link(source, root), sid=sid,
            start=start, end=end, exact=exact, table=self.first(iri, str(V.tableName)),
            row=self.first(iri, str(V.tableRow)), corrections=corrections,
            nearby=[self.fact_row(f, root) for f in nearby],
            body=self.texts[sid].html(start, end), **ctx)

    @cached_property
    def spans(self) -> dict[str, list[tuple[int, int, str]]]:
        out: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for ev in self.instances(str(V.Evidence)):
            source = self.first(ev, str(OA.hasSource))
            start, end = self.selector(ev, str(OA.start)), self.selector(ev, str(OA.end))
            if source and start is not None and end is not None:
                out[source.rsplit("/", 1)[-1]].append((int(start), int(end), ev))
        for spans in out.values():
            spans.sort()
        return out

    def overlapping(self, sid: str, start: int, end: int) -> list[str]:
        return [ev for s, e, ev in self.spans.get(sid, []) if s < end and e > start]

    def source_page(self, iri: str) -> str:
        root = "../../"
        sid = iri.rsplit("/", 1)[-1]
        evidence = [(s, e, Value(self.evidence_name(ev) + f" {s}-{e}", self.href(ev, root)),
                     [self.link(f, root) if f.startswith(RESOURCE) else None
                      for f, p in self.into.get(ev, []) if p == DERIVED])
                    for s, e, ev in self.spans.get(sid, [])]
        props = [(self.prop_label(p), [self.value(o, root) for o in objs])
                 for p, objs in sorted(self.out[iri].items()) if p not in (RDF_TYPE, LABEL)]
        return self.render("source.html", root, iri=iri, title=self.title(iri), props=props,
                           evidence=evidence, body=self.texts[sid].html(-1, -1) if sid in self.texts else "")

    def instances(self, cls: str) -> list[str]:
        return sorted(s for s, p in self.into.get(cls, []) if p == RDF_TYPE)

    @cached_property
    def kinds(self) -> dict[str, list[str]]:
        """kind -> every resource IRI of that kind that is a subject in the graph."""
        out: dict[str, list[str]] = defaultdict(list)
        for node in self.out:
            where = slug_of(node)
            if where and "#" not in node:
                out[where[0]].append(node)
        return {k: sorted(v) for k, v in sorted(out.items())}

    def index(self, kind: str, root: str) -> list[Value]:
        """A link to every resource of a kind, by title."""
        return sorted((self.link(n, root) for n in self.kinds.get(kind, [])), key=lambda v: v.text.lower())

    def kind_page(self, kind: str) -> str:
        root = "../../"
        items = self.index(kind, root)
        return self.render("kind.html", root, kind=kind, title=f"{kind} ({len(items)})", items=items)

    def overview(self) -> str:
        from hcc_kg.plots import forest_svg, response_svg
        from hcc_kg.publish import DATASET

        root = ""
        kinds = [(k, len(v), f"resource/{k}/index.html") for k, v in self.kinds.items()]
        main = ("study", "drug", "target", "regimen", "approval", "recommendation", "mechanism", "disease")
        lists = [(k, self.index(k, root)) for k in main]
        return self.render("overview.html", root, title="hcc-kg", kinds=kinds, lists=lists,
                           forest=forest_svg(self, root), response=response_svg(self, root),
                           release=self.first(str(DATASET), str(DCTERMS.hasVersion)))

    def ontology_page(self) -> str:
        root = ""
        terms = sorted({s for s in self.out if s.startswith(HCC)}, key=str.lower)
        sections: dict[str, list] = defaultdict(list)
        for term in terms:
            types = self.types(term)
            kind = ("classes" if str(OWL.Class) in types else
                    "properties" if any(t.endswith("Property") for t in types) else "individuals")
            rows = [(self.prop_label(p), [self.value(o, root) for o in objs])
                    for p, objs in self.out[term].items()
                    if p not in (LABEL, DEFINITION) and not self._key(objs[0]).startswith("_:")]
            sections[kind].append((term[len(HCC):], self.first(term, LABEL) or term[len(HCC):],
                                   self.first(term, DEFINITION), rows))
        return self.render("ontology.html", root, title="The hcc-kg ontology", iri=ONTOLOGY_IRI,
                           sections=[(k, sections[k]) for k in ("classes", "properties", "individuals")])

    # --- the whole site ----------------------------------------------------------------------------
    def paths(self) -> list[str]:
        out = ["overview.html", "ontology.html"]
        for kind, nodes in self.kinds.items():
            out.append(f"resource/{kind}/index.html")
            out += [f"resource/{kind}/{slug_of(n)[1]}.html" for n in nodes]
        return out

    def page(self, path: str) -> str | None:
        """The HTML of a site path ("resource/drug/atezolizumab.html"); None if there is none."""
        if path in ("overview.html", "index.html"):
            return self.overview()
        if path == "ontology.html":
            return self.ontology_page()
        m = re.fullmatch(r"resource/([a-z]+)/([a-z0-9-]+)\.html", path)
        if not m:
            return None
        kind, slug = m.groups()
        if slug == "index":
            return self.kind_page(kind) if kind in self.kinds else None
        iri = f"{RESOURCE}{kind}/{slug}"
        return self.entity_page(iri) if self.out.get(iri) else None

    # --- RDF descriptions --------------------------------------------------------------------------
    def description(self, iri: str) -> list:
        """The entity's concise bounded description plus its evidence, as pyoxigraph triples."""
        import pyoxigraph as ox

        seen, todo, triples = set(), [iri], []
        statements = [s for s, p in self.into.get(iri, []) if p == DESCRIBES]
        todo += statements
        while todo:
            node = todo.pop()
            if node in seen or node not in self.out:
                continue
            seen.add(node)
            for prop, objs in self.out[node].items():
                for o in objs:
                    triples.append(ox.Triple(self.terms[node], ox.NamedNode(prop), o))
                    okey = self._key(o)
                    if okey.startswith("_:") or prop in (DERIVED, *EVIDENCE_PARTS):
                        todo.append(okey)
        return sorted(set(triples), key=str)

    def ontology_triples(self) -> list:
        import pyoxigraph as ox

        graph = ox.NamedNode(str(GRAPHS["ontology"]))
        return sorted({q.triple for q in self.store.quads_for_pattern(None, None, None, graph)}, key=str)

    @cached_property
    def prefixes(self) -> dict[str, str]:
        from hcc_kg.publish import prefixes

        return prefixes()

    def rdf(self, triples: list, fmt: str) -> bytes:
        import pyoxigraph as ox

        return ox.serialize(triples, format=getattr(ox.RdfFormat, FORMATS[fmt][1]), prefixes=self.prefixes)

    def write(self, folder: Path, paths: list[str]) -> None:
        """Write these site paths under ``folder``; an entity page gets its RDF description beside
        it (.ttl, .nt, .jsonld). The folders must exist."""
        for path in paths:
            (folder / path).write_text(self.page(path), encoding="utf-8")
            m = re.fullmatch(r"resource/([a-z]+)/([a-z0-9-]+)\.html", path)
            if m and m[2] != "index":
                triples = self.description(f"{RESOURCE}{m[1]}/{m[2]}")
                for ext in FORMATS:
                    (folder / f"resource/{m[1]}/{m[2]}.{ext}").write_bytes(self.rdf(triples, ext))


# --- the source text, drawn as paragraphs and tables -----------------------------------------------
@dataclass
class Block:
    """A paragraph or a table cell: characters [start, end) of the source, drawn in one element."""

    start: int
    end: int


class SourceText:
    """A source's text as HTML blocks: paragraphs, and tables as tables (every character drawn once,
    separators kept in hidden spans so a highlighted span's text is exactly the quote)."""

    def __init__(self, text: str, tables: list[tuple[str, str, list]]):
        self.text = text
        self.parts: list[tuple[int, int, object]] = []  # (start, end, layout) in text order
        pos = 0
        for layout, caption, rows in sorted(tables, key=lambda t: t[2][0].start):
            start = text.find("\n" + caption) + 1
            end = rows[-1].end
            self._paragraphs(pos, start)
            self.parts.append((start, end, self._table(layout, start, rows)))
            pos = end
        self._paragraphs(pos, len(text))
        self.starts = [p[0] for p in self.parts]
        self.cache = [self._draw(p, -1, -1) for p in self.parts]

    def _paragraphs(self, start: int, end: int) -> None:
        for m in re.finditer(r"[^\n]*\n*", self.text[start:end]):
            if m.group():
                self.parts.append((start + m.start(), start + m.end(), None))

    def _cells(self, layout: str, start: int, end: int) -> list[Block]:
        if layout == "lines":
            cuts = [start] + [i for i in range(start, end) if self.text[i] == "\t"]
        else:
            cuts = [i for i in range(start, end) if self.text[i] == "\t" and (i == start or self.text[i - 1] == "\n")]
        cuts = sorted(set(cuts))
        return [Block(a, b) for a, b in zip(cuts, cuts[1:] + [end])]

    def _table(self, layout: str, start: int, rows: list) -> dict:
        caption_end = self.text.index("\n", start)
        first = rows[0].start
        if layout == "lines":
            header_start = self.text.rfind("\n", 0, first - 1) + 1
        else:
            header_start = self.text.index("\t", caption_end)
        bounds = [r.start for r in rows] + [rows[-1].end]
        return {"id": rows[0].table, "caption": Block(start, header_start),
                "header": self._cells(layout, header_start, first),
                "rows": [(r.row, self._cells(layout, a, b)) for r, a, b in zip(rows, bounds, bounds[1:])]}

    def piece(self, start: int, end: int, hs: int, he: int) -> str:
        """Characters [start, end), white space at either end hidden, the overlap with [hs, he)
        marked; the first mark of the page gets ``id="hl"``."""
        text = self.text[start:end]
        lead = len(text) - len(text.lstrip("\t\n"))
        trail = len(text) - len(text.rstrip("\t\n")) if text.strip("\t\n") else 0
        out = []
        for a, b, hidden in ((start, start + lead, True), (start + lead, end - trail, False),
                             (end - trail, end, True)):
            if a >= b:
                continue
            cuts = sorted({a, b, *(x for x in (hs, he) if a < x < b)})
            html = ""
            for x, y in itertools.pairwise(cuts):
                chunk = str(escape(self.text[x:y]))
                if hs <= x and y <= he and hs < he:
                    mark_id = ' id="hl"' if x == hs else ""
                    chunk = f'<mark class="hl"{mark_id}>{chunk}</mark>'
                html += chunk
            out.append(f'<span class="sep">{html}</span>' if hidden else html)
        return "".join(out)

    def _draw(self, part: tuple, hs: int, he: int) -> str:
        start, end, table = part
        if table is None:
            return f'<p data-start="{start}">{self.piece(start, end, hs, he)}</p>\n'
        cap = table["caption"]
        out = [f'<table class="source-table" id="{table["id"]}" data-start="{start}">',
               f"<caption>{self.piece(cap.start, cap.end, hs, he)}</caption>\n<thead><tr>"]
        out += [f"<th>{self.piece(c.start, c.end, hs, he)}</th>" for c in table["header"]]
        out.append("</tr></thead>\n<tbody>\n")
        for number, cells in table["rows"]:
            out.append(f'<tr id="{table["id"]}-row-{number}">')
            out += [f"<td>{self.piece(c.start, c.end, hs, he)}</td>" for c in cells]
            out.append("</tr>\n")
        out.append("</tbody></table>\n")
        return "".join(out)

    def html(self, hs: int, he: int) -> Markup:
        """The whole text with [hs, he) highlighted (nothing for -1, -1)."""
        if hs < 0:
            return Markup("".join(self.cache))
        first = max(0, bisect.bisect_right(self.starts, hs) - 1)
        out = list(self.cache)
        for i in range(first, len(self.parts)):
            if self.parts[i][0] >= he:
                break
            out[i] = self._draw(self.parts[i], hs, he)
        return Markup("".join(out))


# --- templates, writing, serving -------------------------------------------------------------------
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("hcc_kg", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def css() -> bytes:
    """The site's one style sheet (in the package's static folder, which `hcc-kg serve` also serves)."""
    return (Path(__file__).parent / "static" / "site.css").read_bytes()


def build_site(target: Path, release: Path | None = None) -> int:
    """Write every page (and each entity's RDF description as .ttl, .nt, .jsonld) under ``target``,
    written to a temporary folder and moved in last; the number of HTML pages."""
    from hcc_kg.store import open_release

    target = Path(target)
    if target.exists() and not target.is_dir():
        raise HccKgError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / "static" / "site.css").is_file():
        raise HccKgError(f"{target}: a folder with other files in it; give a new or empty folder, or an earlier site "
                         "(it is replaced)")
    ancestor = next(p for p in target.parents if p.exists())
    if not ancestor.is_dir():
        raise HccKgError(f"{target}: cannot write the site: {ancestor} is not a folder")
    site = Site(open_release(release or RELEASE))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".site-", dir=target.parent))
    except OSError as err:
        raise HccKgError(f"{target}: cannot write the site: {err.strerror or err}") from None
    try:
        paths = site.paths()
        for kind in site.kinds:
            (tmp / "resource" / kind).mkdir(parents=True)
        ontology = site.ontology_triples()
        for ext in FORMATS:
            (tmp / f"ontology.{ext}").write_bytes(site.rdf(ontology, ext))
        _write_in_parallel(site, tmp, paths)
        shutil.copyfile(tmp / "overview.html", tmp / "index.html")  # the folder opens on the overview
        (tmp / "static").mkdir()
        (tmp / "static" / "site.css").write_bytes(css())
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise HccKgError(f"{target}: cannot write the site: {err.strerror or err}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(paths)


_FORKED: dict[str, Site] = {}


def _write_part(folder: str, paths: list[str]) -> int:
    _FORKED["site"].write(Path(folder), paths)
    return len(paths)


def _write_in_parallel(site: Site, folder: Path, paths: list[str]) -> None:
    """Pages written by one forked process per core (they share the indexed release, read-only)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(4, os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        site.write(folder, paths)
        return
    for name in ("texts", "spans", "prefixes", "kinds"):  # computed once, before the fork
        getattr(site, name)
    _FORKED["site"] = site
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            done = [pool.submit(_write_part, str(folder), paths[i::workers]) for i in range(workers)]
            for future in done:
                future.result()
    finally:
        _FORKED.clear()


def make_responder(release: Path | None = None):
    """``respond(path, accept)`` over the release: (status, content type, body), or None when the
    path is not the site's (the SPARQL endpoint and its query UI keep theirs)."""
    state: dict[str, Site] = {}
    lock = threading.Lock()

    def site() -> Site:
        with lock:  # a threaded server's first requests must not index the release twice
            if "site" not in state:
                from hcc_kg.store import open_release

                state["site"] = Site(open_release(release or RELEASE))
            return state["site"]

    def not_found(what: str) -> tuple[int, str, bytes]:
        return 404, "text/plain; charset=utf-8", f"not found: {what}\n".encode()

    def respond(path: str, accept: str | None = "") -> tuple[int, str, bytes] | None:
        path, accept = path.split("?", 1)[0].split("#", 1)[0], accept or ""
        if len(path) > 1024:
            return 414, "text/plain; charset=utf-8", b"path too long\n"
        if path == "/static/site.css":
            return 200, "text/css; charset=utf-8", css()
        if path.startswith("/static/"):
            return not_found(path)
        if path in ("/overview.html", "/ontology.html"):
            return 200, HTML, site().page(path[1:]).encode()
        m = re.fullmatch(r"/(ontology|resource/([a-z]+)/([a-z0-9-]+))(?:\.(html|ttl|nt|jsonld))?", path)
        if not m:
            return not_found(path) if path.startswith(("/resource/", "/ontology")) else None
        whole, kind, slug, ext = m.groups()
        if kind and slug == "index":  # a page listing a kind's records: HTML only
            html = site().page(f"resource/{kind}/index.html") if ext in (None, "html") else None
            return (200, HTML, html.encode()) if html else not_found(path)
        iri = ONTOLOGY_IRI if whole == "ontology" else f"{RESOURCE}{kind}/{slug}"
        if iri != ONTOLOGY_IRI and not site().out.get(iri):
            return not_found(f"<{iri}> is not in the graph")
        if ext is None:
            offers = ["text/html", *(media for media, _ in FORMATS.values()), "application/xhtml+xml"]
            best = negotiate(accept, offers)
            if best is None:
                return 406, "text/plain; charset=utf-8", ("not acceptable; this resource is available as: "
                                                          + ", ".join(offers[:-1]) + "\n").encode()
            ext = next((e for e, (media, _) in FORMATS.items() if media == best), "html")
        if ext == "html":
            page = "ontology.html" if iri == ONTOLOGY_IRI else f"resource/{kind}/{slug}.html"
            return 200, HTML, site().page(page).encode()
        triples = site().ontology_triples() if iri == ONTOLOGY_IRI else site().description(iri)
        return 200, FORMATS[ext][0] + ("; charset=utf-8" if ext != "jsonld" else ""), site().rdf(triples, ext)

    return respond
