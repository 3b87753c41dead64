"""Vietnamese text normalisation: one canonical stored form and one folded matching form.

Stored text is NFC with the "old" tone placement on oa/oe/uy (hòa, thúy, khỏe), the form
most typewritten and OCRed dossiers print. Folded text (lowercase, marks stripped, đ→d) is
what every search engine matches against when the user types without diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import islice
from typing import Iterable, Sequence

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below

# "oà" → "òa" etc.: in these diphthongs the old convention puts the tone on the first vowel
# when the syllable ends there (hoà → hòa) and stays on the second when a consonant follows
# (hoàng, tuyết), so only syllable-final pairs move. The look-ahead also refuses a following
# combining mark: in NFD "hoặc" is o, a, dot below, breve, c, and its tone must stay put.
_NEW_TO_OLD = re.compile(
    rf"([oO])([aAeE])([{_TONES}])(?![a-zA-Zđ\u0100-\u024F\u0300-\u036F])"
    rf"|([uU])([yY])([{_TONES}])(?![a-zA-Zđ\u0100-\u024F\u0300-\u036F])"
)


def _move_tone(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1) + match.group(3) + match.group(2)
    return match.group(4) + match.group(6) + match.group(5)


def _is_kept(ch: str) -> bool:
    return ch in "\n\t" or unicodedata.category(ch)[0] != "C"


def normalize_text(text: str) -> str:
    """NFC with one tone-mark convention; control characters other than newlines and tabs removed."""
    if not text:
        return ""
    dropped = [ch for ch in set(text) if not _is_kept(ch)]  # judged once per distinct character, not per character
    cleaned = text.translate(dict.fromkeys(map(ord, dropped))) if dropped else text
    decomposed = unicodedata.normalize("NFD", cleaned)
    # Only syllables whose preceding letter is not q/g: "qua"/"gia" glide differently.
    moved = _NEW_TO_OLD.sub(_move_tone_guarded(decomposed), decomposed)
    return unicodedata.normalize("NFC", moved)


def _move_tone_guarded(source: str):
    def replace(match: re.Match[str]) -> str:
        start = match.start()
        before = source[start - 1].lower() if start > 0 else ""
        if before in {"q", "g"}:
            return match.group(0)
        return _move_tone(match)

    return replace


def fold(text: str) -> str:
    """Lowercase, marks stripped, đ→d: the form used to match text typed without diacritics."""
    if not text:
        return ""
    # Fast path (extraction folds every line many times): each character of ASCII, Latin or Vietnamese text folded
    # through a table made by the full rule below; any character the table leaves non-ASCII takes the full rule.
    folded = text.translate(_FOLD_TABLE)
    return folded if folded.isascii() else _fold_fully(text)


def _fold_fully(text: str) -> str:
    lowered = text.lower().replace("đ", "d").replace("Đ", "d")
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


# A-Z, Latin-1 and Latin Extended letters, the combining marks, Vietnamese letters: whatever each folds to alone
_FOLDED_RANGES = ((0x41, 0x5A), (0xC0, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF))
_FOLD_TABLE = {code: _fold_fully(chr(code)) for first, last in _FOLDED_RANGES for code in range(first, last + 1)}
# the same, only where one character folds to one ASCII character: folding keeps every position
_FOLD_ONE_TO_ONE = {code: folded for code, folded in _FOLD_TABLE.items() if len(folded) == 1 and folded.isascii()}


def merge_iy(folded: str) -> str:
    """y→i on already folded text (or a folded pattern), so that lý/lí and kỹ/kĩ meet."""
    return folded.replace("y", "i")


_FOLD_IY_TABLE = {**{code: merge_iy(folded) for code, folded in _FOLD_TABLE.items()}, ord("y"): "i"}


def fold_iy(text: str) -> str:
    """Folded text with y→i; used for label matching, not display."""
    if not text:
        return ""
    # `merge_iy(fold(text))` in one pass: the fold table with y→i in every entry (and for y itself)
    folded = text.translate(_FOLD_IY_TABLE)
    return folded if folded.isascii() else merge_iy(_fold_fully(text))


@lru_cache(maxsize=4096)
def _fold_char(ch: str, iy: bool) -> str:
    return fold_iy(ch) if iy else fold(ch)


def fold_map(text: str, iy: bool = False) -> tuple[str, Sequence[int]]:
    """Fold `text` character by character and say where each folded character came from.

    Returns the folded string and a sequence one longer than it: entry k is the index in `text`
    of folded character k, the last entry is len(text). A match at folded[a:b] is
    text[offsets[a]:offsets[b]] in the original, which is how extractors match on folded
    text but return the printed value.
    """
    if text:
        folded = text.translate(_FOLD_ONE_TO_ONE)
        if folded.isascii():  # every character folded to one: positions are unchanged
            return (merge_iy(folded) if iy else folded), range(len(text) + 1)
    parts: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text or ""):
        folded = _fold_char(ch, iy)
        parts.append(folded)
        offsets.extend([index] * len(folded))
    offsets.append(len(text or ""))
    return "".join(parts), offsets


def has_marked_letters(texts: Iterable[str], at_least: int = 10) -> bool:
    """Whether the texts hold `at_least` letters outside ASCII (Vietnamese with its marks, not a text stripped of
    them): counting stops there, and an all-ASCII text is skipped whole."""
    marked = (ch for text in texts if not text.isascii() for ch in text if not ch.isascii() and ch.isalpha())
    return sum(1 for _ in islice(marked, at_least)) >= at_least
