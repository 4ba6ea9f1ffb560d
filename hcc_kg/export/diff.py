"""Diff stage: what changed between two releases, fact by fact, with the evidence of each.

A fact is a subject and a property with its set of values, in the ontology, asserted and inferred
graphs (the metadata graph describes the release itself and is left out). Blank nodes (OWL
restrictions, RDF lists) are compared by their content, written into the fact that refers to
them, so relabelled blank nodes are no change. Each change names its kind (from the IRI:
``drug``, ``measurement``, ``ontology``, ...), its entity and property, the values before and
after, and the quotes its evidence gives in the release that holds it. Release folders are also
compared file by file through their build receipts.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hcc_kg.constants import GRAPH, HCC, RECEIPT, RELEASE_NQ, RESOURCE
from hcc_kg.errors import HccKgError

DATA_GRAPHS = {f"{GRAPH}{name}" for name in ("ontology", "asserted", "inferred")}
PROV = "http://www.w3.org/ns/prov#wasDerivedFrom"
DESCRIBES = f"{HCC}describes"
SELECTOR, EXACT, SOURCE = ("http://www.w3.org/ns/oa#hasSelector", "http://www.w3.org/ns/oa#exact",
                           "http://www.w3.org/ns/oa#hasSource")
EXCERPT = f"{HCC}excerpt"


@dataclass
class Change:
    kind: str
    entity: str
    property: str
    change: str  # added, removed or changed
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


@dataclass
class Diff:
    changes: list[Change]
    files: dict[str, list[str]]

    def counts(self) -> dict[str, Counter]:
        out: dict[str, Counter] = defaultdict(Counter)
        for c in self.changes:
            out[c.kind][c.change] += 1
        return dict(sorted(out.items()))


class Release:
    """The facts of one release: (subject, property) -> values, blank nodes folded in."""

    def __init__(self, path: Path):
        import pyoxigraph as ox

        self.path = path
        nq = path / RELEASE_NQ if path.is_dir() else path
        try:
            quads = list(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS))
        except OSError as err:
            raise HccKgError(f"{nq}: cannot read the release: {err.strerror or err}") from None
        except SyntaxError as err:
            raise HccKgError(f"{nq}: not valid N-Quads: {err}") from None
        triples = {(q.subject, q.predicate, q.object) for q in quads
                   if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in DATA_GRAPHS}
        self.blank = {}
        out = defaultdict(list)
        for s, p, o in triples:
            out[s].append((p, o))
        self.out = out
        referenced = {o for _, _, o in triples if isinstance(o, ox.BlankNode)}
        self.facts: dict[tuple[str, str], set[str]] = defaultdict(set)
        for s, p, o in triples:
            if isinstance(s, ox.BlankNode) and s in referenced:
                continue  # folded into the fact that refers to it
            self.facts[(self.key(s), p.value)].add(self.key(o))

    def key(self, term, depth: int = 0) -> str:
        """A term as text; a blank node as its sorted content, recursively."""
        import pyoxigraph as ox

        if not isinstance(term, ox.BlankNode):
            return str(term)
        if term not in self.blank:
            if depth > 50:
                raise HccKgError(f"{self.path}: blank nodes nested deeper than 50 (a cycle?)")
            inner = sorted(f"{p} {self.key(o, depth + 1)}" for p, o in self.out[term])
            self.blank[term] = "[ " + " ; ".join(inner) + " ]"
        return self.blank[term]

    def evidence(self, subject: str, prop: str, value: str) -> list[str]:
        """The quotes (or external excerpts) of the subject's evidence, and of the statements that
        describe it with this property and value."""
        if not hasattr(self, "describers"):
            self.describers = defaultdict(set)
            for (s, p), vs in self.facts.items():
                if p == DESCRIBES:
                    for v in vs:
                        self.describers[v].add(s)
        nodes = {subject} | {s for s in self.describers.get(subject, ()) if value in self.facts.get((s, prop), ())}
        quotes = []
        for node in sorted(nodes):
            for ev in sorted(self.facts.get((node, PROV), ())):
                source = short(next(iter(self.facts.get((ev, SOURCE), {""})), ""))
                for selector in sorted(self.facts.get((ev, SELECTOR), ())):
                    quotes += [f"{source}: {q}" for q in sorted(self.facts.get((selector, EXACT), ()))]
                quotes += [f"external: {q}" for q in sorted(self.facts.get((ev, EXCERPT), ()))]
        return quotes

    def outputs(self) -> dict[str, str]:
        receipt = self.path / RECEIPT
        if not self.path.is_dir() or not receipt.exists():
            return {}
        try:
            return json.loads(receipt.read_text(encoding="utf-8"))["outputs"]
        except (ValueError, KeyError, TypeError):
            raise HccKgError(f"{receipt}: unreadable build receipt") from None


def short(text: str) -> str:
    """An IRI as drug:atezolizumab / hcc:MedianOS; other terms as they are."""
    iri = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    if iri.startswith(RESOURCE):
        kind, _, local = iri.removeprefix(RESOURCE).partition("/")
        return f"{kind}:{local}"
    if iri.startswith(HCC):
        return f"hcc:{iri.removeprefix(HCC)}"
    return text


def kind_of(subject: str) -> str:
    iri = subject.strip("<>")
    if iri.startswith(RESOURCE):
        return iri.removeprefix(RESOURCE).partition("/")[0]
    if iri.startswith(HCC.rstrip("#")) or subject.startswith("["):
        return "ontology"
    return "other"


def diff(old_path: Path, new_path: Path) -> Diff:
    old, new = Release(old_path), Release(new_path)
    changes = []
    for key in sorted(set(old.facts) | set(new.facts)):
        before, after = old.facts.get(key, set()), new.facts.get(key, set())
        if before == after:
            continue
        subject, prop = key
        gone, came = sorted(before - after), sorted(after - before)
        change = "changed" if gone and came else "removed" if gone else "added"
        evidence = [f"old {q}" for v in gone for q in old.evidence(subject, prop, v)]
        evidence += [f"new {q}" for v in came for q in new.evidence(subject, prop, v)]
        changes.append(Change(kind_of(subject), short(subject), short(prop), change,
                              [short(v) for v in gone], [short(v) for v in came], sorted(set(evidence))))
    before, after = old.outputs(), new.outputs()
    files = {"added": sorted(set(after) - set(before)), "removed": sorted(set(before) - set(after)),
             "changed": sorted(n for n in set(before) & set(after) if before[n] != after[n])}
    return Diff(changes, files)


def summary(d: Diff) -> list[str]:
    if not d.changes:
        lines = ["No fact changed."]
    else:
        total = Counter(c.change for c in d.changes)
        lines = [f"Facts: {total['added']} added, {total['removed']} removed, {total['changed']} changed."]
        lines += [f"- {kind}: " + ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
                  for kind, counts in d.counts().items()]
    for what in ("added", "removed", "changed"):
        if d.files[what]:
            lines.append(f"Files {what}: {', '.join(d.files[what])}.")
    return lines


def render(d: Diff, fmt: str = "text") -> str:
    """The diff as text (summary, then each change with its evidence), markdown or JSON."""
    if fmt == "json":
        return json.dumps({"changes": [asdict(c) for c in d.changes], "files": d.files,
                           "counts": {k: dict(v) for k, v in d.counts().items()}}, indent=2,
                          ensure_ascii=False) + "\n"
    bullet = "- " if fmt == "markdown" else ""
    lines = [bullet + line if fmt == "markdown" and not line.startswith("- ") else line for line in summary(d)]
    if fmt == "markdown":
        return "\n".join(lines) + "\n"
    for c in d.changes:
        lines.append(f"{c.change} {c.kind} {c.entity} {c.property}")
        lines += [f"  - {v}" for v in c.old] + [f"  + {v}" for v in c.new]
        lines += [f"    evidence ({q})" for q in c.evidence]
    return "\n".join(lines) + "\n"
