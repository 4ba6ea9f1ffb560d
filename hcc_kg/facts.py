"""Facts stage: curated YAML -> validated models, every quote located in its source."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ValidationError

from hcc_kg import models as m
from hcc_kg.constants import FACTS, ROOT
from hcc_kg.errors import HccKgError
from hcc_kg.sources import count, load_sources, locate, read_yaml

#: file (relative to graph/facts) -> model of each record; studies/ holds one Study a file
LIST_FILES: dict[str, type[BaseModel]] = {
    "drugs.yaml": m.Drug,
    "targets.yaml": m.Target,
    "therapies.yaml": m.Therapy,
    "diseases.yaml": m.Named,
    "cells.yaml": m.Named,
    "approvals.yaml": m.Approval,
    "recommendations.yaml": m.Recommendation,
    "mechanisms.yaml": m.Mechanism,
    "biomarkers.yaml": m.Biomarker,
    "claims.yaml": m.Claim,
    "doubts.yaml": m.Doubt,
    "tables.yaml": m.RowNote,
    "xrefs.yaml": m.Mapping,
    "registry-files.yaml": m.RegistryFile,
}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])}
#: words that state a number without digits: "no patients ... achieved CR" is 0, "All patients
#: experienced AEs" is 100 (percent)
WORDS |= {"no": 0, "none": 0, "all": 100}


def slugify(name: str) -> str:
    """The IRI slug of a canonical name: lower-case ASCII letters, digits and hyphens."""
    ascii_name = name.lower().replace("+", " ").replace("β", "beta").replace("γ", "gamma")
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name))


@dataclass(frozen=True)
class Where:
    """Where a record sits, for error messages: file, record label, field path."""

    file: Path
    record: str
    path: str = ""

    def __str__(self) -> str:
        shown = self.file.relative_to(ROOT) if self.file.is_relative_to(ROOT) else self.file
        return f"{shown}: record {self.record}" + (f", field {self.path}" if self.path else "")


@dataclass
class Facts:
    """All curated records, each with where it came from."""

    records: dict[str, list[tuple[Where, BaseModel]]] = field(default_factory=dict)
    #: (source, quote, occurrence) -> (start, end)
    offsets: dict[tuple[str, str, int], tuple[int, int]] = field(default_factory=dict)

    def of(self, kind: str) -> list[BaseModel]:
        return [record for _, record in self.records.get(kind, [])]

    def where(self, kind: str) -> list[tuple[Where, BaseModel]]:
        return self.records.get(kind, [])

    def span(self, fact: m.Sourced) -> tuple[int, int]:
        return self.offsets[(fact.source, fact.quote, fact.occurrence)]


def _label(raw: object, i: int) -> str:
    if isinstance(raw, dict):
        for key in ("id", "name", "table", "iri"):
            if key in raw:
                return f"{raw[key]!r}" + (f" row {raw['row']}" if key == "table" and "row" in raw else "")
    return f"#{i}"


def _parse(model: type[BaseModel], raw: object, where: Where) -> BaseModel:
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        path = ".".join(str(p) for p in first["loc"]) or "(record)"
        raise HccKgError(f"{Where(where.file, where.record, path)}: {first['msg']}") from None


def read_records(path: Path, model: type[BaseModel]) -> list[tuple[Where, BaseModel]]:
    """A YAML list of records, each validated against ``model``; errors name file, record and field."""
    raw = read_yaml(path) or []
    if not isinstance(raw, list):
        raise HccKgError(f"{path}: expected a list of records")
    out = []
    for i, item in enumerate(raw, 1):
        where = Where(path, _label(item, i))
        out.append((where, _parse(model, item, where)))
    return out


def load_facts(root: Path = FACTS) -> Facts:
    """Read and validate every curated file; locate every quote. Stops at the first error."""
    facts = Facts()
    for name, model in LIST_FILES.items():
        path = root / name
        if not path.exists():
            continue
        facts.records.setdefault(name.removesuffix(".yaml"), []).extend(read_records(path, model))
    for path in sorted((root / "studies").glob("*.yaml")):
        raw = read_yaml(path)
        where = Where(path, _label(raw, 1))
        study = _parse(m.Study, raw, where)
        if path.stem != study.id:
            raise HccKgError(f"{where}, field id: {study.id!r} must match the file name {path.stem!r}")
        facts.records.setdefault("studies", []).append((where, study))
    _check(facts)
    return facts


def sourced(record: BaseModel, path: str = "") -> Iterator[tuple[str, m.Sourced]]:
    """Every Sourced fact inside a record, with its field path."""
    if isinstance(record, m.Sourced):
        yield path, record
    for name in type(record).model_fields:
        value = getattr(record, name)
        items = value if isinstance(value, list) else [value]
        for j, item in enumerate(items):
            if isinstance(item, BaseModel) and item is not record:
                sub = f"{path}.{name}" if path else name
                yield from sourced(item, f"{sub}[{j}]" if isinstance(value, list) else sub)


def _numbers(record: m.Sourced) -> list[tuple[str, Decimal]]:
    out = []
    for name in ("value", "below", "ci_lower", "ci_upper", "hazard_ratio", "p_value", "p_below", "relative_effect",
                 "amount", "every"):
        v = getattr(record, name, None)
        if isinstance(v, Decimal):
            out.append((name, v))
    if isinstance(record, m.Statement) and record.attribute in m.COUNT_ATTRIBUTES:
        out.append(("value", Decimal(int(record.value))))
    if isinstance(record, m.Claim):
        out += [(f"values[{i}].value", v.value) for i, v in enumerate(record.values)]
    return out


def _check(facts: Facts) -> None:
    sources = load_sources()
    for kind, entries in facts.records.items():
        seen: dict[str, Where] = {}
        for where, record in entries:
            key = getattr(record, "id", None) or getattr(record, "name", None)
            if kind not in ("tables", "xrefs") and key is not None:
                if key in seen:
                    raise HccKgError(f"{where}: duplicate identifier {key!r} (first at {seen[key]})")
                seen[key] = where
            rid = getattr(record, "id", None)
            if rid is not None and not SLUG.match(rid):
                raise HccKgError(f"{Where(where.file, where.record, 'id')}: {rid!r} is not a slug (a-z, 0-9, -)")
            for path, fact in sourced(record):
                at = Where(where.file, where.record, path)
                source = sources.get(fact.source)
                if source is None:
                    raise HccKgError(f"{at}.source: unknown source {fact.source!r}; known: {sorted(sources)}")
                try:
                    span = locate(source.text, fact.quote, fact.occurrence)
                except ValueError as err:
                    raise HccKgError(
                        f"{at}.quote: not found verbatim in {source.file}: {fact.quote!r}; "
                        f"closest passage: {err.args[0]!r}"
                    ) from None
                n = count(source.text, fact.quote)
                if n > 1 and fact.occurrence == 1 and len(fact.quote) < 40:
                    raise HccKgError(
                        f"{at}.quote: {fact.quote!r} occurs {n} times in {source.file}; "
                        "quote more words or give occurrence"
                    )
                facts.offsets[(fact.source, fact.quote, fact.occurrence)] = span
                in_quote = {Decimal(t.replace(",", "")) for t in NUMBER.findall(fact.quote)}
                in_quote |= {Decimal(WORDS[w]) for w in re.findall(r"[a-z]+", fact.quote.lower()) if w in WORDS}
                for name, number in _numbers(fact):
                    if number not in in_quote:
                        raise HccKgError(f"{at}.{name}: {number} does not occur in its quote {fact.quote!r}")
