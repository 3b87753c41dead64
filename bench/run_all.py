"""`make bench`: every benchmark, results in bench/results/*.json."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SERVICES = BENCH.parent / "scripts" / "services"

STEPS = [
    # First: the other benches delete thousands of work files when they end, and on a file system without a journal
    # each file the ingest creates in the next minutes pays for them (see text_pdf_bench); raw pypdf creates none.
    ["text_pdf_bench.py", "--items", "60"],
    ["search_bench.py", "--docs", "100000", "--docs", "1000000", "--out", str(BENCH / "results" / "search.json")],
    ["pages_bench.py", "--docs", "100000", "--rounds", "3"],  # the web pages beside the JSON API: ~3 minutes
    ["ocr_bench.py", "--pages", "12", "--rounds", "3"],  # 36 pages in three classes, 3 rounds: ~5 minutes on 2 cores
    ["cer_bench.py"],  # 40 pages of known wording, tuning and held-out: ~4 minutes on 2 cores
    ["reading_bench.py", "--pages", "3"],  # 7 page classes, tuning and held-out seeds: ~1 minute
    ["accuracy_bench.py"],  # TUNING and HELD_OUT sets, default reading and plain: ~4 minutes
    ["memory_bench.py", "--pages", "300"],
    ["durability_bench.py", "--files", "150"],
    ["backup_bench.py", "--documents", "300", "--mib", "2", "--rounds", "3"],  # backup/restore beside cp: ~1 minute
    # `archive reindex` time and peak memory at 100k and 1M stored records: ~10 minutes of set-up, ~25 of reindexing
    ["reindex_bench.py", "--docs", "100000", "--docs", "1000000"],
]
# Against the real servers of `scripts/services` (started here if they are not running).
SCALE_OUT_STEPS = [
    ["s3_bench.py"],
    ["es_bench.py"],
]


def services_env() -> dict[str, str]:
    # Full JIT: Elasticsearch's fast-start mode would understate its steady-state speed.
    env = {**os.environ, "ARCHIVE_SERVICES_ES_FULL_JIT": "1"}
    subprocess.run([str(SERVICES), "up", "elasticsearch", "s3"], check=True, env=env)
    exports = subprocess.run([str(SERVICES), "env", "elasticsearch", "s3"], check=True, capture_output=True, text=True,
                             env=env).stdout
    pairs = (word.split("=", 1) for line in exports.splitlines() for word in shlex.split(line) if "=" in word)
    return {**env, **dict(pairs)}


def main() -> None:
    for script, *args in STEPS:
        print(f"== {script} {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, str(BENCH / script), *args], check=True)
    env = services_env()
    for script, *args in SCALE_OUT_STEPS:
        print(f"== {script} {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, str(BENCH / script), *args], check=True, env=env)


if __name__ == "__main__":
    main()
