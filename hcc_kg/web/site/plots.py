"""Plots for the site: a forest plot of hazard ratios, and dot plots of median OS and PFS per arm
by trial and of response rates per regimen, each dot labelled with its value (SVG).

Drawn with matplotlib's SVG backend, deterministic (fixed hash salt, no date, text kept as text).
Every mark is a link to its evidence page and a group whose id names the fact (``hr-...``,
``os-...``, ``rr-...``), so tests and readers can count and follow them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from rdflib.namespace import RDFS

from hcc_kg.vocab import HCC as V
from hcc_kg.vocab import UNITS

RESPONSE = (str(V.ObjectiveResponseRate), str(V.DiseaseControlRate))
SURVIVAL = (str(V.MedianOS), str(V.MedianPFS))
MONTHS = str(UNITS["month"])
PERCENT = str(UNITS["percent"])
ROW_INCHES = 0.24


@dataclass
class Mark:
    """One row of a plot: a value (and interval) with its label, group and evidence link."""

    gid: str
    group: str
    label: str
    value: float
    text: str
    href: str | None
    low: float | None = None
    high: float | None = None
    disputed: bool = False
    series: str = ""
    #: the value as the source writes it, drawn beside a dot
    shown: str = ""


def regimen_class(site, regimen: str | None) -> str:
    """The regimen's classes below hcc:Regimen (inferred ones included), or "other regimen"."""
    if regimen is None:
        return "other regimen"
    names = [site.label(t) for t in site.types(regimen)
             if t != str(V.Regimen) and site.first(t, str(RDFS.subClassOf)) == str(V.Regimen)]
    return "; ".join(sorted(names)) or "other regimen"


def study_of(site, arm: str) -> str | None:
    return next((s for s, p in site.into.get(arm, []) if p == str(V.hasArm)), None)


def _num(site, node: str, prop: str) -> tuple[float | None, str | None]:
    text = site.first(node, str(V[prop]))
    return (float(text), text) if text is not None else (None, None)


def hazard_marks(site, root: str, studies: list[str] | None = None) -> list[Mark]:
    marks = []
    for node in sorted({s for s in site.out if str(V.hazardRatio) in site.out[s]}):
        arm = site.first(node, str(V.experimentalArm))
        study = study_of(site, arm) if arm else None
        if studies is not None and study not in studies:
            continue
        for i, term in enumerate(site.out[node][str(V.hazardRatio)]):
            marks.append(_hazard_mark(site, root, node, arm, study, term.value, i))
    return sorted(marks, key=lambda m: (m.group, m.label))


def _hazard_mark(site, root: str, node: str, arm: str | None, study: str | None, hr_text: str, i: int) -> Mark:
    """One hazard ratio (the i-th of its comparison), labelled by study, arms and source."""
    hr = float(hr_text)
    low, low_text = _num(site, node, "ciLower")
    high, high_text = _num(site, node, "ciUpper")
    comparator = site.first(node, str(V.comparatorArm))
    regimen = site.first(arm, str(V.armRegimen)) if arm else None
    endpoint = site.label(site.first(node, str(V.endpoint)) or "")
    subgroup = site.first(node, str(V.subgroup))
    vs = " vs ".join(site.label(site.first(a, str(V.armRegimen)) or a) for a in (arm, comparator) if a)
    evidence = site.evidence_of(node, root)
    source = ", ".join(v.text for v in evidence)
    label = f"{site.title(study) if study else '?'}: {vs}" + (f", {subgroup}" if subgroup else "") + f" [{source}]"
    text = hr_text + (f" ({low_text}-{high_text})" if low_text and high_text else "")
    disputed = site.disputed(node)
    return Mark("hr-" + node.rsplit("/", 1)[-1] + (f"-{i + 1}" if i else ""),
                f"{endpoint} · {regimen_class(site, regimen)}", label + (" (disputed)" if disputed else ""),
                hr, text, evidence[0].href if evidence else None, low, high, disputed)


@dataclass
class ArmValue:
    """One value of an arm for an endpoint, with what a mark shows beside it."""

    endpoint: str
    node: str
    value: float
    text: str
    arm: str | None
    study: str | None
    regimen: str | None
    extra: list[str]  # the value's subgroup and qualifier, where given
    evidence: list


def arm_values(site, root: str, endpoints, unit: str, studies: list[str] | None):
    """Each numeric value of the endpoints in the unit (of the studies, if given), as ArmValues."""
    for endpoint in endpoints:
        for node, prop in site.into.get(endpoint, []):
            if prop != str(V.endpoint) or site.first(node, str(V.unit)) != unit:
                continue
            value, text = _num(site, node, "value")
            arm = site.first(node, str(V.arm))
            study = study_of(site, arm) if arm else None
            if value is None or (studies is not None and study not in studies):
                continue
            extra = [q for q in (site.first(node, str(V[p])) for p in ("subgroup", "qualifier")) if q]
            yield ArmValue(endpoint, node, value, text, arm, study, site.first(arm, str(V.armRegimen)), extra,
                           site.evidence_of(node, root))


def response_marks(site, root: str, studies: list[str] | None = None) -> list[Mark]:
    marks = []
    for v in arm_values(site, root, RESPONSE, PERCENT, studies):
        criteria = site.first(v.node, str(V.responseCriteria))
        extra = v.extra + ([site.label(criteria)] if criteria else [])
        source = ", ".join(e.text for e in v.evidence)
        label = site.label(v.regimen) if v.regimen else site.title(v.arm)
        title = (f"{site.label(v.endpoint)} {v.text}% · {site.title(v.study) if v.study else ''} · {label}"
                 + (f" ({', '.join(extra)})" if extra else "") + f" [{source}]")
        marks.append(Mark("rr-" + v.node.rsplit("/", 1)[-1], regimen_class(site, v.regimen), label, v.value, title,
                          v.evidence[0].href if v.evidence else None, disputed=site.disputed(v.node),
                          series=site.label(v.endpoint), shown=v.text))
    return sorted(marks, key=lambda m: (m.group, m.label, m.series, m.value, m.gid))


def survival_marks(site, root: str, studies: list[str] | None = None) -> list[Mark]:
    """Median OS and PFS (months) per arm, grouped by trial: one dot per value and source."""
    marks = []
    for v in arm_values(site, root, SURVIVAL, MONTHS, studies):
        if v.study is None:
            continue
        label = (site.label(v.regimen) if v.regimen else site.title(v.arm)) + (f" ({', '.join(v.extra)})" if v.extra else "")
        title = (f"{site.label(v.endpoint)} {v.text} months · {site.title(v.study)} · {label}"
                 + f" [{', '.join(e.text for e in v.evidence)}]")
        marks.append(Mark("os-" + v.node.rsplit("/", 1)[-1], site.title(v.study), label, v.value, title,
                          v.evidence[0].href if v.evidence else None, disputed=site.disputed(v.node),
                          series=site.label(v.endpoint), shown=v.text))
    return sorted(marks, key=lambda m: (m.group.casefold(), m.label, m.series, m.value, m.gid))


def _svg(fig, salt: str, marks: list[Mark]) -> Markup:
    """The figure as inline SVG; each mark's group gets a <title> (its tooltip)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):].replace(' target="_blank"', "")  # evidence opens in the same tab
    titles = {m.gid: f"HR {m.text}: {m.label}" if m.gid.startswith("hr-") else m.text for m in marks}
    svg = re.sub(r'<g id="((?:hr|rr|os)-[a-z0-9-]+)">',
                 lambda g: f'<g id="{g[1]}" class="mark"><title>{escape(titles[g[1]])}</title>', svg)
    return Markup(svg)


def short(text: str, size: int = 60) -> str:
    """A row label that fits beside the plot (the mark's tooltip keeps the whole text)."""
    return text if len(text) <= size else text[: size - 1] + "…"


def _rows(marks: list[Mark], by_label: bool):
    """y positions, top to bottom: a heading row per group, then its rows (one per label or mark)."""
    lines, ys, y, group = [], {}, 0, None
    for m in marks:
        if m.group != group:
            lines.append((y, m.group, True))
            y, group = y - 1, m.group
        key = (m.group, m.label) if by_label else m.gid
        if key not in ys:
            ys[key] = y
            lines.append((y, m.label, False))
            y -= 1
    return lines, ys, y


def forest_svg(site, root: str, studies: list[str] | None = None) -> Markup | None:
    """Hazard ratios with CIs per endpoint and regimen class; HR 1 drawn; None when there are none."""
    from matplotlib.figure import Figure

    marks = hazard_marks(site, root, studies)
    if not marks:
        return None
    lines, ys, bottom = _rows(marks, by_label=False)
    fig = Figure(figsize=(10, 0.9 + ROW_INCHES * (len(lines) + 1)))
    ax = fig.add_axes((0.5, 0.6 / fig.get_figheight(), 0.3, 1 - 0.9 / fig.get_figheight()))
    ax.set_xscale("log")
    lows = [m.low or m.value for m in marks] + [1.0]
    highs = [m.high or m.value for m in marks] + [1.0]
    ax.set_xlim(min(lows) * 0.8, max(highs) * 1.25)
    ax.set_ylim(bottom + 0.5, 0.5)
    ax.axvline(1.0, color="#555", linewidth=1, linestyle="--")
    from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

    ax.xaxis.set_major_locator(FixedLocator([0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5]))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    for m in marks:
        y = ys[m.gid]
        if m.low is not None and m.high is not None:
            line, = ax.plot([m.low, m.high], [y, y], color="#1f4e79", linewidth=1.5, gid="ci" + m.gid[2:])
            line.set_url(m.href)
        point, = ax.plot([m.value], [y], marker="s", markersize=7, linestyle="none", gid=m.gid,
                         color="#1f4e79", markerfacecolor="white" if m.disputed else "#1f4e79")
        point.set_url(m.href)
        ax.text(1.02, y, m.text, transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    for y, text, heading in lines:
        ax.text(-0.02, y, short(text, 80), transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=8.5 if heading else 8, fontweight="bold" if heading else "normal")
    ax.set_yticks([])
    ax.set_xlabel("hazard ratio (log scale; < 1 favours the experimental arm)", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_title("Hazard ratios with 95% CI, by endpoint and regimen class", fontsize=9, loc="left")
    return _svg(fig, "hcc-kg-forest", marks)


def response_svg(site, root: str, studies: list[str] | None = None) -> Markup | None:
    """ORR and DCR per regimen (one dot per measurement and source); None when there are none."""
    return _dots(response_marks(site, root, studies), (0, 100), "% of patients",
                 "Response rates per regimen (each dot: one value from one source)", "hcc-kg-response")


def survival_svg(site, root: str, studies: list[str] | None = None) -> Markup | None:
    """Median OS and PFS per arm, by trial (one dot per value and source); None when there are none."""
    marks = survival_marks(site, root, studies)
    high = max((m.value for m in marks), default=0)
    return _dots(marks, (0, max(12, high * 1.12)), "months",
                 "Median OS and PFS per arm, by trial (each dot: one value from one source)", "hcc-kg-survival")


def _dots(marks: list[Mark], xlim: tuple[float, float], xlabel: str, title: str, salt: str) -> Markup | None:
    """A dot plot: a row per (group, label), a shape and colour per series, each dot labelled with
    its value as the source writes it (once per value, one series above the row's line, the next below)."""
    from matplotlib.figure import Figure

    if not marks:
        return None
    lines, ys, bottom = _rows(marks, by_label=True)
    fig = Figure(figsize=(10, 1.1 + ROW_INCHES * 1.25 * (len(lines) + 1)))
    ax = fig.add_axes((0.42, 0.7 / fig.get_figheight(), 0.55, 1 - 1.1 / fig.get_figheight()))
    ax.set_xlim(*xlim)
    ax.set_ylim(bottom + 0.5, 0.5)
    styles = {series: (shape, colour) for series, shape, colour in
              zip(sorted({m.series for m in marks}), "oD^v", ("#1f4e79", "#c55a11", "#548235", "#7030a0"))}
    series = sorted(styles)
    labelled: dict[tuple[str, str, str], list[str]] = {}
    for m in marks:
        shape, colour = styles[m.series]
        y = ys[(m.group, m.label)]
        point, = ax.plot([m.value], [y], marker=shape, markersize=6, linestyle="none",
                         gid=m.gid, color=colour, alpha=0.85, markerfacecolor="white" if m.disputed else colour)
        point.set_url(m.href)
        key = (m.group, m.label, m.series)
        if m.shown in labelled.setdefault(key, []):  # the same value from another source: labelled once
            continue
        labelled[key].append(m.shown)
        above = series.index(m.series) % 2 == 0  # first series above the row's line, second below, ...
        step = 7 * (len(labelled[key]) - 1)  # a second value of the same series a step further out
        ax.annotate(m.shown, (m.value, y), xytext=(3, 4 + step if above else -10 - step),
                    textcoords="offset points", fontsize=6.5, color=colour)
    for y, text, heading in lines:
        ax.text(-0.01, y, short(text), transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=8.5 if heading else 8, fontweight="bold" if heading else "normal")
    for series, (shape, colour) in styles.items():
        ax.plot([], [], marker=shape, color=colour, linestyle="none", label=series)
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    ax.set_yticks([])
    ax.grid(axis="x", color="#ddd")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_title(title, fontsize=9, loc="left")
    return _svg(fig, salt, marks)
