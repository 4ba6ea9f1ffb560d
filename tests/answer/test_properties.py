"""Property-based tests (hypothesis) over CLI arguments, query parameters and curated-record fields.

Issue 6: whatever the input, either a clean error (an HccKgError naming the file and field, or a
one-line message and a non-zero exit) or a correct result: never a traceback, never a success
that wrote wrong data.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import string
from decimal import Decimal

import pytest
import yaml
from click.testing import CliRunner
from curated import write_yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import RDFS, SKOS, Literal, URIRef
from rdflib.namespace import PROV
from sparql_http import ordered

from hcc_kg.answer.catalogue import catalogue
from hcc_kg.answer.params import run_canned
from hcc_kg.build.lexicon import normalise
from hcc_kg.cli import main
from hcc_kg.constants import FACTS
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC, OA, RES

#: modest runs, no deadline (one example is a query or a facts load), and no example database
#: written into the work tree; fixtures are shared by the examples of a test on purpose
FAST = settings(max_examples=30, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
#: the facts properties load and emit every curated file per example (~0.3 s each)
SLOW = settings(FAST, max_examples=20)

CANNED = catalogue()
PARAMS = sorted((q.name, p.name) for q in CANNED.values() for p in q.params.values())

#: anything YAML can hold where a record field is expected
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=2),
    max_leaves=5,
)


# --- CLI arguments ----------------------------------------------------------------------------

#: any command-line argument: a process's argv cannot hold a NUL byte
ARG = st.text(st.characters(exclude_characters="\x00"), max_size=30)


@pytest.fixture()
def cli(store, built, monkeypatch):
    """`hcc-kg ARGS` in-process on the session's built release (its store is loaded once; the
    query engine process loads it once too, and is reused)."""
    import hcc_kg.answer.store as store_module

    monkeypatch.setattr(store_module, "open_release", lambda release=None: store)
    monkeypatch.setattr(store_module, "RELEASE", built[0])
    return lambda args: CliRunner().invoke(main, args)


def _clean(result) -> None:
    """Exit 0, or a non-zero exit with an error message; never an uncaught exception."""
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "error" in result.output.lower(), result.output  # ours "error: ..."; click's "Error: ..."


#: a query name: canned, or any text (text with a space or newline is run as SPARQL); names
#: ending in .rq are file paths, see test_query_file_argument_fails_cleanly
NAME = (st.sampled_from(sorted(CANNED)) | ARG).filter(lambda n: not n.endswith(".rq"))
PARAM = st.builds(lambda k, v: f"{k}={v}", st.sampled_from(sorted({p for _, p in PARAMS})), ARG)
FORMAT = st.sampled_from(["table", "csv", "tsv", "json"]) | ARG


@FAST
@given(name=NAME, params=st.lists(PARAM | ARG, max_size=3), fmt=FORMAT)
@example(name="orr-above", params=["threshold=76.7"], fmt="json")
@example(name="trial-card", params=["study=", "study=IMbrave150"], fmt="json")  # the last one wins
def test_query_command_never_tracebacks_and_prints_the_rows(name, params, fmt, cli, store):
    result = cli(["query", name, *[a for p in params for a in ("--param", p)], "--format", fmt])
    _clean(result)
    if result.exit_code == 0 and fmt == "json" and name in CANNED:
        given_params = dict(p.partition("=")[::2] for p in params)
        got, want = json.loads(result.output), run_canned(name, given_params, store).as_dicts()
        # the engine process holds the union as its default graph: GROUP_CONCAT lists and tied rows
        # may come in another (fixed) order than from this process's store
        assert [list(r) for r in got] == [list(r) for r in want]
        assert ordered(tuple(r.values()) for r in got) == ordered(tuple(r.values()) for r in want)


@FAST
@given(stem=ARG)
@example(stem="missing")
def test_query_file_argument_fails_cleanly(stem, cli, tmp_path):
    result = cli(["query", str(tmp_path / f"{stem}.rq")])
    _clean(result)
    assert result.exit_code != 0  # no such file


@FAST
@given(content=st.binary(max_size=40))
@example(content=b"\xff\xfeSELECT")
def test_query_file_with_any_bytes_fails_cleanly(content, cli, tmp_path):
    path = tmp_path / "any.rq"
    path.write_bytes(content)
    _clean(cli(["query", str(path)]))


def _queries_exit(extra: list[str]) -> int:
    """The exit of `hcc-kg queries EXTRA...` as click parses it: an argument starting with "-" (not
    "-" alone, not after "--") is an option, and any but --help is a usage error (2); --help
    prints help (0); then one NAME at most (2), a canned one (0) or not (1)."""
    end = extra.index("--") if "--" in extra else len(extra)
    options = [arg for arg in extra[:end] if arg.startswith("-") and len(arg) > 1]
    names = [arg for arg in extra[:end] if arg not in options] + extra[end + 1:]
    if set(options) - {"--help"}:
        return 2
    if options:
        return 0
    if len(names) > 1:
        return 2
    return 0 if not names or names[0] in CANNED else 1


@FAST
@given(extra=st.lists(ARG | st.sampled_from(["--", "--help", "-0", *sorted(CANNED)[:2]]), max_size=2))
def test_queries_command_lists_every_query_or_rejects_arguments(extra, cli):
    result = cli(["queries", *extra])
    _clean(result)
    assert result.exit_code == _queries_exit(extra), result.output
    if not extra:
        assert [line for line in result.output.splitlines() if not line.startswith(" ")] == sorted(CANNED)


@pytest.fixture()
def rdf_files(tmp_path):
    """Awkward files to validate: empty, corrupt, binary, a folder named like Turtle."""
    (tmp_path / "empty.ttl").write_text("", encoding="utf-8")
    (tmp_path / "corrupt.ttl").write_text("<a> <b> .", encoding="utf-8")
    (tmp_path / "binary.ttl").write_bytes(b"\xff\xfe\x00<\x9c")
    (tmp_path / "folder.ttl").mkdir()
    return tmp_path


AWKWARD = ["empty.ttl", "corrupt.ttl", "binary.ttl", "folder.ttl", ".", ""]


@SLOW
@given(path=st.sampled_from(AWKWARD) | ARG)
@example(path="\ud800")
def test_validate_any_path_fails_cleanly(path, rdf_files, cli):
    target = rdf_files / path  # arbitrary text, in a folder of awkward files
    result = cli(["validate", str(target)])
    _clean(result)
    if result.exit_code == 0:
        assert result.output == f"{target}: conforms (0 triples)\n"  # only the empty file parses


@pytest.mark.parametrize("path", ["\ud800", "x\x00y"])
def test_validate_unencodable_path_is_a_clear_error(path, cli):
    """Regression: `hcc-kg validate '\\ud800'` raised UnicodeEncodeError (click.Path's os.stat)."""
    result = cli(["validate", path])
    _clean(result)
    assert result.exit_code == 1
    assert result.output == f"error: {path!r}: not a valid file name\n"


def test_property_tests_are_derandomized_in_ci():
    """CI runs the same examples every time (a profile, see conftest.py); locally they are random."""
    import os

    from hypothesis import settings as current

    if os.environ.get("CI") and not os.environ.get("HYPOTHESIS_PROFILE"):
        assert current.default.derandomize
    assert FAST.derandomize == current.default.derandomize


def test_validate_empty_path_is_not_the_release(cli):
    """Regression: `hcc-kg validate ''` validated graph/release/hcc-kg.ttl."""
    result = cli(["validate", ""])
    _clean(result)
    assert result.exit_code != 0


# --- query parameters -------------------------------------------------------------------------


@FAST
@given(target=st.sampled_from(PARAMS), value=st.text(max_size=40))
def test_any_parameter_value_gives_rows_or_a_clear_error(target, value, store):
    name, param = target
    try:
        result = run_canned(name, {param: value}, store)
    except HccKgError as err:
        assert str(err).startswith((f"query {name}: parameter {param}: ", f"{name}: ")), str(err)
        return
    assert all(len(row) == len(result.columns) for row in result.rows)


def _orr_rows(store, threshold: str) -> set[tuple]:
    """(study, arm, orr, criteria, source, table_row) of each orr-above row."""
    rows = run_canned("orr-above", {"threshold": threshold}, store).as_dicts()
    return {(r["study"], r["arm"], r["orr"], r["criteria"], r["source"], r["table_row"]) for r in rows}


@pytest.fixture(scope="module")
def every_orr(store) -> set[tuple]:
    return _orr_rows(store, "0")


@FAST
@given(threshold=st.decimals(min_value=0, max_value=100, places=2))
@example(threshold=Decimal("76.7"))
def test_orr_above_keeps_exactly_the_rows_at_or_above_the_threshold(threshold, store, every_orr):
    expected = {row for row in every_orr if Decimal(row[2]) >= threshold}
    assert _orr_rows(store, format(threshold, "f")) == expected


@FAST
@given(zeros=st.integers(0, 3), trailing=st.integers(0, 3))
def test_orr_above_any_spelling_of_76_7_gives_the_known_answer(zeros, trailing, store):
    # tests/answer/test_queries_b.py: only CA 209-678 (81, s000) and Study 117 (76.7, s000 and s001 Table 1)
    rows = run_canned("orr-above", {"threshold": "0" * zeros + "76.7" + "0" * trailing}, store).as_dicts()
    assert {(r["study"], r["orr"]) for r in rows} == {("CA 209-678", "81"), ("Study 117", "76.7")}
    assert len(rows) == 3


@st.composite
def respelled(draw, name: str) -> str:
    """The same name in any case, with spaces and punctuation anywhere (names ignore both)."""
    out = []
    for ch in name:
        ch = ch.upper() if draw(st.booleans()) else ch.lower()
        out.append(ch + draw(st.sampled_from(["", "", " ", "-", ".", "/", "  "])))
    return "".join(out)


@FAST
@given(case=st.sampled_from([
    ("trial-card", "study", "IMbrave150", RES["study"]["imbrave150"]),
    ("trial-card", "study", "NCT03434379", RES["study"]["imbrave150"]),  # its registry id
    ("drug-card", "drug", "karelizumab", RES["drug"]["camrelizumab"]),  # s000's misspelling
    ("drugs-by-target", "target", "PD-L1", RES["target"]["pd-l1"]),
]), data=st.data())
def test_entity_parameter_ignores_case_spacing_and_punctuation(case, data, store):
    from hcc_kg.answer.params import bindings

    query, param, name, iri = case
    spelled = data.draw(respelled(name))
    bound = bindings(CANNED[query], {param: spelled}, store)
    assert [term.value for term in bound.values()] == [str(iri)]


# --- curated-record fields --------------------------------------------------------------------


class Scratch:
    """A scratch copy of graph/facts: write one edited record, run the facts and emit stages."""

    def __init__(self, root):
        from hcc_kg.build.emit import emit

        self.root = root
        self.baseline = set(emit(self.load()))

    def load(self):
        from hcc_kg.build.facts import load_facts

        return load_facts(self.root)

    def run(self, rel: str, edit) -> tuple[set | None, HccKgError | None]:
        """(triples, None) or (None, error) after ``edit`` changed the parsed file ``rel``."""
        from hcc_kg.build.emit import emit

        path = self.root / rel
        original = path.read_text(encoding="utf-8")
        data = copy.deepcopy(yaml.safe_load(original))
        edit(data)
        write_yaml(path, data)
        try:
            return set(emit(self.load())), None
        except HccKgError as err:
            return None, err
        finally:
            path.write_text(original, encoding="utf-8")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One scratch copy for the module; unchanged files are parsed once (YAML parsing is 2/3 of
    the facts stage), the edited file every time."""
    import hcc_kg.build.facts as facts_module

    root = tmp_path_factory.mktemp("facts") / "facts"
    shutil.copytree(FACTS, root)
    real, parsed = facts_module.read_yaml, {}

    def read_yaml_once(path):
        key = path.read_bytes()  # bytes: a file that is not UTF-8 must reach the real reader
        if key not in parsed:
            parsed[key] = real(path)
        return parsed[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(facts_module, "read_yaml", read_yaml_once)
        yield Scratch(root)


def _names(err: HccKgError, file: str, path: str, *fields: str) -> None:
    """The message names the file, the path in the record ("arms[1]" or "arms.1") and a field."""
    message = str(err)
    assert file in message, message
    pattern = re.escape(path).replace(r"\[", r"[.\[]").replace(r"\]", r"\]?")
    assert re.search(pattern, message), message
    assert any(field in message for field in fields), message


IMBRAVE = "studies/imbrave150.yaml"
#: s001: "mOS (19.2 vs. 13.4 months, $p < 0.001$)", IMbrave150's atezolizumab + bevacizumab arm
MOS_QUOTE = "mOS (19.2 vs. 13.4 months, $p < 0.001$)"
MOS = RES["measurement"]["imbrave150-atezolizumab-bevacizumab-mos-s001"]
MOS_INDEX = next(
    i for i, m in enumerate(yaml.safe_load((FACTS / IMBRAVE).read_text(encoding="utf-8"))["measurements"])
    if m["quote"] == MOS_QUOTE and m["arm"] == "atezolizumab-bevacizumab")


def test_scratch_baseline_holds_the_mos_measurement(scratch):
    """The properties below edit this measurement; it must be where they expect it."""
    from rdflib import XSD  # not at module level: pytest's collection probes it and rdflib warns

    assert (MOS, HCC.value, Literal("19.2", datatype=XSD.decimal)) in scratch.baseline


def _as_decimal(value: object) -> Decimal | None:
    """The number a YAML value stands for (floats by their shortest repr), or None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except ArithmeticError:
        return None


@SLOW
@given(value=st.sampled_from([19.2, 13.4, 0.001, "19.20", 19, "1.92e1"])
       | st.decimals(places=2, allow_nan=False, allow_infinity=False).map(float)
       | st.floats() | st.integers() | st.text(max_size=8) | ANY_VALUE)
@example(value=19.2)  # unchanged
@example(value=13.4)  # the other arm's number, also in the quote: accepted, and written as 13.4
@example(value=99.9)  # not in the quote
def test_measurement_value_is_written_exactly_or_refused(value, scratch):
    def edit(study):
        study["measurements"][MOS_INDEX]["value"] = value

    triples, err = scratch.run(IMBRAVE, edit)
    if err is not None:
        _names(err, "imbrave150.yaml", f"measurements[{MOS_INDEX}]", "value")
        return
    number = _as_decimal(value)
    assert number is not None and number in {Decimal("19.2"), Decimal("13.4"), Decimal("0.001")}
    # only the measurement's value changed, and to exactly the number given
    changed = (triples - scratch.baseline) | (scratch.baseline - triples)
    assert {(s, p) for s, p, _ in changed} <= {(MOS, HCC.value)}
    assert [Decimal(str(o)) for o in {o for s, p, o in triples if s == MOS and p == HCC.value}] == [number]


def _around_quote(margin: int = 60) -> str:
    from hcc_kg.build.sources import load_sources

    text = load_sources()["s001"].text
    start = text.index(MOS_QUOTE)
    return text[max(0, start - margin): start + len(MOS_QUOTE) + margin]


WINDOW = _around_quote()


@SLOW
@given(quote=st.builds(lambda a, b: WINDOW[min(a, b):max(a, b)], st.integers(0, len(WINDOW)),
                       st.integers(0, len(WINDOW)))
       | st.text(max_size=40) | ANY_VALUE)
@example(quote=MOS_QUOTE)
@example(quote="mOS (19.2 vs. 13.4 months")  # found, unique, holds 19.2: accepted
@example(quote="19.2")  # too short and repeated in s001
def test_measurement_quote_is_the_evidence_or_refused(quote, scratch):
    def edit(study):
        study["measurements"][MOS_INDEX]["quote"] = quote

    triples, err = scratch.run(IMBRAVE, edit)
    if err is not None:
        assert "imbrave150.yaml" in str(err) and "quote" in str(err), str(err)
        return
    from hcc_kg.build.sources import load_sources

    assert isinstance(quote, str) and quote in load_sources()["s001"].text and "19.2" in quote
    # the measurement's evidence is exactly the new quote, at offsets that hold it
    evidence = {o for s, p, o in triples if s == MOS and p == PROV.wasDerivedFrom}
    assert len(evidence) == 1
    ev = evidence.pop()
    exact = {str(o) for s, p, o in triples if s == URIRef(f"{ev}#quote") and p == OA.exact}
    assert exact == {quote}
    position = {p: int(o) for s, p, o in triples if s == URIRef(f"{ev}#position") and p in (OA.start, OA.end)}
    assert load_sources()["s001"].text[position[OA.start]:position[OA.end]] == quote


def _known_names() -> list[str]:
    """Every drug and therapy name and synonym, and some names of other kinds."""
    names = []
    for file in ("drugs.yaml", "therapies.yaml", "targets.yaml"):
        for record in yaml.safe_load((FACTS / file).read_text(encoding="utf-8")):
            names += [record["name"], *record.get("synonyms", [])]
    return names + ["IMbrave150", "hepatocellular carcinoma"]


@SLOW
@given(name=st.sampled_from(_known_names()) | st.text(max_size=20) | ANY_VALUE)
@example(name="Lenvatinib")
@example(name="PD-L1")  # a target, not a drug
def test_arm_drug_name_resolves_to_that_drug_or_is_refused(name, scratch):
    def edit(study):
        study["arms"][1]["regimen"] = [name]  # the sorafenib arm

    triples, err = scratch.run(IMBRAVE, edit)
    if err is not None:
        _names(err, "imbrave150.yaml", "arms[1]", "regimen")
        return
    # the arm's regimen is the one drug the name names (case, spacing and punctuation aside); the
    # arm's table row still gives it sorafenib too, which SHACL refuses later (one regimen an arm)
    arm = RES["arm"]["imbrave150-sorafenib"]
    named = set()
    for regimen in {o for s, p, o in triples if s == arm and p == HCC.armRegimen}:
        components = {o for s, p, o in triples if s == regimen and p == HCC.hasComponent}
        c = components.pop() if len(components) == 1 else None
        if str(c).startswith((RES["drug"], RES["therapy"])):  # str: rdflib's startswith takes no tuple
            named |= {normalise(str(o)) for s, p, o in triples if s == c and p in (RDFS.label, SKOS.altLabel)}
    assert normalise(name) in named


@SLOW
@given(arm_id=st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True) | st.text(string.printable, max_size=12)
       | st.text(max_size=12))
@example(arm_id="sora fenib")
def test_arm_id_gives_a_valid_iri_or_is_refused(arm_id, scratch):
    """Regression: an arm id with a space reached rdflib's serialiser (a traceback in the build)."""

    def edit(study):  # rename the sorafenib arm and every reference to it
        for arm in study["arms"]:
            if arm["id"] == "sorafenib":
                arm["id"] = arm_id
        for fact in study["measurements"]:
            if fact["arm"] == "sorafenib":
                fact["arm"] = arm_id
        for fact in study["comparisons"]:
            if fact["comparator"] == "sorafenib":
                fact["comparator"] = arm_id

    triples, err = scratch.run(IMBRAVE, edit)
    if err is not None:
        assert "imbrave150.yaml" in str(err) and "arms" in str(err), str(err)
        return
    arm = RES["arm"][f"imbrave150-{arm_id}"]
    assert (RES["study"]["imbrave150"], HCC.hasArm, arm) in triples
    arm.n3()  # rdflib refuses to serialise an IRI with spaces, quotes, <, >, {, }, |, \, ^ or `


@SLOW
@given(content=st.binary(max_size=40))
@example(content="id: imbrave150\nname: IMbrave150 \u2013 r\u00e9sum\u00e9\n".encode("latin-1", "replace"))
def test_facts_file_with_any_bytes_fails_cleanly(content, scratch):
    path = scratch.root / IMBRAVE
    original = path.read_bytes()
    path.write_bytes(content)
    try:
        scratch.load()
    except HccKgError as err:
        assert "imbrave150.yaml" in str(err), str(err)
    finally:
        path.write_bytes(original)


#: (file, how to find the record, field path inside it, fields to fuzz)
RECORD_FIELDS = [
    ("approvals.yaml", "fda-2020-atezolizumab-bevacizumab-first-line", "",
     ["regimen", "agency", "type", "year", "date", "line", "indication", "study", "withdrawn",
      "listed_in_china", "source", "quote", "occurrence", "disputed", "note"]),
    (IMBRAVE, None, "", ["name", "type", "aliases", "registry_ids", "note", "statements"]),
    (IMBRAVE, None, "arms[0]", ["regimen", "role", "label", "disputed", "statements"]),
    (IMBRAVE, None, "statements[1]", ["attribute", "value", "source", "quote"]),
    (IMBRAVE, None, "measurements[0]", ["arm", "endpoint", "below", "not_reached", "unit", "ci_lower",
                                        "criteria", "subgroup", "qualifier", "adverse_event", "occurrence",
                                        "source"]),
    (IMBRAVE, None, "comparisons[2]", ["experimental", "endpoint", "hazard_ratio", "ci_lower", "p_value",
                                       "p_below", "subgroup"]),
    ("drugs.yaml", "atezolizumab", "", ["name", "type", "synonyms", "biosimilar_of", "unspecified",
                                        "targets"]),
]
TARGETS = [(file, key, path, field) for file, key, path, fields in RECORD_FIELDS for field in fields]
MISSING = object()


def _record(data, key: str | None, path: str) -> dict:
    record = data if key is None else next(r for r in data if key in (r.get("id"), r.get("name")))
    for part in re.findall(r"(\w+)\[(\d+)\]", path):
        record = record[part[0]][int(part[1])]
    return record


@SLOW
@given(target=st.sampled_from(TARGETS), value=ANY_VALUE | st.just(MISSING))
@example(target=("approvals.yaml", "fda-2020-atezolizumab-bevacizumab-first-line", "", "source"), value="s000")
@example(target=(IMBRAVE, None, "measurements[0]", "source"), value="s001")
def test_any_field_value_is_accepted_or_refused_naming_file_and_field(target, value, scratch):
    file, key, path, field = target

    def edit(data):
        record = _record(data, key, path)
        if value is MISSING:
            record.pop(field, None)
        else:
            record[field] = value

    triples, err = scratch.run(file, edit)
    if err is not None:
        if field not in ("id", "name"):  # without them the record is "#1"
            assert f"record '{key or 'imbrave150'}'" in str(err), str(err)
        # another real source is reported on the quote it does not hold
        _names(err, file.rsplit("/", 1)[-1], path, *((field, "quote") if field == "source" else (field,)))
        return
    # a success writes only IRIs that can be serialised
    for s, p, o in triples - scratch.baseline:
        for term in (s, p, o):
            term.n3()
