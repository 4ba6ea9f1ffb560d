"""What a curator reads: the report of a matching, the check that xrefs.yaml agrees with the pinned
files, and the re-reading of every registry row xrefs.yaml cites."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from hcc_kg.constants import REGISTRY_CACHE
from hcc_kg.curate.registries import Row, rows
from hcc_kg.curate.xrefs.matching import Report, entities, normalise
from hcc_kg.curate.xrefs.write import unanchored
from hcc_kg.errors import HccKgError


def render(report: Report) -> str:
    """The report: conflicts first (each needs a decision), then proposals, then a summary."""
    lines = []
    for status in ("conflict", "proposed"):
        for o in report.of(status):
            lines.append(f"{status}\t{o.entity.kind}\t{o.entity.name}\t{o.prefix}\t{o.reason}")
            for c, cand in sorted(o.open.items()):
                how = f"name {cand.matched!r}" if cand.matched else f"via {cand.row.via}"
                label = o.label_differs.get(c, cand.row.label)
                lines.append(f"\t{c}\t{label!r}\t{how}\t{cand.row.file} row {cand.row.row}")
    counts: dict[str, int] = defaultdict(int)
    for o in report.outcomes:
        counts[o.status] += 1
    lines.append("summary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return "\n".join(lines) + "\n"


def check(report: Report) -> list[str]:
    """What would make xrefs.yaml disagree with the pinned files: undecided conflicts, proposals
    not yet applied, and family members not recorded. Empty when the two agree."""
    problems = [f"{o.entity.kind} {o.entity.name!r}, {o.prefix}: {o.status}: {o.reason or ', '.join(o.open)}"
                for o in report.outcomes if o.status in ("conflict", "proposed")]
    if not report.outcomes:
        raise HccKgError("no entity was matched: are the pinned files empty?")
    return problems


@lru_cache(maxsize=32)
def _rows_at(file: str, wanted: frozenset[str], cache_dir: Path) -> dict[str, list[Row]]:
    """The rows of a pinned file at the wanted row numbers; kept for the process (the files are
    the pinned ones, sha256 checked), as a re-check reads the same rows again."""
    at: dict[str, list[Row]] = defaultdict(list)
    for row in rows(file, cache_dir):
        if str(row.row) in wanted:
            at[str(row.row)].append(row)
    return at


def verify(facts, cache_dir: Path = REGISTRY_CACHE) -> list[str]:
    """Re-read every row xrefs.yaml cites (links, rejections, family members): the row must still
    say what the evidence quotes, pair that identifier, and name the entity (or pair ``via``)."""
    ents = {(e.kind, e.name): e for e in entities(facts)}
    cited: dict[str, list[tuple[str, object, object]]] = defaultdict(list)
    for where, mapping in facts.where("xrefs"):
        for field_name, items in (("xrefs", mapping.xrefs), ("rejected", mapping.rejected), ("members", mapping.members),
                                  ("registry_names", mapping.registry_names)):
            for i, item in enumerate(items):
                if getattr(item, "registry", None):
                    cited[item.registry].append((f"{where}, field {field_name}[{i}]", mapping, item))
    problems = [f"{where}, field xrefs: {x['curie']} is confirmed only through a cycle of via links"
                for where, mapping in facts.where("xrefs")
                for x in unanchored([x.model_dump(exclude_none=True) for x in mapping.xrefs])]
    for file, entries in sorted(cited.items()):
        at = _rows_at(file, frozenset(str(item.row) for _, _, item in entries), cache_dir)
        for label, mapping, item in entries:
            here = at.get(str(item.row), [])
            if not any(r.text == item.evidence for r in here):
                problems.append(f"{label}: {file} row {item.row} does not read {item.evidence!r}")
                continue
            entity = ents.get((mapping.kind, mapping.name))
            names = entity.names if entity else {normalise(mapping.name): mapping.name}
            if hasattr(item, "name"):  # a registry name: the row gives it (as its label or a name)
                ok = any(r.text == item.evidence and normalise(item.name) in {normalise(n) for n in (r.label, *r.names)}
                         for r in here)
            elif hasattr(item, "target"):  # a family member: the row states membership in this family
                ok = any(r.curie in {x.curie for x in mapping.xrefs} for r in here)
            elif not hasattr(item, "via"):  # a rejection: the row pairs the rejected identifier
                ok = any(r.text == item.evidence and r.curie == item.curie for r in here)
            else:
                ok = any(r.text == item.evidence and r.curie == item.curie and
                         (r.via == getattr(item, "via", None) if r.via else
                          bool({normalise(n) for n in r.names} & set(names)))
                         for r in here)
            if not ok:
                problems.append(f"{label}: {file} row {item.row} does not pair {getattr(item, 'curie', '')} "
                                f"with {mapping.name!r}" + (f" (via {item.via})" if getattr(item, "via", None) else ""))
    return problems
