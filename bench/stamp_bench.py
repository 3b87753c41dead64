"""Secrecy stamps read from page images: hits, misses and false alarms per page kind, and the cost.

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/stamp_bench.py --seeds 100-111 --dpi 200 --baseline 1

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/stamp_bench.py --demo-set tuning --items 8

Pages come from tests/unit/stamp_pages.py. Seeds 0-5 were used while tuning ingest/stamps.py; any other
seed range is held out. `--baseline N` also times one plain full-page `tesseract` call (vie+eng, psm 3)
on N pages of each kind, to give the detector's cost as a share of a page's OCR.

`--demo-set tuning|held_out` instead reads the first page of every scanned file of a named sample set
(archive/demo/sets.py: corner stamps red or black, tilted, stamps in the text flow, faded copies, phone
photos, sideways pages, faxes) and compares with the set's ground truth.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytesseract

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.demo.sets import SETS  # noqa: E402
from ingest.limits import ExtractionLimits  # noqa: E402
from ingest.pipeline import page_sources  # noqa: E402
from ingest.sniff import sniff  # noqa: E402
from ingest.stamps import find_candidates, find_classification_stamp  # noqa: E402
from tests.unit.stamp_pages import NEGATIVE_KINDS, POSITIVE_KINDS, draw_case  # noqa: E402


def seed_range(text: str) -> range:
    first, _, last = text.partition("-")
    return range(int(first), int(last or first) + 1)


def full_page_ocr_seconds(image, dpi: int) -> float:
    image.format = "PPM"
    started = time.perf_counter()
    pytesseract.image_to_string(image, lang="vie+eng", config=f"--psm 3 --dpi {dpi}")
    return time.perf_counter() - started


def first_page(path: Path):
    data = path.read_bytes()
    source = next(iter(page_sources(data, sniff(data[:1024]), ExtractionLimits())))
    return source.load_image()


def demo_set(name: str, items: int, work: Path) -> None:
    """Each scanned file's first page (where the stamp is pressed) against the set's ground truth."""
    outcomes: dict[str, Counter] = defaultdict(Counter)
    seconds: list[float] = []
    for sample in SETS[name].generate(work / name, workers=1, items=items):
        if sample.kind == "text-pdf":
            continue
        image, dpi = first_page(sample.path)
        started = time.perf_counter()
        reading = find_classification_stamp(image, dpi)
        seconds.append(time.perf_counter() - started)
        truth, got = sample.truth.get("classification"), reading.level if reading else None
        stamp_kind = next((t for t in sample.traits if t.startswith("stamp-corner")), "stamp-in-layout")
        group = f"{sample.scan_class}/{stamp_kind if truth else 'no stamp'}"
        verdict = ("hit" if got == truth else "miss_none" if got is None else "wrong_level") if truth else (
            "false_alarm" if got else "correct_none")
        outcomes[group][verdict] += 1
        if got != truth:
            print(f"  {sample.path.name} {group} {sample.traits}: truth {truth}, got {got}"
                  f"{f' ({reading.text!r})' if reading else ''}")
    print(f"\n{name} set, {items} dossiers per seed, first pages of scanned files")
    print(f"{'scan class / stamp':40} {'pages':>5} {'hit':>4} {'none':>5} {'wrong':>5} {'f.alarm':>7}")
    totals: Counter = Counter()
    for group in sorted(outcomes):
        counts = outcomes[group]
        totals.update(counts)
        print(f"{group:40} {sum(counts.values()):5} {counts['hit']:4} {counts['miss_none']:5} "
              f"{counts['wrong_level']:5} {counts['false_alarm']:7}")
    print(f"{'all':40} {sum(totals.values()):5} {totals['hit']:4} {totals['miss_none']:5} "
          f"{totals['wrong_level']:5} {totals['false_alarm']:7}")
    print(f"detector time per page: mean {sum(seconds) / len(seconds):.2f} s, max {max(seconds):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo-set", choices=sorted(SETS))
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--work", type=Path, default=Path("bench/work/stamps"))
    parser.add_argument("--seeds", default="100-111")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=0, help="pages per kind also read whole by tesseract")
    parser.add_argument("--kinds", default=",".join(POSITIVE_KINDS + NEGATIVE_KINDS))
    args = parser.parse_args()
    if args.demo_set:
        demo_set(args.demo_set, args.items, args.work)
        return
    outcomes: dict[str, Counter] = defaultdict(Counter)
    timings: dict[str, list[tuple[float, float, float | None]]] = defaultdict(list)
    for kind in args.kinds.split(","):
        for n, seed in enumerate(seed_range(args.seeds)):
            image, dpi, truth = draw_case(kind, seed, args.dpi)
            started = time.perf_counter()
            candidates = find_candidates(image, dpi)
            search = time.perf_counter() - started
            started = time.perf_counter()
            reading = find_classification_stamp(image, dpi)
            total = time.perf_counter() - started
            baseline = full_page_ocr_seconds(image, dpi) if n < args.baseline else None
            timings[kind].append((search, total, baseline))
            got = reading.level if reading else None
            if truth.level is None:
                outcomes[kind]["false_alarm" if got else "correct_none"] += 1
            elif got == truth.level:
                outcomes[kind]["hit"] += 1
            elif got is None:
                outcomes[kind]["miss_none"] += 1
            else:
                outcomes[kind]["wrong_level"] += 1
                print(f"  wrong level: {kind} seed {seed}: {truth.level} read as {got} ({reading.text!r})")
            if got != truth.level:
                print(f"  {kind} seed {seed}: truth {truth.level}, got {got}, candidates {len(candidates)}")
    print(f"\nseeds {args.seeds}, {args.dpi} dpi (faded_top_secret always 150 dpi)")
    print(f"{'kind':18} {'pages':>5} {'hit':>4} {'none':>5} {'wrong':>5} {'f.alarm':>7} "
          f"{'search ms':>9} {'total s':>8} {'tess s':>7} {'ratio':>6}")
    for kind, counts in outcomes.items():
        rows = timings[kind]
        search = sum(r[0] for r in rows) / len(rows) * 1000
        total = sum(r[1] for r in rows) / len(rows)
        paired = [(r[1], r[2]) for r in rows if r[2] is not None]
        tess = sum(b for _, b in paired) / len(paired) if paired else None
        ratio = sum(t for t, _ in paired) / sum(b for _, b in paired) if paired else None
        print(f"{kind:18} {sum(counts.values()):5} {counts['hit']:4} {counts['miss_none']:5} {counts['wrong_level']:5} "
              f"{counts['false_alarm']:7} {search:9.0f} {total:8.2f} "
              f"{'' if tess is None else f'{tess:7.2f}':>7} {'' if ratio is None else f'{ratio:6.2f}':>6}")


if __name__ == "__main__":
    main()
