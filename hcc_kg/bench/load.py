"""Load tests (`hcc-kg loadtest`) of a server on loopback: the canned queries from concurrent
clients against the raw Oxigraph server and `hcc-kg serve` in turn, and (``--hostile``) expensive
queries and trickling sockets against `hcc-kg serve` while a probe client times its answers."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from hcc_kg.bench.run import machine
from hcc_kg.constants import RELEASE


def report(clients: int, seconds: float, hostile: bool) -> tuple[str, str | None]:
    """The `hcc-kg loadtest` report (with ``hostile``, each hostile phase and the machine's load
    average before and after), and one line naming the first endpoint whose requests failed in
    the load test (None if none did; the hostile phases count their refusals instead)."""
    if hostile:
        load = os.getloadavg()[0]
        results = hostile_run(seconds)
        return (f"Machine: {machine()}; load average (1 min) {load:.1f} before the run, "
                f"{os.getloadavg()[0]:.1f} after it.\n\n" + hostile_report(results)), None
    results = compare_load(clients, seconds)
    failed = [f"{name}: {r['errors']} of {r['errors'] + r['requests']} requests failed; first: {r['first_error']}"
              for name, r in results.items() if r["errors"]]
    return f"Machine: {machine()}.\n\n" + load_report(results), failed[0] if failed else None


def load_test(url: str, clients: int = 4, seconds: float = 20) -> dict:
    """Bounded load on a running loopback endpoint: ``clients`` threads, each from a loopback
    address of its own, send the canned queries (round robin, POST, JSON results) for ``seconds``;
    every non-200 answer or exception is an error."""
    import threading
    import urllib.parse

    from hcc_kg.answer.catalogue import catalogue

    texts = [q.text for q in catalogue().values()]
    parts = urllib.parse.urlsplit(url)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        i = offset
        source = f"127.0.0.{100 + offset}"  # each client a loopback address of its own, as on a network
        while time.monotonic() < deadline:
            body = urllib.parse.urlencode({"query": texts[i % len(texts)]}).encode()
            t = time.perf_counter()
            try:
                status = _request(url, source, "POST", parts.path, body)
                ok, err_text = status == 200, f"HTTP {status}"
            except Exception as err:  # noqa: BLE001 - every failure counts as an error
                ok, err_text = False, repr(err)
            with lock:
                if ok:
                    latencies.append(time.perf_counter() - t)
                else:
                    errors.append(err_text)
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")
    return {"clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies), "errors": len(errors),
            "first_error": errors[0] if errors else "", "throughput": len(latencies) / elapsed,
            "p50_ms": pick(0.50), "p99_ms": pick(0.99)}


def compare_load(clients: int = 4, seconds: float = 20, release: Path = RELEASE) -> dict[str, dict]:
    """The same query mix in one run against the raw Oxigraph server (the release in its on-disk
    store, no guard) and against `hcc-kg serve` (guard + engine pool), one after the other."""
    import sys
    import tempfile

    from hcc_kg.bench.procs import free_port, load_store, oxigraph_cli, running

    results = {}
    with tempfile.TemporaryDirectory(prefix="hcc-kg-raw-") as db:
        load_store(release, Path(db))
        port = free_port()
        with running([oxigraph_cli(), "serve-read-only", "--location", db, "--bind", f"127.0.0.1:{port}",
                      "--union-default-graph"], f"http://127.0.0.1:{port}/", 60):
            results["raw Oxigraph server"] = load_test(f"http://127.0.0.1:{port}/query", clients, seconds)
    port = free_port()
    with running([sys.executable, "-m", "hcc_kg.cli", "serve", "--port", str(port), "--release", str(release)],
                 f"http://127.0.0.1:{port}/", 120):
        results["hcc-kg serve (guarded)"] = load_test(f"http://127.0.0.1:{port}/query", clients, seconds)
    return results


def load_report(results: dict[str, dict]) -> str:
    first = next(iter(results.values()))
    raw = results.get("raw Oxigraph server")
    lines = [
        "## Load test (loopback)", "",
        (f"{first['clients']} concurrent clients sent the canned queries round robin (POST, JSON results) for "
        f"{first['seconds']} s to each endpoint in turn, in one run (`hcc-kg loadtest`)."), "",
        "| endpoint | requests | errors | throughput (queries/s) | vs raw | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        ratio = f"{r['throughput'] / raw['throughput']:.0%}" if raw and raw["throughput"] else ""
        lines.append(f"| {name} | {r['requests']} | {r['errors']} | {r['throughput']:.1f} | {ratio} | "
                     f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
    return "\n".join(lines) + "\n"


EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # runs until the time limit
PROBE = "ASK { ?s a <https://w3id.org/hcc-kg/ontology#Drug> }"


def _request(url: str, source: str, method: str, path: str, body: bytes = b"", timeout: float = 60) -> int:
    """One HTTP request from a loopback source address (a client of its own): the status."""
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout, source_address=(source, 0))
    try:
        headers = {"Accept": "application/sparql-results+json"}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def hostile_load(url: str, clients: int = 10, per_client: int = 4, tricklers: int = 250, seconds: float = 30,
                 every: float = 1.0, trickle_every: float = 2.0) -> dict:
    """A bounded attack on a running endpoint, all on loopback, with a probe client beside it.
    ``clients`` hostile clients (source addresses 127.0.0.11 on) each keep ``per_client``
    expensive queries in flight (POST, resent as soon as answered or refused); ``tricklers``
    sockets (from 127.0.0.9) each send a request one header line every ``trickle_every`` seconds
    and reconnect when closed; every ``every`` seconds the probe (127.0.0.2) sends an ASK, and
    fetches a static file and the query page. Everything stops after ``seconds``."""
    import selectors
    import socket
    import threading
    import urllib.parse
    from collections import Counter

    parts = urllib.parse.urlsplit(url)
    stop = threading.Event()
    hostile: Counter[int | str] = Counter()
    lock = threading.Lock()
    body = urllib.parse.urlencode({"query": EXPENSIVE}).encode()

    def attacker(source: str) -> None:
        while not stop.is_set():
            try:
                status = _request(url, source, "POST", "/query", body, timeout=seconds + 60)
            except OSError as err:
                status = type(err).__name__
            with lock:
                hostile[status] += 1
            if status != 504:
                stop.wait(0.1)  # refused at once: try again shortly, as a client that will not give up

    def trickle() -> None:
        socks: dict[socket.socket, float] = {}
        selector = selectors.DefaultSelector()
        opened = closed_by_server = 0

        def connect() -> None:
            nonlocal opened
            try:
                s = socket.create_connection((parts.hostname, parts.port), timeout=2, source_address=("127.0.0.9", 0))
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            except OSError:
                return
            s.setblocking(False)
            socks[s] = time.monotonic() + trickle_every
            selector.register(s, selectors.EVENT_READ)
            opened += 1

        def drop(s: socket.socket) -> None:
            selector.unregister(s)
            socks.pop(s, None)
            s.close()

        while not stop.is_set():
            while len(socks) < tricklers and not stop.is_set():
                connect()
            for key, _ in selector.select(timeout=0.2):  # the server answered or closed: start again
                drop(key.fileobj)
                closed_by_server += 1
            now = time.monotonic()
            for s, due in list(socks.items()):
                if now >= due:
                    try:
                        s.send(b"X-Slow: 1\r\n")
                        socks[s] = now + trickle_every
                    except OSError:
                        drop(s)
                        closed_by_server += 1
        for s in list(socks):
            drop(s)
        with lock:
            hostile["trickling sockets opened"] += opened
            hostile["trickling sockets closed by the server"] += closed_by_server

    probes: dict[str, list[tuple[float, int | str]]] = {"ask": [], "static": [], "page": []}

    def probe() -> None:
        ask = "/query?" + urllib.parse.urlencode({"query": PROBE})
        stop.wait(min(3.0, seconds / 4))  # let the attack take hold first
        while not stop.is_set():
            for name, path in (("ask", ask), ("static", "/static/site.css"), ("page", "/")):
                started = time.monotonic()
                try:
                    status = _request(url, "127.0.0.2", "GET", path, timeout=30)
                except OSError as err:
                    status = type(err).__name__
                probes[name].append((time.monotonic() - started, status))
            stop.wait(every)

    threads = [threading.Thread(target=attacker, args=(f"127.0.0.{11 + c}",), daemon=True)
               for c in range(clients) for _ in range(per_client)]
    if tricklers:
        threads.append(threading.Thread(target=trickle, daemon=True))
    threads.append(threading.Thread(target=probe, daemon=True))
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=90)

    def summary(rows: list[tuple[float, int | str]]) -> dict:
        times = sorted(t for t, _ in rows)
        return {"n": len(rows), "ok": sum(1 for _, s in rows if s == 200),
                "statuses": dict(Counter(str(s) for _, s in rows)),
                "median_s": statistics.median(times) if times else float("nan"),
                "max_s": max(times) if times else float("nan")}

    return {"clients": clients, "per_client": per_client, "tricklers": tricklers, "seconds": seconds,
            "hostile": {str(k): v for k, v in hostile.items()}, **{k: summary(v) for k, v in probes.items()}}


HOSTILE_PHASES = {  # name: hostile_load options
    "10 clients x 4 expensive queries": {"tricklers": 0},
    "250 trickling sockets": {"clients": 0},
    "both at once": {},
}


def hostile_run(seconds: float = 40, release: Path = RELEASE, options: tuple[str, ...] = ()) -> dict[str, dict]:
    """Each hostile phase in turn against a fresh `hcc-kg serve` (default settings plus ``options``)."""
    import sys

    from hcc_kg.bench.procs import free_port, running

    results = {}
    for name, kw in HOSTILE_PHASES.items():
        port = free_port()
        with running([sys.executable, "-m", "hcc_kg.cli", "serve", "--port", str(port), "--release", str(release),
                      *options], f"http://127.0.0.1:{port}/", 120):
            results[name] = hostile_load(f"http://127.0.0.1:{port}", seconds=seconds, **kw)
    return results


def hostile_report(results: dict[str, dict]) -> str:
    first = next(iter(results.values()))
    lines = [
        "## Hostile load (loopback)", "",
        (f"`hcc-kg loadtest --hostile`: each phase ran {first['seconds']:g} s against a fresh `hcc-kg serve` with "
         "its defaults (4 general engines, 1 reserved, 2 queries per client, 30 s time limit, 10 s read "
         "deadline). Hostile clients (127.0.0.11 on) each keep 4 `SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . "
         "?d ?e ?f . ?g ?h ?i }` in flight, resent as soon as answered or 0.1 s after a refusal; trickling "
         "sockets (127.0.0.9) send one header line every 2 s and reconnect when dropped. Every second a "
         "probe client (127.0.0.2) sends an ASK, then fetches `/static/site.css` and the query page `/`, "
         "one after the other."), "",
        "| phase | probes | ASK 200 | ASK median s | ASK max s | static max s | page max s | hostile answers |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name, r in results.items():
        hostile = ", ".join(f"{k}: {v}" for k, v in sorted(r["hostile"].items()))
        lines.append(f"| {name} | {r['ask']['n']} | {r['ask']['ok']} | {r['ask']['median_s']:.2f} | "
                     f"{r['ask']['max_s']:.2f} | {r['static']['max_s']:.2f} | {r['page']['max_s']:.2f} | {hostile} |")
    return "\n".join(lines) + "\n"
