"""`hcc-kg bench --scale N`: the replicated release and the report (figures are not asserted)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from hcc_kg.answer.catalogue import catalogue
from hcc_kg.bench.run import SCALE_MARKERS, put_in_readme, replicate
from hcc_kg.cli import main
from hcc_kg.constants import RELEASE, RELEASE_NQ, RESOURCE
from hcc_kg.errors import HccKgError


@pytest.fixture(scope="module")
def release_text():
    return (RELEASE / RELEASE_NQ).read_text(encoding="utf-8")


def test_replicate_renames_resources_and_keeps_the_ontology(release_text):
    import pyoxigraph as ox

    original = list(ox.parse(release_text, format=ox.RdfFormat.N_QUADS))
    quads = replicate(release_text, 3)
    assert quads[: len(original)] == original  # copy 0 is the release as it is
    copy2 = quads[2 * len(original):]
    assert len(copy2) == len(original)
    for before, after in zip(original, copy2):
        assert after.predicate == before.predicate and after.graph_name == before.graph_name
        for old, new in ((before.subject, after.subject), (before.object, after.object)):
            if isinstance(old, ox.NamedNode) and old.value.startswith(RESOURCE):
                assert new.value == old.value + "-copy2"
            elif isinstance(old, ox.BlankNode):
                assert new != old
            else:
                assert new == old  # ontology terms, other IRIs and literals stay
    # a quad with no resource IRI and no blank node (an ontology axiom, a label of a class) is the
    # same in every copy, so the store holds it once
    touched = sum(any(isinstance(t, ox.BlankNode) or (isinstance(t, ox.NamedNode) and t.value.startswith(RESOURCE))
                      for t in (q.subject, q.object)) for q in original)
    store = ox.Store()
    store.bulk_extend(quads)
    assert len(store) == len(set(original)) + 2 * touched


def test_bench_scale_reports_every_canned_query(tmp_path, monkeypatch):
    monkeypatch.setattr("hcc_kg.bench.run.SHORT_SECONDS", 0)  # one timed pair a query, not 0.25 s of repeats (21 s -> 9 s)
    out = tmp_path / "scale.md"
    result = CliRunner().invoke(main, ["bench", "--scale", "2", "--repeat", "1", "--no-readme", "--output", str(out)])
    assert result.exit_code == 0, result.output
    report = out.read_text(encoding="utf-8")
    assert report == result.output
    rows = re.findall(r"^\| ([a-z0-9-]+) \| (unbound|defaults) \| (\d+) \| (\d+) \| [\d.]+ \| [\d.]+ \| [\d.]+", report, re.MULTILINE)
    queries = catalogue()
    expected = {(n, "unbound") for n in queries} | {
        (n, "defaults") for n, q in queries.items() if any(p.default is not None for p in q.params.values())}
    assert {(name, variant) for name, variant, _, _ in rows} == expected
    for name, variant, small, big in rows:
        if variant == "defaults" and {p.type for p in queries[name].params.values() if p.default} == {"entity"}:
            # a default entity resolves to the release's own IRI, never a copy's: same answers
            assert big == small, name
        else:
            assert int(big) >= int(small), name
    assert {n for n, v, _, _ in rows if v == "defaults"} >= {"drug-card", "trial-card"}


def test_bench_scale_of_some_queries_leaves_the_readme(tmp_path):
    out = tmp_path / "scale.md"
    result = CliRunner().invoke(main, ["bench", "--scale", "2", "--repeat", "1", "--query", "stats", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert re.findall(r"^\| ([a-z0-9-]+) \| (unbound|defaults) \|", out.read_text(encoding="utf-8"), re.MULTILINE) == [
        ("stats", "unbound")]
    refused = CliRunner().invoke(main, ["bench", "--scale", "2", "--query", "no-such-query"])
    assert refused.exit_code != 0 and "bench --query: no canned query no-such-query; known: adverse-events" in refused.output


def test_put_in_readme_replaces_only_the_marked_block(tmp_path):
    start, end = SCALE_MARKERS
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n{start}\nold table\n{end}\nafter\n", encoding="utf-8")
    put_in_readme("# hcc-kg at 2x data\n\nMachine: m.\n\n| query |\n", readme)
    assert readme.read_text(encoding="utf-8") == f"# x\n\nbefore\n{start}\nMachine: m.\n\n| query |\n{end}\nafter\n"


def test_put_in_readme_without_markers_is_a_clear_error(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n", encoding="utf-8")
    with pytest.raises(HccKgError, match=r"README.md: expected one '<!-- bench --scale: start -->' line"):
        put_in_readme("# t\n\nbody\n", readme)
    assert readme.read_text(encoding="utf-8") == "# x\n"
