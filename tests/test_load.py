"""`hcc-kg load`: the release pushed over the Graph Store Protocol into two real stores on
loopback (an Oxigraph server in read-write mode, and Virtuoso), then queried through each
store's own SPARQL endpoint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from sparql_http import count, http, json_rows, ordered

from hcc_kg.constants import RELEASE_NQ
from hcc_kg.procs import free_port, oxigraph_cli, running
from hcc_kg.store import catalogue, run

pytestmark = pytest.mark.slow

GRAPHS = ("asserted", "inferred", "metadata", "ontology")


def hcc_kg(*args):
    return subprocess.run([sys.executable, "-m", "hcc_kg.cli", *args], capture_output=True, text=True, timeout=300,
                          check=False)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    """A read-write Oxigraph server with an empty database: (store URL, query URL)."""
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
MaxQueryExecutionTime = 120
"""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """Virtuoso with a throwaway database, bound to loopback: (GSP URL, SPARQL URL). Default login dba/dba."""
    exe = shutil.which("virtuoso-t")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("virtuoso-t is missing: .ci/run installs virtuoso-opensource-7-bin")
        pytest.skip("virtuoso-t not installed (apt-get install virtuoso-opensource-7-bin)")
    folder = tmp_path_factory.mktemp("virtuoso")
    port = free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(d=folder, sql=free_port(), http=port))
    url = f"http://127.0.0.1:{port}"
    with running([exe, "+foreground", "+configfile", str(folder / "virtuoso.ini")], url + "/sparql?query=ASK%7B%7D",
                 120, cwd=folder):
        yield url + "/sparql-graph-crud-auth", url + "/sparql"


def graph_count(sparql, iri):
    return count(sparql, f"GRAPH <{iri}> {{ ?s ?p ?o }}")


def test_load_into_oxigraph_keeps_named_graphs_and_answers_every_canned_query(oxigraph, built, store):
    gsp, sparql = oxigraph
    release, result = built
    done = hcc_kg("load", gsp, "--release", str(release))
    assert done.returncode == 0, done.stderr
    for name in GRAPHS:
        assert f"replaced <https://w3id.org/hcc-kg/graph/{name}>: {len(result.graphs[name])} triples" in done.stdout
        assert graph_count(sparql, f"https://w3id.org/hcc-kg/graph/{name}") == len(result.graphs[name])
    for name, query in sorted(catalogue().items()):
        status, body = http(sparql, method="POST", form={"query": query.text})
        assert status == 200, f"{name}: {body[:300]}"
        assert json_rows(body) == ordered(run(query.text, store).rows), name


def test_load_replaces_or_appends_and_merges_into_one_graph(oxigraph, built):
    gsp, sparql = oxigraph
    release, _ = built
    merged = "urn:example:hcc-kg"
    lines = (release / "hcc-kg.nt").read_text(encoding="utf-8").splitlines()
    union, blank = len(lines), sum(" _:" in line or line.startswith("_:") for line in lines)
    assert hcc_kg("load", gsp, "--release", str(release), "--graph", merged).returncode == 0
    assert graph_count(sparql, merged) == union  # one graph, duplicates across graphs merged
    http(gsp + "?graph=" + merged, method="POST", data="<urn:a> <urn:b> <urn:c> .", ctype="application/n-triples")
    assert graph_count(sparql, merged) == union + 1
    done = hcc_kg("load", gsp, "--release", str(release), "--graph", merged, "--append")
    assert done.returncode == 0 and f"appended <{merged}>: {union} triples" in done.stdout
    # append keeps what was there; blank nodes are fresh on every POST (RDF merge), so the
    # ontology's blank-node triples (OWL restrictions and lists) are added again
    assert graph_count(sparql, merged) == union + 1 + blank
    assert hcc_kg("load", gsp, "--release", str(release), "--graph", merged).returncode == 0
    assert graph_count(sparql, merged) == union  # replace drops it


def test_load_into_virtuoso_answers_every_canned_query(virtuoso, built, store):
    gsp, sparql = virtuoso
    release, result = built
    done = hcc_kg("load", gsp, "--release", str(release), "--user", "dba", "--password", "dba")
    assert done.returncode == 0, done.stderr
    for name in GRAPHS:
        assert graph_count(sparql, f"https://w3id.org/hcc-kg/graph/{name}") == len(result.graphs[name])
    wrong = []
    for name, query in sorted(catalogue().items()):
        status, body = http(sparql, method="POST", form={"query": query.text})
        if status != 200 or json_rows(body) != ordered(run(query.text, store).rows):
            wrong.append(f"{name}: HTTP {status} {body[:200] if status != 200 else 'different rows'}")
    assert not wrong, "\n".join(wrong)


def test_a_store_that_refuses_gives_a_clear_error(virtuoso, built):
    gsp, _ = virtuoso
    release, _ = built
    done = hcc_kg("load", gsp, "--release", str(release))  # no credentials
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "the store refused PUT of graph <https://w3id.org/hcc-kg/graph/" in done.stderr
    assert "HTTP 401" in done.stderr and "check --user and --password" in done.stderr
    done = hcc_kg("load", gsp, "--release", str(release), "--user", "dba", "--password", "wrong")
    assert done.returncode == 1 and "HTTP 401" in done.stderr


def test_unreachable_store_and_bad_url(built):
    release, _ = built
    done = hcc_kg("load", f"http://127.0.0.1:{free_port()}/store", "--release", str(release))
    assert done.returncode == 1 and "cannot reach the store" in done.stderr and "Traceback" not in done.stderr
    done = hcc_kg("load", "ftp://example.org/x", "--release", str(release))
    assert done.returncode == 1 and "not an http(s) URL" in done.stderr


def test_corrupt_release_is_refused_before_anything_is_sent(oxigraph, built, tmp_path):
    gsp, sparql = oxigraph
    release, _ = built
    broken = tmp_path / "release"
    shutil.copytree(release, broken)
    text = (broken / RELEASE_NQ).read_text(encoding="utf-8")
    (broken / RELEASE_NQ).write_text(text[: len(text) // 2], encoding="utf-8")  # truncated mid-line
    target = "urn:example:never"
    done = hcc_kg("load", gsp, "--release", str(broken), "--graph", target)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{broken / RELEASE_NQ}: corrupt release file: its sha256 differs" in done.stderr
    assert graph_count(sparql, target) == 0
