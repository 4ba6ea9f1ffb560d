"""SHACL shapes and QC queries: the built graph conforms; each rule has a broken input that fails it."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import PROV

from hcc_kg.answer.store import store_of
from hcc_kg.build.validate import load_rdf, qc, shacl
from hcc_kg.constants import ONTOLOGY, SHAPES
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


@pytest.fixture(scope="module")
def shapes():
    return load_rdf(SHAPES, "turtle")


def first(graph, cls, prop=None):
    for s in sorted(graph.subjects(RDF.type, cls)):
        if prop is None or (s, prop, None) in graph:
            return s
    raise AssertionError(f"no {cls} with {prop}")


def test_release_conforms(data, ontology):
    assert shacl(data, ontology) == []


@pytest.fixture(scope="module")
def release_store(built):
    """A store of the session build's four graphs."""
    from hcc_kg.publish import nquads, statements

    _, result = built
    return store_of(nquads(statements(result.graphs)))


def test_release_passes_qc(release_store):
    assert qc(release_store) == []


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
    "ResultComparisonShape": (remove(of(HCC.ResultComparison), HCC.resultArm), "exactly one hcc:resultArm"),
    "StatedQuantityShape": (remove(of(HCC.StatedQuantity), HCC.quantityValue, Literal("3 months")),
                            "exactly one hcc:quantityValue, a decimal"),
    # Study 22's "tremelimumab (300 mg)" with its unit given as a month
    "DoseShape": (remove(of(HCC.DoseSpecification), HCC.doseUnit, UNITS["month"]), "exactly one hcc:doseUnit"),
    "SuspectedSourceErrorShape": (remove(node(R["doubt"]["study-22-monotherapy-arms-swapped"]), HCC.outsideReference),
                                  "exactly one hcc:outsideReference"),
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
    "measurement AE grade": (add(of(HCC.OutcomeMeasurement, HCC.aeGrade), HCC.aeGrade, HCC.Grade5),
                             "at most one hcc:aeGrade"),
    "measurement AE kind": (remove(of(HCC.OutcomeMeasurement, HCC.aeKind), HCC.aeKind, HCC.Grade3To4),
                            "an hcc:AEKind"),
    "arm dose": (add(node(R["arm"]["study-22-durvalumab-tremelimumab-t300"]), HCC.dose, R["drug"]["durvalumab"]),
                 "hcc:dose must point to an hcc:DoseSpecification"),
    "dose interval without unit": (remove(of(HCC.DoseSpecification, HCC.doseInterval), HCC.doseIntervalUnit),
                                   "a dose interval and its unit go together"),
    "child-pugh class": (remove(of(HCC.GuidelineRecommendation, HCC.childPughClass), HCC.childPughClass, Literal("D")),
                         "hcc:childPughClass is A, B or C"),
}


@pytest.fixture(scope="module")
def data_and_ontology(data, ontology):
    """The graph pyshacl validates (it adds the ontology to a copy of the data): made once here,
    so that each run below validates it in place."""
    graph = Graph()
    graph += data
    graph += ontology
    return graph


@pytest.mark.parametrize("shape", sorted(BREAKS) + sorted(MORE_BREAKS))
def test_each_shape_rejects_its_broken_example(shape, data_and_ontology, shapes):
    """The broken node fails its shape with the message, which it did not before the break.
    Validated with that node as the only focus (a second, not five for the whole graph; the whole
    graph is test_release_conforms'). In that mode pyshacl also reports qualified value shapes
    whose value nodes are out of focus (an evidence's selectors), hence the run before the break.
    The module's graph is broken in place and mended after."""
    make, message = BREAKS.get(shape) or MORE_BREAKS[shape]
    data = data_and_ontology
    node, remove, add = make(data)

    def at_node() -> list:
        return [v for v in shacl(data, None, shapes, focus=[node]) if v.node == str(node)]

    assert not [v for v in at_node() if message in v.message], f"{shape}: failing before the break"
    added = [triple for triple in add if triple not in data]
    for triple in remove:
        data.remove(triple)
    for triple in added:
        data.add(triple)
    try:
        after = at_node()
    finally:
        for triple in added:
            data.remove(triple)
        for triple in remove:
            data.add(triple)
    assert [v for v in after if message in v.message], f"{shape}: the broken example passed: {after}"


def test_every_node_shape_has_a_broken_example(shapes):
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
    # RESCUE's region cell "NA" (not available, s000 Table 1 footnote) read as a country, as it once was
    "placeholder-values": lambda g: [(R["study"]["rescue"], HCC.country, Literal("NA"))],
    # a grade range on a median overall survival
    "ae-typed": lambda g: [(_measurement(g, HCC.MedianOS), HCC.aeGrade, HCC.Grade3To4)],
}


@pytest.mark.parametrize("name", sorted(QC_BREAKS))
def test_each_qc_query_catches_its_broken_example(name, built, release_store):
    """The broken statements go into the asserted graph of a store of the release (which passes
    QC: test_release_passes_qc) and out again after."""
    import pyoxigraph as ox

    from hcc_kg.publish import nquads, statements

    _, result = built
    broken = Graph()
    for triple in QC_BREAKS[name](result.graphs["asserted"]):
        broken.add(triple)
    quads = [q for q in ox.parse(nquads(statements({"asserted": broken})), format=ox.RdfFormat.N_QUADS)
             if q not in release_store]
    for quad in quads:
        release_store.add(quad)
    try:
        found = qc(release_store)
    finally:
        for quad in quads:
            release_store.remove(quad)
    assert any(v.shape == f"qc:{name}" for v in found), found


def test_every_qc_query_has_a_broken_example():
    from hcc_kg.constants import QC_QUERIES

    assert {p.stem for p in QC_QUERIES.glob("*.rq")} == set(QC_BREAKS)


# --- `hcc-kg validate FILE` dereferences nothing ---------------------------------------------
# Every format it reads, every way the format has to name another document, pointed at a real
# listener on loopback that answers (so a client that reached it would succeed): no hit, and a
# file that needs what it names fails with one line naming the file.

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
JSONLD_CONTEXT = b'{"@context": {"name": "http://schema.org/name"}}'


def validate_cli(*args):
    """`hcc-kg validate` in a child process: a parser that hangs is stopped by the timeout."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "hcc_kg.cli", "validate", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def one_error_line(done, path):
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"error: {path}: "), lines
    return lines[0]


JSONLD_FETCHES = {  # each parsed by rdflib with the context fetched from the listener (or opened)
    "remote context": '{"@context": "{url}ctx", "@id": "urn:x", "name": "y"}',
    "context list": '{"@context": [{"@vocab": "urn:v#"}, "{url}ctx"], "@id": "urn:x", "name": "y"}',
    "1.1 @import": '{"@context": {"@version": 1.1, "@import": "{url}ctx"}, "@id": "urn:x", "name": "y"}',
    "scoped context": '{"@context": {"p": {"@id": "urn:p", "@context": "{url}ctx"}}, "@id": "urn:x", '
                      '"p": {"name": "y"}}',
    "file context": '{"@context": "{file}", "@id": "urn:x", "name": "y"}',
    "relative context": '{"@context": "ctx.jsonld", "@id": "urn:x", "name": "y"}',
}


@pytest.mark.parametrize("name", sorted(JSONLD_FETCHES))
def test_validate_fetches_no_json_ld_context(name, tmp_path):
    """A context by IRI is never fetched nor opened; the file fails (parsing it without the
    context would drop its terms and validate other data than the author wrote)."""
    from loopback import listener

    (tmp_path / "ctx.jsonld").write_bytes(JSONLD_CONTEXT)
    path = tmp_path / "data.jsonld"
    with listener(JSONLD_CONTEXT) as (url, hits):
        path.write_text(JSONLD_FETCHES[name].replace("{url}", url)
                        .replace("{file}", (tmp_path / "ctx.jsonld").as_uri()), encoding="utf-8")
        done = validate_cli(str(path))
    assert hits == []
    assert "names an external JSON-LD context (by IRI), which validate never fetches or opens" in \
        one_error_line(done, path)


def billion_laughs() -> str:
    """A 535-byte RDF/XML file of nested entities, as in issue 21: a literal of 1.1 GB (10^8 copies of 11 characters)."""
    entities = ['<!ENTITY a "lollollollo">'] + [f'<!ENTITY {n} "{f"&{p};" * 10}">' for p, n in zip("abcdefgh", "bcdefghi")]
    text = (f'<!DOCTYPE rdf:RDF [{"".join(entities)}]><rdf:RDF xmlns:rdf="{RDF_NS}"><rdf:Description>'
            '<rdf:value>&i;</rdf:value></rdf:Description></rdf:RDF>\n')
    assert len(text) == 535
    return text


def test_validate_bounds_xml_entity_expansion(tmp_path):
    path = tmp_path / "laughs.rdf"
    path.write_text(billion_laughs(), encoding="utf-8")
    line = one_error_line(validate_cli(str(path)), path)
    assert "refused: its XML entities expand it past 1,053,926 characters (10 times its size + 1,048,576)" in line


def test_validate_reads_xml_entities_within_the_bound(tmp_path):
    """The common use (an entity for a namespace) still reads, expanded."""
    from hcc_kg.build.validate import read_rdf

    path = tmp_path / "entities.owl"
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY ex "urn:example:">]>\n'
                    f'<rdf:RDF xmlns:rdf="{RDF_NS}"><rdf:Description rdf:about="&ex;a">'
                    '<rdf:value xml:lang="en">&ex;b &amp; &lt;c&gt;</rdf:value></rdf:Description></rdf:RDF>\n',
                    encoding="utf-8")
    assert set(read_rdf(path)) == {(URIRef("urn:example:a"), RDF.value, Literal("urn:example:b & <c>", lang="en"))}


XML_EXTERNAL = {  # name -> (DOCTYPE, the value's content, the message)
    "entity file": ('<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "{file}">]>', "&x;", "XML entity x is external ({file})"),
    "entity http": ('<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "{url}e">]>', "&x;", "XML entity x is external ({url}e)"),
    "entity public": ('<!DOCTYPE rdf:RDF [<!ENTITY x PUBLIC "-//x//x" "{url}e">]>', "&x;", "XML entity x is external"),
    "unparsed entity": ('<!DOCTYPE rdf:RDF [<!NOTATION n SYSTEM "{url}n"><!ENTITY x SYSTEM "{url}e" NDATA n>]>', "a",
                        "XML entity x is external ({url}e)"),
    "external dtd": ('<!DOCTYPE rdf:RDF SYSTEM "{url}dtd">', "a", "it names an external DTD ({url}dtd)"),
    "parameter entity http": ('<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{url}pe"> %p;]>', "a",
                              "XML entity p is external ({url}pe)"),
    "parameter entity inline": ('<!DOCTYPE rdf:RDF [<!ENTITY % p "<!ENTITY x \'y\'>"> %p;]>', "&x;",
                                "XML parameter entity %p; (RDF/XML has no use for one)"),
}


@pytest.mark.parametrize("name", sorted(XML_EXTERNAL))
def test_validate_reads_no_external_xml_entity(name, tmp_path):
    """rdflib never fetched these but silently dropped them (an empty literal, exit 0)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    doctype, content, message = XML_EXTERNAL[name]
    path = tmp_path / "data.rdf"
    with listener_for_xml() as (url, hits):
        fill = {"{url}": url, "{file}": secret.as_uri()}
        for key, value in fill.items():
            doctype, message = doctype.replace(key, value), message.replace(key, value)
        path.write_text(f'<?xml version="1.0"?>\n{doctype}\n<rdf:RDF xmlns:rdf="{RDF_NS}"><rdf:Description '
                        f'rdf:about="urn:x"><rdf:value>{content}</rdf:value></rdf:Description></rdf:RDF>\n',
                        encoding="utf-8")
        done = validate_cli(str(path))
    assert hits == []
    assert f"refused: {message}" in one_error_line(done, path)


def listener_for_xml():
    from loopback import listener

    return listener(b'<!ENTITY x "fetched">', "application/xml-dtd")


OTHER_DOCUMENTS = {  # links a parser or pySHACL could follow; the file itself is fine (N triples)
    "data.ttl": (("@base <{url}> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                "<x> owl:imports <{url}onto.ttl> ; <http://www.w3.org/ns/shacl#shapesGraph> <{url}shapes.ttl> .\n"), 2),
    "data.nt": ("<urn:x> <http://www.w3.org/2002/07/owl#imports> <{url}onto.ttl> .\n", 1),
    "data.nq": ("<urn:x> <http://www.w3.org/2002/07/owl#imports> <{url}onto.ttl> <{url}graph> .\n", 1),
    "data.trig": ("@base <{url}> .\n<g> { <x> <http://www.w3.org/2002/07/owl#imports> <onto.ttl> }\n", 1),
    "data.rdf": ((f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:owl="http://www.w3.org/2002/07/owl#" '
                'xml:base="{url}"><owl:Ontology rdf:about="x"><owl:imports rdf:resource="onto.ttl"/></owl:Ontology>'
                '</rdf:RDF>\n'), 2),
    "data.jsonld": (('{"@context": {"@base": "{url}", "@vocab": "{url}v#"}, "@id": "x", '
                   '"http://www.w3.org/2002/07/owl#imports": {"@id": "onto.ttl"}}'), 1),
}


@pytest.mark.parametrize("name", sorted(OTHER_DOCUMENTS))
def test_validate_follows_no_link_in_any_format(name, tmp_path):
    from loopback import listener

    path = tmp_path / name
    with listener(b"<urn:a> <urn:b> <urn:c> .\n", "text/turtle") as (url, hits):
        text, count = OTHER_DOCUMENTS[name]
        path.write_text(text.replace("{url}", url), encoding="utf-8")
        done = validate_cli(str(path))
        missing = validate_cli(url + "data.ttl")  # a URL is a file name, never a request
    assert hits == []
    assert done.returncode == 0 and done.stdout.strip() == f"{path}: conforms ({count} triples)", done.stderr
    assert "no such file" in one_error_line(missing, url.replace("//", "/") + "data.ttl")


def test_validate_checks_every_graph_of_a_dataset(tmp_path):
    """rdflib read N-Quads into a plain graph as nothing: 'conforms (0 triples)'."""
    path = tmp_path / "bad.nq"
    path.write_text("<https://w3id.org/hcc-kg/resource/arm/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                    "<https://w3id.org/hcc-kg/ontology#TrialArm> <urn:g> .\n", encoding="utf-8")
    done = validate_cli(str(path))
    assert done.returncode == 1 and "an arm needs exactly one hcc:armRegimen" in done.stderr


def test_validate_names_an_unknown_format(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    assert "unknown RDF format (validate reads .ttl, .nt, .nq, .trig, .rdf/.owl/.xml and .jsonld files)" in \
        one_error_line(validate_cli(str(path)), path)


@pytest.mark.parametrize("name", ["hcc-kg.ttl", "hcc-kg.nt", "hcc-kg.nq", "hcc-kg.trig", "hcc-kg.jsonld",
                                  "hcc-kg-ontology.owl"])
def test_read_rdf_reads_every_release_format_as_rdflib_does(name):
    """pyoxigraph's reading, turned into rdflib terms, is rdflib's own (plain and typed literals,
    language tags), format by format (the committed release)."""
    from rdflib import BNode, Dataset

    from hcc_kg.build.validate import read_rdf
    from hcc_kg.constants import RELEASE

    def ground(triples):
        return {t for t in triples if not any(isinstance(x, BNode) for x in t)}

    path = RELEASE / name
    ours = read_rdf(path)
    theirs = Dataset()
    theirs.parse(path, format={".nq": "nquads", ".trig": "trig", ".jsonld": "json-ld", ".owl": "xml"}.get(path.suffix))
    triples = {q[:3] for q in theirs.quads()}
    assert len(ours) == len(triples) > 1000
    assert ground(ours) == ground(triples)


def test_validate_reads_only_a_regular_file(tmp_path):
    """A device or FIFO named like RDF is not read at all (/dev/zero never ends, a FIFO blocks)."""
    zero, folder = tmp_path / "zero.ttl", tmp_path / "folder.ttl"
    zero.symlink_to("/dev/zero")
    folder.mkdir()
    for path in (zero, folder):
        assert one_error_line(validate_cli(str(path)), path) == f"error: {path}: not a regular file"
