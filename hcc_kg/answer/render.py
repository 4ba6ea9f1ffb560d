"""Render stage: a query result as a terminal table (rich), CSV (RFC 4180), TSV (IANA), JSON or an
Excel workbook (xlsx, one sheet per answer, typed cells).

The terminal view fits the terminal's width: a table whose cells wrap when every column can keep
a readable width, otherwise one block per row (column, value), as psql's ``\\x`` does. Nothing is
cut: every value is printed whole. Columns holding the same value in every row are printed once
above the rows, columns empty in every row are named below them; IRIs show their label where the
graph has one (the row count says so); a column with a unit (a query's ``# units:`` header) shows
it after each value, and a column of "; "-joined values (its ``# lists:`` header) shows one value
a line.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import shutil
from collections.abc import Callable

from hcc_kg.constants import RESOURCE

#: a column is at least as wide as its longest word (a word is folded only past this width); when
#: the columns cannot all have that, the rows are printed as blocks
MIN_COLUMN = 24
#: a table row taller than this many lines reads better as a block
MAX_ROW_LINES = 16
#: what a tab inside a value (a quote from a table row) looks like in the terminal
TAB = " ⇥ "


def render(result, fmt: str = "table", store=None, query=None, width: int | None = None,
           full_quotes: bool = False) -> str:
    """``result`` (a store.Result) in one of the formats of the registry ``FORMATS``; ``store``
    gives the terminal view its labels, ``query`` (a store.CannedQuery) its units, lists and the
    quotes the table view shortens (unless ``full_quotes``; the expanded view keeps them whole)."""
    if fmt in ("table", "expanded"):
        short = query.quotes if query and fmt == "table" and not full_quotes else {}
        if short:
            result = shortened(result, short)
        return terminal(result, expanded=fmt == "expanded", store=store, width=width,
                        units=query.units if query else {}, lists=query.lists if query else [])
    return FORMATS[fmt](result)


def shortened(result, quotes: dict[str, str]):
    """The result with each quote column cut to the sentence or table cell holding its value."""
    from hcc_kg.answer.display import needles, shorten
    from hcc_kg.answer.store import Result

    at = {result.columns.index(q): result.columns.index(v) for q, v in quotes.items()
          if q in result.columns and v in result.columns}
    rows = [[shorten(cell, needles(row[at[i]])) if i in at and cell else cell for i, cell in enumerate(row)]
            for row in result.rows]
    return Result(result.columns, rows, result.datatypes)


def _cells(result) -> list[list[str]]:
    return [["" if v is None else v for v in row] for row in result.rows]


def to_json(result) -> str:
    return json.dumps(result.as_dicts(), indent=2, ensure_ascii=False) + "\n"


def to_csv(result) -> str:
    """RFC 4180: comma-separated, CRLF line ends, a field with a comma, quote or line break quoted."""
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n")
    writer.writerow(result.columns)
    writer.writerows(_cells(result))
    return out.getvalue()


TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def tsv_field(value: str) -> str:
    """IANA text/tab-separated-values allows no tab or line break in a field: they (and the
    backslash, so that the escape can be undone) are written as \\t, \\n, \\r and \\\\."""
    return value.translate(TSV_ESCAPES)


def tsv_unescape(field: str) -> str:
    """The inverse of ``tsv_field``."""
    out, chars = [], iter(field)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
        else:
            out.append(ch)
    return "".join(out)


def to_tsv(result) -> str:
    lines = [result.columns, *_cells(result)]
    return "".join("\t".join(tsv_field(v) for v in line) + "\n" for line in lines)


#: output format -> writer (the registry; the terminal formats are handled by ``terminal``)
FORMATS: dict[str, Callable] = {"csv": to_csv, "tsv": to_tsv, "json": to_json}


XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                              "gYear")}
DECIMALS = {XSD + t for t in ("decimal", "double", "float")}


def typed(value: str | None, datatype: str | None):
    """A cell's value in its own type: integers and years as int, decimals as Decimal (exact, so
    33.2 stays 33.2), booleans as bool, dates as date; any other value as text."""
    import datetime
    from decimal import Decimal, InvalidOperation

    if value is None:
        return None
    try:
        if datatype in INTEGERS:
            return int(value)
        if datatype in DECIMALS:
            return Decimal(value)
        if datatype == XSD + "boolean":
            return value in ("true", "1")
        if datatype == XSD + "date":
            return datetime.date.fromisoformat(value)
    except (ValueError, InvalidOperation):
        pass  # a malformed literal stays text, as the source wrote it
    return value


def to_xlsx(sheets: dict) -> bytes:
    """Sheet name -> store.Result, as an xlsx workbook (openpyxl): a bold, frozen header row, typed
    cells, and text that starts with "=" kept as text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for name, result in sheets.items():
        base = title = re.sub(r"[\\/*?:\[\]]", "-", name)[:31] or "sheet"
        n = 1
        while title in used:  # Excel sheet names are unique, at most 31 characters
            n += 1
            title = f"{base[:27]}-{n}"
        used.add(title)
        sheet = book.create_sheet(title)
        sheet.append(result.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        types = result.datatypes or [[None] * len(result.columns) for _ in result.rows]
        for r, (row, kinds) in enumerate(zip(result.rows, types, strict=True), start=2):
            for c, (value, kind) in enumerate(zip(row, kinds, strict=True), start=1):
                value = typed(value, kind)
                if isinstance(value, str):  # control characters xlsx cannot hold, written as \xNN
                    value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m[0]):02x}", value)
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # "=..." is text, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def labels_of(store, values: set[str]) -> dict[str, str]:
    """IRI -> its rdfs:label, for the IRIs among ``values`` that have one."""
    iris = sorted(v for v in values if v.startswith(("http://", "https://")) and " " not in v)
    if store is None or not iris:
        return {}
    from hcc_kg.answer.store import dataset_options

    block = " ".join(f"<{iri}>" for iri in iris if ">" not in iri and "<" not in iri)
    query = ("SELECT ?e (MIN(STR(?l)) AS ?label) WHERE { VALUES ?e { " + block + " } "
             "?e <http://www.w3.org/2000/01/rdf-schema#label> ?l } GROUP BY ?e")
    return {row["e"].value: row["label"].value for row in store.query(query, **dataset_options(store))
            if row["label"] is not None}


def _shown(value: str, labels: dict[str, str], unit: str | None, is_list: bool) -> str:
    from hcc_kg.answer.display import clean

    value = clean(value)  # Word bookmarks, inline LaTeX: display only, never the stored quote
    if is_list:
        return "\n".join(_shown(v, labels, unit, False) for v in value.split("; "))
    value = labels.get(value, value)
    if value.startswith(RESOURCE):  # an IRI of ours without a label: its prefixed name
        value = value[len(RESOURCE):].replace("/", ":", 1)
    if unit and value:
        value = f"{value}{unit}" if unit == "%" else f"{value} {unit}"
    return value.replace("\t", TAB)


def terminal(result, expanded: bool = False, store=None, units: dict[str, str] | None = None,
             lists: list[str] | None = None, width: int | None = None) -> str:
    """The result for a person at a terminal ``width`` columns wide (default: the terminal's, or
    $COLUMNS, or 120 when the output is not a terminal)."""
    from rich import box
    from rich.console import Console, Group
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    width = width or shutil.get_terminal_size((120, 24)).columns
    labels = labels_of(store, {v for row in result.rows for v in row if v})
    units, lists = units or {}, lists or []
    rows = [[_shown(v, labels, units.get(c), c in lists) for v, c in zip(row, result.columns, strict=True)]
            for row in _cells(result)]
    columns = list(range(len(result.columns)))
    above, empty = [], []
    if len(rows) > 1:  # constant columns once above the rows, empty columns named below them
        empty = [i for i in columns if not any(row[i] for row in rows)]
        above = [i for i in columns if i not in empty and len({row[i] for row in rows}) == 1]
        columns = [i for i in columns if i not in empty and i not in above]
    names = result.columns
    parts: list = [Text(f"{names[i]}: {rows[0][i]}") for i in above]

    def longest_word(i: int) -> int:
        return max([len(names[i])] + [len(w) for row in rows for w in row[i].split()])

    need = sum(min(MIN_COLUMN, longest_word(i)) + 3 for i in columns) + 1
    table = None
    if not expanded and columns and need <= width:
        widths = _fit([max([len(names[i])] + [len(line) for row in rows for line in row[i].splitlines()])
                       for i in columns], [min(MIN_COLUMN, longest_word(i)) for i in columns],
                      width - 3 * len(columns) - 1)
        table = Table(box=box.SQUARE, show_lines=True, header_style="bold")
        for i, w in zip(columns, widths, strict=True):
            table.add_column(names[i], overflow="fold", width=w)
        for row in rows:
            table.add_row(*[Text(row[i]) for i in columns])
        if max(_row_heights(table, width), default=0) > MAX_ROW_LINES:
            table = None
    if table is not None:
        parts.append(table)
    elif columns:
        key_width = max(len(names[i]) for i in columns)
        for n, row in enumerate(rows, 1):
            parts.append(Rule(f"row {n} of {len(rows)}", align="left", characters="─"))
            grid = Table.grid(padding=(0, 2))
            grid.add_column(width=key_width, no_wrap=True, style="bold")
            grid.add_column(overflow="fold")
            for i in columns:
                grid.add_row(Text(names[i]), Text(row[i]))
            parts.append(grid)
    if empty:
        parts.append(Text(f"empty in every row: {', '.join(names[i] for i in empty)}"))
    count = f"{len(rows)} row{'' if len(rows) == 1 else 's'}"
    if labels:  # say so, rather than let a label pass for the value the query returned
        count += "; IRIs shown as labels: --format csv, tsv or json for the IRIs"
    parts.append(Text(f"({count})"))
    out = io.StringIO()
    console = Console(width=width, file=out, color_system=None, highlight=False, markup=False, emoji=False,
                      force_terminal=False, force_jupyter=False, legacy_windows=False, soft_wrap=False)
    console.print(Group(*parts))
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def _fit(natural: list[int], least: list[int], room: int) -> list[int]:
    """Column widths within ``room``: each column its natural width if all fit; otherwise a column
    narrower than an equal share gets all it needs, and the wider ones share what is left in
    proportion to their natural width, none below its least width."""
    if sum(natural) <= room:
        return natural
    widths, wide = list(natural), set(range(len(natural)))
    left = room
    while wide and (small := {i for i in wide if natural[i] <= left / len(wide)}):
        wide -= small
        left -= sum(natural[i] for i in small)
    total = sum(natural[i] for i in wide) or 1
    for i in wide:
        widths[i] = max(least[i], left * natural[i] // total)
    while sum(widths) > room and any(widths[i] > least[i] for i in wide):  # the floors took too much
        widest = max((i for i in wide if widths[i] > least[i]), key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _row_heights(table, width: int) -> list[int]:
    """Lines taken by each body row of a rendered table (rows are separated by rule lines)."""
    from rich.console import Console

    console = Console(width=width, file=io.StringIO())
    lines = console.render_lines(table, console.options.update(width=width))
    text = ["".join(seg.text for seg in line) for line in lines]
    rules = [i for i, line in enumerate(text) if line.startswith(("├", "└"))]
    return [b - a - 1 for a, b in itertools.pairwise(rules)]
