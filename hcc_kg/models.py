"""Curated records: the YAML under graph/facts/ is read into these models (unknown fields fail)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: lower-case ASCII letters, digits and single hyphens: every id becomes part of an IRI
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Record):
    """A fact with its verbatim quote. ``occurrence`` picks the n-th match of a repeated quote."""

    source: str
    quote: str = Field(min_length=3)
    occurrence: int = Field(default=1, ge=1)
    disputed: bool = False
    note: str | None = None
    #: set by the table stage only: the table and 1-based row the quote (the row text) comes from
    table: str | None = None
    row: int | None = None

    @model_validator(mode="after")
    def _disputed_needs_note(self) -> Sourced:
        if self.disputed and not self.note:
            raise ValueError("a disputed fact needs a note saying why")
        return self


def _decimal(v: object) -> object:
    """Numbers keep the digits written in YAML (19.2 stays 19.2, never 19.199999)."""
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, int) and not isinstance(v, bool):
        return Decimal(v)
    return v


# --- lexicon ---------------------------------------------------------------------------


class TargetClaim(Sourced):
    target: str


class ExternalClaim(Record):
    """A drug-target fact the sources never state, from a checked external record (URL + excerpt)."""

    target: str
    url: str = Field(pattern=r"^https?://")
    excerpt: str = Field(min_length=10)
    note: str = Field(min_length=10)


class Drug(Record):
    name: str
    #: "Drug" where no source states the kind (a class named without a product, "anti-angiogenesis")
    type: Literal["MonoclonalAntibody", "BispecificAntibody", "SmallMolecule", "Biosimilar", "Drug"]
    synonyms: list[str] = []
    biosimilar_of: str | None = None
    #: a class of drugs named without a product ("PD-1 inhibitors", "TKIs")
    unspecified: bool = False
    targets: list[TargetClaim] = []
    external_targets: list[ExternalClaim] = []
    note: str | None = None


class Target(Record):
    name: str
    type: Literal[
        "ImmuneCheckpoint", "ReceptorTyrosineKinase", "Kinase", "GrowthFactor", "SignallingProtein", "Lipid"
    ]
    synonyms: list[str] = []
    note: str | None = None


class Therapy(Record):
    name: str
    type: Literal["LocoregionalTherapy", "CellTherapy", "OncolyticVirusTherapy", "UnnamedControl"]
    synonyms: list[str] = []
    note: str | None = None


class Named(Record):
    """A disease or a cell type: a name and its synonyms."""

    name: str
    synonyms: list[str] = []
    note: str | None = None


# --- studies ---------------------------------------------------------------------------

Attribute = Literal[
    "phase", "line", "enrollment", "design", "population", "status", "country", "dose", "patients",
    "regimen", "prior_regimen", "child_pugh", "countries", "centers", "pooled_studies", "evaluable",
]
#: attributes whose value is a whole number
COUNT_ATTRIBUTES = ("enrollment", "patients", "countries", "centers", "pooled_studies", "evaluable")
#: attributes whose value is a regimen (a list of names), not a text or a number
REGIMEN_ATTRIBUTES = ("regimen", "prior_regimen")


class Statement(Sourced):
    """One attribute of a study or arm as one source states it.

    ``regimen`` is what a source says the study or arm gave (so two sources naming different
    drugs for one trial are a conflict); ``prior_regimen`` the therapy the population received
    before (``after atezolizumab + bevacizumab``); both take ``regimen``, the others ``value``."""

    attribute: Attribute
    value: str | int | None = None
    regimen: list[str] = []

    @field_validator("value", mode="before")
    @classmethod
    def _keep_text(cls, v: object) -> object:
        return str(v) if isinstance(v, float) else v

    @model_validator(mode="after")
    def _counts_are_integers(self) -> Statement:
        if self.attribute in REGIMEN_ATTRIBUTES:
            if not self.regimen or self.value is not None:
                raise ValueError(f"{self.attribute} takes regimen (a list of names), not value")
            return self
        if self.value is None or self.regimen:
            raise ValueError(f"{self.attribute} takes value, not regimen")
        if self.attribute in COUNT_ATTRIBUTES and not isinstance(self.value, int):
            raise ValueError(f"{self.attribute} must be a whole number (digits), not {self.value!r}")
        return self


class Dose(Sourced):
    """How much of one drug an arm gave, and how often, as the quote states it ("6 mg/kg cadonilimab
    every 2 weeks": amount 6, unit mg/kg, every 2, every_unit week). ``step`` orders a sequence
    ("A plus B followed by B": 1, 1, 2)."""

    drug: str
    amount: Decimal
    unit: Literal["mg", "mg/kg"]
    every: Decimal | None = None
    every_unit: Literal["week"] | None = None
    route: str | None = None
    step: int | None = Field(default=None, ge=1)

    _num = field_validator("amount", "every", mode="before")(classmethod(lambda cls, v: _decimal(v)))

    @model_validator(mode="after")
    def _interval_has_unit(self) -> Dose:
        if (self.every is None) != (self.every_unit is None):
            raise ValueError("every (the interval) and every_unit go together")
        return self


class Arm(Record):
    id: Slug
    regimen: list[str] = Field(min_length=1)
    role: Literal["experimental", "comparator", "single"] | None = None
    label: str | None = None
    disputed: bool = False
    note: str | None = None
    statements: list[Statement] = []
    doses: list[Dose] = []


class Measurement(Sourced):
    arm: Slug
    endpoint: str
    value: Decimal | None = None
    below: Decimal | None = None
    not_reached: bool = False
    unit: Literal["month", "percent", "count"] | None = None
    ci_lower: Decimal | None = None
    ci_upper: Decimal | None = None
    criteria: str | None = None
    subgroup: str | None = None
    qualifier: str | None = None
    adverse_event: str | None = None
    #: the grade range and kind of an adverse-event rate, where the source states other than the
    #: endpoint names (ontology: each AE endpoint's hcc:aeGrade / hcc:aeKind is the default)
    grade: Literal["any", "1-2", "3", "3-4", ">=3", "4-5", "5"] | None = None
    ae_kind: Literal["any", "treatment-related", "treatment-emergent", "immune-related",
                     "leading-to-discontinuation"] | None = None
    #: the value the study was designed to reach ("expected ORR of 40%"), not a result
    design_target: bool = False

    _num = field_validator("value", "below", "ci_lower", "ci_upper", mode="before")(
        classmethod(lambda cls, v: _decimal(v))
    )

    @model_validator(mode="after")
    def _one_value(self) -> Measurement:
        given = [self.value is not None, self.below is not None, self.not_reached]
        if sum(given) != 1:
            raise ValueError("give exactly one of value, below, not_reached")
        if self.design_target and self.value is None:
            raise ValueError("a design_target needs its value")
        return self


class Comparison(Sourced):
    experimental: Slug
    comparator: Slug
    endpoint: str
    hazard_ratio: Decimal | None = None
    ci_lower: Decimal | None = None
    ci_upper: Decimal | None = None
    p_value: Decimal | None = None
    p_below: Decimal | None = None
    subgroup: str | None = None
    #: a relative difference in percent ("43.1% reduction in the risk of death"), with its direction
    relative_effect: Decimal | None = None
    direction: Literal["lower", "higher"] | None = None

    _num = field_validator("hazard_ratio", "ci_lower", "ci_upper", "p_value", "p_below", "relative_effect",
                           mode="before")(classmethod(lambda cls, v: _decimal(v)))

    @model_validator(mode="after")
    def _some_statistic(self) -> Comparison:
        if (self.relative_effect is None) != (self.direction is None):
            raise ValueError("a relative_effect needs its direction (lower or higher), and a direction its relative_effect")
        if all(v is None for v in (self.hazard_ratio, self.p_value, self.p_below, self.relative_effect)):
            raise ValueError("give hazard_ratio, p_value, p_below or relative_effect")
        if self.p_value is not None and self.p_below is not None:
            raise ValueError("give p_value or p_below, not both")
        return self


class Study(Record):
    """A study. ``type`` is what the sources state it is; leave it out where they do not (the study
    is then only an hcc:ClinicalStudy, and its level of evidence says "design not stated" unless a
    phase or design statement says more)."""

    id: Slug
    name: str
    type: Literal["ClinicalTrial", "ObservationalStudy", "MetaAnalysis"] | None = None
    aliases: list[str] = []
    registry_ids: list[str] = []
    note: str | None = None
    statements: list[Statement] = []
    arms: list[Arm] = []
    measurements: list[Measurement] = []
    comparisons: list[Comparison] = []


# --- regulatory, guidelines, mechanisms, biomarkers ---------------------------------------


class Approval(Sourced):
    id: Slug
    regimen: list[str] = Field(min_length=1)
    agency: str | None = None
    type: Literal["approval", "breakthrough", "orphan"] = "approval"
    year: int | None = None
    date: str | None = None
    line: str | None = None
    indication: str | None = None
    study: str | None = None
    withdrawn: bool = False
    listed_in_china: bool | None = None


class Recommendation(Sourced):
    id: Slug
    guideline: str
    regimen: list[str] = Field(min_length=1)
    version: str | None = None
    line: str | None = None
    category: str | None = None
    #: the population the recommendation is restricted to: as stated, its Child-Pugh class, a biomarker (id)
    population: str | None = None
    child_pugh: Literal["A", "B", "C"] | None = None
    biomarker: Slug | None = None


class Mechanism(Sourced):
    id: Slug
    agent: str
    acts_on: list[str] = []
    cells: list[str] = []
    chain: list[str] = Field(min_length=2)
    effect: str


class Biomarker(Sourced):
    id: Slug
    name: str
    guides: list[str] = []


class StatedValue(Record):
    value: Decimal
    unit: str | None = None  # as the source words it: "%", "months", "USD per year", "patients"

    _num = field_validator("value", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Claim(Sourced):
    """Any other statement the sources make (epidemiology, costs, follow-up, class-level response
    rates, trial limitations): what it is about, its topic, and the values it states."""

    id: Slug
    topic: str = Field(min_length=3)
    about: list[str] = []
    values: list[StatedValue] = []


class Doubt(Sourced):
    """A suspected error in a source that rests on knowledge from outside the sources: the quote is
    the doubted passage; the doubt covers the facts of ``study`` (its ``arms``, where given) whose
    evidence quote contains that passage. The values stay as stated; the graph records the doubt
    beside them (hcc:SuspectedSourceError)."""

    id: Slug
    study: Slug
    arms: list[Slug] = []
    what: str = Field(min_length=10)
    reason: str = Field(min_length=20)
    #: the outside publication, as a citation text (no identifier unless a pinned file pairs one)
    reference: str = Field(min_length=10)


# --- external identifiers ---------------------------------------------------------------


class Xref(Record):
    """One identifier, with where it was confirmed and the excerpt that pairs it with the name:
    either a pinned registry file (``registry``: an id in registry-files.yaml, ``row`` in it, and
    ``via``: the entity's identifier that row pairs this one with, when the row does not name it)
    or an earlier confirmation (``confirmed_in``: a page, or a repository file at a commit)."""

    curie: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9.]*:\S+$")
    confirmed_in: str | None = Field(default=None, min_length=5)
    registry: Slug | None = None
    row: int | str | None = None
    via: str | None = None
    evidence: str = Field(min_length=3)
    #: a curator's reason, where the file's own label for the id differs from the entity's name
    reason: str | None = Field(default=None, min_length=20)

    @model_validator(mode="after")
    def evidence_shows_the_id(self) -> Xref:
        """The excerpt must show the identifier (its local part, or that part's number)."""
        local = self.curie.split(":", 1)[1]
        if local not in self.evidence and local.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") not in self.evidence:
            raise ValueError(f"the evidence does not show the identifier {local!r}")
        if (self.confirmed_in is None) == (self.registry is None):
            raise ValueError("give either confirmed_in or registry (with row), not both or neither")
        if self.registry is not None and self.row is None:
            raise ValueError("a registry confirmation needs the row that pairs the identifier")
        if self.via is not None and self.registry is None:
            raise ValueError("via applies to a registry confirmation only")
        return self


class Rejected(Record):
    """An identifier a registry file pairs with the entity's name, decided against, with the reason
    (salt or anhydrous form, a class-level term, a broader disease, a reference product's id)."""

    curie: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9.]*:\S+$")
    reason: str = Field(min_length=20)
    registry: Slug | None = None
    row: int | str | None = None
    evidence: str | None = None


class RegistryFile(Record):
    """A pinned registry file: a package at a version and a path inside its wheel, with sha256s."""

    id: Slug
    registry: str = Field(min_length=2)
    package: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    version: str = Field(pattern=r"^[0-9][0-9A-Za-z.+-]*$")
    wheel: str = Field(pattern=r"^\S+\.whl$")
    wheel_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    path: str = Field(min_length=3)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    licence: str = Field(min_length=3)
    note: str | None = None


class TermSource(Record):
    """Where an external ontology term linked from ontology/hcc.ttl was confirmed."""

    iri: str = Field(pattern=r"^https?://\S+$")
    label: str = Field(min_length=1)
    confirmed_in: str = Field(min_length=5)
    evidence: str = Field(min_length=5)
    note: str | None = None


class Member(Record):
    """A target that is a member of a gene family, as a FamPlex relations row states ("isa")."""

    target: str
    registry: Slug
    row: int
    evidence: str = Field(min_length=5)


class Mapping(Record):
    kind: Literal["drug", "target", "therapy", "disease", "study"]
    name: str
    xrefs: list[Xref] = []
    rejected: list[Rejected] = []
    #: a gene family's members (targets), each with the registry row that states it
    members: list[Member] = []
    note: str | None = None


# --- table annotations --------------------------------------------------------------------


class Group(Record):
    """What one 'v1 vs v2' position of a findings cell stands for (no arm: left out, see reason)."""

    arm: Slug | None = None
    criteria: str | None = None
    qualifier: str | None = None
    #: the intervention as the row prints it for this group, where it differs from the arm's
    #: regimen: kept as the table's regimen statement on the arm (a conflict with the text)
    printed: str | None = None
    #: the arm is a guess (the row does not label its groups): the values are marked disputed
    disputed: bool = False


class RowNote(Record):
    """A curated note on one table row: a correction (with reason), groups, or an exclusion."""

    table: str
    row: int = Field(ge=1)
    reason: str = Field(min_length=10)
    set: dict[str, str] = {}
    groups: list[Group] = []
    exclude: bool = False
    disputed: bool = False
    #: columns whose printed value is kept but marked disputed (the reason says why)
    dispute: list[str] = []
