"""Serve stage: a read-only SPARQL 1.1 endpoint (waitress + werkzeug in front, a pool of
in-memory pyoxigraph engines behind).

Every query goes to an engine process of hcc_kg.engine.Pool, which runs the guard itself (as the
engines of the CLI and the Python API do), has no network access (hcc_kg.sandbox), stops a query
at the time limit and survives whatever the query does to its engine. waitress reads requests
before a thread takes them, so slow or trickling clients hold no thread; it refuses a malformed
Content-Length and bodies over the cap, and closes idle connections. The whole result is computed
and capped before the status line is sent, so an error is always a 4xx/5xx with a reason, never a
200 with a cut body.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
from functools import cache
from pathlib import Path

from hcc_kg.constants import (
    ENGINE_MEMORY_MB,
    ENGINE_WORKERS,
    QUERIES,
    QUERY_TIMEOUT,
    RELEASE,
    RELEASE_NQ,
    ROOT,
)
from hcc_kg.errors import HccKgError
from hcc_kg.guard import MAX_QUERY, RefusedQuery
from hcc_kg.release import checked

MAX_BODY = 4 * MAX_QUERY  # a form-encoded query may take three bytes per character
STATIC = ROOT / "hcc_kg" / "static"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def _plain(status: int, text: str):
    from werkzeug.wrappers import Response

    return Response(text.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")


def query_text(request) -> tuple[str, tuple[list[str], list[str]] | None]:
    """The query of a SPARQL 1.1 Protocol request (GET, POST form, POST sparql-query) and the
    dataset it names with default-graph-uri / named-graph-uri (in the URL, or in a POST form), or
    None when it names none; a refused or malformed request is a RefusedQuery with its reason."""
    if request.method in ("GET", "HEAD"):
        fields = request.args
    elif request.mimetype == "application/sparql-query":
        try:
            return request.get_data(as_text=False).decode("utf-8"), dataset_of(request.args)
        except UnicodeDecodeError:
            raise RefusedQuery("the query body is not UTF-8") from None
    elif request.mimetype == "application/x-www-form-urlencoded":
        fields = request.form
    else:
        raise RefusedQuery(f"unsupported Content-Type {request.mimetype!r}: send application/sparql-query "
                           "or a form (application/x-www-form-urlencoded)")
    if "update" in fields or "update" in request.args:
        raise RefusedQuery("updates are refused: the graph is read-only")
    text = fields.get("query")
    if text is None:
        raise RefusedQuery("no query: give the SPARQL text as the 'query' parameter")
    return text, dataset_of(request.args, *([fields] if fields is not request.args else []))


def dataset_of(*sources) -> tuple[list[str], list[str]] | None:
    """The protocol's (default-graph-uri, named-graph-uri) lists from the request's parameters, or
    None when neither is given (then the query's own FROM, else the union of the stored graphs).
    The engine checks each IRI against the stored graphs."""
    default = [iri for fields in sources for iri in fields.getlist("default-graph-uri")]
    named = [iri for fields in sources for iri in fields.getlist("named-graph-uri")]
    return (default, named) if default or named else None


def make_app(answer, host: str, allowed_hosts: tuple[str, ...] = (), cors: bool = False, site=None):
    """The WSGI application: /query to ``answer(text, accept, dataset)`` (the engine pool, whose
    engines run the guard themselves), the query page, and the site's pages when ``site``
    (``respond(path, accept)``) is given."""
    from werkzeug.wrappers import Request, Response

    loopback = _is_loopback(host)
    allowed = LOOPBACK_NAMES | set(allowed_hosts)

    def route(request: Request):
        if loopback and (request.host.rsplit(":", 1)[0].strip("[]") if request.host else "") not in allowed:
            return _plain(403, f"Host {request.host!r} is not this server's name (a loopback endpoint answers "
                               "only localhost, 127.0.0.1 and [::1]: this stops DNS rebinding; see --allow-host)")
        path = request.path
        if path in ("/update", "/store") or path.startswith("/store/"):
            return _plain(403, "the graph is read-only: updates are refused")
        if path == "/query":
            if request.method not in ("GET", "HEAD", "POST"):
                return _plain(405, f"{request.method} is not a SPARQL query method: use GET or POST")
            try:
                text, dataset = query_text(request)
            except RefusedQuery as err:
                return _plain(400, str(err))
            status, media, body = answer(text, request.headers.get("Accept"), dataset)
            return Response(body, status=status, content_type=media)
        if path in ("/", "/index.html"):
            return Response(query_page(), content_type="text/html; charset=utf-8")
        if path.startswith("/static/") and request.method in ("GET", "HEAD"):
            return _static(path.removeprefix("/static/"))
        if site is not None:
            found = site(path, request.headers.get("Accept"))
            if found is not None:
                status, media, body = found
                return Response(body, status=status, content_type=media, headers={"Vary": "Accept"})
        return _plain(404, f"no such page: {path}")

    @Request.application
    def app(request: Request):
        try:
            response = route(request)
        except Exception as err:  # noqa: BLE001 - one line, never a traceback, for any request
            print(f"error: {request.method} {request.path}: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
            response = _plain(500, "internal error (reported in the server's log)")
        if cors:
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return app


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def _static(name: str):
    from werkzeug.utils import safe_join
    from werkzeug.wrappers import Response

    path = safe_join(str(STATIC), name)
    if path is None or not Path(path).is_file():
        return _plain(404, f"no such file: /static/{name}")
    media = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}.get(Path(path).suffix,
                                                                                  "application/octet-stream")
    return Response(Path(path).read_bytes(), content_type=media + "; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


@cache
def query_page() -> str:
    """The query page: YASGUI (bundled, offline) on /query, opening on a query with the hcc-kg
    prefixes, and one more tab per canned query (rendered once per server)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from hcc_kg.constants import HCC, KINDS, RESOURCE
    from hcc_kg.store import catalogue

    prefixes = {"hcc": HCC, "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                "skos": "http://www.w3.org/2004/02/skos/core#", "xsd": "http://www.w3.org/2001/XMLSchema#",
                "prov": "http://www.w3.org/ns/prov#", "oa": "http://www.w3.org/ns/oa#",
                **{kind: f"{RESOURCE}{kind}/" for kind in KINDS}}
    start = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items()) + (
        "\n# Labels are English-tagged: match with STR(?label) = \"CARES-310\" or \"CARES-310\"@en.\n"
        "SELECT ?drug (STR(?label) AS ?name) WHERE { ?drug a hcc:Drug ; rdfs:label ?label }\nORDER BY ?name\n")
    tabs = [{"name": q.name, "query": q.text} for q in catalogue(QUERIES).values()]
    env = Environment(loader=FileSystemLoader(STATIC), autoescape=select_autoescape(["html"]))
    return env.get_template("query.html").render(tabs=tabs, start=start)


def _stop(*_: object) -> None:
    """SIGTERM stops the server like Ctrl-C."""
    raise KeyboardInterrupt


def serve(host: str = "127.0.0.1", port: int = 7878, release: Path = RELEASE, timeout: float = QUERY_TIMEOUT,
          cors: bool = False, workers: int = ENGINE_WORKERS, memory_mb: int = ENGINE_MEMORY_MB,
          allowed_hosts: tuple[str, ...] = (), ready=None) -> None:
    """Run the guarded endpoint until stopped (SIGINT or SIGTERM)."""
    from waitress import create_server

    from hcc_kg.engine import Pool, protection

    path = checked(RELEASE_NQ, release)
    if not _is_loopback(host):
        print(f"warning: binding to {host}: the endpoint is reachable from other machines; put it behind a "
              "reverse proxy", file=sys.stderr)
    from hcc_kg.site import make_responder

    site = make_responder(release)  # the release's pages and IRIs; indexed on the first request
    engines: list = []  # the pool, started once the port is ours
    app = make_app(lambda text, accept, dataset: engines[0].answer(text, accept, dataset), host, allowed_hosts,
                   cors, site)
    try:
        server = create_server(app, host=host, port=port, threads=max(8, 2 * workers), connection_limit=200,
                               channel_timeout=30, max_request_body_size=MAX_BODY,
                               max_request_header_size=MAX_BODY, ident="hcc-kg", asyncore_use_poll=True)
    except (OSError, ValueError) as err:
        raise HccKgError(f"cannot listen on {host}:{port}: {getattr(err, 'strerror', None) or err}") from None
    try:
        engines.append(Pool(path, size=workers, timeout=timeout, memory_mb=memory_mb))
        signal.signal(signal.SIGTERM, _stop)
        url = f"http://{host}:{server.effective_port}"
        print(f"SPARQL endpoint: {url}/query (query page: {url}/); Ctrl-C to stop", flush=True)
        print(f"queries run in {workers} engine processes with {protection(engines[0].refused)}", flush=True)
        if ready is not None:
            ready(url)
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        for pool in engines:
            pool.close()
