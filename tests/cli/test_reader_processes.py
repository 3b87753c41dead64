"""Files are read in pool processes forked from a server that imported the readers (archive.isolation), not from
the command: what they log still follows the command's log format, and the installed `archive` script works."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import DOSSIER_KB_15_84, text_pdf


def _with_wrong_xref(pdf: bytes) -> bytes:
    """The cross-reference table claims two objects: the reader repairs the file (and logs that it did)."""
    damaged = re.sub(rb"xref\s+0 \d+", b"xref\n0 2", pdf, count=1)
    assert damaged != pdf
    return damaged


def test_installed_command_ingests_and_a_reader_logs_in_the_json_log_format(tmp_path: Path):
    folder = tmp_path / "scans"
    folder.mkdir()
    pages = list(DOSSIER_KB_15_84.values())
    (folder / "logbook.pdf").write_bytes(text_pdf(pages[0]))
    (folder / "repaired.pdf").write_bytes(_with_wrong_xref(text_pdf(pages[1])))
    command = Path(sys.executable).with_name("archive")  # the console script `make install` puts beside Python
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_LOG_FORMAT": "json", "COLUMNS": "200"}
    done = subprocess.run([str(command), "ingest", str(folder), "--workers", "2", "--json"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = {Path(r["path"]).name: r for r in map(json.loads, done.stdout.splitlines())}
    assert {name: r["status"] for name, r in results.items()} == {"logbook.pdf": "ingested", "repaired.pdf": "ingested"}
    assert results["repaired.pdf"]["document"]["serial_number"] == "KB-15-84"
    # Beside the progress bar and the summary written for a person, the log lines: JSON, the pool processes' too.
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(line.get("logger") == "ingest.pdf" and "qpdf repair" in line.get("event", "") for line in lines), lines
