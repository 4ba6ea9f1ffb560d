"""Versions of data and ontology in the release, the changelog, and the lock file."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
from rdflib import OWL, Graph, Literal, URIRef

from hcc_kg import __version__
from hcc_kg.constants import RECEIPT, RELEASE, ROOT
from hcc_kg.errors import HccKgError

ONTOLOGY = URIRef("https://w3id.org/hcc-kg/ontology")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    return {canonical(n): v for n, _, v in (line.partition("==") for line in lines if "==" in line)}


def test_receipt_and_void_carry_the_data_and_ontology_versions(built):
    release, _ = built
    receipt = json.loads((release / RECEIPT).read_text(encoding="utf-8"))
    assert receipt["versions"] == {"data": __version__, "ontology": "0.2.0"}
    void = Graph().parse(release / "hcc-kg.void.ttl")
    dataset = URIRef("https://w3id.org/hcc-kg/")
    assert void.value(dataset, URIRef("http://www.w3.org/ns/dcat#version")) == Literal(__version__)
    assert void.value(dataset, URIRef("http://purl.org/dc/terms/conformsTo")) == URIRef("https://w3id.org/hcc-kg/ontology/0.2.0")


@pytest.mark.parametrize("info,iri", [("0.2.0", "https://w3id.org/hcc-kg/ontology/0.1.0"), (None, None)])
def test_an_ontology_version_out_of_step_is_refused(info, iri):
    from hcc_kg.publish import ontology_version

    g = Graph()
    if info:
        g.add((ONTOLOGY, OWL.versionInfo, Literal(info)))
        g.add((ONTOLOGY, OWL.versionIRI, URIRef(iri)))
    with pytest.raises(HccKgError, match=r"hcc\.ttl: .*needs owl:versionInfo .* with the same version"):
        ontology_version(g)


def test_changelog_has_a_section_for_this_version():
    assert f"\n## {__version__} " in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_every_dependency_is_locked():
    """A dependency added to pyproject.toml without `bash .ci/lock` fails here, by name."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    locked = pins()
    for text in wanted:
        req = Requirement(text)
        assert canonical(req.name) in locked, f"{req.name} is not in constraints.txt: run bash .ci/lock"
        assert req.specifier.contains(locked[canonical(req.name)]), f"constraints.txt pins {req.name} outside {req}"


def test_the_committed_receipt_was_built_with_the_locked_libraries():
    """So that a fresh clone installed with the lock rebuilds the same receipt."""
    receipt = json.loads((RELEASE / RECEIPT).read_text(encoding="utf-8"))
    locked = pins()
    for lib, version in receipt["libraries"].items():
        assert locked.get(canonical(lib)) == version, f"{lib}: receipt {version}, constraints.txt {locked.get(canonical(lib))}"
