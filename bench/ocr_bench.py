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

from bench.common import WORK, write_result  # noqa: E402


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


def time_archive_ingest(folder: Path, cores: int, data_dir: Path) -> float:
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "archive", "ingest", str(folder), "--workers", str(cores), "--json"],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--lang", default="vie+eng")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    folder = WORK / "ocr" / "pages"
    shutil.rmtree(folder, ignore_errors=True)
    pages = make_pages(folder, args.pages, args.seed)
    # Alternate the order so that neither side always runs on a warmer machine.
    raw_1 = time_plain_tesseract(pages, cores, args.lang)
    ours_1 = time_archive_ingest(folder, cores, WORK / "ocr" / "data")
    ours_2 = time_archive_ingest(folder, cores, WORK / "ocr" / "data")
    raw_2 = time_plain_tesseract(pages, cores, args.lang)
    raw, ours = min(raw_1, raw_2), min(ours_1, ours_2)
    result = {
        "pages": len(pages),
        "cores": cores,
        "plain_tesseract_s": round(raw, 2),
        "archive_ingest_s": round(ours, 2),
        "plain_tesseract_pages_per_s": round(len(pages) / raw, 3),
        "archive_pages_per_s": round(len(pages) / ours, 3),
        "ratio": round(raw / ours, 3),
        "aim": ">= 0.85",
        "command": f"python bench/ocr_bench.py --pages {args.pages}",
    }
    path = write_result("ocr_throughput", result)
    print(result)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
