"""Admission: which query gets an engine, and when (the fairness policy of ``hcc-kg serve``).

A client is a peer address (an IPv6 address by its /64). The policy, in the README's words:

- a client has at most ``per_client`` queries in the server (running or waiting); one more is
  refused at once (TooManyQueries);
- at most ``waiting`` queries are in the server in all; one more is refused at once
  (EnginesBusy), so the threads that serve pages and static files are never all waiting for an
  engine;
- the general engines run queries up to the time limit, first come first served;
- ``reserve`` more engines are kept for light clients: when every general engine is busy, a
  query from a light client runs on a reserved engine, where it may run ``quick`` seconds; past
  that it is stopped there, its client counts as heavy, and it waits for a general engine like any
  other. A client is light when it has no other query in the server and, in the last ``memory``
  seconds, had no query that ran over ``quick`` seconds and none refused;
- a query whose client disconnects is stopped (its engine is replaced), waiting or running.

So however many expensive queries heavy clients keep running, a cheap query from another client
finds a reserved engine free, while the expensive ones run out their time on the general engines.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import Counter

from hcc_kg.answer.engine import QueryTimedOut
from hcc_kg.answer.pool import ClientGone, EnginesBusy, Pool
from hcc_kg.errors import HccKgError

QUICK = 1.0  # seconds a query may run on a reserved engine
MEMORY = 60.0  # seconds a client counts as heavy after a query of over QUICK seconds
POLL = 0.05  # seconds between looks for a free engine (and at the client's connection)


class TooManyQueries(HccKgError):
    """The client already has its share of queries in the server."""


def client_of(address: str | None) -> str:
    """The client a peer address stands for: the address itself, an IPv6 one by its /64."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return address or "?"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Admission:
    """The general pool, the reserved pool (may be None) and the bookkeeping of who runs what."""

    def __init__(self, general: Pool, reserve: Pool | None, per_client: int = 2, waiting: int = 32,
                 quick: float = QUICK, memory: float = MEMORY) -> None:
        self.general, self.reserve = general, reserve
        self.per_client, self.waiting, self.quick, self.memory = per_client, waiting, quick, memory
        self.lock = threading.Lock()
        self.inside: Counter[str] = Counter()  # queries in the server, per client
        self.heavy_until: dict[str, float] = {}

    def answer(self, text: str, accept: str | None, dataset: tuple[list, list] | None, client: str,
               cancelled=None) -> tuple[str, bytes]:
        """(media type, body) for one query from ``client`` over ``dataset`` (the protocol's
        default-graph-uri and named-graph-uri lists, or None), or the error that refuses it."""
        with self.lock:
            if self.inside[client] >= self.per_client:
                self._heavy(client)
                raise TooManyQueries(f"this client already has {self.inside[client]} queries running or waiting "
                                     f"(at most {self.per_client} per client); send the next when one is answered")
            if sum(self.inside.values()) >= self.waiting:
                self._heavy(client)
                raise EnginesBusy(f"{self.waiting} queries are already running or waiting; try again shortly")
            self.inside[client] += 1
        try:
            return self._run((text, accept, dataset), client, cancelled or (lambda: False))
        except EnginesBusy:
            with self.lock:
                self._heavy(client)
            raise
        finally:
            with self.lock:
                self.inside[client] -= 1
                if not self.inside[client]:
                    del self.inside[client]

    def _light(self, client: str) -> bool:
        """A client with no other query in the server and none of over ``quick`` seconds lately."""
        with self.lock:
            return self.inside[client] == 1 and self.heavy_until.get(client, 0) <= time.monotonic()

    def _heavy(self, client: str) -> None:
        """Count ``client`` as heavy for ``memory`` seconds (the caller holds the lock)."""
        now = time.monotonic()
        for other in [c for c, t in self.heavy_until.items() if t <= now]:
            del self.heavy_until[other]
        self.heavy_until[client] = now + self.memory

    def _run(self, query: tuple, client: str, cancelled) -> tuple[str, bytes]:
        deadline = time.monotonic() + self.general.timeout
        while True:
            if cancelled():
                raise ClientGone("the client disconnected while its query waited")
            worker = self.general.take(POLL)
            if worker is not None:
                started = time.monotonic()
                try:
                    return self.general.run(worker, *query, cancelled)
                finally:
                    if time.monotonic() - started > self.quick:
                        with self.lock:
                            self._heavy(client)
            if self.reserve is not None and self._light(client):
                worker = self.reserve.take(0)
                if worker is not None:
                    try:
                        return self.reserve.run(worker, *query, cancelled)
                    except QueryTimedOut:
                        with self.lock:
                            self._heavy(client)  # and wait for a general engine
            if time.monotonic() >= deadline:
                raise EnginesBusy(f"no query engine became free within {self.general.timeout:g} s; "
                                  "try again shortly")
