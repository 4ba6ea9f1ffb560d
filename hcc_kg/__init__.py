"""hcc-kg: a knowledge graph of immunotherapy for hepatocellular carcinoma."""

from __future__ import annotations

__version__ = "1.0.0"


def query(query: str, /, *, timeout: float | None = None, **params: str) -> list[dict[str, str | None]]:
    """Run a canned query by name (``query("synonyms", name="karelizumab")``), or SPARQL text, on
    the release; rows as dicts, ready for ``pandas.DataFrame``. ``query`` is positional-only, so
    any query parameter name can be passed by keyword (``timeout`` is reserved); SPARQL text takes
    no parameters.

    The query runs in an engine process kept for this one (started on the first call, about a
    second; reused after): it has no network access and stops after ``timeout`` seconds (default
    ``hcc_kg.constants.QUERY_TIMEOUT``). Any failure is one HccKgError with a clear message."""
    from hcc_kg.answer.catalogue import canned, is_sparql
    from hcc_kg.answer.engine import run_local
    from hcc_kg.answer.store import release_nq
    from hcc_kg.constants import QUERY_TIMEOUT
    from hcc_kg.errors import HccKgError

    if not isinstance(query, str):
        raise HccKgError(f"hcc_kg.query: give a canned query's name or SPARQL text as a str, not {type(query).__name__}")
    timeout = QUERY_TIMEOUT if timeout is None else timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 3600:
        raise HccKgError(f"hcc_kg.query: timeout must be a number of seconds, above 0 and at most 3600, not {timeout!r}")
    for key, value in params.items():
        if not isinstance(value, str):
            raise HccKgError(f"hcc_kg.query: parameter {key}: give the value as a str, not {type(value).__name__} "
                             f"{value!r}")
    if not is_sparql(query):
        canned(query)  # an unknown name is an error naming the nearest, before an engine starts
        columns, rows = run_local(query, params, canned=True, name=query, timeout=timeout, release_nq=release_nq())
    elif params:
        raise HccKgError("parameters apply to canned queries only; write the values into your SPARQL text")
    else:
        columns, rows = run_local(query, timeout=timeout, release_nq=release_nq())
    return [dict(zip(columns, row, strict=True)) for row in rows]
