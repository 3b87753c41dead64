"""Which fields of a document are too uncertain to trust unseen, and how a reviewed correction
changes a document. Pure functions over `Document`; the service stores and indexes the results."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from archive.errors import InvalidRequest
from archive.models import Correction, Document, FieldRecord
from archive.field_values import InvalidFieldValue, out_of_bounds, parse_field_value
from ingest.types import FIELD_NAMES

# Fields a reviewer must be able to trust: what the dossier view and search are built on.
REVIEWED_FIELDS = ("doc_type", "serial_number", "document_date", "document_number", "unit", "quality_grade",
                   "designation", "from_unit", "to_unit", "repair_level")
TRUSTED_SOURCES = frozenset({"manifest", "corrected"})
# Lists of many items carry no single serial; every other document is about one item.
NO_SERIAL_EXPECTED = frozenset({"inventory", "other"})
# The classification is changed only through its own use case (records officers, two-person rule on downgrades).
CORRECTABLE = frozenset(FIELD_NAMES) - {"title", "classification"}


def uncertain_fields(document: Document, threshold: float) -> dict[str, FieldRecord]:
    found = {
        name: record
        for name, record in document.fields.items()
        if name in REVIEWED_FIELDS and record.source not in TRUSTED_SOURCES and record.confidence < threshold
    }
    if document.serial_number is None and document.doc_type not in NO_SERIAL_EXPECTED:
        found["serial_number"] = FieldRecord(value=None, confidence=0.0, source="missing")
    if document.classification is None:  # treated as the highest level until a records officer decides
        found["classification"] = FieldRecord(value=None, confidence=0.0, source="missing")
    return found


def apply_correction(document: Document, changes: dict[str, Any], *, by: str, note: str | None,
                     correctable: frozenset[str] = CORRECTABLE) -> Document:
    """The document after a reviewer's changes: a new version carrying the correction."""
    unknown = sorted(set(changes) - correctable)
    if unknown:
        raise InvalidRequest(f"cannot correct {', '.join(unknown)}; correctable fields: {', '.join(sorted(correctable))}")
    if not by.strip():
        raise InvalidRequest("a correction needs the name of who made it")
    # Typed text is read as the manifest reads it ("05/01/2020", "Tối mật"); JSON numbers and null pass as they are.
    try:
        changes = {name: parse_field_value(name, value) if isinstance(value, str) and value.strip() else value
                   for name, value in changes.items()}
    except InvalidFieldValue as exc:
        raise InvalidRequest(f"invalid correction: {exc}") from exc
    try:
        proposed = Document.model_validate({**document.model_dump(), **changes})
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors(include_url=False))
        raise InvalidRequest(f"invalid correction: {reasons}") from exc
    beyond = [reason for name in changes if (reason := out_of_bounds(name, getattr(proposed, name)))]
    if beyond:
        raise InvalidRequest(f"invalid correction: {'; '.join(beyond)}")
    # A value given as it already is still counts when it was only read, not vouched for: a reviewer confirmed it.
    diff = {
        name: {"from": _plain(getattr(document, name)), "to": _plain(getattr(proposed, name))}
        for name in changes
        if getattr(proposed, name) != getattr(document, name) or _confirms(document, name, getattr(proposed, name))
    }
    if not diff:
        return document
    fields = dict(document.fields)
    for name, change in diff.items():
        read = fields.get(name)  # the corrected value stands where the read one was printed
        fields[name] = FieldRecord(value=change["to"], confidence=1.0, page=read.page if read else None,
                                   region=read.region if read else None, source="corrected")
    version = document.version + 1
    correction = Correction(version=version, by=by.strip(), at=datetime.now(timezone.utc), note=note, changes=diff)
    return proposed.model_copy(update={"fields": fields, "version": version,
                                       "corrections": [*document.corrections, correction]})


def _confirms(document: Document, name: str, value: Any) -> bool:
    record = document.fields.get(name)
    return value is not None and record is not None and record.source not in TRUSTED_SOURCES


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
