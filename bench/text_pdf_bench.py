"""Text-PDF ingest rate: pages per second through `archive ingest` (text layer, no OCR).

    python bench/text_pdf_bench.py --items 60
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, write_result  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=60)
    args = parser.parse_args()
    from archive.demo import generate_dossiers
    from ingest.pdf import open_pdf
    from ingest.limits import ExtractionLimits

    folder = WORK / "textpdf"
    shutil.rmtree(folder, ignore_errors=True)
    files = generate_dossiers(folder / "files", items=args.items, seed=3, scans=False)
    pages = sum(len(open_pdf(f.path.read_bytes(), ExtractionLimits()).pages) for f in files)
    cores = os.cpu_count() or 1
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(folder / "data")}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "archive", "ingest", *(str(f.path) for f in files), "--workers", str(cores), "--json"],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    result = {
        "files": len(files),
        "pages": pages,
        "seconds": round(elapsed, 2),
        "pages_per_s": round(pages / elapsed, 1),
        "note": "includes process start-up, hashing, field extraction, storing and indexing",
        "command": f"python bench/text_pdf_bench.py --items {args.items}",
    }
    print(result)
    print(f"written to {write_result('text_pdf_ingest', result)}")


if __name__ == "__main__":
    main()
