"""hcc-kg: a knowledge graph of immunotherapy for hepatocellular carcinoma."""

from __future__ import annotations

__version__ = "0.1.0"


def query(query: str, /, **params: str) -> list[dict[str, str | None]]:
    """Run a canned query by name (``query("synonyms", name="karelizumab")``), or SPARQL text, on
    the release; rows as dicts, ready for ``pandas.DataFrame``. ``query`` is positional-only, so
    any query parameter name can be passed by keyword; SPARQL text takes no parameters."""
    from hcc_kg.answer.store import is_sparql, open_release, run, run_canned
    from hcc_kg.errors import HccKgError

    if not is_sparql(query):
        return run_canned(query, params).as_dicts()
    if params:
        raise HccKgError("parameters apply to canned queries only; write the values into your SPARQL text")
    return run(query, open_release()).as_dicts()
