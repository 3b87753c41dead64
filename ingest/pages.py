"""Page sources: a file becomes a sequence of pages, each with a text layer or an image to OCR.

Pages are produced lazily, one at a time, so a 300-page scan never sits in memory whole.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable, Iterator

from PIL import Image

PageImage = tuple[Image.Image, float | None]  # the image and its resolution in dpi, if known


@dataclass(frozen=True)
class PageSource:
    number: int  # 1-based
    text_layer: str | None
    load_image: Callable[[], PageImage]
    # The same text layer as a second parser reads it, asked for only when the first reading is doubtful
    # (PDFium reads a PDF's layer first, pypdf is the second opinion: each keeps some layouts the other breaks).
    second_text_layer: Callable[[], str | None] | None = None


def image_dpi(image: Image.Image) -> float | None:
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        value = float(dpi[0])
    except (TypeError, ValueError, IndexError):
        return None
    # Pillow reports 1 or 72 for files that never recorded a resolution.
    return value if value > 72 else None


def open_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def frame_count(image: Image.Image) -> int:
    return getattr(image, "n_frames", 1)


def iter_frames(image: Image.Image) -> Iterator[Image.Image]:
    for index in range(frame_count(image)):
        image.seek(index)
        yield image
