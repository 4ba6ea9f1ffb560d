"""Curated facts: integrity over the real data, and each kind of bad input failing clearly."""

from __future__ import annotations

import pytest
from curated import curated

from hcc_kg.emit import emit
from hcc_kg.errors import HccKgError
from hcc_kg.facts import load_facts, sourced
from hcc_kg.sources import load_sources

FACTS = load_facts()
RECORDS = [(f"{where.file.name}:{where.record}", record) for kind in FACTS.records for where, record in FACTS.where(kind)]


@pytest.mark.parametrize("label,record", RECORDS, ids=[label for label, _ in RECORDS])
def test_every_quote_sits_at_its_offsets(label, record):
    sources = load_sources()
    for _, fact in sourced(record):
        start, end = FACTS.span(fact)
        assert sources[fact.source].text[start:end] == fact.quote


def _imbrave150(facts_copy):
    """IMbrave150's curated record from the scratch copy, and a function to save it back."""
    return curated(facts_copy, "studies/imbrave150.yaml")


def test_quote_not_in_source_names_file_record_and_closest_passage(facts_copy):
    study, save = _imbrave150(facts_copy)
    study["measurements"][0]["quote"] = "mOS (19.2 vs. 13.5 months"
    save(study)
    with pytest.raises(HccKgError) as err:
        load_facts(facts_copy)
    message = str(err.value)
    assert "graph/facts/studies/imbrave150.yaml: record 'imbrave150', field measurements[0].quote" in message
    assert "not found verbatim in" in message and "closest passage" in message


def test_unknown_drug_name_names_place_and_nearest(facts_copy):
    study, save = _imbrave150(facts_copy)
    study["arms"][0]["regimen"] = ["atezolizumabb", "bevacizumab"]
    save(study)
    with pytest.raises(HccKgError, match=r"imbrave150.yaml: record 'imbrave150', field arms\[0\].regimen: "
                                         r"unknown drug/therapy name 'atezolizumabb'; nearest known: atezolizumab"):
        emit(load_facts(facts_copy))


def test_malformed_yaml_names_line_and_column(facts_copy):
    (facts_copy / "approvals.yaml").write_text("- id: x\n  regimen: [a, b\n", encoding="utf-8")
    with pytest.raises(HccKgError, match=r"approvals.yaml:\d+:\d+: malformed YAML"):
        load_facts(facts_copy)


def test_schema_break_names_field(facts_copy):
    study, save = _imbrave150(facts_copy)
    study["arms"][0]["role"] = "control"
    save(study)
    with pytest.raises(HccKgError, match=r"imbrave150.yaml: record 'imbrave150', field arms.0.role: Input should be"):
        load_facts(facts_copy)


def test_duplicate_identifier(facts_copy):
    records, save = curated(facts_copy, "approvals.yaml")
    records.append(records[0])
    save(records)
    with pytest.raises(HccKgError, match=rf"duplicate identifier '{records[0]['id']}'"):
        load_facts(facts_copy)


def test_number_must_occur_in_its_quote(facts_copy):
    study, save = _imbrave150(facts_copy)
    m = next(m for m in study["measurements"] if "value" in m)
    m["value"] = 99.9
    save(study)
    with pytest.raises(HccKgError, match=r"value: 99.9 does not occur in its quote"):
        load_facts(facts_copy)


def test_unknown_endpoint_lists_allowed_values(facts_copy):
    study, save = _imbrave150(facts_copy)
    study["measurements"][0]["endpoint"] = "median OS"
    save(study)
    with pytest.raises(HccKgError, match=r"measurements\[0\].endpoint: unknown endpoint 'median OS'; allowed: .*mOS"):
        emit(load_facts(facts_copy))


def test_no_two_drugs_share_an_external_record():
    """Regression: sorafenib's label targets were once copied onto tivozanib by a bulk edit."""
    owners: dict[str, str] = {}
    for drug in FACTS.of("drugs"):
        for ext in drug.external_targets:
            assert owners.setdefault(ext.url, drug.name) == drug.name, ext.url


def test_xref_evidence_must_show_the_identifier(facts_copy):
    records, save = curated(facts_copy, "xrefs.yaml")
    sorafenib = next(r for r in records if r["name"] == "sorafenib")
    sorafenib["xrefs"][0]["curie"] = "drugbank:DB00399"  # a typo: the evidence says DB00398
    save(records)
    with pytest.raises(HccKgError, match=r"xrefs.yaml: record 'sorafenib', field xrefs.0: .*"
                                         r"the evidence does not show the identifier 'DB00399'"):
        load_facts(facts_copy)


def test_every_drug_and_target_needs_an_xrefs_record(facts_copy):
    records, save = curated(facts_copy, "xrefs.yaml")
    save([r for r in records if r["name"] != "tivozanib"])
    with pytest.raises(HccKgError, match=r"facts/xrefs.yaml: record 'tivozanib': missing "
                                         r"\(drug named in drugs.yaml\); add it, with xrefs: \[\]"):
        emit(load_facts(facts_copy))


def test_registry_id_must_occur_in_a_source(facts_copy):
    study, save = _imbrave150(facts_copy)
    study["registry_ids"] = ["NCT99999999"]
    save(study)
    with pytest.raises(HccKgError, match=r"imbrave150.yaml: record 'imbrave150', field registry_ids\[0\]: "
                                         r"'NCT99999999' does not occur in any source"):
        emit(load_facts(facts_copy))


def test_xref_prefix_unknown_to_bioregistry(facts_copy):
    """The build expands every CURIE with Bioregistry (so the real data is checked by each build);
    a prefix it does not know stops the build at the field."""
    records, save = curated(facts_copy, "xrefs.yaml")
    sorafenib = next(r for r in records if r["name"] == "sorafenib")
    sorafenib["xrefs"][0]["curie"] = "drugbankk:DB00398"
    save(records)
    with pytest.raises(HccKgError, match=r"xrefs.yaml: record 'sorafenib', field xrefs\[0\].curie: "
                                         r"'drugbankk:DB00398' has no Bioregistry prefix"):
        emit(load_facts(facts_copy))


def test_term_sources_are_checked(built, tmp_path, monkeypatch):
    """ontology/term-sources.yaml: a malformed entry names its field; an ontology link without a
    confirmation names the term."""
    from hcc_kg import sssom

    _, result = built
    args = (FACTS, result.graphs["asserted"], result.graphs["ontology"], load_sources())
    bad = tmp_path / "term-sources.yaml"
    monkeypatch.setattr(sssom, "TERM_SOURCES", bad)
    bad.write_text("- iri: not-an-iri\n  label: x\n  confirmed_in: somewhere\n  evidence: an excerpt\n")
    with pytest.raises(HccKgError, match=r"term-sources.yaml: record 'not-an-iri', field iri: String should match"):
        sssom.sssom_table(*args)
    bad.write_text("[]\n")
    with pytest.raises(HccKgError, match=r"term-sources.yaml: no confirmation for http://purl.obolibrary.org/obo/"):
        sssom.sssom_table(*args)


# --- issue 22: adverse-event grades, doses and doubts are data; each bad input fails clearly ----


def test_a_qualifier_naming_a_grade_needs_the_typed_grade(facts_copy):
    """RESCUE's "Grade 3-4 AEs ... 77.4%" without grade: "3-4" would be a grade held only as text."""
    study, save = curated(facts_copy, "studies/rescue.yaml")
    ae = next(m for m in study["measurements"] if m.get("grade") == "3-4")
    del ae["grade"]
    save(study)
    with pytest.raises(HccKgError, match=r"rescue.yaml: record 'rescue', field measurements\[\d+\].grade: "
                                         r"the qualifier 'grade 3-4' names a grade; give it as grade"):
        emit(load_facts(facts_copy))


def test_a_grade_on_an_efficacy_endpoint_fails(facts_copy):
    study, save = _imbrave150(facts_copy)
    next(m for m in study["measurements"] if m["endpoint"] == "mOS")["grade"] = ">=3"
    save(study)
    with pytest.raises(HccKgError, match=r"grade and ae_kind apply to adverse-event endpoints only, not 'mOS'"):
        emit(load_facts(facts_copy))


def test_a_dose_of_a_drug_outside_the_arm_fails(facts_copy):
    study, save = curated(facts_copy, "studies/compassion-08.yaml")
    study["arms"][0]["doses"][0]["drug"] = "durvalumab"
    save(study)
    with pytest.raises(HccKgError, match=r"compassion-08.yaml: record 'compassion-08', field arms\[0\].doses\[0\].drug: "
                                         r"'durvalumab' is not in the arm's regimen"):
        emit(load_facts(facts_copy))


def test_a_dose_amount_must_occur_in_its_quote(facts_copy):
    study, save = curated(facts_copy, "studies/compassion-08.yaml")
    study["arms"][0]["doses"][0]["amount"] = 16
    save(study)
    with pytest.raises(HccKgError, match=r"doses\[0\].amount: 16 does not occur in its quote"):
        load_facts(facts_copy)


def test_a_doubt_must_rest_on_a_fact_of_its_arms(facts_copy):
    """A doubted passage that no fact of the named arm is derived from links nothing: an error."""
    records, save = curated(facts_copy, "doubts.yaml")
    records[0]["arms"] = ["fourth-group"]  # its values come from s000 Table 1, not this sentence
    records[0]["quote"] = "The tremelimumab (300 mg) plus Furvalumab (1500 mg)"
    save(records)
    with pytest.raises(HccKgError, match=r"doubts.yaml: record 'study-22-monotherapy-arms-swapped', field quote: "
                                         r"no fact of study-22"):
        emit(load_facts(facts_copy))
