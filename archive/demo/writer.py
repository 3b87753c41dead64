"""Write a sample archive: every document of every dossier as a file, plus ground_truth.json."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import random
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from archive.demo.catalog import between, pick
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
class ScanMix:
    """How often each hard page class appears among the scans (shares of scanned files, 0..1).

    The default mix draws none of them, so the files of a seed stay what they always were; the
    named sets (`archive.demo.sets`) use `HARD_MIX`. Each class is drawn from its own seeded
    generator, after the file's ordinary scan plan.
    """

    faded: float = 0.0  # 150-dpi faded copy of a copy
    phone: float = 0.0  # blurred phone photo, JPEG, no DPI recorded
    sideways: float = 0.0  # page turned 90 or 270 degrees, no /Rotate hint
    junk_layer: float = 0.0  # scan PDF with an accent-less garbage text layer over the image
    table_jpeg: float = 0.0  # a document laid out in ruled tables, saved as a lossy JPEG
    corner_stamp: float = 0.0  # of the stamped scans: the stamp pressed in the top-right corner, red or black
    extra_stamps: float = 0.0  # of the scans with no stamp: given one (MẬT or TỐI MẬT), so stamps are measured often enough


LEGACY_MIX = ScanMix()
HARD_MIX = ScanMix(faded=0.15, phone=0.13, sideways=0.13, junk_layer=0.13, table_jpeg=0.2, corner_stamp=0.6,
                   extra_stamps=0.3)
SCAN_CLASSES = ("text", "clean", "photocopy", "noisy", "blurred", "jpeg", "lowres", "fax",
                "faded", "phone", "sideways", "junk-layer", "table-jpeg")


@dataclass(frozen=True)
class SampleFile:
    path: Path
    kind: str  # one of KINDS
    truth: Mapping[str, Any]  # CONTRACT.md field names, only the fields the document prints
    title: str = ""  # the printed title, e.g. "BIÊN BẢN KIỂM TRA KỸ THUẬT"
    dossier: int = 0  # 0-based item index; documents of one item share it
    position: int = 0  # 0-based place of the document in its dossier (chronological)
    scan_class: str = "text"  # one of SCAN_CLASSES: how the page was made (text PDF, scan profile, hard class)
    traits: tuple[str, ...] = ()  # other hard cases it carries: clerk-designation, branch-unit, stamp-corner-red, ...


@dataclass(frozen=True)
class _Job:
    path: Path
    kind: str
    composed: Composed
    dossier: int
    position: int
    plan: ScanPlan | None = field(default=None)
    scan_class: str = "text"
    traits: tuple[str, ...] = ()


def _choose_kind(rng: random.Random, scans: bool) -> str:
    return rng.choices(KINDS, weights=KIND_WEIGHTS)[0] if scans else "text-pdf"


def _fits_one_page(composed: Composed) -> bool:
    layout = lay_out_fitting(composed.blocks, composed.family, serial=composed.serial_printed, max_pages=1)
    return len(layout.pages) == 1


def _has_table(composed: Composed) -> bool:
    return any(block[0] == "table" for block in composed.blocks)


def _stamp_text(composed: Composed) -> str:
    return next((block[1] for block in composed.blocks if block[0] == "stamp"), "")


def _harden(kind: str, plan: ScanPlan, composed: Composed, mix: ScanMix, rng: random.Random,
            one_page: bool) -> tuple[str, ScanPlan, str, tuple[str, ...]]:
    """Turn an ordinary scan into one of the mix's hard classes: (kind, plan, scan class, stamp traits)."""
    scan_class = plan.profile
    roll = rng.random()
    if one_page and _has_table(composed) and kind != "fax-tiff" and rng.random() < mix.table_jpeg:
        kind, scan_class = "jpeg", "table-jpeg"
        plan = replace(plan, kind=kind, profile="jpeg", color=True, quality=between(rng, 25, 45))
    elif roll < mix.faded:
        kind = kind if kind in ("scan-pdf", "tiff", "png") else "scan-pdf"
        plan = replace(plan, kind=kind, profile="faded", dpi=150, color=False, seal="none" if plan.seal == "serial" else plan.seal,
                       quality=between(rng, 60, 80))
        scan_class = "faded"
    elif roll < mix.faded + mix.phone:
        kind = "jpeg" if one_page else "scan-pdf"
        plan = replace(plan, kind=kind, profile="phone", dpi=pick(rng, (180, 200, 220)), color=True, skew=rng.uniform(-3, 3),
                       quality=between(rng, 55, 80), record_dpi=False)
        scan_class = "phone"
    elif roll < mix.faded + mix.phone + mix.sideways:
        plan = replace(plan, rotation=pick(rng, (90, 270)))
        scan_class = "sideways"
    elif roll < mix.faded + mix.phone + mix.sideways + mix.junk_layer:
        kind = "scan-pdf"
        plan = replace(plan, kind=kind, junk_layer=True, profile="clean" if plan.profile == "fax" else plan.profile)
        scan_class = "junk-layer"
    traits: tuple[str, ...] = ()
    stamp = _stamp_text(composed)
    if stamp and rng.random() < mix.corner_stamp:
        style = "corner-red" if rng.random() < 0.6 else "corner-black"
        tilt = rng.uniform(-12, 12) if rng.random() < 0.5 else 0.0
        plan = replace(plan, stamp=style, stamp_tilt=tilt)
        traits = (f"stamp-{style}",) + (("stamp-tilted",) if tilt else ())
    elif not stamp:
        traits = ("no-stamp",)
    return kind, plan, scan_class, traits


def _plan_jobs(out_dir: Path, items: int, seed: int, scans: bool, featured: bool = False,
               mix: ScanMix = LEGACY_MIX) -> list[_Job]:
    rng = random.Random(f"files:{seed}")
    hard_rng = random.Random(f"hard:{seed}")
    jobs = []
    for dossier in itertools.islice(dossiers(seed, featured=featured), items):
        for position in range(len(dossier.events)):
            composed = compose(dossier, position)
            kind = _choose_kind(rng, scans)
            plan_rng = random.Random(rng.getrandbits(64))
            if kind in SINGLE_PAGE and not _fits_one_page(composed):
                kind = "scan-pdf"
            plan = plan_scan(kind, plan_rng) if kind != "text-pdf" else None
            scan_class, traits = "text", composed.traits
            if plan is not None:
                scan_class = "fax" if plan.profile == "fax" else plan.profile
                if mix != LEGACY_MIX:
                    if composed.truth.get("classification") is None and hard_rng.random() < mix.extra_stamps:
                        composed = compose(dossier, position, stamp=pick(hard_rng, (("MẬT", "confidential"), ("TỐI MẬT", "secret"))))
                    kind, plan, scan_class, stamp_traits = _harden(kind, plan, composed, mix, hard_rng,
                                                                   _fits_one_page(composed))
                    traits += stamp_traits
            name = f"hs{dossier.index + 1:03d}-{position + 1:02d}.{EXTENSIONS[kind]}"
            jobs.append(_Job(out_dir / name, kind, composed, dossier.index, position, plan, scan_class, traits))
    return jobs


def render_job(job: _Job) -> int:
    """Write one file; returns its page count. Runs in worker processes."""
    composed = job.composed
    max_pages = 1 if job.kind in SINGLE_PAGE else None
    blocks, stamp = composed.blocks, ""
    if job.plan is not None and job.plan.stamp != "layout":  # the stamp goes in the corner, not in the text flow
        stamp = _stamp_text(composed)
        blocks = tuple(block for block in blocks if block[0] != "stamp")
    layout = lay_out_fitting(blocks, composed.family, serial=composed.serial_printed, max_pages=max_pages)
    if job.plan is None:
        write_text_pdf(job.path, layout)
        return len(layout.pages)
    return write_scan(job.path, render_pages(layout, job.plan, composed.seal_text, stamp), job.plan, layout)


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
    mix: ScanMix = LEGACY_MIX,
) -> list[SampleFile]:
    """Write `items` equipment dossiers (3-8 documents each) into `out_dir`.

    About 40 % of the files are born-digital text PDFs and 60 % scans (image PDF, TIFF, fax
    TIFF, JPEG, PNG) when `scans` is true; only text PDFs otherwise. `out_dir/ground_truth.json`
    maps each file name to its fields. The same seed gives the same files, byte for byte.
    `progress(done, total)` is called from the calling thread as files are written.
    `mix` adds the hard scan classes (faded copies, phone photos, sideways pages, junk text
    layers, tables as JPEG, corner stamps); each file's `scan_class` and `traits` say what it got.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = _plan_jobs(out_dir, items, seed, scans, featured, mix)
    _run(jobs, workers if workers is not None else min(4, os.cpu_count() or 1), progress)
    truth = {job.path.name: job.composed.truth for job in jobs}
    (out_dir / GROUND_TRUTH).write_text(json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    return [
        SampleFile(job.path, job.kind, job.composed.truth, job.composed.title, job.dossier, job.position,
                   job.scan_class, job.traits)
        for job in jobs
    ]
