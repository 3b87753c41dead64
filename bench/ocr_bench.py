"""Scanned-page ingest throughput against plain `tesseract` on the same page images, both on all cores.

    python bench/ocr_bench.py --pages 40

Plain tesseract: one process per page, `xargs -P <cores>`, OMP_THREAD_LIMIT=1 (what makes the
best use of the cores for many pages). The archive: `archive ingest` of the same PNG files with
one worker per core, into a fresh data directory (hashing, preprocessing, OCR, field
extraction, storing and indexing included). Ratio = archive pages/s ÷ tesseract pages/s.
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


def make_pages(target: Path, pages: int, seed: int) -> list[Path]:
    """Scanned page images from the sample generator (one PNG per page, at its scan dpi)."""
    from archive.demo import generate_dossiers
    from ingest.images import iter_image_pages
    from ingest.limits import ExtractionLimits
    from ingest.pdf import iter_pdf_pages
    from ingest.sniff import PDF, sniff

    source = target.parent / "generated"
    shutil.rmtree(source, ignore_errors=True)
    files = generate_dossiers(source, items=max(4, pages // 3), seed=seed, scans=True)
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for sample in files:
        if sample.kind == "text-pdf":
            continue
        data = sample.path.read_bytes()
        kind = sniff(data[:1024])
        sources = iter_pdf_pages(data, ExtractionLimits()) if kind == PDF else iter_image_pages(data, ExtractionLimits())
        for page in sources:
            image, dpi = page.load_image()
            out = target / f"page-{len(written):04d}.png"
            image.save(out, dpi=(round(dpi or 300),) * 2)
            written.append(out)
            if len(written) >= pages:
                return written
    return written


def time_plain_tesseract(pages: list[Path], cores: int, lang: str) -> float:
    listing = "\n".join(str(p) for p in pages) + "\n"
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    start = time.perf_counter()
    subprocess.run(
        ["xargs", "-P", str(cores), "-I{}", "tesseract", "{}", "stdout", "-l", lang],
        input=listing, text=True, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def time_archive_ingest(folder: Path, cores: int, data_dir: Path) -> tuple[float, TreeMemory]:
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "archive", "ingest", str(folder), "--workers", str(cores), "--json"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    memory = TreeMemory(process.pid)
    while process.poll() is None:
        memory.sample()
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"archive ingest exited with {process.returncode}")
    return elapsed, memory


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--lang", default="vie+eng")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side; the fastest counts")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    folder = WORK / "ocr" / "pages"
    made = folder.parent / f"pages-{args.pages}-seed-{args.seed}.made"
    if made.exists():  # the same pages as last time: generating 1,000 takes minutes
        pages = sorted(folder.glob("page-*.png"))
    else:
        shutil.rmtree(folder, ignore_errors=True)
        pages = make_pages(folder, args.pages, args.seed)
        made.touch()
    raw_times: list[float] = []
    ours_times: list[float] = []
    memories: list[TreeMemory] = []
    for round_number in range(args.rounds):
        # Alternate the order so that neither side always runs on a warmer machine.
        order = ("raw", "ours") if round_number % 2 == 0 else ("ours", "raw")
        for side in order:
            if side == "raw":
                raw_times.append(time_plain_tesseract(pages, cores, args.lang))
            else:
                elapsed, memory = time_archive_ingest(folder, cores, WORK / "ocr" / "data")
                ours_times.append(elapsed)
                memories.append(memory)
    raw, ours = min(raw_times), min(ours_times)
    result = {
        "pages": len(pages),
        "cores": cores,
        "plain_tesseract_s": round(raw, 2),
        "archive_ingest_s": round(ours, 2),
        "plain_tesseract_pages_per_s": round(len(pages) / raw, 3),
        "archive_pages_per_s": round(len(pages) / ours, 3),
        "ratio": round(raw / ours, 3),
        "aim": ">= 0.85",
        # RSS sampled every 0.2 s: one extraction worker with its tesseract child, and the whole command.
        "worker_peak_rss_mib": max(m.worker_peak_mib for m in memories),
        "ingest_process_peak_rss_mib": max(m.main_peak_mib for m in memories),
        "total_peak_rss_mib": max(m.total_peak_mib for m in memories),
        "command": f"python bench/ocr_bench.py --pages {args.pages} --rounds {args.rounds}",
    }
    path = write_result("ocr_throughput", result)
    print(result)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
