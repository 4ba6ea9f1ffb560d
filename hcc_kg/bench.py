"""Benchmark: build stages, and each canned query on pyoxigraph vs rdflib's engine (medians)."""

from __future__ import annotations

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
    from hcc_kg.publish import run_stages
    from hcc_kg.store import bindings, catalogue, open_release, rdflib_dataset, store_of, to_rdflib

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
        f"Loading the release ({len(text.splitlines())} quads): pyoxigraph {load_ox:.3f} s, "
        f"rdflib {load_rdf:.3f} s (ratio {load_rdf / load_ox:.0f}x).", "",
        "| query | rows | pyoxigraph ms | rdflib ms | rdflib / pyoxigraph |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, query in catalogue().items():
        subs = bindings(query, {}, store)
        init = {str(k.value): to_rdflib(v) for k, v in subs.items()}
        rows = len(list(store.query(query.text, use_default_graph_as_union=True, substitutions=subs)))
        ox_t = _median_time(lambda: list(store.query(query.text, use_default_graph_as_union=True, substitutions=subs)), repeat)
        rdf_t = _median_time(lambda: list(ds.query(query.text, initBindings=init)), repeat)
        lines.append(f"| {name} | {rows} | {ox_t * 1000:.1f} | {rdf_t * 1000:.1f} | {rdf_t / ox_t:.0f}x |")
    return "\n".join(lines) + "\n"


def _machine() -> str:
    import os
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
