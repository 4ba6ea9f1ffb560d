"""The site's shared core: the release indexed by subject and object, and how a node, a value, a
fact row and a link are drawn. The page kinds (entity, evidence, source, overview, RDF views) are
mixins over this core, put together as ``hcc_kg.web.site.Site``."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from hcc_kg.constants import HCC, ONTOLOGY_IRI, QUERIES, RESOURCE
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import GRAPHS, OA, UNITS
from hcc_kg.vocab import HCC as V

RDF_TYPE, LABEL, DERIVED = str(RDF.type), str(RDFS.label), str(PROV.wasDerivedFrom)
ALT, NOTATION, DEFINITION = str(SKOS.altLabel), str(SKOS.notation), str(SKOS.definition)
HIDDEN_LABEL = str(SKOS.hiddenLabel)  # a source's misspelling: searched, never shown as a name
#: links out, listed together on an entity's page (rdfs:seeAlso: a registry's page for people)
MATCHES = tuple(str(m) for m in (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch, SKOS.narrowMatch,
                                 SKOS.broadMatch, RDFS.seeAlso))
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


class Core:
    """The release, indexed for drawing pages (one instance renders every page)."""

    def __init__(self, store, sources: dict | None = None):
        from hcc_kg.build.sources import load_sources

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

    def _conflict_text(self, node: str, other: str) -> str:
        """What the other side says where it differs from ``node``, and where it says it."""
        mine, theirs = self.out.get(node, {}), self.out.get(other, {})
        values = [self.value(o, "").text for p, objs in theirs.items() if p not in HIDDEN and p != DESCRIBES
                  and objs != mine.get(p) for o in objs]
        return ", ".join(values) + " (" + ", ".join(v.text for v in self.evidence_of(other, "")) + ")"

    def columns(self, rows: list[Row]) -> list[str]:
        return sorted({p for r in rows for p in r.cells}, key=self.prop_key)

    def render(self, template: str, root: str, **context) -> str:
        return self.env.get_template(template).render(root=root, prop_label=self.prop_label, **context)

    def instances(self, cls: str) -> list[str]:
        return sorted(s for s, p in self.into.get(cls, []) if p == RDF_TYPE)


def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("hcc_kg.web", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
