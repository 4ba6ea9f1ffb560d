"""KGX export: validated by kgx itself (its report read, not its exit status), summarised by
`kgx graph-summary`, and the exported statements checked against the sources."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hcc_kg.constants import RELEASE
from hcc_kg.errors import HccKgError
from hcc_kg.export.kgx import EDGES, METADATA, NODES

SUMMARY = RELEASE / "kgx" / "hcc-kg_graph-summary.yaml"


def kgx(*args: str) -> subprocess.CompletedProcess:
    """The kgx command line, offline (hcc_kg.export.kgx_offline), as a data engineer runs it."""
    return subprocess.run([sys.executable, "-m", "hcc_kg.export.kgx_offline", *args], capture_output=True,
                          text=True, timeout=600, check=False)


def report(stderr: str) -> dict:
    """kgx validate's JSON report: kgx 2.6 writes it to stderr (whatever -o says), after any log
    lines; an empty object means no error and no warning."""
    start = stderr.find("\n{") + 1 if not stderr.startswith("{") else 0
    if "{" not in stderr[start:start + 1]:
        raise AssertionError(f"no kgx report in stderr:\n{stderr[-2000:]}")
    return json.JSONDecoder().raw_decode(stderr[start:])[0]


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.slow
def test_kgx_validate_reports_no_error(built):
    release, _ = built
    done = kgx("validate", "-i", "tsv", str(release / NODES), str(release / EDGES))
    assert report(done.stderr) == {}, done.stderr[-3000:]
    assert done.returncode == 0


@pytest.mark.slow
def test_kgx_validate_reports_a_broken_export(built, tmp_path):
    """The same check fails on an unknown category, a predicate not in Biolink and a prefix that
    is not registered: the test can fail."""
    release, _ = built
    (tmp_path / "kgx").mkdir()
    folder = tmp_path / "kgx"
    (folder / Path(METADATA).name).write_bytes((release / METADATA).read_bytes())
    nodes = (release / NODES).read_text(encoding="utf-8")
    nodes = nodes.replace("\tbiolink:Disease\t", "\tbiolink:Illness\t", 1)
    nodes += "nowhere:x\tbiolink:Drug\tx\t\t\t\t\t\t\n"
    edges = (release / EDGES).read_text(encoding="utf-8").replace("\tbiolink:affects\t", "\tbiolink:inhibits\t", 1)
    (folder / "broken_nodes.tsv").write_text(nodes, encoding="utf-8")
    (folder / "broken_edges.tsv").write_text(edges, encoding="utf-8")
    done = kgx("validate", "-i", "tsv", str(folder / "broken_nodes.tsv"), str(folder / "broken_edges.tsv"))
    errors = report(done.stderr)["ERROR"]
    messages = json.dumps(errors)
    assert "Category 'Illness' is unknown" in messages
    assert "Edge predicate 'inhibits' is not in Biolink Model" in messages
    assert "CURIE prefix 'nowhere' is not represented" in messages


@pytest.mark.slow
def test_graph_summary_shipped_beside_the_files_is_current(built, tmp_path):
    release, _ = built
    out = tmp_path / "summary.yaml"
    done = kgx("graph-summary", "-i", "tsv", str(release / NODES), str(release / EDGES), "-o", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.read_text(encoding="utf-8") == SUMMARY.read_text(encoding="utf-8"), (
        f"{SUMMARY} is stale: python -m hcc_kg.export.kgx_offline graph-summary -i tsv "
        f"graph/release/{NODES} graph/release/{EDGES} -o {SUMMARY.relative_to(RELEASE.parent.parent)}")


def test_release_files_are_the_built_ones(built):
    release, _ = built
    for name in (NODES, EDGES, METADATA):
        assert (release / name).read_bytes() == (RELEASE / name).read_bytes(), name


def test_every_edge_carries_provenance_and_its_quotes_are_in_the_sources(built):
    from hcc_kg.build.sources import load_sources

    release, _ = built
    texts = {f"hcckg.source:{s.id}": s.text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
             for s in load_sources().values()}
    edges = rows(release / EDGES)
    assert len({e["id"] for e in edges}) == len(edges)
    for edge in edges:
        assert edge["primary_knowledge_source"] == "infores:hcc-kg", edge["id"]
        assert edge["knowledge_level"] == "knowledge_assertion", edge["id"]
        assert edge["agent_type"] in ("manual_agent", "manual_validation_of_automated_agent"), edge["id"]
        assert edge["publications"] and edge["supporting_text"], edge["id"]
        sources = [texts[p] for p in edge["publications"].split("|") if p in texts]
        external = [p for p in edge["publications"].split("|") if p not in texts]
        for quote in edge["supporting_text"].split("|"):
            assert any(quote in text for text in sources) or external, (edge["id"], quote)


def test_statements_read_from_the_sources(built):
    release, _ = built
    edges = {e["id"]: e for e in rows(release / EDGES)}
    nodes = {n["id"]: n for n in rows(release / NODES)}
    atezo = edges["hcckg.edge:atezolizumab--inhibits--pd-l1"]
    assert (atezo["predicate"], atezo["qualified_predicate"], atezo["object_direction_qualifier"],
            atezo["causal_mechanism_qualifier"]) == ("biolink:affects", "biolink:causes", "decreased", "inhibition")
    # IMbrave150 is a phase III trial of atezolizumab + bevacizumab against sorafenib
    imbrave = edges["hcckg.edge:atezolizumab-bevacizumab--trial--imbrave150--phase-iii"]
    assert imbrave["max_research_phase"] == "clinical_trial_phase_3"
    assert imbrave["has_supporting_studies"] == "CLINICALTRIALS:NCT03434379"  # Biolink's preferred id
    # the sources disagree on ORIENT-32's phase (III in the text, II/III in s000 Table 1): both stay;
    # s001 Table 1's "II" is a disputed table value, left out
    orient = sorted(e["max_research_phase"] for e in edges.values()
                    if e["id"].startswith("hcckg.edge:ibi305-sintilimab--trial--orient-32--"))
    assert orient == ["clinical_trial_phase_2_to_3", "clinical_trial_phase_3"]
    fda = edges["hcckg.approval:fda-2020-atezolizumab-bevacizumab-first-line"]
    assert (fda["predicate"], fda["clinical_approval_status"]) == ("biolink:treats", "fda_approved_for_condition")
    assert edges["hcckg.approval:fda-nivolumab-second-line-withdrawn"]["clinical_approval_status"] == \
        "post_approval_withdrawal"
    assert "hcckg.approval:approval-1997-rituximab-non-hodgkin-lymphoma" not in edges  # not an HCC approval
    # nodes by Biolink's preferred prefix for their category; the local CURIE stays an xref
    hcc = nodes["MONDO:0007256"]
    assert hcc["category"] == "biolink:Disease" and "hcckg.disease:hepatocellular-carcinoma" in hcc["xref"].split("|")
    assert nodes["NCBIGene:29126"]["category"] == "biolink:Gene"  # PD-L1 (CD274)
    assert nodes["HGNC.FAMILY:651"]["category"] == "biolink:GeneFamily"  # MAPK
    assert nodes["CHEBI:85994"]["category"] == "biolink:Drug|biolink:SmallMolecule"  # lenvatinib
    assert nodes["CLINICALTRIALS:NCT03434379"]["xref"] == "hcckg.study:imbrave150"


def test_export_refuses_what_kgx_tsv_cannot_hold():
    from rdflib import URIRef

    from hcc_kg.export.kgx import cell, curie

    with pytest.raises(HccKgError, match="list delimiter"):
        cell(["a | b"])
    with pytest.raises(HccKgError, match="not a resource IRI"):
        curie(URIRef("https://example.org/x"))
    assert cell("a\tb\nc") == "a b c"
