"""The embedded object store: a directory tree, atomic writes (temp file, fsync, rename).

It keeps no history: an overwrite or a delete loses the older bytes, and `versions` lists each
current object once, with no version id.

A batch stores in groups (`durable_in_groups`): each write still reaches the disk before its name is given, so
no object is ever seen half-written, but the directory entries are made durable once per group (`make_durable`,
one `syncfs`) instead of once per write. A journaling file system (ext4, XFS) commits them in the order they
were made, so a power cut keeps a prefix of the group; the group's next step (its index commit) waits for
`make_durable`.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterator

from storage.errors import ObjectNotFound, StorageError, StorageUnavailable
from storage.ports import ObjectInfo, ObjectVersion

_COPY_CHUNK = 1 << 20


class LocalObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create storage directory {self.root}: {exc}") from exc
        self._grouped = threading.local()  # per thread: inside durable_in_groups, directories written since the last sync

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"invalid object key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream") -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    if isinstance(data, (bytes, bytearray, memoryview)):
                        out.write(data)
                    else:
                        shutil.copyfileobj(data, out, _COPY_CHUNK)
                    out.flush()
                    if out.tell():  # an empty object (a marker) has no bytes to lose: its name is what counts
                        os.fsync(out.fileno())
                os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            written = getattr(self._grouped, "directories", None)
            if written is None:
                _fsync_dir(target.parent)
            else:
                written.add(target.parent)
        except OSError as exc:
            raise StorageError(f"cannot write {key}: {exc}") from exc

    @contextmanager
    def durable_in_groups(self) -> Iterator[None]:
        """Within this block (this thread), writes leave their directory entries to the next `make_durable`;
        the block's end makes everything durable."""
        self._grouped.directories = set()
        try:
            yield
        finally:
            try:
                self.make_durable()
            finally:
                self._grouped.directories = None

    def make_durable(self) -> None:
        """Every name this thread wrote since the last call survives a power cut from now on."""
        written = getattr(self._grouped, "directories", None)
        if not written:
            return
        try:
            if not _syncfs(self.root):
                for directory in written:
                    _fsync_dir(directory)
        except OSError as exc:
            raise StorageError(f"cannot make the writes under {self.root} durable: {exc}") from exc
        written.clear()

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot read {key}: {exc}") from exc

    def open_range(self, key: str, start: int = 0, end: int | None = None, chunk_size: int = _COPY_CHUNK) -> Iterator[bytes]:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        return _read_range(handle, start, end, chunk_size)

    def stat(self, key: str) -> ObjectInfo:
        try:
            return ObjectInfo(key=key, size=self._path(key).stat().st_size)
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix
        if not base.exists():
            return
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".tmp-"):
                    continue
                yield Path(dirpath, name).relative_to(self.root).as_posix()

    def versions(self, prefix: str) -> Iterator[ObjectVersion]:
        for key in self.list(prefix):
            try:
                info = self._path(key).stat()
            except FileNotFoundError:
                continue  # deleted since it was listed
            yield ObjectVersion(key=key, version_id=None, size=info.st_size, etag=None, is_latest=True,
                                is_delete_marker=False, modified=datetime.fromtimestamp(info.st_mtime, timezone.utc))

    def get_version(self, key: str, version_id: str | None) -> bytes:
        if version_id is not None:
            raise ObjectNotFound(f"{key} version {version_id}: the local store keeps no versions")
        return self.get(key)

    def ping(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"storage directory {self.root} is not writable")

    def close(self) -> None:
        pass


def _read_range(handle: BinaryIO, start: int, end: int | None, chunk_size: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        remaining = None if end is None else end - start + 1
        while remaining is None or remaining > 0:
            chunk = handle.read(chunk_size if remaining is None else min(chunk_size, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_LIBC = ctypes.CDLL(None, use_errno=True)


def _syncfs(root: Path) -> bool:
    """One `syncfs(2)` of the file system holding `root`: False where the C library has none (not Linux)."""
    syncfs = getattr(_LIBC, "syncfs", None)
    if syncfs is None:
        return False
    fd = os.open(root, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))
    finally:
        os.close(fd)
    return True
