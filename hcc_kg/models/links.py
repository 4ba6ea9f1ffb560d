"""External identifiers (xrefs.yaml) and where they were confirmed: the pinned registry files and
the sources of the ontology's external terms."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hcc_kg.models.base import Record, Slug

#: a CURIE as xrefs.yaml writes it (Bioregistry prefix, colon, local part)
CURIE = r"^[A-Za-z][A-Za-z0-9.]*:\S+$"


class Xref(Record):
    """One identifier, with where it was confirmed and the excerpt that pairs it with the name:
    either a pinned registry file (``registry``: an id in registry-files.yaml, ``row`` in it, and
    ``via``: the entity's identifier that row pairs this one with, when the row does not name it)
    or an earlier confirmation (``confirmed_in``: a page, or a repository file at a commit)."""

    curie: str = Field(pattern=CURIE)
    #: exact: the same entity; close: a near one (a family's best-known member), never merged on
    predicate: Literal["exactMatch", "closeMatch"] = "exactMatch"
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

    curie: str = Field(pattern=CURIE)
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


class RegistryName(Record):
    """A name a pinned registry row gives the entity (UNII's code-name row "AK105 cd IBS1BZ4E4I
    PENPULIMAB": the INN), kept apart from the sources' spellings and used to look up the other
    registry files."""

    name: str = Field(min_length=2)
    registry: Slug
    row: int | str
    evidence: str = Field(min_length=5)

    @model_validator(mode="after")
    def evidence_shows_the_name(self) -> RegistryName:
        if self.name.casefold() not in self.evidence.casefold():
            raise ValueError(f"the evidence does not show the name {self.name!r}")
        return self


class Mapping(Record):
    kind: Literal["drug", "target", "therapy", "disease", "study"]
    name: str
    #: names pinned registry rows give the entity (an INN for a code name)
    registry_names: list[RegistryName] = []
    xrefs: list[Xref] = []
    rejected: list[Rejected] = []
    #: a gene family's members (targets), each with the registry row that states it
    members: list[Member] = []
    note: str | None = None
