"""The archive's vocabularies, spelled once: document types, classifications, repair levels, roles.

Every room imports them from here: extraction, manifests, the index, the policy and the pages.
"""

from __future__ import annotations

from typing import Literal, get_args

DocType = Literal[
    "logbook", "handover", "inspection", "maintenance", "repair", "transfer",
    "grade_change", "storage", "inventory", "decommission", "other",
]
DOC_TYPES: tuple[str, ...] = get_args(DocType)

# Law on Protection of State Secrets (2018): Mật, Tối mật, Tuyệt mật; ordered from least to most secret.
Classification = Literal["unclassified", "confidential", "secret", "top_secret"]
CLASSIFICATIONS: tuple[str, ...] = get_args(Classification)
CLASSIFICATION_RANK: dict[str, int] = {name: rank for rank, name in enumerate(CLASSIFICATIONS)}
CLASSIFICATION_STAMPS: dict[str, str] = {"confidential": "MẬT", "secret": "TỐI MẬT", "top_secret": "TUYỆT MẬT"}

RepairLevel = Literal["minor", "medium", "major"]
REPAIR_LEVELS: tuple[str, ...] = get_args(RepairLevel)

Role = Literal["clerk", "technician", "inspector", "records_officer", "auditor"]
ROLES: tuple[str, ...] = get_args(Role)


def classification_rank(value: str | None) -> int:
    """How secret a document is. An unread classification (None) counts as the highest until a person decides:
    the archive fails closed."""
    if value is None:
        return CLASSIFICATION_RANK["top_secret"]
    return CLASSIFICATION_RANK[value]
