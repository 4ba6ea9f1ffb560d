"""Pool: the server's engine processes (:mod:`hcc_kg.answer.engine`), each with the release in
memory. A pool engine that dies (the network filter, its memory limit, a kill from outside) is
replaced in the background and the replacement reported on stderr; the pool never holds more than
its size. A query whose client has gone is stopped by ending its engine (``Pool.run``'s
``cancelled``). Failures are the engine's exceptions plus EnginesBusy and ClientGone.
"""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path

from hcc_kg.answer.engine import Cancelled, Engine, EngineDied, Overtime, QueryTimedOut, death
from hcc_kg.answer.execute import FAILURES
from hcc_kg.constants import ENGINE_MEMORY_MB, QUERY_TIMEOUT
from hcc_kg.errors import HccKgError


class EnginesBusy(HccKgError):
    """No engine became free for the query in time (or too many queries wait)."""


class ClientGone(HccKgError):
    """The client disconnected; its query was stopped and nobody is left to answer."""


def protection(refused: str | None) -> str:
    """The start-up line's words for what keeps a query from the network."""
    if refused is None:
        return ("no network access (a seccomp filter ends an engine that opens a network socket); a query "
                "that mentions 'service' is answered")
    return f"the word ban (any query mentioning 'service' is refused): the network filter is off here: {refused}"


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
        self._replace(engine, f"died ({str(death(code, self.memory_mb)).split(';')[0]})")

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
