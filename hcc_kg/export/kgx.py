"""KGX export: the parts of the graph that have a Biolink form, as KGX TSV (nodes and edges).

Written by the build from the same asserted graph as the RDF files, sorted, so a rebuild gives
the same bytes. A node's id is Biolink's preferred identifier for its category (biolink-model's
``preferred_prefixes_per_class.json``: a Drug's first of CHEBI, UNII, ..., DRUGBANK, MESH; a
Gene's NCBIGene, ..., HGNC; a Disease's MONDO; a ClinicalTrial's CLINICALTRIALS), so the nodes
merge by id with Biolink graphs; a node with none keeps our IRI as a CURIE (one ``hcckg.<kind>``
prefix per resource kind, registered in ``hcc-kg_metadata.json``). Every node keeps our IRI in
``iri``; its other identifiers (the graph's skos:exactMatch, as the one prefix map of
hcc_kg.prefixes writes them) and our CURIE go in ``xref``: Biolink 4 makes ``same_as``
single-valued, and KGX's TSV reader always reads it as a list, so kgx refuses any ``same_as``
column. ``synonym`` is the graph's skos:altLabel, never a source's misspelling (skos:hiddenLabel).
A target's category follows its identifiers (NCBI Gene or HGNC: Gene, UniProt only: Protein,
HGNC gene group or FamPlex: GeneFamily, ChEBI: SmallMolecule); one with none stays NamedThing,
since nothing checked says which it is. FamPlex ids have no Biolink prefix and stay in the RDF
release only.
Edges state what the graph states, each with its primary knowledge source, knowledge level,
agent type, publications (the source) and supporting text (the verbatim quote):

- drug inhibits target: ``biolink:affects`` qualified as causes / activity / decreased / inhibition
  (Biolink's ChemicalAffectsGeneAssociation idiom);
- regimen tested in a trial of HCC: ``biolink:in_clinical_trials_for`` the disease, with the
  trial's phase as ``max_research_phase`` and the trial in ``has_supporting_studies``; one edge
  per phase the sources state, so a disagreement keeps both values with their quotes;
- regulatory marketing approval: ``biolink:treats`` with ``clinical_approval_status``;
- guideline recommendation: ``biolink:treats`` (the guideline's assertion, its quote).

Outcome measurements, arm comparisons, arms, mechanisms, biomarkers, claims, cells, designations
other than marketing approvals and disputed statements have no Biolink edge form and are left out
(README). KGX TSV has no quoting: a tab or line break inside a quote is written as a space, one
for one (as KGX's own TSV writer does), so the evidence offsets still hold.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from rdflib import RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV

from hcc_kg import __version__, prefixes
from hcc_kg.constants import KINDS, RESOURCE
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC, OA, RES

FOLDER = "kgx"
NODES = f"{FOLDER}/hcc-kg_nodes.tsv"
EDGES = f"{FOLDER}/hcc-kg_edges.tsv"
METADATA = f"{FOLDER}/hcc-kg_metadata.json"
INFORES = "infores:hcc-kg"
BIOLINK_VERSION = "4.4.6"  # the biolink-model release the test validates against
LIST = "|"  # KGX TSV list delimiter

#: our CURIE prefix per resource kind (a KGX id cannot hold a "/" after the colon)
PREFIX = {kind: f"hcckg.{kind}" for kind in (*KINDS, "edge")}
#: Biolink prefixes the Biolink model does not know (FamPlex): their ids stay in the RDF release only
NO_BIOLINK_PREFIX = prefixes.NOT_IN_BIOLINK
#: hcc:TrialPhase notation -> Biolink ResearchPhaseEnum ("NA": not applicable, no phase)
PHASE = {"I": "clinical_trial_phase_1", "Ib": "clinical_trial_phase_1",
         "I/II": "clinical_trial_phase_1_to_2", "Ib/II": "clinical_trial_phase_1_to_2",
         "II": "clinical_trial_phase_2", "II/III": "clinical_trial_phase_2_to_3",
         "III": "clinical_trial_phase_3", "IV": "clinical_trial_phase_4"}
DRUG_CATEGORY = {HCC.SmallMolecule: ["biolink:Drug", "biolink:SmallMolecule"]}
THERAPY_CATEGORY = {HCC.LocoregionalTherapy: "biolink:Procedure"}
#: a target's category by its identifiers, first match wins: a gene (NCBI Gene, HGNC) is a Gene,
#: as Biolink graphs name it (NCBIGene first); a UniProt-only target a Protein
TARGET_CATEGORY = (({"NCBIGene", "HGNC"}, "biolink:Gene"), ({"UniProtKB"}, "biolink:Protein"),
                   ({"HGNC.FAMILY", "FPLX"}, "biolink:GeneFamily"), ({"CHEBI"}, "biolink:SmallMolecule"))

NODE_COLUMNS = ("id", "category", "name", "synonym", "xref", "has_drug", "has_procedure",
                "iri", "provided_by")
EDGE_COLUMNS = ("id", "subject", "predicate", "object", "category", "qualified_predicate",
                "object_aspect_qualifier", "object_direction_qualifier", "causal_mechanism_qualifier",
                "max_research_phase", "clinical_approval_status", "has_supporting_studies",
                "primary_knowledge_source", "knowledge_level", "agent_type", "publications",
                "supporting_text")
INHIBITS = {"predicate": "biolink:affects", "category": "biolink:ChemicalAffectsGeneAssociation",
            "qualified_predicate": "biolink:causes", "object_aspect_qualifier": "activity",
            "object_direction_qualifier": "decreased", "causal_mechanism_qualifier": "inhibition"}
#: an approval's indication text that names HCC (others name other cancers, or "liver cancer")
HCC_NAMED = re.compile(r"\bHCC\b|hepatocellular carcinoma", re.IGNORECASE)
TREATMENT_TO_DISEASE = "biolink:ChemicalOrDrugOrTreatmentToDiseaseOrPhenotypicFeatureAssociation"


def curie(iri: URIRef) -> str:
    """Our IRI as a CURIE with its kind's prefix: drug/atezolizumab -> hcckg.drug:atezolizumab."""
    kind, _, local = str(iri).removeprefix(RESOURCE).partition("/")
    if not str(iri).startswith(RESOURCE) or kind not in PREFIX or not local or "/" in local:
        raise HccKgError(f"KGX export: {iri} is not a resource IRI of a known kind")
    return f"{PREFIX[kind]}:{local}"


def external(iri: URIRef) -> str:
    """An external identifier IRI -> its CURIE in the project's prefix map (Biolink's)."""
    known = prefixes.compress(str(iri))
    if known is None:
        raise HccKgError(f"KGX export: the identifier {iri} is not in the prefix map (hcc_kg.prefixes)")
    return known


@cache
def preferred_prefixes() -> dict[str, list[str]]:
    """Biolink class -> its preferred identifier prefixes, in order (biolink-model's file)."""
    text = (files("biolink_model") / "prefixmaps" / "preferred_prefixes_per_class.json").read_text(encoding="utf-8")
    return {c["class_name"]: [p["prefix"] for p in sorted(c["prefix_map"], key=lambda p: p["order"])]
            for c in json.loads(text)["biolink_class_prefixes"]}


def preferred(category: list[str], ids: list[str]) -> str | None:
    """The node id Biolink prefers for the category: the first of its preferred prefixes the node
    has an identifier for (a Drug: CHEBI, UNII, ..., DRUGBANK; a Gene: NCBIGene, ..., HGNC), or None."""
    by_prefix = {i.split(":", 1)[0]: i for i in ids}
    for prefix in preferred_prefixes().get(category[0], []):
        if prefix in by_prefix:
            return by_prefix[prefix]
    return None


def cell(value: str | list[str] | None) -> str:
    """One TSV cell: a list joined by |, tabs and line breaks as spaces (KGX TSV has no quoting)."""
    values = value if isinstance(value, list) else [value] if value else []
    for v in values:
        if LIST in v:
            raise HccKgError(f"KGX export: value {v[:60]!r} holds the list delimiter {LIST!r}")
    return LIST.join(values).replace("\t", " ").replace("\n", " ").replace("\r", " ")


def table(columns: tuple[str, ...], rows: list[dict]) -> str:
    lines = ["\t".join(columns)] + sorted("\t".join(cell(row.get(c)) for c in columns) for row in rows)
    return "\n".join(lines) + "\n"


@dataclass
class Evidence:
    """Publications, quotes and agent type of one edge, gathered from its evidence nodes."""

    publications: set[str] = field(default_factory=set)
    quotes: set[str] = field(default_factory=set)
    automated: set[bool] = field(default_factory=set)

    def add(self, g: Graph, ev: URIRef) -> None:
        if (ev, RDF.type, HCC.ExternalEvidence) in g:  # a checked drug label, kept apart from quotes
            self.publications.add(str(g.value(ev, DCTERMS.source)))
            self.quotes.add(str(g.value(ev, HCC.excerpt)))
            self.automated.add(False)
            return
        self.publications.add(curie(g.value(ev, OA.hasSource)))
        for selector in g.objects(ev, OA.hasSelector):
            if (selector, RDF.type, OA.TextQuoteSelector) in g:
                self.quotes.add(str(g.value(selector, OA.exact)))
        self.automated.add((ev, HCC.tableName, None) in g)  # a table row parsed by code

    def columns(self) -> dict:
        """Provenance columns; a table row parsed by code and checked by a curator is
        manual_validation_of_automated_agent, any hand-curated quote makes it manual_agent."""
        agent = "manual_validation_of_automated_agent" if self.automated == {True} else "manual_agent"
        return {"primary_knowledge_source": INFORES, "knowledge_level": "knowledge_assertion",
                "agent_type": agent, "publications": sorted(self.publications),
                "supporting_text": sorted(self.quotes)}


class Exporter:
    def __init__(self, g: Graph):
        self.g = g
        #: our IRI -> KGX node id (a Biolink-preferred CURIE where the node has one)
        self.ids: dict[URIRef, str] = {}

    def evidence(self, *nodes: URIRef) -> Evidence:
        ev = Evidence()
        for node in nodes:
            for item in self.g.objects(node, PROV.wasDerivedFrom):
                ev.add(self.g, item)
        return ev

    def sourced(self, node: URIRef) -> bool:
        return (node, HCC.disputed, None) not in self.g

    def id(self, iri: URIRef) -> str:
        return self.ids.get(iri) or curie(iri)

    def external_ids(self, iri: URIRef) -> list[str]:
        return sorted(external(x) for x in self.g.objects(iri, SKOS.exactMatch))

    def node(self, iri: URIRef, category: list[str], **extra) -> dict:
        """A node: id by Biolink's preferred prefixes for its category, else our local CURIE; our
        CURIE and IRI stay in xref and iri. Synonyms are the graph's skos:altLabel (never a
        source's misspelling, which is skos:hiddenLabel)."""
        g = self.g
        ids = [i for i in self.external_ids(iri) if i.split(":", 1)[0] not in NO_BIOLINK_PREFIX]
        chosen = preferred(category, ids)
        if chosen is not None:
            self.ids[iri] = chosen
        xref = sorted({*ids, curie(iri)} - {chosen}) if chosen else ids
        return {"id": chosen or curie(iri), "category": category, "name": str(g.value(iri, RDFS.label) or ""),
                "synonym": sorted(str(a) for a in g.objects(iri, SKOS.altLabel)), "iri": str(iri),
                "provided_by": INFORES, "xref": xref, **extra}

    def nodes(self) -> list[dict]:
        g, out = self.g, []
        for drug in set(g.subjects(RDF.type, HCC.Drug)):
            category = next((c for t, c in DRUG_CATEGORY.items() if (drug, RDF.type, t) in g), ["biolink:Drug"])
            out.append(self.node(drug, category))
        for target in set(g.subjects(RDF.type, HCC.MolecularTarget)):
            prefixes_ = {i.split(":", 1)[0] for i in self.external_ids(target)}
            category = next(([c] for p, c in TARGET_CATEGORY if p & prefixes_), ["biolink:NamedThing"])
            out.append(self.node(target, category))
        for disease in set(g.subjects(RDF.type, HCC.Disease)):
            out.append(self.node(disease, ["biolink:Disease"]))
        for therapy in set(g.subjects(RDF.type, HCC.Therapy)):
            category = next((c for t, c in THERAPY_CATEGORY.items() if (therapy, RDF.type, t) in g),
                            "biolink:Treatment")
            out.append(self.node(therapy, [category]))
        for study in set(g.subjects(RDF.type, HCC.ClinicalStudy)):
            trial = (study, RDF.type, HCC.ClinicalTrial) in g
            out.append(self.node(study, ["biolink:ClinicalTrial" if trial else "biolink:Study"]))
        for source in set(g.subjects(RDF.type, HCC.SourceDocument)):
            out.append(self.node(source, ["biolink:Publication"]))
        for regimen in set(g.subjects(RDF.type, HCC.Regimen)):  # last: its parts' ids are chosen
            parts = list(g.objects(regimen, HCC.hasComponent))
            drugs = sorted(self.id(p) for p in parts if (p, RDF.type, HCC.Drug) in g)
            procedures = sorted(self.id(p) for p in parts if (p, RDF.type, HCC.Drug) not in g)
            out.append(self.node(regimen, ["biolink:Treatment"], has_drug=drugs, has_procedure=procedures))
        taken: dict[str, str] = {}
        for n in out:
            if taken.setdefault(n["id"], n["iri"]) != n["iri"]:
                raise HccKgError(f"KGX export: {taken[n['id']]} and {n['iri']} would both be node {n['id']}")
        return out

    def inhibits(self) -> list[dict]:
        """One edge per drug-target pair the graph asserts, with every statement's evidence."""
        g, statements = self.g, defaultdict(list)
        for stmt in g.subjects(RDF.type, HCC.AttributeStatement):
            target = g.value(stmt, HCC.inhibits)
            if target is not None and self.sourced(stmt):
                statements[(g.value(stmt, HCC.describes), target)].append(stmt)
        out = []
        for drug, target in set(g.subject_objects(HCC.inhibits)):
            if (drug, RDF.type, HCC.Drug) not in g:
                continue
            local = f"{curie(drug).partition(':')[2]}--inhibits--{curie(target).partition(':')[2]}"
            out.append({"id": f"{PREFIX['edge']}:{local}", "subject": self.id(drug), "object": self.id(target),
                        **INHIBITS, **self.evidence(*statements[(drug, target)]).columns()})
        return out

    def trials(self, disease: URIRef) -> list[dict]:
        """Each regimen of each trial arm: in clinical trials for HCC, one edge per stated phase."""
        g, out = self.g, []
        for study in set(g.subjects(RDF.type, HCC.ClinicalTrial)):
            if (study, HCC.condition, disease) not in g:
                continue
            phases = defaultdict(list)
            for stmt in g.subjects(HCC.describes, study):
                phase = g.value(stmt, HCC.phase)
                if phase is not None and self.sourced(stmt):
                    phases[str(g.value(phase, SKOS.notation))].append(stmt)
            regimens = {g.value(arm, HCC.armRegimen) for arm in g.objects(study, HCC.hasArm) if self.sourced(arm)}
            for regimen in regimens:
                for notation, stmts in sorted(phases.items()):
                    if notation not in PHASE:  # "NA": the source says no phase applies
                        continue
                    slug = notation.lower().replace("/", "-")
                    local = f"{curie(regimen).partition(':')[2]}--trial--{curie(study).partition(':')[2]}--phase-{slug}"
                    out.append({"id": f"{PREFIX['edge']}:{local}", "subject": self.id(regimen),
                                "predicate": "biolink:in_clinical_trials_for", "object": self.id(disease),
                                "category": TREATMENT_TO_DISEASE, "max_research_phase": PHASE[notation],
                                "has_supporting_studies": [self.id(study)], **self.evidence(*stmts).columns()})
        return out

    def approvals(self, disease: URIRef) -> list[dict]:
        g, out = self.g, []
        for approval in set(g.subjects(HCC.approvalType, HCC.MarketingApproval)):
            if not HCC_NAMED.search(str(g.value(approval, HCC.indication) or "")):
                continue  # another disease, or "liver cancer": not HCC as such
            fda = g.value(approval, HCC.agency) == HCC.FDA
            status = ("post_approval_withdrawal" if (approval, HCC.withdrawn, None) in g
                      else "fda_approved_for_condition" if fda else "approved_for_condition")
            out.append({"id": curie(approval), "subject": self.id(g.value(approval, HCC.approvedRegimen)),
                        "predicate": "biolink:treats", "object": self.id(disease), "category": TREATMENT_TO_DISEASE,
                        "clinical_approval_status": status, **self.evidence(approval).columns()})
        for rec in set(g.subjects(RDF.type, HCC.GuidelineRecommendation)):
            out.append({"id": curie(rec), "subject": self.id(g.value(rec, HCC.recommendedRegimen)),
                        "predicate": "biolink:treats", "object": self.id(disease), "category": TREATMENT_TO_DISEASE,
                        **self.evidence(rec).columns()})
        return out

    def edges(self) -> list[dict]:
        disease = RES["disease"]["hepatocellular-carcinoma"]
        if (disease, RDF.type, HCC.Disease) not in self.g:
            raise HccKgError(f"KGX export: the graph has no disease {disease}")
        return self.inhibits() + self.trials(disease) + self.approvals(disease)


def metadata(nodes: list[dict], edges: list[dict]) -> str:
    """The KGX graph's metadata (fields after the KGX ingest-metadata schema) with our CURIE
    prefixes registered, so KGX can expand and validate our ids."""
    body = {
        "file_name": "hcc-kg KGX export metadata",
        "source_infores_id": INFORES,
        "target_name": "hcc-kg",
        "target_format": "KGX-tsv",
        "target_model": "https://w3id.org/biolink/biolink-model",
        "target_data_model_version": BIOLINK_VERSION,
        "target_data_version": __version__,
        "ingest_code_version": __version__,
        "node_categories": sorted({c for n in nodes for c in n["category"]}),
        "edge_predicates": sorted({e["predicate"] for e in edges}),
        "total_node_count": len(nodes),
        "total_edge_count": len(edges),
        "curie_map": {**{prefix: f"{RESOURCE}{kind}/" for kind, prefix in sorted(PREFIX.items())},
                      **{p: ns for p, ns in sorted(prefixes.namespaces().items()) if p not in NO_BIOLINK_PREFIX}},
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def kgx_files(union: Graph) -> dict[str, str]:
    """Release file name -> text: the KGX nodes and edges TSV and their metadata, from the union of
    the asserted and inferred graphs (a drug's hcc:Drug type is inferred from its subclass) and the
    ontology (the notation of a trial phase)."""
    exporter = Exporter(union)
    nodes, edges = exporter.nodes(), exporter.edges()
    known = {n["id"] for n in nodes}
    for edge in edges:
        for end in ("subject", "object"):
            if edge[end] not in known:
                raise HccKgError(f"KGX export: edge {edge['id']} has no node for its {end} {edge[end]}")
    return {NODES: table(NODE_COLUMNS, nodes), EDGES: table(EDGE_COLUMNS, edges), METADATA: metadata(nodes, edges)}
