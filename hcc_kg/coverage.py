"""Coverage: every number stated in a source (before its reference list), covered by an evidence
quote in the graph or excluded by a listed pattern with its reason; the share per source and section."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


@dataclass
class SourceCoverage:
    source: Source
    spans: list[Span] = field(default_factory=list)

    def counted(self) -> list[Span]:
        return [s for s in self.spans if s.excluded is None]

    def share(self, spans: list[Span] | None = None) -> float:
        spans = self.counted() if spans is None else spans
        return 1.0 if not spans else sum(s.covered for s in spans) / len(spans)


def _sections(text: str, end: int) -> list[tuple[int, str]]:
    """(start, heading) of each section: short title-like lines on their own between blank lines."""
    out = [(0, "(front matter)")]
    for m in HEADING.finditer(text, 0, end):
        before, after = text[max(0, m.start() - 2):m.start()], text[m.end():m.end() + 2]
        if before.endswith("\n\n") or m.start() == 0 or after.startswith("\n\n") or m.group().isupper():
            if not m.group().rstrip().endswith(".") and len(m.group().split()) <= 14:
                out.append((m.start(), m.group().strip()))
    return out


def coverage(sources: dict[str, Source], quote_spans: dict[str, list[tuple[int, int]]]) -> list[SourceCoverage]:
    """Number spans per source, each marked covered (inside a quote), excluded, or neither."""
    config = read_yaml(EXCLUSIONS) or {}
    try:
        patterns = [(re.compile(p["pattern"]), p["reason"]) for p in config.get("patterns", [])]
    except (KeyError, TypeError, re.error) as err:
        raise HccKgError(f"{EXCLUSIONS}: bad pattern entry: {err}") from None
    result = []
    for sid, source in sorted(sources.items()):
        text = source.text
        marker = (config.get("sources", {}).get(sid) or {}).get("end_marker")
        end = text.find(marker) if marker else len(text)
        end = len(text) if end < 0 else end
        excluded: list[tuple[int, int, str]] = [
            (m.start(), m.end(), reason) for rx, reason in patterns for m in rx.finditer(text, 0, end)
        ]
        quotes = sorted(quote_spans.get(sid, []))
        sections = _sections(text, end)
        cov = SourceCoverage(source)
        for m in NUMBER.finditer(text, 0, end):
            section = [name for start, name in sections if start <= m.start()][-1]
            span = Span(m.start(), m.end(), section)
            span.excluded = next((r for s, e, r in excluded if s <= m.start() and m.end() <= e), None)
            span.covered = any(s <= m.start() and m.end() <= e for s, e in quotes)
            cov.spans.append(span)
        result.append(cov)
    return result


def report(results: list[SourceCoverage], context: int = 50) -> str:
    lines = ["# Coverage: numbers stated in the sources and the evidence quotes that cover them", ""]
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
        for s in uncovered:
            before = text[max(0, s.start - context):s.start].replace("\n", " ")
            after = text[s.end:s.end + context].replace("\n", " ")
            lines.append(f"- {s.start}: …{before}**{text[s.start:s.end]}**{after}… ({s.section})")
        lines.append("")
    return "\n".join(lines)


def graph_quote_spans(graph) -> dict[str, list[tuple[int, int]]]:
    """Every evidence quote's offsets in the built graph, by source id."""
    from hcc_kg.vocab import OA

    spans: dict[str, list[tuple[int, int]]] = {}
    for ev, src in graph.subject_objects(OA.hasSource):
        sid = str(src).rsplit("/", 1)[-1]
        for sel in graph.objects(ev, OA.hasSelector):
            start, end = graph.value(sel, OA.start), graph.value(sel, OA.end)
            if start is not None:
                spans.setdefault(sid, []).append((int(start), int(end)))
    return spans
