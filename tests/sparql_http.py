"""SPARQL 1.1 Protocol over plain HTTP, for the tests that talk to real servers."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


def http(url, query=None, method="GET", accept="application/sparql-results+json", form=None, data=None, ctype=None):
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
        with urllib.request.urlopen(request, timeout=60) as response:
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


#: canned queries Virtuoso 7.2 answers wrongly (drug-card is no longer one: its class branch follows
#: rdfs:subClassOf one to three steps, not the path rdfs:subClassOf* that lost the class rows of
#: one-component regimens, and its regimen classes are a join, not the FILTER EXISTS that let
#: hcc:Regimen itself through; README, "Loading into a triplestore"):
#: the queries built on the comparison pattern (queries/fragments/comparison.rq): Virtuoso 7.2 mixes
#: up rows when two OPTIONAL subqueries join one pattern, misses phrases with REGEX that CONTAINS
#: finds, and compares an unbound p-value as true; a rewrite that Virtuoso answers alike (one OPTIONAL
#: per grouped layer, MAX, a LIMIT fence, CONTAINS) made these queries run over 8 minutes each on
#: rdflib, which the tests run every canned query on too, so it was reverted (issue 23 stays open).
#: Tried since: a UNION of one empty branch and the three grouped subqueries in place of the three
#: OPTIONAL subqueries (plus CONTAINS/STRSTARTS and p >= 0.05 on a number never unbound) gives the
#: pattern's 288 rows exactly on Virtuoso when asked alone (3 s), but joined with any of the five
#: queries' own patterns (comparator-sorafenib: a control arm whose regimen holds the drug labelled
#: "sorafenib") Virtuoso 7.2 grows past 4 GB (12 GB unlimited) and dies, with or without LIMIT fences
VIRTUOSO_PATTERN_BUGS = {"comparator-sorafenib", "first-line-pd1-tki", "locoregional-combinations",
                         "negative-trials", "phase3-os-benefit",
                         # and through queries/fragments/arm-comparison.rq
                         "compare-endpoint", "regimen-outcomes", "adverse-events"}
VIRTUOSO_WRONG = VIRTUOSO_PATTERN_BUGS
