"""PDF inputs as page sources: the text layer from pypdf; page images for OCR from pypdf, rendered by PDFium when
a page is not one plain scan. Damaged files are repaired first (ingest.pdf_repair); a file only PDFium reads is
read through PDFium alone."""

from __future__ import annotations

import html
import logging
import math
import re
from typing import Iterator

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject

from ingest.errors import CorruptFile, LimitExceeded
from ingest.limits import ExtractionLimits
from ingest.pages import PageImage, PageSource
from ingest.pdf_repair import OpenedPdf, open_pdf_document

logging.getLogger("pypdf").setLevel(logging.ERROR)
log = logging.getLogger(__name__)

_POINTS_PER_INCH = 72.0
RENDER_DPI = 300
A4_BOX = (0.0, 0.0, 595.276, 841.89)  # the page size to assume when a page states none that makes sense
# A resolution outside this range comes from a page box that does not match its scan, not from a scanner.
_PLAUSIBLE_DPI = (50.0, 1200.0)
# PDF 32000-1, annex C: a page side is at most 14,400 units (200 in); a box past that is damage, not paper.
_MAX_PAGE_SIDE_POINTS = 14_400.0
_MAX_ANNOTATIONS = 500  # per page; more is not a form a person filled in
_HIDDEN_ANNOTATION_FLAGS = 2 | 32  # Hidden, NoView (PDF 32000-1, 12.5.3)

Box = tuple[float, float, float, float]  # left, bottom, right, top in points


def open_pdf(data: bytes, limits: ExtractionLimits) -> pypdf.PdfReader:
    """A pypdf reader over the file, repaired if need be (for counting pages and the like)."""
    opened = open_pdf_document(data, limits)
    if opened.reader is None:
        raise CorruptFile("the PDF is readable by PDFium only")
    return opened.reader


def iter_pdf_pages(data: bytes, limits: ExtractionLimits) -> Iterator[PageSource]:
    opened = open_pdf_document(data, limits)
    if opened.repairs:
        log.info("PDF read after: %s", ", ".join(opened.repairs))
    if opened.reader is None:
        yield from _iter_pdfium_pages(opened, limits)
        return
    reader = opened.reader
    fast_text = _PdfiumText(opened.data, opened.page_count)
    try:
        yield from _pypdf_pages(opened, reader, fast_text, limits)
    finally:
        fast_text.close()


def _pypdf_pages(opened: OpenedPdf, reader: pypdf.PdfReader, fast_text: _PdfiumText,
                 limits: ExtractionLimits) -> Iterator[PageSource]:
    for index, page in enumerate(reader.pages):
        annotations = annotation_texts(page)
        own_text = fast_text.page(index)
        second = None
        if own_text is None:
            own_text = _text_layer(page)
        else:
            second = lambda p=page, a=annotations: _with_annotations(_text_layer(p), a, limits)  # noqa: E731
        yield PageSource(
            number=index + 1,
            text_layer=_with_annotations(own_text, annotations, limits),
            load_image=lambda p=page, i=index, drawn=bool(annotations): _page_image(opened.data, p, i, limits, drawn),
            second_text_layer=second,
        )
        # pypdf keeps every object it ever resolved; on a 300-page scan that is every page's image
        # stream. Dropping the cache once a page is done keeps memory flat (objects re-resolve on demand).
        reader.resolved_objects.clear()


def render_pdf_page(data: bytes, number: int, *, dpi: int, max_pixels: int) -> PageImage:
    """Page `number` (1-based, numbered as `iter_pdf_pages` numbers them) rendered for viewing: from the repaired
    copy when the original needed repair, with the same page-box fallback and annotations drawn."""
    opened = open_pdf_document(data, ExtractionLimits(max_pixels=max_pixels))
    if opened.reader is None:
        index = _pdfium_page_index(opened.data, number)
        return render_page(opened.data, index, dpi=dpi, max_pixels=max_pixels, draw_forms=True)
    if not 1 <= number <= opened.page_count:
        raise CorruptFile(f"the PDF has no page {number}")
    page = opened.reader.pages[number - 1]
    override = (page_box(page) or A4_BOX) if _box_needs_override(page) else None
    return render_page(opened.data, number - 1, dpi=dpi, max_pixels=max_pixels, box=override,
                       draw_forms=bool(annotation_texts(page)))


def _pdfium_page_index(data: bytes, number: int) -> int:
    """The PDFium index of the `number`-th page PDFium can load (unloadable entries are not pages)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        seen = 0
        for index in range(len(document)):
            try:
                document[index].close()
            except pypdfium2.PdfiumError:
                continue
            seen += 1
            if seen == number:
                return index
    finally:
        document.close()
    raise CorruptFile(f"the PDF has no page {number}")


def _iter_pdfium_pages(opened: OpenedPdf, limits: ExtractionLimits) -> Iterator[PageSource]:
    import pypdfium2

    document = pypdfium2.PdfDocument(opened.data)
    try:
        number = 0
        for index in range(len(document)):
            try:
                page = document[index]
            except pypdfium2.PdfiumError:
                continue  # a page entry PDFium cannot load shows as no page in a reader either
            try:
                text_page = page.get_textpage()
                text = text_page.get_text_bounded().replace("\r\n", "\n")
                text_page.close()
            except pypdfium2.PdfiumError:
                text = ""
            finally:
                page.close()
            number += 1
            if number > opened.page_count:
                break
            yield PageSource(
                number=number,
                text_layer=text or None,
                load_image=lambda i=index: render_page(opened.data, i, dpi=RENDER_DPI, max_pixels=limits.max_pixels,
                                                       draw_forms=True),
            )
    finally:
        document.close()


class _PdfiumText:
    """Each page's text layer as PDFium reads it: C, several times pypdf's speed on the same words."""

    def __init__(self, data: bytes, page_count: int) -> None:
        import pypdfium2

        self._error = pypdfium2.PdfiumError
        self._document = None
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            return
        if len(document) == page_count:
            self._document = document
        else:  # a damaged page tree PDFium counts otherwise: page numbers must never shift between the two readers
            document.close()

    def page(self, index: int) -> str | None:
        """The page's text; None when PDFium cannot read it (pypdf then does) or has no document."""
        if self._document is None:
            return None
        try:
            page = self._document[index]
        except self._error:
            return None
        try:
            text_page = page.get_textpage()
            try:
                raw = text_page.get_text_bounded(*_EVERYWHERE)  # text past the page's edge too, as pypdf gives it
            finally:
                text_page.close()
        except self._error:
            return None
        finally:
            page.close()
        # PDFium ends lines with CR LF and marks a hyphen it took for a line-end break with U+0002 / U+FFFE
        return raw.replace("\r\n", "\n").replace("\r", "\n").translate(_PDFIUM_HYPHENS) or None

    def close(self) -> None:
        if self._document is not None:
            self._document.close()


_EVERYWHERE = (-1e6, -1e6, 1e6, 1e6)  # left, bottom, right, top in points
_PDFIUM_HYPHENS = {0x02: "-", 0xFFFE: "-"}


def _text_layer(page: pypdf.PageObject) -> str | None:
    try:
        return page.extract_text() or None
    except Exception:  # pypdf raises many kinds on damaged content streams; the page is then OCRed
        return None


def _with_annotations(own_text: str | None, annotations: list[str], limits: ExtractionLimits) -> str | None:
    # Annotation text joins a page's own text layer; on a scan it would stand in for the whole page and stop
    # its OCR, so there the page is rendered with its annotations drawn and OCR reads them.
    if annotations and _has_enough_text(own_text, limits.min_text_chars):
        return "\n".join([own_text or "", *annotations])
    return own_text


def _has_enough_text(text: str | None, min_chars: int) -> bool:
    return bool(text) and sum(ch.isalnum() for ch in text) >= min_chars


# --- page boxes ---------------------------------------------------------------------------------------------------

def page_box(page: pypdf.PageObject) -> Box | None:
    """The page's MediaBox, else its CropBox, as a normalised rectangle; None when neither is a real area
    (missing, zero, NaN, not four numbers, sides past 200 inches). Inverted corners are swapped, as readers do."""
    for name in ("/MediaBox", "/CropBox"):
        box = _valid_box(page.get(name))
        if box is not None:
            return box
    return None


def _valid_box(raw: object) -> Box | None:
    try:
        raw = raw.get_object() if raw is not None else None
        if not isinstance(raw, (ArrayObject, list)) or len(raw) != 4:
            return None
        numbers = [float(value.get_object() if hasattr(value, "get_object") else value) for value in raw]
    except (TypeError, ValueError, AttributeError):
        return None
    if not all(math.isfinite(number) for number in numbers):
        return None
    left, right = sorted((numbers[0], numbers[2]))
    bottom, top = sorted((numbers[1], numbers[3]))
    if not (1 <= right - left <= _MAX_PAGE_SIDE_POINTS and 1 <= top - bottom <= _MAX_PAGE_SIDE_POINTS):
        return None
    return left, bottom, right, top


def _box_needs_override(page: pypdf.PageObject) -> bool:
    """True when PDFium would not get a usable rectangle from the MediaBox as written."""
    raw = page.get("/MediaBox")
    box = _valid_box(raw)
    if box is None:
        return True
    try:
        numbers = [float(value) for value in raw.get_object()]
    except (TypeError, ValueError, AttributeError):
        return True
    return numbers[0] > numbers[2] or numbers[1] > numbers[3]


# --- page images --------------------------------------------------------------------------------------------------

def _page_image(data: bytes, page: pypdf.PageObject, index: int, limits: ExtractionLimits,
                has_annotations: bool) -> PageImage:
    box = page_box(page)
    if not has_annotations:  # the embedded scan alone would lose what the annotations show
        single = _single_scan_image(page, box, limits)
        if single is not None:
            return single
    override = (box or A4_BOX) if _box_needs_override(page) else None
    return render_page(data, index, dpi=RENDER_DPI, max_pixels=limits.max_pixels, box=override,
                       draw_forms=has_annotations)


def _single_scan_image(page: pypdf.PageObject, box: Box | None, limits: ExtractionLimits) -> PageImage | None:
    """The page's one embedded image, when the page is exactly that (the usual scanned page)."""
    try:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        images = [obj.get_object() for obj in xobjects.values() if obj.get_object().get("/Subtype") == "/Image"]
        if len(images) != 1:
            return None
        width, height = int(images[0]["/Width"]), int(images[0]["/Height"])
        if width * height > limits.max_pixels:
            raise LimitExceeded(f"page image is {width}×{height} px, more than the limit of {limits.max_pixels:,} pixels")
        page_images = page.images
        if len(page_images) != 1:
            return None
        image = page_images[0].image
        if image is None:
            return None
        rotate = int(page.get("/Rotate", 0) or 0)
    except LimitExceeded:
        raise
    except Exception:
        return None  # unusual filters or masks: let PDFium render the page instead
    # Without a usable page box the scan itself is the page: its size is known, its resolution is not.
    dpi = image.width / ((box[2] - box[0]) / _POINTS_PER_INCH) if box is not None else None
    if dpi is not None and not _PLAUSIBLE_DPI[0] <= dpi <= _PLAUSIBLE_DPI[1]:
        dpi = None
    if rotate % 360:
        image = image.rotate(-rotate, expand=True)
    return image, dpi


def render_page(data: bytes, index: int, *, dpi: int, max_pixels: int, box: Box | None = None,
                draw_forms: bool = False) -> PageImage:
    """Page `index` rendered by PDFium. `box` replaces a MediaBox that is missing, empty or inverted."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
        try:
            if draw_forms:
                document.init_forms()  # so that filled-in form fields are drawn with their values
            page = document[index]
            if box is not None:
                page.set_mediabox(*box)
                page.set_cropbox(*box)
            width_pt, height_pt = page.get_size()
            if not all(math.isfinite(side) and 1 <= side <= _MAX_PAGE_SIDE_POINTS for side in (width_pt, height_pt)):
                page.set_mediabox(*A4_BOX)
                page.set_cropbox(*A4_BOX)
                width_pt, height_pt = page.get_size()
            scale = dpi / _POINTS_PER_INCH
            if width_pt * height_pt * scale * scale > max_pixels:
                scale = (max_pixels / (width_pt * height_pt)) ** 0.5
            image = page.render(scale=scale, may_draw_forms=draw_forms).to_pil()
        finally:
            document.close()
    except pypdfium2.PdfiumError as exc:
        raise CorruptFile(f"page {index + 1} cannot be rendered: {exc}") from exc
    return image.convert("RGB") if image.mode not in ("RGB", "L") else image, scale * _POINTS_PER_INCH


# --- annotations --------------------------------------------------------------------------------------------------

def annotation_texts(page: pypdf.PageObject) -> list[str]:
    """Visible text that annotations put on the page: FreeText boxes (/Contents, else the rich text /RC) and
    the values of filled-in text and choice form fields."""
    try:
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations is not None else None
        if not isinstance(annotations, ArrayObject):
            return []
        texts = []
        for reference in list(annotations)[:_MAX_ANNOTATIONS]:
            text = _annotation_text(reference.get_object())
            if text:
                texts.append(text)
        return texts
    except Exception:  # a damaged annotation array costs its text, never the page
        return []


def _annotation_text(annotation: object) -> str | None:
    if not isinstance(annotation, DictionaryObject):
        return None
    if int(annotation.get("/F", 0) or 0) & _HIDDEN_ANNOTATION_FLAGS:
        return None
    subtype = annotation.get("/Subtype")
    if subtype == "/FreeText":
        text = _text_value(annotation.get("/Contents")) or _rich_text(annotation.get("/RC"))
    elif subtype == "/Widget":
        text = _field_value(annotation)
    else:
        return None
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _field_value(widget: DictionaryObject) -> str | None:
    """A text or choice field's value; the field may be the widget itself or one of its /Parent ancestors."""
    node, field_type, value = widget, None, None
    for _ in range(32):  # a /Parent chain longer than this is a loop
        field_type = field_type or node.get("/FT")
        value = value if value is not None else node.get("/V")
        parent = node.get("/Parent")
        if parent is None or (field_type is not None and value is not None):
            break
        node = parent.get_object()
        if not isinstance(node, DictionaryObject):
            break
    if field_type not in ("/Tx", "/Ch") or value is None:
        return None
    value = value.get_object()
    if isinstance(value, ArrayObject):
        return "\n".join(filter(None, (_text_value(item) for item in value)))
    return _text_value(value)


def _text_value(value: object) -> str | None:
    if value is None:
        return None
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("latin-1")
    return str(value) if isinstance(value, str) else None


_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|div|br)\s*>|<br\s*/?>", re.IGNORECASE)


def _rich_text(value: object) -> str | None:
    if value is None:
        return None
    value = value.get_object()
    if hasattr(value, "get_data"):
        raw = value.get_data()
        text = raw.decode("utf-16") if raw[:2] in (b"\xfe\xff", b"\xff\xfe") else raw.decode("utf-8", "replace")
    else:
        text = _text_value(value)
    if not text:
        return None
    return html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", text)))
