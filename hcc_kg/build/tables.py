"""Tables stage: the five source tables parsed from the text into row records (every row, every cell).

Two layouts occur: s001 prints a table as one tab-separated line per row; s000 prints every cell
on its own line starting with a tab (a cell may wrap onto a following line), rows separated by a
blank line. Each row keeps its exact text and offsets: the row text is its evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hcc_kg.build.sources import Source
from hcc_kg.errors import HccKgError

BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")


@dataclass(frozen=True)
class TableRow:
    source: str
    table: str  # "table-1"
    row: int  # 1-based data row
    cells: dict[str, str]
    start: int
    end: int

    @property
    def key(self) -> str:
        return f"{self.source}/{self.table}"


#: (source id, table id) -> (layout, the caption line that starts the table)
TABLES: dict[tuple[str, str], tuple[str, str]] = {
    ("s000", "table-1"): ("cells", "Table 1 Summary of clinical study data"),
    ("s000", "table-2"): ("cells", "Table 2 Clinical Trials of hepatocellular carcinoma immunotherapy"),
    ("s000", "table-3"): ("cells", "Table 3 Summarize the limitations"),
    ("s000", "table-4"): ("cells", "Table 4 Immunotherapy drug approved"),
    ("s001", "table-1"): ("lines", "Table 1 The clinical trial outcomes"),
    ("s001", "table-2"): ("lines", "Table 2 The ongoing clinical trials"),
}


def clean(cell: str) -> str:
    """A cell's value: bookmarks removed, white space folded (the evidence keeps the raw text)."""
    return " ".join(BOOKMARK.sub("", cell).split())


def _caption_end(text: str, source: Source, caption: str) -> int:
    at = text.find("\n" + caption)
    if at < 0:
        raise HccKgError(f"{source.file}: table caption {caption!r} not found")
    return text.index("\n", at + 1) + 1


def _lines_table(source: Source, table: str, caption: str) -> list[TableRow]:
    text = source.text
    pos = _caption_end(text, source, caption)
    pos = text.index("\n", pos) + 1 if text[pos] == "\n" else pos  # blank line after the caption
    header_end = text.index("\n", pos)
    header = [clean(h) for h in text[pos:header_end].split("\t")]
    rows, pos = [], header_end + 1
    while pos < len(text) and text[pos] != "\n":
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        cells = text[pos:end].split("\t")
        if len(cells) != len(header):
            raise HccKgError(
                f"{source.file}: {table} row {len(rows) + 1} has {len(cells)} cells, header has {len(header)}"
            )
        rows.append(TableRow(source.id, table, len(rows) + 1,
                             dict(zip(header, map(clean, cells))), pos, end))
        pos = end + 1
    return rows


def _cell_blocks(text: str, pos: int) -> list[tuple[int, int]]:
    """Spans of the blank-line-separated blocks of tab-led cell lines starting at ``pos``."""
    blocks = []
    while True:
        while text.startswith("\n", pos):
            pos += 1
        if not text.startswith("\t", pos):
            return blocks
        end = text.find("\n\n", pos)
        end = len(text) if end < 0 else end
        blocks.append((pos, end))
        pos = end


def _cells(block: str) -> list[str]:
    return [clean(c) for c in block.split("\n\t")] if block else []


def _cells_table(source: Source, table: str, caption: str) -> list[TableRow]:
    text = source.text
    blocks = _cell_blocks(text, _caption_end(text, source, caption))
    if not blocks:
        raise HccKgError(f"{source.file}: {table} has no rows")
    (hs, he), rows = blocks[0], []
    header = _cells(text[hs + 1 : he])
    for start, end in blocks[1:]:
        cells = _cells(text[start + 1 : end])
        if len(cells) != len(header):
            raise HccKgError(
                f"{source.file}: {table} row {len(rows) + 1} has {len(cells)} cells, header has {len(header)}"
            )
        rows.append(TableRow(source.id, table, len(rows) + 1, dict(zip(header, cells)), start, end))
    return rows


LAYOUTS = {"lines": _lines_table, "cells": _cells_table}


def parse_tables(sources: dict[str, Source]) -> dict[str, list[TableRow]]:
    """Every registered table: ``{"s001/table-1": [rows]}``."""
    return {
        f"{sid}/{table}": LAYOUTS[layout](sources[sid], table, caption)
        for (sid, table), (layout, caption) in TABLES.items()
    }
