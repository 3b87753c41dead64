"""Where each kind of object lives in the store. Originals are content-addressed by SHA-256."""

from __future__ import annotations

ORIGINALS = "originals/"
RECORDS = "records/"
DERIVED = "derived/"
INDEX_PENDING = "index-pending/"  # stored documents the index did not take yet (it was down)
LIKELY_DUPLICATES = "likely-duplicates/"  # stored documents that look like a rescan of another
REVIEW = "review/"  # stored documents with fields too uncertain to trust unseen
RECORD_VERSIONS = "record-versions/"  # every replaced version of a record, kept
INCOMING = "incoming/"  # files queued for ingest, staged where every worker can fetch them


def original_key(sha256: str) -> str:
    return f"{ORIGINALS}{sha256[:2]}/{sha256}"


def record_key(document_id: str) -> str:
    return f"{RECORDS}{document_id[:2]}/{document_id}.json"


def page_image_key(document_id: str, page: int) -> str:
    return f"{DERIVED}{document_id[:2]}/{document_id}/page-{page:04d}.png"


def incoming_key(sha256: str) -> str:
    return f"{INCOMING}{sha256}"


def index_pending_key(document_id: str) -> str:
    return f"{INDEX_PENDING}{document_id}"


def likely_duplicate_key(document_id: str) -> str:
    return f"{LIKELY_DUPLICATES}{document_id}"


def review_key(document_id: str) -> str:
    return f"{REVIEW}{document_id}"


def record_version_key(document_id: str, version: int) -> str:
    return f"{RECORD_VERSIONS}{document_id[:2]}/{document_id}/v{version:04d}.json"


def document_id_from_marker_key(key: str) -> str:
    """The document a marker (index-pending, likely-duplicate) is about."""
    return key.rsplit("/", 1)[-1]


def document_id_from_record_key(key: str) -> str:
    return key.rsplit("/", 1)[-1].removesuffix(".json")


def sha256_from_original_key(key: str) -> str:
    return key.rsplit("/", 1)[-1]
