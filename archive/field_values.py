"""Field values as people type them: one parser for the manifest's cells, `archive correct`, the API's
corrections and the command line's filters, so "05/01/2020", "Tối mật" or "sửa chữa lớn" mean the same
everywhere, and a value that is none of them is refused in one line that lists what is allowed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from archive.errors import InvalidRequest
from common.identifiers import normalize_serial, serial_key
from common.text import fold, normalize_text
from common.vocabulary import CLASSIFICATIONS, DOC_TYPES, REPAIR_LEVELS
from ingest.dates import _MAX_YEAR as LAST_DOCUMENT_YEAR, _MIN_YEAR as FIRST_DOCUMENT_YEAR
from ingest.dates import parse_date
from ingest.doctype import classify_doc_type
from ingest.types import FieldScalar

# What extraction itself accepts: document dates in ingest.dates' years, a year of manufacture as
# ingest.values.parse_year reads one, grades 1-5. A correction or a manifest value outside them is refused,
# so that no stored version holds what extraction could never have read (nor what the index refuses).
FIRST_MANUFACTURE_YEAR = 1940
QUALITY_GRADES = (1, 5)

_CLASSIFICATION_WORDS = {
    "mat": "confidential", "toi mat": "secret", "tuyet mat": "top_secret",
    "thuong": "unclassified", "khong mat": "unclassified", "top secret": "top_secret",
}
_REPAIR_WORDS = {
    "nho": "minor", "scn": "minor", "sua chua nho": "minor",
    "vua": "medium", "scv": "medium", "sua chua vua": "medium",
    "lon": "major", "scl": "major", "sua chua lon": "major",
}
_GRADE = re.compile(r"^(?:cap\s*)?([1-5])$")
_YEAR = re.compile(r"^\d{4}$")
_STRICT_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$|^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


class InvalidFieldValue(InvalidRequest):
    """A value that is not one of the field's: `kind` is the manifest report's problem kind."""

    def __init__(self, kind: str, message: str, field: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.field = field


def out_of_bounds(name: str, value: Any) -> str | None:
    """Why a field's value is outside what extraction accepts, in one line; None when it is within."""
    if value is None:
        return None
    if name in ("year_of_manufacture", "quality_grade") and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{name} must be a whole number, not {value!r}"
    if name == "document_date":
        day = date.fromisoformat(value) if isinstance(value, str) else value
        if not FIRST_DOCUMENT_YEAR <= day.year <= LAST_DOCUMENT_YEAR:
            return f"document_date {day.isoformat()} is outside {FIRST_DOCUMENT_YEAR}-01-01..{LAST_DOCUMENT_YEAR}-12-31"
    elif name == "year_of_manufacture":
        last = date.today().year
        if not FIRST_MANUFACTURE_YEAR <= int(value) <= last:
            return f"year_of_manufacture {value} is outside {FIRST_MANUFACTURE_YEAR}..{last}"
    elif name == "quality_grade":
        if not QUALITY_GRADES[0] <= int(value) <= QUALITY_GRADES[1]:
            return f"quality_grade {value} is not a grade from {QUALITY_GRADES[0]} to {QUALITY_GRADES[1]}"
    return None


def parse_field_value(name: str, text: str) -> FieldScalar:
    """A typed value of the Document field `name`; raises InvalidFieldValue saying what is allowed."""
    text = " ".join(normalize_text(text).split())
    if name == "document_date":
        return parse_day(text, name).isoformat()
    if name == "doc_type":
        return parse_doc_type(text)
    if name == "classification":
        return parse_classification(text)
    if name == "repair_level":
        return parse_repair_level(text)
    folded = fold(text)
    if name == "quality_grade":
        match = _GRADE.match(folded)
        if match is None:
            raise InvalidFieldValue("bad_value", f"quality_grade {text!r} is not a whole number from 1 to 5", name)
        return _within(name, int(match.group(1)))
    if name == "year_of_manufacture":
        if not _YEAR.match(text):
            raise InvalidFieldValue("bad_value", f"year_of_manufacture {text!r} is not a four-digit year", name)
        return _within(name, int(text))
    if name == "serial_number":
        serial = normalize_serial(text)
        if not serial_key(serial):
            raise InvalidFieldValue("bad_value", f"serial_number {text!r} holds no letters or digits", name)
        return serial
    return text


def parse_day(text: str, name: str = "document_date") -> date:
    """A day written 2020-01-05, 05/01/2020 (day first), 5.1.2020 or `ngày 05 tháng 01 năm 2020`."""
    text = " ".join(normalize_text(text).split())
    if numeric := _STRICT_NUMERIC_DATE.match(text):
        day, month, year, iso_year, iso_month, iso_day = numeric.groups()
        try:  # a real calendar day, then held to the bounds below (1600-01-01 is a date, and out of them)
            parsed = date(int(year or iso_year), int(month or iso_month), int(day or iso_day))
        except ValueError:
            parsed = None
    else:
        parsed = parse_date(text) if "ng" in fold(text) else None
    if parsed is None:
        raise InvalidFieldValue("bad_date", f"{text!r} is not a date (use 2020-01-05 or 05/01/2020, day first)", name)
    return _within(name, parsed) if name == "document_date" else parsed


def parse_doc_type(text: str) -> str:
    value = fold(text).replace(" ", "_").replace("-", "_")
    if value in DOC_TYPES:
        return value
    # One English-looking word that is not a known value is a typo, not a Vietnamese title to classify.
    if not (re.fullmatch(r"[a-z_]+", value) and "_" not in value.strip("_") and text.isascii()):
        found, confidence, _ = classify_doc_type(text)
        if found != "other" and confidence >= 0.45:
            return found
    raise InvalidFieldValue("unknown_doc_type", f"unknown document type {text!r} (known: {', '.join(DOC_TYPES)})",
                            "doc_type")


def parse_classification(text: str) -> str:
    value = fold(text).replace("_", " ").replace("-", " ")
    if value.replace(" ", "_") in CLASSIFICATIONS:
        return value.replace(" ", "_")
    if value in _CLASSIFICATION_WORDS:
        return _CLASSIFICATION_WORDS[value]
    raise InvalidFieldValue("bad_value", f"classification {text!r} is not one of {', '.join(CLASSIFICATIONS)}",
                            "classification")


def parse_repair_level(text: str) -> str:
    folded = fold(text)
    if folded in REPAIR_LEVELS:
        return folded
    if folded in _REPAIR_WORDS:
        return _REPAIR_WORDS[folded]
    raise InvalidFieldValue("bad_value", f"repair_level {text!r} is not one of {', '.join(REPAIR_LEVELS)}",
                            "repair_level")


def _within(name: str, value):
    if reason := out_of_bounds(name, value):
        raise InvalidFieldValue("bad_date" if name == "document_date" else "bad_value", reason, name)
    return value
