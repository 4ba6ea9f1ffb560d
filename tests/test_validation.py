"""SHACL shapes and QC queries: the built graph conforms; each rule has a broken input that fails it."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import PROV

from hcc_kg.constants import ONTOLOGY
from hcc_kg.store import store_of
from hcc_kg.validate import qc, shacl
from hcc_kg.vocab import HCC, OA, RES, UNITS

R = RES
EV = R["evidence"]["s001-13660-13754"]  # s001 Table 1 row 1 (IMbrave150, atezolizumab + bevacizumab)


@pytest.fixture(scope="module")
def data(built):
    _, result = built
    graph = Graph()
    for name in ("asserted", "inferred"):
        graph += result.graphs[name]
    return graph


@pytest.fixture(scope="module")
def ontology():
    return Graph().parse(ONTOLOGY)


def first(graph, cls, prop=None):
    for s in sorted(graph.subjects(RDF.type, cls)):
        if prop is None or (s, prop, None) in graph:
            return s
    raise AssertionError(f"no {cls} with {prop}")


def test_release_conforms(data, ontology):
    assert shacl(data, ontology) == []


def test_release_passes_qc(built):
    from hcc_kg.publish import nquads, statements

    _, result = built
    assert qc(store_of(nquads(statements(result.graphs)))) == []


# (shape, how to break one node, the message it must give). Each break touches one node.
BREAKS = {
    "DrugShape": (lambda g: (R["drug"]["atezolizumab"], [], [(R["drug"]["atezolizumab"], HCC.inhibits, R["drug"]["bevacizumab"])]),
                  "hcc:inhibits must point to a molecular target"),
    "NamedEntityShape": (lambda g: (R["target"]["fgfr4"], list(g.triples((R["target"]["fgfr4"], RDFS.label, None))), []),
                         "exactly one rdfs:label"),
    "RegimenShape": (lambda g: (R["regimen"]["atezolizumab-bevacizumab"], list(g.triples((R["regimen"]["atezolizumab-bevacizumab"], HCC.hasComponent, None))), []),
                     "at least one component"),
    "StudyShape": (lambda g: (R["study"]["imbrave150"], [], [(R["study"]["imbrave150"], HCC.registryId, Literal("NCT123"))]),
                   "registry id must look like"),
    "ArmShape": (lambda g: (R["arm"]["imbrave150-sorafenib"], list(g.triples((R["arm"]["imbrave150-sorafenib"], HCC.armRegimen, None))), []),
                 "exactly one hcc:armRegimen"),
    "MeasurementShape": (lambda g: (lambda m: (m, [], [(m, HCC.notReached, Literal(True))]))(first(g, HCC.OutcomeMeasurement, HCC.value)),
                         "exactly one of hcc:value, hcc:valueBelow, hcc:notReached"),
    "ComparisonShape": (lambda g: (lambda c: (c, list(g.triples((c, HCC.experimentalArm, None))), []))(first(g, HCC.ArmComparison)),
                        "hcc:experimentalArm"),
    "ApprovalShape": (lambda g: (lambda a: (a, list(g.triples((a, HCC.approvalYear, None))), [(a, HCC.approvalYear, Literal("2020"))]))(first(g, HCC.RegulatoryApproval, HCC.approvalYear)),
                      "hcc:approvalYear"),
    "RecommendationShape": (lambda g: (lambda r: (r, list(g.triples((r, HCC.guideline, None))), []))(first(g, HCC.GuidelineRecommendation)),
                            "hcc:guideline"),
    "MechanismShape": (lambda g: (lambda r: (r, list(g.triples((r, HCC.chain, None))), []))(first(g, HCC.MechanismStatement)),
                       "hcc:chain"),
    "BiomarkerShape": (lambda g: (lambda r: (r, list(g.triples((r, PROV.wasDerivedFrom, None))), []))(first(g, HCC.Biomarker)),
                       "needs prov:wasDerivedFrom an hcc:Evidence"),
    "AttributeStatementShape": (lambda g: (lambda r: (r, list(g.triples((r, HCC.describes, None))), []))(first(g, HCC.AttributeStatement)),
                                "describes exactly one entity"),
    "EvidenceShape": (lambda g: (EV, list(g.triples((EV, OA.hasSource, None))), []),
                      "exactly one oa:hasSource"),
    "QuoteSelectorShape": (lambda g: (URIRef(f"{EV}#quote"), list(g.triples((URIRef(f"{EV}#quote"), OA.exact, None))), []),
                           "exactly one oa:exact quote"),
    "PositionSelectorShape": (lambda g: (URIRef(f"{EV}#position"), list(g.triples((URIRef(f"{EV}#position"), OA.start, None))), [(URIRef(f"{EV}#position"), OA.start, Literal(-1))]),
                              "oa:start"),
    "SourceShape": (lambda g: (R["source"]["s000"], list(g.triples((R["source"]["s000"], HCC.sha256, None))), [(R["source"]["s000"], HCC.sha256, Literal("abc"))]),
                    "hcc:sha256"),
    "CorrectionShape": (lambda g: (lambda c: (c, list(g.triples((c, HCC.reason, None))), []))(first(g, HCC.TableCorrection)),
                        "a table correction needs its reason"),
    "ClaimShape": (lambda g: (lambda c: (c, list(g.triples((c, HCC.topic, None))), []))(first(g, HCC.Claim)),
                   "a claim needs its topic"),
    "ExternalEvidenceShape": (lambda g: (lambda e: (e, list(g.triples((e, HCC.excerpt, None))), []))(first(g, HCC.ExternalEvidence)),
                              "hcc:excerpt"),
}


@pytest.mark.parametrize("shape", sorted(BREAKS))
def test_each_shape_rejects_its_broken_example(shape, data, ontology):
    make, message = BREAKS[shape]
    node, remove, add = make(data)
    broken = Graph()
    broken += data
    for triple in remove:
        broken.remove(triple)
    for triple in add:
        broken.add(triple)
    violations = shacl(broken, ontology)
    assert violations, f"{shape}: the broken example passed"
    assert any(v.node == str(node) and message in v.message for v in violations), violations


def test_every_node_shape_has_a_broken_example():
    shapes = Graph().parse("ontology/shapes.ttl")
    sh = "http://www.w3.org/ns/shacl#"
    names = {str(s).rsplit("#", 1)[-1] for s in shapes.subjects(RDF.type, URIRef(sh + "NodeShape"))}
    assert names == set(BREAKS)


# --- QC queries: one broken input each -----------------------------------------------------

def _measurement(g, endpoint):
    return next(m for m in sorted(g.subjects(HCC.endpoint, endpoint)) if (m, HCC.value, None) in g)


QC_BREAKS = {
    "duration-unit": lambda g: [(_measurement(g, HCC.MedianOS), HCC.unit, UNITS["percent"])],
    "percent-range": lambda g: [(_measurement(g, HCC.ObjectiveResponseRate), HCC.value, Literal(150))],
    "ci-order": lambda g: [(_measurement(g, HCC.MedianOS), HCC.ciLower, Literal(9)),
                           (_measurement(g, HCC.MedianOS), HCC.ciUpper, Literal(1))],
    "drug-target-evidence": lambda g: [(R["drug"]["atezolizumab"], HCC.inhibits, R["target"]["pd-1"])],
    "comparison-arms": lambda g: [(first(g, HCC.ArmComparison), HCC.comparatorArm, R["arm"]["leap-002-lenvatinib"])],
    "evidence-offsets": lambda g: [(URIRef(f"{EV}#quote"), OA.exact, Literal("x" * 5))],
}


@pytest.mark.parametrize("name", sorted(QC_BREAKS))
def test_each_qc_query_catches_its_broken_example(name, built):
    from hcc_kg.publish import nquads, statements

    _, result = built
    graphs = {k: g for k, g in result.graphs.items()}
    broken = Graph()
    broken += graphs["asserted"]
    for triple in QC_BREAKS[name](broken):
        broken.add(triple)
    found = qc(store_of(nquads(statements({**graphs, "asserted": broken}))))
    assert any(v.shape == f"qc:{name}" for v in found), found


def test_every_qc_query_has_a_broken_example():
    from hcc_kg.constants import QC_QUERIES

    assert {p.stem for p in QC_QUERIES.glob("*.rq")} == set(QC_BREAKS)
