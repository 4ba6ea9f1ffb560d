"""Engine: every query text runs in an engine process, never in the caller's own process: a pool
of them behind ``hcc-kg serve``, and one kept per release behind ``hcc-kg query`` and
``hcc_kg.query`` (started on the first query, reused by the next, ended with the caller).

An engine process is started with a socketpair to its parent; then, before it reads the release
or any query, it installs the network filter (:mod:`hcc_kg.answer.sandbox`: a query that tries to open
a network connection ends the engine, and the parent reports a refused SERVICE) and an
address-space limit. The engine itself calls the guard (:func:`hcc_kg.answer.guard.check_query`: the
size cap, and the word ban only where the filter cannot be installed), so no route can skip it,
and runs each query on a 256 MiB stack (:func:`on_big_stack`: Oxigraph's parser and evaluator
recurse, and a query nested a few thousand levels deep overflows an ordinary 8 MiB stack).

pyoxigraph has no cancellation, so a deadline is kept by ending the process: past its time (the
default is ``constants.QUERY_TIMEOUT``) a query's engine is killed and the caller gets one line.
A pool engine that dies (the filter, its memory limit, a kill from outside) is replaced in the
background and the replacement reported on stderr; the pool never holds more than its size. A
query whose client has gone is stopped the same way (``Pool.run``'s ``cancelled``).

Failures reach the caller as exceptions (RefusedQuery, QueryTooLarge, EnginesBusy, QueryTimedOut,
EngineStopped, ClientGone); ``hcc_kg.web.serve.status_of`` alone decides their HTTP statuses.

The engine's answers reach the parent as plain data (tuples, lists, strings, bytes, numbers):
the parent unpickles them with no classes allowed, so even an engine that misbehaved could not
make the parent run code.
"""

from __future__ import annotations

import io
import pickle
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from hcc_kg.answer import sandbox
from hcc_kg.answer.guard import REFUSED, QueryTooLarge, RefusedQuery, check_query
from hcc_kg.constants import ENGINE_MEMORY_MB, QUERY_TIMEOUT, ROOT
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
    from hcc_kg.answer.render import render, to_xlsx
    from hcc_kg.answer.store import canned as canned_query
    from hcc_kg.answer.store import run, run_canned, term_hints

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


class _PlainData(pickle.Unpickler):
    """Unpickles tuples, lists, dicts, strings, bytes, numbers and None only: no class is found."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"an engine sent an object of class {module}.{name}; refused")


def _plain(data: bytes):
    return _PlainData(io.BytesIO(data)).load()


class EngineDied(Exception):
    """An engine process ended while it ran a query (``died`` is the error to report)."""

    def __init__(self, code: int | None, memory_mb: int) -> None:
        self.code = code
        self.died = _death(code, memory_mb)
        super().__init__(str(self.died))


def _death(code: int | None, memory_mb: int) -> HccKgError:
    """The error for an engine that ended with exit ``code`` while running a query: a refused
    query when the network filter ended it, else EngineStopped saying what stopped it."""
    if sandbox.SIGNAL is not None and code == -sandbox.SIGNAL:
        return RefusedQuery(f"{REFUSED}: the query tried to open a network connection; query engines run "
                            "without network access (a seccomp filter), so its engine was stopped")
    if code == -signal.SIGKILL:
        return EngineStopped("the engine running the query was killed from outside (SIGKILL, by an operator or "
                             "the system's out-of-memory killer), not by a limit of this program; it was restarted")
    try:
        what = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
    except ValueError:  # a signal without a name
        what = f"signal {-code}"
    if code == -signal.SIGABRT:
        return EngineStopped(f"the query stopped the engine ({what}; the memory limit is {memory_mb} MiB per "
                             "engine); it was restarted")
    return EngineStopped(f"the engine stopped while running the query ({what}); it was restarted")


class Overtime(Exception):
    """A query ran past its deadline (its engine has been killed)."""


class Cancelled(Exception):
    """The caller gave up on the query (its engine has been killed)."""


class Engine:
    """One engine process and its end of the socketpair; one request at a time. Its stderr goes to
    ours (``inherit_stderr``: the server's log) or to a temporary file read when it fails to start."""

    def __init__(self, release_nq: str, memory_mb: int = ENGINE_MEMORY_MB, network: bool = False,
                 inherit_stderr: bool = False, nice: int = 0) -> None:
        self.release_nq, self.memory_mb = release_nq, memory_mb
        ours, theirs = socket.socketpair(socket.AF_UNIX)
        self.log = None if inherit_stderr else tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        # isolated (-I: no working directory or PYTHON* variables on the path), importing hcc_kg from
        # where this process did: a folder called hcc_kg where the user stands is not the engine
        code = "import sys; sys.path.insert(0, sys.argv[1]); from hcc_kg.answer.engine import child; child(sys.argv[2:])"
        command = [sys.executable, "-I", "-c", code, str(ROOT),
                   str(theirs.fileno()), release_nq, str(memory_mb), str(nice), *(["--network"] if network else [])]
        try:
            self.process = subprocess.Popen(command, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=self.log)
        finally:
            theirs.close()
        from multiprocessing.connection import Connection

        self.conn = Connection(ours.detach())
        self.refused: str | None = None  # why the filter is not in force (then the word ban is)

    def ready(self, seconds: float = 120) -> None:
        """Wait for the engine to hold the release; a clear error if it does not."""
        try:
            if self.conn.poll(seconds):
                kind, self.refused = _plain(self.conn.recv_bytes())
                if kind == "ready":
                    return
        except (EOFError, OSError, pickle.UnpicklingError, ValueError):
            pass
        self.kill()
        said = ""
        if self.log is not None:
            self.log.seek(0)
            said = self.log.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            said = f": {said[0]}" if said else ""
        self.close()
        raise HccKgError(f"an engine process did not start (exit code {self.process.returncode}){said}")

    def call(self, request: tuple, timeout: float, cancelled=None):
        """The engine's reply to ``request``; Overtime past ``timeout`` seconds, Cancelled when
        ``cancelled()`` (asked every 0.1 s) says so (then the caller stops the engine: a pool
        removes it first, so its watcher does not report it as killed from outside), EngineDied if
        it ended."""
        import time

        deadline = time.monotonic() + timeout
        try:
            self.conn.send(request)
            while not self.conn.poll(max(0.0, min(0.1, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    break
                if cancelled is not None and cancelled():
                    raise Cancelled
            else:
                return _plain(self.conn.recv_bytes())
        except (EOFError, OSError):
            try:
                code = self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()
                code = self.process.returncode
            raise EngineDied(code, self.memory_mb) from None
        raise Overtime

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """End the process. Its socket stays open: another thread may be waiting on it, and a
        closed descriptor's number can be reused by the next engine's socket (then that thread
        would wait on the wrong engine); the thread that owns the call closes it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def close(self) -> None:
        self.kill()
        self.conn.close()
        if self.log is not None:
            self.log.close()

    @property
    def pid(self) -> int:
        return self.process.pid


def protection(refused: str | None) -> str:
    """The start-up line's words for what keeps a query from the network."""
    if refused is None:
        return ("no network access (a seccomp filter ends an engine that opens a network socket); a query "
                "that mentions 'service' is answered")
    return f"the word ban (any query mentioning 'service' is refused): the network filter is off here: {refused}"


_LOCAL: dict[tuple, Engine] = {}
_LOCAL_LOCK = threading.Lock()


def run_local(target: str, params: dict[str, str] | None = None, *, canned: bool = False, fmt: str | None = None,
              width: int | None = None, name: str = "query", allow_service: bool = False,
              full_quotes: bool = False, timeout: float = QUERY_TIMEOUT, release_nq: Path,
              memory_mb: int = ENGINE_MEMORY_MB, network: bool = False):
    """A query for ``hcc-kg query`` or ``hcc_kg.query`` in this process's engine for the release
    (started on first use, reused, replaced after a timeout or a death): (the answer, its hints)
    with ``fmt``, else (columns, rows); one clear HccKgError otherwise. ``allow_service`` (the CLI's
    ``--allow-service``) runs it in an engine without the filter; ``network`` is the same for tests."""
    network = network or allow_service
    key = (str(release_nq), memory_mb, network)
    with _LOCAL_LOCK:
        engine = _LOCAL.get(key)
        if engine is None or not engine.alive():
            engine = _LOCAL[key] = Engine(str(release_nq), memory_mb, network)
            try:
                engine.ready()
            except HccKgError:
                del _LOCAL[key]
                raise
        try:
            kind, value = engine.call(("run", target, params or {}, canned, fmt, width, name, allow_service, full_quotes),
                                      timeout)
        except Overtime:
            del _LOCAL[key]
            engine.close()
            raise QueryTimedOut(f"{name}: the query did not finish within {timeout:g} s and was stopped "
                                "(raise the limit with --timeout, or timeout= in Python)") from None
        except EngineDied as err:
            del _LOCAL[key]
            engine.close()
            raise type(err.died)(f"{name}: {str(err.died).replace('; it was restarted', '')}") from None
    if kind == "ok":
        return value
    raise FAILURES[kind](value)


class Pool:
    """``size`` engine processes, each with the release in memory, ``nice`` steps below this
    process in CPU priority (the server's general engines run below its reserved ones, so a cheap
    query there gets the CPU). A query runs at most ``timeout`` seconds; past that its engine is
    killed and replaced. Every lost engine gets exactly one replacement, which joins the pool once
    it is ready, so the pool never holds more than ``size``."""

    def __init__(self, release_nq: Path, size: int = 4, timeout: float = QUERY_TIMEOUT,
                 memory_mb: int = ENGINE_MEMORY_MB, log=None, network: bool = False, nice: int = 0) -> None:
        self.release_nq, self.size, self.timeout, self.memory_mb = str(release_nq), size, timeout, memory_mb
        self.network = network  # tests only: engines without the filter
        self.nice = nice
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.idle: queue.Queue[Engine] = queue.Queue()
        self.engines: set[Engine] = set()
        self.lock = threading.Lock()
        self.closed = False
        started = [self._spawn() for _ in range(size)]
        for engine in started:
            engine.ready()
        self.refused = started[0].refused
        for engine in started:
            self._adopt(engine)

    def _spawn(self) -> Engine:
        return Engine(self.release_nq, self.memory_mb, self.network, inherit_stderr=True, nice=self.nice)

    def _adopt(self, engine: Engine) -> None:
        """A ready engine joins the pool, watched until it dies."""
        with self.lock:
            self.engines.add(engine)
        threading.Thread(target=self._watch, args=(engine,), name="hcc-kg-engine-watch", daemon=True).start()
        self.idle.put(engine)

    def _watch(self, engine: Engine) -> None:
        """Replace an engine as soon as its process dies, busy or idle, and report it."""
        code = engine.process.wait()
        self._replace(engine, f"died ({str(_death(code, self.memory_mb)).split(';')[0]})")

    def _replace(self, engine: Engine, why: str) -> None:
        """Kill an engine and start its successor in the background (the caller answers at once).
        Called by the query that saw it fail and by its watcher: the first call wins."""
        with self.lock:
            if engine not in self.engines or self.closed:
                return
            self.engines.discard(engine)
        engine.kill()
        self.log(f"engine process {engine.pid} {why}; starting a new one")
        threading.Thread(target=self._restart, name="hcc-kg-engine-restart", daemon=True).start()

    def _restart(self) -> None:
        """Start one engine; one killed while it starts is retried here, never added twice."""
        while not self.closed:
            engine = self._spawn()
            try:
                engine.ready()
            except HccKgError as err:
                self.log(f"error: an engine process could not be started: {err}; retrying")
                threading.Event().wait(1)
                continue
            if self.closed:
                engine.close()
            else:
                self._adopt(engine)
            return

    def take(self, wait: float) -> Engine | None:
        """A free, live engine, waiting at most ``wait`` seconds; None if none became free."""
        import time

        deadline = time.monotonic() + wait
        while True:
            try:
                engine = (self.idle.get(timeout=max(0.0, deadline - time.monotonic())) if wait
                          else self.idle.get_nowait())
            except queue.Empty:
                return None
            if engine in self.engines and engine.alive():
                return engine
            engine.close()  # died while idle: its watcher has replaced it

    def run(self, engine: Engine, text: str, accept: str | None = None, dataset: tuple[list, list] | None = None,
            cancelled=None) -> tuple[str, bytes]:
        """Run one query (the engine runs the guard) on a taken engine: (media type, body), or one
        of this module's errors. ``cancelled()`` is asked every 0.1 s: when it says the client has
        gone, the engine is stopped (a query cannot be cancelled otherwise) and ClientGone raised."""
        try:
            kind, first, body = engine.call(("http", text, accept, dataset), self.timeout, cancelled)
        except EngineDied as err:
            self._replace(engine, f"died while running a query ({str(err.died).split(';')[0]})")
            engine.close()
            raise err.died from None
        except Overtime:
            self._replace(engine, f"ran a query past {self.timeout:g} s and was stopped")
            engine.close()
            raise QueryTimedOut(f"the query did not finish within {self.timeout:g} s and was stopped") from None
        except Cancelled:
            self._replace(engine, "was stopped: its client disconnected")
            engine.close()
            raise ClientGone("the client disconnected") from None
        self.idle.put(engine)
        if kind != "ok":
            raise FAILURES[kind](first)
        return first, body

    def answer(self, text: str, accept: str | None = None, dataset: tuple[list, list] | None = None,
               cancelled=None) -> tuple[str, bytes]:
        """(media type, body) for one query, waiting at most ``timeout`` for an engine."""
        engine = self.take(self.timeout)
        if engine is None:
            raise EnginesBusy(f"all {self.size} query engines are busy; try again shortly")
        return self.run(engine, text, accept, dataset, cancelled)

    def close(self) -> None:
        self.closed = True
        with self.lock:
            engines = list(self.engines)
        for engine in engines:
            engine.close()
