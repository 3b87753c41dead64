"""Value types that cross the `SearchIndex` port. Engines translate them; nothing engine-specific leaks out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Mapping

FACET_FIELDS: tuple[str, ...] = ("doc_type", "unit", "designation")


@dataclass(frozen=True)
class IndexRecord:
    """What the index knows of one document. Built by the service layer from the stored record."""

    document_id: str
    text: str = ""
    title: str | None = None
    filename: str | None = None
    doc_type: str | None = None
    serial_number: str | None = None
    designation: str | None = None
    name: str | None = None
    unit: str | None = None
    from_unit: str | None = None
    to_unit: str | None = None
    classification: str | None = None
    repair_level: str | None = None
    document_number: str | None = None
    document_date: date | None = None
    quality_grade: int | None = None
    ingested_at: datetime | None = None
    # For access filtering: `common.vocabulary.classification_rank` (unread = highest) and the unit keys of
    # unit, from_unit and to_unit (`common.identifiers.unit_keys`).
    classification_rank: int = 3
    unit_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedRecord:
    """An `IndexRecord` already in one engine's own form (`SearchIndex.prepare`), for that engine's `add`."""

    document_id: str
    engine_form: Any


@dataclass(frozen=True)
class Access:
    """What one person may see, applied inside every engine's query: documents whose classification rank is
    at most `max_rank` and, when `unit_keys` is not None, whose units answer to one of these keys (need to
    know; see `common.identifiers.unit_keys`). None where a query takes an `access` means no restriction
    (the archive's own bookkeeping, never a person's request)."""

    max_rank: int
    unit_keys: tuple[str, ...] | None = None


SORTS = ("relevance", "date")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    doc_type: str | None = None
    unit: str | None = None
    serial: str | None = None
    designation: str | None = None
    classification: str | None = None
    repair_level: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 20
    cursor: str | None = None
    sort: str = "relevance"  # one of SORTS: "relevance" (no words: newest first), or "date" (newest first)
    facets: tuple[str, ...] = FACET_FIELDS
    access: Access | None = None


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    score: float
    serial_number: str | None = None
    doc_type: str | None = None
    document_date: date | None = None
    designation: str | None = None
    unit: str | None = None
    title: str | None = None
    highlights: tuple[str, ...] = ()


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class SearchPage:
    total: int
    hits: tuple[SearchHit, ...]
    facets: Mapping[str, tuple[FacetCount, ...]] = field(default_factory=dict)
    next_cursor: str | None = None


@dataclass(frozen=True)
class SerialMatch:
    """Documents that carry one serial number, and how the asked serial matched it."""

    serial_number: str
    document_ids: tuple[str, ...]
    match: Literal["exact", "lookalike", "fuzzy"]
