"""PDF inputs as page sources: the text layer from pypdf; page images for OCR from pypdf, rendered by PDFium when
a page is not one plain scan."""

from __future__ import annotations

import io
import logging
from typing import Iterator

import pypdf
from pypdf.errors import FileNotDecryptedError, PdfReadError

from ingest.errors import CorruptFile, EncryptedFile, LimitExceeded
from ingest.limits import ExtractionLimits
from ingest.pages import PageImage, PageSource

logging.getLogger("pypdf").setLevel(logging.ERROR)

_POINTS_PER_INCH = 72.0
RENDER_DPI = 300


def open_pdf(data: bytes, limits: ExtractionLimits) -> pypdf.PdfReader:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedFile("the PDF is password-protected; ingest an unprotected copy")
        count = len(reader.pages)
    except EncryptedFile:
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedFile("the PDF is password-protected; ingest an unprotected copy") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise CorruptFile(f"unreadable PDF: {exc}") from exc
    except NotImplementedError as exc:
        raise EncryptedFile(f"the PDF uses an unsupported encryption: {exc}") from exc
    if count == 0:
        raise CorruptFile("the PDF has no pages")
    if count > limits.max_pages:
        raise LimitExceeded(f"{count} pages, more than the limit of {limits.max_pages}")
    return reader


def iter_pdf_pages(data: bytes, limits: ExtractionLimits) -> Iterator[PageSource]:
    reader = open_pdf(data, limits)
    for index, page in enumerate(reader.pages):
        yield PageSource(
            number=index + 1,
            text_layer=_text_layer(page),
            load_image=lambda p=page, i=index: _page_image(data, p, i, limits),
        )
        # pypdf keeps every object it ever resolved; on a 300-page scan that is every page's image
        # stream. Dropping the cache once a page is done keeps memory flat (objects re-resolve on demand).
        reader.resolved_objects.clear()


def _text_layer(page: pypdf.PageObject) -> str | None:
    try:
        return page.extract_text() or None
    except Exception:  # pypdf raises many kinds on damaged content streams; the page is then OCRed
        return None


def _page_image(data: bytes, page: pypdf.PageObject, index: int, limits: ExtractionLimits) -> PageImage:
    single = _single_scan_image(page, limits)
    if single is not None:
        return single
    return render_page(data, index, dpi=RENDER_DPI, max_pixels=limits.max_pixels)


def _single_scan_image(page: pypdf.PageObject, limits: ExtractionLimits) -> PageImage | None:
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
    except LimitExceeded:
        raise
    except Exception:
        return None  # unusual filters or masks: let PDFium render the page instead
    page_width_in = float(page.mediabox.width) / _POINTS_PER_INCH
    dpi = image.width / page_width_in if page_width_in > 0 else None
    if page.get("/Rotate"):
        image = image.rotate(-int(page["/Rotate"]), expand=True)
    return image, dpi


def render_page(data: bytes, index: int, *, dpi: int, max_pixels: int) -> PageImage:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
        try:
            page = document[index]
            width_pt, height_pt = page.get_size()
            scale = dpi / _POINTS_PER_INCH
            if width_pt * height_pt * scale * scale > max_pixels:
                scale = (max_pixels / (width_pt * height_pt)) ** 0.5
            image = page.render(scale=scale).to_pil()
        finally:
            document.close()
    except pypdfium2.PdfiumError as exc:
        raise CorruptFile(f"page {index + 1} cannot be rendered: {exc}") from exc
    return image.convert("RGB") if image.mode not in ("RGB", "L") else image, scale * _POINTS_PER_INCH

