"""The command line, as a user runs it: clear errors, non-zero exits, no tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from hcc_kg.cli import main


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from hcc_kg.cli import main; "
            "heavy = {'owlready2', 'pyshacl', 'pyoxigraph', 'rdflib'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_command_runs_as_python_m():
    """`python -m hcc_kg.cli` (used to start servers) knows every command: `diff` was once defined
    after the `__main__` block and missing there."""
    out = subprocess.run([sys.executable, "-m", "hcc_kg.cli", "--help"], capture_output=True, text=True,
                         check=True).stdout
    listed = {line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(main.commands)


def test_query_imports_no_parser_or_model_library():
    """`hcc-kg query NAME` starts cold in well under a second: no rdflib (the old guard parsed with
    it), no pydantic, owlready2 or pyshacl on that path."""
    code = ("import sys; from hcc_kg.cli import main; from hcc_kg.answer.params import run_canned; "
            "run_canned('first-line-pd1-tki', {}); "
            "heavy = {'owlready2', 'pyshacl', 'rdflib', 'pydantic'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_queries_lists_the_catalogue():
    result = CliRunner().invoke(main, ["queries"])
    assert result.exit_code == 0
    assert "first-line-pd1-tki\n    First-line PD-1 inhibitor + TKI regimens" in result.output


@pytest.mark.parametrize("args,message", [
    (["query", "no-such-query"], "error: no canned query 'no-such-query'"),
    (["query", "first-line-pd1-tki", "--param", "drug=x"], "unknown parameter(s) drug; parameters: none"),
    (["query", "first-line-pd1-tki", "--param", "novalue"], "--param 'novalue': expected KEY=VALUE"),
    (["query", "SELECT ?x WHERE { ?x ?y }"], "error: query: SPARQL syntax error at line 1, column 26"),
])
def test_bad_queries_fail_clearly(args, message, built, monkeypatch):
    from hcc_kg.answer import store

    release, _ = built
    monkeypatch.setattr(store, "RELEASE", release)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_query_text_runs(built, monkeypatch):
    from hcc_kg.answer import store

    release, _ = built
    monkeypatch.setattr(store, "RELEASE", release)
    result = CliRunner().invoke(main, ["query", "--format", "csv",
                                       "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/hcc-kg/ontology#ClinicalStudy> }"])
    assert result.exit_code == 0
    assert result.output.startswith("n\n")  # CliRunner's output turns CRLF into LF


def test_validate_reports_violations_with_node_and_shape(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix hcc: <https://w3id.org/hcc-kg/ontology#> .\n"
                   "<https://w3id.org/hcc-kg/resource/arm/x> a hcc:TrialArm .\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "https://w3id.org/hcc-kg/resource/arm/x [" in result.output
    assert "an arm needs exactly one hcc:armRegimen" in result.output


def test_validate_corrupt_file(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: cannot parse as RDF" in result.output


@pytest.mark.parametrize("cut", ["mid-line", "line boundary"])
def test_truncated_release_given_to_query(cut, built, tmp_path, monkeypatch):
    """Cut anywhere, even where the rest still parses, the file no longer matches its receipt."""
    import shutil

    from hcc_kg.answer import store
    from hcc_kg.constants import RELEASE_NQ

    release, _ = built
    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    text = (copy / RELEASE_NQ).read_text(encoding="utf-8")
    end = len(text) // 2 if cut == "mid-line" else text.index("\n", len(text) // 2) + 1
    (copy / RELEASE_NQ).write_text(text[:end], encoding="utf-8")
    monkeypatch.setattr(store, "RELEASE", copy)
    result = CliRunner().invoke(main, ["query", "first-line-pd1-tki"])
    assert result.exit_code == 1
    assert f"{copy / RELEASE_NQ}: corrupt release file: its sha256 differs from {copy / 'build-receipt.json'}" \
        in result.output
    assert "Traceback" not in result.output


def test_broken_ontology_file_names_the_file(tmp_path, monkeypatch):
    from hcc_kg.errors import HccKgError
    from hcc_kg.publish import pipeline

    broken = tmp_path / "hcc.ttl"
    broken.write_text("@prefix hcc: <https://w3id.org/hcc-kg/ontology#> .\nhcc:Drug a owl:Class", encoding="utf-8")
    monkeypatch.setattr(pipeline, "ONTOLOGY", broken)
    with pytest.raises(HccKgError, match=rf"{broken}: cannot parse as RDF"):
        pipeline.run_stages()


def test_broken_shapes_file_names_the_file(tmp_path, monkeypatch):
    from hcc_kg.build import validate
    from hcc_kg.errors import HccKgError

    broken = tmp_path / "shapes.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<#DrugShape> a sh:NodeShape ;\n", encoding="utf-8")
    monkeypatch.setattr(validate, "SHAPES", broken)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{broken}: cannot parse as RDF" in result.output
    with pytest.raises(HccKgError, match=rf"{broken}: cannot parse as RDF"):
        validate.shacl(validate.Graph(), validate.Graph())


def test_corrupt_release_given_to_serve(built, tmp_path):
    import shutil

    from hcc_kg.constants import RELEASE_NQ

    release, _ = built
    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    with (copy / RELEASE_NQ).open("a", encoding="utf-8") as f:
        f.write("<urn:x> <urn:y> <urn:z> .\n")  # still parses: only the receipt can tell
    result = CliRunner().invoke(main, ["serve", "--release", str(copy), "--port", "0"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{copy / RELEASE_NQ}: corrupt release file: its sha256 differs" in result.output


@pytest.mark.parametrize("args, message", [
    (["serve", "--port", "80000"], "80000 is not in the range 0<=x<=65535"),
    (["serve", "--workers", "0"], "0 is not in the range"),
    (["serve", "--timeout", "abc"], "'abc' is not a valid float"),
])
def test_serve_argument_errors_are_one_line(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_serve_on_a_port_in_use_is_one_line(built):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "hcc_kg.cli", "serve", "--port", str(port), "--workers", "1",
                               "--release", str(built[0])], capture_output=True, text=True, timeout=120,
                              check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]
