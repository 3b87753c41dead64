"""Character error rate of the archive's page text against plain `tesseract`, on pages whose wording is known.

    python bench/cer_bench.py                       # tuning and held-out parts, all cores
    python bench/cer_bench.py --reading adaptive    # once ExtractionOptions has `reading`

The pages come from bench/real_documents.py (real text, synthetic imaging; see
bench/real/SOURCES.md). For every page the same file goes to
  plain:    tesseract <image> stdout -l vie+eng      (OMP_THREAD_LIMIT=1)
  archive:  ingest.pipeline.extract(bytes).pages[*].text
and both texts are compared with the printed wording: CER = Levenshtein distance / length of
the truth, after the same normalisation on all three sides (NFC, the archive's tone placement,
whitespace collapsed to single spaces). Overall figures add distances and lengths over pages
(a long page weighs more). Aims: archive CER <= plain on every page and <= 0.9 x plain overall.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, code_version, write_result  # noqa: E402

PARTS = ("tuning", "held_out")


def comparable(text: str) -> str:
    """One form for truth and both readings, so only reading errors count."""
    from common.text import normalize_text

    return " ".join(normalize_text(unicodedata.normalize("NFC", text)).split())


def char_errors(hypothesis: str, truth: str) -> tuple[int, int]:
    from rapidfuzz.distance import Levenshtein

    hyp, ref = comparable(hypothesis), comparable(truth)
    return Levenshtein.distance(hyp, ref), len(ref)


def read_plain(path: Path, lang: str) -> tuple[str, float]:
    start = time.perf_counter()
    done = subprocess.run(["tesseract", str(path), "stdout", "-l", lang], capture_output=True, text=True, check=True)
    return done.stdout, time.perf_counter() - start


def read_archive(path: Path, reading: str | None) -> tuple[str, float]:
    from ingest.pipeline import ExtractionOptions, extract

    options = ExtractionOptions(**({"reading": reading} if reading else {}))
    start = time.perf_counter()
    extraction = extract(path.read_bytes(), options)
    return "\n".join(page.text for page in extraction.pages), time.perf_counter() - start


def measure_page(job: tuple[str, str, str, str, str, str | None]) -> dict:
    name, part, imaging, path, truth, reading = job
    plain_text, plain_s = read_plain(Path(path), "vie+eng")
    archive_text, archive_s = read_archive(Path(path), reading)
    plain_errors, length = char_errors(plain_text, truth)
    archive_errors, _ = char_errors(archive_text, truth)
    return {
        "page": name, "part": part, "imaging": imaging, "truth_chars": length,
        "plain_errors": plain_errors, "archive_errors": archive_errors,
        "plain_cer": round(plain_errors / length, 4), "archive_cer": round(archive_errors / length, 4),
        "plain_s": round(plain_s, 2), "archive_s": round(archive_s, 2),
    }


def summarise(rows: list[dict]) -> dict:
    length = sum(r["truth_chars"] for r in rows)
    plain = sum(r["plain_errors"] for r in rows) / length
    archive = sum(r["archive_errors"] for r in rows) / length
    worse = [r["page"] for r in rows if r["archive_errors"] > r["plain_errors"]]
    return {
        "pages": len(rows),
        "plain_cer": round(plain, 4),
        "archive_cer": round(archive, 4),
        "archive_over_plain": round(archive / plain, 3) if plain else None,
        "pages_where_archive_is_worse": worse,
        "meets_aim": bool(not worse and archive <= 0.9 * plain),
    }


def reading_supported() -> bool:
    from ingest.pipeline import ExtractionOptions

    return any(f.name == "reading" for f in dataclasses.fields(ExtractionOptions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--reading", choices=("plain", "adaptive"), default=None,
                        help="ExtractionOptions(reading=...); default: the pipeline's own default")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default="cer_real", help="result name under bench/results/")
    args = parser.parse_args()
    if args.reading and not reading_supported():
        raise SystemExit("this checkout's ExtractionOptions has no `reading` option yet; run without --reading")
    os.environ["OMP_THREAD_LIMIT"] = "1"  # one tesseract thread per worker: the cores are shared out by the pool

    from bench.real_documents import load_manifest, prepare

    pages = prepare(WORK / "real", tuple(args.parts))
    jobs = [(p.name, p.part, p.imaging, str(p.path), p.truth, args.reading) for p in pages]
    load_before = os.getloadavg()
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        rows = list(pool.map(measure_page, jobs))
    elapsed = time.perf_counter() - start

    parts = {part: summarise([r for r in rows if r["part"] == part]) for part in args.parts}
    imagings = sorted({r["imaging"] for r in rows})
    by_imaging = {part: {i: summarise([r for r in rows if r["part"] == part and r["imaging"] == i]) for i in imagings}
                  for part in args.parts}
    command = "python bench/cer_bench.py" + (f" --reading {args.reading}" if args.reading else "") + (
        f" --parts {' '.join(args.parts)}" if tuple(args.parts) != PARTS else "")
    result = {
        "data": load_manifest()["kind"],
        "source": load_manifest()["source"],
        "reading": args.reading or "pipeline default",
        "normalisation": "NFC, common.text.normalize_text (tone placement), whitespace collapsed; same on all sides",
        "aim": "archive CER <= plain on every page and <= 0.9 x plain overall",
        "overall": summarise(rows),
        "parts": parts,
        "by_imaging": by_imaging,
        "pages": rows,
        "workers": args.workers,
        "wall_s": round(elapsed, 1),
        "load_average_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "command": command,
        "code": code_version(),
    }
    path = write_result(args.out, result)
    for part, summary in parts.items():
        print(f"{part:9s} pages={summary['pages']:3d} plain={summary['plain_cer']:.4f} "
              f"archive={summary['archive_cer']:.4f} ratio={summary['archive_over_plain']} "
              f"worse_on={len(summary['pages_where_archive_is_worse'])}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
