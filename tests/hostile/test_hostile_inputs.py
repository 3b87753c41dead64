"""Hostile and malformed files in a batch: each one ends as a recorded failure with a reason a
clerk can act on, while the good files of the same batch are ingested. Through the real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import DOSSIER_KB_15_84, text_pdf
from tests.hostile.corpus import build


def ingest(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "archive", "ingest", *args, "--json"], env=env,
                          capture_output=True, text=True, timeout=900)


def test_every_hostile_file_is_a_recorded_failure_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "inbox"
    expected = build(folder)
    for name in ("inspection.pdf", "repair.pdf"):
        (folder / f"good-{name}").write_bytes(text_pdf(DOSSIER_KB_15_84[name]))

    done = ingest(tmp_path / "data", str(folder), "--workers", "2")

    assert done.returncode == 6, done.stderr  # finished, with failures (each one listed)
    lines = {Path(entry["path"].split("!")[0]).name: entry for entry in map(json.loads, done.stdout.splitlines())}
    assert {lines[f"good-{n}"]["status"] for n in ("inspection.pdf", "repair.pdf")} == {"ingested"}
    unexplained = {
        name: (lines[name]["status"], lines[name]["error"])
        for name, words in expected.items()
        if lines[name]["status"] != "failed" or not any(word in lines[name]["error"].lower() for word in words)
    }
    assert unexplained == {}
    # Nothing half-written: only the two good documents have records.
    records = list((tmp_path / "data" / "objects" / "records").rglob("*.json"))
    assert len(records) == 2
