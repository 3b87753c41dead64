"""Serials and designations in free text, forgiven what OCR and typing do to them.

A serial or a designation reaches the archive damaged in many ways: "KB-I5-B4", "KB 15 84", "PT-7б",
"PT-.76", "PT76", "I4M4I6I4". Beside the words, every engine indexes the keys of each identifier-shaped
stretch of a document's text (`text_identifiers`), and the serial and designation fields under their exact
and look-alike keys (`field_identifiers`). A query whose words hold such a stretch (`query_identifiers`)
matches those keys as well as the words, in tiers: the serial or designation field exactly, then the field
by look-alike, then the text exactly, then the text by look-alike (`IDENTIFIER_SCORES`, constants far above
what the words give, so that the tier decides the order and the words break ties).

What counts as an identifier (so that an ordinary word is never taken for a serial):

- a *piece* is one word that, once Cyrillic and Greek look-alikes are read as Latin, is ASCII letters and
  digits with only "-./" between them (a stray dash before it ignored), and either holds a digit or is a
  short block of letters (at most four: "URAL 4320 11021"; in document text also upper case, so that "xe",
  "so", "tra" in a text never start a serial);
- a *stretch* is one piece, or up to four adjacent pieces of which one holds a letter ("KB 15 84"); it
  holds a digit, and its key (`common.identifiers.serial_key`) has 3 to 20 characters; a stretch of
  digits alone has at least 5 digits (a year or a page number is no serial) and, in a document's text, is
  one word (adjacent numbers there are table cells); typed in the search box it may be in groups ("244 965").
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Iterable, Sequence

from common.identifiers import lookalike_key, serial_key
from search.highlight import render
from search.query import SNIPPET_CHARS

try:  # the designation catalogue (helper module of common/); without it, look-alike keys alone
    from common.designations import normalize_designation
except ImportError:  # pragma: no cover - only before the catalogue exists
    normalize_designation = None

__all__ = [
    "IdentifierKeys",
    "QueryIdentifier",
    "IDENTIFIER_SCORES",
    "text_identifiers",
    "identifier_spans",
    "identifier_highlight",
    "identifier_is_whole_query",
    "marks_identifier",
    "field_identifiers",
    "query_identifiers",
]

MAX_PIECES = 4
MIN_KEY, MAX_KEY = 3, 20
MIN_DIGITS_ALONE = 5
MAX_LETTER_BLOCK = 4  # "KB", "PT", "URAL" (URAL 4320 11021), "KRAZ"
MAX_QUERY_ALTERNATIVES = 6
_MAX_SPANS = 8  # marks in one snippet

# Constant scores of the tiers; each is well above what BM25 gives the words of a query, so an exact field
# match outranks a look-alike one, which outranks a match in the text only.
IDENTIFIER_SCORES = {
    "field_exact": 1000.0,
    "field_lookalike": 500.0,
    "text_exact": 20.0,
    "text_lookalike": 10.0,
}

_EDGE_PUNCTUATION = ".,;:!?()[]{}'\"«»“”‘’*"
# Nothing spans these (each is a token of its own): "năm 2020, PT-76" is two stretches.
_TOKEN = re.compile(r"[,;:!?()\[\]{}]|[^\s,;:!?()\[\]{}]+")
_PIECE = re.compile(r"[A-Za-z0-9]+(?:[-./]+[A-Za-z0-9]+)*[-.]?")
_SCRIPTS = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "З": "3", "Б": "6", "Ь": "b", "І": "I", "Ѕ": "S",
    "а": "a", "в": "B", "е": "e", "к": "k", "м": "m", "н": "H", "о": "o", "р": "p", "с": "c", "т": "t",
    "х": "x", "у": "y", "з": "3", "б": "6", "ь": "b", "і": "i", "ѕ": "s",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ι": "i", "κ": "k", "ν": "v",
})


_MAX_MEMO = 200_000


class _StrictPieces(dict):
    """word → `_piece(word, True)`, looked up at C speed (`map(memo.__getitem__, words)`) for whole texts."""

    def __missing__(self, word: str) -> tuple[bool, bool] | None:
        if len(self) > _MAX_MEMO:
            self.clear()
        shape = self[word] = _piece(word, True)
        return shape


_STRICT_PIECES = _StrictPieces()


@dataclass(frozen=True)
class IdentifierKeys:
    """The keys one identifier answers to: as written (`exact`) and under OCR confusions (`lookalike`,
    which also holds the catalogue form's look-alike key when the designation catalogue knows it)."""

    exact: frozenset[str]
    lookalike: frozenset[str]


@dataclass(frozen=True)
class QueryIdentifier:
    """A stretch of the query's terms (`start`..`end`, end excluded) that is identifier-shaped."""

    start: int
    end: int
    exact: str
    lookalike: tuple[str, ...]


@lru_cache(maxsize=65536)
def _piece(word: str, strict_case: bool) -> tuple[bool, bool] | None:
    """(has a digit, has a letter) of a word that may be part of an identifier, else None."""
    word = word.strip(_EDGE_PUNCTUATION).lstrip("-")  # OCR's stray dash before a group: "URAL 4320- -11021"
    if not word:
        return None
    latin = word.translate(_SCRIPTS)
    if not latin.isascii() or not _PIECE.fullmatch(latin):
        return None
    has_digit = any(ch.isdigit() for ch in latin)
    has_letter = any(ch.isalpha() for ch in latin)
    if not has_digit:
        letters = serial_key(latin)
        if len(letters) > MAX_LETTER_BLOCK or (strict_case and not latin.isupper()):
            return None
    return has_digit, has_letter


@lru_cache(maxsize=65536)
def _stretch_key(words: tuple[str, ...], strict_case: bool) -> str | None:
    """The exact key of adjacent pieces when together they are identifier-shaped, else None."""
    shapes = [_piece(word, strict_case) for word in words]
    if None in shapes or not any(digit for digit, _letter in shapes):
        return None
    key = serial_key("".join(word.strip(_EDGE_PUNCTUATION) for word in words))
    if not MIN_KEY <= len(key) <= MAX_KEY:
        return None
    if not any(letter for _digit, letter in shapes):
        # Adjacent numbers in a text are table cells, page and date parts; typed in the search box, "244 965"
        # is a serial typed in groups.
        if len(key) < MIN_DIGITS_ALONE or (strict_case and len(words) > 1):
            return None
    return key


@lru_cache(maxsize=65536)
def _lookalikes(text: str) -> tuple[str, ...]:
    """Look-alike keys of an identifier as written: its own and its catalogue form's (when different)."""
    keys = [lookalike_key(text)]
    if normalize_designation is not None:
        catalogue = normalize_designation(text)
        if catalogue and any(ch.isalpha() for ch in catalogue) and lookalike_key(catalogue) not in keys:
            keys.append(lookalike_key(catalogue))
    return tuple(key for key in keys if key)


def _stretches(words: Sequence[str], strict_case: bool) -> Iterable[tuple[int, int, str]]:
    """Every identifier-shaped stretch (start, end, exact key) of `words`."""
    if strict_case:
        shapes = list(map(_STRICT_PIECES.__getitem__, words))
    else:
        shapes = [_piece(word, False) for word in words]
    # Most words of a text are no piece: walk only from those that are.
    for start in [position for position, shape in enumerate(shapes) if shape is not None]:
        last = min(start + MAX_PIECES, len(words))
        if strict_case and not any(shape and shape[1] for shape in shapes[start:last]):
            last = start + 1  # numbers side by side in a text (table cells) join into no identifier
        for end in range(start + 1, last + 1):
            if shapes[end - 1] is None:
                break
            key = _stretch_key(tuple(words[start:end]), strict_case)
            if key:
                yield start, end, key


def text_identifiers(text: str) -> IdentifierKeys:
    """The keys of every identifier-shaped stretch of a document's text (see the module docstring)."""
    text = text or ""
    words = _TOKEN.findall(text)
    exact: set[str] = set()
    alike: set[str] = set()
    for start, end, key in _stretches(words, strict_case=True):
        exact.add(key)
        alike.update(_lookalikes(" ".join(words[start:end])))
    return IdentifierKeys(frozenset(exact), frozenset(alike))


def field_identifiers(value: str | None) -> IdentifierKeys:
    """The keys of a serial or designation field: whole, whatever its shape (the field says what it is)."""
    key = serial_key(value or "")
    if not key:
        return IdentifierKeys(frozenset(), frozenset())
    return IdentifierKeys(frozenset({key}), frozenset(_lookalikes(" ".join((value or "").split()))))


def query_identifiers(words: Sequence[str]) -> tuple[QueryIdentifier, ...]:
    """The identifier-shaped stretches of a query's words (`QueryTerm.text` of each word; a quoted phrase
    should be passed as "" so that nothing spans it).

    Typed case is free ("kb 15 84"). Within a run of pieces the longest stretch is asked, and the stretches
    left after dropping letter blocks at either end ("xe KB 15 84" → "KB 15 84"), since a short word next to
    a serial may be a word of the query; each becomes one alternative of the query.
    """
    shapes = [_piece(word, False) if word else None for word in words]
    found: dict[tuple[int, int], QueryIdentifier] = {}
    start = 0
    while start < len(words):
        if shapes[start] is None:
            start += 1
            continue
        end = start
        while end < len(words) and shapes[end] is not None:
            end += 1
        for low, high in _trimmed(shapes, start, end):
            for a in range(low, high):  # longest first, then shorter from the left if the run is too long
                b = min(high, a + MAX_PIECES)
                key = _stretch_key(tuple(words[a:b]), False)
                if key:
                    found.setdefault((a, b), QueryIdentifier(a, b, key, _lookalikes(" ".join(words[a:b]))))
                    break
        start = end
    ordered = sorted(found.values(), key=lambda q: (-(q.end - q.start), q.start))
    return tuple(ordered[:MAX_QUERY_ALTERNATIVES])


def _trimmed(shapes: Sequence[tuple[bool, bool] | None], start: int, end: int) -> list[tuple[int, int]]:
    """The run start..end, and the runs left after dropping letter-only pieces at its ends."""
    lows = [start]
    while lows[-1] < end - 1 and not shapes[lows[-1]][0]:
        lows.append(lows[-1] + 1)
    highs = [end]
    while highs[-1] > start + 1 and not shapes[highs[-1] - 1][0]:
        highs.append(highs[-1] - 1)
    return [(low, high) for low in lows for high in highs if low < high]


def identifier_spans(text: str, identifiers: Sequence[QueryIdentifier]) -> list[tuple[int, int]]:
    """Character spans of `text` where one of the query's identifiers stands, exactly or by look-alike
    (for highlights: the words of "KB-I5-B4" do not match "KB-15-84", its keys do)."""
    if not identifiers or not text:
        return []
    exact = {ident.exact for ident in identifiers}
    alike = {key for ident in identifiers for key in ident.lookalike}
    words = _TOKEN.findall(text)
    found = [(start, end) for start, end, key in _stretches(words, strict_case=True)
             if key in exact or alike.intersection(_lookalikes(" ".join(words[start:end])))]
    spans = []
    for start, end in found[:_MAX_SPANS]:  # offsets only of the words found, the regex walking to them
        first = next(islice(_TOKEN.finditer(text), start, None))
        last = next(islice(_TOKEN.finditer(text, first.start()), end - 1 - start, None))
        lead = len(first.group()) - len(first.group().lstrip(_EDGE_PUNCTUATION))
        trail = len(last.group()) - len(last.group().rstrip(_EDGE_PUNCTUATION))
        spans.append((first.start() + lead, last.end() - trail))
    return _outermost(spans)


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def identifier_highlight(text: str, identifiers: Sequence[QueryIdentifier]) -> tuple[str, ...]:
    """A snippet of `text` around the first place one of the query's identifiers stands, marked as every
    engine marks words (`search.highlight.render`); () when none stands there. For documents found by an
    identifier's keys alone, where the engine's highlighter sees no typed word."""
    spans = identifier_spans(text, identifiers)
    if not spans:
        return ()
    first_start, first_end = spans[0]
    start = max(0, min(first_start - SNIPPET_CHARS // 3, len(text) - SNIPPET_CHARS))
    if start:
        space = text.find(" ", start, first_start)
        start = space + 1 if space >= 0 else start
    end = max(first_end, min(len(text), start + SNIPPET_CHARS))
    if end < len(text):
        space = text.rfind(" ", first_end, end)
        end = space if space >= 0 else end
    inside = [(a - start, b - start) for a, b in spans if a >= start and b <= end]
    return (render(text[start:end], inside),)


def identifier_is_whole_query(identifiers: Sequence[QueryIdentifier], term_count: int) -> bool:
    """The query is one identifier and nothing else ("KB 15 84", "PT-7б")."""
    return any(ident.start == 0 and ident.end == term_count for ident in identifiers)


_MARKED = re.compile(r"<mark>(.*?)</mark>")


def marks_identifier(highlights: Sequence[str], identifiers: Sequence[QueryIdentifier]) -> bool:
    """One of the engine's marks already covers a whole identifier of the query (exactly or by look-alike), so
    there is no need to look for it in the text (which costs a pass over the text per hit)."""
    exact = {ident.exact for ident in identifiers}
    alike = {key for ident in identifiers for key in ident.lookalike}
    for highlight in highlights:
        for marked in _MARKED.findall(highlight):
            marked = html.unescape(marked)
            if serial_key(marked) in exact or lookalike_key(marked) in alike:
                return True
    return False
