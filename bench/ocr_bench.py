"""Scanned-page ingest throughput against plain `tesseract` on the same page images, both on all cores.

    python bench/ocr_bench.py --pages 12 --rounds 3

Pages in three classes: generated scans as they come (200-300 dpi), the same pages as faded
150-dpi copies, and as blurred phone photos with no dpi in the file (degraded with
bench/real_documents.py). Each round times both sides on each class; the ratio is reported
per round (min/median/max over rounds) and per class. Each round also times the 36 pages as one
batch (one `archive ingest` of all three classes): a class of 12 pages is a short run, and the
command's start-up, paid once per run, weighs on it as it does not on a clerk's batch.

Plain tesseract: one process per page, `xargs -P <cores>`, OMP_THREAD_LIMIT=1 (what makes the
best use of the cores for many pages). The archive: `archive ingest` of the same PNG files with
one worker per core, into a fresh data directory (hashing, preprocessing, OCR, field
extraction, storing and indexing included). Ratio = archive pages/s ÷ tesseract pages/s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("archive", "ingest", "search", "storage", "common")
sys.path.insert(0, str(ROOT))

from bench.common import WORK, TreeMemory, code_version, write_result  # noqa: E402


def make_pages(target: Path, pages: int, seed: int) -> list[Path]:
    """Scanned page images from the sample generator (one PNG per page, at its scan dpi)."""
    from archive.demo import generate_dossiers
    from ingest.images import iter_image_pages
    from ingest.limits import ExtractionLimits
    from ingest.pdf import iter_pdf_pages
    from ingest.sniff import PDF, sniff

    source = target.parent / "generated"
    shutil.rmtree(source, ignore_errors=True)
    files = generate_dossiers(source, items=max(4, pages // 3), seed=seed, scans=True)
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for sample in files:
        if sample.kind == "text-pdf":
            continue
        data = sample.path.read_bytes()
        kind = sniff(data[:1024])
        sources = iter_pdf_pages(data, ExtractionLimits()) if kind == PDF else iter_image_pages(data, ExtractionLimits())
        for page in sources:
            image, dpi = page.load_image()
            out = target / f"page-{len(written):04d}.png"
            image.save(out, dpi=(round(dpi or 300),) * 2)
            written.append(out)
            if len(written) >= pages:
                return written
    return written


def time_plain_tesseract(pages: list[Path], cores: int, lang: str) -> float:
    listing = "\n".join(str(p) for p in pages) + "\n"
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    start = time.perf_counter()
    subprocess.run(
        ["xargs", "-P", str(cores), "-I{}", "tesseract", "{}", "stdout", "-l", lang],
        input=listing, text=True, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def time_archive_ingest(folder: Path, cores: int, data_dir: Path) -> tuple[float, TreeMemory]:
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "archive", "ingest", str(folder), "--workers", str(cores), "--json"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    memory = TreeMemory(process.pid)
    while process.poll() is None:
        memory.sample()
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"archive ingest exited with {process.returncode}")
    return elapsed, memory


PAGE_CLASSES = ("clean", "faded_copy_150", "phone_photo_no_dpi")


def make_classes(folder: Path, per_class: int, seed: int) -> dict[str, list[Path]]:
    """`per_class` generated scans as they come, and the same pages degraded two ways (bench/real_documents.py):
    a faded 150-dpi copy and a blurred phone photo with no dpi in the file."""
    from PIL import Image

    from bench.real_documents import degrade_image

    clean = make_pages(folder / "clean", per_class, seed)
    classes = {"clean": clean}
    for imaging in PAGE_CLASSES[1:]:
        target = folder / imaging
        target.mkdir(parents=True, exist_ok=True)
        classes[imaging] = []
        for index, page in enumerate(clean):
            with Image.open(page) as image:
                dpi = image.info.get("dpi", (None,))[0]
                degraded, out_dpi = degrade_image(image, dpi, imaging, seed * 1000 + index)
            out = target / page.name
            degraded.save(out, **({"dpi": (out_dpi, out_dpi)} if out_dpi else {}))
            classes[imaging].append(out)
    return classes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12, help="pages per class (three classes)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--lang", default="vie+eng")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each side; the spread of the ratio is reported")
    parser.add_argument("--out", default="ocr_throughput", help="result name under bench/results/")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    folder = WORK / "ocr" / "classes"
    made = folder / f"pages-{args.pages}-seed-{args.seed}.made"
    if made.exists():  # the same pages as last time: generating and degrading them takes a while
        classes = {name: sorted((folder / name).glob("page-*.png")) for name in PAGE_CLASSES}
    else:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        classes = make_classes(folder, args.pages, args.seed)
        made.touch()
    mixed = folder / "one_batch"
    shutil.rmtree(mixed, ignore_errors=True)
    mixed.mkdir()
    for name in PAGE_CLASSES:
        for page in classes[name]:
            shutil.copyfile(page, mixed / f"{name}-{page.name}")
    one_batch = sorted(mixed.iterdir())
    times: dict[str, dict[str, list[float]]] = {name: {"raw": [], "ours": []} for name in (*PAGE_CLASSES, "one_batch")}
    # An installed archive starts from compiled bytecode; an editable checkout under PYTHONDONTWRITEBYTECODE (set on
    # this machine) would compile its own modules again at every `archive ingest`, 0.3 s the program never pays.
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(ROOT / room) for room in ROOMS)], check=True)
    load_before = os.getloadavg()  # a shared machine: a busy neighbour shows here and in the spread
    memories: list[TreeMemory] = []
    for round_number in range(args.rounds):
        # Alternate the order so that neither side always runs on a warmer machine.
        order = ("raw", "ours") if round_number % 2 == 0 else ("ours", "raw")
        for name in PAGE_CLASSES:
            for side in order:
                if side == "raw":
                    times[name]["raw"].append(time_plain_tesseract(classes[name], cores, args.lang))
                else:
                    elapsed, memory = time_archive_ingest(folder / name, cores, WORK / "ocr" / "data")
                    times[name]["ours"].append(elapsed)
                    memories.append(memory)
        for side in order:
            if side == "raw":
                times["one_batch"]["raw"].append(time_plain_tesseract(one_batch, cores, args.lang))
            else:
                times["one_batch"]["ours"].append(time_archive_ingest(mixed, cores, WORK / "ocr" / "data")[0])
    round_ratios = [sum(times[n]["raw"][r] for n in PAGE_CLASSES) / sum(times[n]["ours"][r] for n in PAGE_CLASSES)
                    for r in range(args.rounds)]
    pages = sum(len(classes[n]) for n in PAGE_CLASSES)

    def spread(values: list[float]) -> dict:
        return {"min": round(min(values), 3), "median": round(statistics.median(values), 3),
                "max": round(max(values), 3)}

    per_class = {}
    for name in PAGE_CLASSES:
        ratios = [raw / ours for raw, ours in zip(times[name]["raw"], times[name]["ours"])]
        per_class[name] = {
            "pages": len(classes[name]),
            "plain_tesseract_s": [round(t, 2) for t in times[name]["raw"]],
            "archive_ingest_s": [round(t, 2) for t in times[name]["ours"]],
            "ratio": spread(ratios),
        }
    raw_total = [sum(times[n]["raw"][r] for n in PAGE_CLASSES) for r in range(args.rounds)]
    ours_total = [sum(times[n]["ours"][r] for n in PAGE_CLASSES) for r in range(args.rounds)]
    result = {
        "pages": pages,
        "cores": cores,
        "rounds": args.rounds,
        "plain_tesseract_s": [round(t, 2) for t in raw_total],
        "archive_ingest_s": [round(t, 2) for t in ours_total],
        "plain_tesseract_pages_per_s": round(pages / statistics.median(raw_total), 3),
        "archive_pages_per_s": round(pages / statistics.median(ours_total), 3),
        # Ratio = archive pages/s ÷ plain pages/s on the same pages, one value per round.
        "ratio": spread(round_ratios),
        "ratio_by_round": [round(r, 3) for r in round_ratios],
        "by_class": per_class,
        "one_batch": {
            "pages": len(one_batch),
            "plain_tesseract_s": [round(t, 2) for t in times["one_batch"]["raw"]],
            "archive_ingest_s": [round(t, 2) for t in times["one_batch"]["ours"]],
            "ratio": spread([raw / ours for raw, ours in zip(times["one_batch"]["raw"], times["one_batch"]["ours"])]),
        },
        "aim": ">= 0.85",
        # RSS sampled every 0.2 s: one extraction worker with its tesseract child, and the whole command.
        "worker_peak_rss_mib": max(m.worker_peak_mib for m in memories),
        "ingest_process_peak_rss_mib": max(m.main_peak_mib for m in memories),
        "total_peak_rss_mib": max(m.total_peak_mib for m in memories),
        "load_average_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "command": f"python bench/ocr_bench.py --pages {args.pages} --rounds {args.rounds}",
        "code": code_version(),
    }
    path = write_result(args.out, result)
    print({k: result[k] for k in ("pages", "ratio", "ratio_by_round")})
    for name, figures in per_class.items():
        print(f"  {name:20s} ratio {figures['ratio']}")
    print(f"  {'one batch of all':20s} ratio {result['one_batch']['ratio']}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
