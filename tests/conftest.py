"""Shared fixtures: the graph is built once per test session, into a temporary release folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from hcc_kg.constants import FACTS, RELEASE_NQ

#: Property tests: derandomized in CI (the same examples on every run, so a commit that passes
#: passes again), random locally to keep finding new inputs. HYPOTHESIS_PROFILE=ci (or =random)
#: picks one explicitly. Registered before the test modules build their settings objects.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("random", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "random"))


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(release folder, Build) of one full build from the committed inputs."""
    from hcc_kg.publish import build

    release = tmp_path_factory.mktemp("release")
    return release, build(release)


@pytest.fixture(scope="session")
def store(built):
    from hcc_kg.store import store_of

    release, _ = built
    return store_of((release / RELEASE_NQ).read_text(encoding="utf-8"))


@pytest.fixture()
def facts_copy(tmp_path) -> Path:
    """A scratch copy of graph/facts to break on purpose."""
    target = tmp_path / "graph" / "facts"
    shutil.copytree(FACTS, target)
    return target


@pytest.fixture(scope="session")
def rdflib_ds(built):
    from hcc_kg.store import rdflib_dataset

    release, _ = built
    return rdflib_dataset((release / RELEASE_NQ).read_text(encoding="utf-8"))


def _normal(rows):
    """Rows as comparable sets: GROUP_CONCAT order is engine-specific, so "; " lists are sorted."""
    return sorted(tuple("; ".join(sorted(v.split("; "))) if v else "" for v in row) for row in rows)


@pytest.fixture(scope="session")
def ask(store, rdflib_ds):
    """Run a canned query on pyoxigraph AND rdflib; assert both engines agree; rows as dicts."""
    from hcc_kg.store import bindings, catalogue, run, run_rdflib

    def run_both(query_name: str, /, **params: str) -> list[dict]:
        query = catalogue()[query_name]
        subs = bindings(query, params, store)
        ox_result = run(query.text, store, subs, query_name)
        rdf_result = run_rdflib(query.text, rdflib_ds, subs)
        assert ox_result.columns == rdf_result.columns
        assert _normal(ox_result.rows) == _normal(rdf_result.rows), f"{query_name}: engines disagree"
        return ox_result.as_dicts()

    return run_both
