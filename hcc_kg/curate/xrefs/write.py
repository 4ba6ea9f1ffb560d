"""Writing accepted proposals, confirmations, rejections' evidence and family members into
graph/facts/xrefs.yaml, keeping its header comment and every link anchored to a name."""

from __future__ import annotations

from pathlib import Path

from hcc_kg.constants import FACTS
from hcc_kg.curate.xrefs.matching import Candidate, Report

XREFS = FACTS / "xrefs.yaml"


def _confirmation(cand: Candidate) -> dict:
    out = {"curie": cand.curie, "registry": cand.row.file, "row": cand.row.row}
    if cand.row.via:
        out["via"] = cand.row.via
    out["evidence"] = cand.row.text
    return out


def apply(report: Report, path: Path = XREFS) -> int:
    """Write every proposal and confirmation into xrefs.yaml (a registry confirmation replaces an
    earlier page confirmation of the same id), the evidence of each rejection, and family members.
    Returns the number of records changed. Conflicts are left for a curator's decision."""
    from hcc_kg.build.sources import read_yaml

    header = file_header(path)
    records = read_yaml(path) or []
    index = {(r["kind"], r["name"]): r for r in records}
    originals = {key: {x["curie"]: dict(x) for x in r.get("xrefs", [])} for key, r in index.items()}
    changed = set()
    for o in report.outcomes:
        record = index.setdefault((o.entity.kind, o.entity.name),
                                  {"kind": o.entity.kind, "name": o.entity.name, "xrefs": []})
        if record not in records:
            records.append(record)
        listed = {rej["curie"] for rej in record.get("rejected", [])}
        for curie, cand in sorted(o.rejected_rows.items()):
            if o.entity.reference and curie not in listed:  # the biosimilar rule, written out
                record.setdefault("rejected", []).append({
                    "curie": curie, "reason": f"The registry pairs the code name {cand.matched!r} with the reference "
                    f"product's identifier ({cand.row.label or o.entity.reference}); a biosimilar is not its reference product."})
        for rej in record.get("rejected", []):
            cand = o.rejected_rows.get(rej["curie"])
            if cand and "registry" not in rej:
                rej.update({k: v for k, v in _confirmation(cand).items() if k in ("registry", "row", "evidence")})
                changed.add(o.entity.name)
        if o.status not in ("confirmed", "proposed"):
            continue
        (curie, cand), = o.open.items()
        new = _confirmation(cand)
        xrefs = record.setdefault("xrefs", [])
        old = next((x for x in xrefs if x["curie"] == curie), None)
        if old is not None and old.get("reason"):
            new["reason"] = old["reason"]
        if old is not None and old.get("predicate"):  # a curator's closeMatch stays one
            new = {"curie": new["curie"], "predicate": old["predicate"], **new}
        if old is None:
            xrefs.append(new)
            changed.add(o.entity.name)
        elif old != new:
            old.clear()
            old.update(new)
            changed.add(o.entity.name)
    for record in records:
        if _anchor(record, originals.get((record["kind"], record["name"]), {})):
            changed.add(record["name"])
    for family, members in report.members.items():
        record = index[("target", family)]
        listed = [{"target": t, "registry": r.file, "row": r.row, "evidence": r.text} for t, r in members]
        if record.get("members") != listed:
            record["members"] = listed
            changed.add(family)
    write_records(records, path, header)
    return len(changed)


def unanchored(xrefs: list[dict]) -> list[dict]:
    """Links confirmed only through a chain of via links that never reaches a link confirmed by the
    entity's name (a name row, or an earlier confirmation): such a chain proves nothing."""
    reached = {x["curie"] for x in xrefs if not x.get("via")}
    grew = True
    while grew:
        new = {x["curie"] for x in xrefs if x.get("via") in reached} - reached
        reached |= new
        grew = bool(new)
    return [x for x in xrefs if x["curie"] not in reached]


def _anchor(record: dict, originals: dict[str, dict]) -> bool:
    """Undo via confirmations that replaced earlier ones in a cycle (hgnc via ncbigene via hgnc):
    in list order, the first unanchored link gets its earlier confirmation back (or is dropped)."""
    touched = False
    while bad := unanchored(record.get("xrefs", [])):
        x, touched = bad[0], True
        earlier = originals.get(x["curie"], {})
        if earlier.get("confirmed_in"):
            x.clear()
            x.update(earlier)
        else:
            record["xrefs"].remove(x)
    return touched


def file_header(path: Path) -> str:
    """The comment lines before the first record."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "".join(line + "\n" for line in lines[: next(i for i, x in enumerate(lines) if x.startswith("- "))])


def write_records(records: list[dict], path: Path, header: str) -> None:
    """The records as YAML after the file's header comment, written atomically."""
    import yaml

    body = yaml.safe_dump(records, sort_keys=False, allow_unicode=True, width=100)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(header + body, encoding="utf-8")
    tmp.replace(path)
