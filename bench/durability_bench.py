"""The cost of durable batches: the same batch with and without its persisted journal.

    python bench/durability_bench.py --files 150

Text PDFs (the fastest files, so the journal's share is as large as it gets), ingested in this
process through `BatchIngest` into a fresh data directory each time. Each round runs both, back to back, in
alternating order; the ratio (time without journal ÷ time with it, 1.0 = free) is taken within each round, and
the median and spread of those per-round ratios are reported. Round 1 is the cold one (the files and the Python
modules first read then), named as such.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, write_result  # noqa: E402


def make_files(folder: Path, count: int) -> None:
    from archive.demo import document_texts
    from tests.conftest import text_pdf

    folder.mkdir(parents=True, exist_ok=True)
    for number, (_truth, text) in enumerate(document_texts(count, seed=5)):
        (folder / f"doc-{number:04d}.pdf").write_bytes(text_pdf(text.splitlines()[:40]))


def timed_batch(folder: Path, data_dir: Path, journal: bool) -> float:
    from archive.batch import BatchIngest
    from archive.bootstrap import build_services
    from archive.config import Settings

    shutil.rmtree(data_dir, ignore_errors=True)
    settings = Settings(data_dir=data_dir)
    service = build_services(settings)
    try:
        start = time.perf_counter()
        results = BatchIngest(service, workers=0, journal_path=settings.batches_db if journal else None).run([folder])
        elapsed = time.perf_counter() - start
    finally:
        service.close()
    assert all(r.status == "ingested" for r in results), [r.error for r in results if r.status != "ingested"][:3]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = WORK / "durability" / "files"
    shutil.rmtree(folder.parent, ignore_errors=True)
    make_files(folder, args.files)
    rounds = []
    for round_number in range(args.rounds):
        order = (True, False) if round_number % 2 == 0 else (False, True)
        seconds = {journal: timed_batch(folder, WORK / "durability" / "data", journal) for journal in order}
        rounds.append({"round": round_number + 1, "cache": "cold" if round_number == 0 else "warm",
                       "first": "with journal" if order[0] else "without journal",
                       "with_journal_s": round(seconds[True], 3), "without_journal_s": round(seconds[False], 3),
                       "ratio": round(seconds[False] / seconds[True], 3)})
    ratios = [r["ratio"] for r in rounds]
    warm = [r["ratio"] for r in rounds if r["cache"] == "warm"] or ratios
    result = {
        "files": args.files,
        "rounds": rounds,
        "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
        "ratio_warm_median": statistics.median(warm),
        "command": f"python bench/durability_bench.py --files {args.files} --rounds {args.rounds}",
    }
    print(result)
    print(f"written to {write_result('durability', result)}")


if __name__ == "__main__":
    main()
