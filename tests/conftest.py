"""Shared fixtures: the graph is built once per test session, into a temporary release folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hcc_kg.constants import FACTS, RELEASE_NQ


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
