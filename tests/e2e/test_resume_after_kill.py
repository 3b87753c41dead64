"""A batch killed with SIGKILL several times, each time once its journal has settled a given number of files
(drawn once, with a fixed seed: the same kills every run, not wall-clock guesses), then run again to the end: no
file lost, none stored twice, the index holds every document, and the report is the batch's own."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from archive.bootstrap import build_services
from archive.config import Settings
from tests.conftest import DOSSIER_KB_15_84, SAMPLE_LINES, image_bytes, render_text_image, text_pdf

KILLS = 4
SEED = 20261203


def make_inbox(folder: Path) -> int:
    folder.mkdir()
    for number in range(14):
        lines = [line.replace("KB-15-84", f"KB-{number:02d}-84") for line in DOSSIER_KB_15_84["inspection.pdf"]]
        (folder / f"inspection-{number:02d}.pdf").write_bytes(text_pdf(lines + [f"Bản số {number}"]))
    for number in range(8):  # scans: seconds of OCR each, where most kills land
        lines = [line.replace("47/BB-KT", f"{60 + number}/BB-KT") for line in SAMPLE_LINES]
        (folder / f"scan-{number}.png").write_bytes(image_bytes(render_text_image(lines), "PNG"))
    return 22


def start(data_dir: Path, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, "-m", "archive", "ingest", str(folder), "--json", "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group: the kill takes the workers too


def settled(data_dir: Path) -> int:
    """Files the batch journal has a result for (read while the batch writes it)."""
    journal = data_dir / "batches.sqlite3"
    if not journal.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM batch_items").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not there yet
        return 0


def test_batch_killed_at_chosen_points_finishes_with_nothing_lost_or_doubled(tmp_path):
    folder, data_dir = tmp_path / "inbox", tmp_path / "data"
    files = make_inbox(folder)
    kill_points = sorted(random.Random(SEED).sample(range(1, files - 2), KILLS))

    killed = 0
    for point in kill_points:
        run = start(data_dir, folder)
        while run.poll() is None and settled(data_dir) < point:
            time.sleep(0.01)
        if run.poll() is not None:
            break  # finished before this kill: its report is the batch's last word
        os.killpg(run.pid, signal.SIGKILL)
        run.communicate()
        killed += 1
    else:
        run = start(data_dir, folder)
    seed = f"kills after {kill_points} settled files"
    stdout, stderr = run.communicate(timeout=900)
    final = run

    assert killed == KILLS, f"the batch ended before the kills ({seed})"
    assert "resumed an interrupted run of this batch" in stderr, seed
    assert final.returncode == 0, (seed, stderr)
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert sorted(Path(line["path"]).name for line in lines) == sorted(p.name for p in folder.iterdir()), seed
    assert {line["status"] for line in lines} == {"ingested"}, (seed, [(l["path"], l["status"], l["error"]) for l in lines])
    service = build_services(Settings(data_dir=data_dir))
    try:
        assert len(list(service.iter_records())) == files, seed
        assert service.index.count() == files, seed
        assert service.pending_index_ids() == [], seed
        assert service.verify().ok == files, seed
        assert list((data_dir / "objects").rglob(".tmp-*")) == [], seed  # no unnamed write of a killed run left
    finally:
        service.close()
