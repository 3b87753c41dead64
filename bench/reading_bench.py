"""Plain Tesseract against the archive's per-page reading, class by class, on pages whose text is known.

    OMP_THREAD_LIMIT=1 python bench/reading_bench.py --pages 3 --tune-seed 11 --holdout-seed 29

Each class of page (clean 300 dpi, faded 150-dpi copy of a copy, blurred phone photo with no
dpi, noisy with specks, red seal over the text, ruled table saved as JPEG, sideways) is drawn
from the sample generator's layouts and damaged the way such pages are. Both readers read the
same PNG files on all cores (a process pool, one Tesseract thread each): plain = the
`tesseract <png> stdout -l vie+eng` command; archive = `ingest.reading.read_page_image` in
adaptive mode (decoding the file included). CER = Levenshtein distance ÷ length of the known
text, whitespace collapsed. Throughput is given two ways: wall time of each phase on the pool
(sensitive to whatever else runs on the machine) and CPU seconds per page (the worker's own and
its Tesseract children's), which is what the phases cost whatever the load.
The tuning seed is what thresholds were set on; the held-out seed was not looked at while tuning.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, write_result  # noqa: E402

CLASSES = ("clean", "faded", "blurred_photo", "noisy", "red_seal", "ruled_jpeg", "sideways")
LANG = "vie+eng"


# --- pages with known text -------------------------------------------------------------------


def _document(rng: random.Random, want_table: bool):
    """A composed first page (its drawing ops, its serial anchor) from the sample generator."""
    from archive.demo.content import compose
    from archive.demo.dossier import dossiers
    from archive.demo.layout import lay_out

    for dossier in dossiers(rng.getrandbits(20)):
        for position in range(len(dossier.events)):
            composed = compose(dossier, position)
            if want_table != (composed.family.fields == "table"):
                continue
            layout = lay_out(composed.blocks, composed.family, serial=composed.serial_printed)
            return layout.pages[0], [a for a in layout.anchors if a[1] == 0], composed.seal_text
    raise RuntimeError("no document found")


def known_text(ops) -> str:
    """The page's text in reading order: text ops grouped by baseline, left to right."""
    rows: dict[int, list[tuple[float, str]]] = {}
    for op in ops:
        if op[0] == "text" and op[3].strip():
            rows.setdefault(round(op[2]), []).append((op[1], op[3]))
    return "\n".join(" ".join(text for _, text in sorted(rows[y])) for y in sorted(rows))


def make_page(kind: str, seed: int):
    """(image, dpi recorded in the file or None, known text) for one page of class `kind`."""
    from PIL import Image

    from archive.demo import render_scan as scan

    rng = random.Random(f"{kind}-{seed}")
    ops, anchors, seal_text = _document(rng, want_table=kind == "ruled_jpeg")
    truth = known_text(ops)
    if kind == "clean":
        image = scan._specks(scan._noise(scan.draw_page(ops, 300), rng, 4), rng, 0.0003)
        return scan._lut(image, scan._BACKGROUND_REMOVAL), 300, truth
    if kind == "faded":
        image = scan.draw_page(ops, 150)
        for _ in range(2):  # a copy of a copy: each pass greys the paper and lifts the ink
            image = scan._photocopy(image, rng, 150).filter(scan._SOFTEN)
        low, high = scan.between(rng, 95, 120), scan.between(rng, 185, 205)
        image = scan._lut(image, [low + v * (high - low) // 255 for v in range(256)])
        return scan._specks(scan._noise(image, rng, 7), rng, 0.0005, cell=1), 150, truth
    if kind == "blurred_photo":
        soft_dpi = round(200 * rng.uniform(0.6, 0.7))
        image = scan.draw_page(ops, soft_dpi).resize(scan.page_size(200), Image.BICUBIC).filter(scan._SOFTEN)
        image = scan._noise(image.convert("RGB"), rng, 5)
        image = scan._jpeg_artefacts(image, scan.between(rng, 70, 85))
        return image, None, truth  # a phone photo: no resolution recorded
    if kind == "noisy":
        image = scan._noise(scan.draw_page(ops, 200), rng, rng.uniform(9, 12))
        image = scan._specks(scan._specks(image, rng, 0.0012), rng, 0.0005, salt=True)
        return image, 200, truth
    if kind == "red_seal":
        image = scan.draw_page(ops, 200, "RGB")
        serials = [a for a in anchors if a[0] == "serial"]
        x, y = (serials[0][2], serials[0][3]) if serials else (300, 300)
        scale = 200 / 72
        scan._stamp(image, scan._seal_density(200, seal_text, rng), x * scale, y * scale, scan.pick(rng, scan.SEAL_RED))
        return scan._noise(image, rng, 5), 200, truth
    if kind == "ruled_jpeg":
        image = scan._noise(scan.draw_page(ops, 200), rng, 5)
        return scan._jpeg_artefacts(image, scan.between(rng, 30, 45)), 200, truth
    if kind == "sideways":
        image = scan._noise(scan.draw_page(ops, 300), rng, 4)
        image = scan._lut(image, scan._BACKGROUND_REMOVAL)
        return image.rotate(90 if rng.random() < 0.5 else 270, expand=True), 300, truth
    raise ValueError(kind)


def write_page(args: tuple[str, int, str]) -> tuple[str, int, str, str]:
    kind, seed, folder = args
    image, dpi, truth = make_page(kind, seed)
    path = Path(folder) / f"{kind}-{seed}.png"
    image.save(path, dpi=(dpi, dpi)) if dpi else image.save(path)
    return kind, seed, str(path), truth


# --- the two readers -------------------------------------------------------------------------


def warm_up() -> None:
    """Import the archive's reading in each worker before timing: a long-running ingest worker has it loaded."""
    import ingest.images  # noqa: F401
    import ingest.reading  # noqa: F401


def cpu_seconds() -> float:
    """CPU time of this worker and the Tesseract processes it waited for: fair when others load the machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def read_plain(path: str) -> tuple[str, float]:
    start = cpu_seconds()
    out = subprocess.run(["tesseract", path, "stdout", "-l", LANG], capture_output=True, text=True, check=True).stdout
    return out, cpu_seconds() - start


def read_archive(path: str) -> tuple[str, float, str, int]:
    from ingest.images import iter_image_pages
    from ingest.limits import ExtractionLimits
    from ingest.ocr import TesseractOcr
    from ingest.reading import read_page_image

    start = cpu_seconds()
    page = next(iter_image_pages(Path(path).read_bytes(), ExtractionLimits()))
    image, dpi = page.load_image()
    reading = read_page_image(image, dpi, TesseractOcr(LANG))
    return reading.text, cpu_seconds() - start, reading.reading_label, reading.passes


def cer(hypothesis: str, truth: str) -> float:
    from rapidfuzz.distance import Levenshtein

    from common.text import normalize_text

    flat = lambda text: " ".join(normalize_text(text).split())  # noqa: E731
    reference = flat(truth)
    return Levenshtein.distance(flat(hypothesis), reference) / max(1, len(reference))


def run_set(seed: int, pages: int, cores: int, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(kind, seed * 1000 + i, str(folder)) for kind in CLASSES for i in range(pages)]
    with ProcessPoolExecutor(cores, initializer=warm_up) as pool:
        written = list(pool.map(write_page, jobs))
        paths = [path for _, _, path, _ in written]
        start = time.perf_counter()
        plain = list(pool.map(read_plain, paths))
        plain_wall = time.perf_counter() - start
        start = time.perf_counter()
        archive = list(pool.map(read_archive, paths))
        archive_wall = time.perf_counter() - start
    per_class: dict[str, dict] = {}
    for (kind, page_seed, _, truth), (plain_text, plain_s), (archive_text, archive_s, label, passes) in zip(
            written, plain, archive):
        entry = per_class.setdefault(kind, {"pages": 0, "plain_cer": [], "archive_cer": [], "plain_s": 0.0,
                                            "archive_s": 0.0, "readings": {}, "passes": 0})
        entry["pages"] += 1
        entry["plain_cer"].append(cer(plain_text, truth))
        entry["archive_cer"].append(cer(archive_text, truth))
        entry["plain_s"] += plain_s
        entry["archive_s"] += archive_s
        entry["passes"] += passes
        entry["readings"][label] = entry["readings"].get(label, 0) + 1
    summary = {}
    for kind, entry in per_class.items():
        summary[kind] = {
            "pages": entry["pages"],
            "plain_cer": round(sum(entry["plain_cer"]) / entry["pages"], 4),
            "archive_cer": round(sum(entry["archive_cer"]) / entry["pages"], 4),
            "plain_cer_per_page": [round(v, 4) for v in entry["plain_cer"]],
            "archive_cer_per_page": [round(v, 4) for v in entry["archive_cer"]],
            # archive pages per CPU-second ÷ plain pages per CPU-second
            "speed_ratio_cpu": round(entry["plain_s"] / entry["archive_s"], 3),
            "plain_cpu_s": round(entry["plain_s"], 2),
            "archive_cpu_s": round(entry["archive_s"], 2),
            "ocr_passes_per_page": round(entry["passes"] / entry["pages"], 2),
            "readings": entry["readings"],
        }
    all_plain = [v for e in per_class.values() for v in e["plain_cer"]]
    all_archive = [v for e in per_class.values() for v in e["archive_cer"]]
    return {
        "seed": seed,
        "pages": len(paths),
        "classes": summary,
        "overall": {
            "plain_cer": round(sum(all_plain) / len(all_plain), 4),
            "archive_cer": round(sum(all_archive) / len(all_archive), 4),
            "plain_pages_per_s": round(len(paths) / plain_wall, 4),
            "archive_pages_per_s": round(len(paths) / archive_wall, 4),
            "throughput_ratio_wall": round(plain_wall / archive_wall, 3),
            "throughput_ratio_cpu": round(sum(e["plain_s"] for e in per_class.values())
                                          / sum(e["archive_s"] for e in per_class.values()), 3),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3, help="pages per class and per seed")
    parser.add_argument("--tune-seed", type=int, default=11)
    parser.add_argument("--holdout-seed", type=int, default=29)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", choices=("tune", "holdout", "both"), default="both")
    parser.add_argument("--out", default="reading_classes")
    args = parser.parse_args()
    work = WORK / "reading"
    shutil.rmtree(work, ignore_errors=True)
    result = {"command": "OMP_THREAD_LIMIT=1 " + " ".join([Path(sys.executable).name, *sys.argv]),
              "cores": args.cores}
    if args.only in ("tune", "both"):
        result["tuning"] = run_set(args.tune_seed, args.pages, args.cores, work / "tune")
        print("tuning", result["tuning"]["overall"])
    if args.only in ("holdout", "both"):
        result["held_out"] = run_set(args.holdout_seed, args.pages, args.cores, work / "holdout")
        print("held out", result["held_out"]["overall"])
    for part in ("tuning", "held_out"):
        for kind, entry in result.get(part, {}).get("classes", {}).items():
            print(f"{part:8} {kind:14} plain {entry['plain_cer']:.4f} archive {entry['archive_cer']:.4f} "
                  f"speed {entry['speed_ratio_cpu']:.2f} passes {entry['ocr_passes_per_page']} {entry['readings']}")
    print(f"written to {write_result(args.out, result)}")


if __name__ == "__main__":
    main()
