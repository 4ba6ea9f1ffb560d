"""`hcc-kg serve` over real HTTP on loopback: the SPARQL protocol, the guard on every method, the
protocol holes an attacker tries, and engines that are stopped, limited and restarted."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest
from sparql_http import http, json_rows, ordered
from test_engine import GRAPHS, MENTIONS, NESTED
from test_guard import ATTACKS, HOSTILE_TEXTS, REFUSED, attack, listener, reaches  # noqa: F401 - a fixture

from hcc_kg.answer.catalogue import catalogue
from hcc_kg.answer.store import run
from hcc_kg.bench.procs import free_port, running
from hcc_kg.constants import ENGINE_WORKERS, QUERY_TIMEOUT, RELEASE_NQ, RESERVED_ENGINES

pytestmark = pytest.mark.slow

ASK_DRUG = "ASK { ?s a <https://w3id.org/hcc-kg/ontology#Drug> }"


@contextmanager
def serving(release, *options):
    """`hcc-kg serve` on a free loopback port, stopped by its process id: (url, process)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running([sys.executable, "-m", "hcc_kg.cli", "serve", "--port", str(port), "--release", str(release),
                  *options], url + "/", 120) as process:
        yield url, process


@pytest.fixture(scope="module")
def endpoint(built):
    with serving(built[0]) as (url, process):
        yield url, process


def raw(url: str, request: bytes, timeout: float = 10) -> bytes:
    """Send bytes as they are and read the whole answer (the server closes or answers in full).
    The sending side stays open: a client that closes it has gone, and its query is stopped."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_canned_queries_over_http_match_embedded(name, endpoint, store):
    url, _ = endpoint
    text = catalogue()[name].text
    expected = ordered(run(text, store).rows)
    status, body = http(url + "/query", text)  # GET, JSON
    assert status == 200, body
    assert json_rows(body) == expected
    status, body = http(url + "/query", method="POST", form={"query": text}, accept="text/csv")  # POST form, CSV
    assert status == 200, body
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert ordered(tuple(v or None for v in r) for r in rows) == expected


def test_post_sparql_query_body_and_other_formats(endpoint):
    url, _ = endpoint
    status, body = http(url + "/query", method="POST", data=ASK_DRUG, ctype="application/sparql-query")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, body = http(url + "/query", ASK_DRUG, accept="application/sparql-results+xml")
    assert status == 200 and "<boolean>true</boolean>" in body
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    status, body = http(url + "/query", construct, accept="text/turtle")
    from rdflib import Graph

    assert status == 200 and len(Graph().parse(data=body, format="turtle")) == 3
    status, body = http(url + "/query", construct, accept="application/n-triples")
    assert status == 200 and len(body.splitlines()) == 3


@pytest.mark.parametrize("how", ["update-endpoint", "update-via-query", "update-param", "store"])
def test_updates_are_refused(how, endpoint):
    url, _ = endpoint
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    if how == "update-endpoint":
        status, body = http(url + "/update", method="POST", form={"update": update})
        assert status == 403 and "read-only" in body
    elif how == "update-via-query":
        status, body = http(url + "/query", method="POST", data=update, ctype="application/sparql-query")
        assert status == 400 and "updates" in body
    elif how == "update-param":
        status, body = http(url + "/query", method="POST", form={"update": update})
        assert status == 400 and "read-only" in body
    else:
        status, body = http(url + "/store", method="POST", data="<urn:a> <urn:b> <urn:c> .", ctype="text/turtle")
        assert status == 403
    status, body = http(url + "/query", "ASK { <urn:a> <urn:b> <urn:c> }")
    assert json.loads(body)["boolean"] is False


def _send(url: str, method: str, text: str):
    if method == "GET":
        return http(url + "/query", text)
    if method == "HEAD":
        return http(url + "/query", text, method="HEAD")
    if method == "POST-form":
        return http(url + "/query", method="POST", form={"query": text})
    return http(url + "/query", method="POST", data=text, ctype="application/sparql-query")


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST-form", "POST-sparql-query"])
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_over_http_never_reaches_the_listener(name, method, endpoint, listener, built):  # noqa: F811
    """Each attack is answered (Oxigraph reads no SERVICE in it) or refused in one line; one that
    reaches the listener from an engine without the filter (the control) is refused as SERVICE."""
    url, _ = endpoint
    target, hits = listener
    status, body = _send(url, method, attack(name, target))
    time.sleep(0.1)
    assert hits == []
    assert status in (200, 400), body
    assert method == "HEAD" or status == 200 or body.count("\n") == 1
    if reaches(name, target, hits, built[0]):
        assert status == 400 and (method == "HEAD" or body.startswith(REFUSED)), body
        answered_again(url, endpoint[1])


def answered_again(url: str, process, seconds: float = 120) -> None:
    """Wait until the engine stopped by a SERVICE is replaced (on a loaded machine a restart takes
    seconds; the tests after this one should not inherit a backlog of restarts)."""
    deadline = time.monotonic() + seconds
    while http(url + "/query", ASK_DRUG)[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    while len(engines(process.pid)) < ENGINE_WORKERS + RESERVED_ENGINES and time.monotonic() < deadline:
        time.sleep(0.5)


@pytest.mark.parametrize("name", ["class", "variable", "filter", "comment", "escaped"])
def test_a_query_that_mentions_service_is_answered_over_http(name, endpoint):
    url, _ = endpoint
    text, expected = MENTIONS[name]
    status, body = http(url + "/query", text)
    assert status == 200, body
    doc = json.loads(body)
    if "boolean" in doc:
        assert [{"result": str(doc["boolean"]).lower()}] == expected
    else:
        assert [{k: v["value"] for k, v in b.items()} for b in doc["results"]["bindings"]] == expected


def test_service_over_http_is_one_line_and_the_endpoint_goes_on(endpoint, listener):  # noqa: F811
    url, _ = endpoint
    target, hits = listener
    status, body = http(url + "/query", f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}")
    assert status == 400 and body.startswith(f"{REFUSED}: the query tried to open a network connection")
    assert body.count("\n") == 1 and hits == []
    status, body = http(url + "/query", ASK_DRUG)
    assert status == 200


def test_an_unknown_function_is_a_400(endpoint):
    url, _ = endpoint
    status, body = http(url + "/query", "SELECT (<urn:f>(1) AS ?x) WHERE {}")
    assert status == 400 and body == "query: the query cannot be evaluated: The custom function <urn:f> is not supported\n"


def n_of(status_body) -> int:
    status, body = status_body
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("graph", GRAPHS)
def test_from_and_the_dataset_parameters_give_the_graph(graph, endpoint):
    """FROM <g>, GRAPH <g>, and default-graph-uri=g in a GET, a POST form and a POST's URL agree."""
    url, _ = endpoint
    in_graph = n_of(http(url + "/query", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
    assert in_graph > 0
    assert n_of(http(url + "/query", f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}")) == in_graph
    dg = urllib.parse.urlencode({"default-graph-uri": graph})
    assert n_of(http(f"{url}/query?{dg}&" + urllib.parse.urlencode({"query": COUNT}))) == in_graph
    assert n_of(http(url + "/query", method="POST", form={"query": COUNT, "default-graph-uri": graph})) == in_graph
    assert n_of(http(f"{url}/query?{dg}", method="POST", data=COUNT, ctype="application/sparql-query")) == in_graph
    ng = urllib.parse.urlencode({"named-graph-uri": graph})
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert n_of(http(f"{url}/query?{ng}", method="POST", data=named, ctype="application/sparql-query")) == in_graph
    assert n_of(http(f"{url}/query?{ng}", method="POST", data=COUNT, ctype="application/sparql-query")) == 0


def test_the_union_stays_the_default_and_a_dataset_of_nothing_is_empty(endpoint, built):
    url, _ = endpoint
    quads = len((built[0] / RELEASE_NQ).read_text(encoding="utf-8").splitlines())  # each triple in one graph
    assert n_of(http(url + "/query", COUNT)) == quads
    assert n_of(http(url + "/query", "SELECT (COUNT(*) AS ?n) FROM <urn:nothing> WHERE { ?s ?p ?o }")) == 0


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_a_dataset_parameter_naming_another_graph_is_a_400(param, endpoint):
    url, _ = endpoint
    for target in (f"{url}/query?" + urllib.parse.urlencode({"query": COUNT, param: "http://127.0.0.1:9/g"}),):
        status, body = http(target)
        assert status == 400 and body.startswith(f"{param} <http://127.0.0.1:9/g> is not a graph of this endpoint")
        assert body.count("\n") == 1
    status, body = http(url + "/query", method="POST", form={"query": COUNT, param: "urn:nothing"})
    assert status == 400 and "is not a graph of this endpoint" in body


def test_the_start_up_line_says_which_protection_applies(built):
    import subprocess

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "hcc_kg.cli", "serve", "--port", str(port), "--workers", "1",
                                "--release", str(built[0])], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(2)]
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert lines[0].startswith(f"SPARQL endpoint: http://127.0.0.1:{port}/query")
    assert lines[1] == ("queries run in 1 engine processes (and 1 kept for quick queries) with no network access (a seccomp filter ends an engine "
                        "that opens a network socket); a query that mentions 'service' is answered\n")


def test_raw_cr_in_a_get_url_is_refused(endpoint, listener):  # noqa: F811
    url, _ = endpoint
    target, hits = listener
    path = "/query?query=" + urllib.parse.quote(f"SELECT * WHERE {{ #x\rSERVICE SILENT <{target}> {{ ?s ?p ?o }} \n}}")
    answer = raw(url, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 400") and REFUSED.encode() in answer
    assert hits == []


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_no_query_text_drops_the_connection(name, endpoint):
    url, _ = endpoint
    body = HOSTILE_TEXTS[name].encode("utf-8", "surrogatepass")  # a lone surrogate is not UTF-8: refused
    answer = raw(url, (f"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                       f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body,
                 timeout=QUERY_TIMEOUT + 30)  # an answer, however slow the shared machine: this is not a timing test
    head, _, text = answer.partition(b"\r\n\r\n")
    assert head.startswith((b"HTTP/1.1 200", b"HTTP/1.1 400")), answer[:300]
    assert head.startswith(b"HTTP/1.1 200") or text.count(b"\n") == 1
    status, _ = http(url + "/query", ASK_DRUG)
    assert status == 200


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", " 5", "0x10"])
def test_malformed_content_length_is_refused_without_reading_the_body(length, endpoint):
    url, _ = endpoint
    head = (f"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()
    answer = raw(url, head + b"ASK {}")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_a_body_over_the_cap_is_refused_with_413(endpoint):
    url, _ = endpoint
    status, body = http(url + "/query", method="POST", data="ASK {}" + " " * 300_000, ctype="application/sparql-query")
    assert status == 413
    status, body = http(url + "/query", method="POST", data="ASK {}" + " " * 70_000, ctype="application/sparql-query")
    assert status == 413 and "at most 65536" in body


def test_head_has_headers_and_no_body(endpoint):
    url, _ = endpoint
    answer = raw(url, ("HEAD /query?query=" + urllib.parse.quote(ASK_DRUG) +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"application/sparql-results+json" in head
    assert body == b""


@pytest.mark.parametrize("host, status", [("evil.example", 403), ("127.0.0.1.nip.io", 403), ("localhost", 200),
                                          ("127.0.0.1:7878", 200), ("[::1]:7878", 200)])
def test_host_header_is_checked_on_loopback(host, status, endpoint):
    url, _ = endpoint
    answer = raw(url, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    assert answer.startswith(f"HTTP/1.1 {status}".encode()), answer[:120]
    if status == 403:
        assert b"DNS rebinding" in answer


def test_trickling_clients_hold_no_thread(endpoint):
    """50 sockets that send a request one byte at a time, very slowly: a normal client is still
    answered at once."""
    url, _ = endpoint
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    slow = []
    for _ in range(50):
        conn = socket.create_connection((host, int(port)), timeout=5)
        conn.sendall(b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nA")
        slow.append(conn)
    try:
        started = time.monotonic()
        status, body = http(url + "/query", ASK_DRUG)
        assert status == 200 and json.loads(body)["boolean"] is True
        assert time.monotonic() - started < 10
    finally:
        for conn in slow:
            conn.close()


def test_query_page_opens_on_hcc_kg_offline(endpoint):
    url, _ = endpoint
    status, page = http(url + "/", accept="text/html")
    assert status == 200 and "<html" in page.lower()
    assert "/static/yasgui/yasgui.min.js" in page and "https://" not in page.split("<body>")[0]
    assert "first-line-pd1-tki" in page and "https://w3id.org/hcc-kg/ontology#" in page
    assert "/update" not in page
    status, script = http(url + "/static/yasgui/yasgui.min.js", accept="*/*")
    assert status == 200 and len(script) > 500_000
    status, _ = http(url + "/static/../pyproject.toml", accept="*/*")
    assert status == 404


def test_server_binds_loopback_only(endpoint):
    url, process = endpoint
    assert process.poll() is None and url.startswith("http://127.0.0.1:")


def test_results_over_the_byte_cap_are_an_error_not_a_cut(endpoint):
    url, _ = endpoint
    huge = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 3000000"  # ~ 1 GB of JSON
    status, body = http(url + "/query", huge)
    assert status == 400 and "over 64 MiB" in body


def test_a_short_load_has_no_errors(endpoint):
    """Concurrent clients for a fixed time (the figures go to benchmarks/load-test.md, not asserted)."""
    from hcc_kg.bench.load import load_test

    url, _ = endpoint
    result = load_test(url + "/query", clients=4, seconds=3)
    assert result["errors"] == 0, result["first_error"]
    assert result["requests"] > 0


# --- engines: stopped at the time limit, limited in memory, restarted when they die ---------------

def engines(server_pid: int) -> list[int]:
    """The engine processes of a server (its children that run hcc_kg.answer.execute's child)."""
    found = []
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:  # a thread that ended while we looked
            continue
        for pid in children:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"from hcc_kg.answer.execute import child" in cmdline:
                found.append(int(pid))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~5e12 solutions
MEMORY_BOMB = ('SELECT (STRLEN(?x27) AS ?n) WHERE { BIND("0123456789012345678901234567890123456789" AS ?x0) '
               + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(27)) + " }")  # 5 GB


@pytest.fixture(scope="module")
def strict_endpoint(built):
    """A second server: 2-second query timeout, 1 GiB per engine, 8 queries per client."""
    with serving(built[0], "--timeout", "2", "--memory", "1024", "--per-client", "8") as (url, process):
        yield url, process


def test_hostile_queries_are_stopped_and_a_simple_ask_still_answers(strict_endpoint):
    url, process = strict_endpoint
    outcome = {}

    def hostile(key, text):
        outcome[key] = http(url + "/query", text)

    workers = [threading.Thread(target=hostile, args=(k, t)) for k, t in
               (("cartesian", CARTESIAN), ("memory", MEMORY_BOMB))]
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    started = time.monotonic()
    status, body = http(url + "/query", ASK_DRUG)
    ask_seconds = time.monotonic() - started
    assert status == 200 and json.loads(body)["boolean"] is True
    assert ask_seconds < 2, ask_seconds  # answered while both hostile queries run
    for worker in workers:
        worker.join(timeout=60)
    assert outcome["cartesian"][0] == 504 and "did not finish within 2 s" in outcome["cartesian"][1]
    status, body = outcome["memory"]  # stopped by the memory limit or the time limit, whichever comes first
    assert status == 500 and "memory limit is 1024 MiB" in body or status == 504 and "within 2 s" in body, body
    time.sleep(3)  # replacements start in the background
    before = cpu_seconds(engines(process.pid))
    time.sleep(2)
    assert cpu_seconds(engines(process.pid)) - before < 0.5  # no engine work left running
    status, _ = http(url + "/query", ASK_DRUG)
    assert status == 200


def test_the_nested_collection_query_ends_at_the_deadline_over_http(strict_endpoint):
    url, _ = strict_endpoint
    status, body = http(url + "/query", NESTED)
    assert status == 504 and body == "the query did not finish within 2 s and was stopped\n"


def test_an_outside_kill_is_not_reported_as_the_memory_limit(built):
    """SIGKILL from outside, to the one engine while it runs a query: a 500 that says so, not the
    memory limit (both end the process; only a SIGABRT is the memory limit)."""
    with serving(built[0], "--workers", "1", "--reserve", "0", "--timeout", "120") as (url, process):
        outcome = {}
        asker = threading.Thread(target=lambda: outcome.update(answer=http(url + "/query", CARTESIAN)))
        asker.start()
        time.sleep(2)
        (engine,) = engines(process.pid)
        os.kill(engine, signal.SIGKILL)
        asker.join(timeout=60)
    status, body = outcome["answer"]
    assert status == 500 and body == ("the engine running the query was killed from outside (SIGKILL, by an operator "
                                      "or the system's out-of-memory killer), not by a limit of this program; it "
                                      "was restarted\n")


def test_killing_engines_while_they_start_never_grows_the_pool(strict_endpoint):
    """Each kill of an engine that is itself a replacement still starting: the pools come back to
    their size (4 general engines and 1 reserved), never above it."""
    url, process = strict_endpoint
    time.sleep(3)
    seen = []
    for _ in range(3):
        victims = engines(process.pid)
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        for _ in range(10):  # kill the replacements as they appear, before they are ready
            time.sleep(0.3)
            fresh = [pid for pid in engines(process.pid) if pid not in victims]
            seen.append(len(engines(process.pid)))
            for pid in fresh:
                os.kill(pid, signal.SIGKILL)
            victims += fresh
    deadline = time.monotonic() + 60
    size = ENGINE_WORKERS + RESERVED_ENGINES
    while len(engines(process.pid)) < size and time.monotonic() < deadline:
        time.sleep(0.5)
        seen.append(len(engines(process.pid)))
    time.sleep(3)
    seen.append(len(engines(process.pid)))
    assert max(seen) <= size and seen[-1] == size, seen
    deadline = time.monotonic() + 60
    while (status := http(url + "/query", ASK_DRUG)[0]) != 200 and time.monotonic() < deadline:
        time.sleep(0.5)  # the replacements are still loading the release
    assert status == 200


def test_the_endpoint_recovers_after_its_engines_are_killed(strict_endpoint):
    url, process = strict_endpoint
    time.sleep(3)
    victims = engines(process.pid)
    assert victims
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    deadline = time.monotonic() + 30
    while True:
        status, body = http(url + "/query", ASK_DRUG)
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200 and json.loads(body)["boolean"] is True
    assert not set(victims) & set(engines(process.pid))


def test_query_page_renders_in_a_real_browser(endpoint, tmp_path):
    """Debian's chromium, headless and offline, runs the page's scripts: YASGUI opens on the
    hcc-kg prefixes with a tab per canned query, and offers no other endpoint."""
    import shutil
    import subprocess

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    url, _ = endpoint
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           f"--user-data-dir={tmp_path}", "--virtual-time-budget=5000", "--dump-dom", url + "/"],
                          capture_output=True, text=True, timeout=120, check=False)
    dom = done.stdout
    assert 'class="yasgui' in dom, done.stderr[-2000:]
    for name in catalogue():
        assert f">{name}<" in dom, name
    assert "PREFIX</span>" in dom and "hcc:" in dom and "/update" not in dom


# --- the SPARQL 1.1 Protocol where it speaks, and HTTP on every path (issue 21, item 7) ---------------

def test_two_query_parameters_are_a_400(endpoint):
    """The protocol allows exactly one query; the server must not pick one of two."""
    url, _ = endpoint
    two = urllib.parse.urlencode([("query", ASK_DRUG), ("query", "ASK { ?s ?p 1 }")])
    status, body = http(url + "/query?" + two)
    assert status == 400 and "one 'query'" in body
    status, body = http(url + "/query", method="POST", data=two, ctype="application/x-www-form-urlencoded")
    assert status == 400 and "one 'query'" in body
    status, body = http(url + "/query?" + urllib.parse.urlencode({"query": ASK_DRUG}), method="POST",
                        form={"query": ASK_DRUG})  # one in the URL, one in the body
    assert status == 400 and "one 'query'" in body
    status, body = http(url + "/query?" + urllib.parse.urlencode({"query": ASK_DRUG}), method="POST", data=ASK_DRUG,
                        ctype="application/sparql-query")
    assert status == 400 and "one 'query'" in body


@pytest.mark.parametrize("how", ["GET", "POST-form"])
def test_a_query_that_is_not_utf8_is_a_400_not_a_replaced_byte(how, endpoint):
    url, _ = endpoint
    encoded = "query=" + urllib.parse.quote('ASK { ?s ?p "') + "%FF" + urllib.parse.quote('" }')
    if how == "GET":
        status, body = http(url + "/query?" + encoded)
    else:
        status, body = http(url + "/query", method="POST", data=encoded, ctype="application/x-www-form-urlencoded")
    assert status == 400 and "UTF-8" in body, body
    answer = raw(url, b"GET /query?query=ASK%20%7B%7D%C3 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_the_query_page_template_is_not_served_raw(endpoint):
    url, _ = endpoint
    status, body = http(url + "/static/query.html", accept="*/*")
    assert status == 404 and "{%" not in body and "{{" not in body


@pytest.mark.parametrize("ext", ["ttl", "nt", "jsonld"])
def test_an_index_page_in_an_rdf_format_is_not_html(ext, endpoint):
    url, _ = endpoint
    status, body = http(url + f"/resource/drug/index.{ext}", accept="*/*")
    assert status == 404 and "<html" not in body.lower(), body[:200]
    status, body = http(url + "/resource/drug/index.html", accept="*/*")
    assert status == 200 and "<html" in body.lower()


@pytest.mark.parametrize("method, path, allow", [
    ("POST", "/", "GET, HEAD"), ("DELETE", "/", "GET, HEAD"), ("POST", "/overview.html", "GET, HEAD"),
    ("DELETE", "/resource/drug/atezolizumab", "GET, HEAD"), ("PUT", "/static/site.css", "GET, HEAD"),
    ("PUT", "/static/yasgui/yasgui.min.js", "GET, HEAD"), ("DELETE", "/query", "GET, HEAD, POST"),
    ("PUT", "/query", "GET, HEAD, POST")])
def test_a_method_a_path_does_not_take_is_a_405_with_allow(method, path, allow, endpoint):
    url, _ = endpoint
    answer = raw(url, f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                 .encode())
    head = answer.partition(b"\r\n\r\n")[0].decode()
    assert head.startswith("HTTP/1.1 405"), head
    assert f"\r\nAllow: {allow}\r\n" in head, head


@pytest.mark.parametrize("host", ["LOCALHOST", "LocalHost:7878", "LOCALHOST."])
def test_host_names_are_compared_without_case(host, endpoint):
    url, _ = endpoint
    answer = raw(url, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def test_refusal_statuses_are_decided_in_one_table():
    """Each refusal is an exception class; serve.status_of is the one place that gives it a status
    (the engine and the admission policy name none)."""
    import re

    from hcc_kg.answer import engine, execute, pool
    from hcc_kg.answer.guard import QueryTooLarge, RefusedQuery
    from hcc_kg.web import admission, serve

    assert serve.status_of(QueryTooLarge("x")) == 413 and serve.status_of(RefusedQuery("x")) == 400
    assert serve.status_of(admission.TooManyQueries("x")) == 429
    assert serve.status_of(pool.EnginesBusy("x")) == 503 and serve.status_of(engine.QueryTimedOut("x")) == 504
    assert serve.status_of(engine.EngineStopped("x")) == 500 and serve.status_of(ValueError("x")) == 500
    for module in (engine, execute, pool, admission):
        assert not re.search(r"\b(4\d\d|5\d\d)\b", Path(module.__file__).read_text(encoding="utf-8")), module
