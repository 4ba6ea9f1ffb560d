"""Load stage: push the release into any SPARQL 1.1 Graph Store Protocol endpoint.

Each named graph of the release (ontology, asserted, inferred, metadata) goes to the graph of the
same IRI, or all of them merged (without duplicates) into one graph the user names. ``replace``
sends HTTP PUT (the graph's old content is dropped), append sends POST. Credentials answer a
Basic or Digest challenge (Virtuoso's `/sparql-graph-crud-auth` asks for Digest).

The boundary: requests go to the URL given and nowhere else (a redirect is a failure, never
followed, so credentials cannot reach another origin); afterwards each graph is read back (GET)
and must hold the triples sent; the whole exchange has one deadline (``timeout``), which a store
that trickles its answers cannot stretch (httpx on asyncio: the deadline cancels a read in
progress, where a socket timeout restarts with every byte).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

from hcc_kg.constants import LOAD_DEADLINE, RELEASE, RELEASE_NQ
from hcc_kg.errors import HccKgError
from hcc_kg.release import checked

#: the formats a graph is read back in (never RDF/XML: its entities are a parser's trap)
READ_BACK = {"application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES", "application/n-quads": "N_QUADS",
             "text/turtle": "TURTLE"}

#: the most a read-back graph may weigh: a store cannot fill the memory
READ_BACK_LIMIT = 256 << 20


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


def store_url(url: str):
    """The store's URL as httpx reads it, or one clear line on what is wrong with it."""
    import httpx

    try:
        parsed = httpx.URL(url)
        scheme, host, port, userinfo = parsed.scheme, parsed.host, parsed.port, parsed.userinfo
    except (httpx.InvalidURL, ValueError, TypeError) as err:  # idna's errors are ValueErrors
        raise HccKgError(f"{url!r}: not a valid URL: {err}") from None
    if scheme not in ("http", "https"):
        raise HccKgError(f"{url}: not an http(s) URL of a Graph Store Protocol endpoint")
    if not host:
        raise HccKgError(f"{url}: the URL names no host")
    if port is not None and not 0 < port < 65536:
        raise HccKgError(f"{url}: port {port} is not in 1-65535")
    if userinfo:
        raise HccKgError(f"{parsed.copy_with(username=None, password=None)}: give credentials with --user and "
                         "--password, not in the URL")
    return parsed


def load(url: str, release: Path = RELEASE, graph: str | None = None, replace: bool = True,
         user: str | None = None, password: str | None = None, timeout: float = LOAD_DEADLINE) -> dict[str, int]:
    """Send the release to ``url`` and check that the store holds it; returns graph IRI -> triples
    sent. ``timeout`` is the deadline of the whole exchange, in seconds."""
    import pyoxigraph as ox

    target = store_url(url)
    if graph is not None:
        try:
            ox.NamedNode(graph)
        except ValueError as err:
            raise HccKgError(f"--graph {graph!r}: not an IRI: {err}") from None
    graphs = release_graphs(release)
    if graph is not None:
        graphs = {graph: sorted({line for lines in graphs.values() for line in lines})}
    session = Session(url, target, user, password)
    try:
        asyncio.run(asyncio.wait_for(session.load(graphs, replace), timeout))
    except TimeoutError:
        raise HccKgError(f"{url}: the store did not finish within the {timeout:g} s deadline (--timeout); it was "
                         f"{session.step}") from None
    return {iri: len(lines) for iri, lines in graphs.items()}


class Session:
    """One load: the requests to one store, in order; ``step`` says what is in progress."""

    def __init__(self, url: str, target, user: str | None, password: str | None):
        self.url, self.target, self.user, self.password = url, target, user, password
        self.step = "connecting"
        self.auth = None

    async def load(self, graphs: dict[str, list[str]], replace: bool) -> None:
        import httpx

        method = "PUT" if replace else "POST"
        # no timeout of httpx's own: the deadline around the whole load is the only one
        async with httpx.AsyncClient(follow_redirects=False, timeout=None, trust_env=False) as client:
            try:
                for iri, lines in graphs.items():
                    body = ("\n".join(lines) + "\n").encode("utf-8")
                    await self.send(client, method, iri, body)
                for iri, lines in graphs.items():
                    await self.check(client, iri, lines, replace)
            except httpx.HTTPError as err:
                reason = " ".join(str(err).split()) or type(err).__name__
                if isinstance(err, httpx.ConnectError):
                    raise HccKgError(f"{self.url}: cannot reach the store: {reason}") from None
                raise HccKgError(f"{self.url}: the connection failed while {self.step}: {reason}") from None

    def graph_url(self, iri: str):
        return self.target.copy_merge_params({"graph": iri})

    async def request(self, client, method: str, iri: str, **kwargs):
        """One request (authenticated once the store has asked)."""
        response = await client.request(method, self.graph_url(iri), auth=self.auth, **kwargs)
        self.no_redirect(response, method, iri)
        return response

    def no_redirect(self, response, method: str, iri: str) -> None:
        """A redirect is a failure, not followed: credentials go to the URL given only."""
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location", "nowhere")
            raise HccKgError(f"{self.url}: the store answered {method} of graph <{iri}> with HTTP "
                             f"{response.status_code} {response.reason_phrase} to {location}: a redirect is not "
                             "followed (credentials go to the URL given only); give the URL it names")

    async def authenticate(self, client, iri: str) -> None:
        """Answer the store's challenge before a body is sent: a store that answers 401 while the
        body is still on its way (Virtuoso does) breaks the connection."""
        import httpx

        if self.user is None or self.auth is not None:
            return
        self.step = f"asking the store how to authenticate (HEAD of graph <{iri}>)"
        response = await self.request(client, "HEAD", iri)
        if response.status_code != 401:
            return
        schemes = [value.split(" ", 1)[0].lower() for value in response.headers.get_list("WWW-Authenticate")]
        password = self.password or ""
        if "digest" in schemes:  # the challenge is kept: the upload carries the answer at once
            self.auth = httpx.DigestAuth(self.user, password)
            await self.request(client, "HEAD", iri)
        elif "basic" in schemes:
            self.auth = httpx.BasicAuth(self.user, password)

    async def send(self, client, method: str, iri: str, body: bytes) -> None:
        await self.authenticate(client, iri)
        self.step = f"sending graph <{iri}> ({method})"
        response = await self.request(client, method, iri, content=body,
                                      headers={"Content-Type": "application/n-triples"})
        if response.status_code >= 400:
            detail = " ".join(response.text[:500].split())
            hint = " (check --user and --password)" if response.status_code in (401, 403) else ""
            raise HccKgError(f"{self.url}: the store refused {method} of graph <{iri}>: HTTP {response.status_code} "
                             f"{response.reason_phrase}{hint}" + (f": {detail}" if detail else ""))

    async def check(self, client, iri: str, lines: list[str], replace: bool) -> None:
        """The graph read back holds every triple sent without a blank node, and at least as many
        with one (they are renamed by the store); after a replace, nothing else."""
        import pyoxigraph as ox

        self.step = f"reading graph <{iri}> back (GET)"
        sent = triples(ox.parse(("\n".join(lines) + "\n").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
        held = await self.read_back(client, iri)

        def ground(triples):
            return {t for t in triples if not isinstance(t.subject, ox.BlankNode)
                    and not isinstance(t.object, ox.BlankNode)}

        sent_ground, held_ground = ground(sent), ground(held)
        missing = len(sent_ground - held_ground)
        blank, held_blank = len(sent) - len(sent_ground), len(held) - len(held_ground)
        if missing or held_blank < blank or (replace and len(held) != len(sent)):
            what = f"{missing} of the {len(sent_ground)} triples without a blank node are missing" if missing else \
                f"it holds {held_blank} triples with a blank node, {blank} were sent" if held_blank < blank else \
                f"it holds {len(held)} triples, {len(sent)} were sent"
            raise HccKgError(f"{self.url}: the store does not hold what was sent to graph <{iri}>: {what} "
                             "(read back with GET)")

    async def read_back(self, client, iri: str) -> set:
        import pyoxigraph as ox

        accept = "application/n-triples, text/turtle;q=0.9, application/n-quads;q=0.8, text/plain;q=0.5"
        async with client.stream("GET", self.graph_url(iri), headers={"Accept": accept}, auth=self.auth) as response:
            self.no_redirect(response, "GET", iri)
            if response.status_code == 404:
                return set()
            if response.status_code >= 400:
                raise HccKgError(f"{self.url}: the store refused GET of graph <{iri}>, which checks what it holds: "
                                 f"HTTP {response.status_code} {response.reason_phrase}")
            media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if media not in READ_BACK:
                raise HccKgError(f"{self.url}: cannot check graph <{iri}>: the store answered GET with "
                                 f"{media or 'no Content-Type'}; expected N-Triples, Turtle or N-Quads")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > READ_BACK_LIMIT:
                    raise HccKgError(f"{self.url}: cannot check graph <{iri}>: it is over "
                                     f"{READ_BACK_LIMIT >> 20} MiB")
        try:
            return triples(ox.parse(bytes(body), format=getattr(ox.RdfFormat, READ_BACK[media]),
                                    base_iri=str(self.graph_url(iri))))
        except SyntaxError as err:
            raise HccKgError(f"{self.url}: cannot check graph <{iri}>: the store's answer to GET does not parse: "
                             f"{' '.join(str(err).split())[:200]}") from None


def triples(quads) -> set:
    """The set of triples of parsed quads (a store may answer in N-Quads, naming the graph)."""
    import pyoxigraph as ox

    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
