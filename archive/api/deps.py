"""Dependency aliases, defined once and used by every router."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BeforeValidator

from archive.config import Settings
from archive.queue import ArchiveQueue
from archive.service import ArchiveService
from archive.usecases import Archive


def get_service(request: Request) -> ArchiveService:
    return request.app.state.service


def get_queue(request: Request) -> ArchiveQueue:
    return request.app.state.queue


def get_archive(request: Request) -> Archive:
    return request.app.state.archive


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


Service = Annotated[ArchiveService, Depends(get_service)]
UseCases = Annotated[Archive, Depends(get_archive)]
IngestQueue = Annotated[ArchiveQueue, Depends(get_queue)]
AppSettings = Annotated[Settings, Depends(get_settings)]


# ---- dates in parameters and bodies -------------------------------------------------------------
# ISO 8601 only, as the schema says (format date / date-time). Pydantic would also read a number as a Unix
# time: `since=20200105` meant 1970-08-23 and `date_from=0` 1970-01-01, silently.

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ].*)?", re.DOTALL)


def _iso(pattern: re.Pattern[str], shape: str):
    def check(value: Any) -> Any:
        if isinstance(value, (date, datetime)):
            return value
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"expected an ISO 8601 {shape}")
        return value

    return check


IsoDate = Annotated[date, BeforeValidator(_iso(_ISO_DATE, "date, YYYY-MM-DD"))]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso(_ISO_DATETIME, "date and time, YYYY-MM-DDTHH:MM:SS[+HH:MM]"))]
