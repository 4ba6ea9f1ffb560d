"""Results as a reader wants them first: a study's summary (header, arms, and a grid of endpoint
rows by arm columns with the between-arm effect), and the results, regimens, approvals and
mechanisms around a drug or a target. Every value links to its evidence, with the quote shortened
to the sentence or cell that holds it (the full quote one click away)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from hcc_kg.web.site.core import DERIVED, DESCRIBES, LABEL, OA, UNIT_NAMES, V, Value
from hcc_kg.web.site.display import SAFETY, SAME_ROW, clean, endpoint_rank, short_quote

#: the study attributes in a summary's header, in this order
HEADER = [str(V[p]) for p in ("phase", "lineOfTherapy", "design", "enrollment", "country", "population")]
#: the results a drug's or target's page shows per trial (the study page shows them all)
KEY_ENDPOINTS = {str(V[e]) for e in ("MedianOS", "MedianPFS", "ObjectiveResponseRate", "Grade3PlusAERate")}
ROLES = {str(V.Experimental): 0, str(V.SingleArm): 1, str(V.Comparator): 2}


@dataclass
class Entry:
    """One value as a reader sees it: its text, its fact's page, its evidence and the quote."""

    text: str
    href: str | None
    evidence: list[Value] = field(default_factory=list)
    quote: str = ""
    #: the full quote (cleaned for display); after merging, (source name, full quote) per source
    full: str | list = ""
    disputed: bool = False


@dataclass
class GridRow:
    label: str
    rank: tuple
    safety: bool
    endpoint: str = ""
    qualified: bool = False
    cells: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    effect: list[Entry] = field(default_factory=list)


def merged(entries: list[Entry]) -> list[Entry]:
    """One entry per value and flag, with every source that gives it (the first one's quote shown,
    each full quote a click away)."""
    out: dict[tuple[bool, str], Entry] = {}
    for e in sorted(entries, key=lambda e: (e.disputed, e.text, [v.text for v in e.evidence])):
        first = out.get((e.disputed, e.text))
        if first is None:
            out[(e.disputed, e.text)] = Entry(e.text, e.href, list(e.evidence), e.quote,
                                              [(e.evidence[0].text if e.evidence else "", e.full)], e.disputed)
        else:
            first.evidence += e.evidence
            first.full.append((e.evidence[0].text if e.evidence else "", e.full))
    return list(out.values())


class ResultPages:
    def quote_of(self, node: str, values: list[str]) -> tuple[str, str]:
        """(short quote, full cleaned quote) of a fact's first evidence."""
        for ev in self.out.get(node, {}).get(DERIVED, []):
            exact = self.selector(ev.value, str(OA.exact))
            if exact:
                return short_quote(exact, values, self.table_cells(ev.value)), clean(exact)
            excerpt = self.first(ev.value, str(V.excerpt))
            if excerpt:
                return short_quote(excerpt, values), clean(excerpt)
        return "", ""

    def entry(self, node: str, text: str, values: list[str], root: str) -> Entry:
        quote, full = self.quote_of(node, values)
        return Entry(text, self.href(node, root), self.evidence_of(node, root), quote, full, self.disputed(node))

    def measured(self, node: str) -> tuple[str, list[str]]:
        """"19.2 months", "NR", "< 1%" and the literal values it shows."""
        value, below = self.first(node, str(V.value)), self.first(node, str(V.valueBelow))
        unit = UNIT_NAMES.get(self.first(node, str(V.unit)) or "", "")
        if self.first(node, str(V.notReached)) == "true":
            return "NR (not reached)", ["NR"]
        number = value if value is not None else f"< {below}" if below is not None else "?"
        return number + ("%" if unit == "%" else f" {unit}" if unit else ""), [v for v in (value, below) if v]

    def effect(self, node: str) -> tuple[str, list[str]]:
        """"HR 0.58 (95% CI 0.42–0.79), p < 0.001" and the literal values it shows."""
        parts, values = [], []
        for hr in self.out[node].get(str(V.hazardRatio), []):
            parts.append(f"HR {hr.value}")
            values.append(hr.value)
        low, high = self.first(node, str(V.ciLower)), self.first(node, str(V.ciUpper))
        if low and high:
            parts[-1:] = [(parts[-1] + " " if parts else "") + f"(95% CI {low}–{high})"]
            values += [low, high]
        relative = self.first(node, str(V.relativeEffect))
        if relative:
            parts.append(relative)
        p, below = self.first(node, str(V.pValue)), self.first(node, str(V.pValueBelow))
        if p or below:
            parts.append(f"p = {p}" if p else f"p < {below}")
            values.append(p or below)
        direction = self.first(node, str(V.effectDirection))
        if direction:
            parts.append(self.label(direction))
        subgroup = self.first(node, str(V.subgroup))
        return (", ".join(parts) or "compared") + (f" [{subgroup}]" if subgroup else ""), values

    def arms(self, study: str) -> list[str]:
        arms = [o.value for o in self.out.get(study, {}).get(str(V.hasArm), [])]
        return sorted(arms, key=lambda a: (ROLES.get(self.first(a, str(V.armRole)) or "", 3), self.title(a), a))

    def row_key(self, node: str) -> tuple[tuple, str, bool, str, bool]:
        endpoint = self.first(node, str(V.endpoint))
        extra = [self.first(node, str(V[p])) for p in ("subgroup", "qualifier")]
        ae = self.first(node, str(V.adverseEvent))
        criteria = self.first(node, str(V.responseCriteria))
        words = [self.label(ae) if ae else None, *extra, self.label(criteria) if criteria else None]
        label = self.label(SAME_ROW.get(endpoint, endpoint) or "") + "".join(f" · {w}" for w in words if w)
        endpoint = SAME_ROW.get(endpoint, endpoint)
        return (endpoint_rank(endpoint), label.casefold()), label, endpoint in SAFETY, endpoint, any(words)

    def results_grid(self, study: str, root: str) -> tuple[list[str], list[GridRow]]:
        """(arms in column order, endpoint rows in order of clinical importance)."""
        arms = self.arms(study)
        rows: dict[tuple, GridRow] = {}
        for arm in arms:
            for node, prop in self.into.get(arm, []):
                if str(V.endpoint) not in self.out.get(node, {}):
                    continue
                rank, *rest = self.row_key(node)
                row = rows.setdefault(rank, GridRow(rest[0], rank, *rest[1:]))
                if prop == str(V.arm):
                    text, values = self.measured(node)
                    row.cells[arm].append(self.entry(node, text, values, root))
                elif prop == str(V.experimentalArm):
                    text, values = self.effect(node)
                    comparator = self.first(node, str(V.comparatorArm))
                    vs = f" vs {self.arm_name(comparator)}" if comparator and len(arms) > 2 else ""
                    row.effect.append(self.entry(node, text + vs, values, root))
        for row in rows.values():
            row.cells = {arm: merged(entries) for arm, entries in row.cells.items()}
            row.effect = merged(row.effect)
        return arms, [rows[k] for k in sorted(rows)]

    def arm_name(self, arm: str) -> str:
        regimen = self.first(arm, str(V.armRegimen))
        return self.label(regimen) if regimen else self.title(arm)

    def header(self, study: str, root: str) -> list[tuple[str, list[Entry]]]:
        """The study's phase, line, design, N, countries and population, each with its sources."""
        out: dict[str, dict[str, Entry]] = defaultdict(dict)
        statements = [s for s, p in self.into.get(study, []) if p == DESCRIBES]
        for node in [study, *statements]:
            for prop in HEADER:
                for o in self.out.get(node, {}).get(prop, []):
                    text = self.value(o, root).text
                    entry = out[prop].get(text)
                    if entry is None:
                        out[prop][text] = Entry(text, None, self.evidence_of(node, root), disputed=self.disputed(node))
                    else:
                        entry.evidence += self.evidence_of(node, root)
        return [(self.prop_label(p), list(out[p].values())) for p in HEADER if out.get(p)]

    def study_summary(self, study: str, root: str) -> dict:
        arms, rows = self.results_grid(study, root)
        arm_rows = [(self.link(a, root), Value(self.arm_name(a), self.href(self.first(a, str(V.armRegimen)) or "", root)),
                     self.label(self.first(a, str(V.armRole)) or ""), self.first(a, str(V.patientCount)) or "")
                    for a in arms]
        return {"header": self.header(study, root), "arms": arm_rows,
                "columns": [Value(self.arm_name(a), self.href(a, root)) for a in arms], "arm_iris": arms,
                "rows": rows, "label": self.first(study, LABEL)}

    # --- drugs and targets ---------------------------------------------------------------------
    def subjects(self, node: str, prop: str, kind: str | None = None) -> list[str]:
        """Entities that point to ``node`` by ``prop`` (of a kind), sorted by title."""
        found = {s for s, p in self.into.get(node, []) if p == prop and (kind is None or f"/{kind}/" in s)}
        return sorted(found, key=lambda n: (self.title(n).casefold(), n))

    def stated(self, node: str, prop: str) -> list[str]:
        """Objects of ``prop`` for ``node``, asserted or stated by an attribute statement."""
        statements = [s for s, p in self.into.get(node, []) if p == DESCRIBES]
        return sorted({o.value for n in [node, *statements] for o in self.out.get(n, {}).get(prop, [])})

    def drugs_of_target(self, target: str) -> list[str]:
        direct = {s for s, p in self.into.get(target, []) if p == str(V.inhibits) and "/drug/" in s}
        stated = {self.first(s, DESCRIBES) for s, p in self.into.get(target, []) if p == str(V.inhibits)
                  and "/statement/" in s}
        return sorted((direct | stated) - {None}, key=lambda n: (self.title(n).casefold(), n))

    def around(self, drugs: list[str], about: list[str], root: str) -> dict:
        """Regimens holding these drugs, their trials (each with its key results, both arms and the
        effect), approvals, recommendations, and the mechanisms about these entities."""
        regimens = sorted({r for d in drugs for r in self.subjects(d, str(V.hasComponent), "regimen")},
                          key=lambda n: (self.title(n).casefold(), n))
        arms = [a for r in regimens for a in self.subjects(r, str(V.armRegimen))]
        studies = sorted({s for a in arms for s in self.subjects(a, str(V.hasArm), "study")},
                         key=lambda n: (self.title(n).casefold(), n))
        trials = []
        for study in studies:
            columns, rows = self.results_grid(study, root)
            rows = [r for r in rows if r.endpoint in KEY_ENDPOINTS and not r.qualified]
            facts = [("phase " if name == "phase" else "") + ", ".join(e.text for e in entries)
                     for name, entries in self.header(study, root) if name in ("phase", "line of therapy")]
            trials.append({"link": self.link(study, root), "facts": facts, "arm_iris": columns, "rows": rows,
                           "columns": [Value(self.arm_name(a), self.href(a, root)) for a in columns]})
        approvals = [self.fact_row(a, root) for r in regimens for a in self.subjects(r, str(V.approvedRegimen))]
        recommendations = [self.fact_row(a, root) for r in regimens
                           for a in self.subjects(r, str(V.recommendedRegimen))]
        mechanisms = sorted({s for n in about for s, _ in self.into.get(n, []) if "/mechanism/" in s},
                            key=lambda n: (self.title(n).casefold(), n))
        return {"regimens": [self.link(r, root) for r in regimens], "trials": trials,
                "approval_columns": self.columns(approvals), "recommendation_columns": self.columns(recommendations),
                "approvals": sorted(approvals, key=lambda r: (r.title.text, r.node)),
                "recommendations": sorted(recommendations, key=lambda r: (r.title.text, r.node)),
                "mechanisms": [self.link(m, root) for m in mechanisms]}

    def drug_summary(self, drug: str, root: str) -> dict:
        targets = self.stated(drug, str(V.inhibits))
        return {"names": ("targets", [self.link(t, root) for t in targets]),
                **self.around([drug], [drug, *targets], root)}

    def target_summary(self, target: str, root: str) -> dict:
        drugs = self.drugs_of_target(target)
        return {"names": ("drugs", [self.link(d, root) for d in drugs]), **self.around(drugs, [target, *drugs], root)}
