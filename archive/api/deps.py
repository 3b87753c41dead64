"""Dependency aliases, defined once and used by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

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
