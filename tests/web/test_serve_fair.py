"""`hcc-kg serve` under hostile load, on loopback: clients that fill every engine, trickling sockets,
clients that go away, cross-site posts. Each client is a loopback source address of its own
(127.0.0.N). Behaviour only: how fast is the benchmark's business (`hcc-kg loadtest --hostile`);
the bounds here are hang-guards."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse

import pytest
from sparql_http import http
from test_serve import ASK_DRUG, CARTESIAN, engines, serving

from hcc_kg.bench.load import hostile_load

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fair_endpoint(built):
    """Two general engines and one reserved, 20-second queries, a 3-second read deadline."""
    with serving(built[0], "--workers", "2", "--reserve", "1", "--timeout", "20", "--read-timeout", "3") as served:
        yield served


def connect(url: str, source: str) -> socket.socket:
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    return socket.create_connection((host, int(port)), timeout=30, source_address=(source, 0))


def post(conn: socket.socket, text: str, close: bool = False) -> None:
    body = urllib.parse.urlencode({"query": text}).encode()
    conn.sendall(b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 + (b"Connection: close\r\n" if close else b"") + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


def read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def settled_engines(pid: int) -> set[int]:
    """The server's engine processes once none has been replaced for two seconds (at most 60 s)."""
    deadline = time.monotonic() + 60
    seen = set(engines(pid))
    while time.monotonic() < deadline:
        time.sleep(2)
        now = set(engines(pid))
        if now == seen:
            return now
        seen = now
    return seen


def stopped_one_of(pid: int, before: set[int], seconds: float = 10) -> bool:
    """Whether one of ``before`` ended (was stopped and replaced) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if before - set(engines(pid)):
            return True
        time.sleep(0.2)
    return False


def test_a_cheap_query_is_answered_while_hostile_clients_fill_every_engine(fair_endpoint):
    """Four clients each keep four cartesian COUNTs in flight (two general engines, 20 s each): the
    probe client's ASKs, a static file and the query page are all answered."""
    url, _ = fair_endpoint
    result = hostile_load(url, clients=4, per_client=4, tricklers=0, seconds=12)
    for probe in ("ask", "static", "page"):
        assert result[probe]["n"] > 0 and result[probe]["ok"] == result[probe]["n"], (probe, result)
    assert result["hostile"].get("429", 0) > 0, result  # each hostile client is held to its share


def test_trickling_sockets_do_not_starve_new_clients(fair_endpoint):
    """250 sockets that send a header line every second and reconnect when dropped: new clients are
    answered, and the read deadline closes the tricklers."""
    url, _ = fair_endpoint
    result = hostile_load(url, clients=0, tricklers=250, seconds=10, trickle_every=1)
    for probe in ("ask", "static", "page"):
        assert result[probe]["n"] > 0 and result[probe]["ok"] == result[probe]["n"], (probe, result)
    assert result["hostile"]["trickling sockets closed by the server"] >= 250, result


def test_a_query_whose_client_disconnects_is_stopped(fair_endpoint):
    """The engine that runs a query whose client has gone is stopped (and replaced) at once, not
    at the end of the query's 20 seconds."""
    url, process = fair_endpoint
    before = settled_engines(process.pid)
    conn = connect(url, "127.0.0.41")
    post(conn, CARTESIAN)
    time.sleep(1.5)
    assert not stopped_one_of(process.pid, before, 0.5)  # it runs
    conn.close()
    assert stopped_one_of(process.pid, before)
    status, body = http(url + "/query", ASK_DRUG)
    assert status == 200 and json.loads(body)["boolean"] is True


def test_a_client_over_its_share_gets_429_and_pages_still_answer(fair_endpoint):
    url, process = fair_endpoint
    before = settled_engines(process.pid)
    held = [connect(url, "127.0.0.42") for _ in range(2)]
    try:
        for conn in held:
            post(conn, CARTESIAN)
        time.sleep(1)
        third = connect(url, "127.0.0.42")
        post(third, ASK_DRUG, close=True)
        answer = read_all(third)
        third.close()
        assert answer.startswith(b"HTTP/1.1 429") and b"\r\nRetry-After: " in answer, answer[:300]
        assert b"at most 2 per client" in answer
        status, body = http(url + "/query", ASK_DRUG)  # another client
        assert status == 200 and json.loads(body)["boolean"] is True
        assert http(url + "/static/site.css", accept="*/*")[0] == 200
        assert http(url + "/", accept="text/html")[0] == 200
    finally:
        for conn in held:
            conn.close()
    assert stopped_one_of(process.pid, before)  # the held queries went with their connections


@pytest.mark.parametrize("headers, status", [
    ({"Origin": "http://evil.example"}, 403), ({"Origin": "null"}, 403), ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403), ({"Origin": "http://127.0.0.1:1"}, 403),
    ({}, 200), ({"Sec-Fetch-Site": "same-origin"}, 200), ({"Sec-Fetch-Site": "none"}, 200), ("own", 200),
    ("own-behind-tls", 200)])
def test_a_cross_site_form_post_is_refused_on_loopback(headers, status, fair_endpoint):
    """A page of another site may not make the browser post queries to a loopback endpoint."""
    import urllib.error
    import urllib.request

    url, _ = fair_endpoint
    if headers in ("own", "own-behind-tls"):  # a TLS proxy in front: the page's origin is https
        headers = {"Origin": url if headers == "own" else url.replace("http:", "https:")}
    request = urllib.request.Request(url + "/query", data=urllib.parse.urlencode({"query": ASK_DRUG}).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            got, body = response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        got, body = err.code, err.read().decode()
    assert got == status, body
    if status == 403:
        assert "another site" in body and "--cors" in body


def test_cors_allows_a_cross_site_post(built):
    with serving(built[0], "--cors", "--workers", "1", "--reserve", "0") as (url, _):
        import urllib.request

        request = urllib.request.Request(url + "/query", data=urllib.parse.urlencode({"query": ASK_DRUG}).encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
