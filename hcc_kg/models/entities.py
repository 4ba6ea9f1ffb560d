"""The entities the lexicon resolves names to: drugs (with their targets), targets, therapies,
diseases and cell types."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hcc_kg.models.base import Record, Sourced


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
    #: a source's misspelling or slip ("pascolizumab (AK105)"): resolvable, never a synonym in an export
    spellings: list[str] = []
    biosimilar_of: str | None = None
    #: a formulation of another drug (JS001sc, subcutaneous toripalimab): the reference's links stay its own
    formulation_of: str | None = None
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
    spellings: list[str] = []
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
