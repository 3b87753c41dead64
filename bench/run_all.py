"""`make bench`: every benchmark, results in bench/results/*.json."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

STEPS = [
    ["search_bench.py", "--docs", "100000", "--docs", "1000000", "--out", str(BENCH / "results" / "search.json")],
    ["ocr_bench.py", "--pages", "40"],
    ["text_pdf_bench.py", "--items", "60"],
    ["accuracy_bench.py", "--items", "12"],
    ["memory_bench.py", "--pages", "300"],
]


def main() -> None:
    for script, *args in STEPS:
        print(f"== {script} {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, str(BENCH / script), *args], check=True)


if __name__ == "__main__":
    main()
