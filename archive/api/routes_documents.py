from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from archive.api.auth import Actor
from archive.api.deps import UseCases
from archive.api.openapi import API_ERRORS, FILE_RESPONSES, PAGE_RESPONSES
from archive.api.security import DocumentId, content_disposition
from archive.errors import ArchiveError
from archive.models import ClassificationChange, ClassificationRequest, Document, DocumentText
from common.vocabulary import CLASSIFICATIONS

router = APIRouter(prefix="/api/v1/documents", tags=["documents"], responses=API_ERRORS)

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_RANGE_DIGITS = 18  # positions past 10**18 bytes are all "beyond the end"; int() of thousands of digits fails


class RangeNotSatisfiable(ArchiveError):
    def __init__(self, size: int) -> None:
        super().__init__(f"requested range not satisfiable (size {size})")
        self.size = size


@router.get("/{document_id}", response_model=Document)
def get_document(document_id: DocumentId, archive: UseCases, actor: Actor) -> Document:
    return archive.document(actor, document_id)


class CorrectionRequest(BaseModel):
    fields: dict[str, Any] = Field(description="field → corrected value, e.g. {\"serial_number\": \"KB-15-84\"}")
    by: str | None = Field(default=None, description="ignored: the signed-in person is recorded as the corrector")
    note: str | None = None


@router.patch("/{document_id}", response_model=Document)
def correct_document(document_id: DocumentId, correction: CorrectionRequest, archive: UseCases, actor: Actor) -> Document:
    """Correct fields (clerks): stored as a new version of the record (the old one kept), index updated."""
    return archive.correct(actor, document_id, correction.fields, note=correction.note)


class ClassificationAsk(BaseModel):
    classification: str = Field(description="unclassified | confidential | secret | top_secret",
                                json_schema_extra={"enum": list(CLASSIFICATIONS)})
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/{document_id}/classification", response_model=ClassificationChange)
def change_classification(document_id: DocumentId, ask: ClassificationAsk, archive: UseCases, actor: Actor) -> ClassificationChange:
    """Records officers: an upgrade applies at once; a downgrade waits for a second records officer."""
    return archive.change_classification(actor, document_id, ask.classification, ask.reason)


@router.get("/{document_id}/versions/{version}", response_model=Document)
def get_document_version(document_id: DocumentId, version: int, archive: UseCases, actor: Actor) -> Document:
    return archive.document_version(actor, document_id, version)


@router.get("/{document_id}/text", response_model=DocumentText)
def get_text(document_id: DocumentId, archive: UseCases, actor: Actor) -> DocumentText:
    return archive.document_text(actor, document_id)


@router.get("/{document_id}/file", response_class=Response, responses=FILE_RESPONSES)
def get_file(document_id: DocumentId, archive: UseCases, actor: Actor,
             range_header: Annotated[str | None, Header(alias="Range")] = None):
    document, stream = archive.original(actor, document_id, range_header)
    size = document.size_bytes
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(document.filename),
        "ETag": f'"{document.sha256}"',
    }
    span = parse_range(range_header, size) if range_header else None
    if span is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(stream(0, None), media_type=document.content_type, headers=headers)
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(
        stream(start, end), status_code=206, media_type=document.content_type, headers=headers
    )


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One byte range (RFC 9110); None for a header we ignore (several ranges), error when unsatisfiable."""
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = (digits if len(digits) <= _RANGE_DIGITS else "9" * _RANGE_DIGITS for digits in match.groups())
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            raise RangeNotSatisfiable(size)
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable(size)
    return start, end


@router.get("/{document_id}/pages/{page}.png", response_class=Response, responses=PAGE_RESPONSES)
def get_page(document_id: DocumentId, page: int, archive: UseCases, actor: Actor,
             width: Annotated[int | None, Query(ge=16, le=4000)] = None):
    return Response(content=archive.page_png(actor, document_id, page, width), media_type="image/png")


classification_router = APIRouter(prefix="/api/v1/classification-requests", tags=["documents"], responses=API_ERRORS)


@classification_router.get("", response_model=list[ClassificationRequest])
def classification_requests(archive: UseCases, actor: Actor) -> list[ClassificationRequest]:
    """Downgrades waiting for a second records officer."""
    return archive.classification_requests(actor)


@classification_router.post("/{request_id}/approve", response_model=ClassificationChange)
def approve_classification(request_id: str, archive: UseCases, actor: Actor) -> ClassificationChange:
    """A second records officer (not the one who asked) applies a downgrade."""
    return archive.approve_classification(actor, request_id)
