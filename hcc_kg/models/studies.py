"""Studies and what they report: statements of their attributes, arms with their doses,
measurements and comparisons."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from hcc_kg.models.base import Record, Slug, Sourced, as_decimal

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

    _num = field_validator("amount", "every", mode="before")(classmethod(lambda cls, v: as_decimal(v)))

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
        classmethod(lambda cls, v: as_decimal(v))
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
                           mode="before")(classmethod(lambda cls, v: as_decimal(v)))

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
