"""Values named in running text rather than after a label.

Decisions and minutes name the item and the units in sentences that wrap anywhere:
"Điều 1. Điều chuyển 01 (một) pháo lựu 122mm M-30, ký hiệu M-30, số\\nhiệu 599838, năm sản
xuất 1948, chất lượng cấp 3 từ Trung đoàn 24, Sư đoàn 304 về\\nTrung đoàn 738, Quân khu 3
quản lý, sử dụng." Each page is read as one line of prose (line breaks become spaces,
"Căn cứ ..." references blanked), matched on folded text, and values are cut from the
printed text. Every value remembers the line it starts on.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Sequence

from ingest.values import (
    GRADE_TOKEN, UNIT_WORDS, grade_number, parse_designation, parse_name, parse_serial, parse_unit, parse_year, repair_doan_types,
)
from common.text import fold_iy, fold_map, merge_iy
from common.vocabulary import UNIT_BRANCHES

__all__ = ["ProseValue", "prose_values"]



@dataclass(frozen=True)
class ProseValue:
    field: str
    value: str | int
    confidence: float
    page: int
    order: int  # document line order of the line the value starts on


@dataclass(frozen=True)
class _Page:
    number: int
    flat: str
    key: str
    offsets: Sequence[int]
    starts: list[int]  # flat offset of each line start
    orders: list[int]  # document line order of each line

    def original(self, start: int, end: int) -> str:
        return self.flat[self.offsets[start] : self.offsets[end]]

    def order_at(self, key_position: int) -> int:
        flat_position = self.offsets[min(key_position, len(self.offsets) - 1)]
        return self.orders[max(0, bisect.bisect_right(self.starts, flat_position) - 1)]


_REFERENCE_LINE = re.compile(merge_iy(r"^\W*(can\s+cu|xet|theo)\b"))
# OCR specks opening a line of prose: ". Tiểu đoàn 14", "ˆ đoàn 291", "_ 955366".
_LINE_SPECKS = re.compile(r"^[^0-9A-Za-z\u00C0-\u024F\u1E00-\u1EFF(\[]+")


# "của Trung đoàn.\n738, Quân khu 3": a speck read as a full stop between a unit's type and its number on the next
# line (replaced by a space, so positions in the page stay).
_TYPE_STOP_BEFORE_NUMBER = re.compile(r"(?i)(đoàn|doan|khu|đội|doi)\.(?= \d{1,4}\b)")


# "về Tiểu: :\nđoàn 18": specks between a type's words where its line broke (blanked, so positions stay).
_SPECKS_IN_TYPE = re.compile(r"(?i)\b(tiểu|tieu|trung|sư|su|lữ|lu)((?:\s*[:;,.]){1,2}\s+)(đoàn|doan)\b")


_STOP_BEFORE_DIGIT = re.compile(r"\. \d")
_SPECK_BEFORE_DOAN = re.compile(r"[:;,.]\s+[đĐdD][oO]")


def _pages(pages: Sequence[str]) -> list[_Page]:
    """Each page as one line of prose, with the "Căn cứ ..." references blanked out."""
    result = []
    order = 0
    for number, page in enumerate(pages, start=1):
        parts: list[str] = []
        starts: list[int] = []
        orders: list[int] = []
        position = 0
        for line in page.splitlines():
            text = _prose_line(line)
            starts.append(position)
            orders.append(order)
            order += 1
            parts.append(text)
            position += len(text) + 1
        flat = " ".join(parts)
        # Both repairs need what their guards find (". 738"; a stop or colon, spaces, "đo"), which few pages hold:
        # a literal search is some fifty times cheaper than either pattern's case-blind scan.
        if _STOP_BEFORE_DIGIT.search(flat):
            flat = _TYPE_STOP_BEFORE_NUMBER.sub(r"\1 ", flat)
        if _SPECK_BEFORE_DOAN.search(flat):
            flat = _SPECKS_IN_TYPE.sub(lambda m: m[1] + " " * len(m[2]) + m[3], flat)
        key, offsets = fold_map(flat, iy=True)
        result.append(_Page(number, flat, key, offsets, starts or [0], orders or [order]))
    return result


@lru_cache(maxsize=8192)
def _prose_line(line: str) -> str:
    """A line as prose reads it: specks opening it dropped, unit types repaired, a reference blanked (forms repeat
    their lines on every paper, so each is made once)."""
    text = repair_doan_types(_LINE_SPECKS.sub("", line.strip()))
    # A reference opens its line capitalised; "theo cho Trung đoàn 291" is a sentence wrapped onto it.
    if _REFERENCE_LINE.match(fold_iy(text)) and text[:1].isupper():
        text = " " * len(text)
    return text


def _lowercase_at(page: _Page, key_position: int) -> bool:
    """Prose labels are printed in lower case mid-sentence ("..., số hiệu 599838")."""
    printed = page.original(key_position, key_position + 1)
    return printed.islower()


def _mid_sentence(page: _Page, key_position: int) -> bool:
    """After a comma, or after a full stop inside a line: OCR reads a comma as a full stop and the next word then
    capitalised ("ký hiệu PT-76. SỐ hiệu PT76-1508"); a label opening its own line is no part of a sentence."""
    before = page.key[:key_position]
    if re.search(r",[\s'‘’`´]*$", before):  # "ký hiệu PRV-13, 'SỐ hiệu": a speck after the comma
        return True
    flat_position = page.offsets[min(key_position, len(page.offsets) - 1)]
    line_start = page.starts[max(0, bisect.bisect_right(page.starts, flat_position) - 1)]
    return bool(re.search(r"\w[.;]\s*$", before)) and page.flat[line_start:flat_position].strip() != ""


# --- the item ------------------------------------------------------------------------------

# OCR drops specks between the words of a label: "số 'hiệu P18-4986", "số 5 hiệu".
_SERIAL = re.compile(merge_iy(r"\bso[\s'‘’`´_.-]+(?:[0-9a-z][\s'‘’`´_-]+)?(?:hieu|dang\s+ky|xuat\s+xuong)(?:\s+(?:trang\s+bi|xe))?['‘’`´]?\s*[:.]?\s+[_.:\-\s]*(?=[a-z0-9])"))
_PLATE = re.compile(merge_iy(r"\bbien\s+so\s*[:.]?\s+[_.:\-\s]*(?=[a-z0-9])"))
_DESIGNATION = re.compile(merge_iy(r"\bky\s+hieu\s*:?\s+(?P<v>[^,;()]{1,24}?)(?=\s*[,;(]|\s+so\s+hieu|\s+(?:nam|cua|tu|chat)\s|$)"))
_YEAR = re.compile(merge_iy(r"(?:nam\s+san\s+xuat|nam\s+xuat\s+xuong|san\s+xuat\s+(?:nam|vao\s+nam))\s*:?\s*(?P<v>[0-9oil]{4})(?![0-9a-z])"))
_ITEM_VERB = merge_iy(
    r"(?:dieu[\s'‘’`´.]+chuyen|dieu[\s'‘’`´.]+dong|chuyen\s+cap\s+chat\s+luong(?:\s+cho)?|loai\s+khoi\s+bien\s+che|thanh\s+ly|tieu\s+huy|"
    r"niem\s+cat|ban\s+giao|giao|tiep\s+nhan|nhan|sua\s+chua|kiem\s+tra)"
)
_NAME = re.compile(
    rf"\b{_ITEM_VERB}\s+[(\[]?\s*\d{{1,3}}\s*(?:\([^)]{{1,12}}\)\s*)?(?:(?:chiec|khau|bo|cai)\s+)?"
    + merge_iy(
        r"(?P<v>[^,;:()]{3,80}?(?:\s*:\s*[a-z]{1,6}-?\d[a-z0-9-]{0,8})?)(?=\s*[,;:(]|\s+(?:ky\s+hieu|so\s+hieu|bien\s+so|nam\s+san\s+xuat|cua|tu|thuoc|"
        r"chat\s+luong|cap\s+chat\s+luong)\b)"
    )
)


def _item(page: _Page) -> Iterator[ProseValue]:
    for pattern, confidence in ((_SERIAL, 0.8), (_PLATE, 0.7)):
        for match in pattern.finditer(page.key):
            if not _lowercase_at(page, match.start()) and not _mid_sentence(page, match.start()):
                continue  # "Số hiệu" opening a label line or a header cell is not prose
            serial = parse_serial(page.original(match.end(), min(len(page.key), match.end() + 40)))
            if serial:
                yield ProseValue("serial_number", serial, confidence, page.number, page.order_at(match.start()))
    for match in _DESIGNATION.finditer(page.key):
        if _lowercase_at(page, match.start()):
            value = parse_designation(page.original(match.start("v"), match.end("v")))
            if value:
                yield ProseValue("designation", value, 0.75, page.number, page.order_at(match.start()))
    for match in _YEAR.finditer(page.key):
        year = parse_year(page.original(match.start("v"), match.end("v")))
        if year:
            yield ProseValue("year_of_manufacture", year, 0.7, page.number, page.order_at(match.start()))
    for match in _NAME.finditer(page.key):
        # A colon OCR put between the noun and its model ("xe thiết giáp chở quân: BTR-152,") is no stop.
        name = parse_name(re.sub(r"\s*:\s*", " ", page.original(match.start("v"), match.end("v"))))
        if name and re.search(r"[^\W\d_]{2}", name):
            yield ProseValue("name", name, 0.65, page.number, page.order_at(match.start("v")))


# --- the grade -----------------------------------------------------------------------------

# "từ cấp 2 xuống cấp 3", and with OCR damage: "từ ao 1 xuống. : cấp 2", "từ cấp 7 xuống cap 3" (the old grade misread),
# "tu cap 1 xu6ng cap 2" (the accents lost, the o read as 6), "từ t cấp 1 xuống cấp:2" (a speck before "cấp", a
# colon or a question mark after it).
_GRADE_CHANGE = re.compile(
    rf"\btu\s+(?:[a-z]\s+(?=cap\b))?(?P<cap>cap|[a-z]{{1,4}})\s+(?:chat\s+luong\s+)?(?:\d|i{{1,3}}|iv|v)\s+"
    rf"(?:sang|xu[a-z0-9]ng|len|thanh|ve)[\W_]*\s*(?:cap\s*[:.?]?\s*)?(?:chat\s+luong\s+)?{GRADE_TOKEN}"
)
# "chất Ti cấp 1"; "chất lượng .\ncấp 1", "chất ;\nlượng cấp 2": a speck at the line's end
_GRADE_PROSE = re.compile(rf"(?<![a-z])chat(?:\s+[.,;])?\s+(?P<luong>luong|[a-z]{{1,5}})(?:\s+[.,;])?\s+cap\s+{GRADE_TOKEN}")
# "đạt cấp chất l0 3", "Cấp chất gn: Cấp 2": "cấp chất" stands, OCR broke "lượng".
_GRADE_REACHED = re.compile(rf"\bdat\s+cap\s+chat\s+(?:[a-z]\s+)?[a-z0-9]{{1,6}}\s*[:.]?\s+{GRADE_TOKEN}")  # "chất t lượng 3"
_GRADE_LABEL_BROKEN = re.compile(rf"\bcap\s+chat\s+(?!luong\b)[a-z0-9]{{1,6}}\s*[:.]\s*(?:cap\s*)?{GRADE_TOKEN}")


def _grade(page: _Page) -> Iterator[ProseValue]:
    for match in _GRADE_CHANGE.finditer(page.key):
        confidence = 0.9 if match["cap"] == "cap" else 0.8
        yield ProseValue("quality_grade", grade_number(match["g"]), confidence, page.number, page.order_at(match.start()))
    for match in _GRADE_LABEL_BROKEN.finditer(page.key):
        yield ProseValue("quality_grade", grade_number(match["g"]), 0.6, page.number, page.order_at(match.start()))
    for match in _GRADE_REACHED.finditer(page.key):
        yield ProseValue("quality_grade", grade_number(match["g"]), 0.6, page.number, page.order_at(match.start()))
    for match in _GRADE_PROSE.finditer(page.key):
        if not page.key[: match.start()].rstrip().endswith("cap"):  # "cấp chất lượng cấp 2" is a label
            confidence = 0.75 if match["luong"] == "luong" else 0.6
            yield ProseValue("quality_grade", grade_number(match["g"]), confidence, page.number, page.order_at(match.start()))


# --- the units -----------------------------------------------------------------------------

# A unit's name runs to punctuation, to a comma not followed by another unit, or to a verb.
# OCR reads a comma as ";" or ":" ("Trung đoàn 141; Sư đoàn 312") and drops dots into words ("Sư đoàn.304").
# A speck read as a full stop between a unit's type and its branch ("Trung đoàn .\nphòng không 280") ends nothing.
_BRANCH_NEXT = r"(?=\s*(?:" + "|".join(r"\s+".join(map(re.escape, fold_iy(b).lower().split())) for b in UNIT_BRANCHES) + r")\s+\d)"
# "về Lữ đoàn xe:\ntăng 203 quản lý": a speck read as a colon inside the branch, the number one word on.
_SPECK_IN_BRANCH = r"(?=\s*[a-z]+\s+\d)"
_UNIT_PHRASE = UNIT_WORDS + merge_iy(
    rf"(?:[^.;:()]|[;:](?=\s*{UNIT_WORDS})|:{_SPECK_IN_BRANCH}|\.(?!\s)|\.{_BRANCH_NEXT}){{0,80}}?"
    rf"(?=\s*(?:\.(?!\d)(?!{_BRANCH_NEXT})|[()]|;(?!\s*{UNIT_WORDS})|:(?!\s*{UNIT_WORDS})(?!{_SPECK_IN_BRANCH})|,\s(?!{UNIT_WORDS})|\s(?:de|quan\s+ly|bien\s+che|su\s+dung|ke\s+tu|"
    rf"tu|ve|sang|xuong|len|cap\s+nhat|co|dat|"
    rf"tu\s+ngay|theo|ngay|voi|gom|tiep\s+nhan|thuc\s+hien|kem\s+theo|co\s+trach|chiu|to\s+cong\s+tac|to\s+chuc|chung\s+toi)\b|$))"
)
_MOVE = re.compile(
    merge_iy(
        rf"(?:(?P<verb>chuyen|dong|giao|nhan)\b(?:[^.;]|\.(?!\s)){{0,240}}?)?\b(?:tu|cua)\s+"
        rf"(?P<a>(?:[a-z]{{1,6}}\s+)?{UNIT_WORDS}(?:[^.;:]|[.:;](?!\s*(?:dieu\b|$))){{0,80}}?)\s+"
        rf"(?:ve|sang|cho|den)(?:\s+|\s*[.'‘’`_]\s*)(?P<b>{_UNIT_PHRASE})"  # a speck for the space: "về.Lữ đoàn"
    )
)
_HELD_BY = re.compile(
    merge_iy(rf"thuoc\s+bien\s+che\s+(?:cua\s+)?(?P<a>{_UNIT_PHRASE})|\bdo\s+(?P<b>{UNIT_WORDS}[^.;:()]{{0,60}}?)\s+quan\s+ly")
)
_OWNED_BY = re.compile(rf"\bcua\s+(?P<a>{_UNIT_PHRASE})")
# "về Kho K3/Cục Kỹ thuật quản lý, sử dụng" when OCR lost the "từ <A>" before it
_RECEIVER = re.compile(merge_iy(rf"\b(?:ve|sang)(?:\s+|\s*[.'‘’`_]\s*)(?P<b>{UNIT_WORDS}[^.;:()]{{0,60}}?)\s+quan\s+ly"))
# "Điều 2. Trung đoàn 48, Sư đoàn 320 cập nhật lý lịch ...": the article's subject is the holder
_ARTICLE_SUBJECT = re.compile(merge_iy(rf"\bdieu\s+\d\s*[.:]\s+(?P<a>{_UNIT_PHRASE})\s+(?:cap\s+nhat|co\s+trach|chiu|thuc\s+hien|quan\s+ly|to\s+chuc)"))
# "Điều 2. <giver> có trách nhiệm bàn giao đầy đủ trang bị, hồ sơ, lý lịch kèm theo cho <receiver>.": a decision
# names both sides of a transfer again, where OCR may have spared them.
_HANDOVER_DUTY = re.compile(merge_iy(
    rf"\bdieu\s+\d\s*[.:,]\s+(?P<a>{_UNIT_PHRASE})\s+co\s+trach\s+nhiem\s+ban\s+giao[^;]{{0,120}}?\bcho\s+(?P<b>{_UNIT_PHRASE})"
))
_AT = re.compile(rf"\b(?:tai|dai\s+dien)\s+(?P<a>{_UNIT_PHRASE})")


def _units(page: _Page, where_held: bool) -> Iterator[ProseValue]:
    """Units in sentences; "tại <unit>" (where the minutes were taken) only when `where_held`
    says that place is the item's unit (not in handovers and transfers, where it is the giver)."""
    moves = list(_MOVE.finditer(page.key))
    for match in moves:
        for field, group in (("from_unit", "a"), ("to_unit", "b")):
            value = parse_unit(page.original(match.start(group), match.end(group)))
            if value:
                confidence = 0.8 if match["verb"] else 0.7  # "từ A về B" without its verb (lost to OCR)
                yield ProseValue(field, value, confidence, page.number, page.order_at(match.start(group)))
    for match in _HANDOVER_DUTY.finditer(page.key):
        for field, group in (("from_unit", "a"), ("to_unit", "b")):
            value = parse_unit(page.original(match.start(group), match.end(group)))
            if value:
                yield ProseValue(field, value, 0.55, page.number, page.order_at(match.start(group)))
    if not moves:
        for match in _RECEIVER.finditer(page.key):
            value = parse_unit(page.original(match.start("b"), match.end("b")))
            if value:
                yield ProseValue("to_unit", value, 0.6, page.number, page.order_at(match.start("b")))
    for pattern, confidence in ((_HELD_BY, 0.6), (_OWNED_BY, 0.5), (_ARTICLE_SUBJECT, 0.45), (_AT, 0.4)):
        if pattern in (_AT, _ARTICLE_SUBJECT) and not where_held:
            continue  # in a transfer the article's subject is the giver
        for match in pattern.finditer(page.key):
            group = "a" if match["a"] else "b"
            value = parse_unit(page.original(match.start(group), match.end(group)))
            if pattern is _AT and value and not re.search(r"\d", value):
                continue  # "tại xưởng sửa chữa" is a place, not the item's unit
            if value:
                yield ProseValue("unit", value, confidence, page.number, page.order_at(match.start(group)))


def prose_values(pages: Sequence[str], doc_type: str = "other") -> list[ProseValue]:
    found: list[ProseValue] = []
    for page in _pages(pages):
        found.extend(_item(page))
        found.extend(_grade(page))
        found.extend(_units(page, where_held=doc_type not in ("handover", "transfer")))
    return found
