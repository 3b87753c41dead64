"""Batch ingest: extraction in a process pool (OCR dominates), storing and indexing in this process.

Hashing happens first, so byte-identical files are reported `duplicate` without being OCRed.
At most two extractions per worker are in flight, so memory stays bounded on any batch size.
Untrusted files are parsed only in the pool's processes (pebble), each under a memory limit and
a wall-clock limit per file: a parser that hangs, balloons or crashes costs its process (pebble
starts a new one) and fails that one file with the reason; the batch goes on.
"""

from __future__ import annotations

import os
import resource
from collections import deque
from concurrent.futures import Future, TimeoutError as FutureTimeout
from pathlib import Path
from typing import Callable, Iterable

from pebble import ProcessExpired, ProcessPool

from archive.batch_journal import BatchJournal
from archive.inputs import IngestInput, display_name, expand_inputs, read_input
from archive.manifest import MANIFEST_SOURCE, Disagreement, Manifest, ManifestMatch, apply_manifest, match_inputs
from archive.models import IngestResult
from archive.service import ArchiveService, sha256_hex
from ingest.errors import IngestError
from ingest.pipeline import ExtractionOptions, extract
from ingest.types import Extraction

OnResult = Callable[[IngestResult, int], None]  # the result and the pages it took


def _worker_init(memory_bytes: int) -> None:
    # Parallelism comes from the pool; Tesseract's own threads would only fight over the cores.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    # The data segment (heap and anonymous mappings), inherited by Tesseract: a decompression bomb
    # that slips past the pixel check ends in MemoryError or a killed process, not a frozen machine.
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))


def _extract_job(item: IngestInput, options: ExtractionOptions) -> Extraction | str:
    """Runs in a worker: the extraction, or the reason it failed."""
    try:
        return extract(read_input(item, options.limits.max_bytes), options)
    except IngestError as exc:
        return str(exc)
    except MemoryError:
        return (f"reading the file needed more than the memory limit of {options.limits.worker_memory_bytes >> 20} MiB"
                " (ARCHIVE_WORKER_MEMORY_MB)")
    except Exception as exc:  # a parser crash must fail this file, never the batch
        return f"unexpected error while reading the file: {type(exc).__name__}: {exc}"


def worker_count(requested: int) -> int:
    return requested if requested > 0 else max(1, os.cpu_count() or 1)


def _may_be_reconfirmed(result: IngestResult) -> bool:
    if result.status != "ingested" or result.document is None or result.document.text_source == "text":
        return False
    serial = result.document.fields.get("serial_number")
    return serial is None or serial.source != MANIFEST_SOURCE  # a clerk's serial is never second-guessed


class BatchIngest:
    def __init__(self, service: ArchiveService, *, workers: int = 0, manifest: Manifest | None = None,
                 journal_path: Path | None = None) -> None:
        self.service = service
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
        if self.service.pending_index_ids():
            self.service.retry_pending()  # what an earlier run stored but did not get indexed

        def emit(item: IngestInput, result: IngestResult, pages: int = 0, *, replayed: bool = False) -> None:
            results.append(result)
            finished.append((item, result))
            if journal and not replayed:
                journal.record(item, result)
            if on_result:
                on_result(result, pages)
            if on_final and not _may_be_reconfirmed(result):
                on_final(result)

        seen: set[str] = set()
        pending: deque[tuple[IngestInput, bytes, str, Future]] = deque()
        limits = options.limits
        try:
            with ProcessPool(max_workers=self.workers, initializer=_worker_init, initargs=(limits.worker_memory_bytes,)) as pool:
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
                        emit(item, early)
                        continue
                    data, sha = early
                    seen.add(sha)
                    job = pool.schedule(_extract_job, args=(item, options), timeout=limits.file_timeout_s)
                    pending.append((item, data, sha, job))
                    while len(pending) >= 2 * self.workers:
                        emit(pending[0][0], *self._finish(pending.popleft(), journal))
                while pending:
                    emit(pending[0][0], *self._finish(pending.popleft(), journal))
            self._reconfirm_serials(finished, on_final, journal)
            if any(result.index_pending for result in results):
                self.still_pending = self.service.retry_pending()
            if journal:
                journal.finish()
        finally:
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
        """An input the killed run stored before it could note the outcome: it was ingested, by this batch."""
        return IngestResult(path=item.name, status="ingested", document_id=sha, sha256=sha,
                            document=self.service.document(sha))

    def _finish(self, entry: tuple[IngestInput, bytes, str, Future],
                journal: BatchJournal | None = None) -> tuple[IngestResult, int]:
        item, data, sha, future = entry
        limits = self.service.extraction.limits
        try:
            outcome = future.result()
        except FutureTimeout:
            outcome = (f"reading the file took longer than {limits.file_timeout_s:g} s; its process was stopped"
                       " (ARCHIVE_FILE_TIMEOUT_S)")
        except ProcessExpired as exc:  # killed by a signal or out of memory inside a C library
            outcome = (f"the process reading the file died (exit code {exc.exitcode}): a crash in a parser or more than"
                       f" the memory limit of {limits.worker_memory_bytes >> 20} MiB")
        except Exception as exc:  # the pool itself failed
            outcome = f"the extraction worker failed: {type(exc).__name__}: {exc}"
        if isinstance(outcome, str):
            return IngestResult(path=item.name, status="failed", sha256=sha, error=outcome), 0
        row = self.manifest_match.by_input.get(item.name) if self.manifest_match else None
        disagreements: list[Disagreement] = []
        if row is not None:
            outcome, disagreements = apply_manifest(outcome, row, item.name)
        if journal:
            journal.starting(item, sha)
        result = self.service.store_extraction(data, display_name(item), outcome, path=item.name)
        if disagreements and result.status == "ingested":
            self.disagreements[result.path] = disagreements
        return result, outcome.page_count
