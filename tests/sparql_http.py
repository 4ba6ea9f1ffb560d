"""SPARQL 1.1 Protocol over plain HTTP, for the tests that talk to real servers."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

#: seconds Virtuoso may spend on one query (MaxQueryExecutionTime in tests/conftest.py's ini)
VIRTUOSO_QUERY_SECONDS = 120


def http(url, query=None, method="GET", accept="application/sparql-results+json", form=None, data=None, ctype=None,
         timeout=60):
    headers = {"Accept": accept}
    body = None
    if method == "GET" and query is not None:
        url += "?" + urllib.parse.urlencode({"query": query})
    elif form is not None:
        body, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    elif data is not None:
        body, headers["Content-Type"] = data.encode(), ctype
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def ordered(rows):
    """Comparable rows: CSV cannot tell "" from unbound, and GROUP_CONCAT order may vary."""
    return sorted(tuple("; ".join(sorted(v.split("; "))) if v else "" for v in row) for row in rows)


def json_rows(text):
    doc = json.loads(text)
    columns = doc["head"]["vars"]
    return ordered(tuple((b.get(c) or {}).get("value") for c in columns) for b in doc["results"]["bindings"])


def count(url, where="?s ?p ?o"):
    """COUNT(*) of a pattern at a SPARQL endpoint."""
    status, body = http(url, method="POST", form={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"})
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
