"""Bytes in, `Extraction` out: sniff → pages (text layer or OCR) → normalise → fields.

Pure: no storage, index, settings or network. Safe to run in a process pool.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from PIL import Image

from ingest.errors import CorruptFile, OcrFailed, TooLarge
from ingest.fields import extract_fields
from ingest.images import iter_image_pages
from ingest.legacy_encoding import repair_legacy_text
from ingest.limits import ExtractionLimits
from ingest.options import ExtractionOptions
from ingest.ocr import TesseractOcr
from ingest.pages import PageImage, PageSource
from ingest.pdf import iter_pdf_pages
from ingest.plausibility import measure
from ingest.regions import line_regions, locate_fields
from ingest.sniff import PDF, sniff
from ingest.types import Extraction, PageText, TextSource
from common.text import normalize_text

# The page-image half (OpenCV, NumPy: a fifth of a second to import) is imported by the first page that is read
# from its image: a batch of text PDFs never loads it, and a scan pays it once per pool process.
if TYPE_CHECKING:
    from ingest.reading import PageReading


_NOT_ALNUM = re.compile(r"[\W_]+")
_UNMAPPED_GLYPHS = re.compile("[\ufffd\ue000-\uf8ff]")

# A text layer scoring below this (accents missing on Vietnamese words, debris) is OCRed and the better kept.
TRUSTED_LAYER_SCORE = 0.7
# After this many doubtful layers of a document whose OCR was no more plausible (and none whose OCR was), its other
# doubtful layers are trusted: a German textbook of formulas is not mis-encoded Vietnamese, and OCRing its 98
# doubtful pages gains nothing.
DOUBTFUL_LAYER_TRIALS = 2
# Secrecy stamps stand on a document's first pages; looking further would cost every page of a long scan.
STAMP_PAGES = 2


def extract(data: bytes, options: ExtractionOptions | None = None) -> Extraction:
    options = options or ExtractionOptions()
    if len(data) > options.limits.max_bytes:
        raise TooLarge(f"{len(data):,} bytes, more than the limit of {options.limits.max_bytes:,}")
    content_type = sniff(data[:1024])
    ocr = TesseractOcr(options.ocr_lang, psm=options.ocr_psm, timeout_s=options.limits.ocr_timeout_s)
    verdicts = LayerVerdicts()
    pages = tuple(read_page(source, ocr, options, verdicts) for source in page_sources(data, content_type, options.limits))
    return _extraction(content_type, pages)


def _extraction(content_type: str, pages: tuple[PageText, ...]) -> Extraction:
    stamps = [(page.number, *page.stamp) for page in pages if page.stamp]
    fields = locate_fields(extract_fields([page.text for page in pages], image_stamps=stamps), pages)
    return Extraction(
        content_type=content_type,
        page_count=len(pages),
        pages=pages,
        text_source=_text_source(pages),
        fields=fields,
    )


def read_text_layer(text: str, options: ExtractionOptions | None = None) -> Extraction:
    """One page's text layer read as `extract` reads a text PDF's page (judged, normalised, fields), never OCRed:
    for warming a process up (ingest.warm) and for tools that hold text, not files."""
    options = options or ExtractionOptions()
    ocr = TesseractOcr(options.ocr_lang, psm=options.ocr_psm, timeout_s=options.limits.ocr_timeout_s)
    page = read_page(PageSource(number=1, text_layer=text, load_image=_no_image), ocr, options)
    return _extraction(PDF, (page,))


def _no_image() -> PageImage:
    raise CorruptFile("a text layer alone has no page image")  # read_page then keeps the layer, doubtful or not


def page_sources(data: bytes, content_type: str, limits: ExtractionLimits) -> Iterator[PageSource]:
    if content_type == PDF:
        return iter_pdf_pages(data, limits)
    return iter_image_pages(data, limits)


@dataclass
class LayerVerdicts:
    """What OCR did for one document's doubtful text layers: helped (its text plausible, the layer's not), or not."""

    helped: int = 0
    did_not_help: int = 0

    def trust_doubtful(self) -> bool:
        return self.helped == 0 and self.did_not_help >= DOUBTFUL_LAYER_TRIALS

    def record(self, ocr_score: float) -> None:
        if ocr_score >= TRUSTED_LAYER_SCORE:
            self.helped += 1
        else:
            self.did_not_help += 1


def read_page(source: PageSource, ocr: TesseractOcr, options: ExtractionOptions,
              verdicts: LayerVerdicts | None = None) -> PageText:
    verdicts = verdicts or LayerVerdicts()
    layer_text, layer_score = _judged_layer(source.text_layer, options)
    if (layer_score is None or layer_score < TRUSTED_LAYER_SCORE) and source.second_text_layer is not None:
        second_text, second_score = _judged_layer(source.second_text_layer(), options)
        if second_score is not None and (layer_score is None or second_score > layer_score):
            layer_text, layer_score = second_text, second_score
    if layer_score is not None:
        # Text PDFs stay fast: a plausible layer is never OCRed, nor a doubtful one of a document whose doubtful
        # layers have kept beating their OCR.
        if layer_score >= TRUSTED_LAYER_SCORE or verdicts.trust_doubtful():
            return PageText(number=source.number, text=layer_text, source="text")
    started = time.perf_counter()
    try:
        image, dpi = source.load_image()
        reading = read_page_image_with(image, dpi, ocr, options)
    except (OcrFailed, CorruptFile):
        if layer_score is None:
            raise
        return PageText(number=source.number, text=layer_text, source="text")  # a doubtful layer beats no text
    ocr_text = normalize_text(reading.text)
    stamp = _stamp(source.number, reading, options)
    ocr_score = measure(ocr_text).score
    if layer_score is not None:
        verdicts.record(ocr_score)
        if ocr_score <= layer_score:
            return PageText(number=source.number, text=layer_text, source="text", stamp=stamp)
    return PageText(number=source.number, text=ocr_text, source="ocr", ocr_confidence=reading.confidence,
                    reading=reading.reading_label, stamp=stamp, aspect=round(image.height / image.width, 4),
                    seconds=round(time.perf_counter() - started, 3),
                    lines=line_regions(reading.words, reading.upright_image.size, reading.reading_label))


def _judged_layer(text_layer: str | None, options: ExtractionOptions) -> tuple[str, float | None]:
    """A text layer made ready (TCVN3 / VNI mojibake → Unicode, normalised) and how plausible it reads; no score
    when it is not usable at all."""
    text_layer = repair_legacy_text(text_layer)
    if not usable_text_layer(text_layer, options.limits.min_text_chars):
        return "", None
    layer_text = normalize_text(text_layer or "")
    return layer_text, measure(layer_text).score


def _stamp(number: int, reading: PageReading, options: ExtractionOptions) -> tuple[str, float] | None:
    """The secrecy stamp on a first page's image: Tesseract's page layout often drops a small boxed stamp in a
    corner, and a red one fades in grey. Not in the plain or fixed readings, which measure Tesseract alone."""
    if number > STAMP_PAGES or options.reading != "adaptive" or options.preprocess is not None:
        return None
    from ingest.stamps import find_classification_stamp

    try:
        found = find_classification_stamp(reading.upright_image, reading.dpi, lang=options.ocr_lang)
    except OcrFailed:
        return None  # an unread stamp leaves the classification to the text, or unknown for review
    return (found.level, found.confidence) if found else None


def read_page_image_with(image: Image.Image, dpi: float | None, ocr: TesseractOcr, options: ExtractionOptions) -> PageReading:
    """The page image read as the options say: per-page strategy, plain, or one fixed clean-up."""
    from ingest.preprocess import prepare_for_ocr
    from ingest.reading import PageReading, ReadingOptions, read_page_image

    if options.preprocess is None:
        return read_page_image(image, dpi, ocr, ReadingOptions(mode=options.reading))
    prepared, prepared_dpi = prepare_for_ocr(image, dpi, options.preprocess)
    result = ocr.read(prepared, prepared_dpi)
    return PageReading(result.text, result.mean_confidence, options.preprocess.label(), image, dpi, 1,
                       measure(result.text, result.mean_confidence))


def usable_text_layer(text: str | None, min_chars: int) -> bool:
    """A text layer is usable when it has enough real characters and is not mostly unmapped glyphs.

    Usable is not trusted: `read_page` also judges how plausible the text is (`ingest.plausibility`)."""
    if not text:
        return False
    meaningful = len(_NOT_ALNUM.sub("", text))  # [^\W_] is str.isalnum, counted in C
    garbage = len(_UNMAPPED_GLYPHS.findall(text))
    return meaningful >= min_chars and garbage * 10 < meaningful


def _text_source(pages: tuple[PageText, ...]) -> TextSource:
    sources = {page.source for page in pages}
    if sources == {"text"}:
        return "text"
    if sources == {"ocr"}:
        return "ocr"
    return "mixed" if sources else "text"

