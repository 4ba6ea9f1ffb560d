"""The vocabulary: every IRI the code writes comes from here; a misspelled term fails at import."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from hcc_kg.constants import GRAPH, HCC as HCC_IRI, KINDS, RESOURCE


class HCC(DefinedNamespace):
    """Terms of ontology/hcc.ttl (a test keeps this list and the ontology equal)."""

    _NS = Namespace(HCC_IRI)
    _fail = True

    AEDiscontinuationRate: URIRef
    ASCO: URIRef
    Adjuvant: URIRef
    AntiVEGFAgent: URIRef
    AnyAERate: URIRef
    ApprovalType: URIRef
    ArmComparison: URIRef
    ArmRole: URIRef
    AttributeStatement: URIRef
    Biomarker: URIRef
    Biosimilar: URIRef
    BispecificAntibody: URIRef
    BreakthroughTherapyDesignation: URIRef
    CSCO: URIRef
    CTLA4Inhibitor: URIRef
    CellTherapy: URIRef
    CellType: URIRef
    Claim: URIRef
    ClinicalStudy: URIRef
    ClinicalTrial: URIRef
    Comparator: URIRef
    CompleteResponseRate: URIRef
    Conversion: URIRef
    Disease: URIRef
    DiseaseControlRate: URIRef
    Drug: URIRef
    DualCheckpointRegimen: URIRef
    EMA: URIRef
    ESMO: URIRef
    Endpoint: URIRef
    Evidence: URIRef
    Experimental: URIRef
    ExternalEvidence: URIRef
    FDA: URIRef
    FirstLine: URIRef
    Grade3PlusAERate: URIRef
    Grade3PlusTRAERate: URIRef
    GrowthFactor: URIRef
    Guideline: URIRef
    GuidelineRecommendation: URIRef
    ICIMonotherapy: URIRef
    ICIPlusAntiVEGFRegimen: URIRef
    ICIPlusLocoregionalRegimen: URIRef
    ICIPlusTKIRegimen: URIRef
    ImmuneCheckpoint: URIRef
    ImmuneCheckpointInhibitor: URIRef
    Kinase: URIRef
    LaterLine: URIRef
    LineOfTherapy: URIRef
    LocalControlRate2Year: URIRef
    LocoregionalTherapy: URIRef
    MarketingApproval: URIRef
    MechanismStatement: URIRef
    MedianDOR: URIRef
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
    RecurrenceRate12Month: URIRef
    Regimen: URIRef
    RegulatoryAgency: URIRef
    RegulatoryApproval: URIRef
    ResponseCriteria: URIRef
    SecondLine: URIRef
    SignallingProtein: URIRef
    SingleArm: URIRef
    SmallMolecule: URIRef
    SourceDocument: URIRef
    StableDiseaseRate: URIRef
    TableCorrection: URIRef
    Therapy: URIRef
    TrialArm: URIRef
    TrialPhase: URIRef
    TyrosineKinaseInhibitor: URIRef
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
    basedOnStudy: URIRef
    biosimilarOf: URIRef
    category: URIRef
    chain: URIRef
    ciLower: URIRef
    ciUpper: URIRef
    comparatorArm: URIRef
    condition: URIRef
    correctedField: URIRef
    correctedValue: URIRef
    correction: URIRef
    country: URIRef
    curatorNote: URIRef
    describes: URIRef
    design: URIRef
    disputed: URIRef
    doseText: URIRef
    effect: URIRef
    endpoint: URIRef
    enrollment: URIRef
    excerpt: URIRef
    experimentalArm: URIRef
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
    population: URIRef
    qualifier: URIRef
    reason: URIRef
    recommendedRegimen: URIRef
    recruitmentStatus: URIRef
    registryId: URIRef
    responseCriteria: URIRef
    sha256: URIRef
    statedValue: URIRef
    subgroup: URIRef
    tableName: URIRef
    tableRow: URIRef
    topic: URIRef
    unit: URIRef
    value: URIRef
    valueBelow: URIRef
    withdrawn: URIRef


OA = Namespace("http://www.w3.org/ns/oa#")
UO = Namespace("http://purl.obolibrary.org/obo/UO_")
#: Unit Ontology terms (month, percent, count unit), confirmed in UO's own uo.obo: ontology/term-sources.yaml.
UNITS = {"month": UO["0000035"], "percent": UO["0000187"], "count": UO["0000189"]}

#: One namespace per resource kind: ``RES["drug"]["atezolizumab"]``.
RES = {kind: Namespace(f"{RESOURCE}{kind}/") for kind in KINDS}
GRAPHS = {name: URIRef(GRAPH + name) for name in ("ontology", "asserted", "inferred", "metadata")}
PREFIXES = {"hcc": Namespace(HCC_IRI), "oa": OA, "uo": Namespace("http://purl.obolibrary.org/obo/UO_"), **RES}
