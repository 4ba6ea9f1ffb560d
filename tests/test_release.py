"""Release files: every format parses with an independent parser, and all say the same."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from hcc_kg.publish import WRITERS

RAPPER = {"hcc-kg.ttl": "turtle", "hcc-kg.nt": "ntriples", "hcc-kg.nq": "nquads", "hcc-kg.trig": "trig",
          "hcc-kg-ontology.owl": "rdfxml"}


def test_every_format_is_written(built):
    release, _ = built
    assert {p.name for p in release.iterdir()} >= set(WRITERS)


@pytest.mark.parametrize("name", sorted(RAPPER))
def test_rapper_parses(name, built):
    """Raptor (Debian's raptor2-utils, installed by .ci/run) is an independent RDF parser."""
    rapper = shutil.which("rapper")
    assert rapper, "rapper is missing: apt-get install raptor2-utils (bash .ci/run does)"
    release, result = built
    done = subprocess.run([rapper, "-i", RAPPER[name], "-c", str(release / name)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    if name.endswith(".owl"):
        expected = len(result.graphs["ontology"])
    elif RAPPER[name] in ("nquads", "trig"):  # quads: a triple in two named graphs counts twice
        expected = sum(len(g) for g in result.graphs.values())
    else:
        expected = len({t for g in result.graphs.values() for t in g})
    assert f"returned {expected} " in done.stderr + done.stdout


def _union(path, fmt):
    if fmt in ("nquads", "trig", "json-ld"):
        ds = Dataset()
        ds.parse(path, format=fmt)
        union = Graph()
        for graph in ds.graphs():
            union += graph
        return union
    return Graph().parse(path, format=fmt)


@pytest.mark.parametrize("name,fmt", [("hcc-kg.ttl", "turtle"), ("hcc-kg.nt", "nt"), ("hcc-kg.trig", "trig"),
                                      ("hcc-kg.jsonld", "json-ld")])
def test_formats_are_isomorphic(name, fmt, built):
    release, _ = built
    reference = _union(release / "hcc-kg.nq", "nquads")
    assert isomorphic(_union(release / name, fmt), reference), name


def test_jsonld_parses_with_pyoxigraph(built):
    import pyoxigraph as ox

    release, _ = built
    quads = list(ox.parse(path=str(release / "hcc-kg.jsonld"), format=ox.RdfFormat.JSON_LD))
    nq = list(ox.parse(path=str(release / "hcc-kg.nq"), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == len(nq)


def test_named_graphs_are_kept(built):
    release, result = built
    ds = Dataset()
    ds.parse(release / "hcc-kg.trig", format="trig")
    sizes = {str(g.identifier).rsplit("/", 1)[-1]: len(g) for g in ds.graphs() if len(g)}
    assert sizes == {name: len(g) for name, g in result.graphs.items()}
