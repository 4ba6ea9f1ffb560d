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


def node(n):
    return lambda g: n


def of(cls, prop=None):
    return lambda g: first(g, cls, prop)


def remove(pick, prop, value=None):
    """Break: take ``prop`` away from the picked node (giving it ``value`` instead, if given)."""
    def make(g):
        n = pick(g)
        return n, list(g.triples((n, prop, None))), [] if value is None else [(n, prop, value)]
    return make


def add(pick, prop, value):
    """Break: give the picked node one more ``prop`` value."""
    def make(g):
        n = pick(g)
        return n, [], [(n, prop, value)]
    return make


POSITION, QUOTE = URIRef(f"{EV}#position"), URIRef(f"{EV}#quote")

# shape -> (how to break one node, the message it must give)
BREAKS = {
    "DrugShape": (add(node(R["drug"]["atezolizumab"]), HCC.inhibits, R["drug"]["bevacizumab"]),
                  "hcc:inhibits must point to a molecular target"),
    "NamedEntityShape": (remove(node(R["target"]["fgfr4"]), RDFS.label), "exactly one rdfs:label"),
    "RegimenShape": (remove(node(R["regimen"]["atezolizumab-bevacizumab"]), HCC.hasComponent),
                     "at least one component"),
    "StudyShape": (add(node(R["study"]["imbrave150"]), HCC.registryId, Literal("NCT123")),
                   "registry id must look like"),
    "ArmShape": (remove(node(R["arm"]["imbrave150-sorafenib"]), HCC.armRegimen), "exactly one hcc:armRegimen"),
    "MeasurementShape": (add(of(HCC.OutcomeMeasurement, HCC.value), HCC.notReached, Literal(True)),
                         "exactly one of hcc:value, hcc:valueBelow, hcc:notReached"),
    "ComparisonShape": (remove(of(HCC.ArmComparison), HCC.experimentalArm), "hcc:experimentalArm"),
    "ApprovalShape": (remove(of(HCC.RegulatoryApproval, HCC.approvalYear), HCC.approvalYear, Literal("2020")),
                      "hcc:approvalYear"),
    "RecommendationShape": (remove(of(HCC.GuidelineRecommendation), HCC.guideline), "hcc:guideline"),
    "MechanismShape": (remove(of(HCC.MechanismStatement), HCC.chain), "hcc:chain"),
    "BiomarkerShape": (remove(of(HCC.Biomarker), PROV.wasDerivedFrom), "needs prov:wasDerivedFrom an hcc:Evidence"),
    "AttributeStatementShape": (remove(of(HCC.AttributeStatement), HCC.describes), "describes exactly one entity"),
    "EvidenceShape": (remove(node(EV), OA.hasSource), "exactly one oa:hasSource"),
    "QuoteSelectorShape": (remove(node(QUOTE), OA.exact), "exactly one oa:exact quote"),
    "PositionSelectorShape": (remove(node(POSITION), OA.start, Literal(-1)), "oa:start"),
    "SourceShape": (remove(node(R["source"]["s000"]), HCC.sha256, Literal("abc")), "hcc:sha256"),
    "CorrectionShape": (remove(of(HCC.TableCorrection), HCC.reason), "a table correction needs its reason"),
    "ClaimShape": (remove(of(HCC.Claim), HCC.topic), "a claim needs its topic"),
    "ExternalEvidenceShape": (remove(of(HCC.ExternalEvidence), HCC.excerpt), "hcc:excerpt"),
    "RelativeEffectShape": (remove(of(HCC.ArmComparison, HCC.relativeEffect), HCC.effectDirection),
                            "needs exactly one hcc:effectDirection"),
    "DesignTargetShape": (remove(of(HCC.DesignTarget), HCC.targetOfArm), "exactly one hcc:targetOfArm"),
    "StatedQuantityShape": (remove(of(HCC.StatedQuantity), HCC.quantityValue, Literal("3 months")),
                            "exactly one hcc:quantityValue, a decimal"),
}

# the other new rules of issue 14 (property shapes inside the node shapes above)
MORE_BREAKS = {
    "measurement evidence level": (remove(of(HCC.OutcomeMeasurement), HCC.evidenceLevel),
                                   "a measurement needs exactly one hcc:evidenceLevel"),
    "comparison evidence level": (add(of(HCC.ArmComparison, HCC.evidenceLevel), HCC.evidenceLevel, HCC.Phase3),
                                  "a comparison needs exactly one hcc:evidenceLevel"),
    "study evidence level": (add(node(R["study"]["imbrave150"]), HCC.evidenceLevel, HCC.FDA),
                             "at most one hcc:evidenceLevel"),
    "stated regimen": (add(of(HCC.AttributeStatement, HCC.statedRegimen), HCC.statedRegimen, R["drug"]["atezolizumab"]),
                       "hcc:statedRegimen must point to one regimen"),
    "prior regimen": (add(node(R["study"]["nct05760599"]), HCC.priorRegimen, R["drug"]["atezolizumab"]),
                      "hcc:priorRegimen must point to a regimen"),
    "recommendation biomarker": (add(of(HCC.GuidelineRecommendation, HCC.forBiomarker), HCC.forBiomarker,
                                     R["drug"]["nivolumab"]), "hcc:forBiomarker must point to an hcc:Biomarker"),
    "child-pugh class": (remove(of(HCC.GuidelineRecommendation, HCC.childPughClass), HCC.childPughClass, Literal("D")),
                         "hcc:childPughClass is A, B or C"),
}


@pytest.mark.parametrize("shape", sorted(BREAKS) + sorted(MORE_BREAKS))
def test_each_shape_rejects_its_broken_example(shape, data, ontology):
    make, message = BREAKS.get(shape) or MORE_BREAKS[shape]
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
    "evidence-offsets": lambda g: [(QUOTE, OA.exact, Literal("x" * 5))],
    # an ontology statement stated again in the asserted graph (PD-1's label was, before the build
    # kept each triple in one graph)
    "one-graph": lambda g: [(R["target"]["pd-1"], RDFS.label, Literal("PD-1", lang="en"))],
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
