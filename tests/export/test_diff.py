"""hcc-kg diff: no change against itself, exactly an edit against an edited copy, no noise from
relabelled blank nodes, a clear error for a broken release."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from hcc_kg.cli import main
from hcc_kg.constants import RECEIPT, RELEASE, RELEASE_NQ

VALUE = ('<https://w3id.org/hcc-kg/resource/measurement/imbrave150-atezolizumab-bevacizumab-ae-discontinuation-s001> '
         '<https://w3id.org/hcc-kg/ontology#value> "{}"^^<http://www.w3.org/2001/XMLSchema#decimal> '
         '<https://w3id.org/hcc-kg/graph/asserted> .\n')
INHIBITS = ('<https://w3id.org/hcc-kg/resource/drug/atezolizumab> <https://w3id.org/hcc-kg/ontology#inhibits> '
            '<https://w3id.org/hcc-kg/resource/target/pd-l1> <https://w3id.org/hcc-kg/graph/asserted> .\n')


@pytest.fixture()
def copy(tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for name in (RELEASE_NQ, RECEIPT):
        shutil.copy(RELEASE / name, folder / name)
    return folder


def run(*args: str):
    return CliRunner().invoke(main, ["diff", *args])


def test_release_against_itself_reports_no_change():
    result = run(str(RELEASE), str(RELEASE))
    assert result.exit_code == 0, result.output
    assert result.output == "No fact changed.\n"


def test_one_value_changed_and_one_fact_removed_is_exactly_that_edit(copy):
    nq = copy / RELEASE_NQ
    text = nq.read_text(encoding="utf-8")
    assert VALUE.format("15.5") in text and INHIBITS in text
    nq.write_text(text.replace(VALUE.format("15.5"), VALUE.format("15.6")).replace(INHIBITS, ""), encoding="utf-8")
    result = run(str(RELEASE), str(copy), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["files"] == {"added": [], "removed": [], "changed": []}  # the receipt was copied as is
    assert report["counts"] == {"drug": {"removed": 1}, "measurement": {"changed": 1}}
    changed, removed = sorted(report["changes"], key=lambda c: c["change"])
    assert (changed["entity"], changed["property"], changed["old"], changed["new"]) == (
        "measurement:imbrave150-atezolizumab-bevacizumab-ae-discontinuation-s001", "hcc:value",
        ['"15.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'],
        ['"15.6"^^<http://www.w3.org/2001/XMLSchema#decimal>'])
    # the evidence of each side: the same quote, located in s001
    assert changed["evidence"] and all("s001" in q and "15.5" in q for q in changed["evidence"])
    assert (removed["entity"], removed["property"], removed["old"], removed["new"]) == (
        "drug:atezolizumab", "hcc:inhibits", ["target:pd-l1"], [])
    assert any(q.startswith(("old source:s001: ", "old source:s000: ")) for q in removed["evidence"])
    text_report = run(str(RELEASE), str(copy)).output
    assert text_report.startswith("Facts: 0 added, 1 removed, 1 changed.\n- drug: 1 removed\n- measurement: 1 changed\n")


def test_relabelled_blank_nodes_are_no_change(copy):
    nq = copy / RELEASE_NQ
    labels: dict[str, str] = {}
    text = re.sub(r"_:(\w+)", lambda m: "_:n" + labels.setdefault(m[1], str(len(labels))), nq.read_text(encoding="utf-8"))
    assert len(labels) > 10
    nq.write_text(text, encoding="utf-8")
    assert run(str(RELEASE), str(copy)).output == "No fact changed.\n"


def test_a_changed_restriction_is_one_ontology_change(copy):
    """A term edited inside a blank-node restriction: one change, of the class that refers to it."""
    nq = copy / RELEASE_NQ
    text = nq.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines()
                if x.startswith("_:") and "owl#someValuesFrom> <https://w3id.org/hcc-kg/ontology#" in x)
    target = line.split("> <")[1].split(">")[0]
    nq.write_text(text.replace(line, line.replace(target, "https://w3id.org/hcc-kg/ontology#Disease")), encoding="utf-8")
    report = json.loads(run(str(RELEASE), str(copy), "--format", "json").output)
    assert [(c["kind"], c["change"]) for c in report["changes"]] == [("ontology", "changed")]


def test_a_missing_or_broken_release_is_one_clear_line(tmp_path):
    result = run(str(RELEASE), str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "cannot read the release" in result.output
    bad = tmp_path / "bad.nq"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    result = run(str(bad), str(RELEASE))
    assert result.exit_code == 1 and "not valid N-Quads" in result.output and "Traceback" not in result.output
