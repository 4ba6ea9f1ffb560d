"""The vocabulary: every IRI the code writes comes from here; a misspelled term fails at import."""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, DefinedNamespace

from hcc_kg.constants import GRAPH, KINDS, RESOURCE
from hcc_kg.constants import HCC as HCC_IRI


class HCC(DefinedNamespace):
    """Terms of ontology/hcc.ttl (a test keeps this list and the ontology equal)."""

    _NS = Namespace(HCC_IRI)
    _fail = True

    AEDiscontinuationRate: URIRef
    ASCO: URIRef
    AblationRate: URIRef
    Adjuvant: URIRef
    AntiVEGFAgent: URIRef
    AnyAERate: URIRef
    ApprovalType: URIRef
    ArmComparison: URIRef
    ArmRole: URIRef
    AttributeStatement: URIRef
    BaselineShare: URIRef
    Biomarker: URIRef
    Biosimilar: URIRef
    BispecificAntibody: URIRef
    BreakthroughTherapyDesignation: URIRef
    CSCO: URIRef
    CTLA4Inhibitor: URIRef
    CellTherapy: URIRef
    CellCorrection: URIRef
    CellType: URIRef
    Claim: URIRef
    ClinicalStudy: URIRef
    ClinicalTrial: URIRef
    Comparator: URIRef
    CompleteResponseRate: URIRef
    Conversion: URIRef
    Disease: URIRef
    DesignTarget: URIRef
    DiseaseControlRate: URIRef
    Drug: URIRef
    DualCheckpointRegimen: URIRef
    EMA: URIRef
    ESMO: URIRef
    EffectDirection: URIRef
    Endpoint: URIRef
    Evidence: URIRef
    EvidenceLevel: URIRef
    Experimental: URIRef
    ExternalEvidence: URIRef
    FDA: URIRef
    FirstLine: URIRef
    Grade3PlusAERate: URIRef
    Grade3PlusTRAERate: URIRef
    Grade4To5AERate: URIRef
    GrowthFactor: URIRef
    Guideline: URIRef
    GuidelineRecommendation: URIRef
    Higher: URIRef
    ICIMonotherapy: URIRef
    ICIPlusAntiVEGFRegimen: URIRef
    ICIPlusLocoregionalRegimen: URIRef
    ICIPlusTKIRegimen: URIRef
    ImmuneCheckpoint: URIRef
    ImmuneCheckpointInhibitor: URIRef
    Kinase: URIRef
    LaterLine: URIRef
    LevelControlledEarlyPhase: URIRef
    LevelMetaAnalysis: URIRef
    LevelObservational: URIRef
    LevelPhase3Controlled: URIRef
    LevelSingleArm: URIRef
    LineOfTherapy: URIRef
    LocalControlRate2Year: URIRef
    LocoregionalTherapy: URIRef
    Lower: URIRef
    MarketingApproval: URIRef
    MechanismStatement: URIRef
    MedianDOR: URIRef
    MedianFollowUp: URIRef
    MedianOS: URIRef
    MedianPFS: URIRef
    MedianTTP: URIRef
    MetaAnalysis: URIRef
    MolecularTarget: URIRef
    MonoclonalAntibody: URIRef
    NCCN: URIRef
    NMPA: URIRef
    NamedAERate: URIRef
    Neoadjuvant: URIRef
    OSRate12Month: URIRef
    ObjectiveResponseRate: URIRef
    ObservationalStudy: URIRef
    OncolyticVirusTherapy: URIRef
    OrphanDrugDesignation: URIRef
    OutcomeMeasurement: URIRef
    OverallSurvival: URIRef
    PD1Inhibitor: URIRef
    PDL1Inhibitor: URIRef
    PFSRate12Month: URIRef
    PartialResponseRate: URIRef
    Phase1: URIRef
    Phase1b: URIRef
    Phase1bto2: URIRef
    Phase1to2: URIRef
    Phase2: URIRef
    Phase2to3: URIRef
    Phase3: URIRef
    PhaseNotApplicable: URIRef
    ProgressionFreeSurvival: URIRef
    ProgressiveDiseaseRate: URIRef
    QualityOfLife: URIRef
    RECIST11: URIRef
    RFSRate: URIRef
    ReceptorTyrosineKinase: URIRef
    RecurrenceFreeSurvival: URIRef
    RecurrenceRate12Month: URIRef
    Regimen: URIRef
    RegistryFile: URIRef
    RegulatoryAgency: URIRef
    RegulatoryApproval: URIRef
    ResectionRate: URIRef
    ResponseCriteria: URIRef
    SecondLine: URIRef
    SignallingProtein: URIRef
    SingleArm: URIRef
    SmallMolecule: URIRef
    SourceDocument: URIRef
    StableDiseaseRate: URIRef
    StatedQuantity: URIRef
    TableCorrection: URIRef
    Therapy: URIRef
    TreatmentRelatedDeathRate: URIRef
    TrialArm: URIRef
    TrialPhase: URIRef
    TyrosineKinaseInhibitor: URIRef
    UnnamedControl: URIRef
    LevelDesignNotStated: URIRef
    Lipid: URIRef
    SuspectedSourceError: URIRef
    doubts: URIRef
    concernsArm: URIRef
    outsideReference: URIRef
    AEGrade: URIRef
    AEKind: URIRef
    aeGrade: URIRef
    aeKind: URIRef
    gradeMin: URIRef
    gradeMax: URIRef
    GradeAny: URIRef
    Grade1To2: URIRef
    Grade3: URIRef
    Grade3To4: URIRef
    Grade3OrHigher: URIRef
    Grade4To5: URIRef
    Grade5: URIRef
    AnyAE: URIRef
    TreatmentRelatedAE: URIRef
    TreatmentEmergentAE: URIRef
    ImmuneRelatedAE: URIRef
    AELeadingToDiscontinuation: URIRef
    DoseSpecification: URIRef
    dose: URIRef
    doseOf: URIRef
    doseAmount: URIRef
    doseUnit: URIRef
    doseInterval: URIRef
    doseIntervalUnit: URIRef
    route: URIRef
    doseStep: URIRef
    about: URIRef
    actsOn: URIRef
    adverseEvent: URIRef
    affectsCell: URIRef
    agency: URIRef
    agent: URIRef
    approvalDate: URIRef
    approvalType: URIRef
    approvalYear: URIRef
    approvedRegimen: URIRef
    arm: URIRef
    armRegimen: URIRef
    armRole: URIRef
    ascoLevel: URIRef
    basedOnStudy: URIRef
    biosimilarOf: URIRef
    hasMember: URIRef
    unlinkedEntities: URIRef
    category: URIRef
    centerCount: URIRef
    chain: URIRef
    childPughClass: URIRef
    ciLower: URIRef
    ciUpper: URIRef
    civicLevel: URIRef
    cohort: URIRef
    comparatorArm: URIRef
    condition: URIRef
    correctedField: URIRef
    correctedValue: URIRef
    correction: URIRef
    country: URIRef
    countryCount: URIRef
    curatorNote: URIRef
    describes: URIRef
    design: URIRef
    disputed: URIRef
    displayOrder: URIRef
    doseText: URIRef
    effect: URIRef
    effectDirection: URIRef
    endpoint: URIRef
    enrollment: URIRef
    esmoLevel: URIRef
    evaluablePatients: URIRef
    evidenceLevel: URIRef
    evidenceRank: URIRef
    excerpt: URIRef
    experimentalArm: URIRef
    formulationOf: URIRef
    forBiomarker: URIRef
    guideline: URIRef
    guidelineVersion: URIRef
    guides: URIRef
    hasArm: URIRef
    hasComponent: URIRef
    hazardRatio: URIRef
    indication: URIRef
    inhibits: URIRef
    lineOfTherapy: URIRef
    listedInChina: URIRef
    mRECIST: URIRef
    notReached: URIRef
    originalValue: URIRef
    pValue: URIRef
    pValueBelow: URIRef
    patientCount: URIRef
    phase: URIRef
    pooledStudyCount: URIRef
    population: URIRef
    populationText: URIRef
    priorRegimen: URIRef
    qualifier: URIRef
    quantity: URIRef
    quantityValue: URIRef
    reason: URIRef
    recommendedRegimen: URIRef
    recruitmentStatus: URIRef
    registryId: URIRef
    registryName: URIRef
    relativeEffect: URIRef
    responseCriteria: URIRef
    sha256: URIRef
    statedRegimen: URIRef
    statedValue: URIRef
    subgroup: URIRef
    tableName: URIRef
    targetOfArm: URIRef
    targetValue: URIRef
    tableRow: URIRef
    topic: URIRef
    unit: URIRef
    unitText: URIRef
    value: URIRef
    valueBelow: URIRef
    withdrawn: URIRef
    ResultComparison: URIRef
    resultStudy: URIRef
    resultArm: URIRef
    resultControlArm: URIRef
    resultEndpoint: URIRef
    resultSubgroup: URIRef
    resultPhases: URIRef
    resultLines: URIRef
    resultExperimental: URIRef
    resultExperimentalValue: URIRef
    resultControl: URIRef
    resultControlValue: URIRef
    resultHazardRatio: URIRef
    resultPValue: URIRef
    resultDirection: URIRef
    resultPrimaryEndpoint: URIRef
    resultEffectSource: URIRef
    resultHazardRatioHigh: URIRef
    resultCIUpperHigh: URIRef
    resultPValueHigh: URIRef

OA = Namespace("http://www.w3.org/ns/oa#")
#: SSSOM's RDF form of a mapping's metadata (a mapping is an owl:Axiom on its triple)
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
UO = Namespace("http://purl.obolibrary.org/obo/UO_")
#: Unit Ontology terms (month, percent, count unit), confirmed in UO's own uo.obo: ontology/term-sources.yaml.
#: endpoints (by notation) measured in months, the medians of durations; any other endpoint's value is a
#: percent unless its source names another unit. queries/qc/duration-unit.rq checks the release against
#: the same list (tests/build/test_vocab.py keeps the two equal)
MONTH_ENDPOINTS = frozenset({"mOS", "mPFS", "TTP", "DOR"})
UNITS = {"month": UO["0000035"], "percent": UO["0000187"], "count": UO["0000189"]}
#: dose units (milligram, milligram per kilogram) and the dosing-interval unit (week), from the same uo.obo
DOSE_UNITS = {"mg": UO["0000022"], "mg/kg": UO["0000308"]}
INTERVAL_UNITS = {"week": UO["0000034"]}

#: One namespace per resource kind: ``RES["drug"]["atezolizumab"]``.
RES = {kind: Namespace(f"{RESOURCE}{kind}/") for kind in KINDS}
GRAPHS = {name: URIRef(GRAPH + name) for name in ("ontology", "asserted", "inferred", "metadata")}
PREFIXES = {"hcc": Namespace(HCC_IRI), "oa": OA, "sssom": SSSOM, "semapv": SEMAPV, "uo": Namespace("http://purl.obolibrary.org/obo/UO_"), **RES}

#: the prefixes every release file and site download declares (those the release uses)
RELEASE_PREFIXES = {"hcc", "oa", "uo", "prov", "skos", "dcterms", "rdf", "rdfs", "owl", "xsd", "void", "dcat",
                    "pav", "sh", "schema", *KINDS}


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound, in rdflib's store without named graphs
    (a quarter faster to fill than the default store, which indexes every triple by graph too)."""
    graph = Graph(store="SimpleMemory")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    graph.bind("prov", PROV)
    graph.bind("skos", SKOS)
    graph.bind("dcterms", DCTERMS)
    return graph


def release_prefixes() -> dict[str, str]:
    return {p: str(ns) for p, ns in new_graph().namespaces() if p in RELEASE_PREFIXES}
