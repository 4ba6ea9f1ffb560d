"""The whole build: deterministic release files, atomic writes, and the first canned question."""

from __future__ import annotations

import json

import pytest

from hcc_kg.constants import RECEIPT, RELEASE_NQ, RELEASE_TTL
from hcc_kg.errors import HccKgError
from hcc_kg.store import run_canned


def test_two_builds_are_byte_identical(built, tmp_path):
    from hcc_kg.publish import write_release

    first, result = built
    write_release(result.graphs, tmp_path, result.documents)
    for name in (RELEASE_TTL, RELEASE_NQ, RECEIPT):
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name


def test_rebuild_from_scratch_is_byte_identical(built, tmp_path):
    from hcc_kg.publish import build

    first, _ = built
    build(tmp_path)
    for name in (RELEASE_TTL, RELEASE_NQ, RECEIPT):
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name


def test_receipt_lists_inputs_versions_and_counts(built):
    release, result = built
    receipt = json.loads((release / RECEIPT).read_text())
    assert receipt["triples"] == {name: len(g) for name, g in result.graphs.items()}
    assert "graph/sources/001_0728beb3efbedc92.txt" in receipt["inputs"]
    assert receipt["inputs"]["graph/sources/001_0728beb3efbedc92.txt"] == \
        "f43960361a8e98533480a7267ba501097fa9eff1b7a987ba3a6b8f94678a7547"
    assert set(receipt["libraries"]) >= {"rdflib", "owlready2", "pyshacl", "pyoxigraph"}


def _fail(*args, **kwargs):
    raise HccKgError("injected failure")


@pytest.mark.parametrize("module,name", [
    ("hcc_kg.facts", "load_facts"),        # facts
    ("hcc_kg.emit", "emit"),               # resolution and triples
    ("hcc_kg.reason", "reason"),           # reasoning
    ("hcc_kg.validate", "shacl"),          # SHACL
    ("hcc_kg.validate", "qc"),             # QC queries
    ("hcc_kg.publish", "ntriples"),        # serialisation (a writer fails mid-release)
])
def test_failed_build_leaves_previous_release_untouched(module, name, built, tmp_path, monkeypatch):
    import importlib

    from hcc_kg import publish

    _, result = built
    publish.write_release(result.graphs, tmp_path, result.documents)
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    monkeypatch.setattr(importlib.import_module(module), name, _fail)
    with pytest.raises(HccKgError, match="injected failure"):
        if name == "ntriples":  # the last stage alone: the stages before it were run by `built`
            monkeypatch.setitem(publish.WRITERS, "hcc-kg.nt", _fail)
            publish.write_release(result.graphs, tmp_path, result.documents)
        else:
            publish.build(tmp_path)
    assert {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


KILL_AFTER = """
import os, signal, sys, json
from pathlib import Path
from hcc_kg.publish import writing
files, release, step = json.loads(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
for i, _ in enumerate(writing(files, release)):
    if i == step:
        os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_build_killed_at_any_step_of_the_write_leaves_one_whole_release(tmp_path):
    """The write run in a child that is SIGKILLed after each of its steps in turn (no clean-up
    runs): the release folder then holds exactly the old release or exactly the new one."""
    import shutil
    import subprocess
    import sys

    from hcc_kg.publish import writing

    release = tmp_path / "release"
    kept = {"kgx/summary.yaml": "not written by the build\n"}  # like kgx/hcc-kg_graph-summary.yaml
    old = {"hcc-kg.nq": "old\n", "kgx/nodes.tsv": "old\n", RECEIPT: "old\n"}
    new = {"hcc-kg.nq": "new\n", "kgx/nodes.tsv": "new\n", RECEIPT: "new\n"}
    list(writing(old | kept, release))

    def contents():
        return {str(p.relative_to(release)): p.read_text() for p in release.rglob("*") if p.is_file()}

    shutil.copytree(release, tmp_path / "count")
    steps = len(list(writing(new, tmp_path / "count")))
    seen = []
    for step in range(steps):
        done = subprocess.run([sys.executable, "-c", KILL_AFTER, json.dumps(new), str(release), str(step)],
                              check=False)
        assert done.returncode == -9
        now = contents()
        assert now in (old | kept, new | kept), f"killed after step {step}: a mixed release {now}"
        seen.append(now == new | kept)
        list(writing(old, release))  # back to the old release for the next kill
    assert seen == [False] * (steps - 1) + [True]  # only the last step (the swap) makes it new
    assert not list(tmp_path.glob(".release-new-*"))  # what the killed builds left is cleared


# The regimens the sources support: a PD-1 inhibitor (by the reasoner) + a TKI, in a first-line
# study or approval. Where each comes from:
FIRST_LINE_PD1_TKI = {
    "AK105 + anlotinib": "NCT04344158 (III)",                       # s001 Table 2 (AK105 anti-PD-1, text)
    # s001 Table 1 and Table 2; s000 text: "candonilimab (AK104) ... phase II ... first-line"
    "cadonilimab + lenvatinib": "NCT04444167 (I/II); COMPASSION-08 (Ib/II); "
                                "Candonilimab (AK104) + lenvatinib phase II trial (s000) (II)",
    "camrelizumab + lenvatinib": "NCT04443309 (I/II)",              # s001 Table 2
    "camrelizumab + rivoceranib": "RESCUE (II); CARES-310 (III)",   # s000 Table 1 and text; s001 Table 1
    "donafenib + sintilimab": "NCT05162352 (II)",                   # s001 Table 2 ("Sitilimab")
    "donafenib + toripalimab": "NCT04503902 (I/II)",                # s001 Table 2 ("Treprezilizumab")
    "futibatinib + pembrolizumab": "NCT04828486 (II)",              # s001 Table 2 says first line
    "lenvatinib + nivolumab": "Study 117 (Ib); IMMUNIB (II)",       # s001 Table 1
    "lenvatinib + pembrolizumab": "LEAP-002 (III); KEYNOTE-524 (Ib); KEYNOTE-524 (I)",  # phase: s001 Ib, s000 I
    "lenvatinib + rulonilimab": "NCT05408221 (II/III)",             # s001 Table 2
    "lenvatinib + sintilimab": "NCT04401813 (II); NCT04042805 (II)",  # s001 Table 1, Table 2 and text
    "pembrolizumab + regorafenib": "NCT03347292 (Ib)",              # s001 Table 1
    "regorafenib + tislelizumab": "NCT04183088 (II)",               # s001 Table 2
    "sorafenib + tislelizumab": "ChiCTR2100050076 (II)",            # s001 Table 1
}


def test_first_line_pd1_tki_rows(store):
    rows = run_canned("first-line-pd1-tki", {}, store).as_dicts()
    got = {r["regimen"]: r["trials"] for r in rows}
    assert set(got) == set(FIRST_LINE_PD1_TKI)
    for regimen, trials in FIRST_LINE_PD1_TKI.items():
        assert set(got[regimen].split("; ")) == set(trials.split("; ")), regimen
    assert "atezolizumab + cabozantinib" not in got  # PD-L1 only
    assert "KN046 + lenvatinib" not in got  # PD-L1/CTLA-4 bispecific


def test_first_line_pd1_tki_values_carry_their_sources(store):
    rows = {r["regimen"]: r for r in run_canned("first-line-pd1-tki", {}, store).as_dicts()}
    leap = rows["lenvatinib + pembrolizumab"]["mOS"].split("; ")
    assert "21.2 months, LEAP-002 [s001 table-1 row 9]" in leap          # s001 Table 1
    assert "21.1 months, LEAP-002 [s000 table-1 row 5]" in leap          # s000 Table 1 disagrees
    compassion = rows["cadonilimab + lenvatinib"]["mOS"].split("; ")
    assert "27.1 months, COMPASSION-08 (cohort A) [s001 text]" in compassion        # narrative
    assert "0.271 months, COMPASSION-08 (cohort A) [s001 table-1 row 18]" in compassion  # table, kept as printed
    assert "not reached, COMPASSION-08 (cohort B) [s001 text]" in compassion        # the source's cohort
    assert rows["pembrolizumab + regorafenib"]["ORR"] == "32%, NCT03347292 [s001 table-1 row 11]"
    assert rows["cadonilimab + lenvatinib"]["pd1_inhibitor"] == "cadonilimab"  # found by the reasoner


def test_committed_release_is_up_to_date(built):
    """graph/release/ is what the committed inputs build (run `hcc-kg build` and commit)."""
    from hcc_kg.constants import RELEASE

    fresh, _ = built
    for name in (RELEASE_TTL, RELEASE_NQ, RECEIPT):
        assert (RELEASE / name).read_bytes() == (fresh / name).read_bytes(), f"graph/release/{name} is stale"


def test_first_line_query_agrees_on_rdflib(ask):
    rows = ask("first-line-pd1-tki")
    assert len(rows) == len(FIRST_LINE_PD1_TKI)
