"""Resolution stage: every name in tables and facts -> one canonical entity (kind, slug)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hcc_kg.errors import HccKgError

if TYPE_CHECKING:  # the facts models import pydantic: `hcc-kg query` needs only `normalise`
    from hcc_kg.build.facts import Facts

#: facts kind -> resource kind of its entities
ENTITY_KINDS = {
    "drugs": "drug", "targets": "target", "therapies": "therapy", "diseases": "disease",
    "cells": "cell", "studies": "study",
}


def normalise(name: str) -> str:
    """Case, spacing and punctuation do not distinguish names ("IBI-305" = "IBI305")."""
    return re.sub(r"[^0-9a-zα-ω]+", "", name.casefold())


@dataclass(frozen=True)
class Entity:
    kind: str
    slug: str
    label: str


@dataclass
class Lexicon:
    by_key: dict[str, Entity] = field(default_factory=dict)
    #: (kind, slug) -> every name seen for it, canonical first
    names: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    #: (kind, slug) -> the sources' misspellings and slips: resolvable, never exported as synonyms
    misspelt: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, entity: Entity, name: str, where: object) -> None:
        key = normalise(name)
        if not key:
            raise HccKgError(f"{where}: empty name")
        other = self.by_key.get(key)
        if other is not None and other != entity:
            raise HccKgError(
                f"{where}: name {name!r} already names {other.kind} {other.label!r}; "
                "one name, one entity"
            )
        self.by_key[key] = entity
        seen = self.names.setdefault((entity.kind, entity.slug), [])
        if name not in seen:
            seen.append(name)

    def find(self, name: str, kinds: tuple[str, ...] = ()) -> Entity | None:
        entity = self.by_key.get(normalise(name))
        return entity if entity is not None and (not kinds or entity.kind in kinds) else None

    def resolve(self, name: str, where: object, kinds: tuple[str, ...] = ()) -> Entity:
        """The entity a name stands for; an unknown name stops the build with the nearest names."""
        entity = self.find(name, kinds)
        if entity is None:
            pool = [n for (k, _), ns in self.names.items() if not kinds or k in kinds for n in ns]
            near = difflib.get_close_matches(name, pool, n=3, cutoff=0.5)
            wanted = "/".join(kinds) or "entity"
            hint = f"; nearest known: {', '.join(near)}" if near else ""
            raise HccKgError(f"{where}: unknown {wanted} name {name!r}{hint}")
        return entity

    def regimen_parts(self, names: list[str], where: object) -> list[Entity]:
        """The drugs and therapies a regimen's names stand for."""
        return [self.resolve(n, where, ("drug", "therapy")) for n in names]

    def aliases(self, entity: Entity) -> list[str]:
        """Every name but the canonical label and the source spellings."""
        spellings = self.spellings(entity)
        return [n for n in self.names[(entity.kind, entity.slug)] if n != entity.label and n not in spellings]

    def spellings(self, entity: Entity) -> list[str]:
        """The sources' misspellings and slips for the entity."""
        return self.misspelt.get((entity.kind, entity.slug), [])


def build_lexicon(facts: Facts) -> Lexicon:
    from hcc_kg.build.facts import slugify

    lexicon = Lexicon()
    for facts_kind, kind in ENTITY_KINDS.items():
        for where, record in facts.where(facts_kind):
            slug = getattr(record, "id", None) or slugify(record.name)
            entity = Entity(kind, slug, record.name)
            names = [record.name, *getattr(record, "synonyms", []), *getattr(record, "aliases", [])]
            names += getattr(record, "registry_ids", [])
            for name in names:
                lexicon.add(entity, name, where)
            for name in getattr(record, "spellings", []):
                lexicon.add(entity, name, where)
                lexicon.misspelt.setdefault((kind, slug), []).append(name)
    return lexicon


def regimen_slug(components: list[Entity]) -> str:
    """A regimen is its set of components: the same drugs in any order are one regimen."""
    return "-".join(sorted(c.slug for c in components))


def regimen_label(components: list[Entity]) -> str:
    return " + ".join(c.label for c in sorted(components, key=lambda c: c.slug))
