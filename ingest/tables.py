"""Tables that list the item: a header row of column names, the item's row below it.

Three printed forms reach us: a header on one line with cells apart ("TT  Tên trang bị  Ký
hiệu ..." or "| ... |"), the same read by OCR with single spaces between cells, and text
layers that put every cell on its own line (header cells, then value cells in the same
order, long cells wrapped onto two lines). All three are read the same way: the header
says which columns come in which order, and the row's tokens are shared out between the
columns by shape (an index, a model, a serial, a grade 1-5, a count, free text), cell
rules and line breaks counting as likely boundaries. A small dynamic programme picks the
best sharing; a column may be missing (OCR loses cells).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from typing import Callable

from rapidfuzz.distance import Levenshtein

from ingest.labels import Line, label_hits
from ingest.values import unmarked_code
from common.designations import catalogue_entry
from common.identifiers import serial_key
from common.text import fold_iy

__all__ = ["TableValue", "table_values"]


# column kinds and the header words that name them (folded, spaceless)
_COLUMNS: dict[str, tuple[str, ...]] = {
    "index": ("tt", "stt", "sott"),
    "name": ("tentrangbi", "tentbkt", "tenvktbkt", "tenvukhitrangbi", "tenvukhi", "tenxe", "tengoi", "trangbi", "ten"),
    "designation": ("kihieu", "kieuloai", "mahieu", "kieu", "loaixe", "nhanhieu"),
    "serial_number": ("sohieutrangbi", "sohieu", "sodangki", "soxuatxuong", "soseri", "somai", "sokhung", "bienso", "bks"),
    "quality_grade": ("capchatluong", "capcl", "ccl", "cap"),
    "quantity": ("soluong", "sl"),
    "unit": ("donviquanli", "donvisudung", "donvicotrangbi", "donvi"),
    "year_of_manufacture": ("namsanxuat", "namxuatxuong", "namsx"),
    "manufacturer": ("nhamaisanxuat", "nhasanxuat", "hangsanxuat"),
    "country_of_origin": ("nuocsanxuat", "quocgiasanxuat", "xuatxu"),
    "other": ("ghichu", "donvitinh", "dvt", "noidung", "thongso", "tinhtrang", "ketqua", "kixacnhan", "ngaithangnam", "ngai"),
}
_KEYS = sorted(((key, kind) for kind, keys in _COLUMNS.items() for key in keys), key=lambda kv: -len(kv[0]))
_FIELD_KINDS = {"name", "designation", "serial_number", "quality_grade", "unit", "year_of_manufacture", "manufacturer", "country_of_origin"}
_TEXT_KINDS = {"name", "unit", "manufacturer", "country_of_origin"}
_HEADS_APART = 8  # lines above a header where a head cell the layout analysis set apart may stand
_ROW_END = re.compile(r"^\W*(cong|tong\s+cong|ket\s+qua|ket\s+luan|dieu\s+\d|noi\s+nhan|ghi\s+chu)\b")


@dataclass(frozen=True)
class TableValue:
    field: str
    value: str
    line: Line  # the row's (first) line
    spaced: bool  # cells were marked by rules, wide gaps or line breaks, not single spaces


def _letters(text: str) -> str:
    # OCR reads the "ố" of "Số" as a digit and its S as a dollar sign: "S6 hiéu", "S0 hieu", "_$ố hiệu".
    return _NOT_LETTER.sub("", _SO_MISREAD.sub("so", fold_iy(text)))


_SO_MISREAD = re.compile(r"(?<![a-z0-9])[s$][o06](?=\s*[a-z])")
_NOT_LETTER = re.compile(r"[^a-z]")


# a long key with one letter misread still has one of its halves intact: checking them first spares the distance
_KEYS_WITH_HALVES = [(key, kind, (key[: len(key) // 2], key[len(key) // 2 :]) if len(key) >= 6 else None)
                     for key, kind in _KEYS]


# Which keys may start at a position: those whose first half (a short key: the key) starts there, or whose second
# half starts where it would follow; indexed by the half's first two letters, so a position tries a few keys, not all.
_BY_HEAD: dict[str, list[int]] = {}
_BY_TAIL: dict[tuple[int, str], list[int]] = {}
for _number, (_key, _kind, _halves) in enumerate(_KEYS_WITH_HALVES):
    _BY_HEAD.setdefault((_halves[0] if _halves else _key)[:2], []).append(_number)
    if _halves is not None:
        _BY_TAIL.setdefault((len(_halves[0]), _halves[1][:2]), []).append(_number)
_HEAD_LENGTHS = sorted({length for length, _tail in _BY_TAIL})


def _keys_that_may_start(letters: str, position: int) -> list[tuple[str, str, tuple[str, str] | None]]:
    """The keys, in their order of precedence, that may match `letters` at `position` exactly or one letter off."""
    numbers = set(_BY_HEAD.get(letters[position : position + 2], ()))
    for length in _HEAD_LENGTHS:
        numbers.update(_BY_TAIL.get((length, letters[position + length : position + length + 2]), ()))
    return [_KEYS_WITH_HALVES[number] for number in sorted(numbers)]


def _one_letter_off(letters: str, position: int, key: str, halves: tuple[str, str]) -> bool:
    """`letters` at `position` is `key` with at most one letter replaced (none added or lost)."""
    head, tail = halves
    if not (letters.startswith(head, position) or letters.startswith(tail, position + len(head))):
        return False
    return position + len(key) <= len(letters) and Levenshtein.distance(
        letters[position : position + len(key)], key, weights=(9, 9, 1), score_cutoff=1) <= 1


_A_DIGIT = re.compile(r"\d")


def _header_columns(text: str) -> list[str] | None:
    """Column kinds named by a one-line header, or None when the line is not a header."""
    kinds = _header_kinds(text)
    return list(kinds) if kinds is not None else None


@lru_cache(maxsize=16384)  # letterheads, titles and table heads come back on page after page of a batch
def _header_kinds(text: str) -> tuple[str, ...] | None:
    if len(_A_DIGIT.findall(text)) > 1:
        return None
    # A colon marks a label line ("Số hiệu: ..."); OCR also hangs one on a header cell ("Cấp: Số lượng"), so a
    # line with one counts as a header only when header words cover it almost wholly.
    colon = ":" in text.replace("TT:", "")
    letters = _letters(text)
    if len(letters) < 8:
        return None
    kinds: list[str] = []
    covered = position = 0
    # tenths of the line header words may leave uncovered; past that the line is no header, however it goes on
    spare = (1 if colon else 2) * len(letters)
    while position < len(letters):
        for key, kind, halves in _keys_that_may_start(letters, position):
            if letters.startswith(key, position) or (halves is not None and _one_letter_off(letters, position, key, halves)):
                # a long column name with one letter misread counts ("Số hiện" for "Số hiệu")
                kinds.append(kind)
                covered += len(key)
                position += len(key)
                break
        else:
            position += 1
            if 10 * (position - covered) > spare:
                return None
    fields = sum(kind in _FIELD_KINDS for kind in kinds)
    if covered < (0.9 if colon else 0.8) * len(letters) or len(kinds) < (4 if colon else 3) or fields < 2:
        return None
    return tuple(kinds)


@lru_cache(maxsize=16384)  # asked of each line by two readers, and table heads come back page after page
def _cell_kind(text: str) -> str | None:
    """The column kind of a line holding a single header cell ("Ký hiệu", "Số lượng")."""
    letters = _letters(text)
    if not letters or len(letters) > 20 or _A_DIGIT.search(text):
        return None
    for key, kind in _KEYS:
        if letters == key or (len(key) >= 6 and Levenshtein.distance(letters, key, score_cutoff=1) <= 1):
            return kind
    return None


# --- tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    text: str
    sep: str  # what came before it: start | space | line | cell


_LETTER = "0-9A-Za-z\u00C0-\u024F\u1E00-\u1EFF"  # Latin letters (with Vietnamese marks) and digits
_TOKEN_TRIM = re.compile(rf"^[^{_LETTER}(]+|[^{_LETTER})]+$")
_REAL = re.compile(rf"[{_LETTER}]")


def _tokens(lines: list[str], *, lines_are_cells: bool) -> list[_Token]:
    tokens: list[_Token] = []
    for line_index, line in enumerate(lines):
        sep = "start" if line_index == 0 else ("line" if lines_are_cells else "space")
        for cell_index, cell in enumerate(re.split(r"\s*\|\s*|\t|\s{2,}", line)):
            if cell_index > 0:
                sep = "cell"
            for word in cell.split():
                word = re.sub(r"(?<=[A-Za-z0-9]):(?=[A-Za-z0-9])", "-", _TOKEN_TRIM.sub("", word))  # "VRS:2M"
                if not _REAL.search(word):
                    continue
                tokens.append(_Token(word, sep))
                sep = "space"
    return tokens


# --- column shapes -------------------------------------------------------------------------

_SERIAL_PIECE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-./]*$")
_MODEL = re.compile(r"^(?=.*[A-Za-z])(?=.*[\d-])[A-Za-z0-9][A-Za-z0-9\-./]{0,14}$")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "l": 1}
_IMPOSSIBLE = -1e9


def _grade_value(words: list[str]) -> int | None:
    if len(words) == 2 and fold_iy(words[0]) in ("cap", "cấp"):
        words = words[1:]
    if len(words) != 1:
        return None
    word = words[0]
    if re.fullmatch(r"[1-5]", word):
        return int(word)
    # In a grade cell only 1-5 stand: "Z" (with a speck: "Zi") is OCR's 2, "S" its 5.
    shaped = re.fullmatch(r"([ZzSs])[il.,']?", word)
    if shaped:
        return 2 if shaped[1] in "Zz" else 5
    return _ROMAN.get(word)


def _index_score(words: list[str]) -> float:
    return 0.8 if len(words) == 1 and re.fullmatch(r"[0-9il|]{1,3}", words[0]) and any(c.isdigit() for c in words[0]) else _IMPOSSIBLE


def _text_score(words: list[str]) -> float:
    if not re.search(r"[^\W\d_]", words[0]):
        return _IMPOSSIBLE
    return 0.35 * len(words)


def _model_score(words: list[str]) -> float:
    if len(words) == 1:
        return 1.5 if _MODEL.match(unmarked_code(words[0])) else _IMPOSSIBLE
    if len(words) == 2 and re.fullmatch(r"[A-Za-z]{1,6}", words[0]) and re.fullmatch(r"\d[\dA-Za-z]{0,4}", words[1]):
        return 1.0  # "Type 59", and a model as a clerk writes it: "M 46", "T 55"
    if len(words) == 2 and catalogue_entry("".join(words)) and not catalogue_entry(words[0]):
        return 1.6  # a space OCR put inside a catalogued model ("ZIL1 31"): its digits are no serial's
    return _IMPOSSIBLE


def _serial_score(words: list[str]) -> float:
    if len(words) > 3 or not all(_SERIAL_PIECE.match(w) for w in words):
        return _IMPOSSIBLE
    if any(w.isalpha() and not w.isupper() for w in words):
        return _IMPOSSIBLE
    key = serial_key("".join(words))
    if not 4 <= len(key) <= 20 or not any(ch.isdigit() for ch in key):
        return _IMPOSSIBLE
    return 1.6 - 0.6 * (len(words) - 1)


def _grade_score(words: list[str]) -> float:
    return 1.5 if _grade_value(words) is not None else _IMPOSSIBLE


def _quantity_score(words: list[str]) -> float:
    return 1.0 if len(words) == 1 and re.fullmatch(r"[0oO]?[0-9lI]{1,3}|[0oO][lI1]", words[0]) else _IMPOSSIBLE


def _year_score(words: list[str]) -> float:
    ok = len(words) == 1 and re.fullmatch(r"\d{4}", words[0]) and 1940 <= int(words[0]) <= date.today().year
    return 1.5 if ok else _IMPOSSIBLE


def _other_score(words: list[str]) -> float:
    return 0.05 * len(words)


_SHAPES: dict[str, tuple[Callable[[list[str]], float], int]] = {
    "index": (_index_score, 1),
    "name": (_text_score, 40),
    "unit": (_text_score, 40),
    "manufacturer": (_text_score, 40),
    "country_of_origin": (_text_score, 40),
    "designation": (_model_score, 2),
    "serial_number": (_serial_score, 3),
    "quality_grade": (_grade_score, 2),
    "quantity": (_quantity_score, 1),
    "year_of_manufacture": (_year_score, 1),
    "other": (_other_score, 40),
}
_MISSING = {"index": -0.3, "other": -0.1}
_SEP_BONUS = {"cell": 0.4, "line": 0.2, "start": 0.2, "space": 0.0}


def _span_score(kind: str, tokens: list[_Token], start: int, end: int) -> float:
    shape, longest = _SHAPES[kind]
    if end - start > longest:
        return _IMPOSSIBLE
    words = [t.text for t in tokens[start:end]]
    score = shape(words)
    if score <= _IMPOSSIBLE:
        return score
    score += _SEP_BONUS[tokens[start].sep]
    inside = [t.sep for t in tokens[start + 1 : end]]
    text_like = kind in _TEXT_KINDS or kind == "other"
    score -= inside.count("cell") * (0.5 if text_like else 0.8)
    if not text_like:
        score -= 0.2 * inside.count("line")
    if text_like and end < len(tokens) and tokens[end - 1].sep == "line" and tokens[end].sep == "space":
        score -= 0.4  # it took only the first word of a line: "BTR" of the model cell "BTR 60PB"
    if kind == "designation" and start > 0 and serial_key(tokens[start - 1].text) == serial_key("".join(words)):
        score += 0.6  # names end with the model: "Xe thiết giáp chở quân M113 | M113"
    return score


def _share_out(kinds: list[str], tokens: list[_Token]) -> list[tuple[str, str]]:
    """Best assignment of the row's tokens to the columns, as (kind, printed value) pairs."""
    n, m = len(tokens), len(kinds)
    best: dict[tuple[int, int], tuple[float, tuple[int, int, int] | None]] = {(0, 0): (0.0, None)}
    for j, kind in enumerate(kinds):
        for i in range(n + 1):
            here = best.get((i, j))
            if here is None:
                continue
            # the column is missing
            candidate = here[0] + _MISSING.get(kind, -1.2)
            if candidate > best.get((i, j + 1), (_IMPOSSIBLE - 1, None))[0]:
                best[(i, j + 1)] = (candidate, (i, j, i))
            for k in range(i + 1, n + 1):
                span = _span_score(kind, tokens, i, k)
                if span <= _IMPOSSIBLE:
                    if k - i >= _SHAPES[kind][1]:
                        break
                    continue
                candidate = here[0] + span
                if candidate > best.get((k, j + 1), (_IMPOSSIBLE - 1, None))[0]:
                    best[(k, j + 1)] = (candidate, (i, j, k))
    finals = [(score - 0.5 * (n - i), i) for (i, j), (score, _) in best.items() if j == m]
    if not finals:
        return []
    _, i = max(finals)
    chosen: list[tuple[str, str]] = []
    j = m
    while j > 0:
        _, back = best[(i, j)]
        assert back is not None
        start, previous_j, end = back
        if end > start:
            chosen.append((kinds[previous_j], " ".join(t.text for t in tokens[start:end])))
        i, j = start, previous_j
    return list(reversed(chosen))


# --- finding tables ------------------------------------------------------------------------


def _row_lines(lines: list[Line], start: int, limit: int) -> list[Line]:
    """The lines after a header that hold the first row's cells (blank lines and rules skipped)."""
    taken: list[Line] = []
    for line in lines[start : start + 4 * limit + 12]:
        if line.page != lines[start - 1].page or len(taken) >= limit:
            break
        if not _REAL.search(line.text):  # blank, or a rule such as |---|---|
            if taken and not line.text.strip() and len(taken) > 1:
                break
            continue
        if _ROW_END.match(line.key) or any(h.strong and h.label.field for h in label_hits(line)):
            break
        if not taken and _header_tail(line.text):
            continue
        taken.append(line)
    return taken


def _header_tail(text: str) -> bool:
    """The second line of a header cell wrapped in two ("Số" / "lượng"), which OCR may give a line of its own,
    specks and all ("; : : luong", "nụ lượng", "Tương")."""
    if re.search(r"\d", text):
        return False
    words = [_letters(word) for word in text.split()]
    words = [word for word in words if word]
    if not words or len(words) > 3 or sum(map(len, words[:-1])) > 3:
        return False
    tail = words[-1]
    if not 3 <= len(tail) <= 12:
        return False
    # One letter misread is forgiven in a tail of four or more ("Tương" for "lượng").
    return any(key != tail and (key.endswith(tail) or (len(tail) >= 4 and len(key) > len(tail)
                                                       and Levenshtein.distance(key[-len(tail):], tail) <= 1))
               for key, _ in _KEYS)


def _values(kinds: list[str], tokens: list[_Token], line: Line, spaced: bool) -> list[TableValue]:
    found = []
    for kind, value in _share_out(kinds, tokens):
        if kind == "quality_grade" and (grade := _grade_value(value.split())) is not None:
            value = str(grade)  # as the cell means it: "Zi" is a 2
        if kind in _FIELD_KINDS:
            found.append(TableValue(kind, value, line, spaced))
    return found


_CALIBRE = re.compile(r"\d{1,3}(?:[,.]\d)?\s?mm")  # "23mm", "14,5mm": a gun's calibre before its model


def _wrapped_model(values: list[TableValue], after: list[Line]) -> list[TableValue]:
    """"1 |Xe chiến đấu bộ binh BMP-1 E620176 1 01" / "BMP-1": the name cell wrapped its model
    onto the next line; a name without a model takes a line holding only a model."""
    if not after:
        return values
    words = [w.strip("|_:;") for w in after[0].text.split()]
    words = [w for w in words if re.search(r"\w", w)]  # specks after the cell: "23mm ZU-23-2 ; ¬"
    if len(words) == 1 and re.fullmatch(r"[A-Z][a-z]{2,11}", words[0]) and not _ROW_END.match(after[0].key):
        # "Xe pháo phản lực BM-21" / "Grad": the name's last word, after its model, wrapped under it
        return [TableValue(v.field, f"{v.value} {words[0]}", v.line, v.spaced)
                if v.field == "name" and _MODEL.match((v.value.split() or [""])[-1]) else v for v in values]
    # The model alone, or the name's last words before it ("điện R-123M" under "Máy thông tin vô tuyến").
    models = len(words) - next((i for i, w in enumerate(words) if _MODEL.match(w)), len(words))
    lead = words[: len(words) - models]
    if not 1 <= models <= 2 or not all(_MODEL.match(w) for w in words[len(lead):]) or len(lead) > 3 or not all(
            (w.isalpha() and w.islower()) or _CALIBRE.fullmatch(w) for w in lead):
        return values
    tail = " ".join(words)
    return [
        TableValue(v.field, f"{v.value} {tail}", v.line, v.spaced) if v.field == "name" and not re.search(r"\d", v.value) else v
        for v in values
    ]


def _with_heads_set_apart(kinds: list[str], lines: list[Line], at: int) -> list[str]:
    """The header's columns with the serial's column put back after the designation's where the layout analysis
    set its head apart, alone on a line just above ("Số hiệu" over "TT Tên trang bị Ký hiệu Cấp")."""
    if "serial_number" in kinds or "designation" not in kinds:
        return kinds
    above = [line for line in lines[max(0, at - _HEADS_APART) : at] if line.text.strip() and line.page == lines[at].page]
    if not any(_cell_kind(line.text) == "serial_number" for line in above):
        return kinds
    after = kinds.index("designation") + 1
    return kinds[:after] + ["serial_number"] + kinds[after:]


def table_values(lines: list[Line]) -> list[TableValue]:
    """Values read from every item table in the document."""
    found: list[TableValue] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        kinds = _header_columns(line.text) if line.text.strip() else None
        if kinds is not None and kinds[0] != "index":
            kinds = ["index"] + kinds  # "TT" misread ("TRÍ.", "TẾ", "A HE"): a row may still open with its number
        if kinds is not None and "name" not in kinds and kinds[1] == "designation":
            kinds = ["index", "name"] + kinds[1:]  # "Tên trang bị" lost: an item's model follows its name
        if kinds is not None:
            kinds = _with_heads_set_apart(kinds, lines, index)
        if kinds is not None:
            rows = _row_lines(lines, index + 1, 3)
            if rows:
                row = rows[0]
                spaced = bool(re.search(r"\||\t|\S\s{2,}\S", row.text))
                values = _values(kinds, _tokens([row.text], lines_are_cells=False), row, spaced)
                found.extend(_wrapped_model(values, rows[1:2]))
            index += 1
            continue
        # one cell per line: a run of header cells, then the value cells in the same order
        run: list[str] = []
        end = index
        while end < len(lines) and lines[end].page == line.page:
            kind = _cell_kind(lines[end].text) if lines[end].text.strip() else None
            step = 1
            if kind is None and run and end + 1 < len(lines) and lines[end].text.strip() and lines[end + 1].page == line.page:
                # a header cell wrapped over two lines: "Số" / "lượng"
                kind = _cell_kind(f"{lines[end].text} {lines[end + 1].text}") if lines[end + 1].text.strip() else None
                step = 2
            if kind is None:
                break
            run.append(kind)
            end += step
        if len(run) >= 3 and sum(kind in _FIELD_KINDS for kind in run) >= 2:
            rows = _row_lines(lines, end, 3 * len(run))
            if rows:
                tokens = _tokens([row.text for row in rows], lines_are_cells=True)
                found.extend(_values(run, tokens, rows[0], True))
            index = end
            continue
        index += 1
    return found
