"""Field extraction: normalised page texts in, `FieldValue`s out.

Labels ("Số hiệu", "Đơn vị quản lý", ...) are found on folded text (marks stripped, đ→d,
y→i), with a small edit distance for OCR-damaged labels; values are cut from the printed
text, trimmed of leaders and stopped at the next label on the line. Fields that no label
prints (document number, date, stamp, type, grade, repair level, transfer units) have
their own small scanners. Each scanner proposes candidates; the most confident wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Iterator, Sequence

from rapidfuzz.distance import Levenshtein

from ingest.dates import find_document_date
from ingest.doctype import classify_doc_type
from ingest.serials import repair_serial, serial_key
from ingest.types import FIELD_NAMES, FieldValue
from ingest.vietnamese import fold, fold_iy, fold_map

__all__ = ["extract_fields"]


def _iy(folded: str) -> str:
    """Patterns are written folded ("chuyen", "quan ly"); lines are matched as fold_iy."""
    return folded.replace("y", "i")


# --- lines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    page: int  # 1-based
    number: int  # 0-based line index within the page
    order: int  # position in the whole document
    text: str  # as printed (NFC)
    key: str  # fold_iy(text); key[a:b] is text[offsets[a]:offsets[b]]
    offsets: tuple[int, ...]

    def original(self, start: int, end: int) -> str:
        return self.text[self.offsets[start] : self.offsets[end]]


def _split_lines(pages: Sequence[str]) -> list[_Line]:
    lines: list[_Line] = []
    for page_number, page in enumerate(pages, start=1):
        for number, text in enumerate((page or "").splitlines()):
            key, offsets = fold_map(text, iy=True)
            lines.append(_Line(page_number, number, len(lines), text, key, tuple(offsets)))
    return lines


# --- candidates ----------------------------------------------------------------------------


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


# --- labels --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Label:
    field: str  # "" for labels that only end the previous value
    printed: str
    rank: int = 0  # 0 preferred wording, 1 fallback wording


_LABELS: tuple[_Label, ...] = (
    _Label("name", "Tên trang bị"),
    _Label("name", "Tên TBKT"),
    _Label("name", "Tên VKTBKT"),
    _Label("name", "Tên vũ khí trang bị"),
    _Label("name", "Tên vũ khí"),
    _Label("name", "Tên xe"),
    _Label("name", "Tên gọi"),
    _Label("name", "Trang bị", 1),
    _Label("designation", "Ký hiệu"),
    _Label("designation", "Kiểu loại"),
    _Label("designation", "Mã hiệu"),
    _Label("designation", "Kiểu"),
    _Label("designation", "Loại xe", 1),
    _Label("designation", "Nhãn hiệu", 1),
    _Label("serial_number", "Số hiệu trang bị"),
    _Label("serial_number", "Số hiệu"),
    _Label("serial_number", "Số đăng ký"),
    _Label("serial_number", "Số xuất xưởng"),
    _Label("serial_number", "Số sê ri"),
    _Label("serial_number", "Số seri"),
    _Label("serial_number", "Số máy", 1),
    _Label("serial_number", "Số khung", 1),
    _Label("serial_number", "Biển số", 1),
    _Label("serial_number", "Biển kiểm soát", 1),
    _Label("serial_number", "BKS", 1),
    _Label("manufacturer", "Nhà máy sản xuất"),
    _Label("manufacturer", "Nhà sản xuất"),
    _Label("manufacturer", "Hãng sản xuất"),
    _Label("manufacturer", "Cơ sở sản xuất", 1),
    _Label("country_of_origin", "Nước sản xuất"),
    _Label("country_of_origin", "Quốc gia sản xuất"),
    _Label("country_of_origin", "Xuất xứ", 1),
    _Label("country_of_origin", "Nơi sản xuất", 1),
    _Label("year_of_manufacture", "Năm sản xuất"),
    _Label("year_of_manufacture", "Năm xuất xưởng"),
    _Label("year_of_manufacture", "Năm SX", 1),
    _Label("year_of_manufacture", "Ngày sản xuất", 1),
    _Label("year_of_manufacture", "Ngày xuất xưởng", 1),
    _Label("unit", "Đơn vị quản lý"),
    _Label("unit", "Đơn vị sử dụng"),
    _Label("unit", "Đơn vị có trang bị"),
    _Label("unit", "Đơn vị được trang bị"),
    _Label("unit", "Đơn vị", 1),
    _Label("quality_grade", "Cấp chất lượng"),
    _Label("quality_grade", "Cấp CL", 1),
    _Label("quality_grade", "CCL", 1),
    _Label("repair_level", "Cấp sửa chữa"),
    _Label("repair_level", "Hình thức sửa chữa"),
    _Label("repair_level", "Mức sửa chữa"),
    _Label("repair_level", "Loại sửa chữa"),
    _Label("from_unit", "Đơn vị giao"),
    _Label("from_unit", "Bên giao"),
    _Label("from_unit", "Đơn vị chuyển đi"),
    _Label("from_unit", "Đơn vị đi", 1),
    _Label("to_unit", "Đơn vị nhận"),
    _Label("to_unit", "Bên nhận"),
    _Label("to_unit", "Đơn vị tiếp nhận"),
    _Label("to_unit", "Đơn vị chuyển đến"),
    _Label("to_unit", "Đơn vị đến", 1),
    _Label("", "Đơn vị tính"),
    _Label("", "Số lượng"),
    _Label("", "Ghi chú"),
    _Label("", "Tình trạng"),
    _Label("", "Số TT"),
    _Label("", "Số giờ hoạt động"),
    _Label("", "Số km"),
    _Label("", "Km đã chạy"),
    _Label("", "Số phát bắn"),
    _Label("", "Đồng bộ"),
)
_BY_KEY: dict[str, _Label] = {fold_iy(label.printed): label for label in _LABELS}
_ALTERNATION = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(_BY_KEY, key=len, reverse=True))
_PAREN = r"\s*\([^)\n]{0,40}\)"
_LABEL_RE = re.compile(
    rf"(?<![a-z0-9])(?P<label>{_ALTERNATION})"
    rf"(?:(?P<paren>{_PAREN})?(?P<delim>\s*[:：]|\s*(?:\.{{2,}}|…+)|\s*\||[ \t]{{2,}}|\t|\s*$)"
    rf"|(?P<qual>(?:\s+[a-z]{{1,7}}){{1,3}})(?P<qparen>{_PAREN})?\s*(?P<qdelim>[:：]))"
)
_BULLET = re.compile(r"^\s*(?:[-+*•·–]|\d{1,2}\s*[.)/]|[a-z]\s*[.)]|[ivx]{1,4}\s*[.)])?\s*$")
_AFTER_SEPARATOR = re.compile(r"(?:\s{2,}|\t|[|;,]\s*|[.…]{2,}\s*)$")
_SEGMENT_SPLIT = re.compile(r"\s{2,}|\t|\|")
_LATER_QUALIFIERS = {"moi", "hien", "nai", "sau"}
_EARLIER_QUALIFIERS = {"cu", "truoc", "goc"}


@dataclass(frozen=True)
class _Hit:
    """A label found on a line and the printed value it introduces (possibly empty)."""

    label: _Label
    line: _Line
    start: int  # key offsets
    end: int
    value: str
    strong: bool  # followed by ":" (or by a qualifier and ":")
    fuzzy: bool
    qualifier: str
    paren: str


def _label_allowed(line: _Line, start: int, strong: bool) -> bool:
    if strong:
        return True
    before = line.key[:start]
    return bool(_BULLET.match(before) or _AFTER_SEPARATOR.search(before))


def _exact_hits(line: _Line) -> list[tuple[_Label, int, int, bool, str, str]]:
    found = []
    for match in _LABEL_RE.finditer(line.key):
        label = _BY_KEY[re.sub(r"\s+", " ", match["label"])]
        delim = match["delim"] if match["delim"] is not None else match["qdelim"]
        strong = ":" in delim or "：" in delim
        if not _label_allowed(line, match.start(), strong):
            continue
        qualifier = (match["qual"] or "").strip()
        group = "paren" if match["paren"] else "qparen" if match["qparen"] else None
        paren_text = line.original(match.start(group), match.end(group)) if group else ""
        found.append((label, match.start(), match.end(), strong, qualifier, paren_text))
    return found


def _fuzzy_label(key: str) -> _Label | None:
    """A label printed with one or two wrong letters ("S0 hieu", "Nam san xuai")."""
    key = re.sub(r"^[\W\d_]+", "", key).strip()
    if len(key) < 5 or len(key) > 30:
        return None
    best: tuple[int, _Label] | None = None
    for folded, label in _BY_KEY.items():
        allowed = 2 if len(folded) >= 12 else 1 if len(folded) >= 5 else 0
        distance = Levenshtein.distance(key, folded, score_cutoff=allowed)
        if distance <= allowed and (best is None or distance < best[0]):
            best = (distance, label)
    return best[1] if best else None


def _fuzzy_hits(line: _Line, taken: list[tuple[int, int]]) -> list[tuple[_Label, int, int, bool, str, str]]:
    found = []
    position = 0
    for segment in _SEGMENT_SPLIT.split(line.key):
        start = line.key.find(segment, position)
        position = start + len(segment)
        colon = segment.find(":")
        if colon <= 0 or any(a <= start + colon and start < b for a, b in taken):
            continue
        label = _fuzzy_label(segment[:colon])
        if label is not None:
            label_start = start + len(segment[:colon]) - len(segment[:colon].lstrip(" -+*•·0123456789.)"))
            found.append((label, label_start, start + colon + 1, True, "", ""))
    return found


_LEADING_JUNK = re.compile(r"^[\s.…:：|_=\-–—,;]+")
_TRAILING_JUNK = re.compile(r"[\s.…:：|_=,;\-–—]+$")
_CELL_END = re.compile(r"\s*\||\t|\s{3,}")
_NEXT_GENERIC_LABEL = re.compile(r"(?:\s{2,}|;\s*)[^\W\d_][^\W_]*(?:\s[^\W\d_][^\W_]*){0,4}\s*:")


def _clean_value(raw: str) -> str:
    value = _LEADING_JUNK.sub("", raw)
    for pattern in (_CELL_END, _NEXT_GENERIC_LABEL):
        cut = pattern.search(value)
        if cut:
            value = value[: cut.start()]
    return _TRAILING_JUNK.sub("", value).strip()


def _line_hits(line: _Line) -> list[_Hit]:
    exact = _exact_hits(line)
    raw = sorted(exact + _fuzzy_hits(line, [(s, e) for _, s, e, *_ in exact]), key=lambda item: item[1])
    hits = []
    for index, (label, start, end, strong, qualifier, paren) in enumerate(raw):
        stop = raw[index + 1][1] if index + 1 < len(raw) else len(line.key)
        value = _clean_value(line.original(end, max(end, stop)))
        fuzzy = (label, start, end, strong, qualifier, paren) not in exact
        hits.append(_Hit(label, line, start, end, value, strong, fuzzy, qualifier, paren.strip(" ()")))
    return hits


# --- tables: a header row of labels, values in the row below ------------------------------


def _cells(text: str) -> list[tuple[int, int, str]]:
    cells = []
    for match in re.finditer(r"[^|\t]+?(?=\s{2,}|\t|\||$)", text):
        content = match.group().strip()
        if content:
            start = match.start() + len(match.group()) - len(match.group().lstrip())
            cells.append((start, start + len(content), content))
    return cells


def _table_values(header: list[_Hit], row: _Line) -> list[_Hit]:
    """Values under a header row of labels, matched by column position."""
    data = _cells(row.text)
    if len(data) < 2:
        return []
    head = _cells(header[0].line.text)
    hits = []
    for hit in header:
        column = hit.line.offsets[hit.start]
        if len(head) == len(data):
            index = next((i for i, (s, e, _) in enumerate(head) if s <= column < e), None)
            cell = data[index] if index is not None else None
        else:
            cell = min(data, key=lambda c: abs(c[0] - column))
        if cell is not None:
            hits.append(_Hit(hit.label, row, hit.start, hit.end, cell[2], False, True, "", ""))
    return hits


def _is_header_row(hits: list[_Hit]) -> bool:
    labelled = [h for h in hits if h.label.field]
    return len(labelled) >= 2 and all(not h.value and not h.strong for h in hits)


def _all_hits(lines: list[_Line]) -> list[_Hit]:
    hits: list[_Hit] = []
    for index, line in enumerate(lines):
        found = _line_hits(line)
        if _is_header_row(found):
            row = next((l for l in lines[index + 1 : index + 3] if re.search(r"[^\W_]", l.text) and l.page == line.page), None)
            if row is not None:
                hits.extend(_table_values(found, row))
            continue
        hits.extend(found)
    return hits


# --- value parsers -------------------------------------------------------------------------

_UNIT_WORDS = _iy(
    r"(?:lu\s+doan|trung\s+doan|su\s+doan|tieu\s+doan|dai\s+doi|trung\s+doi|quan\s+khu|quan\s+doan|"
    r"quan\s+chung|binh\s+chung|bo\s+tu\s+lenh|bo\s+chi\s+huy|ban\s+chi\s+huy|tong\s+cuc|cuc|phong|kho|"
    r"xuong|nha\s+may|hoc\s+vien|truong|vung|hai\s+doan|hai\s+doi|binh\s+doan|phan\s+doi|doan\s+\d|"
    r"ban\s+chqs|bo\s+chqs|bo\s+doi|trung\s+tam|tieu\s+khu|cum|tram|"
    r"[efzkcdb]\s?\d+)\b"
)
_UNIT_START = re.compile(rf"^\W*{_UNIT_WORDS}")
_PERSON = re.compile(_iy(r"^\W*(dong\s+chi|d\s*/\s*c|ong|ba|cap\s+bac|chuc\s+vu|ho\s+(va\s+)?ten)\b"))
_UNIT_END = re.compile(_iy(r"\s*\(|\s+(do|gom|dai\s+dien|dia\s+chi)\s"))


def _parse_text(value: str) -> str | None:
    value = value.strip(" \"'“”")
    return value if re.search(r"[^\W\d_]", value) and len(value) <= 150 else None


_COUNT = re.compile(r"^\d{1,3}\s+(?:(?:chiếc|khẩu|bộ|cái)\s+)?", re.IGNORECASE)


def _parse_name(value: str) -> str | None:
    """The item's name without a leading count: "01 chiếc xe tăng T-54B" → "xe tăng T-54B"."""
    return _parse_text(_COUNT.sub("", value))


def _parse_designation(value: str) -> str | None:
    value = re.split(r"\s*[(,;]", value, maxsplit=1)[0]
    value = re.sub(r"\s*-\s*", "-", value).strip()
    return value if value and len(value) <= 30 and re.search(r"[A-Za-z0-9]", value) else None


_SERIAL_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-–./|]*$")


def _serial_tokens(value: str) -> str:
    """The leading run of serial-shaped tokens: "KB 15 84, năm ..." → "KB 15 84"."""
    tokens = []
    for word in value.split():
        token = word.rstrip(",;.:)")
        if not _SERIAL_TOKEN.match(token) or not (any(ch.isdigit() for ch in token) or token.isupper()):
            break
        tokens.append(token)
        if token != word:
            break  # punctuation ends the serial
    return " ".join(tokens)


def _parse_serial(value: str) -> str | None:
    serial = repair_serial(_serial_tokens(value))
    key = serial_key(serial)
    if not 3 <= len(key) <= 24 or not any(ch.isdigit() for ch in key):
        return None
    return serial


def _parse_unit(value: str) -> str | None:
    if _PERSON.match(fold_iy(value)):
        return None
    cut = _UNIT_END.search(fold_iy(value))
    if cut and cut.start() > 0:
        value = value[: cut.start()]
    return _parse_text(value.strip(" ,.-–"))


_YEAR = re.compile(r"(?<![0-9a-z])([0-9oils|]{4})(?![0-9a-z])")


def _parse_year(value: str) -> int | None:
    for match in _YEAR.finditer(fold(value)):
        group = match.group(1)
        if sum(ch.isdigit() for ch in group) < 3:
            continue
        year = int(group.translate(str.maketrans("oils|", "01151")))
        if 1940 <= year <= date.today().year:
            return year
    return None


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
_GRADE_TOKEN = r"(?P<g>[1-5]|iii|ii|iv|v|i|l)(?!\w|[/.,\-]\d)"
_GRADE_VALUE = re.compile(rf"^\W*(?:cap\s*)?{_GRADE_TOKEN}")


def _grade(token: str) -> int:
    return int(token) if token.isdigit() else 1 if token == "l" else _ROMAN[token]


def _parse_grade(value: str) -> int | None:
    match = _GRADE_VALUE.match(fold_iy(value))
    return _grade(match["g"]) if match else None


_REPAIR_WORDS = (
    ("minor", _iy(r"sua\s+chua\s+nho|\bscn\b|tieu\s+tu|\bnho\b")),
    ("medium", _iy(r"sua\s+chua\s+vua|\bscv\b|trung\s+tu|\bvua\b")),
    ("major", _iy(r"sua\s+chua\s+lon|\bscl\b|dai\s+tu|\blon\b")),
)


def _parse_repair_level(value: str) -> str | None:
    folded = fold_iy(value)
    found = [(m.start(), level) for level, pattern in _REPAIR_WORDS if (m := re.search(pattern, folded))]
    return min(found)[1] if found else None


_PARSERS: dict[str, Callable[[str], str | int | None]] = {
    "name": _parse_name,
    "designation": _parse_designation,
    "serial_number": _parse_serial,
    "manufacturer": _parse_text,
    "country_of_origin": _parse_text,
    "year_of_manufacture": _parse_year,
    "unit": _parse_unit,
    "quality_grade": _parse_grade,
    "repair_level": _parse_repair_level,
    "from_unit": _parse_unit,
    "to_unit": _parse_unit,
}


# --- label candidates ----------------------------------------------------------------------


def _next_line_value(hit: _Hit, lines: list[_Line]) -> str:
    """A unit printed on the line after its label ("BÊN GIAO:" / "Lữ đoàn 201")."""
    following = next((l for l in lines[hit.line.order + 1 : hit.line.order + 3] if l.text.strip()), None)
    if following is None or following.page != hit.line.page or _line_hits(following):
        return ""
    return following.text.strip() if _UNIT_START.match(following.key) else ""


def _hit_confidence(hit: _Hit, parsed: str | int, raw: str) -> float:
    confidence = 0.9 if hit.strong else 0.85
    confidence -= 0.1 * hit.label.rank
    if hit.fuzzy:
        confidence -= 0.15
    words = set(hit.qualifier.split())
    if words & _EARLIER_QUALIFIERS:
        confidence -= 0.3
    elif words and not words & _LATER_QUALIFIERS:
        confidence -= 0.1
    if hit.label.field == "serial_number" and serial_key(str(parsed)) != serial_key(_serial_tokens(raw)):
        confidence -= 0.15
    return round(max(confidence, 0.05), 2)


def _label_candidates(hits: list[_Hit], lines: list[_Line]) -> Iterator[_Candidate]:
    unit_fields = {"unit", "from_unit", "to_unit"}
    for hit in hits:
        field = hit.label.field
        if not field:
            continue
        raw = hit.value
        if not raw and field in unit_fields:
            raw = hit.paren or _next_line_value(hit, lines)
        parsed = _PARSERS[field](raw) if raw else None
        if parsed is None:
            continue
        yield _Candidate(field, parsed, _hit_confidence(hit, parsed, raw), hit.line.page, hit.line.order)


# --- scanners for what labels do not print -------------------------------------------------

_DOC_NUMBER = re.compile(
    r"(?:^|\s{2,}|\t|\|)\W*s[o06]\s*[:.]?\s*(?P<num>[0-9oil]{1,6})(?P<rest>\s*[/\-]\s*[^\s,;]+(?:\s*[/\-]\s*[^\s,;]+)*)"
)
_NUMBER_DIGITS = str.maketrans("OoIl|", "00111")


def _document_number(lines: list[_Line]) -> Iterator[_Candidate]:
    """"Số: 125/QĐ-TCKT" in the header block: number / kind - issuer, as printed."""
    for line in lines:
        match = _DOC_NUMBER.search(line.key) if line.number <= 20 else None
        if match is None or not any(ch.isdigit() for ch in match["num"]):
            continue
        printed = line.original(match.start("num"), match.end("num"))
        rest = re.sub(r"\s*([/\-])\s*", r"\1", line.original(match.start("rest"), match.end("rest"))).rstrip(".")
        digits = printed.translate(_NUMBER_DIGITS)
        confidence = (0.9 if digits == printed else 0.75) - 0.1 * (line.page > 1)
        yield _Candidate("document_number", digits + rest, confidence, line.page, line.order)


_STAMP = re.compile(_iy(r"(?<![a-z])(tuyet\s+mat|toi\s+mat|mat)(?![a-z])"))
_NOT_A_STAMP = re.compile(r"\b(bi|bao|giu)\s*$")  # bí mật, bảo mật, giữ mật
_STAMP_LABEL = re.compile(r"do\s+mat\s*[:\-]?\s*$")
_LEVELS = {"mat": "confidential", "toi mat": "secret", _iy("tuyet mat"): "top_secret"}
_ORDER = ("unclassified", "confidential", "secret", "top_secret")


def _stamp_in_header_line(line: _Line, before: str, after: str, printed: str) -> bool:
    """An upper-case stamp run into the header line by text extraction: "BỘ QUỐC PHÒNG MẬT"."""
    at_edge = not before.strip() or not after.strip()
    letters = [ch for ch in line.text if ch.isalpha()]
    upper_line = bool(letters) and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)
    return at_edge and upper_line and printed.isupper() and not _NOT_A_STAMP.search(before)


def _stamp_level(line: _Line, match: re.Match[str]) -> tuple[str, float] | None:
    before, after = line.key[: match.start()], line.key[match.end() :]
    labelled = bool(_STAMP_LABEL.search(before))
    alone_before = labelled or not before.strip() or bool(re.search(r"(\s{2,}|\t|[|(\[])\s*$", before))
    alone_after = not after.strip() or bool(re.match(r"\s*(\s{2,}|\t|[|)\]])", after))
    printed = line.original(match.start(), match.end())
    whole_line = not before.strip() and not after.strip()
    standalone = alone_before and alone_after and (labelled or whole_line or printed.isupper())
    if not (standalone or _stamp_in_header_line(line, before, after, printed)):
        return None
    level = _LEVELS[re.sub(r"\s+", " ", match.group(1))]
    return level, 0.95 if labelled or line.number < 12 else 0.85


def _classification(lines: list[_Line]) -> Iterator[_Candidate]:
    found = False
    for line in lines:
        if re.search(r"do\s+mat\s*[:\-]?\s*(khong|thuong)", line.key):
            yield _Candidate("classification", "unclassified", 0.85, line.page, line.order)
        for match in _STAMP.finditer(line.key):
            stamp = _stamp_level(line, match)
            if stamp is not None:
                found = True
                bonus = _ORDER.index(stamp[0]) / 100  # the highest stamp wins among equals
                yield _Candidate("classification", stamp[0], stamp[1] + bonus, line.page, line.order)
    if not found:
        yield _Candidate("classification", "unclassified", 0.6, 1, 0)


_GRADE_CHANGE = re.compile(
    rf"tu\s+cap\s+(?:chat\s+luong\s+)?(?:[1-5]|i{{1,3}}|iv|v)\s+(?:sang|xuong|len|thanh|ve)\s+(?:cap\s+)?(?:chat\s+luong\s+)?{_GRADE_TOKEN}"
)
_GRADE_LABELLED = re.compile(
    rf"(?:cap\s+chat\s+luong|\bcap\s+cl\b|\bccl\b)(?P<qual>(?:\s+[a-z]+(?![a-z])){{0,4}}?)[\s:.…|]*(?:la\s+|dat\s+)?(?:cap\s*)?{_GRADE_TOKEN}"
)
_NOT_A_GRADE_CONTEXT = {"ngai", "nam", "thang", "so", "lan"}  # "cấp chất lượng tính đến ngày 5"
_GRADE_BARE = re.compile(rf"(?<!sua chua )(?<!bao duong )\bcap\s+{_GRADE_TOKEN}")


def _grade_in_line(line: _Line) -> Iterator[tuple[int, float]]:
    for match in _GRADE_CHANGE.finditer(line.key):
        yield _grade(match["g"]), 0.9
    for match in _GRADE_LABELLED.finditer(line.key):
        words = set(match["qual"].split())
        if words & _NOT_A_GRADE_CONTEXT:
            continue
        confidence = 0.55 if words & _EARLIER_QUALIFIERS else 0.9 if words & _LATER_QUALIFIERS else 0.85
        yield _grade(match["g"]), confidence - 0.15 * (match["g"] == "l")
    if "chat luong" in line.key and not _GRADE_LABELLED.search(line.key):
        for match in _GRADE_BARE.finditer(line.key):
            yield _grade(match["g"]), 0.7


def _quality_grade(lines: list[_Line]) -> Iterator[_Candidate]:
    for line in lines:
        for grade, confidence in _grade_in_line(line):
            yield _Candidate("quality_grade", grade, confidence, line.page, line.order)


_REPAIR_SCAN = re.compile(_iy(r"sua\s+chua\s+(nho|vua|lon)\b|\b(scn|scv|scl)\b|\b(tieu|trung|dai)\s+tu\b"))


def _repair_level(lines: list[_Line], doc_type: str, title_order: int | None) -> Iterator[_Candidate]:
    if doc_type not in ("repair", "other"):
        return
    for line in lines:
        for match in _REPAIR_SCAN.finditer(line.key):
            level = _parse_repair_level(match.group())
            confidence = 0.9 if line.order == title_order else 0.75
            if doc_type == "other":
                confidence -= 0.25
            yield _Candidate("repair_level", level, confidence, line.page, line.order)


# A unit's name runs to punctuation, to a comma not followed by another unit, or to a verb.
_UNIT_PHRASE = _UNIT_WORDS + _iy(
    rf"[^.;:()]{{0,80}}?(?=\s*(?:[.;:()]|,\s(?!{_UNIT_WORDS})|\s(?:de|quan\s+ly|bien\s+che|su\s+dung|ke\s+tu|"
    rf"tu\s+ngay|theo|ngay|voi|gom|tiep\s+nhan|thuc\s+hien|kem\s+theo|co\s+trach|chiu)\b|$))"
)
_MOVE = re.compile(
    _iy(
        rf"(?:chuyen|dong|giao|nhan)\b[^.;]{{0,200}}?\b(?:tu|cua)\s+(?P<a>{_UNIT_WORDS}[^.;:]{{0,80}}?)\s+"
        rf"(?:ve|sang|cho|den)\s+(?P<b>{_UNIT_PHRASE})"
    )
)
_HELD_BY = re.compile(
    _iy(rf"thuoc\s+bien\s+che\s+(?:cua\s+)?(?P<a>{_UNIT_PHRASE})|\bdo\s+(?P<b>{_UNIT_WORDS}[^.;:()]{{0,60}}?)\s+quan\s+ly")
)
_OWNED_BY = re.compile(rf"\bcua\s+(?P<a>{_UNIT_PHRASE})")
_REFERENCE_LINE = re.compile(_iy(r"^\W*(can\s+cu|xet|theo)\b"))


def _page_prose(pages: Sequence[str]) -> Iterator[tuple[int, str, str, list[int]]]:
    """Each page as one line of prose, with the "Căn cứ ..." references blanked out."""
    for number, page in enumerate(pages, start=1):
        lines = [" " * len(line) if _REFERENCE_LINE.match(fold_iy(line)) else line for line in page.splitlines()]
        flat = re.sub(r"[ \t]*\n[ \t]*", " ", "\n".join(lines))
        key, offsets = fold_map(flat, iy=True)
        yield number, flat, key, offsets


def _transfer_units(pages: Sequence[str], lines: list[_Line]) -> Iterator[_Candidate]:
    """Units named in prose: "điều chuyển ... từ A về B", "thuộc biên chế của A", "của A"."""
    for number, flat, key, offsets in _page_prose(pages):
        # Prose spans lines; it ranks after the page's labelled lines when confidences tie.
        order = max((line.order for line in lines if line.page == number), default=0)
        for match in _MOVE.finditer(key):
            for field, group in (("from_unit", "a"), ("to_unit", "b")):
                value = _parse_unit(flat[offsets[match.start(group)] : offsets[match.end(group)]])
                if value:
                    yield _Candidate(field, value, 0.8, number, order)
        for pattern, confidence in ((_HELD_BY, 0.6), (_OWNED_BY, 0.5)):
            for match in pattern.finditer(key):
                group = "a" if match["a"] else "b"
                value = _parse_unit(flat[offsets[match.start(group)] : offsets[match.end(group)]])
                if value:
                    yield _Candidate("unit", value, confidence, number, order)


_SERIAL_PROSE = re.compile(_iy(r"\bso\s+(hieu|dang\s+ky|xuat\s+xuong)(?:\s+(?:trang\s+bi|xe))?\s+(?=[a-z0-9])"))
_YEAR_PROSE = re.compile(_iy(r"(?:san\s+xuat|xuat\s+xuong)\s+(?:nam\s+|vao\s+nam\s+)?(?P<digits>[0-9oil]{4})\b"))


def _prose_fallbacks(lines: list[_Line]) -> Iterator[_Candidate]:
    for line in lines:
        for match in _SERIAL_PROSE.finditer(line.key):
            serial = _parse_serial(line.original(match.end(), len(line.key)))
            if serial:
                yield _Candidate("serial_number", serial, 0.78, line.page, line.order)
        for match in _YEAR_PROSE.finditer(line.key):
            year = _parse_year(line.original(match.start("digits"), match.end("digits")))
            if year:
                yield _Candidate("year_of_manufacture", year, 0.6, line.page, line.order)


_MODEL = r"[A-ZĐ]{1,6}-?\d{1,4}[A-Z]{0,3}(?:-\d{1,3})?(?![\w-])"
_MODEL_RE = re.compile(rf"\b({_MODEL})")
# "Điều chuyển 01 xe ô tô ZIL-131, số hiệu ...": an item named in prose, noun then model.
_EQUIPMENT_NOUN = _iy(
    r"(?:xe|sung|phao|dai|tau|ten\s+lua|he\s+thong|tram|thiet\s+bi|khi\s+tai|kinh|o\s+to)\b"
)
_PROSE_ITEM = re.compile(rf"(?<![a-z])(?P<name>{_EQUIPMENT_NOUN}[^,;:()\d]{{0,40}}?\s+(?P<model>[a-z]{{1,6}}-?\d{{1,4}}[a-z]{{0,3}}(?:-\d{{1,3}})?)(?![\w-]))")


def _prose_items(lines: list[_Line]) -> Iterator[_Candidate]:
    for line in lines:
        if _REFERENCE_LINE.match(line.key):
            continue
        for match in _PROSE_ITEM.finditer(line.key):
            model = line.original(match.start("model"), match.end("model"))
            if not re.fullmatch(_MODEL, model):
                continue  # the printed model is upper case; "xe số 3" is not one
            name = line.original(match.start("name"), match.end("name"))
            yield _Candidate("name", name, 0.5, line.page, line.order)
            yield _Candidate("designation", model, 0.5, line.page, line.order)


def _designation_from_name(name: str) -> str | None:
    match = _MODEL_RE.search(name)
    return match.group(1) if match else None


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


def _title_order(lines: list[_Line], title: str | None, page: int) -> int | None:
    for line in lines:
        stripped = line.text.strip()
        if title and line.page == page and stripped and title.startswith(stripped):
            return line.order
    return None


def _best(candidates: list[_Candidate]) -> dict[str, FieldValue]:
    chosen: dict[str, FieldValue] = {}
    for field in FIELD_NAMES:
        pool = [c for c in candidates if c.field == field]
        best = _pick(pool, latest=field == "quality_grade")
        if best is None:
            continue
        confidence = best.confidence
        if field == "serial_number" and sum(serial_key(str(c.value)) == serial_key(str(best.value)) for c in pool) > 1:
            confidence += 0.05  # printed twice the same way
        chosen[field] = FieldValue(best.value, round(min(confidence, 0.99), 2), best.page)
    return chosen


def _derived(found: dict[str, FieldValue], doc_type: str) -> dict[str, FieldValue]:
    extra: dict[str, FieldValue] = {}
    name = found.get("name")
    designation = found.get("designation")
    if name is not None and (designation is None or designation.confidence < 0.6):
        model = _designation_from_name(str(name.value))
        if model:
            extra["designation"] = FieldValue(model, 0.6, name.page)
    to_unit, unit = found.get("to_unit"), found.get("unit")
    weak_unit = unit is None or unit.confidence < 0.7
    if weak_unit and to_unit is not None and doc_type in ("transfer", "handover"):
        extra["unit"] = FieldValue(to_unit.value, round(min(to_unit.confidence, 0.7), 2), to_unit.page)
    return extra


def extract_fields(pages: Sequence[str]) -> dict[str, FieldValue]:
    """Every field of `ingest.types.FIELD_NAMES` found in the pages; missing fields are omitted."""
    pages = [page or "" for page in pages]
    lines = _split_lines(pages)
    doc_type, type_confidence, title, title_page = _doc_type(pages)
    candidates = [
        *_label_candidates(_all_hits(lines), lines),
        *_document_number(lines),
        *_classification(lines),
        *_quality_grade(lines),
        *_repair_level(lines, doc_type, _title_order(lines, title, title_page)),
        *_transfer_units(pages, lines),
        *_prose_fallbacks(lines),
        *_prose_items(lines),
    ]
    if doc_type not in ("repair", "other"):
        candidates = [c for c in candidates if c.field != "repair_level"]
    found = _best(candidates)
    found["doc_type"] = FieldValue(doc_type, round(type_confidence, 2), title_page)
    if title:
        found["title"] = FieldValue(title, round(type_confidence, 2), title_page)
    document_date = _document_date(pages)
    if document_date is not None:
        found["document_date"] = document_date
    found.update(_derived(found, doc_type))
    return {name: found[name] for name in FIELD_NAMES if name in found}
