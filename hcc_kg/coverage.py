"""Coverage: every number stated in a source (before its reference list), covered by an evidence
quote in the graph or excluded by a listed pattern with its reason; the share per source and section.

A second check asks more: is each covered number also a typed value (a decimal or integer literal
of a fact derived from a quote around it), or held only as text (a string value, a population
string, a note)? Numbers of the second kind are listed, unless a ``text_only`` pattern in the
exclusions file gives the reason they are text (a dose, a guideline version, a name)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from hcc_kg.constants import FACTS
from hcc_kg.errors import HccKgError
from hcc_kg.sources import Source, read_yaml

#: a number standing on its own: not part of a name such as PD-1, CD8, IL-2, Y90 or IBI-305
NUMBER = re.compile(r"(?<![A-Za-z0-9\-./_])\d+(?:[.,]\d+)*(?![A-Za-z0-9])")
HEADING = re.compile(r"(?m)^(?:[A-Z][A-Za-z0-9 ,:+\-'’/()]{2,95})$")
EXCLUSIONS = FACTS / "coverage-exclusions.yaml"


@dataclass
class Span:
    start: int
    end: int
    section: str
    covered: bool = False
    excluded: str | None = None
    #: a typed value of a fact whose quote covers it equals this number (None: not checked)
    typed: bool | None = None
    #: why this number is text only, from the exclusions file's text_only patterns
    text_reason: str | None = None


@dataclass
class SourceCoverage:
    source: Source
    spans: list[Span] = field(default_factory=list)

    def counted(self) -> list[Span]:
        return [s for s in self.spans if s.excluded is None]

    def share(self, spans: list[Span] | None = None) -> float:
        spans = self.counted() if spans is None else spans
        return 1.0 if not spans else sum(s.covered for s in spans) / len(spans)

    def text_only(self) -> list[Span]:
        """Covered numbers that no typed value holds and no text_only pattern explains."""
        return [s for s in self.counted() if s.covered and s.typed is False and s.text_reason is None]


def _sections(text: str, end: int) -> list[tuple[int, str]]:
    """(start, heading) of each section: short title-like lines on their own between blank lines."""
    out = [(0, "(front matter)")]
    for m in HEADING.finditer(text, 0, end):
        before, after = text[max(0, m.start() - 2):m.start()], text[m.end():m.end() + 2]
        standalone = before.endswith("\n\n") or m.start() == 0 or after.startswith("\n\n") or m.group().isupper()
        if standalone and not m.group().rstrip().endswith(".") and len(m.group().split()) <= 14:
            out.append((m.start(), m.group().strip()))
    return out


def _patterns(config: dict, key: str) -> list[tuple[re.Pattern, str]]:
    try:
        return [(re.compile(p["pattern"]), p["reason"]) for p in config.get(key, [])]
    except (KeyError, TypeError, re.error) as err:
        raise HccKgError(f"{EXCLUSIONS}: bad {key} entry: {err}") from None


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def coverage(sources: dict[str, Source], quote_spans: dict[str, list[tuple[int, int]]],
             typed: dict[str, list[tuple[int, int, set[Decimal]]]] | None = None) -> list[SourceCoverage]:
    """Number spans per source, each marked covered (inside a quote), excluded, or neither; with
    ``typed`` (quote offsets -> the typed numbers of the facts derived from it) also whether a
    typed value holds it."""
    config = read_yaml(EXCLUSIONS) or {}
    patterns = _patterns(config, "patterns")
    text_patterns = _patterns(config, "text_only")
    result = []
    for sid, source in sorted(sources.items()):
        text = source.text
        marker = (config.get("sources", {}).get(sid) or {}).get("end_marker")
        end = text.find(marker) if marker else len(text)
        end = len(text) if end < 0 else end
        excluded: list[tuple[int, int, str]] = [
            (m.start(), m.end(), reason) for rx, reason in patterns for m in rx.finditer(text, 0, end)
        ]
        text_only = [(m.start(), m.end(), reason) for rx, reason in text_patterns
                     for m in rx.finditer(text, 0, end)]
        quotes = sorted(quote_spans.get(sid, []))
        sections = _sections(text, end)
        cov = SourceCoverage(source)
        for m in NUMBER.finditer(text, 0, end):
            section = [name for start, name in sections if start <= m.start()][-1]
            span = Span(m.start(), m.end(), section)
            span.excluded = next((r for s, e, r in excluded if s <= m.start() and m.end() <= e), None)
            span.covered = any(s <= m.start() and m.end() <= e for s, e in quotes)
            if typed is not None:
                number = _number(m.group())
                span.typed = any(s <= m.start() and m.end() <= e and number in values
                                 for s, e, values in typed.get(sid, []))
                span.text_reason = next((r for s, e, r in text_only if s <= m.start() and m.end() <= e), None)
            cov.spans.append(span)
        result.append(cov)
    return result


def _in_context(text: str, span: Span, context: int) -> str:
    """One listed number, bold, with ``context`` characters either side and its section."""
    before = text[max(0, span.start - context):span.start].replace("\n", " ")
    after = text[span.end:span.end + context].replace("\n", " ")
    return f"- {span.start}: …{before}**{text[span.start:span.end]}**{after}… ({span.section})"


def report(results: list[SourceCoverage], context: int = 50, typed: dict[str, int] | None = None) -> str:
    lines = ["# Coverage: numbers stated in the sources and the evidence quotes that cover them", ""]
    if typed:
        lines += ["Typed facts: " + "; ".join(f"{n} {what}" for what, n in typed.items())
                  + " (adverse-event rates with grade range and kind, doses with amount and unit)", ""]
    for cov in results:
        counted = cov.counted()
        covered = sum(s.covered for s in counted)
        lines.append(f"## {cov.source.id} ({cov.source.file}): {cov.share():.1%} covered "
                     f"({covered} of {len(counted)} numbers; {len(cov.spans) - len(counted)} excluded)")
        lines += ["", "| section | covered | numbers | share |", "| --- | ---: | ---: | ---: |"]
        for section in dict.fromkeys(s.section for s in counted):
            spans = [s for s in counted if s.section == section]
            lines.append(f"| {section} | {sum(s.covered for s in spans)} | {len(spans)} | {cov.share(spans):.0%} |")
        uncovered = [s for s in counted if not s.covered]
        lines += ["", f"Uncovered ({len(uncovered)}):", ""]
        text = cov.source.text
        lines += [_in_context(text, s, context) for s in uncovered]
        checked = [s for s in counted if s.covered and s.typed is not None]
        if checked:
            text_only = cov.text_only()
            explained = [s for s in checked if not s.typed and s.text_reason]
            header = (f"Typed values: {sum(bool(s.typed) for s in checked)} of {len(checked)} covered numbers "
                      f"are typed values; {len(explained)} are text by a listed reason; "
                      f"{len(text_only)} are held only as text:")
            lines += ["", header, ""] + [_in_context(text, s, context) for s in text_only]
        lines.append("")
    return "\n".join(lines)


def _quotes(graph):
    """(evidence node, source id, start, end) of every evidence quote in the built graph."""
    from hcc_kg.vocab import OA

    for ev, src in graph.subject_objects(OA.hasSource):
        sid = str(src).rsplit("/", 1)[-1]
        for sel in graph.objects(ev, OA.hasSelector):
            start, end = graph.value(sel, OA.start), graph.value(sel, OA.end)
            if start is not None:
                yield ev, sid, int(start), int(end)


def graph_typed_numbers(graph) -> dict[str, list[tuple[int, int, set[Decimal]]]]:
    """Each evidence quote's offsets with the typed numbers of the facts derived from it."""
    from rdflib.namespace import PROV

    from hcc_kg.vocab import HCC

    props = (HCC.value, HCC.valueBelow, HCC.ciLower, HCC.ciUpper, HCC.hazardRatio, HCC.pValue,
             HCC.pValueBelow, HCC.relativeEffect, HCC.enrollment, HCC.patientCount, HCC.approvalYear,
             HCC.countryCount, HCC.centerCount, HCC.pooledStudyCount, HCC.evaluablePatients, HCC.targetValue,
             HCC.doseAmount, HCC.doseInterval)
    bounds = grade_bounds()

    def typed_values(ev) -> set[Decimal]:
        values: set[Decimal] = set()
        for node in graph.subjects(PROV.wasDerivedFrom, ev):
            objects = [o for p in props for o in graph.objects(node, p)]
            objects += [o for q in graph.objects(node, HCC.quantity) for o in graph.objects(q, HCC.quantityValue)]
            values |= {Decimal(str(o)) for o in objects}
            for grade in graph.objects(node, HCC.aeGrade):  # "grade 3-4": the range's bounds, typed
                values |= bounds.get(grade, set())
            for day in graph.objects(node, HCC.approvalDate):  # 2023-01-31: "January 31, 2023"
                values |= {Decimal(part) for part in str(day).split("-")}
        return values

    out: dict[str, list[tuple[int, int, set[Decimal]]]] = {}
    for ev, sid, start, end in _quotes(graph):
        out.setdefault(sid, []).append((start, end, typed_values(ev)))
    return out


@cache
def grade_bounds() -> dict:
    """Each hcc:AEGrade individual -> {its lowest grade, its highest grade}, from the ontology."""
    from rdflib import Graph

    from hcc_kg.constants import ONTOLOGY
    from hcc_kg.vocab import HCC

    ontology = Graph().parse(ONTOLOGY)
    return {g: {Decimal(str(ontology.value(g, HCC.gradeMin))), Decimal(str(ontology.value(g, HCC.gradeMax)))}
            for g in ontology.subjects(HCC.gradeMin, None)}


def counts(graph) -> dict[str, int]:
    """How many adverse-event rates carry a typed grade range and kind, and how many doses are data."""
    from rdflib import RDF

    from hcc_kg.vocab import HCC

    rates = [m for m in graph.subjects(RDF.type, HCC.OutcomeMeasurement)
             if (m, HCC.aeGrade, None) in graph and (m, HCC.aeKind, None) in graph]
    return {"adverse-event rates": len(rates), "doses": len(set(graph.subjects(HCC.doseAmount, None)))}


def graph_quote_spans(graph) -> dict[str, list[tuple[int, int]]]:
    """Every evidence quote's offsets in the built graph, by source id."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for _, sid, start, end in _quotes(graph):
        spans.setdefault(sid, []).append((start, end))
    return spans
