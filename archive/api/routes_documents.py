from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from archive.api.deps import Service
from archive.errors import ArchiveError
from archive.models import Document, DocumentText

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(ArchiveError):
    def __init__(self, size: int) -> None:
        super().__init__(f"requested range not satisfiable (size {size})")
        self.size = size


@router.get("/{document_id}", response_model=Document)
def get_document(document_id: str, service: Service) -> Document:
    return service.document(document_id)


class CorrectionRequest(BaseModel):
    fields: dict[str, Any] = Field(description="field → corrected value, e.g. {\"serial_number\": \"KB-15-84\"}")
    by: str = Field(description="who reviewed and corrected")
    note: str | None = None


@router.patch("/{document_id}", response_model=Document)
def correct_document(document_id: str, correction: CorrectionRequest, service: Service) -> Document:
    """Correct fields: stored as a new version of the record (the old one kept), index updated."""
    return service.correct(document_id, correction.fields, by=correction.by, note=correction.note)


@router.get("/{document_id}/versions/{version}", response_model=Document)
def get_document_version(document_id: str, version: int, service: Service) -> Document:
    return service.document_version(document_id, version)


@router.get("/{document_id}/text", response_model=DocumentText)
def get_text(document_id: str, service: Service) -> DocumentText:
    return service.document_text(document_id)


@router.get("/{document_id}/file")
def get_file(document_id: str, service: Service, range_header: Annotated[str | None, Header(alias="Range")] = None):
    document = service.document(document_id)
    size = document.size_bytes
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
        "ETag": f'"{document.sha256}"',
    }
    span = parse_range(range_header, size) if range_header else None
    if span is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(service.original(document_id), media_type=document.content_type, headers=headers)
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(
        service.original(document_id, start, end), status_code=206, media_type=document.content_type, headers=headers
    )


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One byte range (RFC 9110); None for a header we ignore (several ranges), error when unsatisfiable."""
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = match.groups()
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


@router.get("/{document_id}/pages/{page}.png")
def get_page(document_id: str, page: int, service: Service, width: Annotated[int | None, Query(ge=16, le=4000)] = None):
    return Response(content=service.page_png(document_id, page, width), media_type="image/png")
