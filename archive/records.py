"""Conversions between an extraction, the stored record and the index record; sealing of stored records.

Sealing. A stored record carries `record_hash`, SHA-256 over the canonical JSON (sorted keys, no
spaces, UTF-8) of the record without that field and without fields at their default value (so a
field added to the models later, with a default, leaves older seals valid), and
`previous_record_hash`, the hash of the record of the document's previous version (kept under
`record-versions/`), so the versions of a document form a chain. `record_problem` recomputes.
A hand edit of a record JSON is found; someone who can write the store and recomputes the
SHA-256 (it is unkeyed) is not, by this alone: the audit entry of each write carries the hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timezone

from archive.models import Document, FieldRecord, PageRecord, StoredRecord
from common.identifiers import unit_keys
from common.vocabulary import classification_rank
from ingest.types import Extraction, FieldValue, PageText
from search.types import IndexRecord

_SCALAR_FIELDS = (
    "doc_type", "title", "document_number", "classification", "serial_number", "designation", "name", "unit",
    "manufacturer", "country_of_origin", "year_of_manufacture", "quality_grade", "repair_level", "from_unit", "to_unit",
)


def document_from_extraction(extraction: Extraction, *, sha256: str, filename: str, size_bytes: int) -> Document:
    values = {name: extraction.value(name) for name in _SCALAR_FIELDS}
    values["doc_type"] = values["doc_type"] or "other"
    raw_date = extraction.value("document_date")
    return Document(
        document_id=sha256,
        sha256=sha256,
        filename=filename,
        content_type=extraction.content_type,
        size_bytes=size_bytes,
        page_count=extraction.page_count,
        text_source=extraction.text_source,
        document_date=date.fromisoformat(raw_date) if isinstance(raw_date, str) else None,
        fields={
            name: FieldRecord(value=found.value, confidence=round(found.confidence, 3), page=found.page, source=found.source,
                              region=list(found.region) if found.region else None)
            for name, found in extraction.fields.items()
        },
        pages=[
            PageRecord(number=p.number, source=p.source, chars=len(p.text), ocr_confidence=p.ocr_confidence,
                       aspect=p.aspect)
            for p in extraction.pages
        ],
        ingested_at=datetime.now(timezone.utc),
        **values,
    )


def stored_record(document: Document, extraction: Extraction) -> StoredRecord:
    return StoredRecord(document=document, page_texts=[page.text for page in extraction.pages])


def record_hash(record: StoredRecord) -> str:
    """The hash a record is sealed with, computed from its content (whatever `record_hash` it carries)."""
    content = record.model_dump(mode="json", exclude={"record_hash"}, exclude_defaults=True)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def seal_record(record: StoredRecord, previous: StoredRecord | None) -> StoredRecord:
    """`record` sealed, linked to `previous`: the record of the document's previous version (None for version 1).
    An unsealed previous record (stored before sealing existed) is linked by the hash of its content."""
    linked = record.model_copy(update={"previous_record_hash": None if previous is None else record_hash(previous),
                                       "record_hash": None})
    return linked.model_copy(update={"record_hash": record_hash(linked)})


def record_problem(record: StoredRecord) -> str | None:
    """Why a sealed record is not what was sealed; None when it is, or when it was never sealed."""
    if record.record_hash is None:
        return None
    actual = record_hash(record)
    if actual != record.record_hash:
        return f"version {record.document.version}: content hashes to {actual[:16]}…, sealed as {record.record_hash[:16]}…"
    return None


def index_record(record: StoredRecord) -> IndexRecord:
    document = record.document
    return IndexRecord(
        document_id=document.document_id,
        text="\n".join(record.page_texts),
        title=document.title,
        filename=document.filename,
        doc_type=document.doc_type,
        serial_number=document.serial_number,
        designation=document.designation,
        name=document.name,
        unit=document.unit or document.to_unit,
        from_unit=document.from_unit,
        to_unit=document.to_unit,
        classification=document.classification,
        repair_level=document.repair_level,
        document_number=document.document_number,
        document_date=document.document_date,
        quality_grade=document.quality_grade,
        ingested_at=document.ingested_at,
        classification_rank=classification_rank(document.classification),
        unit_keys=document_unit_keys(document),
    )


def document_unit_keys(document: Document) -> tuple[str, ...]:
    """The unit keys a document answers to for need to know: its unit and both ends of a transfer."""
    return unit_keys(document.unit, document.from_unit, document.to_unit)


def extraction_from_record(record: StoredRecord) -> Extraction:
    """The stored record seen as an extraction again (for re-running confirmation steps)."""
    document = record.document
    pages = tuple(
        PageText(number=page.number, text=text, source=page.source, ocr_confidence=page.ocr_confidence)
        for page, text in zip(document.pages, record.page_texts)
    )
    fields = {name: FieldValue(f.value, f.confidence, f.page, f.source) for name, f in document.fields.items()}
    return Extraction(document.content_type, document.page_count, pages, document.text_source, fields)


_SERIAL_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-./]{3,22}[A-Za-z0-9]")


def serial_like_tokens(text: str) -> list[str]:
    """Tokens that could be a serial: 5+ characters, with at least two digits; each once, in order."""
    seen: dict[str, None] = {}
    for token in _SERIAL_LIKE.findall(text):
        if sum(ch.isdigit() for ch in token) >= 2:
            seen.setdefault(token, None)
    return list(seen)
