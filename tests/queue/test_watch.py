"""Watched folders: a scanner station drops files into a folder; `archive watch` queues each once complete for
the `archive worker` processes and moves it to done/ or failed/ with its reason. Real processes, a real SIGKILL
of the watcher twice while 200 files arrive: each file is stored once and ends in done/ once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from storage import layout
from storage.local import LocalObjectStore
from tests.conftest import DOSSIER_KB_15_84, run_archive, text_pdf

FILES = 200


class Watcher:
    def __init__(self, env: dict[str, str], folder: Path, log: Path, *extra: str) -> None:
        self._log = log.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "archive", "watch", str(folder), "--settle", "0.5", "--interval", "0.3", *extra],
            env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=60)
        self._log.close()
        return code


def _drop(inbox: Path, count: int, done: threading.Event) -> None:
    """Like a scanner over a share: each file written in two parts with a pause, some under a temporary name."""
    for number in range(count):
        data = text_pdf([*DOSSIER_KB_15_84["repair.pdf"], f"Phụ lục số {number}"])
        name = f"scan-{number:03d}.pdf"
        target = inbox / (name + ".part" if number % 3 == 0 else name)
        with open(target, "wb") as out:
            out.write(data[: len(data) // 2])
            out.flush()
            time.sleep(0.02)
            out.write(data[len(data) // 2:])
        if target.name.endswith(".part"):
            target.rename(inbox / name)
        time.sleep(0.01)
    done.set()


def _count(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if p.is_file() and p.suffix == ".pdf") if folder.exists() else 0


def test_files_dropped_while_the_watcher_is_killed_twice_are_each_ingested_once(tmp_path, start_worker):
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data")}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    worker = start_worker(env, workers=2)
    log = tmp_path / "watch.log"
    watcher = Watcher(env, inbox, log)
    written = threading.Event()
    writer = threading.Thread(target=_drop, args=(inbox, FILES, written))
    writer.start()
    taken = inbox / ".taken"
    for threshold in (40, 110):  # killed twice mid-stream: files taken, queued, being settled
        deadline = time.monotonic() + 120
        while _count(inbox / "done") + _count(taken) < threshold and time.monotonic() < deadline:
            time.sleep(0.05)
        watcher.kill()
        watcher = Watcher(env, inbox, log)
    writer.join()
    deadline = time.monotonic() + 300
    while _count(inbox / "done") < FILES and time.monotonic() < deadline:
        time.sleep(0.2)
    assert watcher.stop() == 0
    assert worker.stop() == 0

    done = sorted(p.name for p in (inbox / "done").iterdir())
    assert done == [f"scan-{n:03d}.pdf" for n in range(FILES)], log.read_text()[-2000:]  # each once, none renamed
    assert _count(inbox) == 0 and list(taken.glob("*.pdf")) == [] and list((inbox / "failed").iterdir()) == []
    records = list(LocalObjectStore(tmp_path / "data" / "objects").list(layout.RECORDS))
    assert len(records) == FILES  # stored once each
    assert json.loads(run_archive(env, "search", "Phụ lục", "--limit", "1", "--json").stdout)["total"] == FILES


def test_a_bad_file_fails_with_its_reason_beside_it_and_a_manifest_applies_to_what_follows(tmp_path, start_worker):
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data")}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    worker = start_worker(env)
    watcher = Watcher(env, inbox, tmp_path / "watch.log", "--manifest-pattern", "*.csv")
    (inbox / "bang-ke.csv").write_text("file;unit;classification\nrepair.pdf;Trung đoàn 141;confidential\n",
                                       encoding="utf-8-sig")
    time.sleep(1.5)  # the manifest first, as the station is told
    (inbox / "repair.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"]))
    (inbox / "ghi-chu.txt").write_text("không phải bản quét")
    (inbox / "dang-ghi.pdf.part").write_bytes(b"%PDF-1.7 half")  # still being written: left alone
    deadline = time.monotonic() + 120
    while not ((inbox / "done" / "repair.pdf").exists() and (inbox / "failed" / "ghi-chu.txt").exists()
               and (inbox / "done" / "bang-ke.csv").exists()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert watcher.stop() == 0 and worker.stop() == 0
    reason = (inbox / "failed" / "ghi-chu.txt.reason.txt").read_text()
    assert reason.startswith("unsupported file type")
    assert (inbox / "dang-ghi.pdf.part").exists()
    found = json.loads(run_archive(env, "search", "Z153", "--classification", "confidential", "--json").stdout)
    assert found["total"] == 1 and found["hits"][0]["unit"] == "Trung đoàn 141"  # the manifest's values
