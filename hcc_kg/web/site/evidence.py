"""Evidence pages: the source text with one quote highlighted, and the facts drawn from it."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from markupsafe import Markup
from rdflib.namespace import DCTERMS

from hcc_kg.web.site.core import DERIVED, OA, V, slug_of
from hcc_kg.web.site.source import SourceText


class EvidencePages:
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
            start=start, end=end, exact=Markup(SourceText(exact, []).piece(0, len(exact), -1, -1)), table=self.first(iri, str(V.tableName)),
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

