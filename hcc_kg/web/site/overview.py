"""The overview, the index page of each kind and the ontology page."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from rdflib.namespace import DCTERMS, OWL

from hcc_kg.web.site.core import (
    ALT,
    DEFINITION,
    HCC,
    HIDDEN_LABEL,
    LABEL,
    NOTATION,
    ONTOLOGY_IRI,
    V,
    Value,
    slug_of,
)

#: the kinds the search box finds (facts and evidence are reached from these)
SEARCHED = ("study", "drug", "target", "regimen", "approval", "recommendation", "mechanism", "disease", "biomarker",
            "cell", "therapy", "arm", "source")


class OverviewPages:
    def search_index(self) -> str:
        """search-index.js: each searched entity's page, title, kind and other names (aliases,
        spellings, notations, registry ids), for the search box (static/search.js, lunr.js)."""
        import json

        docs = []
        for kind in SEARCHED:
            for node in self.kinds.get(kind, []):
                names = sorted({o.value for p in (ALT, HIDDEN_LABEL, NOTATION, str(V.registryId))
                                for o in self.out[node].get(p, [])})
                docs.append({"path": f"resource/{kind}/{slug_of(node)[1]}.html", "title": self.title(node),
                             "kind": kind, "names": " ".join(names)})
        return "window.HCC_SEARCH = " + json.dumps(docs, ensure_ascii=False, indent=0, sort_keys=True) + ";\n"

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
        from hcc_kg.constants import DATASET_IRI
        from hcc_kg.web.site.plots import forest_svg, response_svg, survival_svg

        root = ""
        kinds = [(k, len(v), f"resource/{k}/index.html") for k, v in self.kinds.items()]
        main = ("study", "drug", "target", "regimen", "approval", "recommendation", "mechanism", "disease")
        lists = [(k, self.index(k, root)) for k in main]
        return self.render("overview.html", root, title="hcc-kg", kinds=kinds, lists=lists,
                           forest=forest_svg(self, root), survival=survival_svg(self, root),
                           response=response_svg(self, root),
                           release=self.first(DATASET_IRI, str(DCTERMS.hasVersion)))

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

