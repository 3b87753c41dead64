"""The cost of durable batches: the same batch with and without its persisted journal.

    python bench/durability_bench.py --files 150

Text PDFs (the fastest files, so the journal's share is as large as it gets), ingested in this
process through `BatchIngest` into a fresh data directory each time; alternating order, best of
`--rounds`. Ratio = time without journal ÷ time with it (1.0 = free).
"""

from __future__ import annotations

import argparse
import shutil
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
    with_journal, without = [], []
    for round_number in range(args.rounds):
        order = (True, False) if round_number % 2 == 0 else (False, True)
        for journal in order:
            seconds = timed_batch(folder, WORK / "durability" / "data", journal)
            (with_journal if journal else without).append(seconds)
    result = {
        "files": args.files,
        "with_journal_s": [round(s, 2) for s in with_journal],
        "without_journal_s": [round(s, 2) for s in without],
        "ratio_without_over_with_best": round(min(without) / min(with_journal), 3),
        "command": f"python bench/durability_bench.py --files {args.files}",
    }
    print(result)
    print(f"written to {write_result('durability', result)}")


if __name__ == "__main__":
    main()
