"""Vietnamese date expressions: parse one, and find the document's own date on a page.

Matching runs on folded text (marks stripped), so "ngày", "ngay" and OCR's "ngàv" meet;
digit groups tolerate the letters OCR prints for digits (O/0, l/1, S/5) as long as the
group holds a real digit. Day always comes first. Offsets returned are in the given text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date
from typing import Iterator

from common.text import fold_map

__all__ = ["DateMatch", "iter_dates", "parse_date", "find_document_date"]

_D = "[0-9oils|z]"  # a digit or a letter OCR prints for one (folded text is lower case)
_Y = rf"(?:{_D}{{4}}|[12] {_D}{{3}})"  # a year; OCR may split off its first digit ("20/04/1 986")
_M = rf"(?:{_D}{{1,2}}|{_D} {_D})"  # a month between separators, maybe split the same way ("18/1 1/2002")
_SPECK = r"(?:[a-z][\s,.:]+)?"  # one stray letter before the year ("năm n 2019")
_OCR_DIGITS = str.maketrans("oils|z", "011152")
_MIN_YEAR, _MAX_YEAR = 1900, 2100

# "ngày 15 tháng 10 mdm 1967": with "ngày" and "tháng" read, "năm" may be misread whole; "ngày 14-tháng 8": a dash
# for a space.
_WORD_DATE = re.compile(
    rf"\bn[gq][a-z]{{1,2}}[\s,.:]*(?P<d>{_D}{{1,2}})[\s,.\-]*"
    rf"th[a-z]{{2,3}}[\s,.:]*(?P<m>{_D}{{1,2}})[\s,.\-]*"
    rf"(?:n[a-z]{{1,3}}|[a-z]{{2,3}})[\s,.:]*{_SPECK}(?P<y>{_Y})(?![0-9a-z])"
)
_NUMERIC_DATE = re.compile(
    rf"(?<![0-9a-z/.\-])(?P<d>{_D}{{1,2}})[ \t]*(?P<sep>[/.\-])[ \t]*(?P<m>{_M})"
    rf"[ \t]*(?P=sep)[ \t]*(?P<y>{_Y})(?![0-9a-z/\-])"
)
# "ngày 21 = 12 năm 1968", "ngày 10 mg 11 năm 2001": OCR lost the word "tháng" but not the numbers.
_DAMAGED_WORD_DATE = re.compile(
    rf"\bn[gq][a-z]{{1,2}}[\s,.:]*(?P<d>{_D}{{1,2}})\s+[^\s\d]{{1,5}}\s+(?P<m>{_D}{{1,2}})[\s,.]*"
    rf"n[a-z]{{1,3}}[\s,.:]*(?P<y>{_D}{{4}})(?![0-9a-z])"
)
# "23 tháng 2 năm 2024" after a place whose "ngày" OCR spoiled ("Hồ Chí Minh, huấn 23 tháng 2 năm 2024").
_BARE_WORD_DATE = re.compile(
    rf"(?<![0-9a-z])(?P<d>{_D}{{1,2}})[\s,.]*th[a-z]{{2,3}}[\s,.:]*(?P<m>{_D}{{1,2}})[\s,.]*"
    rf"n[a-z]{{1,3}}[\s,.:]*(?P<y>{_D}{{4}})(?![0-9a-z])"
)
# "ngày.13/06/1975", "ngay-27/04/2022": a speck glued between the word and the number, one character for one.
_GLUED_NGAY = re.compile(r"(?<=\bn[gq]a[yv])[.\-](?=\d)")
_ISO_DATE = re.compile(r"(?<![0-9/.\-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![0-9/\-])")
_PATTERNS = (("word", _WORD_DATE), ("numeric", _NUMERIC_DATE), ("iso", _ISO_DATE), ("damaged", _DAMAGED_WORD_DATE),
             ("word", _BARE_WORD_DATE))


@dataclass(frozen=True)
class DateMatch:
    value: date
    start: int  # offsets in the original text
    end: int
    kind: str  # "word" | "numeric" | "iso"
    repaired: bool  # an OCR look-alike letter was read as a digit, or the month word was unreadable


def _digits(group: str, minimum_real: int = 1) -> str | None:
    if sum(ch.isdigit() for ch in group) < minimum_real:
        return None
    return group.translate(_OCR_DIGITS)


def _to_date(match: re.Match[str]) -> tuple[date, bool] | None:
    day, month, year = _digits(match["d"]), _digits(match["m"].replace(" ", "")), _digits(match["y"].replace(" ", ""), 2)
    if day is None or month is None or year is None:
        return None
    if not _MIN_YEAR <= int(year) <= _MAX_YEAR:
        return None
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    repaired = (day, month, year) != (match["d"], match["m"], match["y"])
    return value, repaired


def iter_dates(text: str) -> Iterator[DateMatch]:
    """Every valid date expression in `text`, in reading order."""
    folded, offsets = fold_map(text)
    folded = _GLUED_NGAY.sub(" ", folded)
    found: list[DateMatch] = []
    taken: list[range] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(folded):
            if any(match.start() in span for span in taken):
                continue
            parsed = _to_date(match)
            if parsed is None:
                continue
            taken.append(range(match.start(), match.end()))
            start, end = offsets[match.start()], offsets[match.end()]
            if kind == "damaged":  # read as a word date whose month word OCR spoiled
                found.append(DateMatch(parsed[0], start, end, "word", True))
            else:
                found.append(DateMatch(parsed[0], start, end, kind, parsed[1]))
    yield from sorted(found, key=lambda m: m.start)


def parse_date(text: str) -> date | None:
    """The first valid date expression in `text`; None for blank, invalid or absent dates."""
    for match in iter_dates(text or ""):
        return match.value
    return None


# --- the document's own date -------------------------------------------------------------

_TRAILING_NGAY = re.compile(r"\bn[gq]a[yv]\s*[:.\-]?\s*$")
_HOM_NAY = re.compile(r"hom\s+nay\W*$")
_REFERENCE = re.compile(
    r"can\s+cu|theo\s+(quyet|lenh|ke\s+hoach|bien\s+ban|cong\s+van)"
    r"|(quyet\s+dinh|lenh|bien\s+ban|ke\s+hoach|cong\s+van|chi\s+thi|phieu)\s+so\b"
)
# "Hà Nội, " before the date; after the comma, a short word may be what OCR made of "ngày".
_PLACE_COMMA = re.compile(r"[^\W\d_][^\W_]*\.?(\s+[^\W\d_][^\W_]*\.?){0,5}\s*,\s*(?:[^\W\d_]{1,5}\s+)?$")
_ISSUE_LABEL = re.compile(r"(ngay\s+(lap|ki|ky|ban\s+hanh)|(lap|ki|ky)\s+ngay)\W*$")
_NUMBER_LINE = re.compile(r"^\W*so\s*[:.]?\s*\S*\d")
_OTHER_LABEL = re.compile(r"(san\s+xuat|xuat\s+xuong|nhap|nhan|giao|bat\s+dau|hoan\s+thanh|het\s+han|tu\s+ngay|den\s+ngay)\W*$")
_CELL_GAP = re.compile(r"\S(?:[ ]{2,}|\t)(?=\S)")
_ROW_START = re.compile(r"^\s*(\d{1,3}\s*[.)|]?\s+)?[0-9oils|z]{1,2}\s*[/.\-]\s*[0-9oils|z]{1,2}\s*[/.\-]")


def _is_table_row(line: str) -> bool:
    return line.count("|") >= 2 or len(_CELL_GAP.findall(line)) >= 2 or bool(_ROW_START.match(line))


def _score(prefix: str, line: str, kind: str, top: bool) -> float | None:
    """How likely a date with this folded line prefix is the document's own date."""
    if _HOM_NAY.search(prefix):
        return 0.85
    if _REFERENCE.search(prefix):
        return 0.15
    if _PLACE_COMMA.search(prefix):
        return 0.95 if top else 0.85
    if _ISSUE_LABEL.search(prefix):
        return 0.85
    if _NUMBER_LINE.match(prefix):
        return 0.7
    if _is_table_row(line) or _OTHER_LABEL.search(prefix):
        return None
    if kind == "word":
        return 0.55 if top else 0.45
    return 0.4 if top else 0.3


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in _NEWLINE.finditer(text))]


_NEWLINE = re.compile("\n")


def find_document_date(text: str) -> tuple[date, float, int] | None:
    """The document's own date, a confidence and its character offset in `text`.

    The place-and-date line ("Hà Nội, ngày ...") near the header is the strongest sign,
    "Hôm nay, ngày ..." next, a date on the "Số:" line or in the body weaker; dates of
    referenced documents ("Căn cứ ...") barely count and dates in table rows not at all.
    """
    if not text:
        return None
    starts = _line_starts(text)
    best: tuple[float, int, date] | None = None
    for match in iter_dates(text):
        index = bisect.bisect_right(starts, match.start) - 1
        line_start = starts[index]
        line_end = text.find("\n", match.start)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        prefix = _TRAILING_NGAY.sub("", fold_map(text[line_start : match.start])[0])
        top = index < 15 or match.start < 0.35 * len(text)
        score = _score(prefix, fold_map(line)[0], match.kind, top)
        if score is None:
            continue
        if match.repaired:
            score -= 0.1
        if best is None or score > best[0]:
            best = (score, match.start, match.value)
    if best is None:
        return None
    return best[2], round(best[0], 2), best[1]
