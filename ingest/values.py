"""Value parsers: printed text in, a validated field value (or None) out.

Each parser checks the shape its field must have (a serial has a digit and 4-20
characters, a year is plausible, a grade is 1-5) so that a label followed by the wrong
thing, or by OCR debris, proposes nothing rather than something wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Callable

from rapidfuzz import fuzz
from rapidfuzz.distance import Hamming, Levenshtein

from common.designations import catalogue_entry, normalize_designation
from common.identifiers import lookalike_key, serial_key
from common.vocabulary import COUNTRIES, DESIGNATIONS, EQUIPMENT_NOUNS, MAKER_WORDS, NAMED_UNIT_TYPES, UNIT_BRANCHES, UNIT_TYPES
from ingest.plausibility import is_vietnamese_syllable
from ingest.serials import repair_serial
from common.text import fold, fold_iy, fold_map, merge_iy

__all__ = ["PARSERS", "UNIT_WORDS", "grade_number", "parse_serial", "serial_tokens", "parse_year", "parse_unit", "parse_designation"]



UNIT_WORDS = merge_iy(
    r"(?:lu[\s,.\-]*doan|trung[\s,.\-]*doan|su[\s,.\-]*doan|tieu[\s,.\-]*doan|dai\s+doi|trung\s+doi|quan\s+khu|quan\s+doan|"
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


_ASCII_LETTER = re.compile(r"[A-Za-z]")
_A_DIGIT = re.compile(r"\d")
_CHEVRON_DASH = re.compile(r"(?<=\w)[›‹»«](?=\w)")
_SPECK_BESIDE_DASH = re.compile(r"(?<=\w)(?:-[+*„`'~]|[+*„`'~]-)(?=\w)")
_COLON_DASH = re.compile(r"^(\w{1,3}):\s(?=\d{3})")
_STOP_WITHOUT_SPACE = re.compile(r"(?<=[A-Z0-9])([.,;])(?=[^\W\d_A-Z])")
_SPECK_BEFORE_CALIBRE = re.compile(r"(?<=\s)[.,'`‘’]+(?=\d)")
_MIN_FOR_MM = re.compile(r"(?<=\d)min\b")
_SPECK_WORD = re.compile(r"(?<=[^\W\d_]{2})\s+[.,:;'`‘’_]+(?=\s+\S)")
_TRAILING_UNDERSCORES = re.compile(r"(?<=[A-Za-z0-9])_+$")


def _drop_trailing_debris(words: list[str]) -> list[str]:
    """"Xe tăng T-55 gi", "Đài đo cao PRV-13.0)": specks after the model that ends a name."""
    models = [i for i, w in enumerate(words) if _ASCII_LETTER.search(w) and _A_DIGIT.search(w) and "-" in w]
    if not models:
        return words
    last = models[-1]
    tail = words[last + 1 :]
    if tail and all(len(_LETTERS.findall(w)) <= 2 or _JUNK_TOKEN.search(w) or (w.islower() and len(w) <= 3) for w in tail):
        words = words[: last + 1]
    if words and re.search(r"\d[.,]\d\)$", words[-1]) and "(" not in words[-1]:
        words[-1] = words[-1][:-3]  # "PRV-13.0)": specks glued to the model
    return words


_GLUED_MODEL = re.compile(r"(?<=[a-zà-ỹđ]{2})(?=[A-Z]{1,5}-\d)")
_COLON_TO_END = re.compile(r":\s.*$")
_COLON_IN_WORDS = re.compile(r"(?<=[^\W\d_])[:;]+-?(?=[^\W\d_])")
_QUOTED_WORD = re.compile(r"(?<!\S)[‘'`“]([^\W\d_]+)[’'`”](?!\S)")
_LEADING_UNDERSCORES = re.compile(r"(?<!\S)_+(?=\w)")
_DOT_OR_DASH_IN_WORDS = re.compile(r"(?<=[a-zà-ỹđ])[.\-](?=[a-zà-ỹđ]|[A-Z]{1,5}-?\d)")
_SIX_FOR_O = re.compile(r"(?:[°º]|(?<![\w°º]))6(?=\s+t[ôo]\b)")


def tidy_text(value: str) -> str:
    """A printed value with OCR's spacing damage undone; letters are kept as printed."""
    value = _GLUED_MODEL.sub(" ", value)  # "Đài ra đaP-18"
    value = _COLON_TO_END.sub("", value)  # "Nizhny Novgorod: 3 x12 9x An": a colon ends a value
    value = _COLON_IN_WORDS.sub(" ", value)  # "Nhà máy:-ô tô"
    value = _QUOTED_WORD.sub(r"\1", value)  # "‘Nha’ máy"
    value = _STRAY_DOT.sub(" ", value)
    value = _LEADING_UNDERSCORES.sub("", value)  # "_VRS-2M"
    value = _CALIBRE_DASH.sub(r"\1 ", value)
    for _ in range(2):
        value = _MODEL_DASH.sub(r"\1-", value)
    value = _DOT_OR_DASH_IN_WORDS.sub(" ", value)  # "Máy-thông tin", "57mm.S-60"
    value = _SIX_FOR_O.sub(" ô", value)  # "Xe 6 tô", "Xe°6 tô": ô read as 6
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
    name = _SPECK_BEFORE_CALIBRE.sub("", name)  # "Pháo nòng dài .130mm": a speck glued to the calibre
    name = _MIN_FOR_MM.sub("mm", name)  # a calibre's "mm" read as "min": "130min"
    # A speck read as a word of its own between two words ("vô tuyến điện . R-123M"), or glued after the model as
    # an underscore ("VRC-811_").
    name = _SPECK_WORD.sub("", name)
    name = _TRAILING_UNDERSCORES.sub("", name)
    name = re.sub(r"(?<=\w{2})\s+[^\W\d_]$", "", name)  # "BM-21 Grad j": a speck read as a letter at the end
    name = re.sub(r"(?<=[^\W\d_]{2})-(?=\d+\s?mm\b)", " ", name)  # "Pháo lựu-122mm": a dash for the space
    # A register whose model column's header was lost: the model cell joins the name, the model twice.
    name = re.sub(r"(\S*\d\S*)\s+\1(?=[\s\W]*$)", r"\1", name)
    name = _model_once(name)
    if len(name) > 80 or len(name.split()) > 12:
        return None
    return parse_text(name)


_MODEL_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-./]*$")


def _model_once(name: str) -> str:
    """The model cell joined the name, one of the two misread: "Xe ô tô vận tải KrAZ-255B KrAZ-2558" keeps the
    catalogue's spelling (else the name's own)."""
    words = name.split()
    if len(words) < 3 or not all(re.search(r"\d", w) and re.search(r"[A-Za-z]", w) for w in words[-2:]):
        return name
    own, cell = words[-2], words[-1].rstrip(".,;")
    if lookalike_key(own) != lookalike_key(cell):
        return name
    kept = cell if catalogue_entry(cell) and not catalogue_entry(own) else own
    return " ".join(words[:-2] + [kept])


def parse_designation(value: str) -> str | None:
    """A model: one word with a digit ("ZU-23-2", "KrAZ-255B"), or a word and a number ("Type 59")."""
    value = re.split(r"\s*[(,;]", value, maxsplit=1)[0]
    value = re.sub(r"(?<=\w)\s*-\s*(?=\w)", "-", value).strip(" .:-")
    words = value.split()
    if words:
        words[0] = unmarked_code(words[0])
    if not words or not _MODEL_WORD.match(words[0]):
        return None
    taken = [words[0]]
    if len(words) > 1 and re.fullmatch(r"[A-Z][A-Za-z]{1,7}", words[0]) and re.fullmatch(r"\d[\dA-Za-z]{0,4}", words[1]):
        taken.append(words[1])  # "Type 59"
    elif len(words) > 1 and catalogue_entry(words[0] + words[1]) and not catalogue_entry(words[0]):
        taken = [words[0] + words[1]]  # "ZIL1 31": a space OCR put inside a catalogued model
    model = " ".join(taken).rstrip(".-")
    model = re.sub(r"(?<=-)[IlO|]+$", lambda m: m.group().translate(_DIGIT_SHAPES), model)  # "BMP-I" → "BMP-1"
    if not (re.search(r"[0-9]", model) and 3 <= len(model) <= 20):
        return None
    if catalogue_entry(model) is None and _RULE_GLYPH.match(model) and catalogue_entry(model[1:]):
        model = model[1:]  # "JS-60": a cell's rule read as a letter, glued before the model
    normal = normalize_designation(model) or model  # catalogue form: "BMP2" → "BMP-2", "Zil-131" → "ZIL-131"
    return normal if catalogue_entry(normal) else _one_letter_off_catalogue(normal) or normal


@lru_cache(maxsize=4096)
def _one_letter_off_catalogue(model: str) -> str | None:
    """The one catalogue entry `model` misreads by one letter of a long maker's prefix, its number the same
    ("KHAZ-255B" → "KrAZ-255B"); short prefixes stay (ZIS and ZIL are both real makers)."""
    match = _PREFIX_AND_NUMBER.match(serial_key(model))
    if match is None or len(match["letters"]) < 4:
        return None
    near = [entry for entry in DESIGNATIONS if (other := _PREFIX_AND_NUMBER.match(serial_key(entry))) is not None
            and other["number"] == match["number"] and len(other["letters"]) == len(match["letters"])
            and Hamming.distance(other["letters"], match["letters"]) == 1]
    return near[0] if len(near) == 1 else None


_PREFIX_AND_NUMBER = re.compile(r"^(?P<letters>[A-Z]+)(?P<number>\d.*)$")


_RULE_GLYPH = re.compile(r"^[|IlJ!\[(](?=[A-Z])")


_DIGIT_SHAPES = str.maketrans("IlO|", "1101")


def unmarked_code(word: str) -> str:
    """A code of capitals and digits without the marks OCR put on its letters ("VRU-BỊ2", "Đ-30"); other
    words as they are."""
    if not re.search(r"\d", word) or any(ch.islower() for ch in word):
        return word
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if unicodedata.category(ch) != "Mn").replace("Đ", "D")


_SERIAL_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-–./|:]*$")


def serial_tokens(value: str) -> str:
    """The leading run of serial-shaped tokens: "KB 15 84, năm ..." → "KB 15 84"."""
    tokens = []
    value = _CHEVRON_DASH.sub("-", value)  # "T55›6486": a dash read as a chevron
    value = _SPECK_BESIDE_DASH.sub("-", value)  # "4130-+VD": a speck beside the dash
    value = _COLON_DASH.sub(r"\1-", value)  # "6K: 5895": the dash read as a colon and a space
    value = _STOP_WITHOUT_SPACE.sub(r"\1 ", value)  # "QB-16-23.của": the space after it lost
    for word in value.split():
        token = word.rstrip(",;.:)")
        if not _SERIAL_TOKEN.match(token) or not (any(ch.isdigit() for ch in token) or token.isupper()):
            break
        if re.search(r"[abd-npqrtuy]", token):
            break  # serials print in capitals; only letters shaped alike in both cases pass ("06a s2")
        if len(token) <= 2 and re.search(r"\d{3}", "".join(tokens)):
            break  # "VRS2M-2769 2 01", "794916 J2 01": a grade or quantity cell (a speck on it) after a full serial
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
_MARKED_SPECK = re.compile(r"^[^\x00-\x7f\W\d_](?=[A-Z0-9][A-Z0-9-]{3})")  # "ÍPRV13-8220": serials are ASCII


def find_serial(value: str, skip: int = 4) -> str | None:
    """The first serial in a value that OCR debris precedes: "ena . P18-6643", "(742242".

    Skipped words must not look like part of a serial; the serial found needs three digits.
    """
    # "$134425", "5§-5615": a serial's S read as the dollar or section sign it looks like, not debris.
    value = re.sub(r"(?<=\w)§(?=[-\w])", "S", value)
    words = [_OPENING.sub("", re.sub(r"^\$(?=\d{3})", "S", w)) for w in value.replace("|", " ").split()]
    words = [_MARKED_SPECK.sub("", w) for w in words]
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


_DOAN_TYPE_KEYS = {key: printed for key, printed in _UNIT_TYPE_KEYS.items() if key.endswith("doan")}
# "Sw đoàn bộ-binh 308", "Lir đoàn 596", "Trung: đoàn ra-đa 291": the first word of a "... đoàn" type misread, or a
# speck between the two, where a number follows (a branch of service may stand between).
_DAMAGED_DOAN_TYPE = re.compile(r"\b([^\W\d_]{1,5})(?:\s*[:;,.]){0,2}\s+(đoàn|doan)\b(?=(?:\s+[^\W\d_][\w\-]*){0,3}\s+\d{1,4}\b)",
                                re.IGNORECASE)


# "Trung đoàn, 48", "Quân khu. 3": a speck between a unit's type and its number.
_SPECK_BEFORE_NUMBER = re.compile(r"(?:(?<=\bđoàn)|(?<=\bĐOÀN)|(?<=\bkhu)|(?<=\bKHU)|(?<=\bđội)|(?<=\bĐỘI))\s*[,.;:]\s*(?=\d{1,3}\b)")


_SPECK_TYPE_WORDS = ("đoàn", "ĐOÀN", "khu", "KHU", "đội", "ĐỘI")  # the look-behinds of _SPECK_BEFORE_NUMBER


def repair_doan_types(text: str) -> str:
    """Each damaged "<word> đoàn" type before a unit's number spelled as the type it is nearest, when only one is
    near: a letter off for a short first word ("Sw"), two for a longer one ("Lir"); ties are left alone, and so is
    a first word that is a Vietnamese syllable (a text layer's "Phái đoàn 5" is a delegation). A speck between a
    type and its number goes too: "về Trung đoàn, 48, Sư đoàn 320"."""
    # Most lines name no unit: neither pattern can match without its type word, so they are not run.
    if any(word in text for word in _SPECK_TYPE_WORDS):
        text = _SPECK_BEFORE_NUMBER.sub(" ", text)
    lowered = text.lower()
    if "đoàn" not in lowered and "doan" not in lowered:
        return text

    def fix(match: re.Match[str]) -> str:
        key = fold_iy(match.group(1)).lower() + "doan"
        if key in _DOAN_TYPE_KEYS:
            return f"{match.group(1)} {match.group(2)}"
        # Only OCR debris is repaired, in a capitalised type: "số đoạn 5", "Phái đoàn 5" are words and stay.
        if not match.group(1)[:1].isupper() or is_vietnamese_syllable(match.group(1)):
            return match.group(0)
        scored = sorted((Levenshtein.distance(key, known), printed) for known, printed in _DOAN_TYPE_KEYS.items())
        allowed = 1 if len(match.group(1)) <= 2 else 2
        if scored[0][0] <= allowed and scored[1][0] > scored[0][0]:
            return scored[0][1]
        return match.group(0)
    return _DAMAGED_DOAN_TYPE.sub(fix, text)


def _repair_unit_types(value: str) -> tuple[str, bool]:
    """"Ti ung đoàn 291", "L đoàn 596", "Tung ¿ doin 48": a damaged unit type before its number.

    The type words form a closed list; one or two wrong letters are put right, ties refused.
    """
    repaired = False

    def fix(match: re.Match[str]) -> str:
        nonlocal repaired
        words = match.group(1)
        spaceless = re.sub(r"[^a-z]", "", fold_iy(words))
        if spaceless in _UNIT_TYPE_KEYS:
            printed = _UNIT_TYPE_KEYS[spaceless]
            if words != printed and words.lower() == printed.lower():
                return f"{printed} {match.group(2)}"  # "Quân Khu 3": a capital OCR (or a clerk) gave a type's word
            return match.group(0)
        if len(spaceless) < 4:
            return match.group(0)
        scored = sorted((Levenshtein.distance(spaceless, key), printed) for key, printed in _UNIT_TYPE_KEYS.items())
        if scored[0][0] <= 2 and (len(scored) == 1 or scored[1][0] > scored[0][0]):
            repaired = True
            return f"{scored[0][1]} {match.group(2)}"
        return match.group(0)

    fixed = re.sub(r"((?:[^\W\d_]+[\W_]{0,3}\s*){1,3}?[^\W\d_]+)\s+(\d{1,4})\b", fix, value)
    return fixed, repaired


# --- unit names from the vocabulary: type [branch] number, chains ----------------------------

_UNIT_WORD = re.compile(r"[^\W_]+")
_IDENTIFIER = re.compile(r"(?:[A-Za-zĐđ]{1,3}\d{1,4}[A-Za-z]?|\d{1,4}[A-Za-z]?)")
_UNIT_CODE = re.compile(r"[efdc]\d{1,4}")  # "e24", "f304", "d18": a regiment, division, battalion, company by code
_WORD_GAP = re.compile(r"\s*[-,.]?\s*")  # "Trung, doan 738": a speck inside a phrase
_CHAIN_GAP = re.compile(r"\s*([,;/])[\s\"“”'‘’`]*")  # "Tiểu đoàn 14, “Trung doan 291": a speck read as a quote
# Lower-case words that end a unit's name of words: "Cục Xe máy quản lý", "Bộ Tư lệnh Thủ đô tiếp nhận".
_NAME_STOPS = frozenset(merge_iy(w) for w in (
    "quan", "su", "tu", "ve", "sang", "cho", "den", "theo", "ngay", "dat", "la", "co", "voi", "de", "tai", "thuoc",
    "ke", "xuong", "len", "gom", "tien", "thuc", "kem", "chiu", "to", "chung", "va", "nhan", "giao", "bien", "cap",
))


@dataclass(frozen=True)
class _Word:
    text: str
    key: str
    start: int
    end: int


def _phrase_index(entries: tuple[str, ...], key: Callable[[str], str] = fold_iy) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for entry in entries:
        keys = tuple(key(word) for word in re.split(r"[\s\-]+", entry) if word)
        index.setdefault(keys[0], []).append((keys, entry))
    for options in index.values():
        options.sort(key=lambda option: -len(option[0]))  # the longest phrase wins: "bộ binh cơ giới" over "bộ binh"
    return index


_TYPE_INDEX = _phrase_index(UNIT_TYPES)
_BRANCH_INDEX = _phrase_index(UNIT_BRANCHES)


def _phrase_at(words: list[_Word], at: int, index: dict, value: str) -> tuple[str, int] | None:
    """The vocabulary entry whose words (compared folded: marks, case and y/i aside) start at `at`."""
    if at >= len(words):
        return None
    for keys, entry in index.get(words[at].key, ()):
        count = len(keys)
        if at + count > len(words) or any(words[at + k].key != keys[k] for k in range(count)):
            continue
        if all(_WORD_GAP.fullmatch(value[words[k].end : words[k + 1].start]) for k in range(at, at + count - 1)):
            return entry, count
    return None


def _has_marks(text: str) -> bool:
    return any(not ch.isascii() and ch.isalpha() for ch in text)


# The separators of the phrases the vocabulary spells with a dash: "ra-đa" tight, "phòng không - không quân" spaced.
_DASHED_PHRASES = {tuple(fold_iy(w) for w in re.split(r"[\s\-]+", entry) if w): re.findall(r"[\s\-]+", entry)
                   for entry in (*UNIT_TYPES, *UNIT_BRANCHES) if "-" in entry}


def _dash_before(canonical_words: list[str], k: int) -> str | None:
    """The dash the vocabulary prints before the phrase's k-th word, if it prints one there."""
    separators = _DASHED_PHRASES.get(tuple(fold_iy(w) for w in canonical_words))
    return separators[k - 1] if separators and "-" in separators[k - 1] else None


def _spelled(value: str, words: list[_Word], start: int, count: int, canonical: str, marks: bool) -> str:
    """A vocabulary phrase as printed; a word whose marks OCR damaged ("doàn", "khỏng") takes the canonical
    spelling with its printed initial case. A text typed without any marks keeps its plain letters."""
    canonical_words = [w for w in re.split(r"[\s\-]+", canonical) if w]
    out = []
    for k in range(count):
        word = words[start + k]
        printed = word.text
        if printed.lower() != canonical_words[k].lower() and marks:
            fixed = canonical_words[k]
            printed = fixed[:1].upper() + fixed[1:] if printed[:1].isupper() else fixed[:1].lower() + fixed[1:]
        if k:
            gap = value[words[start + k - 1].end : word.start]
            # "ra-đa", "Xe - Máy" are printed so; "Su-doan", "bộ-binh" are specks (no spelling of theirs has the dash)
            dash = _dash_before(canonical_words, k) if "-" in gap else None
            out.append(dash or " ")
        out.append(printed)
    return "".join(out)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence_case(text: str, capital: bool) -> str:
    lowered = text.lower()
    return lowered[:1].upper() + lowered[1:] if capital else lowered


_BRANCH_KEYS = sorted(((tuple(fold_iy(w) for w in re.split(r"[\s\-]+", entry) if w), entry) for entry in UNIT_BRANCHES),
                      key=lambda pair: -len(pair[0]))


# (word count, letters, entry) of the branches long enough to be trusted with a letter misread, in _BRANCH_KEYS' order
_BRANCH_LETTERS = [(len(keys), "".join(keys), entry) for keys, entry in _BRANCH_KEYS if len("".join(keys)) >= 6]


def _misread_branch_at(words: list[_Word], at: int) -> tuple[str, int] | None:
    """A branch with one letter misread ("Trung đoàn hộ binh 36"), trusted only between a unit type and its
    number: the words must be followed by the number."""
    printed_by_count: dict[int, str | None] = {}  # the words' letters, None when no number follows them
    for count, wanted, entry in _BRANCH_LETTERS:
        if count not in printed_by_count:
            numbered = at + count < len(words) and _IDENTIFIER.fullmatch(words[at + count].text)
            printed_by_count[count] = "".join(w.key for w in words[at : at + count]) if numbered else None
        printed = printed_by_count[count]
        # one letter replaced, none added or lost (an insertion or deletion costs 9): the lengths must agree
        if printed is not None and len(printed) == len(wanted) and \
                Levenshtein.distance(printed, wanted, weights=(9, 9, 1), score_cutoff=1) <= 1:
            return entry, count
    return None


def _unit_element(value: str, words: list[_Word], at: int, marks: bool) -> tuple[str, int] | None:
    """One unit at word `at`: its printed name and the index of the word after it."""
    if at >= len(words):
        return None
    if _UNIT_CODE.fullmatch(words[at].text):
        return words[at].text, at + 1
    found = _phrase_at(words, at, _TYPE_INDEX, value)
    if found is None:
        return None
    unit_type, count = found
    branches: list[tuple[str, int, int]] = []  # (entry, first word, word count)
    cursor = at + count
    while len(branches) < 3 and (branch := _phrase_at(words, cursor, _BRANCH_INDEX, value)
                                  or (None if branches else _misread_branch_at(words, cursor))) is not None:
        if not _WORD_GAP.fullmatch(value[words[cursor - 1].end : words[cursor].start]):
            break
        branches.append((branch[0], cursor, branch[1]))
        cursor += branch[1]
    number: _Word | None = None
    if cursor < len(words) and _IDENTIFIER.fullmatch(words[cursor].text) and re.fullmatch(r"\s*", value[words[cursor - 1].end : words[cursor].start]):
        number = words[cursor]
        cursor += 1
    named: list[_Word] = []
    if number is None and not branches and unit_type in NAMED_UNIT_TYPES:
        while cursor < len(words) and len(named) < 4 and re.fullmatch(r"\s+", value[words[cursor - 1].end : words[cursor].start]):
            word = words[cursor]
            capital = word.text[:1].isupper()
            if not word.text.isalpha() or (not capital and (not named or word.key in _NAME_STOPS)):
                break
            named.append(word)
            cursor += 1
    if number is None and not named and not (branches and unit_type in NAMED_UNIT_TYPES):
        return None
    printed_words = words[at:cursor]
    upper = all(w.text.isupper() or not w.text.isalpha() for w in printed_words) and any(w.text.isalpha() for w in printed_words)
    # A unit's type opens its name, a proper noun: "Sư đoàn 304" however OCR cased it ("Trung đoàn 24, su doan 304").
    parts = [unit_type if upper else _capitalised(_spelled(value, words, at, count, unit_type, marks))]
    for index, (entry, first, width) in enumerate(branches):
        name_like = number is None and index == 0  # "Cục Ra đa", "Binh chủng Công binh": the branch is the name
        if upper:
            parts.append(_sentence_case(_spelled(value, words, first, width, entry, True), name_like))
        elif number is not None:  # a branch before the number is a common noun: "Tiểu đoàn HHONG tin 12" is "thông tin"
            parts.append(_sentence_case(_spelled(value, words, first, width, entry, marks), False))
        else:
            parts.append(_spelled(value, words, first, width, entry, marks))
    if number is not None:
        printed = re.sub(r"^[Il|](?=\d{3}$)", "", number.text)  # "I308": a cell rule or speck glued on
        if unit_type == "Nhà máy":  # defence factories are Z and three digits: "Nhà máy 2153" is Z153 misread
            printed = re.sub(r"^[27](?=\d{3}$)", "Z", printed)
        parts.append(printed)
    if named:
        text = " ".join(w.text for w in named)
        parts.append(_sentence_case(text, True) if upper else text)
    # "Vùng 2 Hải quân": a capitalised branch after the number belongs to the name
    trailing = _phrase_at(words, cursor, _BRANCH_INDEX, value) if number is not None else None
    if trailing and words[cursor].text[:1].isupper() and not upper and re.fullmatch(r"\s+", value[words[cursor - 1].end : words[cursor].start]):
        parts.append(_spelled(value, words, cursor, trailing[1], trailing[0], marks))
        cursor += trailing[1]
    return " ".join(parts), cursor


_GLUED_DOAN = re.compile(r"\b(s[uư]|l[uữ]|trung|ti[eể]u)(?=[đd]o[aà]n\b)", re.IGNORECASE)
_WORD_NUMBER_SPECK = re.compile(r"(?<=[^\W\d_]{3})[.\-:](?=\d)")


@lru_cache(maxsize=8192)  # a document's chains are read again from the same lines for each of its unit fields
def read_unit_name(value: str, marks: bool | None = None) -> str | None:
    """A unit name (or chain) from the vocabulary, starting within the value's first words; None when the value
    opens with no known unit type. Types and branches are spelled canonically where OCR damaged a mark,
    upper-case header forms come out in sentence case, numbers and names stay as printed."""
    value = _WORD_NUMBER_SPECK.sub(" ", value)  # "Sư đoàn.304", "Sư đoàn bộ binh-308": a speck for a space
    value = _GLUED_DOAN.sub(r"\1 ", value)  # "Sudoan 304": the space OCR lost inside the type
    words = [_Word(m.group(), fold_iy(m.group()), m.start(), m.end()) for m in _UNIT_WORD.finditer(value)]
    marks = _has_marks(value) if marks is None else marks
    for start in range(min(len(words), 6)):
        if words[start].start > 30:
            break
        element = _unit_element(value, words, start, marks)
        if element is None or (_UNIT_CODE.fullmatch(words[start].text) and start > 0):
            continue
        names, cursor = [element[0]], element[1]
        separators: list[str] = []
        while cursor < len(words):
            gap = _CHAIN_GAP.fullmatch(value[words[cursor - 1].end : words[cursor].start])
            following = _unit_element(value, words, cursor, marks) if gap else None
            if following is None:
                break
            separators.append("/" if gap.group(1) == "/" else ", ")
            names.append(following[0])
            cursor = following[1]
        text = names[0] + "".join(sep + name for sep, name in zip(separators, names[1:]))
        return text if len(text) <= 100 else None
    return None


_BROKEN_DASH = re.compile(r"(?<=[^\W\d_])\s*[-–](?:\s*[1lI|]?\s*[-–])\s*(?=[^\W\d_])")


_GLUED_NUMBER = re.compile(r"(?<=[^\W\d_]{3})(?=\d)")
_GLUED_DOAN_WORD = re.compile(r"(?<=[^\W\d_])(?=[đĐ](?:oàn|OÀN)\b)")
_COLON_BEFORE_NUMBER = re.compile(r"(?<=[^\W\d_]{3}):(?=\d)")
_COLON_SPECK = re.compile(r"(?<=[^\W\d_])[\s.'‘’`_¿]*:\s*(?=[^\W\d_A-ZĐ])")
_COMMA_SPECKS = re.compile(r"(?<=[^\W_])[\s.'‘’`_¿]*[,;:][\s,;:.'‘’`_¿]*(?=[^\W_])")
_DOT_SPECKS = re.compile(r"(?<=[^\W_])\s*[.'‘’`_¿]+\s*(?=[^\W_])")
_UNDERSCORE_GAP = re.compile(r"\s+_+\s+")
_RULE_BETWEEN_WORDS = re.compile(r"(?<=[^\W\d_])\s*\|\s*(?=[^\W\d_])")
_BO_MISREAD = re.compile(r"(?i)(?<=đoàn )bộ [a-z]{2,3}(?= \d)")


def _untangle_unit(value: str) -> tuple[str, bool]:
    """OCR's spacing and punctuation damage inside a unit name undone, a damaged type put right; (value, repaired)."""
    value = repair_doan_types(value)
    value = _BROKEN_DASH.sub("-", value)  # "ra- -đa", "ra- 1-da": a printed dash read twice, or with a stroke
    value = _GLUED_NUMBER.sub(" ", value)  # "Sư đoàn363", "Quân khu3"
    value = _GLUED_DOAN_WORD.sub(" ", value)  # "Lữđoàn"
    value = _COLON_BEFORE_NUMBER.sub(" ", value)  # "Lữ đoàn công binh:229": a colon for a space
    value = _COLON_SPECK.sub(" ", value)  # "Lữ đoàn xe:\ntăng 203": a speck
    value = _COMMA_SPECKS.sub(", ", value)  # "293,: Sư", "24; Sư", "291,'Sư"
    value = _DOT_SPECKS.sub(" ", value)  # "Trung. doan", "Su 'đoàn"
    value = _UNDERSCORE_GAP.sub(" ", value)
    value = _RULE_BETWEEN_WORDS.sub(" ", value)  # "Quan | khu 3": a rule read between two words
    # "Trung đoàn bộ sp 36": after a unit's type, "bộ" and a word of two or three letters that is no Vietnamese word is
    # the infantry's "bộ binh" misread (no other branch opens with "bộ").
    value = _BO_MISREAD.sub("bộ binh", value)
    value = _DAMAGED_DOAN.sub(_doan_repaired, value)
    return _repair_unit_types(value)


# "Trung/dogn phòng không 280": the type's first word whole, its "đoàn" a letter off (not "đội": two off) and
# glued to it by a speck.
_DAMAGED_DOAN = re.compile(r"\b(Trung|TRUNG|Tiểu|TIỂU|Sư|SƯ|Lữ|LỮ)[\s/.\\]+([dđDĐ][^\W\d_]{2,4})\b")


def _doan_repaired(match: re.Match[str]) -> str:
    second = fold_iy(match.group(2)).lower()
    if second == "doan" or Levenshtein.distance(second, "doan", score_cutoff=1) > 1:
        return match.group(0)
    return f"{match.group(1)} {'ĐOÀN' if match.group(1).isupper() else 'đoàn'}"


# OCR's shape errors in words of letters: "X6" for "Xô", "6 tô" for "ô tô", "glap" for "giáp". Vocabulary
# phrases and printed words are compared under the same mapping, so only phrases known to the vocabulary move.
_LETTER_SHAPES = str.maketrans({"6": "o", "0": "o", "1": "i", "l": "i", "5": "s", "8": "b"})


def shape_key(word: str) -> str:
    return fold_iy(word).translate(_LETTER_SHAPES)


_NOUN_INDEX = _phrase_index(EQUIPMENT_NOUNS, shape_key)
_MAKER_INDEX = _phrase_index(MAKER_WORDS + COUNTRIES, shape_key)
_GLUED_NOUNS = sorted(((("".join(keys)), entry) for options in _NOUN_INDEX.values() for keys, entry in options),
                      key=lambda pair: -len(pair[0]))


def _shape_words(value: str) -> list[_Word]:
    return [_Word(m.group(), shape_key(m.group()), m.start(), m.end()) for m in _UNIT_WORD.finditer(value)]


def _unglue_noun(value: str) -> str:
    """"XetăngT54B": OCR lost the spaces of a name; the noun the vocabulary knows is set apart again."""
    first = value.split(maxsplit=1)
    if not first:
        return value
    token = first[0]
    key, offsets = fold_map(token, iy=True)
    key = key.translate(_LETTER_SHAPES)
    for joined, entry in _GLUED_NOUNS:
        if key.startswith(joined) and len(key) > len(joined) and " " in entry:
            rest = token[offsets[len(joined)]:] if len(joined) < len(offsets) else ""
            if rest:
                return f"{entry} {rest}" + (f" {first[1]}" if len(first) > 1 else "")
    return value


_NAME_MODEL = re.compile(r"(?<![\w-])([A-Za-z]{1,6}-?\d{1,4}[A-Za-z]?\d?)(?![\w-])")


def _dashed_as_catalogued(value: str) -> str:
    """"Ural4320" → "Ural-4320": a model in a name takes the catalogue's dashes, its printed case stays."""
    def dash(match: re.Match[str]) -> str:
        printed = match.group(1)
        entry = catalogue_entry(printed)
        if entry is None or "-" not in entry or "-" in printed:
            return printed
        out, letters = [], iter(printed)
        for ch in entry:
            out.append("-" if ch == "-" else next(letters, ""))
        return "".join(out)
    return _NAME_MODEL.sub(dash, value)


def respell_name(value: str) -> str:
    """An item's name whose leading noun OCR read without some marks ("Dai ra da P-37", "Xe 6 tô vận tải"), or
    glued together ("XetăngT54B"): the noun takes its canonical spelling, the model its catalogue dashes; the rest
    stays as printed."""
    value = _dashed_as_catalogued(_unglue_noun(value))
    words = _shape_words(value)
    if not words or words[0].start > 0:
        return value
    found = _phrase_at(words, 0, _NOUN_INDEX, value)
    if found is None:
        return value
    entry, count = found
    if value[: words[count - 1].end].isupper():
        return value  # "XE Ô TÔ URAL-375D": a title in capitals keeps them
    return _spelled(value, words, 0, count, entry, True) + value[words[count - 1].end :]


_MODEL_SHAPE = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z\d][\w-]*")  # letters and digits in one word
_NOUN_FOLDED = tuple((tuple(fold_iy(noun).split()), noun) for noun in EQUIPMENT_NOUNS)
_NOUN_SPANS = tuple((len(words), " ".join(words), "".join(words), noun) for words, noun in _NOUN_FOLDED)
_LONGEST_NOUN = max(len(words) for words, _noun in _NOUN_FOLDED)


# The words of a register table's column heads (folded): a value made of nothing else names no item.
_COLUMN_WORDS = frozenset("tt stt ki hieu so cap chat luong don vi tinh ghi chu nam san xuat tinh trang ket qua cl sl ccl "
                          "kihieu sohieu soluong".split())
# A history row's date, a sentence opening with its year ("Năm 2004 tổ kiểm kê đã kiểm đếm ...").
_OPENS_WITH_DATE = re.compile(r"^\W*(?:\d{1,2}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?\b|\d{1,2}/\d{4}\b|(?:năm|ngày|tháng)\s+\d)",
                              re.IGNORECASE)
_NOT_A_NAME = re.compile(rf"^\W*(?:{UNIT_WORDS}|dai dien|nguoi|ho va ten)\b")


def is_item_name(value: str) -> bool:
    """Whether `value` can be an item's name. A unit ("Trung đoàn 48") or a signatory ("Đại diện ...") that lands
    in the name's place is none, nor is a word or two with neither a noun of the vocabulary nor a model (a header's
    wrapped "lượng"); a longer phrase may be a name the vocabulary does not know."""
    if _NOT_A_NAME.match(merge_iy(fold(value))) or _OPENS_WITH_DATE.match(value):
        return False
    words_of_letters = {word for word in re.findall(r"[a-z]+", fold_iy(value).lower()) if len(word) > 1}
    if words_of_letters and words_of_letters <= _COLUMN_WORDS:
        return False  # a table's header row after a name label: "Ký hiệu. Số hiệu Cấp", "L Ký hiệu Sốhiệu ˆ Cấp"
    words = value.split()
    return len(words) >= 3 or _equipment_noun_at(words) is not None or bool(_MODEL_SHAPE.search(value))


def _equipment_noun_at(words: list[str], end: int | None = None) -> tuple[int, int, str] | None:
    """(start, stop, noun): the vocabulary noun that words[start:stop] most resemble (the start among the first
    three words, OCR debris before it), when close enough to be only that noun misread."""
    return _equipment_noun_in(tuple(words[:end]))


@lru_cache(maxsize=8192)  # a batch's items come back in document after document, each name judged twice
def _equipment_noun_in(words: tuple[str, ...]) -> tuple[int, int, str] | None:
    end = len(words)
    folded = [fold_iy(word) for word in words]
    with_digit = [any(ch.isdigit() for ch in word) for word in folded]
    best: tuple[tuple[int, float, int], int, int, str] | None = None
    for start in range(min(3, end)):
        spans = []  # words[start:stop] spaced and run together, for as long as no digit comes in
        for stop in range(start + 1, min(end, start + _LONGEST_NOUN + 1) + 1):
            if with_digit[stop - 1]:
                break  # a noun has no digits: "57mm", "14,5" are the calibre after it
            spans.append((" ".join(folded[start:stop]), "".join(folded[start:stop])))
        for size, spaced, glued, noun in _NOUN_SPANS:
            for count in range(1, min(size + 1, len(spans)) + 1):
                words_spaced, words_glued = spans[count - 1]
                # words compared as words, and run together for OCR that glued them ("tỉnvôtuyến"); below 78 is
                # no match, so the scorer may stop early there
                score = max(fuzz.ratio(words_spaced, spaced, score_cutoff=78) if abs(count - size) <= 1 else 0.0,
                            fuzz.ratio(words_glued, glued, score_cutoff=78))
                # The noun that accounts for the most words, then the closest: "Xe tăng Idi nudc" is "Xe tăng lội
                # nước", not "Xe tăng"; "Pháo tự hành" is itself, not "Xe pháo tự hành".
                rank = (count, score, len(noun))
                if score >= 78 and (best is None or rank > best[0]):
                    best = (rank, start, start + count, noun)
    return None if best is None else (best[1], best[2], best[3])


def settle_name(value: str, designation: str | None, *, marks: bool = True) -> str:
    """An OCRed item name made consistent: its model written as the document's designation where it is that
    designation misread ("KrAZ-2558", "Xe tăng lội nước T76" beside "PT-76"), and its noun in the vocabulary's
    spelling where it is that noun misread ("Xe tăng Idi nudc", "Ems Xe thiét giáp"): debris before the noun
    goes. Names in capitals and words the vocabulary does not know stay as printed."""
    words = value.split()
    model_at = _model_span(words, designation) if designation else None
    if model_at is not None:
        start, stop = model_at
        printed = " ".join(words[start:stop])
        # "Ural-4320" beside the catalogue's "URAL-4320" is printed so; "MAZ.-537", "VRS* 2M" are misread. Only a
        # designation the catalogue knows corrects the name, and never a model the catalogue knows.
        misread = serial_key(printed) != serial_key(designation) or not re.fullmatch(r"\w+(?:-\w+)*", printed)
        if misread and catalogue_entry(designation) and catalogue_entry(printed) in (None, catalogue_entry(designation)):
            words = words[:start] + [designation] + words[stop:]
        if start > 1 and len(words[start - 1]) == 1 and words[start - 1] == words[start][:1]:
            words = words[: start - 1] + words[start:]  # "R R-105M": the model's first letter read twice
            start -= 1
        end = start
    else:
        end = next((i for i, word in enumerate(words) if _MODEL_SHAPE.search(word)), len(words))
    if marks:  # "Kiểu 59" (Type 59) with its tone mark misread: "Kiéu 59", "Kiêu 59"
        words = ["Kiểu" if fold_iy(word).lower() == "kieu" and after[:1].isdigit() else word
                 for word, after in zip(words, words[1:] + [""])]
    found = _equipment_noun_at(words, end) if marks else None  # a page printed without marks keeps its name so
    if found is not None and not value.isupper():
        start, stop, noun = found
        printed = " ".join(words[start:stop])
        if fold_iy(printed) != fold_iy(noun) or start > 0 or not _has_marks(printed):
            words = [noun] + words[stop:]
    return " ".join(words)


_CALIBRE_WORD = re.compile(r"^\d+(?:[,.]\d+)?mm$", re.IGNORECASE)


def name_with_model(name: str, designation: str) -> str:
    """A name that is the vocabulary's noun (and a calibre) with no model: the catalogued designation read elsewhere
    goes after it. A table prints the model in the column beside the name ("Xe thiết giáp chở quân | BTR-60PB"),
    and OCR damages a model past reading ("Xe thiết giáp chở quản BTR-€"); the item's name carries its model."""
    if catalogue_entry(designation) is None:
        return name
    words = name.split()
    if not words or _model_span(words, designation) is not None:
        return name
    # A model OCR left no letter of ("Xe ô tô vận tải ¬ 2005" for KrAZ-255B) is debris where the model stands.
    while len(words) > 1 and not re.search(r"[^\W\d_]", words[-1]):
        words.pop()
    end = len(words)  # the noun ends before a calibre: "130mm", "14,5 mm"
    if _CALIBRE_WORD.match(words[-1]):
        end -= 1
    elif len(words) >= 2 and words[-1].lower() == "mm" and _CALIBRE_WORD.match(words[-2] + "mm"):
        end -= 2
    found = _equipment_noun_at(words, end)
    if found is None or found[0] != 0 or found[1] != end:
        return name
    return f"{' '.join(words)} {designation}"


def model_in_name(name: str, designation: str) -> str | None:
    """The catalogue entry the name's model is, where the designation read elsewhere is that model slightly
    misread and no catalogue entry itself ("S-B0" beside "Pháo phòng không 57mm S-60")."""
    if catalogue_entry(designation):
        return None
    words = name.split()
    found = _model_span(words, designation)
    return catalogue_entry(" ".join(words[found[0] : found[1]])) if found else None


def _model_span(words: list[str], designation: str) -> tuple[int, int] | None:
    """The words near the end of a name that are the designation, exactly or one or two characters off."""
    key = serial_key(designation)
    allowed = 1 if len(key) < 5 else 2
    for stop in range(len(words), max(0, len(words) - 3), -1):
        for count in (1, 2):
            start = stop - count
            if start < 1:
                continue
            found = serial_key("".join(words[start:stop]))
            if not (found and found[:1].isalnum() and abs(len(found) - len(key)) <= 1):
                continue
            # Look-alikes count as one character each: "F-548" is "T-54B" with its first letter misread.
            if min(Levenshtein.distance(found, key), Levenshtein.distance(lookalike_key(found), lookalike_key(key))) <= allowed:
                return start, stop
    return None


def respell_maker(value: str) -> str:
    """A maker or country on an OCRed page that prints marks ("Nha may Uralvagonzavod", "Lién X6"): the words the
    vocabulary knows take their canonical spelling wherever they stand; proper names stay as printed."""
    words = _shape_words(value)
    out, at, last = [], 0, 0
    while at < len(words):
        found = _phrase_at(words, at, _MAKER_INDEX, value)
        if found is None or value[words[at].start : words[at + found[1] - 1].end].isupper():
            at += 1
            continue
        entry, count = found
        out.append(value[last : words[at].start])
        out.append(_spelled(value, words, at, count, entry, True))
        last = words[at + count - 1].end
        at += count
    return "".join(out) + value[last:]


def respell_unit(value: str) -> str:
    """A unit read without any marks on a page that prints them ("Trung doan 141, Su doan 312" in an OCRed
    Vietnamese page): OCR lost them, so the vocabulary words take their canonical spelling; names stay."""
    return read_unit_name(value, marks=True) or value


_NUMBERED_TYPE_KEYS = frozenset(fold_iy(t) for t in UNIT_TYPES if t not in NAMED_UNIT_TYPES)


def tidy_unit(value: str) -> tuple[str, bool] | None:
    """A unit name as printed, cut from the OCR debris around it; (value, repaired)."""
    value, repaired = _untangle_unit(value)
    named = read_unit_name(value)
    if named is not None:
        return named, repaired
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
    if fold_iy(value) in _NUMBERED_TYPE_KEYS:
        return None  # "của Trung đoàn." with its number lost: no unit named
    return (value, repaired) if re.search(r"[^\W\d_]{2}", value) and len(value) <= 100 else None


def parse_unit(value: str) -> str | None:
    folded = fold_iy(value)
    if _PERSON.match(folded) or _RANKS.match(folded):
        return None
    named = read_unit_name(_untangle_unit(value.strip(" ,.-–:;"))[0])
    if named is not None:
        return named  # the vocabulary knows where the name ends: "Bộ Tư lệnh" holds "tư", "Lữ đoàn xe tăng 203" a branch
    cut = _UNIT_END.search(folded)
    if cut and cut.start() > 0:
        value = value[: cut.start()]
    tidy = tidy_unit(value.strip(" ,.-–:;"))
    return tidy[0] if tidy else None


# A year alone in its cell may have the cell's rule or a speck glued on ("-Ì1957", "| 12010"): one stroke
# before a year of this or the last century is read as no digit of it.
_YEAR = re.compile(r"(?<![0-9a-z])(?:(?:(?<=[\W_])|^)[1il|](?=(?:19|20)\d\d(?![0-9a-z])))?([0-9oils|]{4})(?![0-9a-z])")


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
_GRADE_VALUE = re.compile(rf"^\W*(?:(?:dat\s+)?(?:cap\s+chat\s+luong|[cg]ap)\s*[:.]?\s*)?{GRADE_TOKEN}")  # OCR reads "Cấp" as "Gấp"


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


_FACTORY = re.compile(r"^(?:Nh[aàáảãạ]|NH[AÀÁẢÃẠ])\s+(?:m[aàáảãạ]y|M[AÀÁẢÃẠ]Y)(?=\s|$)")


def _factory_spelled(text: str) -> str:
    """"Nhà may Lianozovo": OCR lost a mark of "Nhà máy"; put it back when the rest of the value has marks
    (a value typed without any marks stays as typed)."""
    match = _FACTORY.match(text)
    if match is None or not _has_marks(text[match.end():]) and not _has_marks(match.group()):
        return text
    return ("NHÀ MÁY" if match.group().isupper() else "Nhà máy") + text[match.end():]


def parse_maker(value: str) -> str | None:
    """A maker or a country: free text, without the specks OCR adds at its end ("Liên Xô- ee")."""
    value = re.sub(r"^\W*[lI1|!\[](?=[A-ZĐ][a-zà-ỹđ])", "", value)  # "lLiên Xô": a cell rule glued on
    value = re.sub(r"^\s*(?:[a-z]{1,2}\s+){1,3}:\s*(?=\S)", "", value)  # "e oe : Lién Xo": specks before the colon
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
    text = parse_text(" ".join(words))
    return _factory_spelled(text) if text else None


_COUNTRY_KEYS = sorted(((fold_iy(country), country) for country in COUNTRIES), key=lambda pair: -len(pair[0]))


def settle_country(value: str) -> str:
    """A country as the vocabulary writes it, where the value holds one among OCR debris ("iis Liên Xô") or is one
    cut short or misread ("en Xo"); anything else stays as read."""
    key = " ".join(re.sub(r"[^\w\s-]", " ", fold_iy(value)).split())
    if value.isupper() and key in {country_key for country_key, _ in _COUNTRY_KEYS}:
        return value  # "LIÊN XÔ" in a form printed in capitals stays so
    for country_key, country in _COUNTRY_KEYS:
        found = re.search(rf"(?<!\w){re.escape(country_key)}(?!\w)", key)
        if found:
            # only debris around it (lower-case scraps): "Anh Quốc", "Ba Lan (PRL)" say more than the country
            rest = value.split()
            spoken = len(country.split())
            leftover = [w for w in rest if fold_iy(w) not in country_key.split()]
            # a lone letter, capital or not, is a speck or a cell's rule: "Liên Xô Ì"
            if len(rest) - len(leftover) >= spoken and all((not any(c.isupper() or c in "()" for c in w) and len(w) <= 4)
                                                           or len(w) == 1 for w in leftover):
                return country
            return value
    scored = [(fuzz.ratio(key, country_key), country) for country_key, country in _COUNTRY_KEYS]
    best = max(scored, default=(0.0, value))
    runner_up = max((score for score, country in scored if country != best[1]), default=0.0)
    return best[1] if best[0] >= 80 and best[0] - runner_up >= 10 else value


_STUTTER = re.compile(r"(?<!\S)([^\W\d_])\s+(?=\1)", re.IGNORECASE)  # "Nhà máy s số 9": the first letter twice
_MAKER_NUMBER = re.compile(r"\b(Nhà máy|Xí nghiệp|Nha may|Xi nghiep)\s+(?:so|sô|sỏ|s6|s0)\s+(?=\d)", re.IGNORECASE)


def settle_maker(value: str) -> str:
    """A maker read by OCR without its debris: a lone mark between words ("Nhà máy \\ vô tuyến"), a letter read
    twice ("Nhà máy s số 9"), "số" without its marks before the factory's number ("Nhà máy so 172"), the m of
    "máy" misread ("Nhà thấy ZIL")."""
    words = [word for word in value.split() if re.search(r"[\w()]", word)]
    text = _MISREAD_MAY.sub("Nhà máy", _STUTTER.sub("", " ".join(words)))
    return _MAKER_NUMBER.sub(lambda match: f"{match[1]} số ", text)


# "Nhà thấy ZIL", "Nhà rnáy": the m of "máy" read as "th" or "rn"; no maker is a "Nhà" of anything else so short.
_MISREAD_MAY = re.compile(r"^Nhà\s+(?:th|rn|n)[aáấàâ]y(?=\s)")


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
