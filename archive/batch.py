"""Batch ingest: extraction in a process pool (OCR dominates), storing and indexing in this process.

Hashing happens first, so byte-identical files are reported `duplicate` without being OCRed.
At most two extractions per worker are in flight, so memory stays bounded on any batch size.
Untrusted files are parsed only in isolated pool processes (`archive.isolation`); the batch goes on
past a file that hangs, balloons or crashes its parser.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from archive.batch_journal import BatchJournal
from archive.inputs import IngestInput, display_name, expand_inputs, read_input
from archive.isolation import extraction_outcome, extraction_pool, schedule_extraction, stop_in_background, worker_count
from archive.manifest import MANIFEST_SOURCE, Disagreement, Manifest, ManifestMatch, match_inputs
from archive.models import IngestResult
from archive.service import ArchiveService, sha256_hex

if TYPE_CHECKING:
    from threading import Thread

    from archive.identity import Principal
    from archive.usecases import Archive

OnResult = Callable[[IngestResult, int], None]  # the result and the pages it took


def _may_be_reconfirmed(result: IngestResult) -> bool:
    if result.status != "ingested" or result.document is None or result.document.text_source == "text":
        return False
    serial = result.document.fields.get("serial_number")
    return serial is None or serial.source != MANIFEST_SOURCE  # a clerk's serial is never second-guessed


class BatchIngest:
    def __init__(self, service: ArchiveService, *, workers: int = 0, manifest: Manifest | None = None,
                 journal_path: Path | None = None, archive: Archive | None = None, actor: Principal | None = None) -> None:
        self.service = service
        # With the use cases and the acting person, every file is ingested through `Archive.ingest_file` and
        # audited; without (tests, benchmarks), straight through the service's same steps.
        self.archive = archive
        self.actor = actor
        self.journal_path = journal_path  # where the batch's progress is kept so a rerun resumes it
        self.resumed = 0  # inputs an interrupted earlier run of this batch had already finished
        self.workers = worker_count(workers)
        self.still_pending = 0  # documents stored during the batch that the index has not taken yet
        self.manifest = manifest
        self.manifest_match: ManifestMatch | None = None  # set by run() when there is a manifest
        self.disagreements: dict[str, list[Disagreement]] = {}  # IngestResult.path -> where manifest and extraction differ

    def run(
        self,
        paths: Iterable[Path],
        on_result: OnResult | None = None,
        on_total: Callable[[int], None] | None = None,
        on_final: Callable[[IngestResult], None] | None = None,
    ) -> list[IngestResult]:
        """Ingest every input. `on_result` follows progress as files finish; `on_final` gets each
        file's result once it can no longer change: at once, except for scans, whose serial the
        end-of-batch confirmation may still correct."""
        options = self.service.extraction
        paths = list(paths)
        items = list(expand_inputs(paths, max_bytes=options.limits.max_bytes))
        if self.manifest is not None:
            self.manifest_match = match_inputs(self.manifest, items, paths)
        if on_total:
            on_total(len(items))
        results: list[IngestResult] = []
        finished: list[tuple[IngestInput, IngestResult]] = []
        journal = BatchJournal(self.journal_path, items) if self.journal_path else None
        self.resumed = journal.done_count if journal else 0
        if journal and journal.resumed:
            self.service.sweep_stray_temp_files()  # the interrupted run's group writes it never named
        if self.service.pending_index_ids():
            self.service.retry_pending()  # what an earlier run stored but did not get indexed

        # Final results wait while documents are held for the index's next group commit, so that what is reported
        # says whether the index took them (index_pending); they are released in order.
        # The journal notes an outcome, and the audit entry is stored, only then too: after a crash the journal
        # never says "done" of a file whose group's writes a power cut could have taken back.
        awaiting: list[IngestResult] = []
        unjournaled: list[tuple[IngestInput, IngestResult]] = []

        def release(*, committed: bool = True) -> None:
            if committed:
                if self.archive is not None:
                    self.archive.store_audit_group()
                    self.service.make_durable()  # the entries too, before the journal says their files are done
                if journal and unjournaled:
                    journal.record_all(unjournaled)
            unjournaled.clear()
            if on_final:
                for waiting in awaiting:
                    on_final(waiting)
            awaiting.clear()

        def emit(item: IngestInput, result: IngestResult, pages: int = 0, *, replayed: bool = False) -> None:
            results.append(result)
            finished.append((item, result))
            if journal and not replayed:
                unjournaled.append((item, result))
            if on_result:
                on_result(result, pages)
            if not _may_be_reconfirmed(result):
                awaiting.append(result)
            if not self.service.held_for_index():
                release()

        seen: set[str] = set()
        pending: deque[tuple[IngestInput, bytes, str, Future]] = deque()
        held_bytes = 0  # the originals read for the files in `pending`, kept until each is stored
        pool = extraction_pool(self.workers, options.limits)
        stopping: Thread | None = None
        try:
            audit_in_groups = self.archive.audit_in_groups() if self.archive is not None else nullcontext()
            with self.service.index_in_groups(), audit_in_groups:
                for item in items:
                    earlier = journal.done(item) if journal else None
                    if earlier is not None:
                        emit(item, earlier, replayed=True)
                        if earlier.sha256:
                            seen.add(earlier.sha256)
                        continue
                    early = self._precheck(item, seen)
                    if isinstance(early, IngestResult):
                        if journal and early.status == "duplicate" and journal.started_as(item) == early.sha256:
                            early = self._stored_by_interrupted_run(item, early.sha256)
                        if self.archive is not None and self.actor is not None:
                            self.archive.note_ingested(self.actor, early)  # settled before parsing: a duplicate, unreadable
                        emit(item, early)
                        continue
                    data, sha = early
                    seen.add(sha)
                    job = schedule_extraction(pool, item, options)
                    if journal:
                        journal.will_start(item, sha)
                    pending.append((item, data, sha, job))
                    held_bytes += len(data)
                    while _window_full(len(pending), held_bytes, self.workers):
                        held_bytes -= len(pending[0][1])
                        emit(pending[0][0], *self._finish(pending.popleft(), journal))
                while pending:
                    emit(pending[0][0], *self._finish(pending.popleft(), journal))
                stopping = stop_in_background(pool)  # every file is read: the readers end beside the last commit
            release()  # the last group is committed
            self._reconfirm_serials(finished, on_final, journal)
            if any(result.index_pending for result in results):
                self.still_pending = self.service.retry_pending()
            if journal:
                journal.finish()
        finally:
            if stopping is not None:
                stopping.join()
            else:  # cut short: as a pool leaving its `with` block, the files in flight are read to the end
                pool.close()
                pool.join()
            # A batch cut short still reports what it stored; the journal is not told (the group may not have been
            # made durable): the rerun finds those files stored by this batch. Their entries: audit_in_groups.
            release(committed=False)
            if journal:
                journal.close()
        return results

    def _reconfirm_serials(self, finished: list[tuple[IngestInput, IngestResult]],
                           on_final: Callable[[IngestResult], None] | None, journal: BatchJournal | None) -> None:
        """Scans ingested before their item's clean documents get a second look once the batch is in."""
        for item, result in finished:
            if _may_be_reconfirmed(result):
                if self.service.reconfirm_serial(result.document_id):
                    result.document = self.service.document(result.document_id)
                    if journal:
                        journal.record(item, result)
                if on_final:
                    on_final(result)

    def _precheck(self, item: IngestInput, seen: set[str]) -> IngestResult | tuple[bytes, str]:
        if item.problem:
            return IngestResult(path=item.name, status="failed", sha256="", error=item.problem)
        try:
            data = read_input(item, self.service.extraction.limits.max_bytes)
        except (OSError, ValueError) as exc:
            return IngestResult(path=item.name, status="failed", sha256="", error=f"cannot read the file: {exc}")
        sha = sha256_hex(data)
        if sha in seen or self.service.is_stored(sha):
            return IngestResult(path=item.name, status="duplicate", document_id=sha, sha256=sha)
        return data, sha

    def _stored_by_interrupted_run(self, item: IngestInput, sha: str) -> IngestResult:
        """An input the killed run stored before it could note the outcome: it was ingested, by this batch. Indexed
        once more: the run may have died before its group's index commit."""
        self.service.index_again(sha)
        return IngestResult(path=item.name, status="ingested", document_id=sha, sha256=sha,
                            document=self.service.document(sha))

    def _finish(self, entry: tuple[IngestInput, bytes, str, Future],
                journal: BatchJournal | None = None) -> tuple[IngestResult, int]:
        item, data, sha, future = entry
        outcome = extraction_outcome(future, self.service.extraction.limits)
        row = self.manifest_match.by_input.get(item.name) if self.manifest_match else None
        starting = (lambda: journal.starting(item, sha)) if journal else None
        if self.archive is not None and self.actor is not None:
            parsed = self.archive.ingest_file(self.actor, data, display_name(item), outcome, row, path=item.name,
                                              before_store=starting, sha256=sha)
        else:
            parsed = self.service.ingest_parsed(data, display_name(item), outcome, row, path=item.name,
                                                before_store=starting, sha256=sha)
        if parsed.disagreements:
            self.disagreements[parsed.result.path] = parsed.disagreements
        return parsed.result, parsed.pages


# Files read ahead of the one being stored: enough that the pool keeps working while this thread stores a group and
# commits the index (a fraction of a second), few enough that the originals held stay small.
_AHEAD_PER_WORKER = 2, 16  # at least, at most
_AHEAD_BYTES = 64 << 20


def _window_full(files: int, held_bytes: int, workers: int) -> bool:
    least, most = _AHEAD_PER_WORKER
    return files >= most * workers or (files >= least * workers and held_bytes >= _AHEAD_BYTES)
