"""A curator's notes on table rows: corrections, what each group of a findings cell stands for,
exclusions."""

from __future__ import annotations

from pydantic import Field

from hcc_kg.models.base import Record, Slug


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
