"""Value parsers: printed text in, a validated field value (or None) out.

Each parser checks the shape its field must have (a serial has a digit and 4-20
characters, a year is plausible, a grade is 1-5) so that a label followed by the wrong
thing, or by OCR debris, proposes nothing rather than something wrong.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable

from rapidfuzz.distance import Levenshtein

from common.identifiers import serial_key
from ingest.serials import repair_serial
from common.text import fold, fold_iy, fold_map, merge_iy

__all__ = ["PARSERS", "UNIT_WORDS", "grade_number", "parse_serial", "serial_tokens", "parse_year", "parse_unit", "parse_designation"]



UNIT_WORDS = merge_iy(
    r"(?:lu\s*doan|trung\s*doan|su\s*doan|tieu\s*doan|dai\s+doi|trung\s+doi|quan\s+khu|quan\s+doan|"
    r"quan\s+chung|binh\s+chung|bo\s+tu\s+lenh|bo\s+chi\s+huy|ban\s+chi\s+huy|tong\s+cuc|cuc|phong|kho|"
    r"xuong|nha\s+may|hoc\s+vien|truong|vung|hai\s+doan|hai\s+doi|binh\s+doan|phan\s+doi|doan\s+\d|"
    r"ban\s+chqs|bo\s+chqs|bo\s+doi|trung\s+tam|tieu\s+khu|cum|tram|"
    r"[efzkcdb]\s?\d+)\b"
)
_PERSON = re.compile(merge_iy(r"^\W*(dong\s+chi|d\s*/\s*c|ong|ba|cap\s+bac|chuc\s+vu|ho\s+(va\s+)?ten|dai\s+dien)\b"))
# A unit's name ends before a verb or a clause: "Lữ đoàn 164 từ cấp 2 xuống cấp 3",
# "Trung đoàn 24 quản lý, sử dụng", "Lữ đoàn 201 (đơn vị giao)".
_UNIT_END = re.compile(
    merge_iy(
        r"\s*\(|\s+(?:do|gom|dai\s+dien|dia\s+chi|tu|ve|sang|xuong|len|den|cho|quan\s+ly|su\s+dung|"
        r"bien\s+che|co\s+trach|chiu|cap\s+nhat|theo|de|tiep\s+nhan|thuc\s+hien|ke\s+tu|ngay|voi|kem\s+theo|"
        r"tien\s+hanh|chung\s+toi|to\s+cong\s+tac|dat|la)\b"
    )
)


# --- free text: names, makers, countries ---------------------------------------------------

# "M- 30", "ZU- -23- 2", "M:46" → "M-30", "ZU-23-2", "M-46": OCR spreads a model's dash.
_MODEL_DASH = re.compile(r"\b([A-Z][A-Za-z]{0,5}|\d{1,3})\s*[-:–]\s*(?:-\s*)?(?=\d)")
_CALIBRE_DASH = re.compile(r"(?<=\d)(mm)-(?=[A-Z])")  # "57mm-S-60" → "57mm S-60"
_STRAY_DOT = re.compile(r"(?<=[^\W_])\.(?=\s+[^\W_])|(?<=[^\W\d_]{2})\.(?=[^\W\d_]{2})")
_EDGE_JUNK = re.compile(r"^[\W_]+|[^\w)]+$")
_JUNK_TOKEN = re.compile(r"[^\w\-/().,]|_")
_LETTERS = re.compile(r"[^\W\d_]")


def _drop_leading_debris(words: list[str]) -> list[str]:
    """"M . Pháo ...", "oo Đài ra đa", "Ce ae Máy ...", "Se _:Đài": specks read from a leader.

    A run of one- and two-letter words drops when a real word (three letters or more, capital
    first) follows and the run shows it is debris: a lower-case word, a lone mark, or marks
    glued to the next word. "XE Ô TÔ URAL-375D" stays: nothing in it is debris.
    """
    run = 0
    while run < len(words) and len(_LETTERS.findall(words[run])) <= 2 and run < 3:
        run += 1
    if run == 0 or run >= len(words):
        return words
    following = words[run]
    core = _EDGE_JUNK.sub("", following)
    if len(core) < 3 or not core.isalpha() or not core[:1].isupper() or not core[1:].islower():
        return words  # debris comes before a word in title case: "Pháo", "Đài", "Máy"
    debris = any(w.islower() or not _LETTERS.search(w) or _JUNK_TOKEN.search(w) for w in words[:run]) or core != following
    if not debris:
        return words
    return [core, *words[run + 1 :]]


def _drop_trailing_debris(words: list[str]) -> list[str]:
    """"Xe tăng T-55 gi", "Đài đo cao PRV-13.0)": specks after the model that ends a name."""
    models = [i for i, w in enumerate(words) if re.search(r"[A-Za-z]", w) and re.search(r"\d", w) and "-" in w]
    if not models:
        return words
    last = models[-1]
    tail = words[last + 1 :]
    if tail and all(len(_LETTERS.findall(w)) <= 2 or _JUNK_TOKEN.search(w) or (w.islower() and len(w) <= 3) for w in tail):
        words = words[: last + 1]
    if words and re.search(r"\d[.,]\d\)$", words[-1]) and "(" not in words[-1]:
        words[-1] = words[-1][:-3]  # "PRV-13.0)": specks glued to the model
    return words


def tidy_text(value: str) -> str:
    """A printed value with OCR's spacing damage undone; letters are kept as printed."""
    value = re.sub(r"(?<=[a-zà-ỹđ]{2})(?=[A-Z]{1,5}-\d)", " ", value)  # "Đài ra đaP-18"
    value = re.sub(r":\s.*$", "", value)  # "Nizhny Novgorod: 3 x12 9x An": a colon ends a value
    value = re.sub(r"(?<=[^\W\d_])[:;]+-?(?=[^\W\d_])", " ", value)  # "Nhà máy:-ô tô"
    value = re.sub(r"(?<!\S)[‘'`“]([^\W\d_]+)[’'`”](?!\S)", r"\1", value)  # "‘Nha’ máy"
    value = _STRAY_DOT.sub(" ", value)
    value = re.sub(r"(?<!\S)_+(?=\w)", "", value)  # "_VRS-2M"
    value = _CALIBRE_DASH.sub(r"\1 ", value)
    for _ in range(2):
        value = _MODEL_DASH.sub(r"\1-", value)
    value = re.sub(r"(?<=[a-zà-ỹđ])[.\-](?=[a-zà-ỹđ]|[A-Z]{1,5}-?\d)", " ", value)  # "Máy-thông tin", "57mm.S-60"
    value = re.sub(r"(?:[°º]|(?<![\w°º]))6(?=\s+t[ôo]\b)", " ô", value)  # "Xe 6 tô", "Xe°6 tô": ô read as 6
    words = [w for w in value.split() if w]
    words = _drop_trailing_debris(_drop_leading_debris(words))
    return _EDGE_JUNK.sub("", " ".join(words)).strip()


def parse_text(value: str) -> str | None:
    value = tidy_text(value.strip(" \"'“”"))
    return value if re.search(r"[^\W\d_]{2}", value) and len(value) <= 150 else None


_COUNT = re.compile(r"^\d{1,3}\s*(?:\([^)]{0,12}\)\s*)?(?:(?:chiếc|khẩu|bộ|cái)\s+)?", re.IGNORECASE)


def parse_name(value: str) -> str | None:
    """The item's name without a leading count: "01 chiếc xe tăng T-54B" → "xe tăng T-54B"."""
    name = _COUNT.sub("", value).strip()
    if len(name) > 80 or len(name.split()) > 12:
        return None
    return parse_text(name)


_MODEL_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-./]*$")


def parse_designation(value: str) -> str | None:
    """A model: one word with a digit ("ZU-23-2", "KrAZ-255B"), or a word and a number ("Type 59")."""
    value = re.split(r"\s*[(,;]", value, maxsplit=1)[0]
    value = re.sub(r"(?<=\w)\s*-\s*(?=\w)", "-", value).strip(" .:-")
    words = value.split()
    if not words or not _MODEL_WORD.match(words[0]):
        return None
    taken = [words[0]]
    if len(words) > 1 and re.fullmatch(r"[A-Z][A-Za-z]{1,7}", words[0]) and re.fullmatch(r"\d[\dA-Za-z]{0,4}", words[1]):
        taken.append(words[1])  # "Type 59"
    model = " ".join(taken).rstrip(".-")
    model = re.sub(r"(?<=-)[IlO|]+$", lambda m: m.group().translate(_DIGIT_SHAPES), model)  # "BMP-I" → "BMP-1"
    return model if re.search(r"[0-9]", model) and 3 <= len(model) <= 20 else None


_DIGIT_SHAPES = str.maketrans("IlO|", "1101")


_SERIAL_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-–./|:]*$")


def serial_tokens(value: str) -> str:
    """The leading run of serial-shaped tokens: "KB 15 84, năm ..." → "KB 15 84"."""
    tokens = []
    for word in value.split():
        token = word.rstrip(",;.:)")
        if not _SERIAL_TOKEN.match(token) or not (any(ch.isdigit() for ch in token) or token.isupper()):
            break
        if re.search(r"[abd-npqrtuy]", token):
            break  # serials print in capitals; only letters shaped alike in both cases pass ("06a s2")
        if re.fullmatch(r"\d{1,2}", token) and re.search(r"\d{3}", "".join(tokens)):
            break  # "VRS2M-2769 2 01": a grade or quantity cell after a full serial
        tokens.append(re.sub(r"(?<=\w):(?=\w)", "-", token))  # OCR reads a dash as ":"
        if token != word or len(tokens) == 4:
            break  # punctuation ends the serial
    while tokens and not any(ch.isdigit() for ch in tokens[-1]) and len(tokens) > 1 and len(tokens[-1]) > 3:
        tokens.pop()  # a trailing word in capitals is no part of the serial
    return " ".join(tokens)


def parse_serial(value: str) -> str | None:
    serial = repair_serial(serial_tokens(value))
    key = serial_key(serial)
    # Serials carry at least three digits, and a short one is all digits: "0C-C5", "EBM-BA4E"
    # and "035B" are OCR debris, and no serial is better than a wrong one.
    if not 4 <= len(key) <= 20 or sum(ch.isdigit() for ch in key) < 3 or (len(key) == 4 and not key.isdigit()):
        return None
    return serial


_OPENING = re.compile(r"^[^\w]+")


def find_serial(value: str, skip: int = 4) -> str | None:
    """The first serial in a value that OCR debris precedes: "ena . P18-6643", "(742242".

    Skipped words must not look like part of a serial; the serial found needs three digits.
    """
    words = [_OPENING.sub("", w) for w in value.replace("|", " ").split()]
    words = [w for w in words if w]
    for start in range(min(skip + 1, len(words))):
        serial = parse_serial(" ".join(words[start:]))
        if serial and sum(ch.isdigit() for ch in serial) >= 3:
            return serial
        if start < len(words) and re.search(r"\d", words[start]) and len(words[start]) >= 3:
            return None  # a number-like word that is no serial: do not look past it
    return None


# --- units ---------------------------------------------------------------------------------

_UNIT_TYPES = ("Lữ đoàn", "Trung đoàn", "Sư đoàn", "Tiểu đoàn", "Đại đội", "Quân khu", "Quân đoàn", "Binh đoàn", "Hải đoàn")
_UNIT_TYPE_KEYS = {fold_iy(t).replace(" ", ""): t for t in _UNIT_TYPES}
_RANKS = re.compile(merge_iy(r"^\W*(dai|thuong|trung|thieu)\s+(ta|uy)\b"))
# One unit: its type and what names it, a number or code ("Sư đoàn 304", "Kho K60") or words
# ("Cục Ra đa"); "Sư đoàn" alone names nothing.
_CODE = r"[efzkcdb]\s?\d+\b"
_ELEMENT = re.compile(
    rf"(?:{_CODE}|{UNIT_WORDS}(?:\s*[a-z]{{0,3}}[.\-]?\d[\w.\-]*|(?:\s+[^\W\d_]+(?:\s*-\s*[^\W\d_]+)?){{1,3}}))"
)


def _unit_chain_end(key: str) -> int | None:
    """Where a chain of units ("Trung đoàn 24, Sư đoàn 304", "Kho K60/Cục Ra đa") ends."""
    element = _ELEMENT
    match = element.match(key)
    if match is None:
        return None
    end = match.end()
    while True:
        more = re.match(r"\s*[,/]\s*", key[end:])
        if not more:
            return end
        following = element.match(key, end + more.end())
        if following is None:
            return end
        end = following.end()


def _repair_unit_types(value: str) -> tuple[str, bool]:
    """"Ti ung đoàn 291", "L đoàn 596", "Tung ¿ doin 48": a damaged unit type before its number.

    The type words form a closed list; one or two wrong letters are put right, ties refused.
    """
    repaired = False

    def fix(match: re.Match[str]) -> str:
        nonlocal repaired
        words = match.group(1)
        spaceless = re.sub(r"[^a-z]", "", fold_iy(words))
        if spaceless in _UNIT_TYPE_KEYS or len(spaceless) < 4:
            return match.group(0)
        scored = sorted((Levenshtein.distance(spaceless, key), printed) for key, printed in _UNIT_TYPE_KEYS.items())
        if scored[0][0] <= 2 and (len(scored) == 1 or scored[1][0] > scored[0][0]):
            repaired = True
            return f"{scored[0][1]} {match.group(2)}"
        return match.group(0)

    fixed = re.sub(r"((?:[^\W\d_]+[\W_]{0,3}\s*){1,3}?[^\W\d_]+)\s+(\d{1,4})\b", fix, value)
    return fixed, repaired


def tidy_unit(value: str) -> tuple[str, bool] | None:
    """A unit name as printed, cut from the OCR debris around it; (value, repaired)."""
    value = re.sub(r"(?<=[^\W\d_]{3})(?=\d)", " ", value)  # "Sư đoàn363", "Quân khu3"
    value = re.sub(r"(?<=[^\W\d_])(?=[đĐ](?:oàn|OÀN)\b)", " ", value)  # "Lữđoàn"
    value = re.sub(r"(?<=[^\W_])[\s.'‘’`_¿]*[,;:][\s,;:.'‘’`_¿]*(?=[^\W_])", ", ", value)  # "293,: Sư", "24; Sư", "291,'Sư"
    value = re.sub(r"(?<=[^\W_])\s*[.'‘’`_¿]+\s*(?=[^\W_])", " ", value)  # "Trung. doan", "Su 'đoàn"
    value = re.sub(r"\s+_+\s+", " ", value)
    value, repaired = _repair_unit_types(value)
    key, offsets = fold_map(value, iy=True)
    start = re.search(UNIT_WORDS, key)
    if start is None or start.start() > 30:
        return None
    key, value = key[start.start() :], value[offsets[start.start()] :]
    _, offsets = fold_map(value, iy=True)
    end = _unit_chain_end(key)
    if end is not None:
        value = value[: offsets[end]]
    value = value.strip(" ,.-–:;")
    return (value, repaired) if re.search(r"[^\W\d_]{2}", value) and len(value) <= 100 else None


def parse_unit(value: str) -> str | None:
    folded = fold_iy(value)
    if _PERSON.match(folded) or _RANKS.match(folded):
        return None
    cut = _UNIT_END.search(folded)
    if cut and cut.start() > 0:
        value = value[: cut.start()]
    tidy = tidy_unit(value.strip(" ,.-–:;"))
    return tidy[0] if tidy else None


_YEAR = re.compile(r"(?<![0-9a-z])([0-9oils|]{4})(?![0-9a-z])")


def parse_year(value: str) -> int | None:
    for match in _YEAR.finditer(fold(value)):
        group = match.group(1)
        if sum(ch.isdigit() for ch in group) < 3:
            continue
        year = int(group.translate(str.maketrans("oils|", "01151")))
        if 1940 <= year <= date.today().year:
            return year
    return None


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
GRADE_TOKEN = r"(?P<g>[1-5]|iii|ii|iv|v|i|l)(?!\w|[/.,\-]\d)"
_GRADE_VALUE = re.compile(rf"^\W*(?:(?:dat\s+)?(?:cap\s+chat\s+luong|cap)\s*[:.]?\s*)?{GRADE_TOKEN}")


def grade_number(token: str) -> int:
    return int(token) if token.isdigit() else 1 if token == "l" else _ROMAN[token]


def parse_grade(value: str) -> int | None:
    match = _GRADE_VALUE.match(fold_iy(value))
    return grade_number(match["g"]) if match else None


_REPAIR_WORDS = (
    ("minor", merge_iy(r"sua\s+chua\s+nho|\bscn\b|tieu\s+tu|\bnho\b")),
    ("medium", merge_iy(r"sua\s+chua\s+vua|\bscv\b|trung\s+tu|\bvua\b")),
    ("major", merge_iy(r"sua\s+chua\s+lon|\bscl\b|dai\s+tu|\blon\b")),
)


def parse_repair_level(value: str) -> str | None:
    folded = fold_iy(value)
    found = [(m.start(), level) for level, pattern in _REPAIR_WORDS if (m := re.search(pattern, folded))]
    return min(found)[1] if found else None


def parse_maker(value: str) -> str | None:
    """A maker or a country: free text, without the specks OCR adds at its end ("Liên Xô- ee")."""
    value = re.sub(r"^\W*[lI1|!\[](?=[A-ZĐ][a-zà-ỹđ])", "", value)  # "lLiên Xô": a cell rule glued on
    text = parse_text(value)
    if text is None:
        return None
    words = text.split()
    if re.search(r"\d{5}", words[0]):
        return None  # "1017152601010 a pees": a row of specks, no name
    for index, word in enumerate(words[1:], start=1):
        if len(re.findall(r"\d", word)) >= 5:
            words = words[:index]  # "... 00115 30NNG1018380889vv3sa": specks after the name
            break
    while len(words) > 1 and (re.fullmatch(r"[^\W\d_]{1,2}", words[-1]) and words[-1].islower() or _JUNK_TOKEN.search(words[-1])):
        words.pop()
    return parse_text(" ".join(words))


PARSERS: dict[str, Callable[[str], str | int | None]] = {
    "name": parse_name,
    "designation": parse_designation,
    "serial_number": parse_serial,
    "manufacturer": parse_maker,
    "country_of_origin": parse_maker,
    "year_of_manufacture": parse_year,
    "unit": parse_unit,
    "quality_grade": parse_grade,
    "repair_level": parse_repair_level,
    "from_unit": parse_unit,
    "to_unit": parse_unit,
}
