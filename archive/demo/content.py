"""From one event of a dossier to a printed document: blocks of text plus its ground truth.

A document is a list of blocks (plain tuples, cheap to build a million of), drawn by the
renderers and flattened to text by `blocks_to_text`:

    ("header", left_lines, right_lines)      lines are (text, style); style n|b|bu|i|s
    ("stamp", "MẬT")                          classification stamp
    ("title", text) / ("subtitle", text)
    ("center", text, style)
    ("para", text)
    ("field", label, value, "colon"|"dots")
    ("pair", (label, value), (label, value))
    ("table", widths, rows, header_rows)
    ("space", mm)
    ("sign", columns)                         column = (lines, name or "")
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from archive.demo import catalog as cat
from archive.demo.catalog import between, pick
from archive.demo.dossier import Dossier, Event, Item
from archive.demo.forms import (
    PLATE_LABELS,
    Family,
    body_date,
    family_for,
    format_date,
    grade_text,
    old_tone_marks,
    repair_text,
)

Block = tuple[Any, ...]

CLASSIFICATIONS = (("MẬT", "confidential", 0.12), ("TỐI MẬT", "secret", 0.06), ("TUYỆT MẬT", "top_secret", 0.02))
TRUTH_ORDER = (
    "doc_type", "document_number", "document_date", "classification", "serial_number", "designation",
    "name", "unit", "manufacturer", "country_of_origin", "year_of_manufacture", "quality_grade",
    "repair_level", "from_unit", "to_unit",
)


@dataclass(frozen=True)
class Composed:
    """One document ready to render: what it prints and what it means."""

    truth: dict[str, Any]
    title: str
    blocks: tuple[Block, ...]
    family: Family
    serial_printed: str
    seal_text: str  # what the issuer's round seal says around its ring


class _Doc:
    """Collects blocks and the truth of the fields they print."""

    def __init__(self, rng: random.Random, family: Family, issuer: cat.Issuer, abbr: str):
        self.rng = rng
        self.family = family
        self.issuer = issuer
        self.abbr = abbr
        self.blocks: list[Block] = []
        self.truth: dict[str, Any] = {}

    def add(self, *block: Any) -> None:
        self.blocks.append(block)

    def label(self, field: str) -> str:
        return pick(self.rng, self.family.labels[field])

    def fields(self, rows: list[tuple[str, str, Any, Any]]) -> None:
        """rows: (truth field or "", label, printed value, truth value) in the family's layout."""
        for field, _, _, value in rows:
            if field:
                self.truth[field] = value
        mode = self.family.fields
        if mode == "table":
            table = [("TT", "Nội dung", "Thông số")]
            table += [(str(i), label, shown) for i, (_, label, shown, _) in enumerate(rows, 1)]
            self.add("table", (0.09, 0.41, 0.5), tuple(table), 1)
        elif mode == "pairs":
            pending = list(rows)
            while pending:
                first = pending.pop(0)
                short = len(first[2]) <= 14 and pending and len(pending[0][2]) <= 14
                if short:
                    second = pending.pop(0)
                    self.add("pair", (first[1], first[2]), (second[1], second[2]))
                else:
                    self.add("field", first[1], first[2], "colon")
        else:
            for _, label, shown, _ in rows:
                self.add("field", label, shown, mode)


def _printed_serial(item: Item, rng: random.Random) -> str:
    if item.serial_format == "DES-NNN-NNNNN" and rng.random() < 0.5:
        return item.serial.replace("-", " ", 1)  # "ZIL 131-04521"
    return item.serial


def _serial_label(d: _Doc, item: Item) -> str:
    if item.serial_format == "PLATE" and d.rng.random() < 0.6:
        return pick(d.rng, PLATE_LABELS)
    return d.label("serial_number")


def _identity(d: _Doc, item: Item, serial: str, *, maker: bool, unit: cat.Unit | None, grade: int | None,
              year: bool = True) -> list[tuple[str, str, Any, Any]]:
    rows: list[tuple[str, str, Any, Any]] = [
        ("name", d.label("name"), item.etype.name, item.etype.name),
        ("designation", d.label("designation"), item.etype.designation, item.etype.designation),
        ("serial_number", _serial_label(d, item), serial, item.serial),
    ]
    if maker:
        rows.append(("manufacturer", d.label("manufacturer"), item.manufacturer, item.manufacturer))
        rows.append(("country_of_origin", d.label("country_of_origin"), item.country, item.country))
    if year:
        rows.append(("year_of_manufacture", d.label("year_of_manufacture"), str(item.year), item.year))
    if unit is not None:
        rows.append(("unit", d.label("unit"), unit.name, unit.name))
    if grade is not None:
        rows.append(("quality_grade", "Cấp chất lượng", grade_text(grade, "num" if d.family.grade_style == "num" else "cap"), grade))
    return rows


def _meter(d: _Doc, item: Item, event: Event, dossier: Dossier) -> None:
    label, unit_word = cat.METER[item.etype.category]
    years = max(1, event.date.year - item.year)
    per_year = {"km": 900, "giờ": 60, "phát": 120}[unit_word]
    value = years * per_year + between(d.rng, 0, per_year)
    shown = f"{value:,}".replace(",", ".")
    if d.family.fields == "dots":
        d.add("field", label, f"{shown} {unit_word}", "dots")
    else:
        d.add("field", label, f"{shown} {unit_word}", "colon")


def _people(d: _Doc, who: str) -> None:
    roles = ("Chủ nhiệm Kỹ thuật", "Trợ lý xe - máy", "Trợ lý quân khí", "Trưởng ban Kỹ thuật", "Trạm trưởng sửa chữa",
             "Kỹ thuật viên", "Đại đội trưởng", "Trợ lý ra đa", "Nhân viên thủ kho")
    d.add("para", f"{who}:")
    for _ in range(between(d.rng, 1, 2)):
        d.add("para", f"    - {cat.person(d.rng)}, chức vụ: {pick(d.rng, roles)}")


def _check_table(d: _Doc, item: Item, grade: int, *, rows: int | None = None) -> None:
    parts = cat.CHECK_ROWS[item.etype.category]
    take = parts if rows is None else parts[:rows]
    table = [("TT", "Hệ thống, cụm", "Tình trạng kỹ thuật", "Ghi chú")]
    for i, part in enumerate(take, 1):
        state = pick(d.rng, cat.CONDITIONS_BY_GRADE[grade])
        table.append((str(i), part, state, ""))
    d.add("table", (0.08, 0.37, 0.35, 0.2), tuple(table), 1)


def _grade_sentence(d: _Doc, grade: int, subject: str = "trang bị") -> str:
    style = d.family.grade_style
    if style == "dat":
        return f"Kết luận: {subject[0].upper() + subject[1:]} {grade_text(grade, 'dat')}."
    if style == "num":
        return f"Kết luận: Cấp chất lượng: {grade}."
    return f"Kết luận: {subject[0].upper() + subject[1:]} đạt Cấp chất lượng: Cấp {grade}."


def _closing_minutes(d: _Doc) -> None:
    copies = pick(d.rng, ("02", "03", "04"))
    d.add("para", f"Biên bản lập xong hồi {between(d.rng, 9, 17)} giờ {pick(d.rng, ('00', '15', '30', '45'))} cùng ngày, "
                  f"thành {copies} bản có giá trị như nhau, các bên nhất trí ký tên./.")


def _sign_minutes(d: _Doc, left: str, right: str) -> None:
    note = ("(Ký, ghi rõ họ tên)", "i") if d.rng.random() < 0.5 else ("", "n")
    d.add("space", 4)
    d.add("sign", (([(left, "b"), note], cat.person(d.rng)), ([(right, "b"), note], cat.person(d.rng))))


def _sign_decision(d: _Doc, office: str) -> None:
    chief = {"TỔNG CỤC": "CHỦ NHIỆM", "CỤC": "CỤC TRƯỞNG", "PHÒNG": "TRƯỞNG PHÒNG", "NHÀ MÁY": "GIÁM ĐỐC"}
    head = next((title for key, title in chief.items() if office.startswith(key)), "CHỈ HUY TRƯỞNG")
    deputy = d.rng.random() < 0.5
    lines = [(f"KT. {head}", "b"), (f"PHÓ {head}", "b")] if deputy else [(head, "b")]
    recipients = [("Nơi nhận:", "bi"), ("- Như Điều 3;", "s"), ("- Lưu: VT, KT.", "s")]
    d.add("space", 4)
    d.add("sign", ((recipients, ""), (lines, cat.person(d.rng))))


def _bases(d: _Doc, event: Event, dossier: Dossier) -> None:
    rng = d.rng
    earlier = event.date - dt.timedelta(days=between(rng, 200, 2000))
    d.add("para", f"Căn cứ Quyết định số {between(rng, 100, 3000)}/QĐ-BQP {body_date(earlier, d.family.date_style)} "
                  "của Bộ trưởng Bộ Quốc phòng ban hành Điều lệ công tác kỹ thuật Quân đội nhân dân Việt Nam;")
    d.add("para", "Căn cứ kết quả kiểm tra kỹ thuật và đề nghị của cơ quan kỹ thuật,")


def _item_sentence(item: Item, serial: str, grade: int | None, year: bool) -> str:
    parts = [f"01 (một) {item.etype.name[0].lower() + item.etype.name[1:]}", f"ký hiệu {item.etype.designation}", f"số hiệu {serial}"]
    if year:
        parts.append(f"năm sản xuất {item.year}")
    if grade is not None:
        parts.append(f"chất lượng cấp {grade}")
    return ", ".join(parts)


def _decision_truth(d: _Doc, item: Item, grade: int | None, year: bool) -> None:
    d.truth.update(name=item.etype.name, designation=item.etype.designation, serial_number=item.serial)
    if year:
        d.truth["year_of_manufacture"] = item.year
    if grade is not None:
        d.truth["quality_grade"] = grade


# --- one body per document type -------------------------------------------------------------


def _logbook(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    d.add("center", "PHẦN I. THÔNG TIN CHUNG", "b")
    rows = _identity(d, item, serial, maker=True, unit=event.unit, grade=event.grade)
    d.fields(rows)
    if item.etype.category in ("tank", "apc", "truck") and d.rng.random() < 0.5:
        d.add("field", "Số động cơ", item.engine_number, "dots" if d.family.fields == "dots" else "colon")
    d.add("field", "Ngày nhận về đơn vị", body_date(event.date, d.family.date_style).removeprefix("ngày "), "colon")
    if d.rng.random() < 0.6:
        _specs_table(d, item)
    d.add("center", f"PHẦN {'III' if d.blocks[-1][0] == 'table' else 'II'}. QUÁ TRÌNH SỬ DỤNG", "b")
    table = [("Ngày, tháng, năm", "Đơn vị", "Nội dung", "Ký xác nhận"),
             (event.date.strftime("%d/%m/%Y"), event.unit.name, "Nhận mới, đưa vào biên chế", "")]
    for _ in range(between(d.rng, 2, 12)):
        table.append(("", "", "", ""))
    d.add("table", (0.2, 0.32, 0.3, 0.18), tuple(table), 1)
    d.add("space", 3)
    d.add("sign", (([("NGƯỜI LẬP", "b")], cat.person(d.rng)), ([("THỦ TRƯỞNG ĐƠN VỊ", "b")], cat.person(d.rng))))


def _specs_table(d: _Doc, item: Item) -> None:
    d.add("center", "PHẦN II. THÔNG SỐ KỸ THUẬT CHỦ YẾU", "b")
    table = [("TT", "Thông số", "Đơn vị tính", "Giá trị")]
    for i, (name, unit, value) in enumerate(cat.SPECS[item.etype.category], 1):
        shown = f"{value * d.rng.uniform(0.95, 1.05):.1f}".replace(".", ",") if isinstance(value, float) else str(value)
        table.append((str(i), name, unit, shown))
    d.add("table", (0.08, 0.5, 0.2, 0.22), tuple(table), 1)


def _accessories(d: _Doc) -> None:
    d.add("para", "Danh mục phụ tùng, dụng cụ đồng bộ kèm theo:")
    table = [("TT", "Tên phụ tùng, dụng cụ", "ĐVT", "Số lượng", "Ghi chú")]
    for i, (name, unit) in enumerate(d.rng.sample(cat.ACCESSORIES, between(d.rng, 6, 14)), 1):
        table.append((str(i), name, unit, f"{between(d.rng, 1, 4):02d}", pick(d.rng, ("", "", "Tốt", "Cũ", "Thiếu"))))
    d.add("table", (0.08, 0.47, 0.13, 0.14, 0.18), tuple(table), 1)


def _inspection(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    d.add("para", f"Hôm nay, {body_date(event.date, d.family.date_style)}, tại {event.unit.name}, chúng tôi gồm:")
    _people(d, "1. Đại diện tổ kiểm tra")
    _people(d, f"2. Đại diện {event.unit.name}")
    d.add("para", "Đã tiến hành kiểm tra tình trạng kỹ thuật của trang bị sau:")
    d.fields(_identity(d, item, serial, maker=False, unit=event.unit, grade=None, year=d.rng.random() < 0.6))
    _meter(d, item, event, dossier)
    if d.rng.random() < 0.7:
        _check_table(d, item, event.grade)
    d.truth["quality_grade"] = event.grade
    d.add("para", _grade_sentence(d, event.grade))
    _closing_minutes(d)
    _sign_minutes(d, "ĐẠI DIỆN ĐƠN VỊ", "TỔ TRƯỞNG TỔ KIỂM TRA")


def _maintenance(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    kind = pick(d.rng, ("Bảo dưỡng thường xuyên", "Bảo dưỡng định kỳ", "Bảo dưỡng cấp 1", "Bảo dưỡng cấp 2"))
    d.fields(_identity(d, item, serial, maker=False, unit=event.unit, grade=None, year=False))
    d.add("field", "Loại bảo dưỡng", kind, "colon")
    _meter(d, item, event, dossier)
    d.add("para", "Nội dung công việc đã thực hiện:")
    works = ("Kiểm tra, vệ sinh toàn bộ", "Thay dầu, mỡ theo quy định", "Kiểm tra, điều chỉnh các cụm",
             "Nạp điện ắc quy", "Kiểm tra đồng bộ phụ tùng", "Chạy thử, kiểm tra sau bảo dưỡng")
    table = [("TT", "Nội dung công việc", "Kết quả")]
    for i, work in enumerate(d.rng.sample(works, between(d.rng, 3, 5)), 1):
        table.append((str(i), work, pick(d.rng, ("Đạt", "Tốt", "Đạt yêu cầu"))))
    d.add("table", (0.08, 0.62, 0.3), tuple(table), 1)
    if d.rng.random() < 0.3:
        d.truth["quality_grade"] = event.grade
        d.add("para", f"Sau bảo dưỡng trang bị đạt cấp chất lượng {event.grade}.")
    d.add("sign", (([("NGƯỜI THỰC HIỆN", "b")], cat.person(d.rng)), ([("NGƯỜI KIỂM TRA", "b")], cat.person(d.rng))))


def _repair(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    level = repair_text(event.repair_level or "minor", d.family.repair_style)
    d.truth["repair_level"] = event.repair_level
    if event.variant == "order":
        _bases(d, event, dossier)
        d.add("para", f"Giao cho xưởng sửa chữa tiến hành sửa chữa trang bị của {event.unit.name} như sau:")
        d.fields(_identity(d, item, serial, maker=False, unit=event.unit, grade=event.grade))
        d.add("field", "Cấp sửa chữa", level, "colon")
        d.add("field", "Thời gian sửa chữa", f"{pick(d.rng, (15, 30, 45, 60, 90))} ngày", "colon")
        d.add("para", "Yêu cầu: sửa chữa đúng quy trình công nghệ, bảo đảm chất lượng, an toàn.")
        _sign_decision(d, d.issuer.header)
        return
    d.add("para", f"Hôm nay, {body_date(event.date, d.family.date_style)}, tại xưởng sửa chữa, chúng tôi gồm:")
    _people(d, "1. Đại diện cơ sở sửa chữa")
    _people(d, f"2. Đại diện {event.unit.name}")
    d.add("para", "Cùng tiến hành nghiệm thu trang bị sau sửa chữa:")
    d.fields(_identity(d, item, serial, maker=False, unit=event.unit, grade=None, year=d.rng.random() < 0.5))
    d.add("field", "Cấp sửa chữa", level, "colon")
    if d.rng.random() < 0.6:
        _check_table(d, item, event.grade, rows=4)
    d.truth["quality_grade"] = event.grade
    d.add("para", _grade_sentence(d, event.grade, "sau sửa chữa, trang bị"))
    _closing_minutes(d)
    _sign_minutes(d, "ĐẠI DIỆN BÊN SỬA CHỮA", "ĐẠI DIỆN ĐƠN VỊ")


def _transfer(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    assert event.from_unit and event.to_unit
    _bases(d, event, dossier)
    d.add("center", "QUYẾT ĐỊNH:", "b")
    year = d.rng.random() < 0.7
    grade = event.grade if d.rng.random() < 0.7 else None
    verb = pick(d.rng, ("Điều chuyển", "Điều động"))
    d.add("para", f"Điều 1. {verb} {_item_sentence(item, serial, grade, year)} "
                  f"từ {event.from_unit.name} về {event.to_unit.name} quản lý, sử dụng.")
    _decision_truth(d, item, grade, year)
    d.truth.update(unit=event.to_unit.name, from_unit=event.from_unit.name, to_unit=event.to_unit.name)
    if d.family.fields == "table":
        d.add("table", (0.07, 0.33, 0.15, 0.2, 0.13, 0.12),
              (("TT", "Tên trang bị", "Ký hiệu", "Số hiệu", "Cấp CL", "SL"),
               ("1", item.etype.name, item.etype.designation, serial, str(event.grade), "01")), 1)
        d.truth["quality_grade"] = event.grade
    d.add("para", f"Điều 2. {event.from_unit.name} có trách nhiệm bàn giao đầy đủ trang bị, hồ sơ, lý lịch kèm theo "
                  f"cho {event.to_unit.name}.")
    d.add("para", "Điều 3. Quyết định có hiệu lực kể từ ngày ký. Thủ trưởng các cơ quan, đơn vị có liên quan "
                  "chịu trách nhiệm thi hành Quyết định này./.")
    _sign_decision(d, d.issuer.header)


def _handover(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    assert event.from_unit and event.to_unit
    d.add("para", f"Hôm nay, {body_date(event.date, d.family.date_style)}, tại {event.from_unit.name}, chúng tôi gồm:")
    giver, taker = pick(d.rng, (("Bên giao", "Bên nhận"), ("Đơn vị giao", "Đơn vị nhận")))
    d.add("field", giver.upper() if d.rng.random() < 0.5 else giver, event.from_unit.name, "colon")
    _people(d, "Đại diện")
    d.add("field", taker.upper() if d.rng.random() < 0.5 else taker, event.to_unit.name, "colon")
    _people(d, "Đại diện")
    d.truth.update(unit=event.to_unit.name, from_unit=event.from_unit.name, to_unit=event.to_unit.name)
    d.add("para", "Hai bên đã tiến hành giao nhận trang bị kỹ thuật như sau:")
    d.fields(_identity(d, item, serial, maker=d.rng.random() < 0.3, unit=None, grade=event.grade))
    d.add("field", "Số lượng", "01 (một) chiếc", "colon")
    d.add("field", "Tình trạng đồng bộ", pick(d.rng, ("Đồng bộ", "Đồng bộ, đủ phụ tùng kèm theo", "Thiếu 01 bộ dụng cụ")), "colon")
    if d.rng.random() < 0.5:
        _accessories(d)
    d.add("para", "Hồ sơ kèm theo: lý lịch trang bị, sổ theo dõi kỹ thuật.")
    _closing_minutes(d)
    _sign_minutes(d, "ĐẠI DIỆN BÊN GIAO", "ĐẠI DIỆN BÊN NHẬN")


def _grade_change(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    direction = "xuống" if event.grade > event.previous_grade else "lên"
    if d.abbr == "QĐ":
        _bases(d, event, dossier)
        d.add("center", "QUYẾT ĐỊNH:", "b")
        d.add("para", f"Điều 1. Chuyển cấp chất lượng {_item_sentence(item, serial, None, False)} "
                      f"của {event.unit.name} từ cấp {event.previous_grade} {direction} cấp {event.grade}.")
        _decision_truth(d, item, event.grade, False)
        d.truth["unit"] = event.unit.name
        d.add("para", f"Điều 2. {event.unit.name} cập nhật lý lịch, sổ sách theo dõi trang bị theo quy định.")
        d.add("para", "Điều 3. Quyết định có hiệu lực kể từ ngày ký./.")
        _sign_decision(d, d.issuer.header)
        return
    d.add("para", f"Hôm nay, {body_date(event.date, d.family.date_style)}, tại {event.unit.name}, hội đồng đánh giá "
                  "chất lượng đã xem xét chuyển cấp chất lượng trang bị sau:")
    d.fields(_identity(d, item, serial, maker=False, unit=event.unit, grade=None, year=False))
    d.add("field", "Cấp chất lượng trước khi chuyển", f"Cấp {event.previous_grade}", "colon")
    d.add("field", "Cấp chất lượng sau khi chuyển", f"Cấp {event.grade}", "colon")
    d.truth["quality_grade"] = event.grade
    d.add("para", f"Lý do: {pick(d.rng, ('hết niên hạn sử dụng', 'kết quả kiểm tra kỹ thuật', 'sau sửa chữa', 'hao mòn trong khai thác'))}.")
    _closing_minutes(d)
    _sign_minutes(d, "THƯ KÝ HỘI ĐỒNG", "CHỦ TỊCH HỘI ĐỒNG")


def _storage(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    action = "niêm cất" if event.variant == "seal" else "mở niêm cất"
    d.add("para", f"Hôm nay, {body_date(event.date, d.family.date_style)}, tại {event.unit.name}, "
                  f"tổ công tác tiến hành {action} trang bị kỹ thuật sau:")
    d.fields(_identity(d, item, serial, maker=False, unit=event.unit, grade=event.grade, year=d.rng.random() < 0.5))
    if event.variant == "seal":
        d.add("field", "Hình thức niêm cất", pick(d.rng, ("Niêm cất dài hạn", "Niêm cất ngắn hạn")), "colon")
        d.add("field", "Thời hạn niêm cất", f"{pick(d.rng, ('03', '05', '10'))} năm", "colon")
    else:
        d.add("field", "Tình trạng sau khi mở niêm cất", pick(d.rng, ("Tốt, đưa vào sử dụng", "Cần bảo dưỡng")), "colon")
    _closing_minutes(d)
    _sign_minutes(d, "NGƯỜI NIÊM CẤT" if event.variant == "seal" else "NGƯỜI MỞ NIÊM CẤT", "THỦ TRƯỞNG ĐƠN VỊ")


def _inventory(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    d.add("center", f"Năm {event.date.year}", "b")
    d.add("field", "Đơn vị", event.unit.name, "colon")
    d.truth.update(unit=event.unit.name, name=item.etype.name, designation=item.etype.designation,
                   serial_number=item.serial, quality_grade=event.grade)
    d.add("para", f"Thực hiện kế hoạch kiểm kê năm {event.date.year}, tổ kiểm kê đã kiểm đếm thực tế trang bị như sau:")
    d.add("table", (0.07, 0.33, 0.15, 0.21, 0.1, 0.14),
          (("TT", "Tên trang bị", "Ký hiệu", "Số hiệu", "Cấp", "Số lượng"),
           ("1", item.etype.name, item.etype.designation, serial, str(event.grade), "01"),
           ("", "Cộng", "", "", "", "01")), 1)
    d.add("para", pick(d.rng, ("Kết quả: số lượng thực tế khớp với sổ sách.", "Kết quả: đủ, đúng với sổ sách quản lý.")))
    _sign_minutes(d, "TỔ TRƯỞNG TỔ KIỂM KÊ", "THỦ TRƯỞNG ĐƠN VỊ")


def _decommission(d: _Doc, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    _bases(d, event, dossier)
    d.add("center", "QUYẾT ĐỊNH:", "b")
    d.add("para", f"Điều 1. Loại khỏi biên chế {_item_sentence(item, serial, event.grade, True)} của {event.unit.name}.")
    _decision_truth(d, item, event.grade, True)
    d.truth["unit"] = event.unit.name
    d.add("para", f"Điều 2. {event.unit.name} tổ chức thanh lý trang bị theo quy định hiện hành.")
    d.add("para", "Điều 3. Quyết định có hiệu lực kể từ ngày ký./.")
    _sign_decision(d, d.issuer.header)


BODIES = {
    "logbook": _logbook, "inspection": _inspection, "maintenance": _maintenance, "repair": _repair,
    "transfer": _transfer, "handover": _handover, "grade_change": _grade_change, "storage": _storage,
    "inventory": _inventory, "decommission": _decommission,
}


# --- titles, issuers, numbers ----------------------------------------------------------------


def _title(rng: random.Random, item: Item, event: Event) -> tuple[tuple[str, ...], str]:
    """(printed title lines, number abbreviation)."""
    kind = event.doc_type
    if kind == "logbook":
        return (pick(rng, cat.LOGBOOK_TITLES[item.etype.category]),), "LL"
    if kind == "inspection":
        return pick(rng, ((("BIÊN BẢN KIỂM TRA KỸ THUẬT",), "BB"),
                           (("BIÊN BẢN", "KIỂM TRA ĐÁNH GIÁ CHẤT LƯỢNG TRANG BỊ KỸ THUẬT"), "BB")))
    if kind == "maintenance":
        return pick(rng, ((("PHIẾU BẢO DƯỠNG KỸ THUẬT",), "PBD"), (("BIÊN BẢN BẢO DƯỠNG ĐỊNH KỲ",), "BB"),
                           (("PHIẾU BẢO DƯỠNG",), "PBD")))
    if kind == "repair":
        if event.variant == "order":
            return pick(rng, ((("LỆNH SỬA CHỮA",), "LSC"), (("PHIẾU SỬA CHỮA",), "PSC")))
        return pick(rng, ((("BIÊN BẢN NGHIỆM THU SAU SỬA CHỮA",), "BB"), (("BIÊN BẢN NGHIỆM THU SỬA CHỮA",), "BB")))
    if kind == "transfer":
        return ("QUYẾT ĐỊNH", pick(rng, ("Về việc điều chuyển trang bị kỹ thuật", "Về việc điều động trang bị"))), "QĐ"
    if kind == "handover":
        return (pick(rng, ("BIÊN BẢN BÀN GIAO TRANG BỊ KỸ THUẬT", "BIÊN BẢN GIAO NHẬN TRANG BỊ")),), "BB"
    if kind == "grade_change":
        return pick(rng, ((("QUYẾT ĐỊNH", "Về việc chuyển cấp chất lượng trang bị kỹ thuật"), "QĐ"),
                           (("BIÊN BẢN CHUYỂN CẤP CHẤT LƯỢNG",), "BB")))
    if kind == "storage":
        text = "BIÊN BẢN NIÊM CẤT TRANG BỊ KỸ THUẬT" if event.variant == "seal" else "BIÊN BẢN MỞ NIÊM CẤT TRANG BỊ KỸ THUẬT"
        return (text,), "BB"
    if kind == "inventory":
        return ("BIÊN BẢN KIỂM KÊ TRANG BỊ KỸ THUẬT",), "BB"
    if kind == "decommission":
        return ("QUYẾT ĐỊNH", pick(rng, ("Về việc loại khỏi biên chế trang bị kỹ thuật", "Về việc thanh lý trang bị kỹ thuật"))), "QĐ"
    raise ValueError(kind)


def _issuer(rng: random.Random, event: Event) -> cat.Issuer:
    kind = event.doc_type
    if kind in ("transfer", "decommission") or (kind == "grade_change" and rng.random() < 0.5):
        return pick(rng, cat.HIGHER)
    if kind == "inspection" and rng.random() < 0.5:
        return pick(rng, cat.HIGHER)
    if kind == "repair":
        return pick(rng, cat.HIGHER) if event.variant == "order" else pick(rng, cat.FACTORIES)
    if kind == "handover" and event.from_unit:
        return cat.unit_issuer(event.from_unit)
    return cat.unit_issuer(event.unit)


def _classification(rng: random.Random, kind: str) -> tuple[str, str] | None:
    roll = rng.random() * (2.5 if kind == "logbook" else 1.0)
    for stamp, value, share in CLASSIFICATIONS:
        if roll < share:
            return stamp, value
        roll -= share
    return None


def _motto(family: Family, date: dt.date) -> str:
    if date < dt.date(1976, 7, 2):
        return f"VIỆT NAM DÂN CHỦ CỘNG {family.motto_hoa}"
    return f"CỘNG {family.motto_hoa} XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def compose(dossier: Dossier, position: int) -> Composed:
    """The document written for event `position` of the dossier; deterministic."""
    event = dossier.events[position]
    rng = random.Random(dossier.index * 7919 + position * 104729 + dossier.item.year)
    issuer = _issuer(rng, event)
    title_lines, abbr = _title(rng, dossier.item, event)
    family = family_for(issuer.header, rng.random(), rng.randrange(8))
    d = _Doc(rng, family, issuer, abbr)
    number = None
    if event.doc_type != "logbook" or rng.random() < 0.5:
        suffix = issuer.code if rng.random() < 0.6 else ("KT" if issuer.code[0].islower() else issuer.code + "-KT")
        number = f"{between(rng, 1, 999) if rng.random() < 0.8 else between(rng, 1000, 4999)}/{abbr}-{suffix}"
    place_date = f"{issuer.place}, {format_date(event.date, family.date_style)}"
    left = [(issuer.superior, "n"), (issuer.header, "bu")]
    left.append((f"{family.number_prefix}{number}" if number else "", "n"))
    right = [(_motto(family, event.date), "b"), ("Độc lập - Tự do - Hạnh phúc", "bu"), ("", "n"), (place_date, "i")]
    d.add("header", tuple(left), tuple(right))
    stamp = _classification(rng, event.doc_type)
    if stamp:
        d.add("stamp", stamp[0])
    d.add("space", 6)
    d.add("title", title_lines[0])
    for line in title_lines[1:]:
        d.add("subtitle", line)
    if abbr == "QĐ":
        chief = "CHỦ NHIỆM" if issuer.header.startswith("TỔNG CỤC") else (
            "CỤC TRƯỞNG" if issuer.header.startswith("CỤC") else "THỦ TRƯỞNG")
        d.add("center", f"{chief} {issuer.header}", "b")
    d.add("space", 3)
    serial = _printed_serial(dossier.item, rng)
    d.truth.update(doc_type=event.doc_type)
    if number:
        d.truth["document_number"] = number
    d.truth["document_date"] = event.date.isoformat()
    d.truth["classification"] = stamp[1] if stamp else "unclassified"
    BODIES[event.doc_type](d, dossier, event, serial)
    truth = {key: d.truth[key] for key in TRUTH_ORDER if key in d.truth}
    seal_text = f"{issuer.superior} ★ {issuer.header}"
    blocks, title = tuple(d.blocks), " ".join(title_lines)
    if family.motto_hoa == "HOÀ":  # this office writes "hoà", "thuỷ", "Đại uý"
        blocks, title = _retext(blocks, old_tone_marks), old_tone_marks(title)
    return Composed(truth, title, blocks, family, serial, seal_text)


def _retext(value: Any, change: Any) -> Any:
    """Apply `change` to every string inside nested tuples of blocks."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, tuple):
        return tuple(_retext(item, change) for item in value)
    return value


# --- flat text ------------------------------------------------------------------------------


def _columns_text(columns: list[list[str]]) -> list[str]:
    height = max(len(c) for c in columns)
    out = []
    for i in range(height):
        cells = [c[i] for c in columns if i < len(c) and c[i]]
        if cells:
            out.append("    ".join(cells))
    return out


def blocks_to_text(blocks: tuple[Block, ...]) -> str:
    """The text a perfect reader would extract, in reading order."""
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "header":
            out.extend(_columns_text([[t for t, _ in block[1]], [t for t, _ in block[2]]]))
        elif kind in ("title", "subtitle", "para", "stamp"):
            out.append(block[1])
        elif kind == "center":
            out.append(block[1])
        elif kind == "field":
            out.append(f"{block[1]}: {block[2]}" if block[3] == "colon" else f"{block[1]} ........ {block[2]}")
        elif kind == "pair":
            out.append(f"{block[1][0]}: {block[1][1]}    {block[2][0]}: {block[2][1]}")
        elif kind == "table":
            out.extend("  ".join(c for c in row if c) for row in block[2])
        elif kind == "sign":
            out.extend(_columns_text([[t for t, _ in lines] + ([name] if name else []) for lines, name in block[1]]))
    return "\n".join(line for line in out if line)
