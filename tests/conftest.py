"""Shared fixtures: the graph is built once per test session, into a temporary release folder."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import shutil
from collections import Counter
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import settings
from sparql_http import VIRTUOSO_QUERY_SECONDS, ordered

from hcc_kg.bench.procs import free_port, oxigraph_cli, running
from hcc_kg.constants import FACTS, RELEASE_NQ

#: Property tests: derandomized in CI (the same examples on every run, so a commit that passes
#: passes again), random locally to keep finding new inputs. HYPOTHESIS_PROFILE=ci (or =random)
#: picks one explicitly. Registered before the test modules build their settings objects.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("random", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "random"))

#: Python's cyclic garbage collector, run less often in the test processes: with the release's
#: graphs alive (a million objects) each full collection walks them all, and filling a graph
#: (the build, each property example's emit) triggers one every few thousand triples. About 40% of
#: an emit went to it. Collection only frees cycles, so no answer changes; the processes the tests
#: start (hcc-kg, serve's engines) keep Python's defaults.
gc.set_threshold(50_000, 50, 100)


def _run_folder(tmp_path_factory) -> Path:
    """A folder every xdist worker of this test run shares (the run's own one without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(release folder, Build) of one full build from the committed inputs, made once per test run:
    under pytest-xdist the first worker builds and the others read its result (a pickle)."""
    from hcc_kg.publish import build

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        release = tmp_path_factory.mktemp("release")
        return release, build(release)
    shared = _run_folder(tmp_path_factory)
    release, done = shared / "release", shared / "build.pickle"
    with FileLock(shared / "build.lock"):
        if not done.exists():
            done.write_bytes(pickle.dumps(_picklable(build(release))))
    return release, pickle.loads(done.read_bytes())


def _picklable(result):
    """The Build with each graph as a plain rdflib Graph (the canonical ontology graph is a
    read-only aggregate, which does not pickle), prefixes kept."""
    from dataclasses import replace

    from rdflib import Graph

    def plain(graph):
        copy = Graph()
        for prefix, namespace in graph.namespaces():
            copy.bind(prefix, namespace)
        copy += graph
        return copy

    return replace(result, graphs={name: plain(g) for name, g in result.graphs.items()})


@pytest.fixture(scope="session")
def store(built):
    from hcc_kg.answer.store import store_of

    release, _ = built
    return store_of((release / RELEASE_NQ).read_text(encoding="utf-8"))


@pytest.fixture()
def facts_copy(tmp_path) -> Path:
    """A scratch copy of graph/facts to break on purpose."""
    target = tmp_path / "graph" / "facts"
    shutil.copytree(FACTS, target)
    return target


@pytest.fixture(scope="session")
def rdflib_ds(built):
    from hcc_kg.answer.store import rdflib_dataset

    release, _ = built
    return rdflib_dataset((release / RELEASE_NQ).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def site_written(tmp_path_factory) -> tuple[Path, str]:
    """(folder, output) of `hcc-kg site FOLDER` on the committed release, run once for the site
    and browser tests (one xdist group, SHARED): every page drawn takes 12 s."""
    from click.testing import CliRunner

    from hcc_kg.cli import main

    folder = tmp_path_factory.mktemp("site") / "site"
    result = CliRunner().invoke(main, ["site", str(folder)])
    assert result.exit_code == 0, result.output
    return folder, result.output


#: test files whose tests are slow and independent (no module fixture): spread over the xdist
#: workers test by test. Every other file's tests stay together on one worker, so its module
#: fixtures (servers, a triplestore, a site build) start once (pytest -n auto --dist loadgroup).
SPREAD = {"test_build.py", "test_kgx.py", "test_facts.py", "test_diff.py", "test_cli.py", "test_guard.py"}
#: test files that share an expensive session fixture, and so one worker: file name -> group
SHARED = {"test_site.py": "site", "test_browser.py": "site"}


def _group(item) -> str | None:
    """The xdist group of a test: its file's (or SHARED's), none for a test of a SPREAD file."""
    return None if item.path.name in SPREAD else SHARED.get(item.path.name, item.path.name)


def pytest_itemcollected(item):
    """Marked as each test is collected: xdist reads the groups into the test ids in its own
    pytest_collection_modifyitems, where a mark added by ours came too late."""
    if group := _group(item):
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_modifyitems(items):
    """The order xdist hands out the groups (pyproject: --no-loadscope-reorder), one to each
    worker to start with: the largest group that needs the graph build (its worker builds), then
    every group that needs none (the other worker runs them meanwhile), then the rest, larger
    groups first (xdist's own default order)."""
    def group(item):
        return _group(item) or item.nodeid

    sizes = Counter(group(item) for item in items)
    builds = list(dict.fromkeys(group(item) for item in items if "built" in item.fixturenames))  # in order:
    first = max(builds, key=sizes.__getitem__, default=None)  # every worker must pick the same

    def rank(item):
        name = group(item)
        return (0 if name == first else 1 if name not in builds else 2), -sizes[name]

    items.sort(key=rank)


@pytest.fixture(scope="session")
def ask(store, rdflib_ds, tmp_path_factory):
    """Run a canned query on pyoxigraph AND rdflib; assert both engines agree; rows as dicts.
    The engines are compared once per query and resolved parameters in a test run: tests that ask
    the same question (by other spellings too, on either xdist worker) read the rows already
    checked, kept as JSON in a folder all workers share (as the build is)."""
    from hcc_kg.answer.catalogue import catalogue
    from hcc_kg.answer.params import bindings
    from hcc_kg.answer.store import run, run_rdflib

    checked = _run_folder(tmp_path_factory) / "asked"
    checked.mkdir(exist_ok=True)

    def compared(query_name: str, text: str, subs: dict) -> list[dict]:
        ox_result = run(text, store, subs, query_name)
        rdf_result = run_rdflib(text, rdflib_ds, subs)
        assert ox_result.columns == rdf_result.columns
        assert ordered(ox_result.rows) == ordered(rdf_result.rows), f"{query_name}: engines disagree"
        return ox_result.as_dicts()

    def run_both(query_name: str, /, **params: str) -> list[dict]:
        query = catalogue()[query_name]
        subs = bindings(query, params, store)
        key = (query_name, tuple(sorted((str(name), str(term)) for name, term in subs.items())))
        rows = checked / f"{hashlib.sha256(repr(key).encode()).hexdigest()}.json"
        with FileLock(rows.with_suffix(".lock")):
            if not rows.exists():
                rows.write_text(json.dumps(compared(query_name, query.text, subs)), encoding="utf-8")
            return json.loads(rows.read_text(encoding="utf-8"))

    return run_both


# --- real triplestores on loopback (tests/export/test_load.py, tests/export/test_stores.py) ----------------------


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory):
    """A read-write Oxigraph server with an empty database, one per test session: (store URL, query URL)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running([oxigraph_cli(), "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                  "--bind", f"127.0.0.1:{port}", "--union-default-graph"], url + "/"):
        yield url + "/store", url + "/query"


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DirsAllowed = {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = {seconds}
"""


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """Virtuoso with a throwaway database, bound to loopback, one per test session (it takes a while
    to start): (GSP URL, SPARQL URL). Default login dba/dba."""
    exe = shutil.which("virtuoso-t")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("virtuoso-t is missing: .ci/run installs virtuoso-opensource-7-bin")
        pytest.skip("virtuoso-t not installed (apt-get install virtuoso-opensource-7-bin)")
    folder = tmp_path_factory.mktemp("virtuoso")
    port = free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(d=folder, sql=free_port(), http=port, seconds=VIRTUOSO_QUERY_SECONDS))
    url = f"http://127.0.0.1:{port}"
    with running([exe, "+foreground", "+configfile", str(folder / "virtuoso.ini")], url + "/sparql?query=ASK%7B%7D",
                 120, cwd=folder):
        yield url + "/sparql-graph-crud-auth", url + "/sparql"
