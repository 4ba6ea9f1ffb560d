"""The command line: parses arguments and calls one stage function each (heavy imports stay lazy)."""

from __future__ import annotations

import sys

import click

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
    from hcc_kg.emit import emit
    from hcc_kg.facts import load_facts

    facts = load_facts()
    dataset = emit(facts)
    n = sum(len(v) for v in facts.records.values())
    click.echo(f"ok: {n} curated records, {len(facts.offsets)} quotes located, {len(dataset)} triples")
