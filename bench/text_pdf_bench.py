"""Text-PDF ingest rate beside the raw parsers, on all cores, over the same files.

    python bench/text_pdf_bench.py --items 60 --rounds 3

Each round runs, in turn: raw pypdf (`PdfReader(path).pages[i].extract_text()` in a process pool of one
process per core), raw PDFium (`get_text_bounded()` per page, same pool), and `archive ingest FILES --workers
<cores>` into a new data directory (process start-up, hashing, field extraction, storing, audit and indexing
included). The ratio is ingest pages/s over raw pypdf pages/s in the same round; the spread over rounds is kept.
Each round also times, in this process on one core, raw pypdf over the files and the archive's extraction (text
layer and fields, nothing stored) over the same bytes: where the time goes between parsing and the rest.
Every round is warm (the files were just written and are in the page cache).

Nothing is deleted before or between the measurements: the inputs are written over in place (the same seed gives the
same files) and each round's data directory is removed only after the last round. On an ext4 without a journal (this
machine's), each file created within one to five minutes of a mass deletion has its inode looked for past the freed ones
(`recently_deleted`): 1,348 stores took 0.54 s of CPU a minute after 8,000 files were deleted, 0.06 s with no recent
deletion. The ingest creates some four files per document and raw pypdf none, so a bench that deleted its previous
data just before would charge its own clean-up to the ingest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, write_result  # noqa: E402


def _pypdf_pages(path: str) -> int:
    from pypdf import PdfReader

    pages = PdfReader(path).pages
    for page in pages:
        page.extract_text()
    return len(pages)


def _pdfium_pages(path: str) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        for index in range(len(document)):
            page = document[index]
            text_page = page.get_textpage()
            text_page.get_text_bounded()
            text_page.close()
            page.close()
        return len(document)
    finally:
        document.close()


def _raw(count_pages, files: list[str], cores: int) -> tuple[int, float]:
    start = time.perf_counter()
    with Pool(cores) as pool:
        pages = sum(pool.map(count_pages, files, chunksize=4))
    return pages, time.perf_counter() - start


def _in_process(files: list[str]) -> tuple[float, float]:
    """One core, this process: seconds of raw pypdf `extract_text` over the files, and of the archive's extraction
    (text layer and every field, no storing) over the same bytes, back to back."""
    from ingest.pipeline import ExtractionOptions, extract

    datas = [Path(path).read_bytes() for path in files]
    start = time.perf_counter()
    for path in files:
        _pypdf_pages(path)
    raw = time.perf_counter() - start
    options = ExtractionOptions()
    start = time.perf_counter()
    for data in datas:
        extract(data, options)
    return raw, time.perf_counter() - start


def _ingest(files: list[str], cores: int, data_dir: Path) -> float:
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "archive", "ingest", *files, "--workers", str(cores), "--json"],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from archive.demo import generate_dossiers

    folder = WORK / "textpdf"
    # An earlier run cut short leaves data directories: set aside now (a rename), deleted after the measurements.
    leftovers = folder / "leftovers"
    for stale in folder.glob("data-*"):
        leftovers.mkdir(parents=True, exist_ok=True)
        stale.rename(leftovers / f"{stale.name}-{time.time_ns()}")
    files = [str(f.path) for f in generate_dossiers(folder / "files", items=args.items, seed=3, scans=False)]
    cores = os.cpu_count() or 1
    rounds = []
    for number in range(args.rounds):
        pages, pypdf_s = _raw(_pypdf_pages, files, cores)
        _, pdfium_s = _raw(_pdfium_pages, files, cores)
        # A new data directory each round, all removed at the end: deleting a run's thousands of files just before
        # the next one makes ext4 walk the freshly freed inodes on every file the next run creates.
        ingest_s = _ingest(files, cores, folder / f"data-{number + 1}")
        raw_one_core_s, extract_one_core_s = _in_process(files)
        round_ = {"extraction_ratio_to_pypdf_one_core": round(raw_one_core_s / extract_one_core_s, 3),
                  "extraction_s_one_core": round(extract_one_core_s, 2), "pypdf_s_one_core": round(raw_one_core_s, 2),
                  "pypdf_pages_per_s": round(pages / pypdf_s, 1), "pdfium_pages_per_s": round(pages / pdfium_s, 1),
                  "ingest_pages_per_s": round(pages / ingest_s, 1), "ingest_s": round(ingest_s, 2),
                  "ratio_to_pypdf": round(pypdf_s / ingest_s, 3), "ratio_to_pdfium": round(pdfium_s / ingest_s, 3)}
        print(number + 1, round_)
        rounds.append(round_)
    for number in range(args.rounds):
        shutil.rmtree(folder / f"data-{number + 1}", ignore_errors=True)
    shutil.rmtree(leftovers, ignore_errors=True)
    ratios = [r["ratio_to_pypdf"] for r in rounds]
    result = {
        "files": len(files),
        "pages": pages,
        "cores": cores,
        "rounds": rounds,
        "ratio_to_pypdf_median": round(statistics.median(ratios), 3),
        "ratio_to_pypdf_range": [min(ratios), max(ratios)],
        "ratio_to_pdfium_median": round(statistics.median(r["ratio_to_pdfium"] for r in rounds), 3),
        "ingest_pages_per_s_median": round(statistics.median(r["ingest_pages_per_s"] for r in rounds), 1),
        "extraction_ratio_to_pypdf_one_core_median": round(
            statistics.median(r["extraction_ratio_to_pypdf_one_core"] for r in rounds), 3),
        "note": "all rounds warm; ingest includes process start-up, hashing, field extraction, storing, audit and"
                " indexing; the archive reads text layers with PDFium (pypdf where PDFium cannot)",
        "command": f"python bench/text_pdf_bench.py --items {args.items} --rounds {args.rounds}",
    }
    print(result)
    print(f"written to {write_result('text_pdf_ingest', result)}")


if __name__ == "__main__":
    main()
