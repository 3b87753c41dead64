"""An `ObjectStore` seen under a key prefix: a backup at `s3://bucket/site-a/` lives beside others in one bucket."""

from __future__ import annotations

from typing import BinaryIO, Iterator

from storage.ports import ObjectInfo, ObjectStore, ObjectVersion


class PrefixedStore:
    def __init__(self, inner: ObjectStore, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self.prefix + key

    def _outer(self, key: str) -> str:
        return key[len(self.prefix):]

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream") -> None:
        self.inner.put(self._key(key), data, content_type=content_type)

    def get(self, key: str) -> bytes:
        return self.inner.get(self._key(key))

    def open_range(self, key: str, start: int = 0, end: int | None = None, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        return self.inner.open_range(self._key(key), start, end, chunk_size)

    def stat(self, key: str) -> ObjectInfo:
        found = self.inner.stat(self._key(key))
        return ObjectInfo(key=key, size=found.size)

    def exists(self, key: str) -> bool:
        return self.inner.exists(self._key(key))

    def delete(self, key: str) -> None:
        self.inner.delete(self._key(key))

    def list(self, prefix: str) -> Iterator[str]:
        return (self._outer(key) for key in self.inner.list(self._key(prefix)))

    def versions(self, prefix: str) -> Iterator[ObjectVersion]:
        for version in self.inner.versions(self._key(prefix)):
            yield ObjectVersion(self._outer(version.key), version.version_id, version.size, version.etag,
                                version.is_latest, version.is_delete_marker, version.modified)

    def get_version(self, key: str, version_id: str | None) -> bytes:
        return self.inner.get_version(self._key(key), version_id)

    def ping(self) -> None:
        self.inner.ping()

    def close(self) -> None:
        self.inner.close()
