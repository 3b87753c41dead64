"""Originals are never served unchecked: what a download sends is hashed against the document's SHA-256.

- A whole original up to `CHECK_FIRST_BYTES` is read, hashed and only then handed out: a mismatch is an
  error before the first byte (the API answers 503).
- A larger one streams, hashed as it goes, always one chunk behind: the last chunk leaves only once the
  digest matched. On a mismatch the stream stops short of its declared length (the client sees a broken
  download, never a complete one) and the mismatch is logged.
- A byte range cannot be judged by itself: the whole original is hashed first (read once, in chunks), then
  the range is read.

Any mismatch raises `BackendUnavailable` ("fails its checksum"), as the export does.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Iterator

import structlog

from archive.errors import BackendUnavailable
from storage.errors import IntegrityError, ObjectNotFound, StorageError, StorageUnavailable
from storage.ports import ObjectStore

CHECK_FIRST_BYTES = 8 << 20

log = structlog.get_logger(__name__)


def verified_original(store: ObjectStore, key: str, *, sha256: str, size: int, document_id: str,
                      start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Bytes `start`..`end` (inclusive; None = to the end) of the original under `key`, checked against `sha256`.
    The checks that can fail before the first byte run now, not when the iterator is first read."""
    try:
        if start == 0 and end is None:
            if size <= CHECK_FIRST_BYTES:
                data = b"".join(_checked(store.open_range(key), sha256, document_id, hold_back=False))
                return iter((data,) if data else ())
            return _checked(store.open_range(key), sha256, document_id, hold_back=True)
        if size <= CHECK_FIRST_BYTES:
            data = b"".join(_checked(store.open_range(key), sha256, document_id, hold_back=False))
            return iter((data[start : (len(data) if end is None else end + 1)],))
        for _ in _checked(store.open_range(key), sha256, document_id, hold_back=False):
            pass
        return store.open_range(key, start, end)
    except ObjectNotFound as exc:
        log.error("original missing", document_id=document_id, key=key)
        raise BackendUnavailable(f"the stored original of {document_id} is missing; run `archive verify`") from exc
    except StorageUnavailable as exc:
        raise BackendUnavailable(str(exc)) from exc


def _checked(chunks: Iterable[bytes], sha256: str, document_id: str, *, hold_back: bool) -> Iterator[bytes]:
    """The chunks, hashed; the last one held back until the digest matched. Raises on a mismatch."""
    digest = hashlib.sha256()
    held: bytes | None = None
    try:
        for chunk in chunks:
            digest.update(chunk)
            if held is not None:
                yield held
            held = chunk
            if not hold_back:
                yield held
                held = None
    except IntegrityError as exc:  # a store that checks its own digest noticed first
        _mismatch(document_id, str(exc))
    except StorageError as exc:
        raise BackendUnavailable(f"reading the original of {document_id} failed: {exc}") from exc
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    if digest.hexdigest() != sha256:
        _mismatch(document_id, f"sha256 {digest.hexdigest()}, expected {sha256}")
    if held is not None:
        yield held


def _mismatch(document_id: str, detail: str) -> None:
    log.error("stored original fails its checksum: not served", document_id=document_id, detail=detail)
    raise BackendUnavailable(f"the stored original of {document_id} fails its checksum and is not served;"
                             " run `archive verify`")
