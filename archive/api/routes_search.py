from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from archive.api.auth import Actor
from archive.api.deps import IsoDate, UseCases
from archive.api.openapi import API_ERRORS, EXPORT_RESPONSES
from archive.api.security import content_disposition
from archive.models import Equipment, LikelyDuplicate, ReviewItem, SearchResponse
from search.types import SearchQuery

router = APIRouter(prefix="/api/v1", tags=["search"], responses=API_ERRORS)


@router.get("/search", response_model=SearchResponse)
def search(
    archive: UseCases,
    actor: Actor,
    q: str = "",
    doc_type: str | None = None,
    unit: str | None = None,
    serial: str | None = None,
    designation: str | None = None,
    classification: str | None = None,
    repair_level: str | None = None,
    date_from: IsoDate | None = None,
    date_to: IsoDate | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    cursor: str | None = None,
    sort: Annotated[Literal["relevance", "date"], Query(description="relevance (without words: newest first) or"
                                                          " date (newest first)")] = "relevance",
) -> SearchResponse:
    query = SearchQuery(
        text=q, doc_type=doc_type, unit=unit, serial=serial, designation=designation, classification=classification,
        repair_level=repair_level, date_from=date_from, date_to=date_to, limit=limit, cursor=cursor, sort=sort,
    )
    return archive.search(actor, query)


@router.get("/equipment/{serial}", response_model=Equipment)
def equipment(serial: str, archive: UseCases, actor: Actor) -> Equipment:
    return archive.equipment(actor, serial)


@router.get("/equipment/{serial}/export", response_class=Response, responses=EXPORT_RESPONSES)
def export(serial: str, archive: UseCases, actor: Actor) -> Response:
    filename, data = archive.export(actor, serial)
    return Response(
        content=data, media_type="application/zip", headers={"Content-Disposition": content_disposition(filename)}
    )


@router.get("/duplicates", response_model=list[LikelyDuplicate])
def likely_duplicates(archive: UseCases, actor: Actor) -> list[LikelyDuplicate]:
    """Documents stored as likely rescans of others (same serial, doc type, date and number)."""
    return archive.likely_duplicates(actor)


@router.get("/review", response_model=list[ReviewItem])
def review_list(archive: UseCases, actor: Actor) -> list[ReviewItem]:
    """Documents with fields under the review threshold (ARCHIVE_REVIEW_BELOW), a serial or a classification missing."""
    return archive.review_list(actor)
