"""Printed field labels ("Số hiệu", "Đơn vị quản lý", ...) and the values they introduce.

Labels are found on folded text (marks stripped, đ→d, y→i) so that OCR's lost or confused
diacritics still match; spaces inside a label are optional ("Sốhiệu", "TênVKTBKT") and a
label with one or two wrong letters is accepted where a delimiter (":" or a dotted leader)
says a label ends there. A value is cut from the printed text after the label, trimmed of
leaders and OCR debris, and stopped at the next label; a label printed alone on its line
(dotted-leader forms, one-cell-per-line text layers) takes its value from the next line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from rapidfuzz.distance import Levenshtein

from common.text import fold_iy, fold_map
from ingest.values import UNIT_WORDS, parse_grade, parse_year, repair_doan_types

__all__ = ["Hit", "Label", "Line", "LABELS", "clean_value", "is_leader_line", "label_hits", "split_lines", "values_after"]


# --- lines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    page: int  # 1-based
    number: int  # 0-based line index within the page
    order: int  # position in the whole document
    text: str  # as printed (NFC)
    key: str  # fold_iy(text); key[a:b] is text[offsets[a]:offsets[b]]
    offsets: tuple[int, ...]
    rank: int  # 0-based index among the page's non-blank lines

    def original(self, start: int, end: int) -> str:
        return self.text[self.offsets[start] : self.offsets[end]]


def split_lines(pages: Sequence[str]) -> list[Line]:
    lines: list[Line] = []
    for page_number, page in enumerate(pages, start=1):
        rank = 0
        for number, printed in enumerate((page or "").splitlines()):
            text, key, offsets = _line_forms(printed)
            lines.append(Line(page_number, number, len(lines), text, key, offsets, rank))
            rank += bool(text.strip())
    return lines


@lru_cache(maxsize=8192)
def _line_forms(printed: str) -> tuple[str, str, tuple[int, ...]]:
    """A line as the rules read it: unit types repaired, folded, and where each folded character came from. Forms
    repeat their headings and labels on every paper (six lines in ten of a batch of dossiers), so each is made once."""
    text = repair_doan_types(printed)
    key, offsets = fold_map(text, iy=True)
    return text, key, tuple(offsets)


# --- the label table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    field: str  # "" for labels that only end the previous value
    printed: str
    rank: int = 0  # 0 preferred wording, 1 fallback wording

    @property
    def key(self) -> str:
        return fold_iy(self.printed)


LABELS: tuple[Label, ...] = (
    Label("name", "Tên trang bị"),
    Label("name", "Tên TBKT"),
    Label("name", "Tên VKTBKT"),
    Label("name", "Tên vũ khí trang bị"),
    Label("name", "Tên vũ khí"),
    Label("name", "Tên xe"),
    Label("name", "Tên gọi"),
    Label("name", "Trang bị", 1),
    Label("designation", "Ký hiệu"),
    Label("designation", "Kiểu loại"),
    Label("designation", "Mã hiệu"),
    Label("designation", "Kiểu"),
    Label("designation", "Loại xe", 1),
    Label("designation", "Nhãn hiệu", 1),
    Label("serial_number", "Số hiệu trang bị"),
    Label("serial_number", "Số hiệu"),
    Label("serial_number", "Số đăng ký"),
    Label("serial_number", "Số xuất xưởng"),
    Label("serial_number", "Số seri"),
    Label("serial_number", "Số máy", 1),
    Label("serial_number", "Số khung", 1),
    Label("serial_number", "Biển số", 1),
    Label("serial_number", "Biển kiểm soát", 1),
    Label("serial_number", "BKS", 1),
    Label("manufacturer", "Nhà máy sản xuất"),
    Label("manufacturer", "Nhà sản xuất"),
    Label("manufacturer", "Hãng sản xuất"),
    Label("manufacturer", "Cơ sở sản xuất", 1),
    Label("country_of_origin", "Nước sản xuất"),
    Label("country_of_origin", "Quốc gia sản xuất"),
    Label("country_of_origin", "Xuất xứ", 1),
    Label("country_of_origin", "Nơi sản xuất", 1),
    Label("year_of_manufacture", "Năm sản xuất"),
    Label("year_of_manufacture", "Năm xuất xưởng"),
    Label("year_of_manufacture", "Năm SX", 1),
    Label("year_of_manufacture", "Ngày sản xuất", 1),
    Label("year_of_manufacture", "Ngày xuất xưởng", 1),
    Label("unit", "Đơn vị quản lý"),
    Label("unit", "Đơn vị sử dụng"),
    Label("unit", "Đơn vị có trang bị"),
    Label("unit", "Đơn vị được trang bị"),
    Label("unit", "Đơn vị", 1),
    Label("quality_grade", "Cấp chất lượng"),
    Label("quality_grade", "Cấp CL", 1),
    Label("quality_grade", "CCL", 1),
    Label("repair_level", "Cấp sửa chữa"),
    Label("repair_level", "Hình thức sửa chữa"),
    Label("repair_level", "Mức sửa chữa"),
    Label("repair_level", "Loại sửa chữa"),
    Label("from_unit", "Đơn vị giao"),
    Label("from_unit", "Bên giao"),
    Label("from_unit", "Đơn vị chuyển đi"),
    Label("from_unit", "Đơn vị đi", 1),
    Label("to_unit", "Đơn vị nhận"),
    Label("to_unit", "Bên nhận"),
    Label("to_unit", "Đơn vị tiếp nhận"),
    Label("to_unit", "Đơn vị chuyển đến"),
    Label("to_unit", "Đơn vị đến", 1),
    Label("", "Đơn vị tính"),
    Label("", "Số lượng"),
    Label("", "Ghi chú"),
    Label("", "Tình trạng"),
    Label("", "Số TT"),
    Label("", "Số giờ hoạt động"),
    Label("", "Số giờ động cơ"),
    Label("", "Số km"),
    Label("", "Km đã chạy"),
    Label("", "Số phát bắn"),
    Label("", "Đồng bộ"),
    Label("", "Đại diện"),
    Label("", "Loại bảo dưỡng"),
    Label("", "Ngày nhận"),
    Label("", "Hình thức niêm cất"),
    Label("", "Thời hạn niêm cất"),
    Label("", "Hồ sơ kèm theo"),
    Label("", "Kết luận"),
    Label("", "Kết quả"),
)
_BY_KEY: dict[str, Label] = {label.key: label for label in LABELS}
_SPACELESS: dict[str, Label] = {key.replace(" ", ""): label for key, label in _BY_KEY.items()}
assert len(_SPACELESS) == len(_BY_KEY), "two labels differ only by spaces"
# The labels of five letters or more by length (with their order above): a damaged label is compared only with
# those within two letters of its own length.
_SPACELESS_BY_LENGTH: dict[int, list[tuple[int, str, Label]]] = {}
for _entry in ((order, folded, label) for order, (folded, label) in enumerate(_SPACELESS.items()) if len(folded) >= 5):
    _SPACELESS_BY_LENGTH.setdefault(len(_entry[1]), []).append(_entry)


def _label_pattern(key: str) -> str:
    # Spaces inside a label are optional: OCR drops them ("Sốhiệu", "Đơnvịsửdụng"), or puts a colon there ("Đơn: VỊ:").
    return r"[\s.\-]*".join(re.escape(word) for word in key.split()).replace(r"[\s.\-]*", r"(?:[\s.\-]|:(?=\s*\w))*")


_ALTERNATION = "|".join(_label_pattern(k) for k in sorted(_BY_KEY, key=len, reverse=True))
_PAREN = r"\s*\([^)\n]{0,40}\)"
# Dotted leaders as printed and as OCR reads them: "....", "……", "-----", "____", ". . .".
_LEADER = r"(?:[.…·_]\s?){2,}|-{3,}|[—–]{2,}"
_LABEL_RE = re.compile(
    rf"(?<![a-z0-9])(?P<label>{_ALTERNATION})"
    rf"(?:(?P<paren>{_PAREN})?(?P<delim>\s*[:：;](?!\s*$)|\s*[:：]|[\s,]*(?:{_LEADER})[\s:：]*|\s*\||[ \t]{{2,}}|\t|\s*$|(?P<weak>[.,]?[ ](?=\S)))"
    rf"|(?P<qual>(?:\s+[a-z]{{1,7}}){{1,3}})(?P<qparen>{_PAREN})?\s*(?P<qdelim>[:：]))"
)
_BULLET = re.compile(r"^\s*(?:[-+*•·–]|\d{1,2}\s*[.)/]|[a-z]\s*[.)]|[ivx]{1,4}\s*[.)])?\s*$")
_AFTER_SEPARATOR = re.compile(rf"(?:\s{{2,}}|\t|[|;,]\s*|(?:{_LEADER})\s*)$")
# What may precede a label at the start of a line: bullets, row numbers, table rules, specks.
_LINE_START = re.compile(r"^[\W\d_]{0,10}$")
_CODED = {"serial_number", "designation", "year_of_manufacture", "quality_grade"}
_MISREAD_ROW_NUMBER = re.compile(r"^[\W\d_]{0,4}(?!tt\W)[a-z]{1,2}[\W_]{0,6}\s$")  # "TT" heads a table
_AFTER_CELL = re.compile(r"\S\s*[|;]\s+$")
LATER_QUALIFIERS = {"moi", "hien", "nai", "sau"}
EARLIER_QUALIFIERS = {"cu", "truoc", "goc"}


@dataclass(frozen=True)
class Hit:
    """A label found on a line and the printed value it introduces (possibly empty)."""

    label: Label
    line: Line
    start: int  # key offsets
    end: int
    value: str
    strong: bool  # followed by ":" or a dotted leader
    fuzzy: bool
    qualifier: str = ""
    paren: str = ""
    weak: bool = False  # a label at the start of a line followed by a single space
    rest: str = ""  # everything printed after the label up to the next one, uncut


@dataclass(frozen=True)
class _Raw:
    label: Label
    start: int
    end: int
    strong: bool
    qualifier: str
    paren: str
    weak: bool
    fuzzy: bool


def _weak_allowed(line: Line, start: int, label: Label) -> bool:
    """"2 |Kiểu VRU-812", "Trang bị Xe tăng T-55": a label opening a line, no delimiter.

    Only at the start of a line, and only when the label is capitalised or a row number or
    table rule comes before it, so that a sentence wrapped onto "trang bị theo quy định" is
    not read as a label.
    """
    before = line.key[:start]
    printed = line.original(start, start + 1)
    # A row number OCR read as a letter or two ("si Số xuất xưởng 2T-9256" for "3 | Số xuất xưởng"), only
    # before a capitalised label of a coded value: "và số hiệu" in a sentence stays prose, and a table's
    # header ("TẾ Tên trang bị - Ký hiệu - Số hiệu") is no name.
    # The unit's value must read as a unit's name, so a unit label may follow a misread number too ("tị Don vị
    # có trang bị Tiểu đoàn 14").
    coded = printed.isupper() and (label.field in _CODED or label.field == "unit")
    misread_number = coded and bool(_MISREAD_ROW_NUMBER.match(before))
    if not (_LINE_START.match(before) or misread_number or _second_cell(line, start, label)) or not label.field:
        return False
    if not any(ch.islower() or ch.isdigit() for ch in line.text):
        return False  # a heading in capitals: "TRANG BỊ KỸ THUẬT"
    return printed.isupper() or bool(re.search(r"[\d|]", before))


def _second_cell(line: Line, start: int, label: Label) -> bool:
    """A coded value's capitalised label after a cell's separator: "Kiểu loại: R-123M ; Số đăng ký. 243062"."""
    return (label.field in _CODED and line.original(start, start + 1).isupper()
            and bool(_AFTER_CELL.search(line.key[:start])))


_LABEL_GAPS = re.compile(r"[\s.\-:]+")
_STRONG_DELIMITER = re.compile(rf"[:：;]|{_LEADER}")


def _exact_hits(line: Line) -> list[_Raw]:
    found: list[_Raw] = []
    for match in _LABEL_RE.finditer(line.key):
        label = _SPACELESS[_LABEL_GAPS.sub("", match["label"])]
        delim = match["delim"] if match["delim"] is not None else match["qdelim"]
        strong = bool(_STRONG_DELIMITER.search(delim))  # OCR reads a colon as ";" ("Tên trang bị; Xe tăng")
        weak = match["weak"] is not None
        before = line.key[: match.start()]
        if weak:
            if not _weak_allowed(line, match.start(), label):
                continue
        elif not strong and not (_BULLET.match(before) or _AFTER_SEPARATOR.search(before) or _LINE_START.match(before)):
            continue
        qualifier = (match["qual"] or "").strip()
        group = "paren" if match["paren"] else "qparen" if match["qparen"] else None
        paren_text = line.original(match.start(group), match.end(group)) if group else ""
        found.append(_Raw(label, match.start(), match.end(), strong, qualifier, paren_text, weak, False))
    return found


_S_LOOKALIKES = str.maketrans("$§", "ss")


def _fuzzy_label(words: list[str], leader: bool, value: str = "") -> tuple[Label, int] | None:
    """The label that the last words before a delimiter misprint, and how many words it takes.

    "S0 hieu", "Nam san xuai", "Don Vi SU HUNG", "Sốiệu", "S6 hiéu trang bi": one or two
    wrong letters, more for long labels and before a dotted leader (which says a label ends
    there). The longest label that fits wins: "S6 hiéu trang bi" is "Số hiệu trang bị", not
    "Trang bị".
    """
    best: tuple[float, Label, int] | None = None
    for count in range(1, min(5, len(words)) + 1):  # "Đơn vị có trang bị": five words
        found = _closest_label(_NOT_LETTER.sub("", "".join(words[-count:]).translate(_S_LOOKALIKES)), leader, value)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], found[1], count)
    return (best[1], best[2]) if best else None


def _closest_label(spaceless: str, leader: bool, value: str = "") -> tuple[float, Label] | None:
    """The nearest label whose value may be `value`: "gấxuẩtxưởng. . VRU812-9369" is as near "Năm xuất xưởng"
    as "Số xuất xưởng", and only the value tells them apart."""
    return next((found for found in _near_labels(spaceless, leader) if _value_fits(found[1].field, value)), None)


@lru_cache(maxsize=8192)
def _near_labels(spaceless: str, leader: bool) -> tuple[tuple[float, Label], ...]:
    """Labels within a letter or two of `spaceless`, nearest (and longest) first."""
    if len(spaceless) < 5 or len(spaceless) > 24:
        return ()
    near: list[tuple[float, int, Label]] = []
    for length in range(len(spaceless) - 2, len(spaceless) + 3):
        for order, folded, label in _SPACELESS_BY_LENGTH.get(length, ()):
            allowed = 2 if length >= 10 or (leader and length >= 8) else 1
            distance = Levenshtein.distance(spaceless, folded, score_cutoff=allowed)
            if distance <= allowed:
                near.append((length - 3 * distance, order, label))
    near.sort(key=lambda found: (-found[0], found[1]))  # ties in the labels' own order
    return tuple((score, label) for score, _order, label in near)


def _value_fits(field: str, value: str) -> bool:
    """A year's or a grade's label is followed by a year or a grade (or by nothing on its line)."""
    parse = _SHAPE_PARSERS.get(field)
    if parse is None:
        return True
    value = clean_value(value)
    return not value or parse(value) is not None


_SHAPE_PARSERS = {"year_of_manufacture": parse_year, "quality_grade": parse_grade}


# A colon, a leader, a ruled form's cell rule; before a unit's name, a full stop (the colon as OCR reads it:
# "Don vicédtrang bi. Tiéu doan 3"), which ends only a unit's label.
_FUZZY_END = re.compile(rf"[:：]|,?\s*(?:{_LEADER})|(?<=\S)\W?\s*\||\.(?=\s+{UNIT_WORDS})")
_UNIT_FIELDS = ("unit", "from_unit", "to_unit")
_CHUNK_START = re.compile(rf"(?:[:：|\t]|\s{{2,}}|{_LEADER})[^:：|\t]*?$")
_CHUNK_SEPARATOR = re.compile(rf"(?:[:：|\t]|\s{{2,}}|{_LEADER})")
_WORD = re.compile(r"\S+")
_LETTER_OR_DOLLAR = re.compile(r"[a-z$§]")
_DIGIT = re.compile(r"\d")
_COLON_OR_RULE = re.compile(r"[:：|]")
_ENDS_WITH_COLON = re.compile(r"[:：]\s*$")
_LEADING_NON_LETTERS = re.compile(r"^(?:(?![$§])[\W\d_])+")
_LABEL_TAIL = re.compile(r"[\s.…·_:：\-—–]*")
_NOT_LETTER = re.compile(r"[^a-z]")


def _fuzzy_hits(line: Line) -> list[_Raw]:
    """Labels too damaged to match exactly, where a ":" or a leader marks their end."""
    found: list[_Raw] = []
    for end in _FUZZY_END.finditer(line.key):
        before = line.key[: end.start()]
        chunk_start = 0
        boundary = _CHUNK_START.search(before)
        if boundary:
            chunk_start = boundary.start() + len(_CHUNK_SEPARATOR.match(before[boundary.start() :]).group())
        words = [(m.start() + chunk_start, m.group()) for m in _WORD.finditer(before[chunk_start:])]
        words = [(i, w) for i, w in words if _LETTER_OR_DOLLAR.search(w)]  # "$6 hiệu": an S read as a dollar sign
        if not words or len(_DIGIT.findall(words[-1][1])) >= 2:
            continue  # a value ("6D-6172....") ends here, not a label
        leader = not _COLON_OR_RULE.search(end.group())
        fuzzy = _fuzzy_label([w for _, w in words], leader, line.original(end.end(), len(line.key)))
        if fuzzy is None:
            continue
        label, count = fuzzy
        if end.group() == "." and label.field not in _UNIT_FIELDS:
            continue
        label_start = words[-count][0]
        label_start += len(line.key[label_start:]) - len(_LEADING_NON_LETTERS.sub("", line.key[label_start:]))
        prefix = line.key[:label_start]
        # Two fields on one line apart by a single space: "Nước sản xuất: Liên Xô Nan sản xuất: 1982", "Kiểu
        # loại: M30 $6 hiệu: 4G-0587" (a short label too where its value has a shape to check).
        initial = line.original(label_start, label_start + 1)
        capitalised = (count >= 2 and (len(label.key) >= 8 or label.field in _CODED) and ":" in end.group()
                       and (initial.isupper() or initial in "$§"))
        if prefix.strip() and not (
            _AFTER_SEPARATOR.search(prefix) or _LINE_START.match(prefix) or _ENDS_WITH_COLON.search(prefix) or len(words) == count or capitalised
        ):
            continue
        tail = _LABEL_TAIL.match(line.key[end.end() :])
        found.append(_Raw(label, label_start, end.end() + (tail.end() if tail else 0), True, "", "", False, True))
    return found


# Fields whose values have a shape their parsers check (a serial, a year, a grade, a model):
# only these may take a damaged label that no delimiter confirms.
_SHAPED_FIELDS = {"serial_number", "year_of_manufacture", "quality_grade", "designation"}
_ABBREVIATION = re.compile(r"\(\s*[a-z]{2,5}\s*\)")
_OPENING_WORDS = re.compile(r"^(?P<pre>[\W\d_]{0,10}?)(?P<words>[^\W\d_][^\s|]*(?:\s+[^\s|]+){0,3})")


def _fuzzy_opening(line: Line) -> _Raw | None:
    """A damaged label opening a line with no delimiter after it: "Số Hệu BMP1-7886",
    "SỐ dang ty. 6D-6172", "3 |S6 xuất xưởng 10315-XB". Shaped fields only, and only when
    printed capitalised or after a row number or table rule."""
    # "3 |Biénsé(BKS) | BH-78-06": the abbreviation in brackets glued to a damaged label is set aside, and says
    # a label ends there, so one word is enough.
    key = _ABBREVIATION.sub(lambda m: " " * len(m.group()), line.key)
    match = _OPENING_WORDS.match(key)
    if match is None or not _LINE_START.match(match["pre"]):
        return None
    start = match.start("words")
    words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(match["words"])]
    abbreviated = key != line.key and bool(words) and line.key[words[0][1]] == "("
    # "Mã Sế xuất xưởng BH-23-82": a row number read as a word of a letter or two before the label.
    firsts = (0, 1) if not abbreviated and len(words) > 2 and _MISREAD_ROW_NUMBER.match(line.key[: words[1][0]]) else (0,)
    best: tuple[float, Label, int, int] | None = None
    for first in firsts:
        for count in range(first + (1 if abbreviated else 2), len(words) + 1):
            spaceless = _NOT_LETTER.sub("", line.key[words[first][0] : words[count - 1][1]])
            if not _near_labels(spaceless, False):
                continue  # no label near these letters (most lines): the value after them is not needed
            found = _closest_label(spaceless, False, line.original(words[count - 1][1], len(line.key)))
            if found is not None and found[1].field in _SHAPED_FIELDS and (best is None or found[0] > best[0]):
                best = (found[0], found[1], first, count)
    if best is None:
        return None
    _, label, first, count = best
    start = words[first][0]
    if not (line.original(start, start + 1).isupper() or (re.search(r"[\d|]", match["pre"]) and not first)):
        return None
    end = words[count - 1][1]
    tail = _LABEL_TAIL.match(key[end:])
    return _Raw(label, start, end + (tail.end() if tail else 0), False, "", "", True, True)


# --- values --------------------------------------------------------------------------------

_JUNK = "\\s.…·:：;|_=\\-–—,'\"`‘’“”ˆ¬~«»°•*<>\\\\"
_LEADING_JUNK = re.compile(rf"^[{_JUNK}]+")
_TRAILING_JUNK = re.compile(rf"[{_JUNK}]+$")
_CELL_END = re.compile(rf"\s*\||\t|\s{{3,}}|\s*(?:{_LEADER})")
_NEXT_GENERIC_LABEL = re.compile(r"(?:\s{2,}|;\s*)[^\W\d_][^\W_]*(?:\s[^\W\d_][^\W_]*){0,4}\s*:")
# Leader debris OCR leaves before a value: "Seed sats sag: Nhà máy ...", "suse’ Pháo lựu ...", "oo : 3" (dots read
# as letters, the colon apart).
_DEBRIS = re.compile(r"^(?:(?:[^\s\d]{1,12}\s+){0,2}[^\s\d‘'`“]{1,12}[:’'`?]\s+|[^\s\d]{1,2}\.\s+|[oO°º]{1,8}\s+:\s+){1,3}(?=\S)")
_DOT_FOR_SPACE = re.compile(r"(?<=[^\W\d_]{2})\.(?=[^\W\d_]{2})")


def clean_value(raw: str) -> str:
    """The value as printed: leaders, cell rules and OCR debris around it removed."""
    value = _LEADING_JUNK.sub("", raw)
    for _ in range(3):
        # Specks before a leader belong to the leader: "Tên TBKT 7)... +. Pháo phòng không ..."
        leader = re.search(rf"\s*(?:{_LEADER})", value)
        before = value[: leader.start()] if leader else ""
        if leader is None or re.fullmatch(r"\s*\d+\s*", before) or re.search(r"[^\W\d_]{4}|\d{2}|(?<![^\W\d_])[A-ZĐ][^\W\d_]", before):
            break  # a real value: a number, a long word or a capitalised one
        rest = _LEADING_JUNK.sub("", value[leader.end() :])
        if not re.search(r"[^\W_]{2}", rest):
            break
        value = rest
    for pattern in (_CELL_END, _NEXT_GENERIC_LABEL):
        cut = pattern.search(value)
        if cut:
            value = value[: cut.start()]
    value = _TRAILING_JUNK.sub("", value).strip()
    debris = _DEBRIS.match(value)
    if debris and any(ch.isalnum() for ch in value[debris.end() :]):
        value = _LEADING_JUNK.sub("", value[debris.end() :])
    value = _DOT_FOR_SPACE.sub(" ", value)  # "Xe chiến.đấu" → "Xe chiến đấu"
    return _TRAILING_JUNK.sub("", value).strip()


def is_leader_line(line: Line) -> bool:
    """A line of dots, dashes or specks only: what a dotted form leaves between values."""
    stripped = line.text.strip()
    if not stripped or re.search(r"[^\W_]{2,}", stripped) or len(re.findall(r"[^\W_]", stripped)) > 2:
        return False
    return not re.search(r"[^\W_]", stripped) or len(re.findall(r"[.…_\-—–·]", stripped)) >= 3


def _line_raws(line: Line) -> list[_Raw]:
    exact = _exact_hits(line)
    fuzzy: list[_Raw] = []
    for raw in _fuzzy_hits(line):
        inside = [e for e in exact if raw.start <= e.start < raw.end]
        overlapping = [e for e in exact if e.start < raw.end and raw.start < e.end]
        if not overlapping:
            fuzzy.append(raw)
        elif inside and all(e.start >= raw.start and e.end <= raw.end and len(e.label.key) < len(raw.label.key) for e in overlapping):
            # "S6 hiéu trang bi:" is one damaged long label, not a junk word and "Trang bị"
            exact = [e for e in exact if e not in overlapping]
            fuzzy.append(raw)
    raws = sorted(exact + fuzzy, key=lambda r: r.start)
    if not raws or raws[0].start > 12:
        opening = _fuzzy_opening(line)
        if opening is not None and (not raws or opening.end <= raws[0].start):
            raws.insert(0, opening)
    # Overlapping matches (a weak "Kiểu" inside a longer label's value): keep the earlier one.
    kept: list[_Raw] = []
    for raw in raws:
        if kept and raw.start < kept[-1].end:
            continue
        kept.append(raw)
    kept = _rejoined(line, kept)
    # A weak label is only believable as the first thing on its line, or in a second cell of its own.
    return [r for i, r in enumerate(kept) if not r.weak or i == 0 or _second_cell(line, r.start, r.label)]


def _rejoined(line: Line, raws: list[_Raw]) -> list[_Raw]:
    """Two labels back to back that are one longer label split by an OCR colon: "Số hiệu: trang bị: 287843"."""
    out: list[_Raw] = []
    for raw in raws:
        if out:
            joined = _SPACELESS.get(re.sub(r"[\W_]+", "", line.key[out[-1].start : raw.end]))
            if joined is not None and joined.field and re.fullmatch(r"[\s.:：]*", line.key[out[-1].end : raw.start]):
                out[-1] = _Raw(joined, out[-1].start, raw.end, True, raw.qualifier, raw.paren, False, out[-1].fuzzy or raw.fuzzy)
                continue
        out.append(raw)
    return out


def label_hits(line: Line) -> list[Hit]:
    """Every label on the line with the value printed after it on the same line."""
    found = _LABELLED_BY_TEXT.get(line.text)
    if found is None:
        if len(_LABELLED_BY_TEXT) >= _LABELLED_KEPT:
            _LABELLED_BY_TEXT.clear()
        found = _LABELLED_BY_TEXT[line.text] = _labelled(line)
    return [Hit(raw.label, line, raw.start, raw.end, value, raw.strong, raw.fuzzy, raw.qualifier, raw.paren.strip(" ()"),
                raw.weak, rest) for raw, value, rest in found]


# What a line's text labels depends on its text alone (its key and offsets are made from it), and the same lines
# come back: a line is asked about by several readers (two on average), a letterhead or a form's label on page
# after page of a batch.
_LABELLED_BY_TEXT: dict[str, tuple[tuple[_Raw, str, str], ...]] = {}
_LABELLED_KEPT = 16384


def _labelled(line: Line) -> tuple[tuple[_Raw, str, str], ...]:
    """Each label of the line, with its cleaned value and everything printed after it up to the next label."""
    raws = _line_raws(line)
    found: list[tuple[_Raw, str, str]] = []
    for index, raw in enumerate(raws):
        stop = raws[index + 1].start if index + 1 < len(raws) else len(line.key)
        rest = line.original(raw.end, max(raw.end, stop))
        value = clean_value(rest)
        # A weak label (no delimiter) with nothing after it counts only as a row's whole cell of several words
        # ("7 | Đơn vị có trang bị _"): its value is on the next line.
        if raw.weak and not value and not (len(raw.label.key.split()) >= 2 and index + 1 == len(raws)
                                           and not re.search(r"[^\W_]", rest)):
            continue
        found.append((raw, value, rest))
    return tuple(found)


def values_after(hit: Hit, lines: list[Line]) -> list[tuple[str, Line]]:
    """Where a label printed alone on its line may have its value: the next lines, in order.

    Leader lines and blank lines are skipped; a line holding a label ends the search. The
    caller takes the first one that parses (OCR sometimes puts a stray line in between).
    """
    found: list[tuple[str, Line]] = []
    seen = 0
    for following in lines[hit.line.order + 1 : hit.line.order + 12]:
        if following.page != hit.line.page or seen >= 3:
            break
        if not following.text.strip():
            continue
        seen += 1
        if is_leader_line(following):
            continue
        if label_hits(following):
            break
        value = clean_value(following.text)
        if value:
            found.append((value, following))
    return found
