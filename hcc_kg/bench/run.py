"""Benchmark: build stages, each canned query on pyoxigraph vs rdflib (medians), and a bounded
load test of `hcc-kg serve`."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from hcc_kg.constants import RELEASE, RELEASE_NQ


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(builds: int = 3, repeat: int = 5, release: Path = RELEASE) -> str:
    """A Markdown report: stage medians over ``builds`` builds, query medians over ``repeat`` runs."""
    from hcc_kg.answer.catalogue import catalogue
    from hcc_kg.answer.params import bindings
    from hcc_kg.answer.store import open_release, rdflib_dataset, store_of, to_rdflib
    from hcc_kg.publish import run_stages

    stages: dict[str, list[float]] = {}
    for _ in range(builds):
        for stage, seconds in run_stages().timings.items():
            stages.setdefault(stage, []).append(seconds)
    text = (release / RELEASE_NQ).read_text(encoding="utf-8")
    load_ox = _median_time(lambda: store_of(text), repeat)
    load_rdf = _median_time(lambda: rdflib_dataset(text), 1)
    store, ds = open_release(release), rdflib_dataset(text)
    lines = [
        "# hcc-kg benchmark", "",
        f"Machine: {_machine()}. Build stages: median of {builds} builds; queries: median of {repeat} runs.", "",
        "| build stage | median s |", "| --- | ---: |",
        *[f"| {s} | {statistics.median(v):.3f} |" for s, v in stages.items()],
        f"| **total** | {sum(statistics.median(v) for v in stages.values()):.3f} |", "",
        (f"Loading the release ({len(text.splitlines())} quads): pyoxigraph {load_ox:.3f} s, "
        f"rdflib {load_rdf:.3f} s (ratio {load_rdf / load_ox:.0f}x)."), "",
        "| query | rows | pyoxigraph ms | rdflib ms | rdflib / pyoxigraph |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, query in catalogue().items():
        subs = bindings(query, {}, store)
        init = {str(k.value): to_rdflib(v) for k, v in subs.items()}
        rows = len(list(store.query(query.text, use_default_graph_as_union=True, substitutions=subs)))
        ox_t = _median_time(lambda q=query, s=subs: list(store.query(q.text, use_default_graph_as_union=True,
                                                                      substitutions=s)), repeat)
        rdf_t = _median_time(lambda q=query, i=init: list(ds.query(q.text, initBindings=i)), repeat)
        lines.append(f"| {name} | {rows} | {ox_t * 1000:.1f} | {rdf_t * 1000:.1f} | {rdf_t / ox_t:.0f}x |")
    return "\n".join(lines + guard_costs(max(repeat, 100)) + engine_costs(release, repeat)) + "\n"


def guard_costs(repeat: int = 100) -> list[str]:
    """Markdown lines: the guard's median cost per canned query (it runs before every query)."""
    from hcc_kg.answer.catalogue import catalogue
    from hcc_kg.answer.guard import check_query

    costs = {name: _median_time(lambda q=q: check_query(q.text), repeat) for name, q in catalogue().items()}
    return ["", (f"Query guard (`hcc_kg.answer.guard.check_query`, median of {repeat} runs per canned query): "
            f"median {statistics.median(costs.values()) * 1e6:.0f} µs, largest {max(costs.values()) * 1e6:.0f} µs "
            f"({max(costs, key=costs.get)})."), "",
            "| query | guard µs |", "| --- | ---: |", *[f"| {n} | {c * 1e6:.1f} |" for n, c in costs.items()]]


def engine_costs(release: Path = RELEASE, repeat: int = 5) -> list[str]:
    """Markdown lines: what running queries in an engine process costs (every CLI, API and HTTP
    query does): starting one, a canned query through a started one, and a cold `hcc-kg query`."""
    import subprocess
    import sys

    from hcc_kg.answer.engine import Engine, run_local

    nq = release / RELEASE_NQ

    def start() -> None:
        engine = Engine(str(nq))
        engine.ready()
        engine.close()

    started = _median_time(start, repeat)
    run_local("first-line-pd1-tki", canned=True, release_nq=nq)  # the engine this process keeps
    warm = _median_time(lambda: run_local("first-line-pd1-tki", canned=True, release_nq=nq), repeat)
    command = [sys.executable, "-m", "hcc_kg.cli", "query", "first-line-pd1-tki"]
    cold = _median_time(lambda: subprocess.run(command, stdout=subprocess.DEVNULL, check=True), repeat)
    return ["", (f"Query engine process (median of {repeat}): starting one (Python, the release, its union as "
                 f"the default graph, the network filter) {started:.2f} s; `first-line-pd1-tki` through a started "
                 f"one {warm * 1000:.1f} ms; `hcc-kg query first-line-pd1-tki` cold, a fresh process each time, "
                 f"{cold:.2f} s.")]


def _machine() -> str:
    import os
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


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


def replicate(nquads: str, copies: int) -> list:
    """The release ``copies`` times as pyoxigraph quads: copy 0 as it is, copy k > 0 with every
    resource IRI (``RESOURCE``...) and blank node suffixed ``-copyK``. Ontology terms, graph names
    and literals stay, so identical ontology and metadata quads collapse into one."""
    import pyoxigraph as ox

    from hcc_kg.constants import RESOURCE

    def rename(term, k: int):
        if isinstance(term, ox.NamedNode) and term.value.startswith(RESOURCE):
            return ox.NamedNode(f"{term.value}-copy{k}")
        if isinstance(term, ox.BlankNode):
            return ox.BlankNode(f"{term.value}copy{k}")
        return term

    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    return quads + [ox.Quad(rename(q.subject, k), q.predicate, rename(q.object, k), q.graph_name)
                    for k in range(1, copies) for q in quads]


def _timed_rows(store, text: str, subs: dict) -> tuple[float, int]:
    """CPU seconds of this process to run a query and read every answer, and the number of answers.
    CPU time, not wall time: on a shared machine a 1 ms run often ends within one time slice while a
    20 ms run waits for the CPU several times, which would inflate the ratio by the load."""
    import pyoxigraph as ox

    t = time.process_time()
    result = store.query(text, use_default_graph_as_union=True, substitutions=subs)
    rows = 1 if isinstance(result, ox.QueryBoolean) else sum(1 for _ in result)
    return time.process_time() - t, rows


SHORT_SECONDS = 0.25  # the 1x runs of a query are repeated until they add up to this (at most 10 x repeat)


def scale(copies: int = 10, repeat: int = 3, release: Path = RELEASE) -> str:
    """A Markdown report: every canned query (parameters unbound, and with its defaults if it has
    any) on the release and on ``copies`` renamed copies of it, both in-memory pyoxigraph stores,
    timed side by side (1x and Nx runs alternate after a warm-up; median of ``repeat`` runs, more
    for a query of a few milliseconds). A ratio above
    1.5 x ``copies`` is flagged: the cost grew faster than the data."""
    import pyoxigraph as ox

    from hcc_kg.answer.catalogue import catalogue
    from hcc_kg.answer.params import bindings
    from hcc_kg.answer.store import store_of

    load_before = os.getloadavg()[0]
    text = (release / RELEASE_NQ).read_text(encoding="utf-8")
    small, big = store_of(text), ox.Store()
    big.bulk_extend(replicate(text, copies))
    limit = 1.5 * copies
    lines = [
        f"# hcc-kg at {copies}x data", "",
        (f"Machine: {_machine()}. The release ({len(small)} quads) and {copies} copies of it with renamed "
         f"resource IRIs ({len(big)} quads), each in an in-memory pyoxigraph store; every canned query "
         f"run on both side by side after a warm-up, median of {repeat} runs each (up to {10 * repeat} for a "
         f"query under {SHORT_SECONDS * 1000 / repeat:.0f} ms) (`hcc-kg bench --scale {copies}`); CPU time of the benchmark process, so that waiting for a "
         f"shared CPU is not counted. "
         f"Flagged (**!**): ratio above {limit:g} ({copies}x data should cost about {copies}x)."), "",
        f"| query | parameters | rows 1x | rows {copies}x | CPU ms 1x | CPU ms {copies}x | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    flagged, totals = [], [0.0, 0.0]
    for name, query in catalogue().items():
        variants = [("unbound", {}, {})]
        if any(p.default is not None for p in query.params.values()):
            variants.append(("defaults", bindings(query, {}, small), bindings(query, {}, big)))
        for label, subs_small, subs_big in variants:
            runs = (("small", small, subs_small), ("big", big, subs_big))
            rows = {key: _timed_rows(store, query.text, subs)[1] for key, store, subs in runs}  # warm-up
            times: dict[str, list[float]] = {"small": [], "big": []}
            # at least `repeat` pairs; a query of a few milliseconds gets more (its median is noisy)
            while len(times["small"]) < repeat or (
                    sum(times["small"]) < SHORT_SECONDS and len(times["small"]) < 10 * repeat):
                for key, store, subs in runs:
                    times[key].append(_timed_rows(store, query.text, subs)[0])
            ms_small, ms_big = (statistics.median(times[k]) * 1000 for k in ("small", "big"))
            ratio = ms_big / ms_small
            totals[0], totals[1] = totals[0] + ms_small, totals[1] + ms_big
            flag = " **!**" if ratio > limit else ""
            if flag:
                flagged.append(f"{name} ({label})")
            lines.append(f"| {name} | {label} | {rows['small']} | {rows['big']} | {ms_small:.1f} | {ms_big:.1f} | "
                         f"{ratio:.1f}{flag} |")
    lines.append(f"| **total** | | | | {totals[0]:.1f} | {totals[1]:.1f} | {totals[1] / totals[0]:.1f} |")
    lines += ["", f"Flagged: {', '.join(flagged)}." if flagged else f"No query above {limit:g}x.",
              "", (f"Load average (1 min) before the run {load_before:.1f}, after it {os.getloadavg()[0]:.1f} "
                   f"({os.cpu_count()} cores); 1x and {copies}x runs alternate, so both columns see the same load."), ""]
    return "\n".join(lines)


SCALE_MARKERS = ("<!-- bench --scale: start -->", "<!-- bench --scale: end -->")


def put_in_readme(report: str, readme: Path) -> None:
    """Replace what stands between the README's two scale markers with the report (minus its title)."""
    from hcc_kg.errors import HccKgError

    text = readme.read_text(encoding="utf-8")
    start, end = SCALE_MARKERS
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise HccKgError(f"{readme}: expected one {start!r} line before one {end!r} line")
    body = report.split("\n", 2)[2]  # drop the title and the blank line after it
    head, rest = text.split(start)
    readme.write_text(head + start + "\n" + body + rest[rest.index(end):], encoding="utf-8")


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
