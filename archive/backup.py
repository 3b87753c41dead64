"""Backups: a second, independent copy of the archive (originals, every version of every record, the audit
trail, the review and classification state, the users), kept incrementally and verified.

A backup is a store of its own (a directory, or an S3 bucket and prefix on any endpoint) holding

    objects/<key>                 a copy of each object of the archive's store, under its own key
    catalog/<folder>/index.json   per folder of the archive's store: each copied key's SHA-256 and size
    users/users.sqlite3           a consistent snapshot of the users database (SQLite's online backup)
    backup.json                   the last run that reached its end: when, how much, from where

A run goes folder by folder: an object whose catalog entry has the same SHA-256 is not copied again (an
original never is: its key is its hash), anything new is copied, read back and hashed, and the folder's catalog
is written once the folder is done. `verify` re-reads every copy against the catalog; a `full` run compares
every copy with the archive instead of trusting the catalog, and so repairs what `verify` found. A run killed midway leaves finished folders catalogued and the current
folder's copies in place; the next run hashes those copies instead of copying them again. Objects gone from
the archive (a review marker after the review) leave the catalog and the copy. Page images (`derived/`) are
made again on request and staged uploads (`incoming/`) belong to unfinished jobs: neither is kept.

Order matters while the archive is in use, each folder copied after those written later than it: the audit
heads before the segments they point into (a segment may run past its head, never behind it), classification
requests before the records they name, records before their earlier versions, their markers (review, likely
duplicate, index pending: written before the record) and their originals (stored before the record), so every
copied record finds its versions, markers and original in the backup.

`restore` copies a backup into an empty deployment, checking every object against the catalog on the way;
`archive reindex` then rebuilds the search index from the restored records."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pydantic import BaseModel

from archive.errors import InvalidRequest, NotFound
from storage import layout
from storage.errors import ObjectNotFound
from storage.ports import ObjectStore

OBJECTS = "objects/"
CATALOG = "catalog/"
USERS_SNAPSHOT = "users/users.sqlite3"
SUMMARY = "backup.json"
FORMAT = 1
# Folders of the archive's store that a backup leaves out, and why (see the module's docstring).
NOT_KEPT = (layout.DERIVED, layout.INCOMING)
_HEX = "0123456789abcdef"
_SPOOL_BYTES = 16 << 20  # an original larger than this is staged on disk while it is hashed


class BackupReport(BaseModel):
    destination: str
    objects: int = 0  # in the backup after this run
    copied: int = 0  # copied by this run
    bytes_copied: int = 0
    removed: int = 0  # copies of objects no longer in the archive
    users: bool = False  # the users database was snapshotted
    problems: list[str] = []  # objects that could not be copied or did not read back as written
    seconds: float = 0.0


class VerifyBackupReport(BaseModel):
    destination: str
    checked: int = 0
    ok: int = 0
    missing: list[str] = []
    mismatched: list[str] = []


class RestoreReport(BaseModel):
    source: str
    restored: int = 0
    bytes_restored: int = 0
    skipped: int = 0  # already there with the right hash (a restore run again after an interruption)
    users: bool = False
    problems: list[str] = []
    seconds: float = 0.0


def folders() -> Iterator[str]:
    """The archive's folders in the order a backup copies them (see the module's docstring)."""
    yield layout.AUDIT_HEADS
    yield layout.AUDIT_SEGMENTS
    yield layout.CLASSIFICATION_REQUESTS
    yield from _shards(layout.RECORDS)
    yield from _shards(layout.RECORD_VERSIONS)
    yield layout.REVIEW
    yield layout.LIKELY_DUPLICATES
    yield layout.INDEX_PENDING
    yield from _shards(layout.ORIGINALS)


def _shards(area: str) -> Iterator[str]:
    for first in _HEX:
        for second in _HEX:
            yield f"{area}{first}{second}/"


KEPT_AREAS = (layout.AUDIT_HEADS, layout.AUDIT_SEGMENTS, layout.CLASSIFICATION_REQUESTS, layout.RECORDS,
              layout.RECORD_VERSIONS, layout.REVIEW, layout.LIKELY_DUPLICATES, layout.INDEX_PENDING, layout.ORIGINALS)


def catalog_key(folder: str) -> str:
    return f"{CATALOG}{folder}index.json"


def _immutable(key: str) -> bool:
    return key.startswith(layout.ORIGINALS) or key.startswith(layout.RECORD_VERSIONS)


@dataclass
class _Run:
    source: ObjectStore
    target: ObjectStore
    report: BackupReport
    progress: Callable[[int], None] | None = None
    full: bool = False  # every copy read and compared, not trusted to its catalog entry (repairs damaged copies)
    streams_kept: set[str] = field(default_factory=set)  # audit streams whose head is in the backup

    def folder(self, folder: str) -> None:
        catalog = _load_catalog(self.target, folder)
        kept: dict[str, dict] = {}
        for key in sorted(self.source.list(folder)):
            if folder == layout.AUDIT_SEGMENTS and _stream_of(key) not in self.streams_kept:
                continue  # its head was written after the heads were copied: the next run takes both
            entry = self._keep(key, None if self.full else catalog.get(key))
            if entry is not None:
                kept[key] = entry
            if self.progress:
                self.progress(1)
        if kept != catalog:
            _save_catalog(self.target, folder, kept)
        for gone in set(catalog) - set(kept):
            if not self.source.exists(gone):  # left the archive: the copy goes too
                _delete_quietly(self.target, OBJECTS + gone)
                self.report.removed += 1
        if folder == layout.AUDIT_HEADS:
            self.streams_kept = {_stream_of_head(key) for key in kept}
        self.report.objects += len(kept)

    def _keep(self, key: str, entry: dict | None) -> dict | None:
        try:
            if _immutable(key):
                if entry is not None:
                    return entry
                copied = _hash_of(self.target, OBJECTS + key)  # left by a run that was killed before its catalog
                if copied is not None and copied[0] == _expected_hash(self.source, key, copied):
                    return {"sha256": copied[0], "size": copied[1]}
                return self._copy_streamed(key)
            data = self.source.get(key)
            digest = hashlib.sha256(data).hexdigest()
            if entry is not None and entry["sha256"] == digest:
                return entry
            if self.full and _hash_of(self.target, OBJECTS + key) == (digest, len(data)):
                return {"sha256": digest, "size": len(data)}
            self.target.put(OBJECTS + key, data)
            return self._checked(key, digest, len(data))
        except ObjectNotFound:
            return None  # removed from the archive while the folder was listed
        except _CopyProblem as problem:
            self.report.problems.append(str(problem))
            return entry  # the earlier good copy, if there was one, stays catalogued

    def _copy_streamed(self, key: str) -> dict:
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            digest, size = hashlib.sha256(), 0
            for chunk in self.source.open_range(key):
                digest.update(chunk)
                size += len(chunk)
                spool.write(chunk)
            found = digest.hexdigest()
            if key.startswith(layout.ORIGINALS) and found != layout.sha256_from_original_key(key):
                raise _CopyProblem(f"{key}: the archive's copy hashes to {found[:16]}…, not to its name; not copied "
                                   "(run `archive verify`)")
            spool.seek(0)
            self.target.put(OBJECTS + key, spool)
        return self._checked(key, found, size)

    def _checked(self, key: str, digest: str, size: int) -> dict:
        """What was written, read back and hashed: a copy is only counted once it reads as it was sent."""
        written = _hash_of(self.target, OBJECTS + key)
        if written is None or written[0] != digest:
            raise _CopyProblem(f"{key}: the copy does not read back as written")
        self.report.copied += 1
        self.report.bytes_copied += size
        return {"sha256": digest, "size": size}


class _CopyProblem(Exception):
    pass


def back_up(source: ObjectStore, target: ObjectStore, users_db: Path, destination: str,
            progress: Callable[[int], None] | None = None, *, full: bool = False) -> BackupReport:
    """Copy what is new; `full` compares every copy with the archive instead of the catalog, so copies damaged or
    lost in the backup store (what `verify_backup` finds) are copied again."""
    started = datetime.now(timezone.utc)
    report = BackupReport(destination=destination)
    run = _Run(source, target, report, progress, full)
    for folder in folders():
        run.folder(folder)
    report.users = _snapshot_users(users_db, target)
    report.seconds = round((datetime.now(timezone.utc) - started).total_seconds(), 3)
    if not report.problems:
        summary = {"format": FORMAT, "started_at": started.isoformat(), "finished_at": datetime.now(timezone.utc).isoformat(),
                   "objects": report.objects, "copied": report.copied, "bytes_copied": report.bytes_copied}
        target.put(SUMMARY, json.dumps(summary, indent=1).encode(), content_type="application/json")
    return report


def verify_backup(target: ObjectStore, destination: str, progress: Callable[[int], None] | None = None) -> VerifyBackupReport:
    """Every catalogued copy read again and hashed; the users snapshot against its own entry."""
    _summary(target, destination)
    report = VerifyBackupReport(destination=destination)
    for key, entry in _catalogued(target):
        report.checked += 1
        found = _hash_of(target, OBJECTS + key if key != USERS_SNAPSHOT else key)
        if found is None:
            report.missing.append(key)
        elif found[0] != entry["sha256"]:
            report.mismatched.append(key)
        else:
            report.ok += 1
        if progress:
            progress(1)
    return report


def restore(source: ObjectStore, target: ObjectStore, users_db: Path, origin: str,
            progress: Callable[[int], None] | None = None) -> RestoreReport:
    """The backup's objects into the archive's (empty) store, each checked against the catalog; then the users."""
    _summary(source, origin)
    started = datetime.now(timezone.utc)
    report = RestoreReport(source=origin)
    target.put(layout.RESTORING, json.dumps({"from": origin, "started_at": started.isoformat()}).encode())
    # The reverse of the backup's order: a restore stopped midway has no record without its original, versions
    # and markers. One folder's catalog at a time, however large the archive.
    users = None
    for catalog in sorted(source.list(CATALOG), key=lambda key: _restore_rank(key.removeprefix(CATALOG))):
        for key, entry in json.loads(source.get(catalog)).items():
            if key == USERS_SNAPSHOT:
                users = entry
                continue
            if _hash_of(target, key) == (entry["sha256"], entry["size"]):
                report.skipped += 1
                continue
            try:
                _restore_object(source, target, key, entry)
            except (_CopyProblem, ObjectNotFound) as exc:
                report.problems.append(str(exc) if isinstance(exc, _CopyProblem) else f"{key}: missing from the backup")
                continue
            report.restored += 1
            report.bytes_restored += entry["size"]
            if progress:
                progress(1)
    if users is not None and not report.problems:
        report.users = _restore_users(source, users, users_db)
    if not report.problems:
        _delete_quietly(target, layout.RESTORING)
    report.seconds = round((datetime.now(timezone.utc) - started).total_seconds(), 3)
    return report


def ensure_empty(store: ObjectStore, users_db: Path) -> None:
    """A restore goes into an empty deployment (or one a stopped restore of the same backup began)."""
    for area in (layout.RECORDS, layout.ORIGINALS):
        if next(iter(store.list(area)), None) is not None and not store.exists(layout.RESTORING):
            raise InvalidRequest(f"the archive already holds documents ({area} is not empty): restore goes into an "
                                 "empty deployment (a new ARCHIVE_DATA_DIR or bucket)")
    if users_db.exists():
        with sqlite3.connect(users_db) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "users" in tables and db.execute("SELECT COUNT(*) FROM users").fetchone()[0] and not store.exists(layout.RESTORING):
                raise InvalidRequest(f"{users_db} already holds users: restore goes into an empty deployment")


# ---- helpers ---------------------------------------------------------------------------------------


def _restore_rank(key: str) -> tuple[int, str]:
    order = (layout.ORIGINALS, layout.INDEX_PENDING, layout.LIKELY_DUPLICATES, layout.REVIEW, layout.RECORD_VERSIONS,
             layout.RECORDS, layout.CLASSIFICATION_REQUESTS, layout.AUDIT_SEGMENTS, layout.AUDIT_HEADS)
    return next((rank for rank, area in enumerate(order) if key.startswith(area)), len(order)), key


def _restore_object(source: ObjectStore, target: ObjectStore, key: str, entry: dict) -> None:
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        digest = hashlib.sha256()
        for chunk in source.open_range(OBJECTS + key):
            digest.update(chunk)
            spool.write(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise _CopyProblem(f"{key}: the backup's copy does not match its catalog; not restored")
        spool.seek(0)
        target.put(key, spool)


def _snapshot_users(users_db: Path, target: ObjectStore) -> bool:
    if not users_db.exists():
        return False
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "users.sqlite3"
        with sqlite3.connect(users_db) as live, sqlite3.connect(copy) as snapshot:
            live.backup(snapshot)  # consistent even while the archive serves
        data = copy.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if _load_catalog(target, "users/").get(USERS_SNAPSHOT, {}).get("sha256") != digest:
        target.put(USERS_SNAPSHOT, data)
        _save_catalog(target, "users/", {USERS_SNAPSHOT: {"sha256": digest, "size": len(data)}})
    return True


def _restore_users(source: ObjectStore, entry: dict, users_db: Path) -> bool:
    data = source.get(USERS_SNAPSHOT)
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise InvalidRequest("the backup's users snapshot does not match its catalog")
    users_db.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "users.sqlite3"
        copy.write_bytes(data)
        with sqlite3.connect(copy) as snapshot, sqlite3.connect(users_db) as live:
            snapshot.backup(live)  # into the live file, even if the archive has it open
    return True


def _summary(store: ObjectStore, where: str) -> dict:
    try:
        summary = json.loads(store.get(SUMMARY))
    except ObjectNotFound:
        raise NotFound(f"no finished backup at {where}") from None
    if summary.get("format") != FORMAT:
        raise InvalidRequest(f"the backup at {where} has format {summary.get('format')}, this archive reads {FORMAT}")
    return summary


def _catalogued(store: ObjectStore) -> Iterable[tuple[str, dict]]:
    for key in sorted(store.list(CATALOG)):
        yield from json.loads(store.get(key)).items()


def _load_catalog(store: ObjectStore, folder: str) -> dict[str, dict]:
    try:
        return json.loads(store.get(catalog_key(folder)))
    except ObjectNotFound:
        return {}


def _save_catalog(store: ObjectStore, folder: str, entries: dict[str, dict]) -> None:
    if entries:
        store.put(catalog_key(folder), json.dumps(entries, sort_keys=True).encode(), content_type="application/json")
    else:
        _delete_quietly(store, catalog_key(folder))


def _hash_of(store: ObjectStore, key: str) -> tuple[str, int] | None:
    digest, size = hashlib.sha256(), 0
    try:
        for chunk in store.open_range(key):
            digest.update(chunk)
            size += len(chunk)
    except ObjectNotFound:
        return None
    return digest.hexdigest(), size


def _expected_hash(source: ObjectStore, key: str, copied: tuple[str, int]) -> str:
    """What an immutable object's copy must hash to: its name says so for originals; a record version is hashed."""
    if key.startswith(layout.ORIGINALS):
        return layout.sha256_from_original_key(key)
    found = _hash_of(source, key)
    return found[0] if found else ""


def _stream_of(segment_key: str) -> str:
    return segment_key.removeprefix(layout.AUDIT_SEGMENTS).split("/", 1)[0]


def _stream_of_head(head_key: str) -> str:
    return head_key.removeprefix(layout.AUDIT_HEADS).removesuffix(".json")


def _delete_quietly(store: ObjectStore, key: str) -> None:
    try:
        store.delete(key)
    except ObjectNotFound:
        pass
