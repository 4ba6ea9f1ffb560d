"""Site stage: a page for every entity, the source viewer and plots, rendered from the release.

The release is loaded into pyoxigraph and indexed once by subject and object; every page is then
drawn from that index by properties, not by kind, so a new property or fact shows without code
changes. Each fact links to its evidence page: the source text with the quoted span
(``oa:TextPositionSelector``, Unicode code points) highlighted. Pages are Jinja2 templates with
autoescape; links are relative, so the folder works from ``file://`` and from any web server.
``respond`` answers the same pages over HTTP, with content negotiation for the IRIs.

One module per page kind over a small shared core (``core``): ``entity``, ``evidence``,
``source``, ``overview``, ``plots``, ``rdf``; ``build`` writes and serves them.
"""

from __future__ import annotations

import re
from pathlib import Path

from hcc_kg.web.site.build import build_site, css, make_responder
from hcc_kg.web.site.core import FORMATS, RESOURCE, Core, Row, Value, environment, slug_of
from hcc_kg.web.site.entity import EntityPages
from hcc_kg.web.site.evidence import EvidencePages
from hcc_kg.web.site.overview import OverviewPages
from hcc_kg.web.site.rdf import RdfViews
from hcc_kg.web.site.results import ResultPages
from hcc_kg.web.site.source import Block, SourcePages, SourceText

__all__ = ["Block", "Row", "Site", "SourceText", "Value", "build_site", "css", "environment", "make_responder",
           "slug_of"]


class Site(EntityPages, ResultPages, EvidencePages, SourcePages, OverviewPages, RdfViews, Core):
    """The release, indexed for drawing pages (one instance renders every page)."""

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

