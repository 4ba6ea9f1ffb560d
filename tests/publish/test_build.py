"""The whole build: deterministic release files, atomic writes, and the first canned question."""

from __future__ import annotations

import json

import pytest

from hcc_kg.answer.params import run_canned
from hcc_kg.constants import RECEIPT, RELEASE_NQ, RELEASE_TTL
from hcc_kg.errors import HccKgError


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


@pytest.fixture(scope="module")
def written(built, tmp_path_factory):
    """The session build's release written once (2-3 s), for the failing builds below to copy."""
    from hcc_kg import publish

    _, result = built
    folder = tmp_path_factory.mktemp("written") / "release"
    publish.write_release(result.graphs, folder, result.documents)
    return folder


@pytest.mark.parametrize("module,name", [
    ("hcc_kg.build.facts", "load_facts"),        # facts
    ("hcc_kg.build.emit", "emit"),               # resolution and triples
    ("hcc_kg.build.reason", "reason"),           # reasoning
    ("hcc_kg.build.validate", "shacl"),          # SHACL
    ("hcc_kg.build.validate", "qc"),             # QC queries
    ("hcc_kg.publish.formats", "ntriples"),  # serialisation (a writer fails mid-release)
])
def test_failed_build_leaves_previous_release_untouched(module, name, built, written, tmp_path, monkeypatch):
    import importlib
    import shutil

    from hcc_kg import publish

    _, result = built
    shutil.copytree(written, tmp_path, dirs_exist_ok=True)  # the previous release
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    monkeypatch.setattr(importlib.import_module(module), name, _fail)
    if name in ("shacl", "qc"):  # failing after the reasoner: its answer is the session build's (HermiT
        # again would test nothing more: what is checked is the release folder, which the stage never reaches)
        monkeypatch.setattr(importlib.import_module("hcc_kg.build.reason"), "reason", lambda *_: result.graphs["inferred"])
    if name == "qc":  # and SHACL's, which the session build passed
        monkeypatch.setattr(importlib.import_module("hcc_kg.build.validate"), "shacl", lambda *_: [])
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
    got: dict[str, set[str]] = {}
    for r in rows:
        got.setdefault(r["regimen"], set()).add(r["study"])
    assert set(got) == set(FIRST_LINE_PD1_TKI)
    for regimen, trials in FIRST_LINE_PD1_TKI.items():  # every first-line trial has a row
        assert got[regimen] == {t.rsplit(" (", 1)[0] for t in trials.split("; ")}, regimen
    assert "atezolizumab + cabozantinib" not in got  # PD-L1 only
    assert "KN046 + lenvatinib" not in got  # PD-L1/CTLA-4 bispecific


def _row(rows, study, endpoint, experimental=None):
    hits = [r for r in rows if r["study"] == study and r["endpoint"] == endpoint
            and (experimental is None or r["experimental"] == experimental)]
    assert len(hits) == 1, (study, endpoint, experimental, hits)
    return hits[0]


def test_first_line_pd1_tki_results_with_their_comparison(store):
    """Issue 20: a result is shown with its control arm, the effect and the source of each value."""
    rows = run_canned("first-line-pd1-tki", {}, store).as_dicts()
    # s000: "mOS (21.2 months vs 19.0 months, HR = 0.840, P = 0.0227)"; s001 Table 1 rows 9-10;
    # s000 Table 1 row 5 prints 21.1 for the combination (the sources disagree; both stay)
    leap = _row(rows, "LEAP-002", "mOS")
    assert {"21.2 months [s000 text]", "21.2 months [s001 table-1 row 9]",
            "21.1 months [s000 table-1 row 5]"} <= set(leap["experimental_value"].split("; "))
    assert leap["control"] == "lenvatinib"
    assert {"19 months [s000 text]", "19 months [s001 table-1 row 10]"} <= set(leap["control_value"].split("; "))
    assert (leap["hr"], leap["p"], leap["effect_source"]) == ("0.84", "= 0.0227", "s000 text")
    assert leap["direction"] == "HR < 1: favours experimental"
    # s000: "it did not achieve the predetermined statistical significance" (the comparison's curator note)
    assert leap["primary_endpoint"] == "not met (s000: predetermined significance not achieved)"
    # s001: CARES-310 "mOS (22.1 vs. 15.2 months, $p < 0.0001$)": a p-value, no HR
    cares = _row(rows, "CARES-310", "mOS")
    assert "22.1 months [s001 text]" in cares["experimental_value"].split("; ")
    assert (cares["control"], cares["p"], cares["hr"]) == ("sorafenib", "< 0.0001", None)
    assert "15.2 months [s001 text]" in cares["control_value"].split("; ")
    assert cares["direction"] == "longer in experimental (values)"
    # an uncontrolled cohort: the control columns are empty (COMPASSION-08, s001)
    cohort_a = _row(rows, "COMPASSION-08", "mOS", "cadonilimab + lenvatinib (cohort A)")
    assert set(cohort_a["experimental_value"].split("; ")) == {"27.1 months [s001 text]",
                                                              "0.271 months [s001 table-1 row 18]"}
    assert (cohort_a["control"], cohort_a["control_value"]) == ("", None)
    assert _row(rows, "NCT03347292", "ORR")["experimental_value"] == "32% [s001 table-1 row 11]"
    assert cohort_a["pd1_inhibitor"] == "cadonilimab"  # found by the reasoner


def test_committed_release_is_up_to_date(built):
    """graph/release/ is what the committed inputs build (run `hcc-kg build` and commit)."""
    from hcc_kg.constants import RELEASE

    fresh, _ = built
    for name in (RELEASE_TTL, RELEASE_NQ, RECEIPT):
        assert (RELEASE / name).read_bytes() == (fresh / name).read_bytes(), f"graph/release/{name} is stale"


def test_first_line_query_agrees_on_rdflib(ask):
    rows = ask("first-line-pd1-tki")
    assert {r["regimen"] for r in rows} == set(FIRST_LINE_PD1_TKI)
