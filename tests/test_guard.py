"""The guard: SERVICE, LOAD and updates are refused on every local path, found by parsing."""

from __future__ import annotations

import socket
import threading

import pytest
from click.testing import CliRunner

from hcc_kg.cli import main
from hcc_kg.guard import RefusedQuery, check_query


@pytest.fixture()
def listener():
    """A real TCP listener on another loopback port; records whether anything connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(conn.recv(1024))
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(timeout=2)
    server.close()


SERVICE_QUERIES = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "PREFIX e: <http://127.0.0.1:{port}/>\n# a comment\nSELECT * WHERE { ?a ?b ?c . sErViCe SILENT e:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { { SELECT ?s WHERE { OPTIONAL { SERVICE <http://127.0.0.1:{port}/> { ?s ?p ?o } } } } }",
    "ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:{port}/> { ?s ?p ?o } } }",
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_never_reaches_the_listener(template, listener, built, monkeypatch):
    import hcc_kg.store as store

    port, hits = listener
    release, _ = built
    monkeypatch.setattr(store, "RELEASE", release)
    result = CliRunner().invoke(main, ["query", template.replace("{port}", str(port))])
    assert result.exit_code == 1
    assert "SERVICE (federated query) is refused" in result.output
    assert hits == []


@pytest.mark.parametrize("text", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/x>",
    "CLEAR ALL",
    "PREFIX x: <urn:x>\nDROP GRAPH <urn:g>",
])
def test_updates_are_refused(text):
    with pytest.raises(RefusedQuery, match="updates .* are refused"):
        check_query(text)


def test_syntax_error_names_line_and_column():
    with pytest.raises(RefusedQuery, match=r"SPARQL syntax error at line 2, column \d+"):
        check_query("SELECT ?x\nWHERE { ?x ?y }")


def test_python_api_refuses_service_too(store):
    from hcc_kg.store import run

    with pytest.raises(RefusedQuery):
        run("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", store)


def test_plain_queries_pass():
    check_query("PREFIX s: <http://example.org/service#>\nSELECT ?service WHERE { ?service a s:SERVICE }")
