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
import itertools
import os
import shutil
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
        self._root = str(self.root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create storage directory {self.root}: {exc}") from exc
        self._grouped = threading.local()  # per thread: inside durable_in_groups, directories written since the last sync

    def _path(self, key: str) -> Path:
        return Path(self._file(key))

    def _file(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"invalid object key: {key!r}")
        return f"{self._root}/{key}"  # strings, not pathlib: a batch calls this several times a file

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream") -> None:
        target = self._file(key)
        directory = os.path.dirname(target)
        try:
            fd, tmp_name = _new_temp_file(directory)
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
                _fsync_dir(directory)
            else:
                written.add(directory)
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
        return os.path.isfile(self._file(key))

    def delete(self, key: str) -> None:
        try:
            os.unlink(self._file(key))
        except FileNotFoundError:
            pass

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


_TEMP_NAMES = itertools.count()


def _new_temp_file(directory: str) -> tuple[int, str]:
    """A new file, open for writing, beside where its object goes; its directories made when missing. Named by
    process and counter (`list` skips the prefix): `tempfile.mkstemp`'s random names cost more than the write of a
    small record."""
    while True:
        name = f"{directory}/.tmp-{os.getpid()}-{next(_TEMP_NAMES)}.part"
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), name
        except FileExistsError:
            continue  # left by a killed process whose id this one has now
        except FileNotFoundError:
            os.makedirs(directory, exist_ok=True)
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), name


def _fsync_dir(directory: Path | str) -> None:
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
