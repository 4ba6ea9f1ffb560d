"""Curated records: the YAML under graph/facts/ is read into these models (unknown fields fail).

One module per family of records over a shared base: entities (drugs, targets, therapies, diseases,
cells), studies (statements, arms, doses, measurements, comparisons), claims (approvals,
recommendations, mechanisms, biomarkers, claims, doubts), links (external identifiers and the
registry files that confirm them) and row_notes (a curator's notes on table rows). Every model is
importable from here (``from hcc_kg import models as m``; ``m.Study``).
"""

from hcc_kg.models.base import Record, Slug, Sourced
from hcc_kg.models.claims import (
    Approval,
    Biomarker,
    Claim,
    Doubt,
    Mechanism,
    Recommendation,
    StatedValue,
)
from hcc_kg.models.entities import Drug, ExternalClaim, Named, Target, TargetClaim, Therapy
from hcc_kg.models.links import (
    Mapping,
    Member,
    RegistryFile,
    RegistryName,
    Rejected,
    TermSource,
    Xref,
)
from hcc_kg.models.row_notes import Group, RowNote
from hcc_kg.models.studies import (
    COUNT_ATTRIBUTES,
    REGIMEN_ATTRIBUTES,
    Arm,
    Attribute,
    Comparison,
    Dose,
    Measurement,
    Statement,
    Study,
)

__all__ = [
    "COUNT_ATTRIBUTES", "REGIMEN_ATTRIBUTES", "Approval", "Arm", "Attribute", "Biomarker", "Claim", "Comparison",
    "Dose", "Doubt", "Drug", "ExternalClaim", "Group", "Mapping", "Measurement", "Mechanism", "Member", "Named",
    "Recommendation", "Record", "RegistryFile", "RegistryName", "Rejected", "RowNote", "Slug", "Sourced",
    "StatedValue", "Statement", "Study", "Target", "TargetClaim", "TermSource", "Therapy", "Xref",
]
