"""Where each kind of object lives in the store. Originals are content-addressed by SHA-256."""

from __future__ import annotations

import re

ORIGINALS = "originals/"
RECORDS = "records/"
DERIVED = "derived/"
INDEX_PENDING = "index-pending/"  # stored documents the index did not take yet (it was down)
LIKELY_DUPLICATES = "likely-duplicates/"  # stored documents that look like a rescan of another
REVIEW = "review/"  # stored documents with fields too uncertain to trust unseen
RECORD_VERSIONS = "record-versions/"  # every replaced version of a record, kept
INCOMING = "incoming/"  # files queued for ingest, staged where every worker can fetch them
AUDIT = "audit/"  # the audit trail (archive.audit): append-only, hash-chained, never deleted
AUDIT_SEGMENTS = f"{AUDIT}streams/"  # audit/streams/<stream>/<segment>.jsonl: one chain per writer stream
AUDIT_HEADS = f"{AUDIT}heads/"  # audit/heads/<stream>.json: where each stream's chain has reached
CLASSIFICATION_REQUESTS = "classification-requests/"  # downgrades waiting for a second records officer
RESTORING = "restoring.json"  # present while `archive restore` fills this store (archive.backup)


def original_key(sha256: str) -> str:
    return f"{ORIGINALS}{sha256[:2]}/{sha256}"


def record_key(document_id: str) -> str:
    return f"{RECORDS}{document_id[:2]}/{document_id}.json"


def records_folder(document_id_start: str) -> str:
    """The folder holding the records of every document whose id begins with these (at least two) characters."""
    return f"{RECORDS}{document_id_start[:2]}/"


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


def classification_request_key(request_id: str) -> str:
    if not request_id.isalnum():
        raise ValueError(f"not a request id: {request_id!r}")
    return f"{CLASSIFICATION_REQUESTS}{request_id}.json"


def classification_request_id(key: str) -> str:
    return key.rsplit("/", 1)[-1].removesuffix(".json")


_AUDIT_STREAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,200}")
_AUDIT_SEGMENT_NAME = re.compile(r"([0-9]{8})\.jsonl")


def _audit_stream(stream: str) -> str:
    if not _AUDIT_STREAM.fullmatch(stream):
        raise ValueError(f"not an audit stream id: {stream!r}")
    return stream


def audit_stream_prefix(stream: str) -> str:
    return f"{AUDIT_SEGMENTS}{_audit_stream(stream)}/"


def audit_segment_key(stream: str, segment: int) -> str:
    return f"{audit_stream_prefix(stream)}{segment:08d}.jsonl"


def audit_head_key(stream: str) -> str:
    return f"{AUDIT_HEADS}{_audit_stream(stream)}.json"


def audit_segment_from_key(key: str) -> tuple[str, int] | None:
    """(stream, segment number) of a segment key; None for any other key under the audit prefix."""
    stream, _, name = key.removeprefix(AUDIT_SEGMENTS).partition("/")
    found = _AUDIT_SEGMENT_NAME.fullmatch(name)
    if not key.startswith(AUDIT_SEGMENTS) or found is None or not _AUDIT_STREAM.fullmatch(stream):
        return None
    return stream, int(found.group(1))


def audit_stream_from_head_key(key: str) -> str | None:
    stream = key.removeprefix(AUDIT_HEADS).removesuffix(".json")
    if not key.startswith(AUDIT_HEADS) or not key.endswith(".json") or not _AUDIT_STREAM.fullmatch(stream):
        return None
    return stream
