"""Field accuracy on fresh dossiers of one hard scan class: every scan of the drawn seeds made that class.

    OMP_THREAD_LIMIT=1 python bench/class_bench.py --scan-class sideways --seeds 403 404 405 406 407 408
    OMP_THREAD_LIMIT=1 python bench/class_bench.py --scan-class phone --seeds 410 411 412 413

The named sets carry each hard class on a few files only (six sideways pages in HELD_OUT), too few to see a
class's failures; here the seeds are in neither set, so the figures are on dossiers no rule was written from.
Per file: the share of its printed fields extracted exactly (`archive.evaluation`) and how its pages were read.
Writes bench/results/class_<scan class>.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, code_version, write_result  # noqa: E402

from archive.demo.sets import SampleSet  # noqa: E402
from archive.demo.writer import ScanMix  # noqa: E402
from archive.evaluation import format_table, overall, score  # noqa: E402
from ingest.errors import IngestError  # noqa: E402
from ingest.pipeline import ExtractionOptions, extract  # noqa: E402

CLASSES = ("faded", "phone", "sideways", "junk-layer", "table-jpeg")
WHOLE_PAGE_FAILURE = 0.3  # a file with less than this share of its fields right lost its page


def _extract(path: str) -> tuple[dict[str, Any], list[str]]:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        extraction = extract(Path(path).read_bytes(), ExtractionOptions())
    except IngestError as error:
        return {}, [f"failed: {error}"]
    return ({name: value.value for name, value in extraction.fields.items()},
            [page.reading or page.source for page in extraction.pages])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scan-class", required=True, choices=CLASSES)
    parser.add_argument("--seeds", nargs="+", type=int, required=True)
    parser.add_argument("--items", type=int, default=6)
    args = parser.parse_args()
    mix = ScanMix(**{args.scan_class.replace("-", "_"): 1.0}, corner_stamp=0.6)
    folder = WORK / f"class_{args.scan_class}"
    shutil.rmtree(folder, ignore_errors=True)
    samples = [s for s in SampleSet(args.scan_class, seeds=tuple(args.seeds), items=args.items, mix=mix).generate(folder)
               if s.scan_class == args.scan_class]
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        extracted = list(pool.map(_extract, [str(s.path) for s in samples]))
    files = []
    for sample, (fields, readings) in zip(samples, extracted):
        scores = score([(sample.path.name, sample.truth, fields)])
        right, total = sum(e.correct for e in scores.values()), sum(e.total for e in scores.values())
        files.append({"file": f"{sample.path.parent.name}/{sample.path.name}", "right": right, "fields": total,
                      "readings": readings})
    scores = score((f"{s.path.parent.name}/{s.path.name}", s.truth, got[0]) for s, got in zip(samples, extracted))
    print(format_table(scores, f"{args.scan_class}: {len(samples)} scans"))
    right, total = sum(f["right"] for f in files), sum(f["fields"] for f in files)
    failures = [f["file"] for f in files if f["right"] < WHOLE_PAGE_FAILURE * f["fields"]]
    print(f"fields right {right} of {total} ({right / total:.4f}); whole-page failures {len(failures)}")
    seeds = " ".join(map(str, args.seeds))
    write_result(f"class_{args.scan_class}", {
        "scan_class": args.scan_class, "seeds": args.seeds, "items_per_seed": args.items, "scans": len(samples),
        "fields_right": right, "fields": total, "accuracy": round(overall(scores), 4),
        "whole_page_failures": failures, "files": files, "code_version": code_version(),
        "command": f"OMP_THREAD_LIMIT=1 python bench/class_bench.py --scan-class {args.scan_class} --seeds {seeds}",
    })


if __name__ == "__main__":
    main()
