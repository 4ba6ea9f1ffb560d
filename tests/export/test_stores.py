"""The same answers in every store: after `hcc-kg load`, every canned query asked of Virtuoso and
of the Oxigraph server with the four graphs named as the dataset (``default-graph-uri``, as a
user of a shared store does) gives the embedded store's rows. tests/export/test_load.py asks the same
without naming graphs. One Virtuoso and one Oxigraph per session (tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sparql_http import VIRTUOSO_QUERY_SECONDS, http, json_rows, ordered

from hcc_kg.answer.catalogue import catalogue
from hcc_kg.answer.store import run

pytestmark = pytest.mark.slow

GRAPHS = [f"https://w3id.org/hcc-kg/graph/{name}" for name in ("asserted", "inferred", "metadata", "ontology")]


def load(gsp: str, release, *login: str) -> None:
    done = subprocess.run([sys.executable, "-m", "hcc_kg.cli", "load", gsp, "--release", str(release), *login],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr


def asked(sparql: str, text: str) -> tuple[int, str]:
    """Waits beyond Virtuoso's own limit on a query: with the graphs named, Virtuoso 7.2 takes 20 s
    for drug-card and for trial-card on the idle machine (0.4-3 s without), and several times that
    beside the rest of the suite."""
    return http(sparql, method="POST", form=[("query", text), *(("default-graph-uri", g) for g in GRAPHS)],
                timeout=VIRTUOSO_QUERY_SECONDS + 30)


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_every_canned_query_gives_the_embedded_rows_with_the_graphs_named(name, request, built, store):
    gsp, sparql = request.getfixturevalue(name)
    release, _ = built
    load(gsp, release, *(("--user", "dba", "--password", "dba") if name == "virtuoso" else ()))
    wrong = []
    for query_name, query in sorted(catalogue().items()):
        status, body = asked(sparql, query.text)
        if status != 200:
            wrong.append(f"{query_name}: HTTP {status} {body[:200]}")
        elif json_rows(body) != ordered(run(query.text, store).rows):
            wrong.append(f"{query_name}: different rows")
    assert not wrong, "\n".join(wrong)
