"""Domain records as pydantic models: the JSON shapes of CONTRACT.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from common.vocabulary import Classification, DocType, RepairLevel

IngestStatus = Literal["ingested", "duplicate", "failed"]


class FieldRecord(BaseModel):
    value: Any
    confidence: float = Field(ge=0, le=1)
    page: int | None = None  # None for values that come from no page (a manifest, a correction)
    source: str = "extracted"  # extracted | confirmed | manifest | corrected
    # Where on `page` it was read: [left, top, width, height] as shares of the page image (OCRed pages only).
    region: list[float] | None = None


class Correction(BaseModel):
    """One reviewed change to a document's fields; the version before it stays in storage."""

    version: int  # the version this correction produced
    by: str
    at: datetime
    note: str | None = None
    changes: dict[str, dict[str, Any]]  # field -> {"from": old, "to": new}


class ClassificationRequest(BaseModel):
    """A downgrade asked by one records officer, applied only when a second one approves it."""

    request_id: str
    document_id: str
    from_level: Classification | None
    to_level: Classification
    reason: str
    requested_by: str
    requested_at: datetime


class ClassificationChange(BaseModel):
    """What a classification request did: applied at once (an upgrade), or waiting for a second records
    officer (a downgrade; an unread classification counts as the highest, so deciding it lower is one too)."""

    document_id: str
    status: Literal["applied", "pending_approval"]
    classification: Classification | None  # the document's classification now
    request: ClassificationRequest | None = None


class ReviewItem(BaseModel):
    document_id: str
    filename: str
    doc_type: str
    serial_number: str | None
    uncertain: dict[str, FieldRecord]  # the fields under the review threshold, and those missing


class PageRecord(BaseModel):
    number: int
    source: Literal["text", "ocr"]
    chars: int
    ocr_confidence: float | None = None
    aspect: float | None = None  # height / width of the page image read (OCRed pages)


class Document(BaseModel):
    model_config = ConfigDict(extra="ignore")

    document_id: str
    sha256: str
    filename: str
    content_type: str
    size_bytes: int
    page_count: int
    text_source: Literal["text", "ocr", "mixed"]
    doc_type: DocType = "other"
    title: str | None = None
    document_number: str | None = None
    document_date: date | None = None
    classification: Classification | None = None
    serial_number: str | None = None
    designation: str | None = None
    name: str | None = None
    unit: str | None = None
    manufacturer: str | None = None
    country_of_origin: str | None = None
    year_of_manufacture: int | None = None
    quality_grade: int | None = None
    repair_level: RepairLevel | None = None
    from_unit: str | None = None
    to_unit: str | None = None
    fields: dict[str, FieldRecord] = Field(default_factory=dict)
    pages: list[PageRecord] = Field(default_factory=list)
    ingested_at: datetime
    # Stored documents with the same serial, doc type, date and document number but other bytes:
    # most likely a rescan of the same paper. Kept and flagged, never dropped.
    likely_duplicate_of: list[str] = Field(default_factory=list)
    version: int = 1
    corrections: list[Correction] = Field(default_factory=list)


class LikelyDuplicate(BaseModel):
    document_id: str
    filename: str
    serial_number: str | None
    doc_type: str
    document_date: date | None
    document_number: str | None
    likely_duplicate_of: list[str]


class StoredRecord(BaseModel):
    """What the object store keeps per document: the Document plus its page texts."""

    document: Document
    page_texts: list[str]
    # Sealing (archive.records.seal_record): None on records stored before sealing existed.
    record_hash: str | None = None
    previous_record_hash: str | None = None  # the hash of the record of the previous version (record-versions/)


class IngestResult(BaseModel):
    path: str
    status: IngestStatus
    document_id: str | None = None
    sha256: str
    error: str | None = None
    document: Document | None = None
    index_pending: bool = False  # stored safely, but the index was down: it is indexed when it answers again
    record_hash: str | None = None  # the seal of the record this ingest stored (for its audit entry)
    ocr_page_seconds: list[float] = Field(default_factory=list, exclude=True)  # for /metrics; never in the JSON


class DocumentSummary(BaseModel):
    document_id: str
    doc_type: str
    title: str | None
    document_number: str | None
    document_date: date | None
    filename: str
    page_count: int
    classification: str | None


class HistoryEvent(BaseModel):
    date: date | None
    event_type: str
    summary: str
    document_id: str


class Equipment(BaseModel):
    serial_number: str
    designation: str | None = None
    name: str | None = None
    manufacturer: str | None = None
    country_of_origin: str | None = None
    year_of_manufacture: int | None = None
    current_unit: str | None = None
    quality_grade: int | None = None
    status: str = "in_service"
    document_count: int = 0
    documents: list[DocumentSummary] = Field(default_factory=list)
    history: list[HistoryEvent] = Field(default_factory=list)
    matched_by: Literal["exact", "lookalike", "fuzzy"] = "exact"


class FacetValue(BaseModel):
    value: str
    count: int


class SearchHitOut(BaseModel):
    document_id: str
    serial_number: str | None
    doc_type: str | None
    document_date: date | None
    designation: str | None
    unit: str | None
    title: str | None
    score: float
    highlights: list[str]


class SearchResponse(BaseModel):
    total: int
    hits: list[SearchHitOut]
    facets: dict[str, list[FacetValue]]
    next_cursor: str | None


class PageTextOut(BaseModel):
    number: int
    source: Literal["text", "ocr"]
    text: str


class DocumentText(BaseModel):
    document_id: str
    pages: list[PageTextOut]


class VerifyReport(BaseModel):
    checked: int
    ok: int
    mismatched: list[str]
    missing: list[str]
    tampered: list[str] = Field(default_factory=list)  # documents whose record, or a version of it, is not as sealed
    tamper_details: dict[str, list[str]] = Field(default_factory=dict)  # document -> what is wrong
    unsealed: int = 0  # records stored before sealing existed: nothing to check them against


class JobItem(BaseModel):
    filename: str
    status: Literal["pending", "ingested", "duplicate", "failed"]
    document_id: str | None = None
    error: str | None = None
    worker: str | None = None  # host:pid of the worker that took the file
    manifest_disagreements: list[dict] = Field(default_factory=list)  # where the manifest overrode what was read
    pages: int | None = None  # pages read from the file, once ingested
    started_at: float | None = None  # epoch seconds a worker took the file
    finished_at: float | None = None  # epoch seconds the worker settled it


class Job(BaseModel):
    job_id: str
    state: Literal["queued", "running", "done"]
    total: int
    done: int
    failed: int
    items: list[JobItem]
    pages: int = 0  # pages read so far, over the files ingested
    started_at: float | None = None  # when a worker first took one of its files
    pages_per_second: float | None = None  # pages read / seconds from the first file taken to the last one settled
