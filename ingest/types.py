"""Immutable results of extraction: what `ingest/` hands to the rest of the product."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping

FieldScalar = str | int | None
Region = tuple[float, float, float, float]  # left, top, width, height: shares (0..1) of the page as stored
TextSource = Literal["text", "ocr", "mixed"]

# Every field the extractor may fill; names are the Document keys of CONTRACT.md
# (plus `title`, the printed document title, used for display and search hits).
FIELD_NAMES: tuple[str, ...] = (
    "doc_type",
    "title",
    "document_number",
    "document_date",
    "classification",
    "serial_number",
    "designation",
    "name",
    "unit",
    "manufacturer",
    "country_of_origin",
    "year_of_manufacture",
    "quality_grade",
    "repair_level",
    "from_unit",
    "to_unit",
)


@dataclass(frozen=True)
class FieldValue:
    """One extracted value, how sure we are of it (0..1) and the 1-based page it came from."""

    value: FieldScalar
    confidence: float
    page: int
    source: str = "extracted"
    region: Region | None = None  # where on the page it was read (OCRed pages only)


@dataclass(frozen=True)
class LineRegion:
    """One line an OCR reading found, and its box on the page as stored."""

    text: str
    region: Region


@dataclass(frozen=True)
class PageText:
    number: int  # 1-based
    text: str  # NFC, canonical tone marks
    source: Literal["text", "ocr"]
    ocr_confidence: float | None = None  # mean word confidence 0..100 when OCRed
    reading: str | None = None  # which reading of the page image won ("plain", "rotate90+faded", ...) when OCRed
    stamp: tuple[str, float] | None = None  # secrecy stamp read on the page image: (level, confidence)
    lines: tuple[LineRegion, ...] = ()  # the OCR reading's lines with their boxes (ingest.regions)
    aspect: float | None = None  # height / width of the page image, when one was read
    seconds: float | None = None  # wall time spent reading the page image (OCR pages), for the operators' metrics


@dataclass(frozen=True)
class Extraction:
    content_type: str
    page_count: int
    pages: tuple[PageText, ...]
    text_source: TextSource
    fields: Mapping[str, FieldValue] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\f\n".join(p.text for p in self.pages)

    def value(self, name: str) -> FieldScalar:
        found = self.fields.get(name)
        return found.value if found else None
