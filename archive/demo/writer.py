"""Write a sample archive: every document of every dossier as a file, plus ground_truth.json."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import random
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from archive.demo.content import Composed, compose
from archive.demo.dossier import dossiers
from archive.demo.layout import lay_out_fitting
from archive.demo.render_scan import ScanPlan, plan_scan, render_pages, write_scan
from archive.demo.render_text import write_text_pdf

GROUND_TRUTH = "ground_truth.json"
KINDS = ("text-pdf", "scan-pdf", "tiff", "fax-tiff", "jpeg", "png")
KIND_WEIGHTS = (40, 22, 12, 10, 8, 8)
EXTENSIONS = {"text-pdf": "pdf", "scan-pdf": "pdf", "tiff": "tif", "fax-tiff": "tif", "jpeg": "jpg", "png": "png"}
SINGLE_PAGE = frozenset({"jpeg", "png"})

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SampleFile:
    path: Path
    kind: str  # one of KINDS
    truth: Mapping[str, Any]  # CONTRACT.md field names, only the fields the document prints
    title: str = ""  # the printed title, e.g. "BIÊN BẢN KIỂM TRA KỸ THUẬT"
    dossier: int = 0  # 0-based item index; documents of one item share it
    position: int = 0  # 0-based place of the document in its dossier (chronological)


@dataclass(frozen=True)
class _Job:
    path: Path
    kind: str
    composed: Composed
    dossier: int
    position: int
    plan: ScanPlan | None = field(default=None)


def _choose_kind(rng: random.Random, scans: bool) -> str:
    return rng.choices(KINDS, weights=KIND_WEIGHTS)[0] if scans else "text-pdf"


def _fits_one_page(composed: Composed) -> bool:
    layout = lay_out_fitting(composed.blocks, composed.family, serial=composed.serial_printed, max_pages=1)
    return len(layout.pages) == 1


def _plan_jobs(out_dir: Path, items: int, seed: int, scans: bool, featured: bool = False) -> list[_Job]:
    rng = random.Random(f"files:{seed}")
    jobs = []
    for dossier in itertools.islice(dossiers(seed, featured=featured), items):
        for position in range(len(dossier.events)):
            composed = compose(dossier, position)
            kind = _choose_kind(rng, scans)
            plan_rng = random.Random(rng.getrandbits(64))
            if kind in SINGLE_PAGE and not _fits_one_page(composed):
                kind = "scan-pdf"
            name = f"hs{dossier.index + 1:03d}-{position + 1:02d}.{EXTENSIONS[kind]}"
            plan = plan_scan(kind, plan_rng) if kind != "text-pdf" else None
            jobs.append(_Job(out_dir / name, kind, composed, dossier.index, position, plan))
    return jobs


def render_job(job: _Job) -> int:
    """Write one file; returns its page count. Runs in worker processes."""
    composed = job.composed
    max_pages = 1 if job.kind in SINGLE_PAGE else None
    layout = lay_out_fitting(composed.blocks, composed.family, serial=composed.serial_printed, max_pages=max_pages)
    if job.plan is None:
        write_text_pdf(job.path, layout)
        return len(layout.pages)
    return write_scan(job.path, render_pages(layout, job.plan, composed.seal_text), job.plan)


def _run(jobs: list[_Job], workers: int, progress: Progress | None) -> None:
    total = len(jobs)
    if progress:
        progress(0, total)
    if workers <= 1 or total < 4:
        for done, job in enumerate(jobs, 1):
            render_job(job)
            if progress:
                progress(done, total)
        return
    # fork: workers inherit the imported modules and need no importable __main__
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # scans first: the long jobs start early and the text PDFs fill the gaps at the end
    ordered = sorted(jobs, key=lambda j: j.plan is None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(render_job, job) for job in ordered]
        for done, future in enumerate(as_completed(futures), 1):
            future.result()
            if progress:
                progress(done, total)


def generate_dossiers(
    out_dir: Path,
    *,
    items: int = 30,
    seed: int = 7,
    scans: bool = True,
    progress: Progress | None = None,
    workers: int | None = None,
    featured: bool = False,
) -> list[SampleFile]:
    """Write `items` equipment dossiers (3-8 documents each) into `out_dir`.

    About 40 % of the files are born-digital text PDFs and 60 % scans (image PDF, TIFF, fax
    TIFF, JPEG, PNG) when `scans` is true; only text PDFs otherwise. `out_dir/ground_truth.json`
    maps each file name to its fields. The same seed gives the same files, byte for byte.
    `progress(done, total)` is called from the calling thread as files are written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = _plan_jobs(out_dir, items, seed, scans, featured)
    _run(jobs, workers if workers is not None else min(4, os.cpu_count() or 1), progress)
    truth = {job.path.name: job.composed.truth for job in jobs}
    (out_dir / GROUND_TRUTH).write_text(json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    return [
        SampleFile(job.path, job.kind, job.composed.truth, job.composed.title, job.dossier, job.position)
        for job in jobs
    ]
