"""RDF views: an entity's concise bounded description and the ontology, as Turtle, N-Triples, JSON-LD."""

from __future__ import annotations

from functools import cached_property

from hcc_kg.web.site.core import DERIVED, DESCRIBES, EVIDENCE_PARTS, FORMATS, GRAPHS


class RdfViews:
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
        from hcc_kg.vocab import release_prefixes

        return release_prefixes()

    def rdf(self, triples: list, fmt: str) -> bytes:
        import pyoxigraph as ox

        return ox.serialize(triples, format=getattr(ox.RdfFormat, FORMATS[fmt][1]), prefixes=self.prefixes)
