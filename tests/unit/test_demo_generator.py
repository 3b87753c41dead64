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
