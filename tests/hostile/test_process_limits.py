"""A file whose parsing runs too long or needs too much memory fails alone: its process is
stopped or refused memory, the reason is recorded, and the rest of the batch is ingested."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.conftest import DOSSIER_KB_15_84, SAMPLE_LINES, render_text_image, text_pdf


def ingest(data_dir: Path, folder: Path, **settings: str) -> dict[str, dict]:
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir), **settings}
    done = subprocess.run([sys.executable, "-m", "archive", "ingest", str(folder), "--json", "--workers", "2"],
                          env=env, capture_output=True, text=True, timeout=900)
    found = {Path(entry["path"]).name: entry for entry in map(json.loads, done.stdout.splitlines())}
    # The exit status says whether any file failed: 6 when one did, 0 when none did.
    assert done.returncode == (6 if any(entry["status"] == "failed" for entry in found.values()) else 0), done.stderr
    return found


def test_a_file_that_takes_too_long_is_stopped_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    pages = [render_text_image(SAMPLE_LINES) for _ in range(8)]  # minutes of OCR, far past the limit
    pages[0].save(folder / "long-scan.tif", save_all=True, append_images=pages[1:], compression="tiff_lzw", dpi=(300, 300))
    (folder / "logbook.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]))

    lines = ingest(tmp_path / "data", folder, ARCHIVE_FILE_TIMEOUT_S="3")

    assert lines["logbook.pdf"]["status"] == "ingested"
    assert lines["long-scan.tif"]["status"] == "failed"
    assert "longer than 3 s" in lines["long-scan.tif"]["error"]


def test_a_file_that_needs_too_much_memory_fails_alone(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    # 81 megapixels: under the pixel limits, but cleaning it for OCR takes about a gigabyte.
    Image.new("RGB", (9_000, 9_000), "white").save(folder / "huge-scan.png", dpi=(300, 300))
    (folder / "logbook.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]))

    lines = ingest(tmp_path / "data", folder, ARCHIVE_WORKER_MEMORY_MB="700")

    assert lines["logbook.pdf"]["status"] == "ingested"
    assert lines["huge-scan.png"]["status"] == "failed"
    assert "memory limit of 700 MiB" in lines["huge-scan.png"]["error"]
