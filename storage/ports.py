"""The `ObjectStore` port: a flat key → bytes store, the system of record.

Keys are '/'-separated paths chosen by `storage.layout`; adapters map them onto a
directory tree or S3 object names. Writes are atomic: a reader sees the whole object
or none of it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Iterator, Protocol


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


@dataclass(frozen=True)
class ObjectVersion:
    """One stored version of a key, or a delete marker. A store that keeps no history lists each
    current object once, with `version_id` None."""

    key: str
    version_id: str | None
    size: int
    etag: str | None  # S3: the MD5 of the bytes when they were sent in one PUT; else opaque or None
    is_latest: bool
    is_delete_marker: bool
    modified: datetime | None


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream") -> None:
        """Store atomically, replacing any previous object under the key."""

    def get(self, key: str) -> bytes: ...

    def open_range(self, key: str, start: int = 0, end: int | None = None, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Stream bytes start..end (end inclusive, None = to the end)."""

    def stat(self, key: str) -> ObjectInfo: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str) -> Iterator[str]:
        """Keys under a prefix, in no promised order."""

    def versions(self, prefix: str) -> Iterator[ObjectVersion]:
        """Every kept version of every key under a prefix, delete markers included, in no promised
        order; a store without history lists each current object once (version_id None)."""

    def get_version(self, key: str, version_id: str | None) -> bytes:
        """The bytes of one version; None means the current one."""

    def ping(self) -> None:
        """Raise `storage.errors.StorageUnavailable` when the backend does not answer."""

    def close(self) -> None: ...


def durable_in_groups(store: ObjectStore) -> AbstractContextManager:
    """A batch's writes made durable a group at a time where the store can (the local store); elsewhere each
    write is durable when `put` returns (S3 answers only then) and this changes nothing."""
    grouped = getattr(store, "durable_in_groups", None)
    return grouped() if grouped is not None else nullcontext()


def make_durable(store: ObjectStore) -> None:
    """The end of a group: what this thread wrote so far survives a power cut."""
    durable = getattr(store, "make_durable", None)
    if durable is not None:
        durable()


def sweep_stray_temp_files(store: ObjectStore) -> int:
    """After an interrupted batch: the temp files its killed process left, removed where the store has any (the
    local store's groups); how many."""
    sweep = getattr(store, "sweep_stray_temp_files", None)
    return sweep() if sweep is not None else 0
