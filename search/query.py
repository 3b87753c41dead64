"""Engine-neutral query helpers: parsing the typed text, filter keys, facet ordering, cursors.

Every search adapter (Tantivy, Elasticsearch) builds its engine query from what these
functions return, so that text typed with or without diacritics, filters and cursors mean
the same thing whatever engine answers.

- Text: `parse_text` normalises the typed text (`normalize_text`), keeps "quoted phrases"
  together and splits the rest on whitespace. Each `QueryTerm` carries the original form
  (matched against the original text, ranked higher) and the folded form (`match_fold`:
  lowercase, marks stripped, đ→d, y→i), matched against the folded copy of the text.
  Every term must match (AND across terms; within a term, original OR folded field).
- Filters: unit and designation compare by `keyword_key` (normalised, folded, spaces
  collapsed: "Lu doan 201" finds "Lữ đoàn 201"); serials by `common.identifiers.serial_key`.
- Cursors: opaque urlsafe base64 JSON holding an offset and a fingerprint of the query, so
  a cursor used with another query (or a mangled one) is an `InvalidQuery`, not a silent
  wrong page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterable

from common.identifiers import keyword_key, serial_key
from common.text import fold, fold_iy, normalize_text
from search.errors import InvalidQuery, InvalidRecord
from search.types import FACET_FIELDS, SORTS, FacetCount, IndexRecord, SearchQuery

__all__ = [
    "QueryTerm",
    "parse_text",
    "match_fold",
    "keyword_key",
    "display_value",
    "validate_query",
    "sort_facets",
    "encode_cursor",
    "decode_cursor",
    "HIGHLIGHT_OPEN",
    "HIGHLIGHT_CLOSE",
    "TextPrep",
    "fields_text",
    "typed_with_marks",
    "enum_value",
]

# Score-only boosts every engine applies the same way (see the adapters' docstrings).
# A word typed with marks and found with exactly those marks adds this fixed score (times TITLE_BOOST in the title),
# however often it occurs: how often the word occurs is scored once, on the folded copy. Exact marks rank first.
EXACT_MARKS_SCORE = 2.0
TITLE_BOOST = 3.0
KEYWORD_BOOST = 4.0  # designation or serial typed whole
SNIPPET_CHARS = 200
FUZZY_MIN_KEY = 4  # serial keys shorter than this get no near-miss tier
SERIAL_FETCH = 1000

HIGHLIGHT_OPEN = "<mark>"
HIGHLIGHT_CLOSE = "</mark>"

_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”')
_CURSOR_VERSION = 1


@dataclass(frozen=True)
class QueryTerm:
    """One unit the user typed: a word, or a quoted phrase (`phrase=True`).

    `text` is the normalised original (NFC, one tone convention); `folded` is `match_fold(text)`.
    A word such as "T-54B" tokenises into several tokens; adapters match it as a phrase too.
    """

    text: str
    folded: str
    phrase: bool = False


def match_fold(text: str) -> str:
    """The folded matching form every engine indexes and queries: `fold` plus y→i (lý/lí, kỹ/kĩ).

    Folding keeps the length of NFC Vietnamese text (one character in, one out), which
    lets an adapter map a highlight found in the folded copy back onto the original.
    """
    return fold_iy(text)


def parse_text(text: str) -> tuple[QueryTerm, ...]:
    """Split typed text into terms; words with no letter or digit (lone dashes, commas) are dropped."""
    normalized = normalize_text(text or "")
    terms: list[QueryTerm] = []
    position = 0
    for quoted in _QUOTED.finditer(normalized):
        terms.extend(_words(normalized[position : quoted.start()]))
        phrase = " ".join((quoted.group(1) or quoted.group(2) or "").split())
        if _has_alnum(phrase):
            terms.append(QueryTerm(phrase, match_fold(phrase), phrase=len(phrase.split()) > 1))
        position = quoted.end()
    terms.extend(_words(normalized[position:]))
    return tuple(terms)


def _words(chunk: str) -> Iterable[QueryTerm]:
    for word in chunk.replace('"', " ").split():
        word = word.strip(".,;:!?()[]{}'")
        if _has_alnum(word):
            yield QueryTerm(word, match_fold(word))


def _has_alnum(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


class _Memo(dict):
    """key → function(key), computed on first sight; forgets everything when full."""

    def __init__(self, function: Callable[[str], str], max_words: int) -> None:
        super().__init__()
        self._function = function
        self._max_words = max_words

    def __missing__(self, word: str) -> str:
        if len(self) >= self._max_words:
            self.clear()
        done = self[word] = self._function(word)
        return done


class TextPrep:
    """Fast `normalize_text` + `match_fold` for whole documents; one per index.

    Both shared functions work character by character in Python (~0.5 µs a character);
    indexing a million documents spends most of its time there. Both act within a word, so
    applying them to each piece between spaces (never splitting at control characters, which
    `normalize_text` deletes, joining what they separated) and NFC over the whole gives the
    same string, and dossier vocabulary is small enough to memoise the pieces. The first call
    and one in `check_every` are also computed whole and compared: if the shared functions
    ever stop being word-local, this falls back to calling them whole, for good.

    `keyword` and `display` memoise `keyword_key` / `display_value` for the few distinct units
    and designations.
    """

    def __init__(self, *, max_words: int = 200_000, check_every: int = 500) -> None:
        self._pieces = _Memo(_normalize_and_fold, max_words).__getitem__
        self._folded = _Memo(match_fold, max_words).__getitem__
        self._check_every = check_every
        self._calls = 0
        self.word_local = True
        self.keyword = _Memo(keyword_key, 100_000).__getitem__
        self.display = _Memo(display_value, 100_000).__getitem__

    def normalize_and_fold(self, text: str) -> tuple[str, str]:
        """(`normalize_text(text)`, `match_fold(normalize_text(text))`)."""
        if not text:
            return "", ""
        if not self.word_local:
            return _normalize_and_fold(text)
        normalized, folded = zip(*map(self._pieces, text.split(" ")))
        result = unicodedata.normalize("NFC", " ".join(normalized)), unicodedata.normalize("NFC", " ".join(folded))
        return self._checked(text, result, _normalize_and_fold)

    def fold(self, text: str) -> str:
        """`match_fold(text)`."""
        if not text or not self.word_local:
            return match_fold(text)
        result = unicodedata.normalize("NFC", " ".join(map(self._folded, text.split(" "))))
        return self._checked(text, result, match_fold)

    def _checked(self, text: str, result: Any, whole: Callable[[str], Any]) -> Any:
        self._calls += 1
        if self._calls % self._check_every == 1:
            expected = whole(text)
            if result != expected:
                self.word_local = False
                return expected
        return result


def _normalize_and_fold(text: str) -> tuple[str, str]:
    normalized = normalize_text(text)
    return normalized, match_fold(normalized)




def display_value(value: str | None) -> str:
    """Facet and hit form of unit and designation: normalised, single spaces."""
    return " ".join(normalize_text(value or "").split())


# Dates every engine stores and compares alike (Tantivy's dates end at 1677-09-22 and 2262-04-11). Records
# hold 1900..2100 (what extraction, manifests and corrections accept): a record outside INDEX_DATES is refused
# (`indexable_date`), and a query's date bounds are clamped into it (`clamp_date`), so that date_from=0001-01-01
# or date_to=9999-12-31 mean "no bound" on every engine.
INDEX_DATES = (date(1700, 1, 1), date(2200, 12, 31))


def clamp_date(day: date) -> date:
    """A query's date bound within INDEX_DATES: beyond them no record can be, so the answer is the same."""
    day = day.date() if isinstance(day, datetime) else day
    return min(max(day, INDEX_DATES[0]), INDEX_DATES[1])


def indexable_date(record: IndexRecord) -> date | None:
    """The record's document date, or `InvalidRecord` when it is outside INDEX_DATES."""
    day = record.document_date
    day = day.date() if isinstance(day, datetime) else day
    if day is not None and not INDEX_DATES[0] <= day <= INDEX_DATES[1]:
        raise InvalidRecord(f"document {record.document_id}: document_date {day.isoformat()} is outside what the index"
                            f" holds ({INDEX_DATES[0].isoformat()}..{INDEX_DATES[1].isoformat()}); correct it")
    return day


def validate_query(query: SearchQuery) -> None:
    """Raise `InvalidQuery` for what no engine can answer."""
    if query.limit < 0:
        raise InvalidQuery(f"limit must be 0 or more, got {query.limit}")
    unknown = [name for name in query.facets if name not in FACET_FIELDS]
    if unknown:
        raise InvalidQuery(f"unknown facet(s) {unknown}; known: {list(FACET_FIELDS)}")
    if query.sort not in SORTS:
        raise InvalidQuery(f"sort must be one of {', '.join(SORTS)}, got {query.sort!r}")
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise InvalidQuery(f"date_from {query.date_from} is after date_to {query.date_to}")


def sort_facets(counts: Iterable[tuple[str, int]], size: int | None = None) -> tuple[FacetCount, ...]:
    """Facet buckets by count descending, then value; empty values dropped."""
    ordered = sorted(((value, count) for value, count in counts if value and count > 0), key=lambda vc: (-vc[1], vc[0]))
    if size is not None:
        ordered = ordered[:size]
    return tuple(FacetCount(value=value, count=count) for value, count in ordered)


def query_fingerprint(query: SearchQuery) -> str:
    """Short hash of what selects and orders the results (not limit or cursor)."""
    parts = [
        normalize_text(query.text or "").strip(),
        query.doc_type,
        query.unit,
        query.serial,
        query.designation,
        query.classification,
        query.repair_level,
        query.date_from.isoformat() if query.date_from else None,
        query.date_to.isoformat() if query.date_to else None,
        query.sort,
    ]
    if query.access is not None:  # a page of what one person may see is no page of another's
        access = query.access
        parts.append([access.max_rank, None if access.unit_keys is None else sorted(set(access.unit_keys))])
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()
    return digest[:16]


def encode_cursor(offset: int, query: SearchQuery) -> str:
    """Opaque cursor for the page starting at `offset` of `query`'s results."""
    payload = {"v": _CURSOR_VERSION, "o": offset, "f": query_fingerprint(query)}
    raw = json.dumps(payload, separators=(",", ":")).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None, query: SearchQuery) -> int:
    """The offset a cursor points at (0 without a cursor); `InvalidQuery` when it is not ours."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise InvalidQuery("invalid cursor") from exc
    if not isinstance(payload, dict) or payload.get("v") != _CURSOR_VERSION:
        raise InvalidQuery("invalid cursor")
    offset = payload.get("o")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidQuery("invalid cursor")
    if payload.get("f") != query_fingerprint(query):
        raise InvalidQuery("cursor belongs to a different query")
    return offset


def fields_text(record: IndexRecord) -> str:
    """The record's fields as searchable text, with serial and designation also written whole
    ("KB1584", "T54B") so that they match typed without their dashes."""
    values = [record.name, record.designation, record.unit, record.from_unit, record.to_unit,
              record.document_number, record.serial_number, record.filename]
    values += [serial_key(record.serial_number or ""), serial_key(record.designation or "")]
    return " ".join(value for value in values if value)


def typed_with_marks(word: str) -> bool:
    """Typed with Vietnamese diacritics (or đ)."""
    return fold(word) != word.lower()


def enum_value(value: str | None) -> str:
    """Doc types, classifications and repair levels compare trimmed and lowercase."""
    return (value or "").strip().lower()
