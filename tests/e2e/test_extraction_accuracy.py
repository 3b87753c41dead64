"""Extraction accuracy on a HELD_OUT sample set (never tuned on), every field, compared exactly.

The files come from `archive.demo.sets.HELD_OUT` (its last seed), with the hard classes of
real dossiers: units with a branch of service, clerk-typed designations, faded 150-dpi copies,
phone photos, sideways pages, junk text layers, corner stamps, tables as JPEG. Text fields must
match with their accents (`archive.evaluation.same_value`); identifiers by display form.
The equipment view of each item must show the truth's document count, current unit and
history in order. Thresholds are one dict per kind of file, easy to move at integration;
a field below its minimum fails the test with its misses listed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.batch import BatchIngest
from archive.demo.sets import HELD_OUT
from archive.errors import SerialNotFound
from archive.evaluation import expected_items, format_table, score, score_equipment
from tests.conftest import require_tesseract

SEED = HELD_OUT.seeds[-1]
ITEMS = 6

# Minimum share of files whose field is exactly right (accents included). Every field the
# ground truth holds must be listed: the test fails on a field without a threshold.
# Set from a run on 2026-12-01 11:10 UTC (scans 17 files, text PDFs 11, items 6), one file below
# what the archive reached then; a field seen once is held to what it reached.
# document_number 0.87 → 0.81 and name 0.64 → 0.58 at 12:50 (13 of 16, 10 of 17 reached): reading a sealed page
# through the red channel first loses one noisy sealed page's number and name; preparing it for all it shows kept
# them but cost fields on the tuning set (0.918 → 0.911 of scan fields), so the red channel stays.
# Reached then (scans): doc_type, date, serial, designation, country, from/to unit 100 %; classification
# and unit 94 %; document_number 94 %; year 88 %; name and quality_grade 71 %; manufacturer 40 %.
# Raised on 2026-12-01 18:30 UTC to one file below that run's: classification 17 of 17, name 14 of 17, quality
# grade 14 of 17, manufacturer 3 of 5 reached (lines Tesseract's layout skipped read back, names made consistent
# with their designation, countries and makers mended); the other fields held where they were.
THRESHOLDS = {
    "scans": {
        "doc_type": 0.94, "document_date": 0.94, "document_number": 0.81, "classification": 0.94, "serial_number": 0.94,
        "designation": 0.94, "name": 0.76, "unit": 0.88, "manufacturer": 0.4, "country_of_origin": 0.8,
        "year_of_manufacture": 0.75, "quality_grade": 0.76, "repair_level": 1.0, "from_unit": 0.66, "to_unit": 0.66,
    },
    "text_pdfs": {
        "doc_type": 0.9, "document_date": 0.9, "document_number": 0.9, "classification": 0.9, "serial_number": 0.9,
        "designation": 0.9, "name": 0.9, "unit": 0.9, "manufacturer": 0.5, "country_of_origin": 0.5,
        "year_of_manufacture": 0.8, "quality_grade": 0.87, "repair_level": 1.0, "from_unit": 0.5, "to_unit": 0.5,
    },
    # shares of the 6 items whose equipment view is right on each point (all 6 were at the run above)
    "equipment": {"document_count": 0.83, "current_unit": 0.83, "history": 0.83},
}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    require_tesseract()
    from archive.bootstrap import build_services
    from archive.config import Settings

    root = tmp_path_factory.mktemp("accuracy")
    samples = HELD_OUT.generate(root / "scans", seeds=(SEED,), items=ITEMS, workers=2)
    service = build_services(Settings(data_dir=root / "data"))
    results = BatchIngest(service, workers=0).run([s.path for s in samples])
    by_path = {Path(r.path).name: r for r in results}
    yield samples, by_path, service
    service.close()


def _scores(samples, by_path, scanned: bool):
    pairs = []
    for sample in samples:
        if (sample.kind != "text-pdf") != scanned:
            continue
        result = by_path[sample.path.name]
        document = result.document.model_dump(mode="json") if result.document else {}
        pairs.append((f"{sample.path.name} [{sample.scan_class}]", sample.truth, document))
    return score(pairs), len(pairs)


def _below(scores, thresholds) -> list[str]:
    failures = [f"{name}: no threshold set" for name in scores if name not in thresholds]
    for name, minimum in thresholds.items():
        entry = scores.get(name)
        if entry and entry.total and entry.accuracy < minimum:
            failures.append(f"{name}: {entry.accuracy:.1%} < {minimum:.0%}; misses {entry.misses[:6]}")
    return failures


def test_the_held_out_set_carries_the_hard_classes(ingested):
    samples, _, _ = ingested
    classes = {s.scan_class for s in samples}
    traits = {t for s in samples for t in s.traits}
    assert {"text", "phone", "faded", "sideways", "junk-layer"} <= classes, classes
    assert {"branch-unit", "clerk-designation", "no-stamp"} <= traits, traits


def test_every_generated_file_is_ingested(ingested):
    samples, by_path, _ = ingested
    assert {by_path[s.path.name].status for s in samples} == {"ingested"}, [
        (name, r.error) for name, r in by_path.items() if r.status != "ingested"
    ]


@pytest.mark.parametrize(("scanned", "label", "minimum_files"), [(True, "scans", 12), (False, "text_pdfs", 8)],
                         ids=["scans", "text-pdfs"])
def test_every_field_meets_its_threshold_exactly(ingested, scanned, label, minimum_files):
    samples, by_path, _ = ingested
    scores, count = _scores(samples, by_path, scanned)
    print("\n" + format_table(scores, f"{label}: {count} files (accuracy exact; folded for information)"))
    assert count >= minimum_files
    assert not _below(scores, THRESHOLDS[label])


def test_equipment_views_show_the_true_unit_and_history(ingested):
    samples, _, service = ingested
    expected = expected_items(s.truth for s in samples)
    assert len(expected) == ITEMS
    views = {}
    for serial in expected:
        try:
            item = service.equipment(serial)
        except SerialNotFound:
            views[serial] = None
            continue
        views[serial] = (item.document_count, item.current_unit, [(e.date, e.event_type) for e in item.history])
    result = score_equipment(expected, views)
    print("\nequipment view", result.as_dict(), *result.misses, sep="\n  ")
    failures = [f"{what}: {result.share(what):.0%} < {minimum:.0%}"
                for what, minimum in THRESHOLDS["equipment"].items() if result.share(what) < minimum]
    assert not failures, (failures, result.misses)
