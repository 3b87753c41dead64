"""Page images for viewing: rendered once from the original, then thumbnails on request."""

from __future__ import annotations

import io

from PIL import Image

from ingest.images import iter_image_pages
from ingest.limits import ExtractionLimits
from ingest.pdf import render_pdf_page
from ingest.sniff import PDF

_A4_WIDTH_IN = 8.27


def render_page_png(original: bytes, content_type: str, page: int, width: int) -> bytes:
    limits = ExtractionLimits()
    if content_type == PDF:
        # Through the same repair as extraction: a page that was read can be viewed.
        image, _ = render_pdf_page(original, page, dpi=round(width / _A4_WIDTH_IN), max_pixels=limits.max_pixels)
    else:
        source = next(s for s in iter_image_pages(original, limits) if s.number == page)
        image, _ = source.load_image()
    if image.mode not in ("L", "RGB", "1"):
        image = image.convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    return _png(image)


def thumbnail_png(png: bytes, width: int) -> bytes:
    image = Image.open(io.BytesIO(png))
    if image.width <= width:
        return png
    image.thumbnail((width, 100_000), Image.Resampling.LANCZOS)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
