"""Display helpers shared by the terminal cards and the site: the clinical order of endpoints, source
residue cleaned from displayed text, and a quote shortened to the sentence or table cell that holds
a value.

These change what a person reads, never what is stored: the graph's ``oa:exact`` stays verbatim,
and the machine formats (csv, tsv, json, xlsx) carry the full quote.
"""

from __future__ import annotations

import re

#: Word bookmarks left in s000's text by its conversion ("[bookmark: _Hlk155090893]")
BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]\s*")
#: short inline LaTeX ("$p < 0.001$"); a longer span between dollars is prose with prices, left alone
INLINE_MATH = re.compile(r"(?<!\\)\$([^$\n]{1,40}?)(?<!\\)\$")
SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(\[])")
#: the comparison endpoint whose effect belongs on a measurement endpoint's row of a results grid
#: (a hazard ratio for OS sits beside the median OS values)
GRID_ROW = {"OS": "mOS", "PFS": "mPFS"}

ENDPOINT_ORDER_QUERY = """PREFIX hcc: <https://w3id.org/hcc-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?notation ?order WHERE { ?e a hcc:Endpoint ; skos:notation ?notation ; hcc:displayOrder ?order }"""


def endpoint_order(store) -> dict[str, int]:
    """Endpoint notation -> its ``hcc:displayOrder`` (the one home of the clinical order, in the
    ontology: survival, response, other efficacy, quality of life, safety, context)."""
    return {row["notation"].value: int(row["order"].value)
            for row in store.query(ENDPOINT_ORDER_QUERY, use_default_graph_as_union=True)}


def order_key(notation: str | None, order: dict[str, int]) -> tuple[int, str]:
    """Sort key of an endpoint notation: its display order, then the notation (unknown last)."""
    return (order.get(notation or "", 10_000), notation or "")


def clean(text: str | None) -> str:
    """Text as a person should read it: Word bookmarks dropped, short inline LaTeX unwrapped
    (``$p < 0.001$`` -> ``p < 0.001``), an escaped dollar shown as a dollar."""
    if not text:
        return ""
    text = BOOKMARK.sub("", text)
    text = INLINE_MATH.sub(lambda m: m[1], text)
    return text.replace("\\$", "$")


def number_pattern(value: str) -> re.Pattern[str]:
    """The number as it may be printed: "24" also matches "24.0"; never part of a longer number
    ("3.7" does not match in "13.7")."""
    whole, _, frac = value.partition(".")
    frac = frac.rstrip("0")
    body = re.escape(whole) + (r"\." + re.escape(frac) + "0*" if frac else r"(?:\.0+)?")
    return re.compile(rf"(?<![\d.]){body}(?![\d])")


def shorten(quote: str | None, values: list[str] | tuple[str, ...] = ()) -> str:
    """The part of a (cleaned) quote that holds the values (numbers, or words such as a country):
    for a table row, its first cell (the row's name) and the cells that hold them; for text, the
    sentences that hold them. A table row whose cells hold none of them is shown whole, its cells
    joined by " | "; text whole."""
    text = clean(quote)
    patterns = [number_pattern(v) if re.fullmatch(r"-?\d+(\.\d+)?", v) else re.compile(re.escape(v), re.IGNORECASE)
                for v in values if v and v.strip()]
    if "\t" in text or "\n" in text:  # a table row: its cells, one a line (s000) or tab-separated (s001)
        fields = text.strip("\n").split("\n") if "\n" in text else text.split("\t")
        cells = [c.strip() for c in re.split(r"[\t\n]+", text) if c.strip()]
        hits = [c for c in cells if any(p.search(c) for p in patterns)]
        name = fields[0].strip()  # the row's name, when its first cell has one (a row may continue the last)
        if hits and name and name not in hits:
            hits = [name, "…", *hits]
        return " | ".join(dict.fromkeys(hits or cells))
    sentences = [s.strip() for s in SENTENCE_END.split(text) if s.strip()]
    hits = [s for s in sentences if any(p.search(s) for p in patterns)]
    return " ".join(hits) if hits else text.strip()


NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def needles(value: str | None) -> list[str]:
    """What to look for in a quote to find a value: its numbers, else its words (up to three
    parts of it between punctuation, "Asia", "global, open-label, randomized")."""
    numbers = NUMBER.findall(value or "")
    return numbers or [w for w in re.split(r"[;:,()]+\s*", value or "") if len(w.strip()) > 2][:3]


def short_source(source: str | None) -> str:
    """"s001 text" -> "s001"; "s000 table-1 row 9" -> "s000 T1"; a URL -> its host ("drugs.com")."""
    if not source:
        return ""
    if source.startswith(("http://", "https://")):
        return source.split("/")[2].removeprefix("www.")
    m = re.fullmatch(r"(s\d+) table-(\w+) row \d+", source)
    if m:
        return f"{m[1]} T{m[2]}"
    return source.removesuffix(" text")
