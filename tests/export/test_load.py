"""`hcc-kg load`: the release pushed over the Graph Store Protocol into two real stores on
loopback (an Oxigraph server in read-write mode, and Virtuoso), then queried through each
store's own SPARQL endpoint."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from sparql_http import count, http, json_rows, ordered

from hcc_kg.answer.catalogue import catalogue
from hcc_kg.answer.store import run
from hcc_kg.bench.procs import free_port
from hcc_kg.constants import RELEASE_NQ

pytestmark = pytest.mark.slow

GRAPHS = ("asserted", "inferred", "metadata", "ontology")


def hcc_kg(*args):
    return subprocess.run([sys.executable, "-m", "hcc_kg.cli", *args], capture_output=True, text=True, timeout=300,
                          check=False)


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


# --- the boundary: a fake store on loopback misbehaves, a listener stands in for another origin -----

def one_line(done) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def release_counts():
    """(triples of the committed release's union, how many hold a blank node)."""
    from hcc_kg.constants import RELEASE

    lines = (RELEASE / "hcc-kg.nt").read_text(encoding="utf-8").splitlines()
    return len(lines), sum(" _:" in line or line.startswith("_:") for line in lines)


def redirecting(where: str, code: int, to: str):
    """A store asking for Basic credentials that answers ``where`` with a redirect to ``to`` (the
    first HEAD, which asks how to authenticate; the other methods once authenticated)."""
    from loopback import honest

    def behave(handler, method):
        authorized = "Authorization" in handler.headers
        if method == where and (authorized or method == "HEAD"):
            if method in ("PUT", "POST"):
                handler.body()
            handler.reply(code, headers={"Location": to + "stolen?graph=x"})
        elif not authorized:
            handler.reply(401, headers={"WWW-Authenticate": 'Basic realm="store"'})
        else:
            honest(handler, method)
    return behave


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("where", ["HEAD", "PUT", "POST", "GET"])
def test_load_follows_no_redirect_and_sends_no_credentials_elsewhere(where, code):
    """The old client followed a 302 on POST to another origin as a GET with the Basic
    credentials, then reported success."""
    from loopback import fake_store, listener

    with listener(b"") as (elsewhere, hits), fake_store(redirecting(where, code, elsewhere)) as store:
        done = hcc_kg("load", store.url, "--graph", "urn:g", "--user", "dba", "--password", "secret",
                      *(["--append"] if where == "POST" else []))
    assert hits == []
    line = one_line(done)
    assert f"the store answered {where} of graph <urn:g> with HTTP {code}" in line
    assert f"to {elsewhere}stolen?graph=x: a redirect is not followed" in line


def forgetting(change):
    """An honest store but for what ``change`` does to the graph it returns on GET."""
    from loopback import honest

    def behave(handler, method):
        if method == "GET" and handler.graph() in handler.server.graphs:
            lines = change(sorted(handler.server.graphs[handler.graph()]))
            if lines is None:
                return handler.reply(404)
            ctype = "application/n-triples"
            if isinstance(lines, tuple):
                ctype, lines = lines
            return handler.reply(200, ("\n".join(lines) + "\n").encode(), {"Content-Type": ctype})
        honest(handler, method)
    return behave


def drop_first(blank: bool):
    def drop(lines):
        first = next(x for x in lines if ("_:" in x) == blank)
        return [line for line in lines if line != first]
    return drop


def changed_literal(lines):
    first = next(i for i, line in enumerate(lines) if '"' in line and "_:" not in line)
    return lines[:first] + [lines[first].replace('"', '"x', 1)] + lines[first + 1:]


STORE_FAULTS = {  # what the store returns on GET -> the end of the line
    "nothing (404)": (lambda lines: None, "{ground} of the {ground} triples without a blank node are missing"),
    "an empty graph": (lambda lines: [], "{ground} of the {ground} triples without a blank node are missing"),
    "one triple less": (drop_first(blank=False), "1 of the {ground} triples without a blank node are missing"),
    "a literal changed": (changed_literal, "1 of the {ground} triples without a blank node are missing"),
    "a blank-node triple less": (drop_first(blank=True),
                                 "it holds {less_blank} triples with a blank node, {blank} were sent"),
    "one triple more": (lambda lines: [*lines, "<urn:a> <urn:b> <urn:c> ."], "it holds {more} triples, {sent} were sent"),
}


@pytest.mark.parametrize("fault", sorted(STORE_FAULTS))
def test_load_checks_that_the_store_holds_what_it_sent(fault):
    """The old client reported every graph sent as soon as the store said 2xx."""
    from loopback import fake_store

    sent, blank = release_counts()
    change, message = STORE_FAULTS[fault]
    with fake_store(forgetting(change)) as store:
        done = hcc_kg("load", store.url, "--graph", "urn:g")
    assert one_line(done).endswith(
        "the store does not hold what was sent to graph <urn:g>: " + message.format(
            ground=sent - blank, blank=blank, less_blank=blank - 1, sent=sent, more=sent + 1) + " (read back with GET)")


def test_load_reads_back_only_line_formats():
    """RDF/XML read back could carry entities (a parser's trap): not parsed."""
    from loopback import fake_store

    with fake_store(forgetting(lambda lines: ("application/rdf+xml", lines))) as store:
        done = hcc_kg("load", store.url, "--graph", "urn:g")
    assert one_line(done).endswith("cannot check graph <urn:g>: the store answered GET with application/rdf+xml; "
                                   "expected N-Triples, Turtle or N-Quads")


def test_load_into_an_honest_fake_store_passes_the_check():
    """The control: the check passes when the store holds the triples, replaced or appended."""
    from loopback import fake_store

    sent, _ = release_counts()
    with fake_store() as store:
        assert hcc_kg("load", store.url, "--graph", "urn:g").returncode == 0
        store.graphs["urn:g"].append("<urn:a> <urn:b> <urn:c> .")
        done = hcc_kg("load", store.url, "--graph", "urn:g", "--append")
        assert done.returncode == 0 and done.stdout == f"appended <urn:g>: {sent} triples\n", done.stderr
        assert len(store.graphs["urn:g"]) == 2 * sent + 1


def trickling(where: str):
    from loopback import honest, trickle

    def behave(handler, method):
        if method == where:
            if method in ("PUT", "POST"):
                handler.body()
            return trickle(handler)
        if method == "HEAD" and "Authorization" not in handler.headers:
            return handler.reply(401, headers={"WWW-Authenticate": 'Basic realm="store"'})
        honest(handler, method)
    return behave


@pytest.mark.parametrize("where, step", [
    ("HEAD", "asking the store how to authenticate (HEAD of graph <urn:g>)"),
    ("PUT", "sending graph <urn:g> (PUT)"),
    ("GET", "reading graph <urn:g> back (GET)"),
])
def test_a_trickling_store_cannot_outlast_the_deadline(where, step):
    """One byte every 0.2 s kept the old client waiting (each byte restarted its socket timeout)."""
    from loopback import fake_store

    with fake_store(trickling(where)) as store:
        done = hcc_kg("load", store.url, "--graph", "urn:g", "--user", "u", "--password", "p", "--timeout", "2")
    assert one_line(done).endswith(f"the store did not finish within the 2 s deadline (--timeout); it was {step}")


@pytest.mark.parametrize("url, message", [
    ("http://[::1", "'http://[::1': not a valid URL: Invalid port: ':1'"),
    ("http://[::1]]/", "not a valid URL: Invalid IPv6 address"),
    ("http://127.0.0.1:abc/", "not a valid URL: Invalid port: 'abc'"),
    ("http://xn--/", "not a valid URL: Malformed A-label"),
    ("http://ex\x01ample/", "not a valid URL: Invalid non-printable ASCII character"),
    ("http://[::1]:99999/", "http://[::1]:99999/: port 99999 is not in 1-65535"),
    ("http://", "http://: the URL names no host"),
    ("http:///store", "http:///store: the URL names no host"),
    ("http://dba:dba@127.0.0.1:1/store", ("http://127.0.0.1:1/store: give credentials with --user and --password, "
                                         "not in the URL")),
    ("ftp://example.org/x", "not an http(s) URL"),
    ("store", "store: not an http(s) URL"),
])
def test_a_malformed_url_is_one_line(url, message):
    line = one_line(hcc_kg("load", url))
    assert line.startswith("error: ") and message in line
    assert "dba:dba" not in line


def test_a_graph_that_is_no_iri_is_one_line():
    line = one_line(hcc_kg("load", "http://127.0.0.1:1/store", "--graph", "urn:x> <urn:y"))
    assert line == "error: --graph 'urn:x> <urn:y': not an IRI: Invalid IRI code point '>'"
