"""Untrusted files are parsed only in pool processes (pebble), each under a memory limit and with a
wall-clock limit per file: a parser that hangs, balloons or crashes costs its process (pebble starts
a new one) and fails that one file with the reason. Used by batches and by queue workers alike.

The pool's processes are forked from a server process that imported the readers once (multiprocessing's
"forkserver"), never from the command itself: the command's threads (the index writer's, the pool's own) are not
forked with it, and a command that will read files starts the server first thing (`archive.reader_server`), so the
server imports the readers and field rules on one core while the command imports and opens the archive on the other.
The command itself never imports the readers."""

from __future__ import annotations

import os
import resource
import threading
from concurrent.futures import Future, TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

from pebble import ProcessExpired, ProcessPool

from archive.inputs import IngestInput, read_input
from archive.reader_server import reader_context
from ingest.errors import IngestError
from ingest.limits import ExtractionLimits

if TYPE_CHECKING:
    from ingest.options import ExtractionOptions
    from ingest.types import Extraction


def _worker_init(memory_bytes: int, log_format: str | None) -> None:
    # Tesseract's OpenMP thread limit is set where the library is loaded (ingest.ocr), in the server.
    # The data segment (heap and anonymous mappings), inherited by Tesseract: a decompression bomb
    # that slips past the pixel check ends in MemoryError or a killed process, not a frozen machine.
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    if log_format is not None:  # a reader's warnings in the command's log format
        from archive.logs import configure_logging

        configure_logging(fmt=log_format)


def worker_count(requested: int) -> int:
    return requested if requested > 0 else max(1, os.cpu_count() or 1)


def extraction_pool(workers: int, limits: ExtractionLimits) -> ProcessPool:
    from archive.logs import configured_format

    return ProcessPool(max_workers=worker_count(workers), initializer=_worker_init,
                       initargs=(limits.worker_memory_bytes, configured_format()), context=reader_context())


def stop_in_background(pool: ProcessPool) -> threading.Thread:
    """Stops a pool whose every task is done, in a thread of its own, for the caller to join later: pebble's
    managers notice the stop on their next tick (every 0.1 s), so waiting for them at once idled both cores for up to
    0.1 s at the end of every batch (48–85 ms in three runs), where the last group could be stored and committed."""
    pool.stop()
    closing = threading.Thread(target=pool.join, name="reader-pool-stop", daemon=True)
    closing.start()
    return closing


def _extract_in_worker(source: IngestInput | bytes, options: ExtractionOptions) -> Extraction | str:
    """Runs in a pool process: the extraction, or the reason it failed."""
    from ingest.pipeline import extract  # imported by the server already

    try:
        data = source if isinstance(source, bytes) else read_input(source, options.limits.max_bytes)
        return extract(data, options)
    except IngestError as exc:
        return str(exc)
    except MemoryError:
        return (f"reading the file needed more than the memory limit of {options.limits.worker_memory_bytes >> 20} MiB"
                " (ARCHIVE_WORKER_MEMORY_MB)")
    except Exception as exc:  # a parser crash must fail this file, never the batch
        return f"unexpected error while reading the file: {type(exc).__name__}: {exc}"


def schedule_extraction(pool: ProcessPool, source: IngestInput | bytes, options: ExtractionOptions) -> Future:
    """`source` is read in the pool process when it is an input on disk, so big files cross no pipe twice."""
    return pool.schedule(_extract_in_worker, args=(source, options), timeout=options.limits.file_timeout_s)


def extraction_outcome(future: Future, limits: ExtractionLimits) -> Extraction | str:
    """The extraction, or why the file failed: its own error, the time limit, or its process dying."""
    try:
        return future.result()
    except FutureTimeout:
        return (f"reading the file took longer than {limits.file_timeout_s:g} s; its process was stopped"
                " (ARCHIVE_FILE_TIMEOUT_S)")
    except ProcessExpired as exc:  # killed by a signal or out of memory inside a C library
        return (f"the process reading the file died (exit code {exc.exitcode}): a crash in a parser or more than"
                f" the memory limit of {limits.worker_memory_bytes >> 20} MiB")
    except Exception as exc:  # the pool itself failed
        return f"the extraction worker failed: {type(exc).__name__}: {exc}"
