"""Load stage: push the release into any SPARQL 1.1 Graph Store Protocol endpoint.

Each named graph of the release (ontology, asserted, inferred, metadata) goes to the graph of the
same IRI, or all of them merged (without duplicates) into one graph the user names. ``replace``
sends HTTP PUT (the graph's old content is dropped), append sends POST. Credentials answer a
Basic or Digest challenge (Virtuoso's `/sparql-graph-crud-auth` asks for Digest).
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

from hcc_kg.constants import RELEASE, RELEASE_NQ
from hcc_kg.errors import HccKgError
from hcc_kg.release import checked


def release_graphs(release: Path = RELEASE) -> dict[str, list[str]]:
    """Graph IRI -> its N-Triples lines, read from the checked N-Quads release file."""
    import pyoxigraph as ox

    path = checked(RELEASE_NQ, release)
    graphs: dict[str, list[str]] = defaultdict(list)
    try:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            graphs[quad.graph_name.value].append(f"{quad.subject} {quad.predicate} {quad.object} .")
    except SyntaxError as err:
        raise HccKgError(f"{path}: corrupt release file: {err}") from None
    return dict(graphs)


def authorization(url: str, method: str, user: str | None, password: str | None) -> dict[str, str]:
    """The Authorization header for one request, obtained before its body is sent: a store that
    answers 401 while the body is still on its way (Virtuoso does) breaks the connection."""
    if user is None:
        return {}
    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30).close()
        return {}
    except urllib.error.HTTPError as err:
        challenge = err.headers.get("WWW-Authenticate", "") if err.code == 401 else ""
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise HccKgError(f"{url}: cannot reach the store: {getattr(err, 'reason', err)}") from None
    scheme, _, params = challenge.partition(" ")
    if scheme.lower() == "basic":
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode()}
    if scheme.lower() == "digest":
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, user, password or "")
        digest = urllib.request.HTTPDigestAuthHandler(passwords).get_authorization(
            urllib.request.Request(url, method=method),
            urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(params))))
        if digest:
            return {"Authorization": "Digest " + digest}
    return {}


def send(url: str, graph: str, lines: list[str], replace: bool, user: str | None, password: str | None,
         timeout: float) -> None:
    target = url + ("&" if "?" in url else "?") + urllib.parse.urlencode({"graph": graph})
    method = "PUT" if replace else "POST"
    headers = {"Content-Type": "application/n-triples", **authorization(target, method, user, password)}
    request = urllib.request.Request(target, data=("\n".join(lines) + "\n").encode("utf-8"), method=method,
                                     headers=headers)
    try:
        urllib.request.urlopen(request, timeout=timeout).close()
    except urllib.error.HTTPError as err:
        detail = " ".join(err.read(500).decode("utf-8", "replace").split())
        hint = " (check --user and --password)" if err.code in (401, 403) else ""
        raise HccKgError(f"{url}: the store refused {method} of graph <{graph}>: HTTP {err.code} {err.reason}"
                         + hint + (f": {detail}" if detail else "")) from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise HccKgError(f"{url}: cannot reach the store: {getattr(err, 'reason', err)}") from None


def load(url: str, release: Path = RELEASE, graph: str | None = None, replace: bool = True,
         user: str | None = None, password: str | None = None, timeout: float = 300) -> dict[str, int]:
    """Send the release to ``url``; returns graph IRI -> triples sent."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise HccKgError(f"{url}: not an http(s) URL of a Graph Store Protocol endpoint")
    graphs = release_graphs(release)
    if graph is not None:
        graphs = {graph: sorted({line for lines in graphs.values() for line in lines})}
    for iri, lines in graphs.items():
        send(url, iri, lines, replace, user, password, timeout)
    return {iri: len(lines) for iri, lines in graphs.items()}
