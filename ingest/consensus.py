"""Confirm a noisy serial against serials already known from the same batch or archive.

A seal pressed over a serial or a faded copy costs a character or two; the same item's
other documents usually printed it cleanly. Exact key, look-alike key, then one edit.
"""

from __future__ import annotations

from typing import Iterable

from rapidfuzz.distance import Levenshtein

from common.identifiers import lookalike_key, serial_key

__all__ = ["reconcile_serial"]

_MIN_FUZZY_LENGTH = 4  # one edit in a 3-character key is a different serial


def _distinct(known: Iterable[str]) -> list[str]:
    """Known serials, first display form per key, blanks dropped."""
    seen: dict[str, str] = {}
    for serial in known:
        key = serial_key(serial)
        if key and key not in seen:
            seen[key] = serial
    return list(seen.values())


def _one_edit_away(key: str, look: str, candidate: str) -> bool:
    other = serial_key(candidate)
    if abs(len(other) - len(key)) > 1 or min(len(other), len(key)) < _MIN_FUZZY_LENGTH:
        return False
    return Levenshtein.distance(key, other, score_cutoff=1) <= 1 or Levenshtein.distance(look, lookalike_key(candidate), score_cutoff=1) <= 1


def reconcile_serial(value: str, known: Iterable[str]) -> tuple[str, float] | None:
    """(known serial, confidence) that an OCR'd `value` stands for, or None.

    Same serial_key → 0.99; same lookalike_key → 0.95 (only when one known serial has it);
    within one edit of exactly one known serial, lengths within one → 0.85.
    """
    key = serial_key(value)
    if not key:
        return None
    candidates = _distinct(known)
    for serial in candidates:
        if serial_key(serial) == key:
            return serial, 0.99
    look = lookalike_key(value)
    alike = [serial for serial in candidates if lookalike_key(serial) == look]
    if len(alike) == 1:
        return alike[0], 0.95
    if alike:
        return None  # two known serials read the same to OCR: no way to choose
    near = [serial for serial in candidates if _one_edit_away(key, look, serial)]
    if len(near) == 1:
        return near[0], 0.85
    return None
