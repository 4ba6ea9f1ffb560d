"""What every curated record shares: no unknown field, frozen, ids that fit an IRI, a sourced fact's
quote, and numbers kept as written."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


def as_decimal(v: object) -> object:
    """Numbers keep the digits written in YAML (19.2 stays 19.2, never 19.199999)."""
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, int) and not isinstance(v, bool):
        return Decimal(v)
    return v
