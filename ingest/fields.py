"""Field extraction: normalised page texts in, `FieldValue`s out.

Several readers propose candidates, each with a confidence that says how it was read:
- labels (`ingest.labels`): "Số hiệu: KB-15-84", "Tên TBKT ......" with the value on the
  next line, "2 |Kiểu VRU-812"; exact or OCR-damaged labels;
- tables (`ingest.tables`): a header of column names and the item's row, however the
  cells were laid out;
- prose (`ingest.prose`): "điều chuyển 01 (một) pháo ..., số hiệu 599838 từ A về B";
- the header block (`ingest.header`): document number and secrecy stamp;
- small scanners here for the quality grade and the repair level.
The most confident candidate wins; the same value read on several lines gains a little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator, Sequence

from rapidfuzz.distance import Levenshtein

from ingest.dates import find_document_date
from ingest.doctype import classify_doc_type
from ingest.header import classification, document_number
from ingest.labels import EARLIER_QUALIFIERS, LATER_QUALIFIERS, Hit, Line, is_leader_line, label_hits, split_lines, values_after
from ingest.prose import prose_values
from common.designations import normalize_designation
from common.identifiers import lookalike_key, serial_key
from ingest.chains import completed_chain
from ingest.tables import table_values
from ingest.types import FIELD_NAMES, FieldValue
from ingest.values import (
    GRADE_TOKEN, PARSERS, UNIT_WORDS, find_serial, grade_number, is_item_name, model_in_name, name_with_model, parse_repair_level, parse_year, read_unit_name,
    respell_maker, respell_name, respell_unit, serial_tokens, settle_country, settle_maker, settle_name,
)
from common.text import fold, fold_iy, has_marked_letters, merge_iy
from common.vocabulary import CLASSIFICATION_RANK, CLASSIFICATION_STAMPS, COUNTRIES, UNIT_BRANCHES, UNIT_TYPES

__all__ = ["extract_fields"]



@dataclass(frozen=True)
class _Candidate:
    field: str
    value: str | int
    confidence: float
    page: int
    order: int  # line order, to break ties


def _pick(candidates: Iterable[_Candidate], latest: bool = False) -> _Candidate | None:
    """Most confident; ties go to the earliest (or, for conclusions, the latest) line."""
    ranked = sorted(candidates, key=lambda c: (c.confidence, c.order if latest else -c.order))
    return ranked[-1] if ranked else None


# --- label candidates ----------------------------------------------------------------------

_UNIT_START = re.compile(rf"^\W*{UNIT_WORDS}")
_CONTINUED = re.compile(r"^[\s:;.,'`_\-]*[a-zà-ỹđ]")  # a wrapped value goes on in lower case


_UNIT_NUMBER_LINE = re.compile(r"^[\s:;.,'`_\-]*(?:[A-Za-z]{1,3})?\d{1,4}[A-Za-z]?[\s.,;]*$")  # "308", "K60"


def _continuation(line: Line, lines: list[Line], unit_without_number: bool = False) -> str:
    """A value wrapped onto the next line: "Nhà máy M1/Tổng cục Công nghiệp quốc" / "phòng"; a unit's number:
    "Trung đoàn bộ binh 36, Sư đoàn bộ binh" / "308"."""
    for following in lines[line.order + 1 : line.order + 3]:
        if following.page != line.page or is_leader_line(following):
            return ""
        if not following.text.strip():
            continue
        text = following.text.strip()
        if unit_without_number and _UNIT_NUMBER_LINE.match(text):
            return text.strip(" .,;:")
        if _CONTINUED.match(text) and len(text.split()) <= 3 and not label_hits(following):
            return re.sub(r"[\s.,:;|_\-]+$", "", re.sub(r"^[\s:;.,'`_\-]+", "", text))
        return ""
    return ""


def _ends_without_number(raw: str) -> bool:
    """A unit value whose last element is a type or a branch with its number still to come."""
    words = re.findall(r"[^\W_]+", raw)
    if not words or re.search(r"\d", words[-1]):
        return False
    key = fold_iy(words[-1])
    return key in _UNIT_TAIL_WORDS


_UNIT_TAIL_WORDS = frozenset(fold_iy(w) for phrase in (*UNIT_TYPES, *UNIT_BRANCHES) for w in re.split(r"[\s\-]+", phrase)[-1:])


_ODD = re.compile(r"[¬ˆ‘’„«»“”`~©®°•|{}\[\]<>=\\§$€£¿?!]")
_LEADER_TOKEN = re.compile(r"^[.…_\-—–·:]+$")
_ALNUM = re.compile(r"[^\W_]")
_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=8192)
def line_noise(text: str) -> float:
    """Share of a line's words that are OCR specks or garbage (leaders do not count)."""
    words = [w for w in text.split() if not _LEADER_TOKEN.match(w)]
    if not words:
        return 0.0
    junk = sum(1 for w in words if _ODD.search(w) or not _ALNUM.search(w))
    return junk / len(words)


def _letters_key(text: str) -> str:
    return _NOT_LETTER_OR_DIGIT.sub("", fold_iy(text))


def _hit_confidence(hit: Hit, parsed: str | int, raw: str, next_line: bool, source: Line) -> float:
    confidence = 0.9 if hit.strong else 0.75 if hit.weak else 0.85
    confidence -= min(0.2, 0.5 * line_noise(source.text))  # a garbled line reads less surely
    if isinstance(parsed, str) and hit.label.field != "serial_number" and _letters_key(parsed) not in _letters_key(raw):
        confidence -= 0.1  # OCR damage repaired (spacing, a unit type's letters)
    if next_line:
        confidence -= 0.05
    confidence -= 0.1 * hit.label.rank
    if hit.fuzzy:
        confidence -= 0.15
    words = set(hit.qualifier.split())
    if words & EARLIER_QUALIFIERS:
        confidence -= 0.3
    elif words and not words & LATER_QUALIFIERS:
        confidence -= 0.1
    if hit.label.field == "serial_number" and serial_key(str(parsed)) != serial_key(serial_tokens(raw)):
        confidence -= 0.15  # OCR look-alikes repaired
    return round(max(confidence, 0.05), 2)


_GRADE_IN_CELL = re.compile(rf"\bcap\s*[:.]?\s*{GRADE_TOKEN}")


def _despite_debris(field: str, value: str, rest: str) -> str | int | None:
    """A value that OCR debris hides: "Số đăng ky ena . P18-6643", "Số xuất xưởng - oe | 863023",
    "Cấp chất lượng ngà yên ... Cấp 1"."""
    if field == "serial_number":
        return find_serial(value) or find_serial(rest)
    if field == "quality_grade":
        match = _GRADE_IN_CELL.search(fold_iy(rest))
        return grade_number(match["g"]) if match else None
    if field == "year_of_manufacture":
        return parse_year(rest)
    if field in ("unit", "from_unit", "to_unit") and len(value.split()) <= 3:
        # "Đơn vị có tuong Bị | Sư đoàn bộ binh 308": the label's damaged end fills its cell, the unit is next
        return PARSERS[field](re.sub(r"^[^|]*\|", "", rest)) if "|" in rest else None
    return None


def _label_candidates(lines: list[Line]) -> Iterator[_Candidate]:
    for line in lines:
        if not line.text.strip():
            continue
        for hit in label_hits(line):
            field = hit.label.field
            if not field:
                continue
            if hit.value:
                found = _same_line_value(hit, lines)
                if found is None and field in _SHORT_VALUE_FIELDS and _is_speck(hit.value):
                    found = _next_line_value(hit, lines)  # "Số đăng ký. tà" / ". 539547": OCR specks, the value below
            elif hit.paren and field in ("unit", "from_unit", "to_unit"):
                parsed = PARSERS[field](hit.paren)
                found = (parsed, hit.paren, line, 0.0) if parsed is not None else None
            else:
                found = _next_line_value(hit, lines)
            if found is None:
                continue
            parsed, raw, source, penalty = found
            confidence = _hit_confidence(hit, parsed, raw, source is not line, source) - penalty
            yield _Candidate(field, parsed, round(confidence, 2), line.page, source.order)


_SHORT_VALUE_FIELDS = frozenset({"serial_number", "year_of_manufacture", "quality_grade", "designation"})


def _is_speck(value: str) -> bool:
    """A "value" of two or three stray letters and no digit: debris the scanner left after a label."""
    return not re.search(r"\d", value) and len(re.sub(r"[\W_]", "", value)) <= 3


# "3 |S6 xuất xưởng 10315-XB": in a ruled row ("3 |Label value"), the rule between the label
# cell and the value cell is glued to the value, read as "1", "I", "l", "!" or "[".
_BORDERED_ROW = re.compile(r"^\s*\d{1,2}\s*\|$")
_GLUED_BORDER = re.compile(r"^[1Il!\[|](?=[0-9A-Z]{3})")


def _same_line_value(hit: Hit, lines: list[Line]) -> tuple[str | int, str, Line, float] | None:
    field, raw = hit.label.field, hit.value
    if field in ("manufacturer", "name", "unit") and hit.line.key.rstrip().endswith(fold_iy(raw).rstrip()[-8:]):
        more = _continuation(hit.line, lines, field == "unit" and _ends_without_number(raw))  # only when the value runs to the end of the line
        raw = f"{raw} {more}" if more else raw
    if field == "serial_number" and hit.weak and _BORDERED_ROW.match(hit.line.key[: hit.start]):
        unglued = _GLUED_BORDER.sub("", raw)
        if unglued != raw and PARSERS[field](unglued) is not None:
            raw = unglued
    parsed = PARSERS[field](raw)
    if parsed is not None:
        return parsed, raw, hit.line, 0.0
    parsed = _despite_debris(field, raw, hit.rest)
    return (parsed, raw, hit.line, 0.1) if parsed is not None else None


_DATE_LINE = re.compile(r"\bngai\b.{0,12}\bthang\b|\b\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}\b")


def _next_line_value(hit: Hit, lines: list[Line]) -> tuple[str | int, str, Line, float] | None:
    """The value of a label alone on its line; a short value (serial, year, grade) may be a line further."""
    field = hit.label.field
    for index, (raw, source) in enumerate(values_after(hit, lines)):
        if index > 0 and field not in ("serial_number", "year_of_manufacture", "quality_grade", "designation"):
            break
        if field in ("from_unit", "to_unit", "unit") and not _UNIT_START.match(source.key) and not hit.strong:
            break
        if field == "year_of_manufacture" and _DATE_LINE.search(source.key):
            continue  # "Thái Nguyên, ngày 11 tháng 11 năm 1971": a date printed beside, no year of make
        if field in ("manufacturer", "name", "unit"):
            more = _continuation(source, lines, field == "unit" and _ends_without_number(raw))
            raw = f"{raw} {more}" if more else raw
        parsed = PARSERS[field](raw)
        if parsed is not None:
            return parsed, raw, source, 0.1 * index
    return None


def _table_candidates(lines: list[Line]) -> Iterator[_Candidate]:
    found_values = table_values(lines)
    # A row whose name cell reads as no item's name, or that gave no name, model or serial at all ("4 |OAitadaEao .
    # | B87 717198. 2 01": its grade is the row number) was read too badly to outweigh a sentence: it counts less.
    rows = {found.line.order for found in found_values}
    identified = {found.line.order for found in found_values
                  if (found.field == "name" and is_item_name(found.value)) or found.field in ("designation", "serial_number")}
    garbled = rows - identified
    for found in found_values:
        parsed = PARSERS[found.field](found.value)
        if parsed is not None:
            confidence = (0.8 if found.spaced else 0.7) - 0.2 * (found.line.order in garbled)
            yield _Candidate(found.field, parsed, confidence, found.line.page, found.line.order)


# --- quality grade and repair level --------------------------------------------------------

# "Cấp chất lượng sau sửa chữa: Cấp 2", and as OCR breaks it: "Cấp chất| (lượng sau khi chuyển; Cấp 2",
# "cấp chất lưng 2", "Cấp chất bông Cấp 1", "Cấp chất hrong sau khi chuyển: Cấp 3" (any short word for "lượng" when
# "Cấp <n>" follows, a qualifier between); "Cấp" of the value may lose its accented letters ("Cap chat luong: C02").
_GRADE_LABELLED = re.compile(
    rf"(?:\bcap[\W_]{{0,3}}chat[\W_]{{0,3}}(?:l[a-z]{{0,4}}|[a-z]{{2,5}}(?=(?:\s+[a-z]+){{0,4}}?[\s:;.…|]+cap\s*\d))|\bcap\s+cl\b|\bccl\b)(?P<qual>(?:\s+[a-z]+(?![a-z])){{0,4}}?)"
    rf"[\s:;.…|]*(?:la\s+|dat\s+)?(?:(?:cap|[cg][a-z0]?)\s*)?{GRADE_TOKEN}"
)
_NOT_A_GRADE_CONTEXT = {"ngai", "nam", "thang", "so", "lan", "sl"}  # "cấp chất lượng tính đến ngày 5"
_GRADE_BARE = re.compile(rf"(?<!sua chua )(?<!bao duong )\bcap\s+{GRADE_TOKEN}")


def _grade_in_line(line: Line) -> Iterator[tuple[int, float]]:
    yield from _grade_in_key(line.key)


def _grade_in_key(key: str) -> Iterator[tuple[int, float]]:
    for match in _GRADE_LABELLED.finditer(key):
        words = set(match["qual"].split())
        if words & _NOT_A_GRADE_CONTEXT:
            continue
        confidence = 0.55 if words & EARLIER_QUALIFIERS else 0.9 if words & LATER_QUALIFIERS else 0.85
        yield grade_number(match["g"]), confidence - 0.15 * (match["g"] == "l")
    if "chat luong" in key and not _GRADE_LABELLED.search(key):
        for match in _GRADE_BARE.finditer(key):
            yield grade_number(match["g"]), 0.7


_LABEL_BROKEN = re.compile(r"\bcap\W{0,3}chat\W*$")  # "Cấp chất" / ... / "lượng sau khi chuyển; Cấp 2"
_LABEL_REST = re.compile(r"^\W*l[a-z]{2,4}\b")
_BARE_GRADE = re.compile(rf"^\W*cap\s*{GRADE_TOKEN}\W*$")  # "Cấp 2" alone, in a two-column form
_EMPTY_GRADE_LABEL = re.compile(r"^\W*cap\W{0,3}chat\W{0,3}l[a-z]{0,4}\W*$")


_EMPTY_YEAR_LABEL = re.compile(r"^\W*nam\s*(?:san\s*xuat|xuat\s*xuong)\W*$")
_BARE_YEAR = re.compile(r"^\W*((?:19|20)\d\d)\W*$")


def _year_apart(lines: list[Line]) -> Iterator[_Candidate]:
    """"Năm sản xuất:" with nothing after it, and the year alone on a line further down the page
    (OCR reading a two-column form column by column)."""
    label: Line | None = None
    before: tuple[int, Line] | None = None  # a bare year just above: the value column read first
    for line in lines:
        bare = _BARE_YEAR.match(line.key)
        year = parse_year(bare.group(1)) if bare else None
        if _EMPTY_YEAR_LABEL.match(line.key):
            label = line
            if before is not None and before[1].page == line.page and line.order - before[1].order <= 8:
                yield _Candidate("year_of_manufacture", before[0], 0.5, before[1].page, before[1].order)
        elif year is not None:
            before = (year, line)
            if label is not None and label.page == line.page:
                yield _Candidate("year_of_manufacture", year, 0.55 if line.order - label.order > 8 else 0.6, line.page, line.order)
                label = None


_EMPTY_MAKER_LABEL = re.compile(r"^\W*(?:nha\s*san\s*xuat|nha\s*mai\s*san\s*xuat|hang\s*san\s*xuat)\W*$")
_BARE_MAKER = re.compile(r"^\W*nha\s+mai\b[^:]{0,40}$")
_EMPTY_COUNTRY_LABEL = re.compile(r"^\W*nuoc\s*san\s*xuat\W*$")
_COUNTRY_LINE = {fold_iy(country).lower(): country for country in COUNTRIES}  # a line that is a country and nothing else


def _maker_apart(lines: list[Line]) -> Iterator[_Candidate]:
    """"Nhà sản xuất:" with nothing after it, and "Nhà máy 282" alone further down the page; "Nước sản xuất:" so,
    and a line that is wholly a country ("Hoa Kỳ") within the next lines."""
    label: Line | None = None
    country_label: Line | None = None
    for line in lines:
        if _EMPTY_MAKER_LABEL.match(line.key):
            label = line
        elif label is not None and label.page == line.page and _BARE_MAKER.match(line.key):
            maker = PARSERS["manufacturer"](line.text)
            if maker is not None:
                yield _Candidate("manufacturer", maker, 0.5, line.page, line.order)
                label = None
        if _EMPTY_COUNTRY_LABEL.match(line.key):
            country_label = line
        elif country_label is not None and country_label.page == line.page and line.order - country_label.order <= 8:
            country = _COUNTRY_LINE.get(" ".join(re.sub(r"[^\w\s-]", " ", line.key).split()))
            if country is not None:
                yield _Candidate("country_of_origin", country, 0.5, line.page, line.order)
                country_label = None


_EMPTY_UNIT_LABEL = re.compile(merge_iy(r"^\W*don\s*vi\s*(?:quan\s*ly|su\s*dung|co\s*trang\s*bi|duoc\s*trang\s*bi)\W*$"))


def _unit_apart(lines: list[Line]) -> Iterator[_Candidate]:
    """"Đơn vị quản lý:" with nothing after it, and a line that is wholly a unit ("Nhà máy Z153") further down
    the page: OCR read a two-column form column by column."""
    label: Line | None = None
    for line in lines:
        if _EMPTY_UNIT_LABEL.match(line.key):
            label = line
            continue
        if label is None or line.page != label.page or line.order - label.order > 12:
            label = None
            continue
        text = line.text.strip(" .,:;_-|")
        unit = read_unit_name(text) if _UNIT_START.match(line.key) else None
        if unit is not None and fold_iy(unit).replace(" ", "") == fold_iy(text).replace(" ", "").replace(",", "").replace(";", ""):
            yield _Candidate("unit", unit, 0.5, line.page, line.order)
            label = None


def _quality_grade(lines: list[Line]) -> Iterator[_Candidate]:
    empty_label: Line | None = None
    for line in lines:
        for grade, confidence in _grade_in_line(line):
            yield _Candidate("quality_grade", grade, confidence, line.page, line.order)
        if _LABEL_BROKEN.search(line.key) and not _GRADE_LABELLED.search(line.key):
            # OCR split the label over lines, other text between: join it back to its end.
            for following in lines[line.order + 1 : line.order + 7]:
                if following.page == line.page and _LABEL_REST.match(following.key):
                    for grade, confidence in _grade_in_key("cap chat " + following.key.lstrip()):
                        yield _Candidate("quality_grade", grade, confidence - 0.1, following.page, following.order)
                    break
        if _EMPTY_GRADE_LABEL.match(line.key):
            empty_label = line
        elif empty_label is not None and empty_label.page == line.page:
            bare = _BARE_GRADE.match(line.key)
            if bare:  # the label's value printed apart from it: "Cấp chất lượng:" ... "Cấp 2"
                yield _Candidate("quality_grade", grade_number(bare["g"]), 0.55 if line.order - empty_label.order > 8 else 0.6, line.page, line.order)


_REPAIR_SCAN = re.compile(merge_iy(r"sua\s+chua\s+(nho|vua|lon)\b|\b(scn|scv|scl)\b|\b(tieu|trung|dai)\s+tu\b"))


def _repair_level(lines: list[Line], doc_type: str, title_order: int | None) -> Iterator[_Candidate]:
    if doc_type not in ("repair", "other"):
        return
    for line in lines:
        for match in _REPAIR_SCAN.finditer(line.key):
            level = parse_repair_level(match.group())
            if level is None:
                continue
            confidence = 0.9 if line.order == title_order else 0.75
            if doc_type == "other":
                confidence -= 0.25
            yield _Candidate("repair_level", level, confidence, line.page, line.order)


# --- items named in prose, noun first ------------------------------------------------------

_MODEL = r"[A-ZĐ][A-Za-z]{0,5}-?\d{1,4}[A-Z]{0,3}(?:-\d{1,3})?(?![\w-])"
_MODEL_RE = re.compile(rf"\b({_MODEL})")
_EQUIPMENT_NOUN = merge_iy(r"(?:xe|sung|phao|dai|tau|ten\s+lua|he\s+thong|tram|thiet\s+bi|khi\s+tai|kinh|o\s+to|may)\b")
_PROSE_ITEM = re.compile(
    rf"(?<![a-z])(?<!nha )(?P<name>{_EQUIPMENT_NOUN}[^,;:()]{{0,40}}?\s+(?P<model>[a-z]{{1,6}}-?\d{{1,4}}[a-z]{{0,3}}(?:-\d{{1,3}})?)(?![\w-]))"
    r"(?:\s+(?P<alias>[a-z]{3,12})(?=\s*(?:[,;:(.]|$)))?"  # the model's popular name closing the phrase: "BM-21 Grad,"
)
_REFERENCE_LINE = re.compile(merge_iy(r"^\W*(can\s+cu|xet|theo)\b"))


def _prose_items(lines: list[Line]) -> Iterator[_Candidate]:
    for line in lines:
        if _REFERENCE_LINE.match(line.key):
            continue
        for match in _PROSE_ITEM.finditer(line.key):
            model = line.original(match.start("model"), match.end("model"))
            if not re.fullmatch(_MODEL, model):
                continue  # the printed model is upper case; "xe số 3" is not one
            name = line.original(match.start("name"), match.end("name"))
            alias = line.original(match.start("alias"), match.end("alias")) if match.group("alias") else ""
            if alias.isascii() and alias.istitle():  # a Latin proper name, not a Vietnamese word that lost its marks
                name = f"{name} {alias}"
            yield _Candidate("name", name, 0.5, line.page, line.order)
            yield _Candidate("designation", model, 0.5, line.page, line.order)


# --- assembly ------------------------------------------------------------------------------


def _doc_type(pages: Sequence[str]) -> tuple[str, float, str | None, int]:
    """The type, its confidence, the title and the 1-based page it was read from."""
    for number, page in enumerate(pages, start=1):
        doc_type, confidence, title = classify_doc_type(page)
        if title is not None:
            return doc_type, confidence - 0.05 * (number > 1), title, number
    doc_type, confidence, title = classify_doc_type("\n".join(pages))
    return doc_type, confidence, title, 1


def _document_date(pages: Sequence[str]) -> FieldValue | None:
    best: FieldValue | None = None
    for number, page in enumerate(pages, start=1):
        found = find_document_date(page)
        if found is None:
            continue
        confidence = round(found[1] - 0.1 * (number > 1), 2)
        if best is None or confidence > best.confidence:
            best = FieldValue(found[0].isoformat(), confidence, number)
    return best


def _title_order(lines: list[Line], title: str | None, page: int) -> int | None:
    for line in lines:
        stripped = line.text.strip()
        if title and line.page == page and stripped and title.startswith(stripped):
            return line.order
    return None


def _vote_key(field: str, value: str | int) -> str:
    if field in ("serial_number", "designation"):
        return serial_key(str(value))
    return " ".join(fold(str(value)).replace(",", " ").split())


def _best(candidates: list[_Candidate]) -> dict[str, FieldValue]:
    """The winner per field; a value read the same way on other lines gains a little."""
    chosen: dict[str, FieldValue] = {}
    for field in FIELD_NAMES:
        pool = [c for c in candidates if c.field == field]
        if not pool:
            continue
        if field in ("quality_grade", "repair_level", "classification", "document_number"):
            best = _pick(pool, latest=field == "quality_grade")
            assert best is not None
            chosen[field] = FieldValue(best.value, round(min(best.confidence, 0.99), 2), best.page)
            continue
        lines_by_key: dict[str, set[int]] = {}
        for c in pool:
            lines_by_key.setdefault(_vote_key(field, c.value), set()).add(c.order)
        boosted = [
            _Candidate(c.field, c.value, min(c.confidence + 0.04 * min(len(lines_by_key[_vote_key(field, c.value)]) - 1, 2), 0.99), c.page, c.order)
            for c in pool
        ]
        best = _pick(boosted)
        assert best is not None
        chosen[field] = FieldValue(best.value, round(best.confidence, 2), best.page)
    return chosen


_PHRASE_STOP = re.compile(r"[:;(){}\[\]„«»“”\"'`‘’|_=+*<>/\\]|\.{2,}|…|^\W+$|^\d+[.,]?$")  # a leader ends the phrase: "Kiểu loại...... VRS-2M"


def _name_ending_with(model: str, lines: list[Line]) -> FieldValue | None:
    """No readable name label: the phrase that ends with the model ("O08 (BK occ „ «.: Pháo lựu 122mm M- 30")."""
    key = serial_key(model)
    for line in lines:
        words = line.text.split()
        for index in range(len(words)):
            for span in (1, 2, 3):
                if serial_key("".join(words[index : index + span]).rstrip(".,")) != key:
                    continue
                phrase: list[str] = []
                for word in reversed(words[:index]):
                    if _PHRASE_STOP.search(word) or len(phrase) == 7:
                        break
                    phrase.insert(0, word)
                while phrase and not phrase[0][:1].isupper():
                    phrase.pop(0)
                if len(phrase) >= 2:
                    name = PARSERS["name"](" ".join([*phrase, *words[index : index + span]]))
                    if name:
                        return FieldValue(name, 0.4, line.page)
                break
    return None


def _misread_model(designation: str, in_name: str) -> bool:
    """"1-55" beside a name ending in "T-55": one character apart, and only the name's reading
    opens with a letter as models do."""
    a, b = serial_key(designation), serial_key(in_name)
    return a != b and Levenshtein.distance(a, b) == 1 and a[:1].isdigit() and b[:1].isalpha()


def _derived(found: dict[str, FieldValue], doc_type: str, lines: list[Line]) -> dict[str, FieldValue]:
    extra: dict[str, FieldValue] = {}
    name = found.get("name")
    designation = found.get("designation")
    if name is None and designation is not None:
        name = _name_ending_with(str(designation.value), lines)
        if name is not None:
            extra["name"] = name
    model = _MODEL_RE.search(str(name.value)) if name is not None else None
    if name is not None and model and (designation is None or designation.confidence < 0.6):
        extra["designation"] = FieldValue(model.group(1), 0.6, name.page)
    elif model and designation is not None and _misread_model(str(designation.value), model.group(1)):
        extra["designation"] = FieldValue(model.group(1), round(min(designation.confidence, name.confidence) - 0.1, 2), name.page)
    to_unit, unit = found.get("to_unit"), found.get("unit")
    weak_unit = unit is None or unit.confidence < 0.7
    if weak_unit and to_unit is not None and doc_type in ("transfer", "handover"):
        extra["unit"] = FieldValue(to_unit.value, round(min(to_unit.confidence, 0.7), 2), to_unit.page)
    return extra


_STAMPED = {"classification", "document_number"}


def _image_stamp_candidates(image_stamps: Sequence[tuple[int, str, float]]) -> Iterator[_Candidate]:
    """Stamps found on the page images, (page, level, confidence): a level is a classification value
    ("secret") or the stamp's words ("TỐI MẬT"); anything else is no stamp. They compete with the text's."""
    by_words = {fold_iy(words): level for level, words in CLASSIFICATION_STAMPS.items()}
    for page, level, confidence in image_stamps:
        value = level if level in CLASSIFICATION_RANK and level != "unclassified" else by_words.get(" ".join(fold_iy(level).split()))
        if value is None:
            continue
        bonus = CLASSIFICATION_RANK[value] / 100  # the highest stamp wins among equals, as for text stamps
        yield _Candidate("classification", value, round(min(max(float(confidence), 0.0), 0.98) + bonus, 2), int(page), -1)


def extract_fields(pages: Sequence[str], *, image_stamps: Sequence[tuple[int, str, float]] = ()) -> dict[str, FieldValue]:
    """Every field of `ingest.types.FIELD_NAMES` found in the pages; missing fields are omitted.

    `image_stamps`: secrecy stamps image analysis found, (1-based page, level, confidence), read beside
    the stamps in the text; the most confident reading wins, an unread stamp leaves the field out."""
    pages = [page or "" for page in pages]
    lines = split_lines(pages)
    doc_type, type_confidence, title, title_page = _doc_type(pages)
    candidates = [
        *_label_candidates(lines),
        *_table_candidates(lines),
        *(_Candidate(v.field, v.value, v.confidence, v.page, v.order) for v in document_number(lines)),
        *(_Candidate(v.field, v.value, v.confidence, v.page, v.order) for v in classification(lines)),
        *_image_stamp_candidates(image_stamps),
        *_quality_grade(lines),
        *_year_apart(lines),
        *_maker_apart(lines),
        *_unit_apart(lines),
        *_repair_level(lines, doc_type, _title_order(lines, title, title_page)),
        *(_Candidate(v.field, v.value, v.confidence, v.page, v.order) for v in prose_values(pages, doc_type)),
        *_prose_items(lines),
    ]
    if doc_type not in ("repair", "other"):
        candidates = [c for c in candidates if c.field != "repair_level"]
    # A page full of OCR specks makes every reading on it less sure.
    texts = [line.text for line in lines if line.text.strip()]
    noise = sum(map(line_noise, texts)) / len(texts) if texts else 0.0
    if noise > 0.02:
        penalty = min(0.15, noise)
        candidates = [
            c if c.field in _STAMPED else _Candidate(c.field, c.value, max(0.05, c.confidence - penalty), c.page, c.order)
            for c in candidates
        ]
    candidates = [c for c in candidates if c.field != "name" or is_item_name(str(c.value))]
    found = _best(candidates)
    found["doc_type"] = FieldValue(doc_type, round(type_confidence, 2), title_page)
    if title:
        found["title"] = FieldValue(title, round(type_confidence, 2), title_page)
    document_date = _document_date(pages)
    if document_date is not None:
        found["document_date"] = document_date
    found.update(_derived(found, doc_type, lines))
    marked_page = has_marked_letters(pages)
    if marked_page:
        for field in ("unit", "from_unit", "to_unit"):
            unit = found.get(field)
            if unit is not None and not any(not ch.isascii() for ch in str(unit.value)):
                found[field] = FieldValue(respell_unit(str(unit.value)), unit.confidence, unit.page)
    for field in ("unit", "from_unit", "to_unit"):
        unit = found.get(field)
        completed = completed_chain(str(unit.value), lines) if unit is not None else None
        if completed is not None:
            found[field] = FieldValue(completed, unit.confidence, unit.page)
    name = found.get("name")
    if name is not None and marked_page:
        found["name"] = name = FieldValue(respell_name(str(name.value)), name.confidence, name.page)
    for field in ("manufacturer", "country_of_origin"):
        maker = found.get(field)
        if maker is not None and marked_page:
            found[field] = maker = FieldValue(respell_maker(str(maker.value)), maker.confidence, maker.page)
        if maker is not None:
            settle = settle_country if field == "country_of_origin" else settle_maker
            found[field] = FieldValue(settle(str(maker.value)), maker.confidence, maker.page)
    if name is not None and str(name.value)[:1].islower():
        # read mid-sentence ("điều chuyển 01 pháo lựu 122mm M-30"): a name stands capitalised, as logbooks print it
        text = str(name.value)
        found["name"] = FieldValue(text[:1].upper() + text[1:], name.confidence, name.page)
    designation = found.get("designation")
    if designation is not None:  # whichever reader found it, the catalogue form: "T55" → "T-55"
        catalogued = normalize_designation(str(designation.value))
        if catalogued:
            found["designation"] = designation = FieldValue(catalogued, designation.confidence, designation.page)
    name = found.get("name")
    if name is not None and designation is not None:
        model = model_in_name(str(name.value), str(designation.value))
        if model is not None:
            found["designation"] = designation = FieldValue(model, designation.confidence, designation.page)
    if name is not None:  # its model as the designation where OCR bent it, its noun as the vocabulary spells it
        settled = settle_name(str(name.value), str(designation.value) if designation else None, marks=marked_page)
        if designation is not None:
            settled = name_with_model(settled, str(designation.value))
        found["name"] = FieldValue(settled, name.confidence, name.page)
    serial = found.get("serial_number")
    if serial is not None and designation is not None:
        found["serial_number"] = FieldValue(serial_with_model(str(serial.value), str(designation.value)),
                                            serial.confidence, serial.page, serial.source)
    return {name: found[name] for name in FIELD_NAMES if name in found}


def serial_with_model(serial: str, designation: str) -> str:
    """A serial that opens with the item's model ("T54B-0808" of a T-54B) gets the model's letters back where
    OCR read a look-alike ("T548-0808"): the designation, read elsewhere on the page, says which it is."""
    head, dash, rest = serial.partition("-")
    model = designation.replace("-", "")
    if len(model) < 3 or head == model:
        return serial
    split = _model_split(serial, model) if not serial.startswith(designation + "-") else None
    if split is not None:
        return split
    if "-" in designation and serial[len(designation) : len(designation) + 1] == "-":
        # "ZAL-131-70934" of a ZIL-131: the model printed with its own dash opens the serial
        printed, number = serial[: len(designation)], serial[len(designation) + 1 :]
        if serial_key(printed) != serial_key(designation) and re.fullmatch(r"\d{3,6}", number) and \
                _near_model(_model_shape(printed.replace("-", "")), _model_shape(model)):
            return f"{_as_cased(designation, printed)}-{number}"
    # "số hiệu - 3 / P19-7883": a speck before the label's line break; "Sốxuấtxưởng . ST P18-2132": two letters of
    # debris where the label ran into its leader.
    if (len(head) == 1 or (len(head) == 2 and head.isalpha())) and rest.partition("-")[2] and \
            serial_with_model(rest, designation).startswith(model + "-"):
        return serial_with_model(rest, designation)
    if not dash:  # "VRUB127230": a misread model and its dash lost with it, the number after it whole
        head, rest = serial[: len(model)], serial[len(model):]
        if not re.fullmatch(r"\d{3,6}", rest):
            return serial
    if serial_key(head) != serial_key(model) and _near_model(_model_shape(head), _model_shape(model)):
        return f"{_as_cased(model, head)}-{rest}"
    return serial


def _model_split(serial: str, model: str) -> str | None:
    """"VRC81-1-2714", "PRV1-3-5273": a dash OCR read inside the model that opens the serial (VRC811, PRV13)."""
    at = 0
    for letter in model:
        if serial[at : at + 1] == "-":
            at += 1
        if serial[at : at + 1] != letter:
            return None
        at += 1
    number = serial[at + 1 :]
    if serial[at : at + 1] != "-" or "-" not in serial[:at] or not re.fullmatch(r"\d{3,6}", number):
        return None
    return f"{model}-{number}"


def _as_cased(model: str, printed: str) -> str:
    """The model as the serial prints it: in capitals when the serial's letters are ("KRAZ-2558-07009")."""
    return model.upper() if not any(ch.islower() for ch in printed) else model


def _near_model(head: str, model: str) -> bool:
    """The same model under OCR's look-alikes; a model of five or more characters may also have one more
    letter misread ("VRUSI2" for VRU812): its other letters and the designation beside it still say which."""
    if len(head) != len(model):
        return False
    differing = sum(a != b for a, b in zip(head, model))
    return differing == 0 or (differing == 1 and len(model) >= 5 and head[0] == model[0])


def _model_shape(text: str) -> str:
    """The look-alike key, with T, 7 and 1 one too: a model's T opening a serial is read as 7 or 1 ("762-6615",
    "162-9145" of a T-62)."""
    return lookalike_key(text).replace("T", "7").replace("1", "7")
