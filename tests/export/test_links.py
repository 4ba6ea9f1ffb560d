"""Links that join (issue 23): one prefix map for RDF, SSSOM and KGX; KGX node ids by Biolink's
preferred prefixes (a merge with a Biolink graph); registry names; source spellings that are no
synonyms; p38 as a family; each link's provenance in the graph."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from hcc_kg import prefixes
from hcc_kg.constants import GRAPH, RESOURCE
from hcc_kg.export.kgx import EDGES, METADATA, NODES
from hcc_kg.vocab import HCC, RES, SSSOM

pytestmark = pytest.mark.slow

ASSERTED = URIRef(GRAPH + "asserted")
#: the namespaces a link may use: the registries' own RDF and the Biolink map's expansions
NAMESPACES = {
    "http://id.nlm.nih.gov/mesh/", "http://rdf.ebi.ac.uk/resource/chembl/molecule/", "http://purl.uniprot.org/uniprot/",
    "http://purl.obolibrary.org/obo/CHEBI_", "http://purl.obolibrary.org/obo/NCIT_", "http://purl.obolibrary.org/obo/MONDO_",
    "http://purl.obolibrary.org/obo/DOID_", "http://www.ebi.ac.uk/efo/EFO_", "http://www.wikidata.org/entity/",
    "http://identifiers.org/hgnc/", "http://identifiers.org/ncbigene/", "http://identifiers.org/drugbank/",
    "http://identifiers.org/unii/", "http://identifiers.org/hgnc.family/", "http://identifiers.org/clinicaltrials/",
    "http://identifiers.org/fplx/",
}


@pytest.fixture(scope="module")
def asserted(rdflib_ds):
    return rdflib_ds.graph(ASSERTED)


def kgx_rows(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def links(g):
    return [(s, p, o) for p in (SKOS.exactMatch, SKOS.closeMatch) for s, o in g.subject_objects(p)]


def test_every_link_is_in_its_registrys_rdf_or_the_prefix_maps_namespace(asserted):
    found = links(asserted)
    assert len(found) > 400
    wrong = [str(o) for _, _, o in found if not any(str(o).startswith(ns) for ns in NAMESPACES)]
    assert not wrong, wrong[:10]
    # the human pages stay, as rdfs:seeAlso (MeSH's browser, HGNC's report page)
    hcc = RES["disease"]["hepatocellular-carcinoma"]
    assert (hcc, SKOS.exactMatch, URIRef("http://id.nlm.nih.gov/mesh/D006528")) in asserted
    assert (hcc, RDFS.seeAlso, URIRef("https://meshb.nlm.nih.gov/record/ui?ui=D006528")) in asserted
    assert not [o for _, _, o in found if "meshb.nlm" in o or "genenames.org" in o or "#!" in o]


def test_rdf_sssom_and_kgx_expand_identifiers_alike(built, asserted):
    """Every SSSOM object and every KGX node id and xref expands, by the file's own prefix map,
    to an IRI the RDF links the same entity to."""
    release, _ = built
    text = (release / "hcc-kg.sssom.tsv").read_text(encoding="utf-8")
    curie_map = dict(line[3:].split(": ", 1) for line in text.splitlines() if line.startswith("#  "))
    table = list(csv.DictReader([line for line in text.splitlines() if not line.startswith("#")], delimiter="\t"))
    by_entity = {}
    for s, _, o in links(asserted):
        by_entity.setdefault(str(s), set()).add(str(o))
    checked = 0
    for row in table:
        subject = row["subject_id"]
        prefix, local = subject.split(":", 1)
        if curie_map[prefix].startswith(RESOURCE) and row["predicate_id"] in ("skos:exactMatch", "skos:closeMatch"):
            prefix_o, local_o = row["object_id"].split(":", 1)
            assert curie_map[prefix_o] + local_o in by_entity[curie_map[prefix] + local], row
            checked += 1
    assert checked > 400
    metadata = json.loads((release / METADATA).read_text(encoding="utf-8"))["curie_map"]
    for node in kgx_rows(release / NODES):
        for identifier in [node["id"], *node["xref"].split("|")]:
            prefix, _, local = identifier.partition(":")
            if identifier and not prefix.startswith("hcckg."):
                assert metadata[prefix] + local in by_entity[node["iri"]], (node["iri"], identifier)
    assert prefixes.expand("chembl.compound:CHEMBL1201583") == "http://rdf.ebi.ac.uk/resource/chembl/molecule/CHEMBL1201583"


def test_kgx_node_ids_are_biolinks_preferred_ones(built):
    release, _ = built
    nodes = {n["iri"]: n for n in kgx_rows(release / NODES)}
    assert nodes[str(RES["drug"]["atezolizumab"])]["id"] == "UNII:52CMI0WC3Y"  # Drug: ..., CHEBI, UNII, ...
    assert "hcckg.drug:atezolizumab" in nodes[str(RES["drug"]["atezolizumab"])]["xref"].split("|")
    assert nodes[str(RES["target"]["pd-l1"])]["id"] == "NCBIGene:29126"
    assert nodes[str(RES["target"]["pd-l1"])]["category"] == "biolink:Gene"
    assert nodes[str(RES["disease"]["hepatocellular-carcinoma"])]["id"] == "MONDO:0007256"
    assert nodes[str(RES["study"]["imbrave150"])]["id"] == "CLINICALTRIALS:NCT03434379"
    assert nodes[str(RES["therapy"]["tace"])]["id"] == "hcckg.therapy:tace"  # no external id: local
    edges = kgx_rows(release / EDGES)
    assert any(e["subject"] == "UNII:52CMI0WC3Y" and e["object"] == "NCBIGene:29126" for e in edges)


MERGE = """
import json, sys
from hcc_kg.export.kgx_offline import configure
configure()
from kgx.transformer import Transformer
from kgx.graph_operations.graph_merge import merge_all_graphs
graphs = []
for files in (sys.argv[1:3], sys.argv[3:5]):
    t = Transformer()
    t.transform({"format": "tsv", "filename": files})
    graphs.append(t.store.graph)
sizes = [g.number_of_nodes() for g in graphs]
merged = merge_all_graphs(graphs)
wanted = ["UNII:52CMI0WC3Y", "NCBIGene:29126", "MONDO:0007256"]
print(json.dumps({"sizes": sizes, "merged": merged.number_of_nodes(),
                  "nodes": {i: merged.get_node(i) for i in wanted if merged.has_node(i)}}, default=sorted))
"""


def test_the_export_merges_with_a_biolink_graph_by_preferred_ids(built, tmp_path):
    """kgx's own merge of the export with a small Biolink graph naming atezolizumab, PD-L1 and
    HCC by their preferred CURIEs: one node each, carrying both graphs' properties."""
    release, _ = built
    other = tmp_path / "other"
    other.mkdir()
    (other / "nodes.tsv").write_text(textwrap.dedent("""\
        id\tcategory\tname\tprovided_by
        UNII:52CMI0WC3Y\tbiolink:Drug\tAtezolizumab\tinfores:example
        NCBIGene:29126\tbiolink:Gene\tCD274\tinfores:example
        MONDO:0007256\tbiolink:Disease\thepatocellular carcinoma\tinfores:example
        """), encoding="utf-8")
    (other / "edges.tsv").write_text(textwrap.dedent("""\
        id\tsubject\tpredicate\tobject\tcategory\tknowledge_level\tagent_type\tprimary_knowledge_source
        e1\tUNII:52CMI0WC3Y\tbiolink:treats\tMONDO:0007256\tbiolink:ChemicalOrDrugOrTreatmentToDiseaseOrPhenotypicFeatureAssociation\tknowledge_assertion\tmanual_agent\tinfores:example
        """), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", MERGE, str(release / NODES), str(release / EDGES),
                           str(other / "nodes.tsv"), str(other / "edges.tsv")],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    ours, theirs = result["sizes"]
    assert theirs == 3
    assert result["merged"] == ours  # the three nodes are ours: nothing added
    for node in result["nodes"].values():
        assert set(node["provided_by"]) == {"infores:hcc-kg", "infores:example"}
    assert set(result["nodes"]) == {"UNII:52CMI0WC3Y", "NCBIGene:29126", "MONDO:0007256"}


def test_source_spellings_are_searchable_but_never_synonyms(built, asserted, store):
    from hcc_kg.answer.params import entity_index

    release, _ = built
    ak105 = RES["drug"]["ak105"]
    assert (ak105, SKOS.hiddenLabel, Literal("pascolizumab", lang="en")) in asserted
    assert (ak105, SKOS.altLabel, Literal("pascolizumab", lang="en")) not in asserted
    assert entity_index(store)["pascolizumab"][0] == str(ak105)  # resolvable by the CLI
    spellings = {str(o).casefold() for o in asserted.objects(None, SKOS.hiddenLabel)}
    assert {"pascolizumab", "karelizumab", "sct-h10a", "ib1-305"} <= spellings
    synonyms = {s.casefold() for n in kgx_rows(release / NODES) for s in n["synonym"].split("|") if s}
    assert not spellings & synonyms
    assert "pascolizumab" not in (release / NODES).read_text(encoding="utf-8").casefold()
    assert "pascolizumab" not in (release / "hcc-kg.sssom.tsv").read_text(encoding="utf-8").casefold()


def test_code_named_antibodies_take_drugbank_ids_through_their_registry_names(asserted):
    expected = {"ak105": ("PENPULIMAB", "DB16747"), "kn046": ("ERFONRILIMAB", "DB17446"),
                "sct-i10a": ("FINOTONLIMAB", "DB18859"), "incagn02390": ("VERZISTOBART", "DB18895")}
    for slug, (inn, drugbank) in expected.items():
        drug = RES["drug"][slug]
        assert (drug, HCC.registryName, Literal(inn)) in asserted
        assert (drug, SKOS.altLabel, Literal(inn)) not in asserted  # not a source's name
        assert (drug, SKOS.exactMatch, URIRef(f"http://identifiers.org/drugbank/{drugbank}")) in asserted
    for slug in ("hlx04", "ibi305"):  # biosimilars: the reference product, with the UNII row
        drug = RES["drug"][slug]
        assert (drug, HCC.biosimilarOf, RES["drug"]["bevacizumab"]) in asserted
        assert not list(asserted.objects(drug, SKOS.exactMatch))
        axiom = next(asserted.subjects(OWL.annotatedSource, drug))
        assert asserted.value(axiom, OWL.annotatedProperty) == HCC.biosimilarOf
        assert asserted.value(axiom, PROV.wasDerivedFrom) == RES["registry"]["unii-names"]
    assert (RES["drug"]["js001sc"], HCC.formulationOf, RES["drug"]["toripalimab"]) in asserted


def test_p38_is_the_famplex_family_and_mapk14_a_close_match(asserted, built):
    p38 = RES["target"]["p38"]
    assert set(asserted.objects(p38, SKOS.exactMatch)) == {URIRef("http://identifiers.org/fplx/p38"),
                                                          URIRef("http://id.nlm.nih.gov/mesh/D048051")}
    assert URIRef("http://identifiers.org/ncbigene/1432") in set(asserted.objects(p38, SKOS.closeMatch))
    release, _ = built
    node = next(n for n in kgx_rows(release / NODES) if n["iri"] == str(p38))
    assert node["id"] == "hcckg.target:p38" and "NCBIGene:1432" not in node["xref"]


def test_every_link_has_its_provenance_in_the_graph(asserted):
    """Each link: an owl:Axiom with its justification and either a registry file (version, sha256)
    and row, or the page it was confirmed in."""
    missing = []
    for s, p, o in links(asserted):
        axioms = [a for a in asserted.subjects(OWL.annotatedTarget, o)
                  if asserted.value(a, OWL.annotatedSource) == s and asserted.value(a, OWL.annotatedProperty) == p]
        if not axioms or asserted.value(axioms[0], SSSOM.mapping_justification) is None:
            missing.append((s, o))
            continue
        file = asserted.value(axioms[0], PROV.wasDerivedFrom)
        if file is None:
            assert asserted.value(axioms[0], DCTERMS.source) is not None
        else:
            assert (file, RDF.type, HCC.RegistryFile) in asserted
            assert asserted.value(file, OWL.versionInfo) and asserted.value(file, HCC.sha256)
            assert asserted.value(axioms[0], HCC.tableRow) is not None
    assert not missing, missing[:5]


def test_link_provenance_shows_the_registry_row_behind_an_identifier(ask):
    rows = ask("link-provenance", of="DB16747")
    assert [(r["label"], r["identifier"], r["registry"], r["version"], r["row"]) for r in rows] == [
        ("AK105", "DRUGBANK:DB16747", "DrugBank, MeSH", "2.0.9", "penpulimab -> penpulimab")]
    assert rows[0]["file"] == "drug_named_entity_recognition==2.0.9 drug_named_entity_recognition/drug_ner_dictionary.pkl.bz2"
    by_name = ask("link-provenance", of="pascolizumab")  # a source spelling finds the entity
    assert {r["identifier"] for r in by_name} == {"UNII:IBS1BZ4E4I", "DRUGBANK:DB16747", "MESH:C000720860", "PENPULIMAB"}
    unii = next(r for r in by_name if r["identifier"] == "UNII:IBS1BZ4E4I")
    assert unii["row"] == "623504" and unii["evidence"] == "AK105 cd IBS1BZ4E4I PENPULIMAB"
    assert ask("link-provenance", of="http://identifiers.org/unii/52CMI0WC3Y")[0]["label"] == "atezolizumab"
    assert ask("link-provenance", of="no-such-identifier") == []


def test_plain_kgx_validate_flags_only_the_nodes_without_an_external_id(built, tmp_path):
    """kgx validate without our hcckg.* prefixes (an empty curie_map beside the files): every error
    names a node id, or an edge end, that is one of our local ids, and every local id is one."""
    import re

    from test_kgx import kgx, report

    release, _ = built
    for name in (NODES, EDGES):
        (tmp_path / name.rsplit("/", 1)[-1]).write_bytes((release / name).read_bytes())
    metadata = json.loads((release / METADATA).read_text(encoding="utf-8"))
    metadata["curie_map"] = {}
    (tmp_path / METADATA.rsplit("/", 1)[-1]).write_text(json.dumps(metadata), encoding="utf-8")
    done = kgx("validate", "-i", "tsv", str(tmp_path / NODES.rsplit("/", 1)[-1]), str(tmp_path / EDGES.rsplit("/", 1)[-1]))
    found = report(done.stderr)
    assert set(found) == {"ERROR"}
    assert set(found["ERROR"]) == {"INVALID_NODE_PROPERTY_VALUE", "INVALID_EDGE_PROPERTY_VALUE"}
    named = {kind: {re.search(r"value '([^']+)'", m).group(1) for m in msgs} for kind, msgs in found["ERROR"].items()}
    local = {n["id"] for n in kgx_rows(release / NODES) if n["id"].startswith("hcckg.")}
    assert named["INVALID_NODE_PROPERTY_VALUE"] == local
    assert named["INVALID_EDGE_PROPERTY_VALUE"] <= local
    assert len(local) == 188  # README, "KGX export"
