"""Dependency aliases, defined once and used by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from archive.config import Settings
from archive.jobs import JobStore
from archive.service import ArchiveService


def get_service(request: Request) -> ArchiveService:
    return request.app.state.service


def get_jobs(request: Request) -> JobStore:
    return request.app.state.jobs


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


Service = Annotated[ArchiveService, Depends(get_service)]
Jobs = Annotated[JobStore, Depends(get_jobs)]
AppSettings = Annotated[Settings, Depends(get_settings)]
