"""Equipment designations in catalogue form: one pure function every room uses (extraction, search, views).

A designation is printed, typed and OCRed in many shapes: "T55", "PT 76", "BMP2", "Zil-131", "T-5S",
"PT-7б", "ZlL-131". `normalize_designation` maps a shape onto the one catalogue entry it can only mean
(`common.vocabulary.DESIGNATIONS`) and otherwise writes it the generic way: letters, a dash, digits.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from common.identifiers import lookalike_key, serial_key
from common.vocabulary import DESIGNATIONS

__all__ = ["DESIGNATIONS", "catalogue_entry", "normalize_designation", "designation_key"]

# Cyrillic letters OCR (and Russian keyboards) put in place of the Latin letters or digits they resemble.
_CYRILLIC_LOOKALIKES = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "З": "3", "б": "6", "о": "o", "а": "a", "е": "e", "с": "c", "р": "p", "х": "x",
    "к": "k", "м": "m", "т": "t", "у": "y", "в": "B", "Б": "6", "Ь": "b",
})
_DASHES = re.compile(r"\s*[-‐‑‒–—_:]+\s*")
_LETTERS_THEN_DIGITS = re.compile(r"^([A-Z]{1,5})\s*(\d)")
_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\- ]*$")


def designation_key(text: str | None) -> str:
    """Exact comparison key: letters and digits only, upper case ("Zil-131", "ZIL 131" → "ZIL131")."""
    return serial_key((text or "").translate(_CYRILLIC_LOOKALIKES))


@lru_cache(maxsize=1)
def _catalogue_index() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    exact = {serial_key(entry): entry for entry in DESIGNATIONS}
    alike: dict[str, list[str]] = {}
    for entry in DESIGNATIONS:
        alike.setdefault(lookalike_key(entry), []).append(entry)
    return exact, {key: tuple(entries) for key, entries in alike.items()}


def catalogue_entry(text: str | None) -> str | None:
    """The catalogue entry whose exact key (case, spaces and dashes aside) `text` has; no look-alikes."""
    return _catalogue_index()[0].get(designation_key(text)) if text else None


def _generic_form(text: str) -> str:
    """No catalogue entry: one dash between parts, a dash between a leading block of capitals and its number."""
    text = _DASHES.sub("-", text.strip(" .,;:-"))
    text = " ".join(text.split())
    text = _LETTERS_THEN_DIGITS.sub(r"\1-\2", text)
    return re.sub(r"(?<=[A-Z])-(?=\d)|(?<=[A-Z]) (?=\d)", "-", text) if text.isupper() or not re.search(r"[a-z]", text) else text


@lru_cache(maxsize=4096)
def normalize_designation(text: str | None) -> str | None:
    """The catalogue form of a designation, or its generic form; None when `text` cannot be one.

    - the exact key (case, spaces, dashes ignored) of one catalogue entry → that entry;
    - else the OCR look-alike key (O/0, I/L/1, S/5, B/8, Z/2, G/6) of exactly one entry, when the text
      has a letter of its own (a bare number is never turned into a model) → that entry;
    - else the generic rule: "AK47" → "AK-47", "RPG 7" → "RPG-7"; mixed case as written otherwise.
    """
    if not text:
        return None
    cleaned = unicodedata.normalize("NFKC", text).translate(_CYRILLIC_LOOKALIKES).strip(" .,;:()-")
    key = serial_key(cleaned)
    if not key or len(key) > 16:
        return None
    exact, alike = _catalogue_index()
    if key in exact:
        return exact[key]
    if any(ch.isalpha() for ch in key):
        candidates = alike.get(lookalike_key(cleaned), ())
        if len(candidates) == 1:
            return candidates[0]
    if not any(ch.isdigit() for ch in key) or not _SHAPE.match(cleaned):
        return None
    return _generic_form(cleaned)
