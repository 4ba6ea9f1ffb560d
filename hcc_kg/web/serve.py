"""Serve stage: a read-only SPARQL 1.1 endpoint (waitress + werkzeug in front, a pool of
in-memory pyoxigraph engines behind).

Every query goes to an engine process of hcc_kg.answer.pool.Pool, which runs the guard itself (as the
engines of the CLI and the Python API do), has no network access (hcc_kg.answer.sandbox), stops a query
at the time limit or when its client disconnects, and survives whatever the query does to its
engine; hcc_kg.web.admission decides which query gets an engine and when (the fairness policy). waitress reads requests before a thread takes them, so slow or trickling
clients hold no thread; it refuses a malformed Content-Length and bodies over the cap; a request
not received whole within the read deadline is dropped (make_server). The whole result is
computed and capped before the status line is sent, so an error is always a 4xx/5xx with a
reason, never a 200 with a cut body. Which status a refusal gets is decided in status_of alone.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
import time
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl

from hcc_kg.answer.guard import MAX_QUERY, QueryTooLarge, RefusedQuery
from hcc_kg.constants import (
    ENGINE_MEMORY_MB,
    ENGINE_WORKERS,
    PER_CLIENT,
    QUERIES,
    QUERY_TIMEOUT,
    READ_TIMEOUT,
    RELEASE,
    RELEASE_NQ,
    RESERVED_ENGINES,
    STATIC,
)
from hcc_kg.errors import HccKgError
from hcc_kg.receipt import checked

MAX_BODY = 4 * MAX_QUERY  # a form-encoded query may take three bytes per character
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css"}  # what /static/ serves (not the page template)
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
PAGE_METHODS = ("GET", "HEAD")
QUERY_METHODS = ("GET", "HEAD", "POST")
GENERAL_NICE = 10  # the general engines yield the CPU to the server and to the reserved engines


def status_of(err: BaseException) -> int:
    """The HTTP status of a query that was not answered: the one place that decides it."""
    from hcc_kg.answer.engine import EngineStopped, QueryTimedOut
    from hcc_kg.answer.pool import ClientGone, EnginesBusy
    from hcc_kg.web.admission import TooManyQueries

    status = {QueryTooLarge: 413, RefusedQuery: 400, TooManyQueries: 429, EnginesBusy: 503, ClientGone: 503,
              QueryTimedOut: 504, EngineStopped: 500}
    return next((status[kind] for kind in type(err).__mro__ if kind in status), 500)


def _plain(status: int, text: str):
    from werkzeug.wrappers import Response

    return Response(text.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")


def _fields(raw: bytes, where: str):
    """The parameters of a query string or form body, decoded strictly: a byte that is not UTF-8
    (raw or %-escaped) is refused, never replaced."""
    from werkzeug.datastructures import MultiDict

    try:
        return MultiDict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise RefusedQuery(f"the {where} is not UTF-8 (after %-decoding)") from None


def query_text(request) -> tuple[str, tuple[list[str], list[str]] | None]:
    """The query of a SPARQL 1.1 Protocol request (GET, POST form, POST sparql-query) and the
    dataset it names with default-graph-uri / named-graph-uri (in the URL, or in a POST form), or
    None when it names none; a refused or malformed request is a RefusedQuery with its reason."""
    args = _fields(request.query_string, "query string")
    if request.method in ("GET", "HEAD"):
        fields = args
    elif request.mimetype == "application/sparql-query":
        if "query" in args:
            raise RefusedQuery("give exactly one 'query': in the body or in the URL, not both")
        try:
            return request.get_data(as_text=False).decode("utf-8"), dataset_of(args)
        except UnicodeDecodeError:
            raise RefusedQuery("the query body is not UTF-8") from None
    elif request.mimetype == "application/x-www-form-urlencoded":
        fields = _fields(request.get_data(as_text=False), "form body")
        fields.update(args)  # MultiDict.update adds: a query in the URL and one in the body are two
    else:
        raise RefusedQuery(f"unsupported Content-Type {request.mimetype!r}: send application/sparql-query "
                           "or a form (application/x-www-form-urlencoded)")
    if "update" in fields or "update" in args:
        raise RefusedQuery("updates are refused: the graph is read-only")
    texts = fields.getlist("query")
    if not texts:
        raise RefusedQuery("no query: give the SPARQL text as the 'query' parameter")
    if len(texts) > 1:
        raise RefusedQuery(f"{len(texts)} 'query' parameters: give exactly one 'query'")
    return texts[0], dataset_of(fields)


def dataset_of(fields) -> tuple[list[str], list[str]] | None:
    """The protocol's (default-graph-uri, named-graph-uri) lists from the request's parameters, or
    None when neither is given (then the query's own FROM, else the union of the stored graphs).
    The engine checks each IRI against the stored graphs."""
    default, named = fields.getlist("default-graph-uri"), fields.getlist("named-graph-uri")
    return (default, named) if default or named else None


def _cross_site(request) -> bool:
    """Whether a browser sent this request for a page of another site (a foreign ``Origin``, or
    ``Sec-Fetch-Site`` saying so): on loopback such a page must not use this endpoint."""
    from urllib.parse import urlsplit

    if request.headers.get("Sec-Fetch-Site", "").lower() in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("Origin")  # its scheme is not compared: a TLS proxy may stand in front
    return origin is not None and urlsplit(origin.strip()).netloc.lower() != (request.host or "").lower()


def _name(host: str | None) -> str:
    """A Host header's name, without port, brackets, case or a final dot."""
    name = host or ""
    name = name[1:].split("]", 1)[0] if name.startswith("[") else name.rsplit(":", 1)[0]
    return name.rstrip(".").lower()


def make_app(answer, host: str, allowed_hosts: tuple[str, ...] = (), cors: bool = False, site=None):
    """The WSGI application: /query to ``answer(text, accept, dataset, client, cancelled)`` (the
    admission policy over the engine pools, whose engines run the guard themselves), the query
    page, and the site's pages when ``site`` (``respond(path, accept)``) is given. Pages and static
    files never touch an engine."""
    from werkzeug.wrappers import Request, Response

    from hcc_kg.web.admission import client_of

    loopback = _is_loopback(host)
    allowed = LOOPBACK_NAMES | {_name(h) for h in allowed_hosts}

    def refused(err: BaseException):
        response = _plain(status_of(err), str(err))
        if response.status_code in (429, 503):
            response.headers["Retry-After"] = "5"
        return response

    def route(request: Request):
        if loopback and _name(request.host) not in allowed:
            return _plain(403, f"Host {request.host!r} is not this server's name (a loopback endpoint answers "
                               "only localhost, 127.0.0.1 and [::1]: this stops DNS rebinding; see --allow-host)")
        path = request.path
        if path in ("/update", "/store") or path.startswith("/store/"):
            return _plain(403, "the graph is read-only: updates are refused")
        methods = QUERY_METHODS if path == "/query" else PAGE_METHODS
        if request.method not in methods:
            response = _plain(405, f"{request.method} is not a method of {path}: use {', '.join(methods)}")
            response.headers["Allow"] = ", ".join(methods)
            return response
        if path == "/query":
            if loopback and not cors and request.method == "POST" and _cross_site(request):
                return _plain(403, "a query posted from another site's page is refused on loopback "
                                   "(start the server with --cors to allow it)")
            try:
                text, dataset = query_text(request)
                media, body = answer(text, request.headers.get("Accept"), dataset, client_of(request.remote_addr),
                                     request.environ.get("waitress.client_disconnected"))
            except HccKgError as err:
                return refused(err)
            return Response(body, content_type=media)
        if path in ("/", "/index.html"):
            return Response(query_page(), content_type="text/html; charset=utf-8")
        if path.startswith("/static/"):
            return _static(path.removeprefix("/static/"))
        if site is not None:
            found = site(request.full_path, request.headers.get("Accept"))  # with the query string: a form's parameters
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
    if path is None or not Path(path).is_file() or Path(path).suffix not in STATIC_TYPES:
        return _plain(404, f"no such file: /static/{name}")
    media = STATIC_TYPES[Path(path).suffix]
    return Response(Path(path).read_bytes(), content_type=media + "; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


@cache
def query_page() -> str:
    """The query page: YASGUI (bundled, offline) on /query, opening on a query with the hcc-kg
    prefixes, and a form per canned query that opens it, parameters bound, in a tab of its own
    (rendered once per server)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from hcc_kg.answer.catalogue import catalogue
    from hcc_kg.constants import HCC, KINDS, RESOURCE

    prefixes = {"hcc": HCC, "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                "skos": "http://www.w3.org/2004/02/skos/core#", "xsd": "http://www.w3.org/2001/XMLSchema#",
                "prov": "http://www.w3.org/ns/prov#", "oa": "http://www.w3.org/ns/oa#",
                **{kind: f"{RESOURCE}{kind}/" for kind in KINDS}}
    start = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items()) + (
        "\n# Labels are English-tagged: match with STR(?label) = \"CARES-310\" or \"CARES-310\"@en.\n"
        "SELECT ?drug (STR(?label) AS ?name) WHERE { ?drug a hcc:Drug ; rdfs:label ?label }\nORDER BY ?name\n")
    forms = [{"name": q.name, "title": q.title, "question": q.question,
              "params": [vars(p) for p in q.params.values()]} for q in catalogue(QUERIES).values()]
    env = Environment(loader=FileSystemLoader(STATIC), autoescape=select_autoescape(["html"]))
    return env.get_template("query.html").render(forms=forms, start=start)


def _stop(*_: object) -> None:
    """SIGTERM stops the server like Ctrl-C."""
    raise KeyboardInterrupt


def make_server(app, host: str, port: int, threads: int, read_timeout: float, connection_limit: int):
    """waitress on one address, with a read deadline: a request (headers and body) must arrive whole
    within ``read_timeout`` seconds of its first byte, and an idle connection is closed after as
    long. Stock waitress closes only a connection that sends nothing for ``channel_timeout``, so a
    socket that trickles a header line every few seconds held a connection slot forever."""
    from waitress.adjustments import Adjustments
    from waitress.channel import HTTPChannel
    from waitress.server import TcpWSGIServer
    from waitress.task import ThreadedTaskDispatcher

    class Channel(HTTPChannel):
        reading_since: float | None = None  # when the first byte of the request being read arrived

        def received(self, data):
            if data and self.request is None:
                self.reading_since = time.time()
            try:
                return super().received(data)
            finally:
                if self.request is None:
                    self.reading_since = None

    class Server(TcpWSGIServer):
        channel_class = Channel

        def maintenance(self, now):
            super().maintenance(now)
            for channel in list(self.active_channels.values()):
                since = getattr(channel, "reading_since", None)
                if since is not None and not channel.requests and now - since > read_timeout:
                    channel.will_close = True

    adj = Adjustments(host=host, port=port, threads=threads, connection_limit=connection_limit,
                      channel_timeout=read_timeout, cleanup_interval=1, channel_request_lookahead=1,
                      max_request_body_size=MAX_BODY, max_request_header_size=MAX_BODY, ident="hcc-kg",
                      asyncore_use_poll=True)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    return Server(app, {}, dispatcher=dispatcher, adj=adj, sockinfo=adj.listen[0])


def _enough_files(connections: int) -> None:
    """Raise the soft limit on open files to hold ``connections`` sockets and the engines' pipes."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = connections + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))


def serve(host: str = "127.0.0.1", port: int = 7878, release: Path = RELEASE, timeout: float = QUERY_TIMEOUT,
          cors: bool = False, workers: int = ENGINE_WORKERS, memory_mb: int = ENGINE_MEMORY_MB,
          allowed_hosts: tuple[str, ...] = (), per_client: int = PER_CLIENT, reserve: int = RESERVED_ENGINES,
          read_timeout: float = READ_TIMEOUT, connection_limit: int = 1000, ready=None) -> None:
    """Run the guarded endpoint until stopped (SIGINT or SIGTERM)."""
    from hcc_kg.answer.pool import Pool, protection
    from hcc_kg.web.admission import QUICK, Admission

    path = checked(RELEASE_NQ, release)
    if not _is_loopback(host):
        print(f"warning: binding to {host}: the endpoint is reachable from other machines; put it behind a "
              "reverse proxy", file=sys.stderr)
    from hcc_kg.web.site import make_responder

    site = make_responder(release)  # the release's pages and IRIs; indexed on the first request
    admission: list = []  # the engine pools, started once the port is ours
    waiting = 8 * workers  # queries in the server at once; 8 more threads are kept for pages
    app = make_app(lambda *query: admission[0].answer(*query), host, allowed_hosts, cors, site)
    _enough_files(connection_limit)
    try:
        server = make_server(app, host, port, waiting + 8, read_timeout, connection_limit)
    except (OSError, ValueError) as err:
        raise HccKgError(f"cannot listen on {host}:{port}: {getattr(err, 'strerror', None) or err}") from None
    pools = []
    try:
        pools.append(Pool(path, size=workers, timeout=timeout, memory_mb=memory_mb, nice=GENERAL_NICE))
        if reserve:
            pools.append(Pool(path, size=reserve, timeout=min(QUICK, timeout), memory_mb=memory_mb))
        admission.append(Admission(pools[0], pools[1] if reserve else None, per_client=per_client, waiting=waiting))
        signal.signal(signal.SIGTERM, _stop)
        url = f"http://{host}:{server.effective_port}"
        print(f"SPARQL endpoint: {url}/query (query page: {url}/); Ctrl-C to stop", flush=True)
        kept = f" (and {reserve} kept for quick queries)" if reserve else ""
        print(f"queries run in {workers} engine processes{kept} with {protection(pools[0].refused)}", flush=True)
        if ready is not None:
            ready(url)
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        for pool in pools:
            pool.close()
