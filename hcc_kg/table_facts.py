"""Table rows -> study, arm, measurement and approval records, with the curated row notes applied.

A row note (graph/facts/tables.yaml) may correct cells (``set``, by column name, or ``arm`` to
pick a curated arm), map the positions of an "a vs b" findings cell to arms (``groups``),
exclude a row, or mark it disputed; each carries its reason, which the graph records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from hcc_kg import models as m
from hcc_kg.errors import HccKgError
from hcc_kg.facts import Facts, slugify
from hcc_kg.lexicon import Entity, Lexicon, regimen_slug
from hcc_kg.sources import Source, count
from hcc_kg.tables import TableRow

ROMAN = {"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III"}
PHASES = {"Phase 1": "I", "Phase 2": "II", "Phase 3": "III", "Phase 1/2": "I/II", "Phase 2/3": "II/III"}
LINES = {"First": "first", "Second": "second", "First line": "first", "Second line": "second",
         "Postoperative adjuvant therapy": "adjuvant"}
REGISTRY = re.compile(r"^(NCT\d{8}|ChiCTR\d+)$")
PAREN = re.compile(r"\s*\([^)]*\)")
#: findings-cell labels of s000 Table 1 -> endpoint notation
FINDINGS = {"ORR": "ORR", "DCR": "DCR", "median TTP": "TTP", "medianTTP": "TTP", "median DOR": "DOR",
            "mPFS": "mPFS", "mOS": "mOS", "OS": "mOS", "12 mPFS": "PFS-12m", "12 mOS": "OS-12m"}
#: a findings cell that reports no value
NOTHING = {"NE", "NA", "/"}
#: table placeholders, never values: "NA" not available (s000 Tables 1 and 2 footnotes), "/" and
#: "-" an empty cell; a statement cell holding one states nothing (QC placeholder-values.rq)
PLACEHOLDERS = {"NA", "N/A", "/", "-", "–", "—", "NE", "NR", ""}
#: s000 Table 1's footnote: "NR: Not reported" (not "not reached", as NR means in s001 Table 1)
NOT_REPORTED = {"s000/table-1": {"NR"}}
#: endpoints that depend on the response criteria
RESPONSE_ENDPOINTS = {"ORR", "DCR", "CR", "PR", "SD", "PD"}
#: s001 Table 1 columns -> endpoint notation
T1_COLUMNS = {"mOS (months)": "mOS", "mPFS (months)": "mPFS", "ORR (%)": "ORR", "DCR (%)": "DCR",
              "CR (%)": "CR", "PR (%)": "PR", "SD (%)": "SD", "PD (%)": "PD", "AEs (grade ≥ 3)": "AE>=3"}


def disputed_by(note: m.RowNote) -> dict:
    """What a row note that disputes a value adds to its evidence."""
    return {"disputed": True, "note": note.reason}


@dataclass
class Corrections:
    """The row notes by (table key, row); each applied one is recorded for the graph."""

    notes: dict[tuple[str, int], m.RowNote]
    applied: list[tuple[TableRow, m.RowNote]] = field(default_factory=list)

    def note(self, row: TableRow) -> m.RowNote | None:
        note = self.notes.get((row.key, row.row))
        if note is not None:
            self.applied.append((row, note))
        return note


@dataclass
class TableFacts:
    studies: list[m.Study]
    approvals: list[m.Approval]
    #: (drug name, claim) from s000 Table 4's "Drug target" column
    targets: list[tuple[str, m.TargetClaim]]
    claims: list[m.Claim]
    corrections: list[tuple[TableRow, m.RowNote]]


class Reader:
    """Turns the rows of one table into records; shared helpers for all tables."""

    def __init__(self, facts: Facts, lexicon: Lexicon, sources: dict[str, Source], notes: Corrections):
        self.facts, self.lexicon, self.sources, self.notes = facts, lexicon, sources, notes
        self.curated = {s.id: (where, s) for where, s in facts.where("studies")}
        self.studies: dict[str, dict] = {}
        self.targets: list[tuple[str, m.TargetClaim]] = []
        self.claims: list[m.Claim] = []

    def evidence(self, row: TableRow, note: m.RowNote | None) -> dict:
        text = self.sources[row.source].text
        quote = text[row.start : row.end]
        occurrence = count(text[: row.end], quote)  # matches up to and including this one
        self.facts.offsets[(row.source, quote, occurrence)] = (row.start, row.end)
        extra = disputed_by(note) if note and note.disputed else {}
        return {"source": row.source, "quote": quote, "occurrence": occurrence,
                "table": row.table, "row": row.row, **extra}

    @staticmethod
    def cell(ev: dict, note: m.RowNote | None, column: str) -> dict:
        """The row's evidence for one cell: disputed, with the row note's reason, where the note
        disputes that column."""
        if note and column in note.dispute:
            return {**ev, **disputed_by(note)}
        return ev

    def rows(self, rows: list[TableRow]) -> Iterator[tuple[TableRow, dict[str, str], m.RowNote | None]]:
        """Each row not excluded by its note, with its cells as corrected by the note."""
        for row in rows:
            note = self.notes.note(row)
            if note and note.exclude:
                continue
            cells = dict(row.cells)
            if note:
                unknown = set(note.set) - set(cells) - {"arm", "study"}
                if unknown:
                    raise HccKgError(f"tables.yaml: {row.key} row {row.row}: set names unknown columns {sorted(unknown)}")
                cells.update(note.set)
                unknown = set(note.dispute) - set(cells)
                if unknown:
                    raise HccKgError(f"tables.yaml: {row.key} row {row.row}: dispute names unknown columns {sorted(unknown)}")
            yield row, cells, note

    def where(self, row: TableRow, column: str) -> str:
        return f"{self.sources[row.source].file}: {row.table} row {row.row}, column {column!r}"

    def study(self, name: str, row: TableRow, column: str) -> dict:
        """The study record a row adds to: a curated study by any name, or a new registry-only one."""
        entity = self.lexicon.find(name, ("study",))
        if entity is None:
            if not REGISTRY.match(name):
                self.lexicon.resolve(name, self.where(row, column), ("study",))  # raises with nearest
            entity = Entity("study", slugify(name), name)
        return self.studies.setdefault(entity.slug, {
            "id": entity.slug, "name": entity.label, "type": "ClinicalTrial",
            "registry_ids": [name] if REGISTRY.match(name) else [],
            "statements": [], "arms": {}, "measurements": [],
        })

    def components(self, text: str, row: TableRow, column: str) -> list[Entity]:
        names = [PAREN.sub("", part).strip() for part in text.split(" + ")]
        return self.lexicon.regimen_parts(names, self.where(row, column))

    def arm(self, study: dict, regimen: str, row: TableRow, column: str, note: m.RowNote | None,
            chosen: str | None = None, ev: dict | None = None) -> dict:
        """The arm record for a regimen cell: same id as the curated arm with that regimen, if any.

        Where a row note picks a curated arm whose regimen differs from the printed one, the arm
        keeps its curated regimen and the printed one becomes the row's regimen statement (``ev``)
        on it, so the disagreement is data (a conflict) rather than a second arm."""
        parts = self.components(regimen, row, column)
        slug = regimen_slug(parts)
        where, curated = self.curated.get(study["id"], (None, None))
        arm_id = chosen
        if chosen and curated:
            picked = next((a for a in curated.arms if a.id == chosen), None)
            if picked is None:
                raise HccKgError(f"tables.yaml: {row.key} row {row.row}: no arm {chosen!r} in study "
                                 f"{curated.id}; arms: {sorted(a.id for a in curated.arms)}")
            own = self.lexicon.regimen_parts(picked.regimen, f"{where}, arm {chosen}")
            if regimen_slug(own) != slug and ev is not None:
                record = study["arms"].setdefault(chosen, {"id": chosen, "regimen": [p.label for p in own],
                                                           "statements": []})
                self.regimen_statement(record, parts, ev)
                return record
        if arm_id is None and curated:
            same = [a.id for i, a in enumerate(curated.arms)
                    if regimen_slug(self.lexicon.regimen_parts(a.regimen, f"{where}, field arms[{i}].regimen")) == slug]
            if len(same) > 1:
                raise HccKgError(
                    f"{self.where(row, column)}: regimen {regimen!r} matches arms {same} of "
                    f"{curated.id}; pick one with set: {{arm: ...}} in tables.yaml"
                )
            arm_id = same[0] if same else None
        arm_id = arm_id or slug
        disputed = bool(note and note.disputed)
        return study["arms"].setdefault(arm_id, {
            "id": arm_id, "regimen": [p.label for p in parts], "statements": [],
            **(disputed_by(note) if disputed else {}),
        })

    def regimen_statement(self, arm: dict, parts: list[Entity], ev: dict) -> None:
        """The row's statement of the arm's regimen, as printed (once per row)."""
        if not any(st["attribute"] == "regimen" and st["quote"] == ev["quote"] for st in arm["statements"]):
            arm["statements"].append({"attribute": "regimen", "regimen": [p.label for p in parts], **ev})

    def statement(self, target: list, attribute: str, value: str | int, ev: dict) -> None:
        """A statement from a cell; a placeholder cell ("NA": not available) states nothing."""
        if isinstance(value, str) and value.strip() in PLACEHOLDERS:
            return
        target.append({"attribute": attribute, "value": value, **ev})

    def measurement(self, study: dict, arm: str, endpoint: str, cell: str, ev: dict,
                    unit: str | None = None, **extra: str | None) -> None:
        """One measurement from a cell: "/" is nothing reported; NR/NE not reached (unless the
        table's footnote says NR is "not reported"); "<1" below."""
        cell = cell.strip()
        if cell in ("/", "") or cell in NOT_REPORTED.get(f"{ev['source']}/{ev['table']}", ()):
            return
        value: dict = {}
        if cell in ("NR", "NE"):
            value = {"not_reached": True}
        elif cell.startswith("<"):
            value = {"below": cell[1:]}
        else:
            number = cell.removesuffix("%").removesuffix(" months").strip()
            if not re.fullmatch(r"\d+(\.\d+)?", number):
                raise HccKgError(f"{ev['source']} {ev['table']} row {ev['row']}: cannot read value {cell!r} for {endpoint}")
            value = {"value": number}
            unit = unit or ("percent" if cell.endswith("%") else "month" if cell.endswith("months") else None)
        study["measurements"].append({"arm": arm, "endpoint": endpoint, "unit": unit, **value,
                                      **{k: v for k, v in extra.items() if v}, **ev})

    def records(self) -> list[m.Study]:
        out = []
        for raw in self.studies.values():
            raw = {**raw, "arms": list(raw["arms"].values())}
            try:
                out.append(m.Study.model_validate(raw))
            except ValidationError as err:  # a bug in a reader, not in the data
                raise HccKgError(f"table record for study {raw['id']}: {err}") from None
        return out


def s001_table1(r: Reader, rows: list[TableRow]) -> None:
    """One row an arm; a blank trial cell continues the trial above."""
    name = ""
    for row, cells, note in r.rows(rows):
        name = cells.get("study") or cells["Trials"] or name
        if name == "/":
            raise HccKgError(f"{r.where(row, 'Trials')}: no trial named; add a row note naming the study")
        study = r.study(name, row, "Trials")
        ev = r.evidence(row, note)
        arm = r.arm(study, cells["Treatment arms"], row, "Treatment arms", note, cells.get("arm"), ev)
        r.statement(study["statements"], "line", LINES[cells["Line"]], r.cell(ev, note, "Line"))
        r.statement(study["statements"], "phase", cells["Phase"], r.cell(ev, note, "Phase"))
        r.statement(arm["statements"], "patients", int(cells["Num- ber of patients"]),
                    r.cell(ev, note, "Num- ber of patients"))
        for column, endpoint in T1_COLUMNS.items():
            unit = "month" if endpoint in ("mOS", "mPFS") else "percent"
            r.measurement(study, arm["id"], endpoint, cells[column], r.cell(ev, note, column), unit)


def s001_table2(r: Reader, rows: list[TableRow]) -> None:
    """One row an ongoing registered trial: ICI + targeted drug, one arm."""
    for row, cells, note in r.rows(rows):
        study = r.study(cells["Clinical trial ID"], row, "Clinical trial ID")
        ev = r.evidence(row, note)
        regimen = f"{cells['Immune checkpoint inhibitors']} + {cells['Targeted drugs']}"
        arm = r.arm(study, regimen, row, "Immune checkpoint inhibitors", note, cells.get("arm"), ev)
        # the table's word on what the trial gives: a text naming other drugs is then a conflict
        r.regimen_statement(arm, r.components(regimen, row, "Immune checkpoint inhibitors"), ev)
        r.statement(study["statements"], "line", LINES[cells["Line"]], ev)
        r.statement(study["statements"], "phase", PHASES[cells["Phase"]], ev)
        r.statement(study["statements"], "enrollment", int(cells["Estimated enrollment patients"]), ev)
        r.statement(study["statements"], "status", cells["Recruitment status"], ev)
        r.statement(study["statements"], "country", cells["Location countries"], ev)


def _phase_or_design(cell: str) -> tuple[str, str]:
    phase = "".join(ROMAN.get(ch, ch) for ch in cell)
    return ("design", cell) if phase.endswith("study") else ("phase", phase)


def _common_000(r: Reader, study: dict, cells: dict[str, str], ev: dict) -> None:
    attribute, value = _phase_or_design(cells["Study phase"])
    r.statement(study["statements"], attribute, value, ev)
    r.statement(study["statements"], "population", cells["Patient population"], ev)
    for country in cells["Region"].split(", "):
        r.statement(study["statements"], "country", country, ev)


def s000_table1(r: Reader, rows: list[TableRow]) -> None:
    """One row a study; its findings cell reads "EP: a vs b; EP2: ...", positions -> arms."""
    for row, cells, note in r.rows(rows):
        study = r.study(cells.get("study") or cells["Study"], row, "Study")
        if cells["NCT ID"] not in study["registry_ids"]:
            study["registry_ids"].append(cells["NCT ID"])
        ev = r.evidence(row, note)
        _common_000(r, study, cells, ev)
        r.statement(study["statements"], "enrollment", int(cells["Sample size"]), ev)
        if note and note.groups:  # curated: which arm each "a vs b" position stands for
            groups = note.groups
            printed = cells["Intervention measures"].split("/")
            for group in groups:
                if group.printed is None:
                    continue
                if group.printed not in printed:
                    raise HccKgError(f"tables.yaml: {row.key} row {row.row}: printed {group.printed!r} is not "
                                     f"one of the row's interventions {printed}")
                r.arm(study, group.printed, row, "Intervention measures", note, group.arm, ev)
        else:
            groups = [m.Group(arm=r.arm(study, a, row, "Intervention measures", note)["id"])
                      for a in cells["Intervention measures"].split("/")]
        if cells["Finding"] in NOTHING:
            continue
        for part in cells["Finding"].split("; "):
            label, _, values = part.partition(": ")
            if label not in FINDINGS:
                raise HccKgError(f"{r.where(row, 'Finding')}: unknown endpoint label {label!r}")
            values = values.split(" vs ")
            if len(values) != len(groups):
                raise HccKgError(
                    f"{r.where(row, 'Finding')}: {label} has {len(values)} values for {len(groups)} "
                    "arms; map them with groups in tables.yaml"
                )
            endpoint = FINDINGS[label]
            for group, value in zip(groups, values):
                if group.arm is None:
                    continue
                criteria = group.criteria if endpoint in RESPONSE_ENDPOINTS else None
                group_ev = {**ev, **disputed_by(note)} if group.disputed else ev
                r.measurement(study, group.arm, endpoint, value, group_ev,
                              criteria=criteria, qualifier=group.qualifier)


def s000_table2(r: Reader, rows: list[TableRow]) -> None:
    """One row a completed registered trial; "/" separates arms."""
    for row, cells, note in r.rows(rows):
        study = r.study(cells["NCT ID"], row, "NCT ID")
        ev = r.evidence(row, note)
        _common_000(r, study, cells, ev)
        for regimen in cells["Intervention measures"].split("/"):
            r.arm(study, regimen, row, "Intervention measures", note)


def s000_table4(r: Reader, rows: list[TableRow]) -> list[m.Approval]:
    """One row an approved drug (or pair) for HCC, its launch year and whether listed in China.

    A row naming one drug also states its target; a pair's targets ("PD-1 + CTLA-4" for
    tremelimumab + durvalumab) cannot be paired with its drugs, so they are not read.
    """
    approvals = []
    for row, cells, note in r.rows(rows):
        ev = r.evidence(row, note)
        parts = r.components(cells["Drug name"], row, "Drug name")
        approvals.append(m.Approval(
            id=f"s000-table-4-{regimen_slug(parts)}", regimen=[p.label for p in parts],
            year=int(cells["Drug launch time"]), indication="hepatocellular carcinoma",
            listed_in_china={"Yes": True, "No": False}[cells["Listed in China"]], **ev,
        ))
        if len(parts) == 1:
            r.targets.append((parts[0].label, m.TargetClaim(target=cells["Drug target"], **ev)))
    return approvals


def s000_table3(r: Reader, rows: list[TableRow]) -> None:
    """One row a limitation of current clinical trials and its proposed solution."""
    for row, cells, note in r.rows(rows):
        r.claims.append(m.Claim(
            id=f"s000-table-3-row-{row.row}",
            topic=f"limitation of clinical trials: {cells['Limitations']} / proposed solution: {cells['Solution']}",
            **r.evidence(row, note)))


READERS: dict[str, Callable[[Reader, list[TableRow]], object]] = {
    "s001/table-1": s001_table1,
    "s001/table-2": s001_table2,
    "s000/table-1": s000_table1,
    "s000/table-2": s000_table2,
    "s000/table-3": s000_table3,
    "s000/table-4": s000_table4,
}


def table_facts(facts: Facts, lexicon: Lexicon, sources: dict[str, Source],
                tables: dict[str, list[TableRow]]) -> TableFacts:
    """Records from every table row; a row note naming a row that does not exist is an error."""
    notes = {}
    for where, note in facts.where("tables"):
        rows = tables.get(note.table)
        if rows is None or note.row > len(rows):
            raise HccKgError(f"{where}: no such table row {note.table} row {note.row}")
        notes[(note.table, note.row)] = note
    corrections = Corrections(notes)
    reader = Reader(facts, lexicon, sources, corrections)
    approvals: list[m.Approval] = []
    for key, read in READERS.items():
        approvals += read(reader, tables[key]) or []
    return TableFacts(reader.records(), approvals, reader.targets, reader.claims, corrections.applied)
