"""Watched folders: a scanner station drops files into a folder and the archive takes them, with no one at a
terminal. `archive watch DIR` queues each file for the workers once it is complete, and moves it to `DIR/done/`
or `DIR/failed/` (beside it, `NAME.reason.txt` says why) once the workers have settled it.

Complete: a file's size and modification time have not changed for `settle_s` seconds (a scanner writing over a
network share writes for a while); names a writer uses while it writes (`.part`, `.tmp`, `~$…`, hidden files)
are left alone.

Noticed: by the file system's events where it gives them (watchdog: inotify on a local disk), and by a full
scan of the folder every `interval_s` seconds whatever the events say: network shares (SMB, NFS) often send
none, and a watcher that trusts events alone stops there without a word. `poll=True` uses polling for the events
too.

Restarts: a file is first moved (renamed, atomic on one file system) into `DIR/.taken/`, then queued, then
`DIR/.taken/NAME.job` notes its job; its result moves it out. A watcher that starts again finds in `.taken/` what
the last one held: noted files are followed in their job, files taken but not yet noted are queued again (a
file queued twice is stored once: the second attempt finds it stored). Nothing in the inbox is taken twice,
nothing taken is forgotten.

Manifests (`manifest_pattern`, e.g. `*.csv`): a complete file matching it is read as the archive's manifest,
kept in `DIR/.taken/manifests/` and applied (by file name) to the files taken after it; drop it first. It moves
to `done/` once every file it names has been taken."""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from archive.errors import ArchiveError, NotFound
from archive.identity import Principal
from archive.manifest import Manifest, ManifestError, ManifestRow, load_manifest

log = logging.getLogger("archive.watch")

DONE, FAILED, TAKEN = "done", "failed", ".taken"
MANIFESTS = "manifests"
REASON_SUFFIX = ".reason.txt"
_WRITING = (".part", ".partial", ".tmp", ".crdownload", ".filepart", ".download")


@dataclass
class _Observed:
    size: int
    mtime_ns: int
    since: float  # when this size and time were first seen


@dataclass
class WatchReport:
    taken: int = 0
    done: int = 0
    failed: int = 0
    manifests: int = 0
    problems: list[str] = field(default_factory=list)


class FolderWatch:
    def __init__(self, archive, actor: Principal, folder: Path, *, settle_s: float = 2.0, interval_s: float = 2.0,
                 manifest_pattern: str | None = None, poll: bool = False, read_limit: int | None = None) -> None:
        self.archive = archive
        self.actor = actor
        self.folder = folder
        self.settle_s = settle_s
        self.interval_s = interval_s
        self.manifest_pattern = manifest_pattern
        self.poll = poll
        self.read_limit = read_limit
        self.taken = folder / TAKEN
        self.report = WatchReport()
        self._observed: dict[str, _Observed] = {}
        self._woken = threading.Event()
        self._manifests: dict[str, Manifest] = {}
        for sub in (DONE, FAILED, TAKEN, f"{TAKEN}/{MANIFESTS}"):
            (folder / sub).mkdir(parents=True, exist_ok=True)

    # ---- running ------------------------------------------------------------------------------

    def run(self, stop: threading.Event, on_cycle: Callable[[WatchReport], None] | None = None) -> None:
        observer = self._observer()
        try:
            while not stop.is_set():
                try:
                    self.cycle()
                except OSError as exc:  # the share went away for a moment: said, and tried again next pass
                    log.warning("watching %s: %s; trying again in %s s", self.folder, exc, self.interval_s)
                    self.report.problems.append(str(exc))
                if on_cycle is not None:
                    on_cycle(self.report)
                self._woken.wait(self.interval_s)
                self._woken.clear()
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)

    def _observer(self):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        woken = self._woken

        class Wake(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                woken.set()

        observer = (PollingObserver(timeout=self.interval_s) if self.poll else Observer())
        try:
            observer.schedule(Wake(), str(self.folder), recursive=False)
            observer.start()
        except OSError as exc:  # no events here (a share without them, too many watches): the scans go on
            log.warning("no file system events for %s (%s): scanning every %s s", self.folder, exc, self.interval_s)
            return None
        return observer

    def cycle(self) -> WatchReport:
        """One pass: settle what was noted, take what is complete, queue what was taken."""
        self._load_manifests()
        self._settle_taken()
        complete = self._complete_files()
        manifests = [path for path in complete if self._is_manifest(path.name)]
        for path in manifests:
            self._take_manifest(path)
        taken = [moved for path in complete if path not in manifests and (moved := self._take(path)) is not None]
        self._queue([*self._unqueued(exclude=taken), *taken])
        self._retire_manifests()
        return self.report

    # ---- noticing complete files ---------------------------------------------------------------

    def _complete_files(self) -> list[Path]:
        now = time.monotonic()
        present: set[str] = set()
        complete = []
        for entry in sorted(self.folder.iterdir(), key=lambda p: p.name):
            name = entry.name
            if name.startswith((".", "~$")) or name.lower().endswith(_WRITING) or name.endswith(REASON_SUFFIX):
                continue
            try:
                if not entry.is_file():
                    continue
                found = entry.stat()
            except OSError:
                continue  # gone or unreadable meanwhile: seen again next pass
            present.add(name)
            seen = self._observed.get(name)
            if seen is None or (seen.size, seen.mtime_ns) != (found.st_size, found.st_mtime_ns):
                self._observed[name] = _Observed(found.st_size, found.st_mtime_ns, now)
            elif now - seen.since >= self.settle_s:
                complete.append(entry)
        for name in set(self._observed) - present:
            del self._observed[name]
        return complete

    def _is_manifest(self, name: str) -> bool:
        return bool(self.manifest_pattern) and fnmatch.fnmatch(name.lower(), self.manifest_pattern.lower())

    # ---- taking and queueing -------------------------------------------------------------------

    def _take(self, path: Path) -> Path | None:
        target = _free_name(self.taken, path.name)
        try:
            path.rename(target)  # atomic: the file is the watcher's from here, and only once
        except OSError as exc:
            self.report.problems.append(f"{path.name}: not taken: {exc}")
            return None
        self._observed.pop(path.name, None)
        self.report.taken += 1
        return target

    def _unqueued(self, exclude: list[Path]) -> list[Path]:
        """Files a watcher took but never noted in a job (it stopped in between): queued again."""
        return [path for path in sorted(self.taken.iterdir())
                if path.is_file() and not path.name.endswith((".job", ".part")) and path not in exclude
                and not _job_note(path).exists()]

    def _queue(self, files: list[Path]) -> None:
        if not files:
            return
        from archive.queue import QueuedInput

        inputs = [QueuedInput(name=path.name, read=lambda path=path: self._read(path), row=self._row(path.name))
                  for path in files]
        try:
            job_id = self.archive.enqueue(self.actor, inputs)
        except ArchiveError as exc:  # the queue or the store is down: the files wait in .taken/ for the next pass
            self.report.problems.append(f"not queued: {exc}")
            log.warning("files not queued, trying again next pass: %s", exc)
            return
        for position, path in enumerate(files):
            _write_atomic(_job_note(path), json.dumps({"job_id": job_id, "position": position}).encode())

    def _read(self, path: Path) -> bytes:
        data = path.read_bytes()
        if self.read_limit is not None and len(data) > self.read_limit:
            raise ValueError(f"{len(data):,} bytes, more than the limit of {self.read_limit:,}")
        return data

    # ---- settling ------------------------------------------------------------------------------

    def _settle_taken(self) -> None:
        """Files whose job has their result leave .taken/ for done/ or failed/."""
        jobs: dict[str, object] = {}
        for note in sorted(self.taken.glob("*.job")):
            path = note.with_suffix("")
            try:
                noted = json.loads(note.read_bytes())
            except (OSError, ValueError):
                note.unlink(missing_ok=True)  # torn by a crash: the file is queued again
                continue
            if not path.exists():
                note.unlink(missing_ok=True)
                continue
            job_id = noted["job_id"]
            try:
                if job_id not in jobs:
                    jobs[job_id] = self.archive.poll_job(self.actor, job_id)
                item = jobs[job_id].items[noted["position"]]
            except NotFound:  # the queue lost the job (a new queue database): queue the file again
                note.unlink(missing_ok=True)
                continue
            except ArchiveError as exc:
                self.report.problems.append(f"job {job_id}: {exc}")
                return
            if item.status == "pending":
                continue
            if item.status == "failed":
                self._move_out(path, FAILED, reason=item.error or "failed")
                self.report.failed += 1
            else:
                self._move_out(path, DONE)
                self.report.done += 1
            note.unlink(missing_ok=True)

    def _move_out(self, path: Path, where: str, reason: str | None = None) -> None:
        target = _free_name(self.folder / where, path.name)
        if reason is not None:  # written first: a failed file is never there without its reason
            _write_atomic(target.with_name(target.name + REASON_SUFFIX), (reason + "\n").encode())
        path.rename(target)

    # ---- manifests -----------------------------------------------------------------------------

    def _take_manifest(self, path: Path) -> None:
        target = _free_name(self.taken / MANIFESTS, path.name)
        try:
            manifest = load_manifest(path)
        except ManifestError as exc:
            self._move_out(path, FAILED, reason=str(exc))
            self.report.failed += 1
            return
        path.rename(target)
        self._manifests[target.name] = manifest  # for the files taken in this same pass too
        self._observed.pop(path.name, None)
        self.report.manifests += 1

    def _load_manifests(self) -> None:
        for path in sorted((self.taken / MANIFESTS).iterdir()):
            if path.name not in self._manifests and path.is_file():
                try:
                    self._manifests[path.name] = load_manifest(path)
                except ManifestError as exc:
                    self._move_out(path, FAILED, reason=str(exc))

    def _row(self, name: str) -> ManifestRow | None:
        wanted = name.casefold()
        for manifest in self._manifests.values():
            for row in manifest.rows:
                if Path(row.file).name.casefold() == wanted:
                    return row
        return None

    def _retire_manifests(self) -> None:
        """A manifest whose every file has been taken (now in done/ or failed/) goes to done/ itself."""
        settled = {p.name.casefold() for where in (DONE, FAILED) for p in (self.folder / where).iterdir()}
        for name, manifest in list(self._manifests.items()):
            if all(Path(row.file).name.casefold() in settled for row in manifest.rows):
                path = self.taken / MANIFESTS / name
                if path.exists():
                    self._move_out(path, DONE)
                del self._manifests[name]


def _job_note(path: Path) -> Path:
    return path.with_name(path.name + ".job")


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `name (2)`, `name (3)`… when a file of that name is there already."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while target.exists() or target.with_name(target.name + ".job").exists():
        target = folder / f"{stem} ({number}){suffix}"
        number += 1
    return target


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)
