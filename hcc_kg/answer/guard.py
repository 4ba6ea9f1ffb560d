"""The query guard: one function that every engine calls before it runs a query text.

It caps the size of a query on every path. Whether it also reads the text for SERVICE depends on
the process it runs in:

- In an engine process under the network filter (:mod:`hcc_kg.answer.sandbox`, Linux) it does not: the
  operating system, not a reading of the text, stops a federated call (the engine is ended and the
  query refused), so a query that merely mentions "service" (``?s a dcat:DataService``, a variable
  ``?services``, a comment) is answered.
- Anywhere else (an engine where the filter cannot be installed, or a caller's own process running
  :func:`hcc_kg.answer.store.run` directly) the word ban applies. Deciding with a second parser is not
  safe: two parsers read the same text differently (a bare CR ends a comment for Oxigraph only;
  rdflib expands ``\\u0022`` inside a string, Oxigraph does not; rdflib reads 8 hex digits after
  ``\\u``), and every difference lets a SERVICE through. So the ban does not parse: it refuses any
  query in which the word ``service`` appears at all, in any case, even inside a string, an IRI or
  a comment, in the text as sent and after SPARQL's codepoint escapes are expanded in every way an
  engine might read them. That is strictly more conservative than any parser; the price is that a
  query which merely mentions the word is refused too, and the message says so.

Updates need no text check: every path runs queries through ``Store.query``, whose grammar has
no update forms (an update is a syntax error there); ``execute.explain`` names it as an update.
"""

from __future__ import annotations

import re

from hcc_kg.answer import sandbox
from hcc_kg.errors import HccKgError

MAX_QUERY = 64 * 1024  # bytes of query text (UTF-8), on every path
MAX_READINGS = 64

_KEYWORD = "service"
#: \uXXXX and \UXXXXXXXX as the SPARQL grammar reads them, and \u followed by 8 hex digits as
#: rdflib reads it; applied one at a time and together, repeatedly
_ESCAPES = (
    re.compile(r"\\u([0-9A-Fa-f]{4})"),
    re.compile(r"\\U([0-9A-Fa-f]{8})"),
    re.compile(r"\\u([0-9A-Fa-f]{8})"),
)


class RefusedQuery(HccKgError):
    """A query refused by the guard (HTTP 400 when served)."""


class QueryTooLarge(RefusedQuery):
    """A query over MAX_QUERY bytes (HTTP 413 when served)."""


def _expand(pattern: re.Pattern, text: str) -> str:
    def char(m: re.Match) -> str:
        code = int(m[1], 16)
        return chr(code) if code <= 0x10FFFF else m[0]

    return pattern.sub(char, text)


def readings(text: str, name: str = "query") -> set[str]:
    """The text as every engine might read it: as sent, and with each kind of codepoint escape
    (and each combination, repeatedly, until nothing new appears) expanded. Every expansion
    shortens the text, so this ends; past MAX_READINGS the query is refused rather than checked
    in part."""
    seen, frontier = {text}, [text]
    while frontier:
        current = frontier.pop()
        both = _expand(_ESCAPES[1], _expand(_ESCAPES[0], current))
        for variant in [_expand(p, current) for p in _ESCAPES] + [both]:
            if variant not in seen:
                if len(seen) == MAX_READINGS:
                    raise RefusedQuery(f"{name}: too many layers of \\u escapes to check (over {MAX_READINGS} readings)")
                seen.add(variant)
                frontier.append(variant)
    return seen


#: the first words of every refusal of a federated query (the word ban's and the filter's)
REFUSED = "SERVICE (federated query) is refused"


def word_ban_applies(allow_service: bool = False) -> bool:
    """The word ban applies unless the network filter is in force in this process (or the caller
    lets its own query call out)."""
    return not (allow_service or sandbox.in_force() or sandbox.is_open())


def check_query(text: str, allow_service: bool = False, name: str = "query") -> None:
    """Raise RefusedQuery for a query over the size cap, or, where the word ban applies, one that
    mentions SERVICE anywhere."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_QUERY:
        raise QueryTooLarge(f"{name}: the query is {size} bytes; at most {MAX_QUERY} are accepted")
    if not word_ban_applies(allow_service) or "\\" not in text and _KEYWORD not in text.casefold():
        return
    if any(_KEYWORD in reading.casefold() for reading in readings(text, name)):
        raise RefusedQuery(
            f"{name}: {REFUSED}: it would make this machine call another "
            "address. The guard refuses any query containing the word 'service' in any case, anywhere "
            "(also in a string, an IRI or a comment, and written with \\u escapes)")
