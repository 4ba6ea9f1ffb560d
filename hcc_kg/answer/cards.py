"""Cards: a multi-section answer about one entity, drawn for a person at a terminal.

A card is a canned query whose rows carry a ``section`` column (``trial-card``, ``drug-card``,
``target-card``), plus, for a trial, the typed ``trial-results`` query that fills its arms and results
grid. The machine formats keep the canned queries' rows as they are (csv/json: the card query;
xlsx: one sheet per section, and the typed results); only the terminal view is a card.

The trial card is a header (phase, design, N, line, countries), the arms, a results grid (endpoint
rows in clinical order x arm columns, and an effect column with HR, CI and p), then the details: every
fact with its source and its quote shortened to the sentence or table cell that holds the value
(``full_quotes`` for the whole quote). Drug and target cards list their sections in order.
"""

from __future__ import annotations

import io
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass

from hcc_kg.answer.display import (
    GRID_ROW,
    clean,
    endpoint_order,
    needles,
    order_key,
    short_source,
    shorten,
)

UNITS = {"http://purl.obolibrary.org/obo/UO_0000035": " mo", "http://purl.obolibrary.org/obo/UO_0000187": "%",
         "http://purl.obolibrary.org/obo/UO_0000189": " pts"}


@dataclass(frozen=True)
class Card:
    """A card: its canned query (rows with a ``section`` column), the entity parameter it is about
    and the kind of entity that must be, and the queries that add to it."""

    query: str
    param: str
    kind: str
    extra: tuple[str, ...] = ()


#: card name -> its parts (the registry; ``hcc-kg query NAME`` in the table format draws the card)
CARDS = {"trial-card": Card("trial-card", "study", "study", ("trial-results",)),
         "drug-card": Card("drug-card", "drug", "drug"), "target-card": Card("target-card", "target", "target")}


def results(name: str, params: dict[str, str], store) -> dict:
    """The card's canned queries run with the same parameters: query name -> store.Result. A name
    that resolves to another kind of entity (a drug given as the study) is an error saying what it
    names, not an empty card."""
    from hcc_kg.answer.catalogue import canned
    from hcc_kg.answer.params import entity_index, run_canned
    from hcc_kg.build.lexicon import normalise
    from hcc_kg.errors import HccKgError

    card = CARDS[name]
    out = {card.query: run_canned(card.query, params, store)}
    if not out[card.query].rows:
        given = params.get(card.param) or canned(card.query).params[card.param].default or ""
        iri, label = entity_index(store).get(normalise(given), ("", given))
        kind = iri.split("/resource/")[-1].split("/")[0] if "/resource/" in iri else "nothing"
        raise HccKgError(f"query {name}: parameter {card.param}: {given!r} names {'a ' + kind if iri else kind}"
                         f"{f' ({label})' if iri else ''}, not a {card.kind}")
    for extra in card.extra:
        out[extra] = run_canned(extra, params, store)
    return out


def sheets(name: str, answers: dict) -> dict:
    """Sheet name -> store.Result: one sheet per section of the card query, then each added query."""
    from hcc_kg.answer.store import Result

    main = answers[CARDS[name].query]
    at = main.columns.index("section")
    out: dict = {}
    for row in main.rows:
        out.setdefault(row[at], Result(main.columns, [])).rows.append(row)
    for extra in CARDS[name].extra:
        out[extra] = answers[extra]
    return out


def render(name: str, answers: dict, store, width: int | None = None, full_quotes: bool = False) -> str:
    """The card for a terminal ``width`` columns wide (default: the terminal's, or 120)."""
    from rich.console import Console

    width = width or shutil.get_terminal_size((120, 24)).columns
    main = answers[CARDS[name].query].as_dicts()
    if not main:
        parts = ["(0 rows)"]
    elif name == "trial-card":
        parts = trial_card(main, answers["trial-results"].as_dicts(), store, full_quotes)
    else:
        parts = sectioned(main, full_quotes, endpoint_order(store))
    out = io.StringIO()
    console = Console(width=width, file=out, color_system=None, highlight=False, markup=False, emoji=False,
                      force_terminal=False, force_jupyter=False, legacy_windows=False, soft_wrap=False)
    for part in parts:
        console.print(part)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


# --- shared pieces ---------------------------------------------------------------------------


def _sources(sources) -> str:
    return ", ".join(sorted({short_source(s) for s in sources if s}))


def by_value(pairs) -> str:
    """(value, source) pairs as "v1 (s000, s001); v2 (s000 T1)": each value once, with its sources."""
    seen: dict[str, list[str]] = defaultdict(list)
    for value, source in pairs:
        seen[value].append(source)
    return "; ".join(f"{v} ({_sources(s)})" if _sources(s) else v for v, s in seen.items())


def quote_of(row: dict, text: str, full: bool) -> str:
    """The row's quote for display: cleaned, shortened to what holds the numbers of ``text``."""
    quote = row.get("quote") or ""
    if full:
        return clean(quote).replace("\t", " | ").replace("\n", " ")
    return shorten(quote, needles(text))


def details(rows: list[dict], value_column: str, full: bool, title: str):
    """A section's facts: item, value, source and short quote, one fact a line (an item once)."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(ratio=2, overflow="fold")
    grid.add_column(ratio=2, overflow="fold")
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=5, overflow="fold")
    last = None
    for row in rows:
        value = clean(row.get(value_column) or "")
        quote = quote_of(row, value, full) if row.get("quote") else ""
        item = clean(row["item"])
        grid.add_row(Text("" if item == last else item), Text(value), Text(short_source(row.get("source"))),
                     Text(f"“{quote}”" if quote else ""))
        last = item
    return [Text(title, style="bold"), grid]


# --- trial card ------------------------------------------------------------------------------


HEADER = (("phase", "phase"), ("line of therapy", "line"), ("enrollment", "N"), ("design", "design"),
          ("country or region", "countries"), ("population", "population"), ("recruitment status", "status"))


def _number(value: str | None) -> str:
    return value or ""


def cell_value(row: dict) -> str:
    """One measurement as shown in the grid: "19.2 mo", "33.2%", "NR", "<1%", with a CI."""
    unit = UNITS.get(row.get("unit") or "", "")
    if row.get("value") is not None:
        text = f"{row['value']}{unit}"
    elif row.get("value_below") is not None:
        text = f"<{row['value_below']}{unit}"
    elif row.get("not_reached"):  # the graph's notReached stands for "NR" and "NE": say which the source said
        text = "NE" if re.search(r"\bNE\b", row.get("quote") or "") and "NR" not in (row.get("quote") or "") else "NR"
    else:
        text = "?"
    if row.get("ci_lower") is not None:
        text += f" ({row['ci_lower']}-{row.get('ci_upper') or 'NE'})"
    return text


def effect_value(row: dict) -> str:
    """One comparison: "HR 0.63 (0.46-0.85); p < 0.001", "30% lower" (a relative effect as stated),
    "primary endpoint not met" where its source says the trial missed it (LEAP-002)."""
    parts = []
    if row.get("hazard_ratio") is not None:
        hr = f"HR {row['hazard_ratio']}"
        if row.get("ci_lower") is not None and row.get("ci_upper") is not None:
            hr += f" ({row['ci_lower']}-{row['ci_upper']})"
        parts.append(hr)
    if row.get("p_value") is not None:
        parts.append(f"p = {row['p_value']}")
    elif row.get("p_below") is not None:
        parts.append(f"p < {row['p_below']}")
    if row.get("relative_effect") is not None:
        parts.append(f"{row['relative_effect']}% {row.get('direction') or 'different'}")
    elif row.get("direction"):
        parts.append(row["direction"])
    if row.get("primary_endpoint"):  # only where a source says so (queries/fragments/primary-endpoint.rq)
        parts.append(f"primary endpoint {row['primary_endpoint']}")
    return "; ".join(parts) or "compared"


def row_key(row: dict, endpoint: str) -> tuple:
    return (endpoint, row.get("adverse_event") or "", row.get("criteria") or "", row.get("subgroup") or "",
            row.get("qualifier") or "")


def row_label(key: tuple) -> str:
    endpoint, ae, criteria, subgroup, qualifier = key
    label = f"{endpoint}: {ae}" if ae else endpoint
    extra = ", ".join(x for x in (criteria, subgroup, qualifier) if x)
    return f"{label} ({extra})" if extra else label


def trial_card(card: list[dict], typed: list[dict], store, full: bool) -> list:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    study = card[0]["study_label"]
    by_section: dict[str, list[dict]] = defaultdict(list)
    for row in card:
        by_section[row["section"]].append(row)
    kinds = [r["item"] for r in by_section.get("01 type", [])]
    ids = [r["item"] for r in by_section.get("03 registry id", [])]
    parts: list = [Text(" · ".join([study, *kinds, *ids]), style="bold")]

    head = Table.grid(padding=(0, 2))
    head.add_column(no_wrap=True, style="bold")
    head.add_column(overflow="fold")
    attributes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in by_section.get("04 attribute", []):
        attributes[row["item"]].append((row["value"], row["source"]))
    for prop, shown in HEADER:
        if attributes.get(prop):
            head.add_row(shown, by_value(attributes[prop]))
    for prop, pairs in attributes.items():
        if prop not in dict(HEADER):
            head.add_row(prop, by_value(pairs))
    aliases = [r["item"] for r in by_section.get("02 alias", [])]
    if aliases:
        head.add_row("aliases", ", ".join(aliases))
    approvals = by_section.get("08 approval", [])
    if approvals:
        head.add_row("approvals", by_value((r["item"], r["source"]) for r in approvals))
    parts.append(head)

    arms = [r for r in typed if r["kind"] == "arm"]
    role_rank = {"experimental": 0, "single": 1, "comparator": 2}
    arms.sort(key=lambda r: (role_rank.get(r.get("role") or "", 3), r["arm_label"]))
    arm_table = Table.grid(padding=(0, 2))
    arm_table.add_column(no_wrap=True, style="bold")
    arm_table.add_column(overflow="fold")
    arm_table.add_column(no_wrap=True)
    for arm in arms:
        arm_table.add_row(arm.get("role") or "arm", clean(arm["arm_label"].split(": ", 1)[-1]),
                          f"{arm['value']} patients" if arm.get("value") else "")
    parts += [Text("Arms", style="bold"), arm_table]

    order = endpoint_order(store)
    cells: dict[tuple, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    effects: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
    pairs = {(r["arm"], r["comparator"]) for r in typed if r["kind"] == "comparison"}
    labels = {a["arm"]: clean(a["arm_label"].split(": ", 1)[-1]) for a in arms}  # regimen (cohort)
    for row in typed:
        if row["kind"] == "measurement":
            cells[row_key(row, row["endpoint"])][row["arm"]].append((cell_value(row), row["source"]))
        elif row["kind"] == "comparison":
            key = row_key(row, GRID_ROW.get(row["endpoint"], row["endpoint"]))
            text = effect_value(row)
            if row["endpoint"] in GRID_ROW:  # an HR for OS on the median OS row: say which
                text = f"{row['endpoint']} {text}"
            if len(pairs) > 1:
                text = f"{labels.get(row['arm'], '?')} vs {labels.get(row['comparator'], '?')}: {text}"
            effects[key].append((text, row["source"]))
    keys = sorted(set(cells) | set(effects), key=lambda k: (order_key(k[0], order), k[1:]))
    if keys:
        grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
        grid.add_column("endpoint", overflow="fold", width=max(8, min(24, max(len(row_label(k)) for k in keys))))
        for arm in arms:
            grid.add_column(labels[arm["arm"]], overflow="fold", ratio=3)
        grid.add_column("effect (experimental vs comparator)", overflow="fold", ratio=3)
        for key in keys:
            grid.add_row(Text(row_label(key)),
                         *[Text(by_value(cells[key].get(arm["arm"], []))) for arm in arms],
                         Text(by_value(effects.get(key, []))))
        parts += [Text("Results (value (sources); s000, s001: the reviews' text; T1: their Table 1)", style="bold"),
                  grid]
    else:
        parts.append(Text("Results: none in the graph for this study"))

    how = "whole" if full else "the sentence or table cell that holds the value; --full-quotes: whole"
    parts.append(Text(f"Details: each fact, its source and its quote ({how})", style="bold"))
    for section, rows in sorted(by_section.items()):
        if section in ("01 type", "02 alias", "03 registry id"):
            continue
        if section[3:] in RESULT_SECTIONS:  # in clinical order, as in the grid
            rows = sorted(rows, key=lambda r: (order_key(endpoint_of(r["value"]), order), r["item"], r["value"]))
        parts += details(rows, "value", full, section[3:])
    return parts


# --- drug and target cards ---------------------------------------------------------------------


#: sections whose rows are results, listed in the endpoints' clinical order
RESULT_SECTIONS = ("outcome", "comparison", "result")


def endpoint_of(text: str) -> str:
    """The endpoint notation a card's value starts with ("mOS: 19.2 months", "OS; p < 0.001")."""
    m = re.match(r"[^:; (]+", text or "")
    return m[0] if m else ""


def sectioned(card: list[dict], full: bool, order: dict[str, int]) -> list:
    """A card whose sections are listed in order: a title, then each section's facts."""
    from rich.text import Text

    label_column = next(c for c in card[0] if c.endswith("_label"))
    value_column = "detail" if "detail" in card[0] else "value"
    by_section: dict[str, list[dict]] = defaultdict(list)
    for row in card:
        by_section[row["section"]].append(row)
    parts: list = [Text(card[0][label_column], style="bold")]
    for section, rows in sorted(by_section.items()):
        if section[3:] in RESULT_SECTIONS:  # each arm's results in clinical order
            rows = sorted(rows, key=lambda r: (r["item"], order_key(endpoint_of(r[value_column]), order),
                                               r[value_column], r["source"]))
        parts += details(rows, value_column, full, section[3:])
    return parts
