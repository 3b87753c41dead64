"""The `ObjectStore` port: a flat key → bytes store, the system of record.

Keys are '/'-separated paths chosen by `storage.layout`; adapters map them onto a
directory tree or S3 object names. Writes are atomic: a reader sees the whole object
or none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator, Protocol


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


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

    def ping(self) -> None:
        """Raise `storage.errors.StorageUnavailable` when the backend does not answer."""

    def close(self) -> None: ...
