"""What the sources state beside the studies: approvals, guideline recommendations, mechanisms,
biomarkers, other claims with their values, and doubts about a source."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from hcc_kg.models.base import Record, Slug, Sourced, as_decimal


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

    _num = field_validator("value", mode="before")(classmethod(lambda cls, v: as_decimal(v)))


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
