"""Identifier keys shared by every room: the display form of a serial, its exact matching key and its OCR
look-alike key, and the comparison key of a unit or designation.

Serials are identifiers, never run through a language analyser. `serial_key` removes what people and
scanners vary (case, spaces, dashes, dots, slashes); `lookalike_key` further maps the characters OCR
confuses (O/0, I/L/1, S/5, B/8, Z/2, G/6) to one representative, so that "KB-I5-84" and "KB-15-84" meet;
Cyrillic and Greek letters that OCR (trained on mixed scripts) or a Russian keyboard put in place of the Latin
letters and digits they resemble ("PT-7б", "ВТR-60") are read as those first.
"""

from __future__ import annotations

import re
import unicodedata

from common.text import fold, merge_iy, normalize_text

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_./\\]+")
_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "S": "5", "B": "8", "Z": "2", "G": "6"})
# Upper case only: `serial_key` upper-cases first (б → Б, в → В).
_SCRIPT_LOOKALIKES = str.maketrans({
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "З": "3", "Б": "6", "Ь": "B", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
})
_UNIT_PARTS = re.compile(r"[,;]")


def normalize_serial(raw: str) -> str:
    """Display form: NFKC, upper case, one ASCII dash between groups, no stray punctuation."""
    text = unicodedata.normalize("NFKC", raw or "").upper().strip().strip(".,;:")
    groups = [g for g in _SEPARATORS.split(text) if g]
    return "-".join(groups)


def serial_key(raw: str) -> str:
    """Exact matching key: letters and digits only, upper case."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", raw or "").upper() if ch.isalnum())


def lookalike_key(raw: str) -> str:
    """Key under which OCR confusions collide (also across scripts: "PT-7б" and "PT-76")."""
    return serial_key(raw).translate(_SCRIPT_LOOKALIKES).translate(_LOOKALIKES)


def keyword_key(value: str | None) -> str:
    """Comparison key of a unit or designation: normalised, folded (y→i), single spaces."""
    return " ".join(merge_iy(fold(normalize_text(value or ""))).split())


def unit_keys(*units: str | None) -> tuple[str, ...]:
    """Every key a document's units answer to: each whole name and each part of a chain, so that
    "Trung đoàn 24, Sư đoàn 304" is inside both the regiment and the division (need to know)."""
    keys: dict[str, None] = {}
    for unit in units:
        if not unit:
            continue
        for part in (unit, *_UNIT_PARTS.split(unit)):
            key = keyword_key(part)
            if key:
                keys.setdefault(key, None)
    return tuple(keys)
