"""Execute: what runs inside an engine process (:mod:`hcc_kg.answer.engine` starts it).

An engine process is started with a socketpair to its parent (:func:`child`); then, before it
reads the release or any query, it installs the network filter (:mod:`hcc_kg.answer.sandbox`: a
query that tries to open a network connection ends the engine, and the parent reports a refused
SERVICE) and an address-space limit. The engine itself calls the guard
(:func:`hcc_kg.answer.guard.check_query`: the size cap, and the word ban only where the filter
cannot be installed), so no route can skip it, and runs each query on a 256 MiB stack
(:func:`on_big_stack`: Oxigraph's parser and evaluator recurse, and a query nested a few thousand
levels deep overflows an ordinary 8 MiB stack).

Two kinds of request: ``http`` (:func:`answer`: a query text serialised as the client asked, for
the server's pool) and ``run`` (:func:`job`: a canned query or a text for the CLI and the Python
API, rendered here). Replies are plain data (tuples, lists, strings, bytes, numbers), failures a
kind named in :data:`FAILURES` and one line.
"""

from __future__ import annotations

import io
import pickle
import re
import threading
from pathlib import Path

from hcc_kg.answer import sandbox
from hcc_kg.answer.guard import QueryTooLarge, RefusedQuery, check_query
from hcc_kg.errors import HccKgError

STACK = 256 * 1024 * 1024
MAX_RESPONSE = 64 * 1024 * 1024  # bytes of serialised results

RESULT_TYPES = {  # SELECT and ASK
    "application/sparql-results+json": "JSON", "application/json": "JSON",
    "application/sparql-results+xml": "XML", "application/xml": "XML",
    "text/csv": "CSV", "text/tab-separated-values": "TSV",
}
GRAPH_TYPES = {  # CONSTRUCT and DESCRIBE
    "text/turtle": "TURTLE", "application/n-triples": "N_TRIPLES", "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON_LD", "application/n-quads": "N_QUADS", "application/trig": "TRIG",
}
_UPDATE = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b", re.IGNORECASE)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)

_STACK_SIZE = threading.Lock()  # threading.stack_size is process-wide: set, start, restore


def on_big_stack(fn):
    """``fn()`` on a thread with a 256 MiB stack; its result, or its exception re-raised."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            outcome["error"] = err

    with _STACK_SIZE:
        previous = threading.stack_size(STACK)
        try:
            thread = threading.Thread(target=target, name="hcc-kg-query", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def explain(err: BaseException, text: str, name: str = "query") -> HccKgError:
    """One clear line for a query the engine would not run."""
    if isinstance(err, SyntaxError):
        if _UPDATE.search(text) and not _FORM.search(text):
            return RefusedQuery(f"{name}: updates (INSERT, DELETE, LOAD, CLEAR, ...) are refused: the graph is read-only")
        m = _POSITION.match(str(err))
        where = f" at line {m[1]}, column {m[2]}: {m[3]}" if m else f": {err}"
        return RefusedQuery(f"{name}: SPARQL syntax error{where}")
    if isinstance(err, OverflowError):
        return RefusedQuery(f"{name}: the results are over {MAX_RESPONSE // 2**20} MiB; narrow the query or add a LIMIT")
    if isinstance(err, RuntimeError):  # the query cannot be evaluated (an unknown function, ...): the client's
        return RefusedQuery(f"{name}: the query cannot be evaluated: {str(err).splitlines()[0] if str(err) else type(err).__name__}")
    return HccKgError(f"{name}: the query failed: {str(err).splitlines()[0] if str(err) else type(err).__name__}")


class _Capped(io.RawIOBase):
    """A byte sink that refuses to grow past MAX_RESPONSE (the serialiser stops with it)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > MAX_RESPONSE:
            raise OverflowError("response cap")
        self.parts.append(bytes(data))
        return len(data)


def negotiate(accept: str | None, offers: list[str]) -> str | None:
    """The offered media type the Accept header prefers: the first offered when there is no header,
    None when it accepts none of them."""
    from werkzeug.datastructures import MIMEAccept
    from werkzeug.http import parse_accept_header

    if not (accept or "").strip():
        return offers[0]
    return parse_accept_header(accept, MIMEAccept).best_match(offers)


def answer(store, text: str, accept: str | None = None, dataset: tuple[list, list] | None = None,
           graphs: frozenset[str] = frozenset()) -> tuple[str, str, bytes | None]:
    """Run a query after the guard and serialise its results as the client asked: ("ok", media
    type, body), or (kind, one line, None) where kind names the error (:data:`FAILURES`) the
    parent raises. ``dataset`` is the protocol's (default-graph-uri, named-graph-uri) lists, each
    IRI one of ``graphs`` (the stored graphs)."""
    import pyoxigraph as ox

    from hcc_kg.answer.store import dataset_options

    def run() -> tuple[str, bytes]:
        result = store.query(text, **dataset_options(store, *(dataset or (None, None))))
        graph = not isinstance(result, (ox.QueryBoolean, ox.QuerySolutions))
        types = GRAPH_TYPES if graph else RESULT_TYPES
        media = negotiate(accept, list(types)) or next(iter(types))  # a query answers in some format
        fmt = getattr(ox.RdfFormat if graph else ox.QueryResultsFormat, types[media])
        sink = _Capped()
        result.serialize(sink, fmt)
        return media, b"".join(sink.parts)

    try:
        check_query(text)
        for param, iris in zip(("default-graph-uri", "named-graph-uri"), dataset or ((), ()), strict=True):
            for iri in iris:
                if iri not in graphs:
                    raise RefusedQuery(f"{param} <{iri}> is not a graph of this endpoint; its graphs are "
                                       + ", ".join(f"<{g}>" for g in sorted(graphs)))
        media, body = on_big_stack(run)
    except Exception as err:  # noqa: BLE001 - every failure is one line, never a traceback
        problem = err if isinstance(err, HccKgError) else explain(err, text)
        return _kind(problem), str(problem), None
    return "ok", media + ("; charset=utf-8" if media.startswith("text/") else ""), body


#: the errors an engine reports by name (its replies are plain data), most specific first
FAILURES = {"too-large": QueryTooLarge, "refused": RefusedQuery, "error": HccKgError}


def _kind(err: HccKgError) -> str:
    return next(kind for kind, cls in FAILURES.items() if isinstance(err, cls))


def job(store, target: str, params: dict[str, str], canned: bool, fmt: str | None, width: int | None,
        name: str, allow_service: bool, full_quotes: bool = False) -> tuple:
    """A query for the CLI or the Python API: ("ok", value), or ("refused" | "error", one line).
    Without ``fmt`` the value is (columns, rows); with it, (the answer: text, or bytes for xlsx; the
    hints for a person: an unknown ontology term, what exists when nothing matched)."""
    from hcc_kg.answer import cards
    from hcc_kg.answer.catalogue import canned as canned_query
    from hcc_kg.answer.params import run_canned
    from hcc_kg.answer.render import render, to_xlsx
    from hcc_kg.answer.store import run, term_hints

    try:
        if canned and target in cards.CARDS and fmt in ("table", "xlsx"):
            answers = cards.results(target, params, store)
            if fmt == "xlsx":
                return "ok", (to_xlsx(cards.sheets(target, answers)), [])
            return "ok", (cards.render(target, answers, store, width=width, full_quotes=full_quotes), [])
        if canned:
            result, query = run_canned(target, params, store), canned_query(target)
        else:
            result, query = run(target, store, name=name, allow_service=allow_service), None
            result.hints = term_hints(target, store)
        if fmt is None:
            return "ok", (result.columns, result.rows)
        if fmt == "xlsx":
            return "ok", (to_xlsx({query.name if query else "query": result}), result.hints)
        return "ok", (render(result, fmt, store=store, query=query, width=width, full_quotes=full_quotes),
                      result.hints)
    except HccKgError as err:
        return _kind(err), str(err)
    except Exception as err:  # noqa: BLE001 - a fault of ours: one line, and the engine goes on
        return "error", f"{name}: the query failed: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


def child(argv: list[str]) -> None:
    """An engine process: ``FD RELEASE_NQ MEMORY_MB NICE [--network]``. The socketpair to the
    parent (FD) exists; the filter goes on before the release or any query is read; the process
    runs NICE steps below its parent in CPU priority; then one request at a time until the parent
    closes its end."""
    import os
    import resource
    from multiprocessing.connection import Connection

    conn = Connection(int(argv[0]))
    release_nq, memory_mb, network = argv[1], int(argv[2]), "--network" in argv[4:]
    os.nice(int(argv[3]))
    if network:
        sandbox.open_for_tests()
    refused = "this engine may use the network (--allow-service, or a test)" if network else sandbox.deny_network()
    try:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):  # an OS that does not enforce it
        pass
    from hcc_kg.answer.store import release_store

    store = release_store(Path(release_nq).read_text(encoding="utf-8"))
    graphs = frozenset(g.value for g in store.named_graphs())
    conn.send_bytes(pickle.dumps(("ready", refused)))
    while True:
        try:
            kind, *args = conn.recv()
        except (EOFError, OSError):
            return
        if kind == "http":
            reply = answer(store, *args, graphs=graphs)
        else:
            reply = job(store, *args)
        conn.send_bytes(pickle.dumps(reply))
