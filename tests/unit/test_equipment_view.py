"""The equipment view's current unit: the receiving unit of the latest transfer; without one, the item's own unit."""

from __future__ import annotations

from datetime import date, datetime, timezone

from archive.equipment import build_equipment
from archive.models import Document
from tests.conftest import header, text_pdf

SERIAL = "KB-15-84"


def _document(number: int, doc_type: str, when: date | None, **fields) -> Document:
    return Document(
        document_id=f"doc-{number}", sha256=f"{number:064x}", filename=f"{number}.pdf", content_type="application/pdf",
        size_bytes=1000, page_count=1, text_source="text", doc_type=doc_type, document_date=when,
        serial_number=SERIAL, ingested_at=datetime(2024, 1, 1, 0, 0, number, tzinfo=timezone.utc), **fields,
    )


def _current(*documents: Document) -> str | None:
    return build_equipment(SERIAL, documents).current_unit


def test_the_latest_transfer_decides_even_when_a_later_document_names_another_unit():
    documents = (
        _document(1, "logbook", date(1985, 3, 10), unit="Lữ đoàn xe tăng 201"),
        _document(2, "transfer", date(2019, 8, 15), from_unit="Lữ đoàn xe tăng 201", to_unit="Trung đoàn 141, Sư đoàn 312",
                  unit="Trung đoàn 141, Sư đoàn 312"),
        # a later inspection whose unit field names the inspecting body, and one that still names the old unit
        _document(3, "inspection", date(2020, 5, 1), unit="Cục Kỹ thuật"),
        _document(4, "maintenance", date(2021, 5, 1), unit="Lữ đoàn xe tăng 201"),
    )
    assert _current(*documents) == "Trung đoàn 141, Sư đoàn 312"


def test_of_two_transfers_the_later_dated_wins_whatever_the_ingest_order():
    later = _document(1, "handover", date(2022, 1, 5), from_unit="Kho K60", to_unit="Trung đoàn phòng không 280")
    earlier = _document(2, "transfer", date(2018, 6, 1), from_unit="Lữ đoàn 203", to_unit="Kho K60")
    assert _current(later, earlier) == "Trung đoàn phòng không 280"
    assert _current(earlier, later) == "Trung đoàn phòng không 280"


def test_an_undated_transfer_does_not_override_a_dated_one():
    dated = _document(1, "transfer", date(2018, 6, 1), to_unit="Kho K60")
    undated = _document(2, "transfer", None, to_unit="Lữ đoàn 203")
    assert _current(dated, undated) == "Kho K60"


def test_without_a_transfer_the_items_own_unit_not_a_repairing_or_inspecting_body():
    documents = (
        _document(1, "logbook", date(1985, 3, 10), unit="Sư đoàn bộ binh 308"),
        _document(2, "inspection", date(2015, 1, 5), unit="Sư đoàn bộ binh 308"),
        _document(3, "repair", date(2016, 6, 20), unit="Nhà máy Z153"),
        _document(4, "inspection", date(2017, 2, 1), unit="Cục Kỹ thuật"),
    )
    assert _current(*documents) == "Sư đoàn bộ binh 308"


def test_without_a_transfer_a_later_holding_unit_is_the_current_one():
    documents = (
        _document(1, "logbook", date(1985, 3, 10), unit="Lữ đoàn 201"),
        _document(2, "inventory", date(2020, 12, 31), unit="Lữ đoàn xe tăng 203"),
    )
    assert _current(*documents) == "Lữ đoàn xe tăng 203"


def test_a_body_is_still_better_than_nothing():
    assert _current(_document(1, "repair", date(2016, 6, 20), unit="Nhà máy Z153")) == "Nhà máy Z153"
    assert _current(_document(1, "inspection", date(2016, 6, 20))) is None


def test_ingested_dossier_with_a_later_inspection_keeps_the_transfers_receiving_unit(service):
    pages = {
        "logbook.pdf": header("CỤC KỸ THUẬT QUÂN KHU 1", "12/LL-KT", "Hà Nội, ngày 10 tháng 3 năm 1985", "LÝ LỊCH TRANG BỊ KỸ THUẬT")
        + ["Tên trang bị: Xe tăng T-54B", "Ký hiệu: T-54B", "Số hiệu: KB-15-84", "Đơn vị quản lý: Lữ đoàn xe tăng 201"],
        "transfer.pdf": header("BỘ TỔNG THAM MƯU", "125/QĐ-TM", "Hà Nội, ngày 15 tháng 8 năm 2019", "QUYẾT ĐỊNH")
        + ["Về việc điều chuyển trang bị kỹ thuật",
           "Điều 1. Điều chuyển xe tăng T-54B, số hiệu KB-15-84 từ Lữ đoàn xe tăng 201 về Trung đoàn 141, Sư đoàn 312.",
           "Số hiệu: KB-15-84"],
        "inspection.pdf": header("LỮ ĐOÀN XE TĂNG 201", "47/BB-KT", "Hà Nội, ngày 05 tháng 01 năm 2021", "BIÊN BẢN KIỂM TRA KỸ THUẬT")
        + ["Tên trang bị: Xe tăng T-54B", "Số hiệu: KB-15-84", "Đơn vị quản lý: Lữ đoàn xe tăng 201",
           "Kết luận: trang bị đạt cấp chất lượng 3"],
    }
    for name, lines in pages.items():
        assert service.ingest_bytes(text_pdf(lines), name).status == "ingested"
    item = service.equipment("KB-15-84")
    assert item.document_count == 3
    assert item.current_unit == "Trung đoàn 141, Sư đoàn 312"
