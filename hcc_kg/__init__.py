"""hcc-kg: a knowledge graph of immunotherapy for hepatocellular carcinoma."""

from __future__ import annotations

__version__ = "0.1.0"


def query(name: str, **params: str) -> list[dict[str, str | None]]:
    """Run a canned query on the release; rows as dicts (ready for ``pandas.DataFrame``)."""
    from hcc_kg.store import run_canned

    return run_canned(name, params).as_dicts()
