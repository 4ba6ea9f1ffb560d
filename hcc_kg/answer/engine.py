"""Engine: every query text runs in an engine process, never in the caller's own process: a pool
of them behind ``hcc-kg serve`` (:mod:`hcc_kg.answer.pool`), and one kept per release behind
``hcc-kg query`` and ``hcc_kg.query`` (:func:`run_local`: started on the first query, reused by the
next, ended with the caller). What runs inside the process (the network filter, the memory limit,
the guard) is :mod:`hcc_kg.answer.execute`; this module starts it and talks to it.

pyoxigraph has no cancellation, so a deadline is kept by ending the process: past its time (the
default is ``constants.QUERY_TIMEOUT``) a query's engine is killed and the caller gets one line.
Failures reach the caller as exceptions (RefusedQuery, QueryTooLarge, QueryTimedOut,
EngineStopped; the pool adds EnginesBusy and ClientGone); ``hcc_kg.web.serve.status_of`` alone
decides their HTTP statuses.

The engine's answers reach the parent as plain data (tuples, lists, strings, bytes, numbers):
the parent unpickles them with no classes allowed, so even an engine that misbehaved could not
make the parent run code.
"""

from __future__ import annotations

import io
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from hcc_kg.answer import sandbox
from hcc_kg.answer.execute import FAILURES
from hcc_kg.answer.guard import REFUSED, RefusedQuery
from hcc_kg.constants import ENGINE_MEMORY_MB, QUERY_TIMEOUT, ROOT
from hcc_kg.errors import HccKgError


class QueryTimedOut(HccKgError):
    """The query ran past its time limit; its engine was stopped."""


class EngineStopped(HccKgError):
    """The engine process died while it ran the query (its memory limit, a crash, a kill)."""


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
        self.died = death(code, memory_mb)
        super().__init__(str(self.died))


def death(code: int | None, memory_mb: int) -> HccKgError:
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
        code = "import sys; sys.path.insert(0, sys.argv[1]); from hcc_kg.answer.execute import child; child(sys.argv[2:])"
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
