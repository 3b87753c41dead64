"""The body of each document type: labelled fields, prose, tables and signatures.

Every body writes through a `DocumentBuilder`, which records the truth of each field it
prints, so a document's ground truth holds exactly what the page shows.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from archive.demo import catalog as cat
from archive.demo.catalog import between, pick
from archive.demo.dossier import Dossier, Event, Item
from archive.demo.forms import PLATE_LABELS, Family, body_date, grade_text, repair_text

Block = tuple[Any, ...]


class DocumentBuilder:
    """Collects blocks and the truth of the fields they print."""

    def __init__(self, rng: random.Random, family: Family, issuer: cat.Issuer, abbr: str):
        self.rng = rng
        self.family = family
        self.issuer = issuer
        self.abbr = abbr
        self.blocks: list[Block] = []
        self.truth: dict[str, Any] = {}
        self.designation_shown: str | None = None  # how this clerk types the designation ("T55"); None: catalogue form

    def designation(self, item: Item) -> str:
        """The designation as printed; the truth always keeps the catalogue form."""
        return self.designation_shown or item.etype.designation

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


def printed_serial(item: Item, rng: random.Random) -> str:
    if item.serial_format == "DES-NNN-NNNNN" and rng.random() < 0.5:
        return item.serial.replace("-", " ", 1)  # "ZIL 131-04521"
    return item.serial


def _serial_label(d: DocumentBuilder, item: Item) -> str:
    if item.serial_format == "PLATE" and d.rng.random() < 0.6:
        return pick(d.rng, PLATE_LABELS)
    return d.label("serial_number")


def _identity(d: DocumentBuilder, item: Item, serial: str, *, maker: bool, unit: cat.Unit | None, grade: int | None,
              year: bool = True) -> list[tuple[str, str, Any, Any]]:
    rows: list[tuple[str, str, Any, Any]] = [
        ("name", d.label("name"), item.etype.name, item.etype.name),
        ("designation", d.label("designation"), d.designation(item), item.etype.designation),
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


def _meter(d: DocumentBuilder, item: Item, event: Event, dossier: Dossier) -> None:
    label, unit_word = cat.METER[item.etype.category]
    years = max(1, event.date.year - item.year)
    per_year = {"km": 900, "giờ": 60, "phát": 120}[unit_word]
    value = years * per_year + between(d.rng, 0, per_year)
    shown = f"{value:,}".replace(",", ".")
    if d.family.fields == "dots":
        d.add("field", label, f"{shown} {unit_word}", "dots")
    else:
        d.add("field", label, f"{shown} {unit_word}", "colon")


def _people(d: DocumentBuilder, who: str) -> None:
    roles = ("Chủ nhiệm Kỹ thuật", "Trợ lý xe - máy", "Trợ lý quân khí", "Trưởng ban Kỹ thuật", "Trạm trưởng sửa chữa",
             "Kỹ thuật viên", "Đại đội trưởng", "Trợ lý ra đa", "Nhân viên thủ kho")
    d.add("para", f"{who}:")
    for _ in range(between(d.rng, 1, 2)):
        d.add("para", f"    - {cat.person(d.rng)}, chức vụ: {pick(d.rng, roles)}")


def _check_table(d: DocumentBuilder, item: Item, grade: int, *, rows: int | None = None) -> None:
    parts = cat.CHECK_ROWS[item.etype.category]
    take = parts if rows is None else parts[:rows]
    table = [("TT", "Hệ thống, cụm", "Tình trạng kỹ thuật", "Ghi chú")]
    for i, part in enumerate(take, 1):
        state = pick(d.rng, cat.CONDITIONS_BY_GRADE[grade])
        table.append((str(i), part, state, ""))
    d.add("table", (0.08, 0.37, 0.35, 0.2), tuple(table), 1)


def _grade_sentence(d: DocumentBuilder, grade: int, subject: str = "trang bị") -> str:
    style = d.family.grade_style
    if style == "dat":
        return f"Kết luận: {subject[0].upper() + subject[1:]} {grade_text(grade, 'dat')}."
    if style == "num":
        return f"Kết luận: Cấp chất lượng: {grade}."
    return f"Kết luận: {subject[0].upper() + subject[1:]} đạt Cấp chất lượng: Cấp {grade}."


def _closing_minutes(d: DocumentBuilder) -> None:
    copies = pick(d.rng, ("02", "03", "04"))
    d.add("para", f"Biên bản lập xong hồi {between(d.rng, 9, 17)} giờ {pick(d.rng, ('00', '15', '30', '45'))} cùng ngày, "
                  f"thành {copies} bản có giá trị như nhau, các bên nhất trí ký tên./.")


def _sign_minutes(d: DocumentBuilder, left: str, right: str) -> None:
    note = ("(Ký, ghi rõ họ tên)", "i") if d.rng.random() < 0.5 else ("", "n")
    d.add("space", 4)
    d.add("sign", (([(left, "b"), note], cat.person(d.rng)), ([(right, "b"), note], cat.person(d.rng))))


def _sign_decision(d: DocumentBuilder, office: str) -> None:
    chief = {"TỔNG CỤC": "CHỦ NHIỆM", "CỤC": "CỤC TRƯỞNG", "PHÒNG": "TRƯỞNG PHÒNG", "NHÀ MÁY": "GIÁM ĐỐC"}
    head = next((title for key, title in chief.items() if office.startswith(key)), "CHỈ HUY TRƯỞNG")
    deputy = d.rng.random() < 0.5
    lines = [(f"KT. {head}", "b"), (f"PHÓ {head}", "b")] if deputy else [(head, "b")]
    recipients = [("Nơi nhận:", "bi"), ("- Như Điều 3;", "s"), ("- Lưu: VT, KT.", "s")]
    d.add("space", 4)
    d.add("sign", ((recipients, ""), (lines, cat.person(d.rng))))


def _bases(d: DocumentBuilder, event: Event, dossier: Dossier) -> None:
    rng = d.rng
    earlier = event.date - dt.timedelta(days=between(rng, 200, 2000))
    d.add("para", f"Căn cứ Quyết định số {between(rng, 100, 3000)}/QĐ-BQP {body_date(earlier, d.family.date_style)} "
                  "của Bộ trưởng Bộ Quốc phòng ban hành Điều lệ công tác kỹ thuật Quân đội nhân dân Việt Nam;")
    d.add("para", "Căn cứ kết quả kiểm tra kỹ thuật và đề nghị của cơ quan kỹ thuật,")


def _item_sentence(d: DocumentBuilder, item: Item, serial: str, grade: int | None, year: bool) -> str:
    parts = [f"01 (một) {item.etype.name[0].lower() + item.etype.name[1:]}", f"ký hiệu {d.designation(item)}", f"số hiệu {serial}"]
    if year:
        parts.append(f"năm sản xuất {item.year}")
    if grade is not None:
        parts.append(f"chất lượng cấp {grade}")
    return ", ".join(parts)


def _decision_truth(d: DocumentBuilder, item: Item, grade: int | None, year: bool) -> None:
    d.truth.update(name=item.etype.name, designation=item.etype.designation, serial_number=item.serial)
    if year:
        d.truth["year_of_manufacture"] = item.year
    if grade is not None:
        d.truth["quality_grade"] = grade


# --- one body per document type -------------------------------------------------------------


def _logbook(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
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


def _specs_table(d: DocumentBuilder, item: Item) -> None:
    d.add("center", "PHẦN II. THÔNG SỐ KỸ THUẬT CHỦ YẾU", "b")
    table = [("TT", "Thông số", "Đơn vị tính", "Giá trị")]
    for i, (name, unit, value) in enumerate(cat.SPECS[item.etype.category], 1):
        shown = f"{value * d.rng.uniform(0.95, 1.05):.1f}".replace(".", ",") if isinstance(value, float) else str(value)
        table.append((str(i), name, unit, shown))
    d.add("table", (0.08, 0.5, 0.2, 0.22), tuple(table), 1)


def _accessories(d: DocumentBuilder) -> None:
    d.add("para", "Danh mục phụ tùng, dụng cụ đồng bộ kèm theo:")
    table = [("TT", "Tên phụ tùng, dụng cụ", "ĐVT", "Số lượng", "Ghi chú")]
    for i, (name, unit) in enumerate(d.rng.sample(cat.ACCESSORIES, between(d.rng, 6, 14)), 1):
        table.append((str(i), name, unit, f"{between(d.rng, 1, 4):02d}", pick(d.rng, ("", "", "Tốt", "Cũ", "Thiếu"))))
    d.add("table", (0.08, 0.47, 0.13, 0.14, 0.18), tuple(table), 1)


def _inspection(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
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


def _maintenance(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
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


def _repair(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
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


def _transfer(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    assert event.from_unit and event.to_unit
    _bases(d, event, dossier)
    d.add("center", "QUYẾT ĐỊNH:", "b")
    year = d.rng.random() < 0.7
    grade = event.grade if d.rng.random() < 0.7 else None
    verb = pick(d.rng, ("Điều chuyển", "Điều động"))
    d.add("para", f"Điều 1. {verb} {_item_sentence(d, item, serial, grade, year)} "
                  f"từ {event.from_unit.name} về {event.to_unit.name} quản lý, sử dụng.")
    _decision_truth(d, item, grade, year)
    d.truth.update(unit=event.to_unit.name, from_unit=event.from_unit.name, to_unit=event.to_unit.name)
    if d.family.fields == "table":
        d.add("table", (0.07, 0.33, 0.15, 0.2, 0.13, 0.12),
              (("TT", "Tên trang bị", "Ký hiệu", "Số hiệu", "Cấp CL", "SL"),
               ("1", item.etype.name, d.designation(item), serial, str(event.grade), "01")), 1)
        d.truth["quality_grade"] = event.grade
    d.add("para", f"Điều 2. {event.from_unit.name} có trách nhiệm bàn giao đầy đủ trang bị, hồ sơ, lý lịch kèm theo "
                  f"cho {event.to_unit.name}.")
    d.add("para", "Điều 3. Quyết định có hiệu lực kể từ ngày ký. Thủ trưởng các cơ quan, đơn vị có liên quan "
                  "chịu trách nhiệm thi hành Quyết định này./.")
    _sign_decision(d, d.issuer.header)


def _handover(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
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


def _grade_change(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    direction = "xuống" if event.grade > event.previous_grade else "lên"
    if d.abbr == "QĐ":
        _bases(d, event, dossier)
        d.add("center", "QUYẾT ĐỊNH:", "b")
        d.add("para", f"Điều 1. Chuyển cấp chất lượng {_item_sentence(d, item, serial, None, False)} "
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


def _storage(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
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


def _inventory(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    d.add("center", f"Năm {event.date.year}", "b")
    d.add("field", "Đơn vị", event.unit.name, "colon")
    d.truth.update(unit=event.unit.name, name=item.etype.name, designation=item.etype.designation,
                   serial_number=item.serial, quality_grade=event.grade)
    d.add("para", f"Thực hiện kế hoạch kiểm kê năm {event.date.year}, tổ kiểm kê đã kiểm đếm thực tế trang bị như sau:")
    d.add("table", (0.07, 0.33, 0.15, 0.21, 0.1, 0.14),
          (("TT", "Tên trang bị", "Ký hiệu", "Số hiệu", "Cấp", "Số lượng"),
           ("1", item.etype.name, d.designation(item), serial, str(event.grade), "01"),
           ("", "Cộng", "", "", "", "01")), 1)
    d.add("para", pick(d.rng, ("Kết quả: số lượng thực tế khớp với sổ sách.", "Kết quả: đủ, đúng với sổ sách quản lý.")))
    _sign_minutes(d, "TỔ TRƯỞNG TỔ KIỂM KÊ", "THỦ TRƯỞNG ĐƠN VỊ")


def _decommission(d: DocumentBuilder, dossier: Dossier, event: Event, serial: str) -> None:
    item = dossier.item
    _bases(d, event, dossier)
    d.add("center", "QUYẾT ĐỊNH:", "b")
    d.add("para", f"Điều 1. Loại khỏi biên chế {_item_sentence(d, item, serial, event.grade, True)} của {event.unit.name}.")
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
