"""Source pages and the source text, drawn as paragraphs and tables."""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from functools import cached_property

from markupsafe import Markup, escape

from hcc_kg.build.tables import BOOKMARK
from hcc_kg.web.site.core import DERIVED, LABEL, OA, RDF_TYPE, RESOURCE, V, Value


class SourcePages:
    @cached_property
    def tables(self) -> dict[str, list]:
        """Every registered table's rows: ``{"s001/table-1": [TableRow, ...]}``."""
        from hcc_kg.build.tables import parse_tables

        return parse_tables(self.sources)

    def table_cells(self, ev: str) -> dict[str, str] | None:
        """header -> cell of the table row an evidence quotes; None for a quote of running text."""
        table, row = self.first(ev, str(V.tableName)), self.first(ev, str(V.tableRow))
        source = self.first(ev, str(OA.hasSource))
        if table is None or row is None or source is None:
            return None
        rows = self.tables.get(f"{source.rsplit('/', 1)[-1]}/{table}", [])
        return rows[int(row) - 1].cells if 0 < int(row) <= len(rows) else None

    @cached_property
    def texts(self) -> dict[str, SourceText]:
        from hcc_kg.build.tables import TABLES

        tables = self.tables
        out = {}
        for sid, source in self.sources.items():
            spans = [(layout, caption, tables[f"{sid}/{table}"]) for (s, table), (layout, caption) in TABLES.items()
                     if s == sid]
            out[sid] = SourceText(source.text, spans)
        return out

    def source_page(self, iri: str) -> str:
        root = "../../"
        sid = iri.rsplit("/", 1)[-1]
        evidence = [(s, e, Value(self.evidence_name(ev) + f" {s}-{e}", self.href(ev, root)),
                     [self.link(f, root) if f.startswith(RESOURCE) else None
                      for f, p in self.into.get(ev, []) if p == DERIVED])
                    for s, e, ev in self.spans.get(sid, [])]
        props = [(self.prop_label(p), [self.value(o, root) for o in objs])
                 for p, objs in sorted(self.out[iri].items()) if p not in (RDF_TYPE, LABEL)]
        return self.render("source.html", root, iri=iri, title=self.title(iri), props=props,
                           evidence=evidence, body=self.texts[sid].html(-1, -1) if sid in self.texts else "")


# --- the source text, drawn as paragraphs and tables -----------------------------------------------
@dataclass
class Block:
    """A paragraph or a table cell: characters [start, end) of the source, drawn in one element."""

    start: int
    end: int


#: source residue drawn hidden: Word bookmarks, and the dollar signs around inline LaTeX ($p < 0.001$)
MATH = re.compile(r"\$([^$\n]{1,80})\$")
VISIBLE_MARK = re.compile(r'(?<!<span class="sep">)<mark class="hl">')


def residue(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` not to display: bookmarks, and LaTeX's ``$`` delimiters (the formula
    inside reads as plain text: the sources' formulas are comparisons such as ``p < 0.001``)."""
    spans = [m.span() for m in BOOKMARK.finditer(text)]
    for m in MATH.finditer(text):
        spans += [(m.start(), m.start() + 1), (m.end() - 1, m.end())]
    return sorted(spans)


class SourceText:
    """A source's text as HTML blocks: paragraphs, and tables as tables (every character drawn once,
    separators kept in hidden spans so a highlighted span's text is exactly the quote)."""

    def __init__(self, text: str, tables: list[tuple[str, str, list]]):
        self.text = text
        self.parts: list[tuple[int, int, object]] = []  # (start, end, layout) in text order
        pos = 0
        for layout, caption, rows in sorted(tables, key=lambda t: t[2][0].start):
            start = text.find("\n" + caption) + 1
            end = rows[-1].end
            self._paragraphs(pos, start)
            self.parts.append((start, end, self._table(layout, start, rows)))
            pos = end
        self._paragraphs(pos, len(text))
        self.hidden = residue(text)
        self.starts = [p[0] for p in self.parts]
        self.cache = [self._draw(p, -1, -1) for p in self.parts]

    def _paragraphs(self, start: int, end: int) -> None:
        for m in re.finditer(r"[^\n]*\n*", self.text[start:end]):
            if m.group():
                self.parts.append((start + m.start(), start + m.end(), None))

    def _cells(self, layout: str, start: int, end: int) -> list[Block]:
        if layout == "lines":  # a row that starts with a tab has an empty first cell: [start, start)
            cuts = [start, *(i for i in range(start, end) if self.text[i] == "\t")]
        else:
            cuts = [i for i in range(start, end) if self.text[i] == "\t" and (i == start or self.text[i - 1] == "\n")]
        return [Block(a, b) for a, b in zip(cuts, cuts[1:] + [end])]

    def _table(self, layout: str, start: int, rows: list) -> dict:
        caption_end = self.text.index("\n", start)
        first = rows[0].start
        if layout == "lines":
            header_start = self.text.rfind("\n", 0, first - 1) + 1
        else:
            header_start = self.text.index("\t", caption_end)
        bounds = [r.start for r in rows] + [rows[-1].end]
        return {"id": rows[0].table, "caption": Block(start, header_start),
                "header": self._cells(layout, header_start, first),
                "rows": [(r.row, self._cells(layout, a, b)) for r, a, b in zip(rows, bounds, bounds[1:])]}

    def piece(self, start: int, end: int, hs: int, he: int) -> str:
        """Characters [start, end), hidden where they are white space at either end or source
        residue (``residue``), the overlap with [hs, he) marked. Hidden characters stay in the page
        (``display: none``), so the marked text is exactly the quote."""
        text = self.text[start:end]
        lead = start + len(text) - len(text.lstrip("\t\n"))
        trail = end - (len(text) - len(text.rstrip("\t\n")) if text.strip("\t\n") else 0)
        spans = [(start, lead), (trail, end)] + [(max(a, start), min(b, end)) for a, b in self.hidden
                                                  if a < end and b > start]
        cuts = sorted({start, end, *(x for ab in spans for x in ab), *(x for x in (hs, he) if start < x < end)})
        out = []
        for x, y in itertools.pairwise(cuts):
            if x >= y:
                continue
            chunk = str(escape(self.text[x:y]))
            if hs <= x and y <= he and hs < he:
                chunk = f'<mark class="hl">{chunk}</mark>'
            out.append(f'<span class="sep">{chunk}</span>' if any(a <= x and y <= b for a, b in spans) else chunk)
        return "".join(out)

    def _draw(self, part: tuple, hs: int, he: int) -> str:
        start, end, table = part
        if table is None:
            return f'<p data-start="{start}">{self.piece(start, end, hs, he)}</p>\n'
        cap = table["caption"]
        out = [f'<table class="source-table" id="{table["id"]}" data-start="{start}">',
               f"<caption>{self.piece(cap.start, cap.end, hs, he)}</caption>\n<thead><tr>"]
        out += [f"<th>{self.piece(c.start, c.end, hs, he)}</th>" for c in table["header"]]
        out.append("</tr></thead>\n<tbody>\n")
        for number, cells in table["rows"]:
            out.append(f'<tr id="{table["id"]}-row-{number}">')
            out += [f"<td>{self.piece(c.start, c.end, hs, he)}</td>" for c in cells]
            out.append("</tr>\n")
        out.append("</tbody></table>\n")
        return "".join(out)

    def html(self, hs: int, he: int) -> Markup:
        """The whole text with [hs, he) highlighted (nothing for -1, -1)."""
        if hs < 0:
            return Markup("".join(self.cache))
        first = max(0, bisect.bisect_right(self.starts, hs) - 1)
        last = bisect.bisect_left(self.starts, he, lo=first)
        drawn = "".join(self._draw(part, hs, he) for part in self.parts[first:last])
        # the first mark that is shown gets id="hl" (the link's target): a hidden one has no box to
        # scroll to (a table row's quote starts with the hidden tab of an empty first cell)
        shown = VISIBLE_MARK.search(drawn) or re.search('<mark class="hl">', drawn)
        if shown:
            drawn = drawn[:shown.end() - 1] + ' id="hl">' + drawn[shown.end():]
        return Markup("".join(self.cache[:first]) + drawn + "".join(self.cache[last:]))
