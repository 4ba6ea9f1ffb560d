"""How results are put in front of a reader: the endpoints in order of clinical importance, and a
quote cleaned of source residue and shortened to the sentence or table cell that holds a value.

Display only: the stored quotes (``oa:exact``) are never changed. The CLI's cards need the same
order and cleaning; this is their one home on the site's side until both point at one module.
"""

from __future__ import annotations

import re

from hcc_kg.build.tables import BOOKMARK
from hcc_kg.vocab import HCC as V

#: endpoints in order of clinical importance: survival first (OS, then PFS and other time-to-event
#: endpoints), then response, then other efficacy, then safety; a measurement's endpoint and the
#: comparison's endpoint of one outcome share a place (mOS with OS)
ENDPOINT_ORDER = [str(V[name]) for name in (
    "OverallSurvival", "MedianOS", "ProgressionFreeSurvival", "MedianPFS", "RecurrenceFreeSurvival", "RFSRate",
    "MedianTTP", "ObjectiveResponseRate", "CompleteResponseRate", "PartialResponseRate", "DiseaseControlRate",
    "StableDiseaseRate", "ProgressiveDiseaseRate", "MedianDOR", "ResectionRate", "AblationRate", "QualityOfLife",
    "MedianFollowUp", "Grade3PlusAERate", "AnyAERate", "TreatmentRelatedDeathRate", "AEDiscontinuationRate",
    "NamedAERate", "BaselineShare")]
#: a comparison's endpoint -> the measurement endpoint whose row it shares in a results grid
SAME_ROW = {str(V.OverallSurvival): str(V.MedianOS), str(V.ProgressionFreeSurvival): str(V.MedianPFS)}
SAFETY = set(ENDPOINT_ORDER[ENDPOINT_ORDER.index(str(V.Grade3PlusAERate)):-1])
MATH = re.compile(r"\$([^$\n]{1,80})\$")
SENTENCE = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(\[])")


def endpoint_rank(endpoint: str | None) -> int:
    """Where an endpoint goes in a list of results (unknown endpoints after the known ones)."""
    endpoint = SAME_ROW.get(endpoint, endpoint)
    return ENDPOINT_ORDER.index(endpoint) if endpoint in ENDPOINT_ORDER else len(ENDPOINT_ORDER)


def clean(text: str) -> str:
    """Text for display: Word bookmarks removed, inline LaTeX's dollar signs dropped, white space
    (tabs and line breaks of table rows included) folded."""
    return " ".join(MATH.sub(r"\1", BOOKMARK.sub("", text)).split())


def short_quote(quote: str, values: list[str], cells: dict[str, str] | None = None, size: int = 220) -> str:
    """The part of a quote that holds the values: for a table row (``cells``: header -> cell) the
    cells holding one, as "header: cell"; for text the sentences holding one; else the quote,
    cut at ``size`` characters. Cleaned for display."""
    values = [v for v in values if v]
    if cells:
        hits = [f"{clean(h)}: {c}" for h, c in cells.items() if c and any(v == c or v in c for v in values)]
        if hits:
            return " · ".join(hits)
    text = clean(quote)
    sentences = [s for s in SENTENCE.split(text) if any(v in s for v in values)]
    short = " ".join(sentences) if sentences else text
    return short if len(short) <= size else short[: size - 1].rstrip() + "…"
