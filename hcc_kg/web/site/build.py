"""Writing the site to a folder (in parallel) and answering its pages over HTTP."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from hcc_kg.answer.execute import negotiate
from hcc_kg.constants import ONTOLOGY_IRI, RELEASE, RESOURCE, STATIC
from hcc_kg.errors import HccKgError
from hcc_kg.web.site.core import FORMATS, HTML

if TYPE_CHECKING:
    from hcc_kg.web.site import Site

#: the package's static files a written site carries (`hcc-kg serve` serves the whole folder)
STATIC_FILES = ("site.css", "search.js", "lunr/lunr.min.js", "lunr/LICENSE.md")


def css() -> bytes:
    """The site's one style sheet (in the package's static folder, which `hcc-kg serve` also serves)."""
    return (STATIC / "site.css").read_bytes()


def build_site(target: Path, release: Path | None = None) -> int:
    """Write every page (and each entity's RDF description as .ttl, .nt, .jsonld) under ``target``,
    written to a temporary folder and moved in last; the number of HTML pages."""
    from hcc_kg.answer.store import open_release

    target = Path(target)
    if target.exists() and not target.is_dir():
        raise HccKgError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / "static" / "site.css").is_file():
        raise HccKgError(f"{target}: a folder with other files in it; give a new or empty folder, or an earlier site "
                         "(it is replaced)")
    ancestor = next(p for p in target.parents if p.exists())
    if not ancestor.is_dir():
        raise HccKgError(f"{target}: cannot write the site: {ancestor} is not a folder")
    from hcc_kg.web.site import Site

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
        (tmp / "search-index.js").write_text(site.search_index(), encoding="utf-8")
        (tmp / "static").mkdir()
        for name in STATIC_FILES:
            (tmp / "static" / name).parent.mkdir(exist_ok=True)
            shutil.copyfile(STATIC / name, tmp / "static" / name)
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
    for name in ("texts", "spans", "prefixes", "kinds", "tables"):  # computed once, before the fork
        getattr(site, name)
    _FORKED["site"] = site
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            done = [pool.submit(_write_part, str(folder), paths[i::workers]) for i in range(workers)]
            for future in done:
                future.result()
    finally:
        _FORKED.clear()


def canned_text(name: str, query: str, store) -> tuple[int, str, bytes]:
    """A canned query's SPARQL text with its parameters bound (``query``: the URL's query string;
    a parameter not given takes its default), as a VALUES block the way the published SPARQL
    examples bind theirs; an unknown query, parameter or value is a 400 naming it."""
    from urllib.parse import parse_qsl

    from hcc_kg.answer.catalogue import canned
    from hcc_kg.answer.params import bindings
    from hcc_kg.export.examples import FORM, example_text

    try:
        found = canned(name)
        given = {k: v for k, v in parse_qsl(query, keep_blank_values=True) if v.strip()}
        text = example_text(found.text, FORM.search(found.text).start(), bindings(found, given, store))
    except HccKgError as err:
        return 400, "text/plain; charset=utf-8", f"{err}\n".encode()
    return 200, "application/sparql-query; charset=utf-8", text.encode()


def make_responder(release: Path | None = None):
    """``respond(path, accept)`` over the release: (status, content type, body), or None when the
    path is not the site's (the SPARQL endpoint and its query UI keep theirs)."""
    state: dict[str, Site] = {}
    lock = threading.Lock()

    def site() -> Site:
        with lock:  # a threaded server's first requests must not index the release twice
            if "site" not in state:
                from hcc_kg.answer.store import open_release
                from hcc_kg.web.site import Site

                state["site"] = Site(open_release(release or RELEASE))
            return state["site"]

    def not_found(what: str) -> tuple[int, str, bytes]:
        return 404, "text/plain; charset=utf-8", f"not found: {what}\n".encode()

    def respond(path: str, accept: str | None = "") -> tuple[int, str, bytes] | None:
        path, _, query = path.split("#", 1)[0].partition("?")
        accept = accept or ""
        if len(path) > 1024 or len(query) > 4096:
            return 414, "text/plain; charset=utf-8", b"path too long\n"
        m = re.fullmatch(r"/canned/([a-z0-9-]+)\.rq", path)
        if m:
            return canned_text(m[1], query, site().store)
        if path == "/static/site.css":
            return 200, "text/css; charset=utf-8", css()
        if path in ("/static/search.js", "/static/lunr/lunr.min.js"):
            return 200, "text/javascript; charset=utf-8", (STATIC / path.removeprefix("/static/")).read_bytes()
        if path == "/search-index.js":
            return 200, "text/javascript; charset=utf-8", site().search_index().encode()
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
