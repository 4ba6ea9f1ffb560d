"""Reasoning: HermiT fills the defined classes; an inconsistency stops with an explanation."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph

from hcc_kg.build.reason import reason
from hcc_kg.constants import ONTOLOGY
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC, RES


def types(built, kind, slug):
    _, result = built
    node = RES[kind][slug]
    return set(result.graphs["asserted"].objects(node, RDF.type)) | set(result.graphs["inferred"].objects(node, RDF.type))


def test_bispecific_is_both_pd1_and_ctla4_inhibitor(built):
    assert {HCC.PD1Inhibitor, HCC.CTLA4Inhibitor, HCC.ImmuneCheckpointInhibitor} <= types(built, "drug", "cadonilimab")


def test_atezolizumab_is_pdl1_not_pd1(built):
    t = types(built, "drug", "atezolizumab")
    assert HCC.PDL1Inhibitor in t and HCC.PD1Inhibitor not in t


@pytest.mark.parametrize("slug,cls", [
    ("atezolizumab-bevacizumab", HCC.ICIPlusAntiVEGFRegimen),
    ("cadonilimab-lenvatinib", HCC.ICIPlusTKIRegimen),
    ("cadonilimab-lenvatinib", HCC.DualCheckpointRegimen),
    ("durvalumab-tremelimumab", HCC.DualCheckpointRegimen),
    ("nivolumab", HCC.ICIMonotherapy),
    ("lenvatinib-tace-unspecified-pd-1-inhibitor", HCC.ICIPlusLocoregionalRegimen),
    ("ibi305-sintilimab", HCC.ICIPlusAntiVEGFRegimen),  # IBI305 inherits bevacizumab's target
])
def test_regimen_classes(built, slug, cls):
    assert cls in types(built, "regimen", slug)


@pytest.mark.parametrize("slug,cls", [
    ("atezolizumab-cabozantinib", HCC.ICIPlusTKIRegimen),  # a PD-L1 inhibitor is an ICI
    ("lenvatinib-nivolumab", HCC.ICIMonotherapy),
    ("atezolizumab-bevacizumab", HCC.ICIPlusTKIRegimen),  # bevacizumab is an antibody, not a TKI
])
def test_regimen_classes_that_do_or_do_not_hold(built, slug, cls):
    expected = slug == "atezolizumab-cabozantinib"
    assert (cls in types(built, "regimen", slug)) is expected


def test_inconsistency_is_explained():
    ontology = Graph().parse(ONTOLOGY)
    data = Graph()
    drug = RES["drug"]["x"]
    data.add((drug, RDF.type, HCC.SmallMolecule))
    data.add((drug, RDF.type, HCC.BispecificAntibody))
    with pytest.raises(HccKgError, match=r"inconsistent \(HermiT\): .*drug/x is both MonoclonalAntibody and SmallMolecule"):
        reason(ontology, data)
