"""A batch's reading processes end with the batch: when it returns, and when it is cut short by an error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive.batch import BatchIngest
from tests.conftest import DOSSIER_KB_15_84, write_dossier


def _forked_readers() -> list[int]:
    """The processes the readers' server (a child of this process, see archive.reader_server) has forked and that
    still run."""
    readers = []
    for child in _children(os.getpid()):
        try:
            server = b"multiprocessing.forkserver" in Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:  # a child that ended while it was listed
            continue
        if server:
            readers += [pid for pid in _children(child) if _state(pid) not in ("Z", "X", None)]
    return readers


def _children(pid: int) -> list[int]:
    children = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:  # the process ended
        return []
    for task in tasks:
        try:
            children += map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split())
        except OSError:
            continue
    return children


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def test_no_reading_process_is_left_when_a_batch_returns(service, tmp_path):
    before = set(_forked_readers())  # the server is shared by this process's pools (other tests' too)
    seen_during: set[int] = set()

    results = BatchIngest(service, workers=2).run(
        [write_dossier(tmp_path / "in")], on_result=lambda result, pages: seen_during.update(_forked_readers()))

    assert [r.status for r in results] == ["ingested"] * len(DOSSIER_KB_15_84)
    readers = seen_during - before
    assert readers  # the batch's readers were there while files were read, so the check below can see them
    assert readers.isdisjoint(_forked_readers())


def test_no_reading_process_is_left_when_a_batch_is_cut_short(service, tmp_path):
    before = set(_forked_readers())
    seen_during: set[int] = set()

    def stop(result, pages):
        seen_during.update(_forked_readers())
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        BatchIngest(service, workers=2).run([write_dossier(tmp_path / "in")], on_result=stop)

    readers = seen_during - before
    assert readers
    assert readers.isdisjoint(_forked_readers())
