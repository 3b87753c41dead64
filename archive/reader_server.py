"""The server the readers' pool processes are forked from (multiprocessing's "forkserver"), kept apart from
archive.isolation so that it imports nothing but multiprocessing: `archive.launch` starts it before any other
import of the command, and each import made before the start delays the first file read by its own time."""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver

# What the server imports before it forks a pool process: the readers, the field rules, the log set-up, and what the
# first PDF would import in every process (PDFium's binding, pypdf's stream filters); last, a made-up page read once
# (ingest.warm), so that what the field rules build on first use is inherited too.
SERVER_PRELOAD = ["archive.isolation", "ingest.pipeline", "archive.logs", "pypdfium2", "pypdf.filters", "ingest.warm"]


def reader_context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(SERVER_PRELOAD)
    return context


def start_reader_server() -> None:
    """Starts the server the pool's processes are forked from, if it is not running (it returns at once; the
    server imports on its own). Harmless when nothing is read after all: the server ends with this process."""
    reader_context()
    multiprocessing.forkserver.ensure_running()
