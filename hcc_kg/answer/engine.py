"""Engine: runs a guarded query on an in-memory pyoxigraph store, in this process (CLI, Python
API) or in a pool of worker processes (``hcc-kg serve``).

Every path calls :func:`hcc_kg.answer.guard.check_query` first and then :func:`on_big_stack`: Oxigraph's
parser and evaluator recurse, and a query nested a few thousand levels deep (well under the 64 KiB
cap) overflows an ordinary 8 MiB stack and kills the process; on a 256 MiB stack (reserved, not
used) the largest query the guard admits runs.

A query in the pool can be stopped only by ending its process (pyoxigraph has no cancellation),
so each worker holds the whole release in memory, runs one query at a time under an address-space
limit, and is killed and replaced when a query runs past its time; a worker that dies (out of
memory, a crash) is replaced too, and each replacement is reported on stderr.
"""

from __future__ import annotations

import io
import queue
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from hcc_kg.answer.guard import RefusedQuery
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


class EnginesBusy(HccKgError):
    """No engine became free for the query in time (or too many queries wait)."""


class QueryTimedOut(HccKgError):
    """The query ran past its time limit; its engine was stopped."""


class EngineStopped(HccKgError):
    """The engine process died while it ran the query (its memory limit, a crash, a kill)."""


class ClientGone(HccKgError):
    """The client disconnected; its query was stopped and nobody is left to answer."""


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


def answer(store, text: str, accept: str | None = None) -> tuple[str, bytes]:
    """Run a guarded query and serialise its results as the client asked: (media type, body).
    A query the engine will not run raises :func:`explain`'s one-line error."""
    import pyoxigraph as ox

    def run() -> tuple[str, bytes]:
        result = store.query(text, use_default_graph_as_union=True)
        graph = not isinstance(result, (ox.QueryBoolean, ox.QuerySolutions))
        types = GRAPH_TYPES if graph else RESULT_TYPES
        media = negotiate(accept, list(types)) or next(iter(types))  # a query answers in some format
        fmt = getattr(ox.RdfFormat if graph else ox.QueryResultsFormat, types[media])
        sink = _Capped()
        result.serialize(sink, fmt)
        return media, b"".join(sink.parts)

    try:
        media, body = on_big_stack(run)
    except Exception as err:  # noqa: BLE001 - every failure is one line, never a traceback
        raise explain(err, text) from None
    return media + ("; charset=utf-8" if media.startswith("text/") else ""), body


def _worker(conn, release_nq: str, memory_mb: int, nice: int = 0) -> None:
    """A pool worker: the release in memory, one query at a time, under an address-space limit,
    ``nice`` steps below the server in CPU priority."""
    import os
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.nice(nice)
    from hcc_kg.answer.store import store_of

    store = store_of(Path(release_nq).read_text(encoding="utf-8"))
    conn.send("ready")
    while True:
        try:
            text, accept = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", answer(store, text, accept)))
        except HccKgError as err:
            conn.send(("error", err))


@dataclass(eq=False)
class _Worker:
    process: object
    conn: object


class Pool:
    """``size`` worker processes, each with the release in memory. A query waits at most
    ``timeout`` seconds for a free worker and at most ``timeout`` seconds to run; past that its
    worker is killed and replaced. ``nice`` lowers the workers' CPU priority (the server's
    general engines run below its reserved ones, so a cheap query there gets the CPU)."""

    def __init__(self, release_nq: Path, size: int = 4, timeout: float = 30, memory_mb: int = 2048,
                 log=None, nice: int = 0) -> None:
        import multiprocessing

        self.release_nq, self.size, self.timeout, self.memory_mb = str(release_nq), size, timeout, memory_mb
        self.nice = nice
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.context = multiprocessing.get_context("spawn")
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.workers: set[_Worker] = set()
        self.lock = threading.Lock()
        self.closed = False
        workers = [self._start() for _ in range(size)]
        for worker in workers:
            self._ready(worker)
            self.idle.put(worker)
        threading.Thread(target=self._supervise, name="hcc-kg-supervisor", daemon=True).start()

    def _supervise(self) -> None:
        """Replace an engine as soon as its process dies, busy or idle, and report it."""
        from multiprocessing.connection import wait

        while not self.closed:
            watched = {w.process.sentinel: w for w in list(self.workers)}
            for sentinel in wait(list(watched), timeout=1):
                worker = watched[sentinel]
                self._replace(worker, f"died (exit code {worker.process.exitcode})")

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker, args=(child, self.release_nq, self.memory_mb, self.nice),
                                       name="hcc-kg-engine", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self.workers.add(worker)
        return worker

    def _ready(self, worker: _Worker) -> None:
        if not worker.conn.poll(120) or worker.conn.recv() != "ready":
            raise HccKgError(f"an engine process did not start (exit code {worker.process.exitcode})")

    def _replace(self, worker: _Worker, why: str) -> None:
        """Kill a worker and start its successor in the background (the caller answers at once).
        Called by the query that saw it fail and by the supervisor: the first call wins."""
        with self.lock:
            if worker not in self.workers:
                return
            self.workers.discard(worker)
        worker.process.kill()
        worker.process.join(5)
        self.log(f"engine process {worker.process.pid} {why}; starting a new one")

        def restart() -> None:
            while not self.closed:
                try:
                    new = self._start()
                    self._ready(new)
                except (HccKgError, OSError, EOFError) as err:
                    self.log(f"error: an engine process could not be restarted: {err}; retrying")
                    threading.Event().wait(1)
                    continue
                if self.closed:
                    new.process.kill()
                else:
                    self.idle.put(new)
                return

        threading.Thread(target=restart, daemon=True).start()

    def take(self, wait: float) -> _Worker | None:
        """A free, live engine, waiting at most ``wait`` seconds; None if none became free."""
        import time

        deadline = time.monotonic() + wait
        while True:
            try:
                worker = self.idle.get(timeout=max(0.0, deadline - time.monotonic())) if wait else self.idle.get_nowait()
            except queue.Empty:
                return None
            if worker in self.workers and worker.process.is_alive():
                return worker
            self._replace(worker, f"died (exit code {worker.process.exitcode})")  # if not replaced yet

    def run(self, worker: _Worker, text: str, accept: str | None = None, cancelled=None) -> tuple[str, bytes]:
        """Run one guarded query on a taken engine: (media type, body), or one of this module's
        errors. ``cancelled()`` is asked every 0.1 s: when it says the client has gone, the engine
        is stopped (a query cannot be cancelled otherwise) and ClientGone is raised."""
        import time

        deadline = time.monotonic() + self.timeout
        try:
            worker.conn.send((text, accept))
            while not worker.conn.poll(max(0.0, min(0.1, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    self._replace(worker, f"ran a query past {self.timeout:g} s and was stopped")
                    raise QueryTimedOut(f"the query did not finish within {self.timeout:g} s and was stopped")
                if cancelled is not None and cancelled():
                    self._replace(worker, "was stopped: its client disconnected")
                    raise ClientGone("the client disconnected")
            kind, result = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(1)
            code = worker.process.exitcode
            self._replace(worker, f"died while running a query (exit code {code})")
            raise EngineStopped(f"the query stopped the engine (exit code {code}; the memory limit is "
                                f"{self.memory_mb} MiB per engine); it was restarted") from None
        self.idle.put(worker)
        if kind == "error":
            raise result
        return result

    def answer(self, text: str, accept: str | None = None, cancelled=None) -> tuple[str, bytes]:
        """(media type, body) for one guarded query, waiting at most ``timeout`` for an engine."""
        worker = self.take(self.timeout)
        if worker is None:
            raise EnginesBusy(f"all {self.size} query engines are busy; try again shortly")
        return self.run(worker, text, accept, cancelled)

    def close(self) -> None:
        self.closed = True
        for worker in list(self.workers):
            worker.process.kill()
            worker.process.join(5)
