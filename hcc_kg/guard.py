"""The query guard: every path that runs SPARQL parses it first and refuses federation and updates.

The Oxigraph server, embedded pyoxigraph and rdflib all execute ``SERVICE <url>`` by default, so a
query could make this machine call any address. The guard parses the query with rdflib's SPARQL
parser (not a string match: comments, prefixes and spacing cannot hide a SERVICE) and refuses
updates (INSERT, DELETE, LOAD, CLEAR, ...) and any SERVICE pattern.
"""

from __future__ import annotations

import threading

from hcc_kg.errors import HccKgError

#: rdflib's SPARQL parser (pyparsing) is not thread-safe: the server's threads parse one at a time
_PARSER = threading.Lock()


class RefusedQuery(HccKgError):
    """A query refused by the guard (HTTP 400 when served)."""


def _has_service(node: object) -> bool:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_has_service(v) for v in node.values())
    if isinstance(node, (list, tuple, ParseResults)):
        return any(_has_service(v) for v in node)
    if isinstance(node, dict):
        return any(_has_service(v) for v in node.values())
    return False


def check_query(text: str, allow_service: bool = False, name: str = "query"):
    """Raise RefusedQuery for an update, a SERVICE pattern, or text that is not SPARQL; returns
    the parse tree."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        with _PARSER:
            tree = parseQuery(text)
    except ParseException as err:
        try:
            with _PARSER:
                parseUpdate(text)
        except ParseException:
            raise RefusedQuery(
                f"{name}: SPARQL syntax error at line {err.lineno}, column {err.col}: {err.msg}"
            ) from None
        raise RefusedQuery(f"{name}: updates (INSERT, DELETE, LOAD, CLEAR, ...) are refused: the graph is read-only") from None
    if not allow_service and _has_service(tree):
        raise RefusedQuery(f"{name}: SERVICE (federated query) is refused: it would make this machine call another address")
    return tree


def cap_rows(text: str, tree, max_rows: int) -> str:
    """The query with at most ``max_rows`` results: a LIMIT is appended when it has none; a LIMIT
    above the cap is refused (rewriting it would silently change the answer)."""
    body = tree[1]
    if body.name not in ("SelectQuery", "ConstructQuery", "DescribeQuery"):
        return text  # ASK: one boolean
    limit = body.limitoffset.limit if body.limitoffset is not None else None  # CompValue: None when absent
    if limit is not None and int(limit) <= max_rows:
        return text
    if limit is None and body.valuesClause is None:
        return f"{text}\nLIMIT {max_rows}"
    raise RefusedQuery(f"query: results are capped at {max_rows} rows; give LIMIT {max_rows} or less"
                       + (" (a trailing VALUES block needs an explicit LIMIT)" if limit is None else ""))
