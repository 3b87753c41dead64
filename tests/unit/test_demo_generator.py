"""The sample-dossier generator: deterministic files of the right kinds, honest ground truth."""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

import archive.demo as demo
from archive.demo import bulk
from archive.demo import GROUND_TRUTH, KINDS, SampleFile, document_texts, generate_dossiers, render_scanned_pdf
from archive.demo.content import blocks_to_text, compose
from archive.demo.dossier import dossiers
from archive.demo.layout import lay_out_fitting
from archive.demo.render_scan import FAX_DPI, ScanPlan, render_pages, write_scan
from archive.demo.render_text import write_text_pdf

MAGIC = {
    "text-pdf": (b"%PDF-",),
    "scan-pdf": (b"%PDF-",),
    "tiff": (b"II*\x00", b"MM\x00*"),
    "fax-tiff": (b"II*\x00", b"MM\x00*"),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
UNIT_CHANGING = {"transfer", "handover"}
GRADE_CHANGING = {"inspection", "grade_change", "repair", "decommission"}


def _squash(text: str) -> str:
    return re.sub(r"[\s\-]+", "", unicodedata.normalize("NFC", text))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SampleFile]]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_dossiers(out, items=3, seed=11, workers=2)


def _same_files(first: list[SampleFile], second: list[SampleFile]) -> None:
    assert [f.path.name for f in first] == [f.path.name for f in second]
    for one, other in zip(first, second):
        assert one.path.read_bytes() == other.path.read_bytes(), one.path.name
        assert one.truth == other.truth


def test_public_api_is_exported() -> None:
    assert set(demo.__all__) == {"GROUND_TRUTH", "KINDS", "SampleFile", "document_texts", "generate_dossiers",
                                 "render_scanned_pdf"}
    for name in demo.__all__:
        assert hasattr(demo, name)


def test_same_seed_gives_same_bytes_whatever_the_worker_count(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    first = generate_dossiers(tmp_path / "a", items=1, seed=11, workers=2, progress=lambda d, t: calls.append((d, t)))
    second = generate_dossiers(tmp_path / "b", items=1, seed=11, workers=1)
    _same_files(first, second)
    assert (tmp_path / "a" / GROUND_TRUTH).read_bytes() == (tmp_path / "b" / GROUND_TRUTH).read_bytes()
    assert calls[0] == (0, len(first)) and calls[-1] == (len(first), len(first))


def test_other_seed_gives_other_items() -> None:
    serials = lambda seed: [d.item.serial for d in itertools.islice(dossiers(seed), 5)]  # noqa: E731
    assert serials(1) != serials(2)
    assert serials(1) == serials(1)


def test_ground_truth_lists_every_file_with_its_kind(sample: tuple[Path, list[SampleFile]]) -> None:
    out, files = sample
    truth = json.loads((out / GROUND_TRUTH).read_text("utf-8"))
    assert set(truth) == {f.path.name for f in files}
    assert set(truth) == {p.name for p in out.iterdir() if p.name != GROUND_TRUTH}
    for f in files:
        assert f.kind in KINDS
        assert f.path.read_bytes()[:8].startswith(MAGIC[f.kind]), f.path.name
        assert truth[f.path.name] == f.truth
        assert f.truth["doc_type"] and f.truth["serial_number"] and f.truth["document_date"]
        assert f.truth["classification"] in (None, "confidential", "secret", "top_secret")  # None: no stamp


def test_text_pdf_carries_serial_and_title_with_diacritics(sample: tuple[Path, list[SampleFile]]) -> None:
    _, files = sample
    text_pdfs = [f for f in files if f.kind == "text-pdf"]
    assert text_pdfs
    for f in text_pdfs:
        text = "\n".join(page.extract_text() for page in PdfReader(f.path).pages)
        flat = " ".join(unicodedata.normalize("NFC", text).split())
        assert f.title in flat, f.path.name
        assert _squash(f.truth["serial_number"]) in _squash(text), f.path.name
        assert "Độc lập - Tự do - Hạnh phúc" in flat
        assert f.truth["name"].casefold() in flat.casefold()  # decisions print it mid-sentence


def test_scans_are_image_only_and_declare_their_resolution(sample: tuple[Path, list[SampleFile]]) -> None:
    _, files = sample
    for f in files:
        if f.kind == "scan-pdf":
            reader = PdfReader(f.path)
            assert all(not page.extract_text().strip() for page in reader.pages)
        elif f.kind != "text-pdf":
            with Image.open(f.path) as image:
                assert 150 <= round(image.info["dpi"][0]) <= 300


@pytest.mark.parametrize("kind", ["scan-pdf", "tiff", "fax-tiff", "jpeg", "png"])
def test_each_scan_kind_is_written_as_such(kind: str, tmp_path: Path) -> None:
    dossier = next(dossiers(3))
    composed = compose(dossier, 0)
    layout = lay_out_fitting(composed.blocks, composed.family, serial=composed.serial_printed, max_pages=1)
    dpi = FAX_DPI[0] if kind == "fax-tiff" else 150
    plan = ScanPlan(kind, dpi, kind == "jpeg", "fax" if kind == "fax-tiff" else "noisy", 1.0, "serial", 42, 40)
    path = tmp_path / f"page.{kind}"
    assert write_scan(path, render_pages(layout, plan, composed.seal_text), plan) == len(layout.pages)
    assert path.read_bytes()[:8].startswith(MAGIC[kind])
    if kind == "scan-pdf":
        assert len(PdfReader(path).pages) == 1
        return
    with Image.open(path) as image:
        assert image.size[0] == round(210 / 25.4 * dpi)
        if kind == "fax-tiff":
            assert image.mode == "1"
            assert image.info["compression"] == "group4"
            assert tuple(round(v) for v in image.info["dpi"]) == FAX_DPI
        else:
            assert round(image.info["dpi"][0]) == dpi


def test_dossiers_are_consistent_over_their_history() -> None:
    for dossier in itertools.islice(dossiers(5), 300):
        assert 3 <= len(dossier.events) <= 8
        assert dossier.events[0].doc_type == "logbook"
        docs = [compose(dossier, position).truth for position in range(len(dossier.events))]
        dates = [d["document_date"] for d in docs]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert all(d["serial_number"] == dossier.item.serial for d in docs)
        unit, grade = docs[0]["unit"], docs[0]["quality_grade"]
        for before, doc in zip(docs, docs[1:]):
            if doc["doc_type"] in UNIT_CHANGING:
                repeats = before["doc_type"] == "transfer" and (before["from_unit"], before["to_unit"]) == (
                    doc["from_unit"], doc["to_unit"])  # the handover minutes of the decision before
                assert repeats or doc["from_unit"] == unit, doc
                assert doc["unit"] == doc["to_unit"] != doc["from_unit"]
                unit = doc["to_unit"]
            elif "unit" in doc:
                assert doc["unit"] == unit, doc
            if "quality_grade" in doc:
                assert doc["doc_type"] in GRADE_CHANGING or doc["quality_grade"] == grade, doc
                grade = doc["quality_grade"]
            elif doc["doc_type"] in GRADE_CHANGING - {"repair"}:
                pytest.fail(f"{doc['doc_type']} must print the grade it records")
        assert docs[-1]["doc_type"] != "decommission" or docs[-1]["quality_grade"] >= 4


def test_transfer_is_followed_by_its_receiving_unit(sample: tuple[Path, list[SampleFile]]) -> None:
    _, files = sample
    by_dossier: dict[int, list[SampleFile]] = {}
    for f in files:
        by_dossier.setdefault(f.dossier, []).append(f)
    for docs in by_dossier.values():
        docs.sort(key=lambda f: f.position)
        assert [d.truth["document_date"] for d in docs] == sorted(d.truth["document_date"] for d in docs)
        for doc, following in zip(docs, docs[1:]):
            if doc.truth["doc_type"] != "transfer":
                continue
            if following.truth["doc_type"] in UNIT_CHANGING:  # moved on again, or the handover minutes
                assert following.truth["from_unit"] in (doc.truth["to_unit"], doc.truth["from_unit"])
            elif "unit" in following.truth:
                assert following.truth["unit"] == doc.truth["to_unit"]


def test_wordings_vary_between_form_families() -> None:
    texts = [blocks_to_text(compose(d, p).blocks) for d in itertools.islice(dossiers(9), 120) for p in range(len(d.events))]
    joined = "\n".join(texts)
    for variant in ("Số hiệu", "Số đăng ký", "Số xuất xưởng", "Ký hiệu", "Kiểu loại", "Đơn vị quản lý", "Đơn vị sử dụng",
                    "CỘNG HÒA", "CỘNG HOÀ", "tháng", "SCL", "Sửa chữa", "đạt cấp chất lượng", "Cấp chất lượng: Cấp"):
        assert variant in joined, variant
    assert re.search(r"ngày \d\d/\d\d/\d{4}", joined) and re.search(r"\d\d-\d\d-\d{4}", joined)
    stamped = sum(any(line in ("MẬT", "TỐI MẬT", "TUYỆT MẬT") for line in t.splitlines()) for t in texts)
    assert 0.08 < stamped / len(texts) < 0.35


def test_text_pdf_renders_every_document_type(tmp_path: Path) -> None:
    seen: dict[str, tuple] = {}
    for dossier in itertools.islice(dossiers(4), 200):
        for position, event in enumerate(dossier.events):
            seen.setdefault(event.doc_type, (dossier, position))
    assert len(seen) == 10
    for doc_type, (dossier, position) in seen.items():
        composed = compose(dossier, position)
        path = tmp_path / f"{doc_type}.pdf"
        write_text_pdf(path, lay_out_fitting(composed.blocks, composed.family, serial=composed.serial_printed))
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())
        assert composed.title in text, doc_type


def test_document_texts_yields_the_count_with_unique_serials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "POOL_DOSSIERS", 40)  # reach the re-issuing path quickly
    assert list(document_texts(0, seed=1)) == []
    pairs = list(document_texts(3000, seed=1))
    assert len(pairs) == 3000
    assert pairs[:50] == list(document_texts(50, seed=1))
    for truth, text in pairs:
        assert _squash(truth["serial_number"]) in _squash(text)
        if "document_number" in truth:
            assert truth["document_number"] in text
    serial_dates = {(t["serial_number"], t["document_date"]) for t, _ in pairs}
    assert len(serial_dates) == len(pairs)  # a serial never comes back as another item's document


def test_render_scanned_pdf_writes_the_requested_pages(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    truths = render_scanned_pdf(path, pages=4, seed=2, dpi=100)
    reader = PdfReader(path)
    assert len(reader.pages) == 4
    assert truths[0]["first_page"] == 1 and all(t["first_page"] <= 4 for t in truths)


def test_demo_opens_with_tank_kb_15_84_and_its_major_repair(tmp_path):
    from archive.demo import generate_dossiers

    files = generate_dossiers(tmp_path / "featured", items=1, scans=False, featured=True)
    truths = [f.truth for f in files]
    assert {t["serial_number"] for t in truths} == {"KB-15-84"}
    assert {t.get("designation") for t in truths} == {"T-54B"}
    assert any(t["doc_type"] == "repair" and t.get("repair_level") == "major" for t in truths)
    plain = generate_dossiers(tmp_path / "plain", items=1, scans=False)
    assert plain[0].truth["serial_number"] != "KB-15-84"


# --- the hard classes of unseen dossiers -------------------------------------------------------


def _one_page_document(seed: int = 3, stamped: bool = False):
    for dossier in dossiers(seed):
        for position in range(len(dossier.events)):
            composed = compose(dossier, position)
            has_stamp = any(block[0] == "stamp" for block in composed.blocks)
            if has_stamp != stamped:
                continue
            layout = lay_out_fitting(composed.blocks, composed.family, serial=composed.serial_printed, max_pages=1)
            if len(layout.pages) == 1:
                return composed, layout
    raise AssertionError("no such document")


def test_units_name_their_branch_in_sentence_case_and_headers_in_upper_case() -> None:
    from archive.demo.catalog import UNITS, has_branch

    names = {u.name for u in UNITS}
    assert {"Sư đoàn bộ binh 308", "Lữ đoàn xe tăng 203", "Trung đoàn phòng không 280", "Tiểu đoàn thông tin 12",
            "Trung đoàn ra-đa 291", "Kho K60", "Nhà máy Z153", "Trung đoàn 24, Sư đoàn 304"} <= names
    assert has_branch("Lữ đoàn xe tăng 203") and not has_branch("Lữ đoàn 201") and not has_branch("Kho K60")
    seen = 0
    for dossier in itertools.islice(dossiers(12), 150):
        for position, event in enumerate(dossier.events):
            composed = compose(dossier, position)
            unit = composed.truth.get("unit")
            if not has_branch(unit):
                continue
            assert "branch-unit" in composed.traits
            text = blocks_to_text(composed.blocks)
            assert unit in text  # the body writes the name as the truth holds it, accents and case
            header = next(u.header for u in UNITS if u.name == event.unit.name)
            assert header == header.upper()
            seen += 1
    assert seen > 20


def test_every_designation_is_in_the_archives_catalogue() -> None:
    from archive.demo.catalog import EQUIPMENT
    from common.vocabulary import DESIGNATIONS

    # The truth holds the catalogue form, and the catalogue is the archive's own vocabulary.
    assert [e.designation for e in EQUIPMENT if e.designation not in DESIGNATIONS] == []


def test_clerks_type_designations_their_way_while_the_truth_keeps_the_catalogue_form() -> None:
    from archive.demo.catalog import clerk_designation

    rng = __import__("random").Random(1)
    forms = {clerk_designation("T-55", rng) for _ in range(40)}
    assert forms == {"T55", "T 55"}
    assert clerk_designation("ZIL-131", rng) in {"ZIL131", "ZIL 131"}
    assert clerk_designation("M113", rng) == "M113"
    clerk, total = 0, 0
    for dossier in itertools.islice(dossiers(6), 80):
        for position in range(len(dossier.events)):
            composed = compose(dossier, position)
            if "designation" not in composed.truth:
                continue
            total += 1
            assert composed.truth["designation"] == dossier.item.etype.designation
            if "clerk-designation" in composed.traits:
                clerk += 1
                text = blocks_to_text(composed.blocks)
                compact = dossier.item.etype.designation.replace("-", "", 1)
                spaced = dossier.item.etype.designation.replace("-", " ", 1)
                assert compact in text or spaced in text, composed.title
    assert 0.15 < clerk / total < 0.4


def test_faded_copies_are_150_dpi_grey_and_low_contrast(tmp_path: Path) -> None:
    composed, layout = _one_page_document()
    plan = ScanPlan("png", 150, False, "faded", 0.0, "none", 5, 80)
    path = tmp_path / "faded.png"
    write_scan(path, render_pages(layout, plan, composed.seal_text), plan)
    with Image.open(path) as image:
        assert round(image.info["dpi"][0]) == 150
        histogram = image.convert("L").histogram()
    pixels = sum(histogram)
    darkest = next(v for v in range(256) if sum(histogram[: v + 1]) > pixels * 0.002)
    paper = max(range(256), key=lambda v: histogram[v])
    assert paper < 235 and darkest > 25  # grey paper, no true black left


def test_phone_photos_carry_no_resolution_and_sideways_pages_lie_on_their_side(tmp_path: Path) -> None:
    composed, layout = _one_page_document()
    phone = ScanPlan("jpeg", 200, True, "phone", 2.0, "none", 9, 70, record_dpi=False)
    write_scan(tmp_path / "phone.jpg", render_pages(layout, phone, composed.seal_text), phone)
    with Image.open(tmp_path / "phone.jpg") as image:
        assert "dpi" not in image.info and image.mode == "RGB"
        assert image.height > image.width
    sideways = ScanPlan("png", 150, False, "clean", 0.0, "none", 9, 80, rotation=90)
    write_scan(tmp_path / "side.png", render_pages(layout, sideways, composed.seal_text), sideways)
    with Image.open(tmp_path / "side.png") as image:
        assert image.width > image.height and round(image.info["dpi"][0]) == 150


def test_junk_text_layer_has_no_accents_and_sits_over_the_page_image(tmp_path: Path) -> None:
    composed, layout = _one_page_document()
    plan = ScanPlan("scan-pdf", 150, False, "clean", 0.0, "none", 4, 70, junk_layer=True)
    path = tmp_path / "junk.pdf"
    write_scan(path, render_pages(layout, plan, composed.seal_text), plan, layout)
    reader = PdfReader(path)
    text = reader.pages[0].extract_text()
    assert len(text) > 200 and text.isascii()
    assert reader.pages[0]["/Resources"]["/XObject"]  # the page image is still there
    assert "CONG" in text.upper() and "Độc lập" not in text


def test_corner_stamps_are_red_boxes_in_the_top_right_corner(tmp_path: Path) -> None:
    from archive.demo.writer import _Job, render_job

    composed, _ = _one_page_document(stamped=True)
    plan = ScanPlan("png", 150, True, "clean", 0.0, "none", 4, 80, stamp="corner-red", stamp_tilt=6.0)
    path = tmp_path / "stamp.png"
    render_job(_Job(path, "png", composed, 0, 0, plan))
    import numpy as np

    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    h, w, _ = rgb.shape
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 110) & (rgb[..., 2] < 110)
    assert red[: h // 8, w * 2 // 3:].mean() > 0.005
    assert red[h // 8:, :].mean() < 0.001


def test_sets_are_named_disjoint_and_carry_every_hard_class(tmp_path: Path) -> None:
    from archive.demo.sets import HELD_OUT, SETS, TUNING
    from archive.demo.writer import HARD_MIX, LEGACY_MIX, _plan_jobs

    assert set(SETS) == {"tuning", "held_out"}
    assert not set(TUNING.seeds) & set(HELD_OUT.seeds)
    assert not (set(TUNING.seeds) | set(HELD_OUT.seeds)) & {3, 7, 11, 21}  # the demo's and older benchmarks' seeds
    import archive.demo.sets as sets_module

    assert "nobody tunes against it" in sets_module.__doc__.lower()
    classes, traits = set(), set()
    for sample_set in (TUNING, HELD_OUT):
        assert sample_set.mix == HARD_MIX
        for seed in sample_set.seeds:
            jobs = _plan_jobs(tmp_path, sample_set.items, seed, True, mix=sample_set.mix)
            classes |= {job.scan_class for job in jobs}
            traits |= {t for job in jobs for t in job.traits}
            for job in jobs:
                if job.scan_class == "phone":
                    assert job.plan.record_dpi is False
                if job.scan_class == "sideways":
                    assert job.plan.rotation in (90, 270)
                if job.scan_class == "junk-layer":
                    assert job.kind == "scan-pdf" and job.plan.junk_layer
    assert {"faded", "phone", "sideways", "junk-layer", "table-jpeg", "text"} <= classes, classes
    assert {"stamp-corner-red", "stamp-corner-black", "no-stamp", "clerk-designation", "branch-unit"} <= traits, traits
    legacy = _plan_jobs(tmp_path, 6, 11, True, mix=LEGACY_MIX)
    assert all(job.plan is None or (job.plan.rotation == 0 and job.plan.stamp == "layout" and not job.plan.junk_layer)
               for job in legacy)
