"""Entity pages: a study, drug, target, regimen, approval... with its attributes, facts and plots."""

from __future__ import annotations

from collections import defaultdict

from rdflib.namespace import OWL

from hcc_kg.web.site.core import (
    ALT,
    DESCRIBES,
    HIDDEN,
    MATCHES,
    PARTS,
    RDF_TYPE,
    RESOURCE,
    Row,
    V,
    Value,
    slug_of,
)
from hcc_kg.web.site.display import endpoint_rank


class EntityPages:
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
            rows.sort(key=lambda r: [endpoint_rank(self.first(r.node, str(V.endpoint)))]
                      + [" ".join(v.text for v in r.cells.get(c, [])) for c in columns]
                      + [" ".join(v.text for v in r.evidence)])
            out.append((name, columns, rows))
        return out

    def related(self, node: str, root: str) -> list[tuple[str, list[Value]]]:
        """Entities (not facts) that point to this one: regimens with this drug, studies of an arm."""
        out: dict[str, list[Value]] = defaultdict(list)
        for subject, prop in self.into.get(node, []):
            if not self.is_fact(subject) and prop != DESCRIBES and subject.startswith(RESOURCE):
                out[self.prop_label(prop)].append(self.link(subject, root))
        return [(k, sorted(v, key=lambda x: x.text)) for k, v in sorted(out.items())]

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
            from hcc_kg.web.site.plots import forest_svg, response_svg, survival_svg

            plots = [p for p in (forest_svg(self, root, [iri]), survival_svg(self, root, [iri]),
                                 response_svg(self, root, [iri])) if p]
        return self.render(
            "entity.html", root, kind=kind, slug=slug, iri=iri, title=self.title(iri),
            classes=sorted(classes, key=lambda c: (c.inferred, c.text)),
            synonyms=sorted(v.value for v in self.out[iri].get(ALT, [])),
            links=[(name, vals) for name, vals in links if vals],
            notes=self._notes(iri), disputed=self.disputed(iri),
            attributes=self.attribute_rows(iri, root), groups=self.fact_groups(iri, root),
            related=self.related(iri, root), plots=plots,
            summary=self.study_summary(iri, root) if kind == "study" else None,
            around=(self.drug_summary(iri, root) if kind == "drug" else
                    self.target_summary(iri, root) if kind == "target" else None),
            fact=self.fact_row(iri, root) if self.is_fact(iri) else None,
        )
