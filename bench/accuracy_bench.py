"""Extraction accuracy on freshly generated scans, per field, with each preprocessing step toggled.

    python bench/accuracy_bench.py --items 12

Measures what each step (red-channel seal removal, upscaling of low-dpi pages, adaptive
binarisation) buys, so the defaults are chosen on evidence.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, write_result  # noqa: E402

from archive.evaluation import format_table, score  # noqa: E402
from ingest.errors import IngestError  # noqa: E402
from ingest.pipeline import ExtractionOptions, extract  # noqa: E402
from ingest.preprocess import NO_PREPROCESSING, PreprocessOptions  # noqa: E402

VARIANTS = {
    "none": NO_PREPROCESSING,
    "drop_red": replace(NO_PREPROCESSING, drop_red=True),
    "drop_red+upscale": replace(NO_PREPROCESSING, drop_red=True, upscale_below_dpi=200),
    "drop_red+despeckle": PreprocessOptions(upscale_below_dpi=0),
    "drop_red+upscale+despeckle (default)": PreprocessOptions(),
    "default+binarize": PreprocessOptions(adaptive_binarize=True),
}
FIELDS = ("doc_type", "serial_number", "document_date", "quality_grade", "unit", "designation", "document_number")


def _fields(path: str, options: ExtractionOptions) -> dict:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        extraction = extract(Path(path).read_bytes(), options)
    except IngestError:
        return {}
    return {name: value.value for name, value in extraction.fields.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=12)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--only", nargs="*", help="variant labels to run (default: all)")
    args = parser.parse_args()
    from archive.demo import generate_dossiers

    folder = WORK / "accuracy"
    shutil.rmtree(folder, ignore_errors=True)
    samples = [s for s in generate_dossiers(folder, items=args.items, seed=args.seed, scans=True) if s.kind != "text-pdf"]
    report = {}
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        for label, preprocess in VARIANTS.items():
            if args.only and label not in args.only:
                continue
            options = ExtractionOptions(preprocess=preprocess)
            start = time.perf_counter()
            extracted = list(pool.map(_fields, [str(s.path) for s in samples], [options] * len(samples)))
            elapsed = time.perf_counter() - start
            truth = [(s.path.name, {k: v for k, v in s.truth.items() if k in FIELDS}, got) for s, got in zip(samples, extracted)]
            scores = score(truth)
            print(format_table(scores, f"\n{label}: {len(samples)} scanned files, {elapsed:.1f} s"))
            report[label] = {
                "seconds": round(elapsed, 1),
                "accuracy": {name: round(entry.accuracy, 4) for name, entry in scores.items()},
            }
    result = {"scanned_files": len(samples), "variants": report, "command": f"python bench/accuracy_bench.py --items {args.items}"}
    print(f"written to {write_result('preprocessing_accuracy', result)}")


if __name__ == "__main__":
    main()
