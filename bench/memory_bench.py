"""Peak memory while ingesting one long scanned PDF (pages are read, OCRed and dropped one at a time): the
largest single process and the whole process tree (the CLI, its parsing process and what runs inside it).

    python bench/memory_bench.py --pages 300
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

from bench.common import WORK, TreeMemory, write_result  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--dpi", type=int, default=200)
    args = parser.parse_args()
    from archive.demo import render_scanned_pdf

    folder = WORK / "memory"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    pdf = folder / f"scan-{args.pages}-pages.pdf"
    render_scanned_pdf(pdf, pages=args.pages, seed=5, dpi=args.dpi)
    data_dir = folder / "data"
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir)}
    start = time.perf_counter()
    command = subprocess.Popen([sys.executable, "-m", "archive", "ingest", str(pdf), "--workers", "1", "--json"],
                               env=env, stdout=subprocess.DEVNULL)
    tree = TreeMemory(command.pid)  # the CLI, its parsing process and the tesseract work inside it, together
    while command.poll() is None:
        tree.sample()
        time.sleep(0.1)
    if command.returncode != 0:
        raise SystemExit(f"archive ingest exited {command.returncode}")
    elapsed = time.perf_counter() - start
    result = {
        "pages": args.pages,
        "dpi": args.dpi,
        "file_mib": round(pdf.stat().st_size / 2**20, 1),
        # The largest single process: its own high-water mark. (The kernel's ru_maxrss of waited-for children no
        # longer sees the pool processes: they are the readers' server's children, not the command's.)
        "peak_rss_mib": tree.largest_peak_mib,
        "tree_peak_rss_mib": tree.total_peak_mib,  # the whole process tree at once, sampled every 0.1 s
        "cli_peak_rss_mib": tree.main_peak_mib,
        "worker_tree_peak_rss_mib": tree.worker_peak_mib,  # the readers' server, its pool process and tesseract
        "seconds": round(elapsed, 1),
        "aim": "<= 500 MB",
        "command": f"python bench/memory_bench.py --pages {args.pages}",
    }
    print(result)
    print(f"written to {write_result('memory_300_page_scan', result)}")


if __name__ == "__main__":
    main()
