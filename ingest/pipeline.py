"""Bytes in, `Extraction` out: sniff → pages (text layer or OCR) → normalise → fields.

Pure: no storage, index, settings or network. Safe to run in a process pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ingest.errors import TooLarge
from ingest.fields import extract_fields
from ingest.images import iter_image_pages
from ingest.legacy_encoding import repair_legacy_text
from ingest.limits import ExtractionLimits
from ingest.ocr import TesseractOcr
from ingest.pages import PageSource
from ingest.pdf import iter_pdf_pages
from ingest.preprocess import PreprocessOptions, prepare_for_ocr
from ingest.sniff import PDF, sniff
from ingest.types import Extraction, PageText, TextSource
from common.text import normalize_text


@dataclass(frozen=True)
class ExtractionOptions:
    limits: ExtractionLimits = field(default_factory=ExtractionLimits)
    preprocess: PreprocessOptions = field(default_factory=PreprocessOptions)
    ocr_lang: str = "vie+eng"
    ocr_psm: int = 3


def extract(data: bytes, options: ExtractionOptions | None = None) -> Extraction:
    options = options or ExtractionOptions()
    if len(data) > options.limits.max_bytes:
        raise TooLarge(f"{len(data):,} bytes, more than the limit of {options.limits.max_bytes:,}")
    content_type = sniff(data[:1024])
    ocr = TesseractOcr(options.ocr_lang, psm=options.ocr_psm, timeout_s=options.limits.ocr_timeout_s)
    pages = tuple(read_page(source, ocr, options) for source in page_sources(data, content_type, options.limits))
    fields = extract_fields([page.text for page in pages])
    return Extraction(
        content_type=content_type,
        page_count=len(pages),
        pages=pages,
        text_source=_text_source(pages),
        fields=fields,
    )


def page_sources(data: bytes, content_type: str, limits: ExtractionLimits) -> Iterator[PageSource]:
    if content_type == PDF:
        return iter_pdf_pages(data, limits)
    return iter_image_pages(data, limits)


def read_page(source: PageSource, ocr: TesseractOcr, options: ExtractionOptions) -> PageText:
    text_layer = repair_legacy_text(source.text_layer)  # TCVN3 / VNI mojibake → Unicode; anything else as is
    if usable_text_layer(text_layer, options.limits.min_text_chars):
        return PageText(number=source.number, text=normalize_text(text_layer or ""), source="text")
    image, dpi = source.load_image()
    prepared, prepared_dpi = prepare_for_ocr(image, dpi, options.preprocess)
    result = ocr.read(prepared, prepared_dpi)
    return PageText(number=source.number, text=normalize_text(result.text), source="ocr", ocr_confidence=result.mean_confidence)


def usable_text_layer(text: str | None, min_chars: int) -> bool:
    """A text layer is usable when it has enough real characters and is not mostly unmapped glyphs."""
    if not text:
        return False
    meaningful = sum(ch.isalnum() for ch in text)
    garbage = sum(ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" for ch in text)
    return meaningful >= min_chars and garbage * 10 < meaningful


def _text_source(pages: tuple[PageText, ...]) -> TextSource:
    sources = {page.source for page in pages}
    if sources == {"text"}:
        return "text"
    if sources == {"ocr"}:
        return "ocr"
    return "mixed" if sources else "text"

