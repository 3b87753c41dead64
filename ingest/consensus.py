"""Confirm a noisy serial against serials already known from the same batch or archive.

A seal pressed over a serial or a faded copy costs a character or two; the same item's
other documents usually printed it cleanly. Exact key, look-alike key, then one edit.

OCR reads an S, Z, B, G or D of a serial as the digit it resembles (the S of 1S-5646 as 5, the Z of 4Z-2043 as 2)
far more often than the reverse. Where a text layer (or a person) gives the item's serial with the letter, or at
least as many scans read it so, the letter is what was printed; where a text layer gives the digit, so was it. A
letter that one scan alone read is OCR's as much (an 8 read as B), and is not spread to the item's other
documents. I and L go the other way (a 1 read as I): those stay with the digit, and so does O unless a text layer
prints it.
"""

from __future__ import annotations

from typing import Collection, Iterable

from rapidfuzz.distance import Levenshtein

from common.identifiers import lookalike_key, normalize_serial, serial_key

__all__ = ["reconcile_serial"]

_MIN_FUZZY_LENGTH = 4  # one edit in a 3-character key is a different serial
_LETTERS_READ_AS_DIGITS = frozenset("SZBGD")
# A text layer's O at a group's edge ("O639368") is a letter: scans read it as 0, and OCR's own O for a 0 is no
# text layer's.
_PRINTED_LETTERS = _LETTERS_READ_AS_DIGITS | {"O"}


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


def _letters_for_digits(printed: str, read: str, letters: frozenset[str] = _LETTERS_READ_AS_DIGITS) -> bool:
    """`printed` has one of those letters wherever `read` differs from it, each at the edge of its group (1S, 4Z),
    where serials carry letters; a letter amid digits (56S7) is more likely OCR's than the printer's."""
    printed, read = normalize_serial(printed), normalize_serial(read)
    if len(printed) != len(read) or printed == read:
        return False
    last = len(printed) - 1
    for i, (letter, digit) in enumerate(zip(printed, read)):
        if letter == digit:
            continue
        if letter not in letters or not digit.isdigit():
            return False
        if not (i == 0 or printed[i - 1] == "-" or i == last or printed[i + 1] == "-"):
            return False
    return True


def reconcile_serial(value: str, known: Iterable[str], printed: Collection[str] = (),
                     outnumbering: Collection[str] = ()) -> tuple[str, float] | None:
    """(known serial, confidence) that an OCR'd `value` stands for, or None. `printed`: the known serials a text
    layer carries or a person entered; `outnumbering`: those that at least as many scans read as read `value`.

    A printed or outnumbering serial, same lookalike_key, with a letter where `value` has its digit → 0.95 (only
    when one does so); a printed one with the digit where `value` has the letter → 0.95 (the same); same serial_key
    → 0.99; none when `value` has letters that an OCR'd look-alike lacks; same lookalike_key → 0.95 (only when one
    known serial has it); within one edit of exactly one known serial, lengths within one → 0.85.
    """
    key = serial_key(value)
    if not key:
        return None
    candidates = _distinct(known)
    printed_keys = {serial_key(serial) for serial in printed}
    vouched_keys = printed_keys | {serial_key(serial) for serial in outnumbering}
    look = lookalike_key(value)
    alike = [serial for serial in candidates if lookalike_key(serial) == look]
    # One scan that read "T62-8951" as "T62-B951" is no spelling to follow: the letter needs more behind it.
    lettered = [serial for serial in alike if (serial_key(serial) in vouched_keys and _letters_for_digits(serial, value))
                or (serial_key(serial) in printed_keys and _letters_for_digits(serial, value, _PRINTED_LETTERS))]
    if len(lettered) == 1:
        return lettered[0], 0.95
    # The reading's letter is OCR's own where a text layer prints the digit (scans alone misread S as 5 far more
    # often than 5 as S: their number does not pull a letter to the digit).
    digits = [serial for serial in alike if serial_key(serial) in printed_keys and _letters_for_digits(value, serial)]
    if len(digits) == 1 and key not in printed_keys:
        return digits[0], 0.95
    for serial in alike:
        if serial_key(serial) == key:
            return serial, 0.99
    if any(_letters_for_digits(value, serial) for serial in alike):
        return None  # the others misread the letter this reading has
    if len(alike) == 1:
        return alike[0], 0.95
    if alike:
        return None  # two known serials read the same to OCR: no way to choose
    near = [serial for serial in candidates if _one_edit_away(key, look, serial)]
    if len(near) == 1:
        return near[0], 0.85
    return None
