"""Serial numbers: a display form, an exact matching key and an OCR look-alike key.

Serials are identifiers, never run through a language analyser. `serial_key` removes what
people and scanners vary (case, spaces, dashes, dots, slashes); `lookalike_key` further
maps the characters OCR confuses (O/0, I/L/1, S/5, B/8, Z/2, G/6) to one representative,
so that "KB-I5-84" and "KB-15-84" meet.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_./\\]+")
_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "S": "5", "B": "8", "Z": "2", "G": "6"})
_TO_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
# Letters OCR produces for digits but that rarely stand for themselves inside a number group;
# B, G, T and Z stay out: they are real in mixed groups such as T54B.
_DIGIT_LOOKALIKES = {"O": "0", "I": "1", "L": "1", "|": "1", "S": "5"}


def normalize_serial(raw: str) -> str:
    """Display form: NFKC, upper case, one ASCII dash between groups, no stray punctuation."""
    text = unicodedata.normalize("NFKC", raw or "").upper().strip().strip(".,;:")
    groups = [g for g in _SEPARATORS.split(text) if g]
    return "-".join(groups)


def serial_key(raw: str) -> str:
    """Exact matching key: letters and digits only, upper case."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", raw or "").upper() if ch.isalnum())


def lookalike_key(raw: str) -> str:
    """Key under which OCR confusions collide."""
    return serial_key(raw).translate(_LOOKALIKES)


def _is_digits(group: str) -> bool:
    return group.isdigit()


def _digitise(group: str) -> str:
    return "".join(_DIGIT_LOOKALIKES.get(ch, ch) for ch in group)


def _wants_digits(group: str, index: int, groups: list[str]) -> bool:
    """A group made of digits and digit look-alikes that its position says is a number."""
    if not group or any(ch.isalpha() and ch not in _DIGIT_LOOKALIKES for ch in group):
        return False
    letters = sum(ch in _DIGIT_LOOKALIKES for ch in group)
    digits = sum(ch.isdigit() for ch in group)
    if not letters:
        return False
    if index == 0:
        # A leading letter may be a real prefix (S12345), and "2S1" is a real model prefix:
        # in a first group only O and I/L after a digit change ("2O2O" → "2020").
        return digits >= letters and group[0].isdigit() and all(ch in "OIL|" for ch in group if ch.isalpha())
    if digits >= letters:
        return True
    others = [g for i, g in enumerate(groups) if i not in (0, index)]
    return len(group) >= 2 and bool(others) and all(_is_digits(g) for g in others)


def _letter_between_letters(group: str) -> str:
    """'Z1L' → 'ZIL': a single look-alike digit squeezed between letters of a letter group."""
    digits = [i for i, ch in enumerate(group) if ch.isdigit()]
    letters = sum(ch.isalpha() for ch in group)
    if len(digits) != 1 or letters < 2 or len(group) > 4:
        return group
    i = digits[0]
    if 0 < i < len(group) - 1 and group[i - 1].isalpha() and group[i + 1].isalpha() and group[i] in _TO_LETTER:
        return group[:i] + _TO_LETTER[group[i]] + group[i + 1 :]
    return group


def repair_serial(raw: str) -> str:
    """Fix OCR confusions where the group's own shape says what was meant.

    A number group with look-alike letters gets digits ("KB-I5-84" → "KB-15-84",
    "KB-1S-84" → "KB-15-84"); a letter group with one digit squeezed between letters gets
    the letter back ("Z1L" → "ZIL"). Mixed groups such as T54B are real and stay.
    """
    groups = [g for g in normalize_serial(raw).split("-") if g]
    fixed = []
    for index, group in enumerate(groups):
        if _wants_digits(group, index, groups):
            group = _digitise(group)
        else:
            group = _letter_between_letters(group)
        fixed.append(group)
    return "-".join(fixed)
