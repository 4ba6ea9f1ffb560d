"""Benchmark (`hcc-kg bench`): build stages, each canned query on pyoxigraph vs rdflib (medians),
the guard's and the engine's costs, and the canned queries on a release scaled up (``--scale``).
The load tests of a running server are :mod:`hcc_kg.bench.load`."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from hcc_kg.constants import RELEASE, RELEASE_NQ
from hcc_kg.errors import HccKgError


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
        f"Machine: {machine()}. Build stages: median of {builds} builds; queries: median of {repeat} runs.", "",
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


def machine() -> str:
    import os
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


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


def scale(copies: int = 10, repeat: int = 3, release: Path = RELEASE, names: Sequence[str] = ()) -> str:
    """A Markdown report: every canned query (parameters unbound, and with its defaults if it has
    any) on the release and on ``copies`` renamed copies of it, both in-memory pyoxigraph stores,
    timed side by side (1x and Nx runs alternate after a warm-up; median of ``repeat`` runs, more
    for a query of a few milliseconds). A ratio above
    1.5 x ``copies`` is flagged: the cost grew faster than the data. ``names``: only these queries."""
    import pyoxigraph as ox

    from hcc_kg.answer.catalogue import catalogue
    from hcc_kg.answer.params import bindings
    from hcc_kg.answer.store import store_of

    queries = catalogue()
    unknown = sorted(set(names) - set(queries))
    if unknown:
        raise HccKgError(f"bench --query: no canned query {', '.join(unknown)}; known: {', '.join(queries)}")
    load_before = os.getloadavg()[0]
    text = (release / RELEASE_NQ).read_text(encoding="utf-8")
    small, big = store_of(text), ox.Store()
    big.bulk_extend(replicate(text, copies))
    limit = 1.5 * copies
    lines = [
        f"# hcc-kg at {copies}x data", "",
        (f"Machine: {machine()}. The release ({len(small)} quads) and {copies} copies of it with renamed "
         f"resource IRIs ({len(big)} quads), each in an in-memory pyoxigraph store; every canned query "
         f"run on both side by side after a warm-up, median of {repeat} runs each (up to {10 * repeat} for a "
         f"query under {SHORT_SECONDS * 1000 / repeat:.0f} ms) (`hcc-kg bench --scale {copies}`); CPU time of the benchmark process, so that waiting for a "
         f"shared CPU is not counted. "
         f"Flagged (**!**): ratio above {limit:g} ({copies}x data should cost about {copies}x)."), "",
        f"| query | parameters | rows 1x | rows {copies}x | CPU ms 1x | CPU ms {copies}x | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    flagged, totals = [], [0.0, 0.0]
    for name, query in queries.items():
        if names and name not in names:
            continue
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
