"""Ingest through a task queue (Huey): SQLite in the data directory on one machine, Redis for workers on many.

Enqueueing stages each file in the object store (`incoming/<sha256>`), so any worker that reaches the store
and the queue can take it; a message carries only the file's hash, its name and its manifest row. Job
progress lives in the queue backend's key-value store, which every worker and API process shares.

Delivery is at most once (Huey pops a message; a worker killed mid-file loses it), so a file's staged
copy and its task arguments stay until its result is recorded, and `archive job ID --requeue` queues
the unfinished ones again. A task is safe to run twice: storage is content-addressed, and a rerun of a
file stored by an earlier attempt is recognised and reported `ingested`, never stored twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING
from dataclasses import asdict, dataclass
from typing import Callable, Iterable

from huey import RedisHuey, SqliteHuey
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer

from archive.config import Settings
from archive.errors import BackendUnavailable, NotFound
from archive.identity import Principal, local_operator
from archive.leases import Leases
from archive.isolation import extraction_outcome, extraction_pool, schedule_extraction, worker_count
from archive.manifest import Disagreement, ManifestRow
from archive.models import IngestResult, Job, JobItem
from archive.service import ArchiveService, sha256_hex

if TYPE_CHECKING:
    from archive.usecases import Archive

log = logging.getLogger("archive.queue")

INGEST_TASK = "archive.ingest_staged"
_RETRIES = 5  # a backend that is down gets this many more tries before the file is recorded as failed
_RETRY_DELAY_S = 30


@dataclass
class ArchiveQueue:
    huey: Huey
    ingest_task: TaskWrapper

    @property
    def backend(self) -> str:
        return "redis" if isinstance(self.huey, RedisHuey) else "sqlite"

    def readiness(self) -> str:
        try:
            self.huey.pending_count()
        except Exception as exc:  # readiness reports, it never raises
            return f"unavailable: {exc}"
        return "ok"

    def send(self, job_id: str, position: int, name: str, sha: str, row: ManifestRow | None) -> None:
        """One staged file's task onto the queue (first time, `--requeue`, or a dead worker's lease)."""
        message = self.ingest_task.s(job_id, position, name, sha, row)
        _queue_call(self.huey, "queueing a file", lambda: self.huey.enqueue(message))

    def state(self) -> tuple[int, float | None]:
        """Files waiting for a worker, and when the job of the oldest of them was queued (None when none waits).
        Reads every waiting message: meant for a scrape every few seconds, not for a hot path."""
        def read() -> tuple[int, float | None]:
            waiting = self.huey.pending()
            jobs = QueueJobs(self.huey)
            queued = {job_id: jobs.created_at(job_id) for job_id in {task.args[0] for task in waiting if task.args}}
            return len(waiting), min((at for at in queued.values() if at is not None), default=None)

        return _queue_call(self.huey, "reading the queue", read)


def build_queue(settings: Settings) -> ArchiveQueue:
    if settings.queue == "redis":
        huey: Huey = RedisHuey(settings.queue_name, url=settings.redis_url, results=False)
    else:
        settings.queue_db.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(settings.queue_name, filename=str(settings.queue_db), results=False)
    task = huey.task(name=INGEST_TASK, retries=_RETRIES, retry_delay=_RETRY_DELAY_S, context=True)(_ingest_staged)
    return ArchiveQueue(huey, task)


def _queue_call(huey: Huey, what: str, call: Callable):
    try:
        return call()
    except Exception as exc:  # redis and sqlite raise their own kinds; both mean the queue cannot be used
        raise BackendUnavailable(f"queue ({type(huey).__name__}) unavailable while {what}: {exc}") from exc


# ---- job progress ---------------------------------------------------------------------------


class QueueJobs:
    """One key per job (its file names) and one per finished file, in the queue's own key-value store."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey

    @staticmethod
    def _key(job_id: str, *parts: object) -> str:
        return ":".join(["archive-job", job_id, *map(str, parts)])

    def create(self, filenames: list[str], owner: Principal | None = None) -> str:
        job_id = uuid.uuid4().hex
        header = {"filenames": filenames, "created_at": time.time(), "owner": asdict(owner) if owner else None}
        _queue_call(self.huey, "creating a job", lambda: self.huey.put(self._key(job_id), header))
        return job_id

    def _header(self, job_id: str) -> dict:
        header = _queue_call(self.huey, "reading a job", lambda: self.huey.get(self._key(job_id), peek=True))
        if header is None:
            raise NotFound(f"no job {job_id}")
        return header

    def filenames(self, job_id: str) -> list[str]:
        return self._header(job_id)["filenames"]

    def created_at(self, job_id: str) -> float | None:
        try:
            return self._header(job_id).get("created_at")
        except NotFound:
            return None

    def owner(self, job_id: str) -> Principal | None:
        """Who queued the job: its files are ingested, and audited, as that person."""
        owner = self._header(job_id).get("owner")
        return Principal(**{**owner, "units": tuple(owner["units"])}) if owner else None

    def settled(self, job_id: str, position: int) -> bool:
        """Whether the file has its result (ingested, duplicate or failed)."""
        return _queue_call(self.huey, "reading a job", lambda: self.huey.get(self._key(job_id, position), peek=True)) is not None

    def record(self, job_id: str, position: int, item: JobItem) -> None:
        _queue_call(self.huey, "recording a result",
                    lambda: self.huey.put(self._key(job_id, position), item.model_dump(mode="json")))

    def note_staged(self, job_id: str, position: int, sha: str, row: ManifestRow | None) -> None:
        """What a task needs, kept so the file can be queued again if its message or worker is lost."""
        _queue_call(self.huey, "noting a staged file", lambda: self.huey.put(self._key(job_id, position, "staged"), (sha, row)))

    def staged(self, job_id: str, position: int) -> tuple[str, ManifestRow | None] | None:
        return _queue_call(self.huey, "reading a job", lambda: self.huey.get(self._key(job_id, position, "staged"), peek=True))

    def claim(self, job_id: str, position: int, worker: str) -> tuple[float, dict | None]:
        """Notes which worker took the file, and when; returns that time and the claim of an earlier attempt."""
        key = self._key(job_id, position, "claim")
        earlier = self.huey.get(key, peek=True)
        now = time.time()
        self.huey.put(key, {"worker": worker, "at": now})
        return now, earlier

    def get(self, job_id: str) -> Job:
        names = self.filenames(job_id)
        items = _queue_call(self.huey, "reading a job", lambda: [self._item(job_id, p, name) for p, name in enumerate(names)])
        done = sum(item.status != "pending" for item in items)
        failed = sum(item.status == "failed" for item in items)
        taken = any(item.worker for item in items)
        state = "done" if done == len(items) else "running" if done or taken else "queued"
        pages = sum(item.pages or 0 for item in items)
        starts = [item.started_at for item in items if item.started_at is not None]
        started_at = min(starts) if starts else None
        rate = None
        if started_at is not None and pages:
            finishes = [item.finished_at for item in items if item.finished_at is not None]
            until = max(finishes) if state == "done" and finishes else time.time()
            rate = round(pages / max(until - started_at, 1e-3), 2)
        return Job(job_id=job_id, state=state, total=len(items), done=done, failed=failed, items=items,
                   pages=pages, started_at=started_at, pages_per_second=rate)

    def _item(self, job_id: str, position: int, name: str) -> JobItem:
        found = self.huey.get(self._key(job_id, position), peek=True)
        if found is not None:
            return JobItem.model_validate(found)
        claim = self.huey.get(self._key(job_id, position, "claim"), peek=True)
        return JobItem(filename=name, status="pending", worker=claim["worker"] if claim else None,
                       started_at=claim.get("at") if claim else None)


# ---- enqueueing -----------------------------------------------------------------------------


@dataclass
class QueuedInput:
    name: str
    read: Callable[[], bytes]  # called once, when the file's turn comes to be staged
    row: ManifestRow | None = None
    problem: str | None = None  # known before reading: the file fails at once with this reason


def enqueue(service: ArchiveService, queue: ArchiveQueue, inputs: Iterable[QueuedInput], owner: Principal | None = None) -> str:
    """Stage every file and queue one task per file; files already stored, repeated in the job or
    unreadable are settled here, without a task. Returns the job id."""
    inputs = list(inputs)
    huey = queue.huey
    jobs = QueueJobs(huey)
    job_id = jobs.create([entry.name for entry in inputs], owner)
    seen: set[str] = set()
    for position, entry in enumerate(inputs):
        settled = _settle_before_queueing(service, entry, seen)
        if isinstance(settled, JobItem):
            jobs.record(job_id, position, settled)
            continue
        data, sha = settled
        seen.add(sha)
        # Noted before staged: a file is never staged unknown to its job, so nothing staged is orphaned.
        jobs.note_staged(job_id, position, sha, entry.row)
        service.stage(sha, data, entry.name)
        queue.send(job_id, position, entry.name, sha, entry.row)
    return job_id


def requeue(service: ArchiveService, queue: ArchiveQueue, job_id: str) -> int:
    """Queue again the files of a job that have no result yet (their worker died, or their message was
    lost) or that failed while their staged copy is still there (a backend was down)."""
    jobs = QueueJobs(queue.huey)
    again = 0
    for position, item in enumerate(jobs.get(job_id).items):  # NotFound for an unknown job
        if item.status not in ("pending", "failed"):
            continue
        staged = jobs.staged(job_id, position)
        if staged is None:
            if item.status == "pending":
                jobs.record(job_id, position, JobItem(filename=item.filename, status="failed",
                                                      error="the file was never queued: its upload stopped before its turn"))
            continue
        sha, row = staged
        if item.status == "failed" and not service.is_staged(sha):
            continue  # failed for a reason of its own (its staged copy went with it): trying again changes nothing
        queue.send(job_id, position, item.filename, sha, row)
        again += 1
    return again


def _settle_before_queueing(service: ArchiveService, entry: QueuedInput, seen: set[str]) -> JobItem | tuple[bytes, str]:
    if entry.problem:
        return JobItem(filename=entry.name, status="failed", error=entry.problem)
    try:
        data = entry.read()
    except (OSError, ValueError) as exc:
        return JobItem(filename=entry.name, status="failed", error=f"cannot read the file: {exc}")
    sha = sha256_hex(data)
    if sha in seen or service.is_stored(sha):
        return JobItem(filename=entry.name, status="duplicate", document_id=sha)
    return data, sha


# ---- working --------------------------------------------------------------------------------

_runtime: QueueWorker | None = None  # the worker of this process, set while it runs


def _ingest_staged(job_id: str, position: int, name: str, sha: str, row: ManifestRow | None, task=None) -> None:
    if _runtime is None:
        raise RuntimeError("an ingest task ran outside `archive worker` or `archive serve`")
    _runtime.ingest(job_id, position, name, sha, row, retries_left=task.retries if task is not None else 0)


class QueueWorker:
    """What one worker process holds while it takes ingest tasks: the archive, a pool of isolated
    extraction processes, and a lock so that one thread at a time writes to storage and index."""

    def __init__(self, service: ArchiveService, queue: ArchiveQueue, workers: int = 0, archive: Archive | None = None,
                 *, lease_s: float = 60.0) -> None:
        self.service = service
        self.archive = archive  # the use cases, to audit each file as the person who queued it
        self.queue = queue
        self.jobs = QueueJobs(queue.huey)
        self.workers = worker_count(workers)
        self.pool = extraction_pool(self.workers, service.extraction.limits)
        self.ident = f"{socket.gethostname()}:{os.getpid()}"
        self._store_lock = threading.Lock()
        self.leases = Leases(queue.huey, self.ident, lease_s, self._queue_again, self._note_recovered)

    def __enter__(self) -> QueueWorker:
        global _runtime
        _runtime = self
        self.leases.start()
        return self

    def __exit__(self, *exc_info) -> None:
        global _runtime
        _runtime = None
        self.leases.stop()
        self.pool.stop()
        self.pool.join()

    def ingest(self, job_id: str, position: int, name: str, sha: str, row: ManifestRow | None, *, retries_left: int) -> None:
        self.leases.hold(job_id, position)  # named in the lease before the claim: a claim seen is a claim covered
        try:
            started_at, earlier_attempt = self.jobs.claim(job_id, position, self.ident)
            self._ingest_held(job_id, position, name, sha, row, started_at, earlier_attempt, retries_left)
        finally:
            self.leases.release(job_id, position)

    def _ingest_held(self, job_id: str, position: int, name: str, sha: str, row: ManifestRow | None, started_at: float,
                     earlier_attempt: dict | None, retries_left: int) -> None:
        owner = self.jobs.owner(job_id) or local_operator(self.ident)  # the files are ingested as who queued them
        disagreements: list[Disagreement] = []
        audited: list[bool] = []
        try:
            result = self._ingest(owner, name, sha, row, earlier_attempt is not None, disagreements, audited)
        except BackendUnavailable as exc:
            if retries_left > 0:
                log.warning("%s: %s; trying again in %s s", name, exc, _RETRY_DELAY_S)
                raise
            # The staged copy stays, so `archive job ID --requeue` can try again once the backend is back.
            result = IngestResult(path=name, status="failed", sha256=sha, error=str(exc))
        except Exception as exc:  # a bug must fail this file with its reason, never leave it pending unseen
            log.exception("ingesting %s failed", name)
            result = IngestResult(path=name, status="failed", sha256=sha,
                                  error=f"unexpected error while ingesting: {type(exc).__name__}: {exc}")
        else:
            self._unstage(sha)
        self.jobs.record(job_id, position, JobItem(
            filename=name, status=result.status, document_id=result.document_id, error=result.error, worker=self.ident,
            manifest_disagreements=[d.as_dict() for d in disagreements] if result.status == "ingested" else [],
            pages=result.document.page_count if result.document is not None and result.status == "ingested" else None,
            started_at=started_at, finished_at=time.time()))
        if self.archive is not None and not audited:  # settled before parsing, or a backend failed
            self.archive.note_ingested(owner, result)

    def _ingest(self, owner: Principal, name: str, sha: str, row: ManifestRow | None, retried: bool,
                disagreements: list[Disagreement], audited: list[bool]) -> IngestResult:
        if self.service.is_stored(sha):
            # Stored by an earlier attempt of this very task (its worker died before noting it), or by someone else.
            if retried and self.service.pending_index_ids():
                with self._store_lock:
                    self.service.retry_pending()  # the dead attempt may have stopped between record and index
            status = "ingested" if retried else "duplicate"
            return IngestResult(path=name, status=status, document_id=sha, sha256=sha)
        try:
            data = self.service.staged(sha)
        except NotFound:
            if self.service.is_stored(sha):  # the same bytes, queued twice, were stored meanwhile
                return IngestResult(path=name, status="duplicate", document_id=sha, sha256=sha)
            return IngestResult(path=name, status="failed", sha256=sha,
                                error="the staged copy of the file is gone (removed from incoming/ before a worker took it)")
        options = self.service.extraction
        outcome = extraction_outcome(schedule_extraction(self.pool, data, options), options.limits)
        with self._store_lock:
            if self.archive is not None:
                parsed = self.archive.ingest_file(owner, data, name, outcome, row, path=name)
                audited.append(True)
            else:
                parsed = self.service.ingest_parsed(data, name, outcome, row, path=name)
        disagreements.extend(parsed.disagreements)
        return parsed.result

    def _queue_again(self, job_id: str, position: int) -> bool:
        """A dead worker's file, queued again unless it has its result already (the worker died after noting it)."""
        try:
            name = self.jobs.filenames(job_id)[position]
        except (NotFound, IndexError):
            return False
        if self.jobs.settled(job_id, position):
            return False
        staged = self.jobs.staged(job_id, position)
        if staged is None:
            return False
        sha, row = staged
        self.queue.send(job_id, position, name, sha, row)
        return True

    def _note_recovered(self, dead: str, files: list[tuple[str, int]]) -> None:
        if self.archive is not None and files:
            self.archive.note_recovered(self.ident, dead, files)

    def _unstage(self, sha: str) -> None:
        try:
            self.service.unstage(sha)
        except BackendUnavailable as exc:  # a leftover staged copy wastes space, nothing more
            log.warning("could not remove the staged copy %s: %s", sha, exc)


class _EmbeddedConsumer(Consumer):
    """Started and stopped by its host process, which keeps its own signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


def consumer(worker: QueueWorker, *, embedded: bool = False) -> Consumer:
    """Huey's consumer with one thread per extraction process. Embedded, it leaves the signals to the
    host process (`archive serve`), which starts and stops it, and gives the files in hand a minute
    to finish; a dedicated worker told to stop gracefully (SIGINT) waits for them however long."""
    kind = _EmbeddedConsumer if embedded else Consumer
    # Polling (SQLite) backs off to at most a second; Redis blocks on the queue and wakes at once.
    return kind(worker.queue.huey, workers=worker.workers, worker_type="thread", periodic=False,
                max_delay=1.0, shutdown_timeout=60 if embedded else None)
