"""Extraction accuracy per field and per scan class on the named sample sets, the archive's
default reading beside plain Tesseract.

    OMP_THREAD_LIMIT=1 python bench/accuracy_bench.py                 # TUNING and HELD_OUT
    OMP_THREAD_LIMIT=1 python bench/accuracy_bench.py --sets held_out --items 2

Sets come from `archive.demo.sets` (TUNING may be looked at, HELD_OUT is never tuned on).
Fields are compared exactly, accents included (`archive.evaluation`); the accent-folded
score is printed beside it for information. The equipment view is scored per item
(document count, current unit, ordered history) twice: from the extractions alone (the
archive's own `build_equipment` over the documents grouped by serial key), and as the archive
answers it (`equipment_view_archive`): every file's extraction stored through the service into
a fresh local archive in the order `archive ingest` takes the folder, scans' serials confirmed
again once all are in (as a batch does), then each item asked for by its serial; the scans' serials are also
scored as the archive holds them after that confirmation (`serial_in_archive`).
Writes bench/results/accuracy_<set>.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, code_version, write_result  # noqa: E402

from archive.demo.sets import SETS, SampleSet  # noqa: E402
from archive.equipment import build_equipment  # noqa: E402
from archive.evaluation import expected_items, format_table, overall, score, score_equipment  # noqa: E402
from archive.models import Document  # noqa: E402
from common.identifiers import serial_key  # noqa: E402
from ingest.errors import IngestError  # noqa: E402
from ingest.pipeline import ExtractionOptions, extract  # noqa: E402
from ingest.types import Extraction  # noqa: E402

# The archive's default reading (per page: plain Tesseract, and a prepared second reading where that one
# is weak) beside the baseline: exactly one Tesseract pass on each page as it is.
READINGS = {"default": ExtractionOptions(), "plain": ExtractionOptions(reading="plain")}


def _extract(path: str, options: ExtractionOptions) -> tuple[dict[str, Any], dict[str, Any], float, Extraction | str]:
    """(field values, file facts for the equipment view, seconds, the extraction or why it failed)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    data = Path(path).read_bytes()
    start = time.perf_counter()
    try:
        extraction = extract(data, options)
    except IngestError as error:
        return {}, {}, time.perf_counter() - start, str(error)
    facts = {"content_type": extraction.content_type, "page_count": extraction.page_count,
             "text_source": extraction.text_source, "size_bytes": len(data)}
    elapsed = time.perf_counter() - start
    return {name: value.value for name, value in extraction.fields.items()}, facts, elapsed, extraction


def _document(name: str, fields: dict[str, Any], facts: dict[str, Any]) -> Document | None:
    """The record the archive would store, minus what storage adds; a field the model rejects is dropped."""
    base = {"document_id": name, "sha256": name, "filename": name, "ingested_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
            **facts}
    values = {k: v for k, v in fields.items() if k in Document.model_fields}
    for _ in range(len(values) + 1):
        try:
            return Document.model_validate({**base, **values})
        except Exception as error:  # pydantic names the bad field; drop it and try again
            bad = {str(e["loc"][0]) for e in getattr(error, "errors", lambda: [])() if e.get("loc")}
            if not bad & set(values):
                return None
            values = {k: v for k, v in values.items() if k not in bad}
    return None


def _views(samples, extracted) -> dict[str, tuple[int, str | None, list]]:
    groups: dict[str, list[Document]] = defaultdict(list)
    for sample, (fields, facts, _, _) in zip(samples, extracted):
        serial = fields.get("serial_number")
        document = _document(f"{sample.path.parent.name}/{sample.path.name}", fields, facts) if facts else None
        if serial and document is not None:
            groups[serial_key(str(serial))].append(document)
    views = {}
    for sample in samples:
        serial = sample.truth["serial_number"]
        documents = groups.get(serial_key(serial))
        if documents:
            item = build_equipment(serial, documents)
            views[serial] = (item.document_count, item.current_unit, [(e.date, e.event_type) for e in item.history])
    return views


def _archive_views(samples, extracted, folder: Path) -> tuple[dict[str, tuple[int, str | None, list]], dict[str, str | None]]:
    """The equipment views the archive itself answers once the set's files are ingested (see the module's notes),
    and the serial each file's document holds there (by the file's path)."""
    from archive.bootstrap import build_services
    from archive.config import Settings
    from archive.errors import SerialNotFound

    shutil.rmtree(folder, ignore_errors=True)
    service = build_services(Settings(data_dir=folder))
    try:
        stored = []
        for sample, got in sorted(zip(samples, extracted), key=lambda pair: str(pair[0].path)):
            parsed = service.ingest_parsed(sample.path.read_bytes(), sample.path.name, got[3], path=str(sample.path))
            stored.append(parsed.result)
        for result in stored:  # a batch's second look: serials learnt from documents stored after the scan
            if result.status == "ingested" and result.document is not None and result.document.text_source != "text":
                service.reconfirm_serial(result.document_id)
        serials = {result.path: service.document(result.document_id).serial_number
                   for result in stored if result.status == "ingested"}
        views = {}
        for serial in {sample.truth["serial_number"] for sample in samples}:
            try:
                item = service.equipment(serial)
            except SerialNotFound:
                continue
            views[serial] = (item.document_count, item.current_unit, [(e.date, e.event_type) for e in item.history])
        return views, serials
    finally:
        service.close()
        shutil.rmtree(folder, ignore_errors=True)


def _accuracy(scores) -> dict[str, dict[str, Any]]:
    return {name: {"accuracy": round(entry.accuracy, 4), "folded": round(entry.folded_accuracy, 4), "n": entry.total}
            for name, entry in scores.items()}


def _by_group(samples, extracted, key) -> dict[str, Any]:
    groups: dict[str, list] = defaultdict(list)
    for sample, (fields, _, _, _) in zip(samples, extracted):
        for label in key(sample):
            groups[label].append((f"{sample.path.parent.name}/{sample.path.name}", sample.truth, fields))
    out = {}
    for label, pairs in sorted(groups.items()):
        scores = score(pairs)
        out[label] = {"files": len(pairs), "overall": round(overall(scores), 4), "fields": _accuracy(scores)}
    return out


def run_set(name: str, items: int | None, command: str, readings: list[str]) -> dict[str, Any]:
    sample_set = SETS[name]
    folder = WORK / f"accuracy_{name}"
    shutil.rmtree(folder, ignore_errors=True)
    samples = sample_set.generate(folder, items=items)
    expected = expected_items(s.truth for s in samples)
    report: dict[str, Any] = {
        "set": name, "seeds": list(sample_set.seeds), "items_per_seed": items or sample_set.items,
        "files": len(samples), "scanned_files": sum(s.kind != "text-pdf" for s in samples),
        "readings": {}, "command": command, "code_version": code_version(),
    }
    # Longest first, so the pool does not end waiting on one multi-page scan.
    order = sorted(range(len(samples)), key=lambda i: -samples[i].path.stat().st_size)
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        for label, options in READINGS.items():
            if label not in readings:
                continue
            start = time.perf_counter()
            results = list(pool.map(_extract, [str(samples[i].path) for i in order], [options] * len(order)))
            elapsed = time.perf_counter() - start
            extracted: list = [None] * len(samples)
            for i, result in zip(order, results):
                extracted[i] = result
            pairs = [(f"{s.path.parent.name}/{s.path.name}", s.truth, got[0]) for s, got in zip(samples, extracted)]
            scans = score(p for p, s in zip(pairs, samples) if s.kind != "text-pdf")
            texts = score(p for p, s in zip(pairs, samples) if s.kind == "text-pdf")
            equipment = score_equipment(expected, _views(samples, extracted))
            archive_views, archive_serials = _archive_views(samples, extracted, folder.with_name(f"{folder.name}_archive"))
            in_archive = score_equipment(expected, archive_views)
            # The scans' serials as the archive holds them: confirmed against the item's other documents.
            held = score((f"{s.path.parent.name}/{s.path.name}", {"serial_number": s.truth["serial_number"]},
                          {"serial_number": archive_serials.get(str(s.path))}) for s in samples if s.kind != "text-pdf")
            serial_held = held["serial_number"]
            print(format_table(scans, f"\n[{name}] {label}: scanned files ({elapsed:.0f} s for all files)"))
            print(format_table(texts, f"[{name}] {label}: text PDFs"))
            print(f"[{name}] {label}: equipment view {equipment.as_dict()}")
            print(f"[{name}] {label}: equipment view as the archive answers it {in_archive.as_dict()}")
            print(f"[{name}] {label}: scans' serials as the archive holds them {serial_held.accuracy:.4f}")
            for miss in in_archive.misses[:6]:
                print("   equipment miss:", miss)
            report["readings"][label] = {
                "seconds": round(elapsed, 1),
                "overall": {"scans": round(overall(scans), 4), "text_pdfs": round(overall(texts), 4)},
                "scans": _accuracy(scans),
                "text_pdfs": _accuracy(texts),
                "by_scan_class": _by_group(samples, extracted, lambda s: (s.scan_class,)),
                "by_trait": _by_group(samples, extracted, lambda s: s.traits),
                "equipment_view": equipment.as_dict(),
                "equipment_view_archive": in_archive.as_dict(),
                "serial_in_archive": {"accuracy": round(serial_held.accuracy, 4), "n": serial_held.total,
                                      "misses": serial_held.misses[:40]},
                "equipment_view_archive_misses": [list(map(str, miss)) for miss in in_archive.misses[:40]],
                "misses": {field: entry.misses[:40] for field, entry in {**scans, **{f"text:{k}": v for k, v in texts.items()}}.items()
                           if entry.misses},
            }
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", default=["tuning", "held_out"], choices=sorted(SETS))
    parser.add_argument("--items", type=int, default=None, help="dossiers per seed (default: the set's own)")
    parser.add_argument("--readings", nargs="*", default=list(READINGS), choices=list(READINGS),
                        help="readings to run (default: all)")
    parser.add_argument("--out-suffix", default="", help="written to accuracy_<set><suffix>.json")
    parser.add_argument("--fresh-seeds", nargs="*", type=int, default=None,
                        help="instead of --sets: a set nobody has looked at, these generator seeds (6 dossiers each)")
    args = parser.parse_args()
    if args.fresh_seeds:
        SETS["fresh"] = SampleSet("fresh", seeds=tuple(args.fresh_seeds), items=6)
        args.sets = ["fresh"]
    command = "OMP_THREAD_LIMIT=1 python bench/accuracy_bench.py --sets " + " ".join(args.sets) + (
        f" --items {args.items}" if args.items else "") + (
        f" --readings {' '.join(args.readings)}" if args.readings != list(READINGS) else "") + (
        f" --out-suffix {args.out_suffix}" if args.out_suffix else "")
    if args.fresh_seeds:
        command = "OMP_THREAD_LIMIT=1 python bench/accuracy_bench.py --fresh-seeds " + " ".join(map(str, args.fresh_seeds)) + (
            f" --readings {' '.join(args.readings)}" if args.readings != list(READINGS) else "")
    for name in args.sets:
        report = run_set(name, args.items, command, args.readings)
        print(f"written to {write_result(f'accuracy_{name}{args.out_suffix}', report)}")


if __name__ == "__main__":
    main()
