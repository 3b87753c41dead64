"""The composition root: the only module that imports concrete adapters.

`build_services(settings)` wires storage, index and extraction options into one
`ArchiveService` for the API and the CLI alike. Heavy clients are imported inside their factory.
"""

from __future__ import annotations

from typing import Callable

import structlog

from archive.config import Settings
from archive.errors import BackendUnavailable, InvalidRequest
from archive.service import ArchiveService
from archive.usecases import Archive
from ingest.limits import ExtractionLimits
from ingest.options import ExtractionOptions
from search.errors import SearchError
from search.ports import SearchIndex
from storage.errors import StorageError
from storage.ports import ObjectStore

log = structlog.get_logger(__name__)


def _local_store(settings: Settings) -> ObjectStore:
    from storage.local import LocalObjectStore

    return LocalObjectStore(settings.storage_dir)


def _s3_store(settings: Settings) -> ObjectStore:
    from storage.s3 import S3ObjectStore

    return S3ObjectStore(
        settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, settings.s3_bucket,
        secure=settings.s3_secure, region=settings.s3_region,
    )


def backup_store(destination: str, settings: Settings) -> ObjectStore:
    """Where `archive backup` writes and `archive restore` reads: a directory, or `s3://bucket[/prefix]` on
    ARCHIVE_BACKUP_S3_ENDPOINT (the archive's own S3 server when unset)."""
    from urllib.parse import urlsplit

    from storage.prefixed import PrefixedStore

    if destination.startswith("s3://"):
        from storage.s3 import S3ObjectStore

        where = urlsplit(destination)
        if not where.netloc:
            raise InvalidRequest(f"{destination}: name the bucket, as s3://bucket or s3://bucket/prefix")
        secure = settings.backup_s3_secure if settings.backup_s3_secure is not None else settings.s3_secure
        try:
            bucket = S3ObjectStore(settings.backup_s3_endpoint or settings.s3_endpoint,
                                   settings.backup_s3_access_key or settings.s3_access_key,
                                   settings.backup_s3_secret_key or settings.s3_secret_key, where.netloc,
                                   secure=secure, require_versioning=False)
        except StorageError as exc:
            raise BackendUnavailable(f"backup store {destination}: {exc}") from exc
        return PrefixedStore(bucket, where.path)
    from pathlib import Path

    from storage.local import LocalObjectStore

    return LocalObjectStore(Path(destination).expanduser())


def _tantivy_index(settings: Settings) -> SearchIndex:
    from search.tantivy_index import TantivyIndex

    return TantivyIndex(settings.index_dir, replace_incompatible=True)


def _elasticsearch_index(settings: Settings) -> SearchIndex:
    from search.elasticsearch_index import ElasticsearchIndex

    return ElasticsearchIndex(settings.es_url, settings.es_index)


STORES: dict[str, Callable[[Settings], ObjectStore]] = {"local": _local_store, "s3": _s3_store}
INDEXES: dict[str, Callable[[Settings], SearchIndex]] = {"tantivy": _tantivy_index, "elasticsearch": _elasticsearch_index}


def extraction_options(settings: Settings) -> ExtractionOptions:
    limits = ExtractionLimits(
        max_bytes=settings.max_upload_bytes,
        max_pages=settings.max_pages,
        max_pixels=settings.max_pixels,
        ocr_timeout_s=settings.ocr_timeout_s,
        file_timeout_s=settings.file_timeout_s,
        worker_memory_bytes=settings.worker_memory_mb * 1024 * 1024,
    )
    return ExtractionOptions(limits=limits, ocr_lang=settings.ocr_lang, reading=settings.ocr_reading)


def build_archive(settings: Settings, service: ArchiveService | None = None, *, with_queue: bool = True) -> Archive:
    """The use-case layer over the service, the users of the data directory, the audit trail and the queue."""
    from archive.audit import AuditTrail
    from archive.identity import UserStore

    service = service or build_services(settings)
    queue = None
    if with_queue:
        from archive.queue import build_queue  # Huey and its Redis client: only for commands that queue

        queue = build_queue(settings)
    return Archive(service, UserStore(settings.users_db), AuditTrail(service.store), queue=queue,
                   session_hours=settings.session_hours)


def build_services(settings: Settings) -> ArchiveService:
    try:
        store = STORES[settings.storage](settings)
    except StorageError as exc:
        raise BackendUnavailable(f"storage ({settings.storage}) unavailable: {exc}") from exc
    try:
        index = INDEXES[settings.index](settings)
    except SearchError as exc:
        store.close()
        raise BackendUnavailable(f"index ({settings.index}) unavailable: {exc}") from exc
    service = ArchiveService(store, index, extraction_options(settings), review_below=settings.review_below)
    replaced = getattr(index, "replaced", None)
    if replaced is not None:  # an index from an older schema: the index is derived, so it is built again from storage
        log.warning("the search index was written by an older version: rebuilding it from storage",
                    old_index=str(replaced))
        service.reindex()
    return service
