"""The vocabulary module and the ontology agree; every term is labelled and defined."""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from hcc_kg.constants import HCC as HCC_IRI
from hcc_kg.constants import ONTOLOGY, QC_QUERIES
from hcc_kg.vocab import HCC, MONTH_ENDPOINTS

ONT = Graph().parse(ONTOLOGY)
TERMS = {s for s in ONT.subjects() if isinstance(s, URIRef) and str(s).startswith(HCC_IRI)}


def test_vocab_module_lists_exactly_the_ontology_terms():
    assert {HCC_IRI + name for name in HCC.__annotations__} == {str(t) for t in TERMS}


def test_every_term_has_label_and_definition():
    missing = [t for t in TERMS if (t, RDFS.label, None) not in ONT or (t, SKOS.definition, None) not in ONT]
    assert missing == []


def test_ontology_declares_version():
    onto = URIRef("https://w3id.org/hcc-kg/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ONT
    assert (onto, OWL.versionIRI, None) in ONT and (onto, OWL.versionInfo, None) in ONT


def test_the_duration_qc_check_lists_the_month_endpoints():
    """queries/qc/duration-unit.rq names by IRI the endpoints vocab.MONTH_ENDPOINTS names by notation."""
    import re

    named = set(re.findall(r"hcc:(\w+)", (QC_QUERIES / "duration-unit.rq").read_text().split("VALUES ?e {")[1].split("}")[0]))
    notations = {str(ONT.value(HCC[name], SKOS.notation)) for name in named}
    assert notations == MONTH_ENDPOINTS
