"""Serial numbers as OCR reads them: repairing look-alike characters where a group's shape says what
was meant. The keys (display form, exact key, look-alike key) live in `common.identifiers`."""

from __future__ import annotations

from common.identifiers import normalize_serial

_TO_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
# Letters OCR produces for digits but that rarely stand for themselves inside a number group;
# B, G, T and Z stay out: they are real in mixed groups such as T54B.
_DIGIT_LOOKALIKES = {"O": "0", "I": "1", "L": "1", "|": "1", "S": "5"}


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
