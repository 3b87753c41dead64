"""The embedded object store: a directory tree, atomic writes (temp file, fsync, rename).

It keeps no history: an overwrite or a delete loses the older bytes, and `versions` lists each
current object once, with no version id.

A batch stores in groups (`durable_in_groups`), the way git's batched fsync does: inside a group a write goes to a
temp file beside its object and is not synced; the group's end (`make_durable`, before the group's index commit)
makes every temp file durable at once (one `syncfs`), only then gives each its name (renames, in the order the
writes were asked), and makes the names durable (a second `syncfs`). No name is ever given to bytes that are not on
the disk, so no object is ever seen half-written, and a group costs two syncs instead of one per file (each a journal
commit: a tenth of a text-PDF batch's time). A power cut before the renames loses the group's writes (the batch's
rerun makes them again; the stray temp files are skipped by `list`); during them, a journaling file system (ext4,
XFS) keeps a prefix. Until its end, the group's own thread sees its writes (`exists`, `get`); another process sees
them from the end on, with the index.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import re
import shutil
import threading
import time
from collections import deque
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
        # Per thread, inside durable_in_groups: the writes waiting for the group's end, in order (key, temp file).
        self._grouped = threading.local()

    def _path(self, key: str) -> Path:
        return Path(self._file(key))

    def _file(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"invalid object key: {key!r}")
        return f"{self._root}/{key}"  # strings, not pathlib: a batch calls this several times a file

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream") -> None:
        target = self._file(key)
        directory = os.path.dirname(target)
        waiting: _GroupWrites | None = getattr(self._grouped, "writes", None)
        try:
            fd, tmp_name = _new_temp_file(directory)
            try:
                with os.fdopen(fd, "wb") as out:
                    if isinstance(data, (bytes, bytearray, memoryview)):
                        out.write(data)
                    else:
                        shutil.copyfileobj(data, out, _COPY_CHUNK)
                    out.flush()
                    if waiting is None and out.tell():  # an empty object (a marker) has no bytes to lose
                        os.fsync(out.fileno())
                if waiting is not None:
                    waiting.add(key, tmp_name, target)  # named at the group's end, once its bytes are on the disk
                    return
                os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            _fsync_dir(directory)
        except OSError as exc:
            raise StorageError(f"cannot write {key}: {exc}") from exc

    @contextmanager
    def durable_in_groups(self) -> Iterator[None]:
        """Within this block (this thread), writes are named and made durable a group at a time (`make_durable`);
        the block's end makes everything durable. Left by an error, the writes not yet named are dropped."""
        self._grouped.writes = waiting = _GroupWrites()
        try:
            yield
            self.make_durable()
        finally:
            self._grouped.writes = None
            waiting.drop()

    def make_durable(self) -> None:
        """Every write this thread asked for since the last call is on the disk under its name from now on."""
        waiting: _GroupWrites | None = getattr(self._grouped, "writes", None)
        if waiting is None or not waiting.entries:
            return
        try:
            synced = _syncfs(self.root)
            if not synced:  # no syncfs (not Linux): each file, then each directory
                for _key, tmp_name, _target in waiting.entries:
                    _fsync_file(tmp_name)
            directories = set()
            while waiting.entries:
                key, tmp_name, target = waiting.entries[0]
                os.replace(tmp_name, target)
                waiting.named(key, tmp_name)
                directories.add(os.path.dirname(target))
            if not (synced and _syncfs(self.root)):
                for directory in directories:
                    _fsync_dir(directory)
        except OSError as exc:
            raise StorageError(f"cannot make the writes under {self.root} durable: {exc}") from exc

    def _waiting_for(self, key: str) -> str | None:
        """The temp file holding this thread's write of `key` not named yet, if there is one."""
        waiting: _GroupWrites | None = getattr(self._grouped, "writes", None)
        return waiting.latest.get(key) if waiting is not None else None

    def _settle(self) -> None:
        """Before an operation that must see the disk as this thread will leave it: the group's writes named."""
        waiting: _GroupWrites | None = getattr(self._grouped, "writes", None)
        if waiting is not None and waiting.entries:
            self.make_durable()

    def get(self, key: str) -> bytes:
        try:
            return Path(self._waiting_for(key) or self._file(key)).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot read {key}: {exc}") from exc

    def open_range(self, key: str, start: int = 0, end: int | None = None, chunk_size: int = _COPY_CHUNK) -> Iterator[bytes]:
        self._settle()
        path = self._path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        return _read_range(handle, start, end, chunk_size)

    def stat(self, key: str) -> ObjectInfo:
        self._settle()
        try:
            return ObjectInfo(key=key, size=self._path(key).stat().st_size)
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def exists(self, key: str) -> bool:
        return self._waiting_for(key) is not None or os.path.isfile(self._file(key))

    def delete(self, key: str) -> None:
        if self._waiting_for(key) is not None:
            self._settle()
        try:
            os.unlink(self._file(key))
        except FileNotFoundError:
            pass

    def list(self, prefix: str) -> Iterator[str]:
        self._settle()
        base = self.root / prefix
        if not base.exists():
            return
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".tmp-"):
                    continue
                yield Path(dirpath, name).relative_to(self.root).as_posix()

    def versions(self, prefix: str) -> Iterator[ObjectVersion]:
        self._settle()
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

    def sweep_stray_temp_files(self) -> int:
        """Removes the temp files a killed process left (a group's writes it never named): those of a process no
        longer running, and any older than a day (`tempfile`'s names of earlier versions carry no process). Returns
        how many. Walks the whole tree: for after an interrupted batch, not for every run."""
        removed = 0
        day_ago = time.time() - 86_400
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                if not (name.startswith(".tmp-") and name.endswith(".part")):
                    continue
                path = os.path.join(dirpath, name)
                owner = _TEMP_OWNER.match(name)
                try:
                    stray = (owner is not None and not _running(int(owner.group(1)))) or os.stat(path).st_mtime < day_ago
                    if stray:
                        os.unlink(path)
                        removed += 1
                except FileNotFoundError:
                    continue  # named or removed meanwhile
        return removed

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


class _GroupWrites:
    """A group's writes not named yet: (key, temp file, target) in the order asked, and each key's latest."""

    def __init__(self) -> None:
        self.entries: deque[tuple[str, str, str]] = deque()
        self.latest: dict[str, str] = {}

    def add(self, key: str, tmp_name: str, target: str) -> None:
        self.entries.append((key, tmp_name, target))
        self.latest[key] = tmp_name

    def named(self, key: str, tmp_name: str) -> None:
        self.entries.popleft()
        if self.latest.get(key) == tmp_name:
            del self.latest[key]

    def drop(self) -> None:
        for _key, tmp_name, _target in self.entries:
            Path(tmp_name).unlink(missing_ok=True)
        self.entries.clear()
        self.latest.clear()


_TEMP_NAMES = itertools.count()
_TEMP_OWNER = re.compile(r"\.tmp-(\d+)-\d+\.part$")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


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


def _fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
