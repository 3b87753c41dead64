"""Raster inputs (TIFF, possibly multi-page; JPEG; PNG) as page sources, with pixel limits checked before decoding."""

from __future__ import annotations

import io
import warnings
from typing import Iterator

from PIL import Image, UnidentifiedImageError

from ingest.errors import CorruptFile, LimitExceeded
from ingest.limits import ExtractionLimits
from ingest.pages import PageSource, frame_count, image_dpi


def count_pages(data: bytes, limits: ExtractionLimits) -> int:
    with _open(data) as image:
        count = frame_count(image)
    if count > limits.max_pages:
        raise LimitExceeded(f"{count} pages, more than the limit of {limits.max_pages}")
    return count


def iter_image_pages(data: bytes, limits: ExtractionLimits) -> Iterator[PageSource]:
    count = count_pages(data, limits)
    for index in range(count):
        yield PageSource(number=index + 1, text_layer=None, load_image=lambda i=index: _load_frame(data, i, limits))


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise LimitExceeded(f"image too large to decode safely: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise CorruptFile("not a readable image: damaged, truncated or an unsupported variant") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptFile(f"unreadable image: {exc}") from exc


def _load_frame(data: bytes, index: int, limits: ExtractionLimits) -> tuple[Image.Image, float | None]:
    image = _open(data)
    try:
        image.seek(index)
        pixels = image.width * image.height
        if pixels > limits.max_pixels:
            raise LimitExceeded(
                f"page {index + 1} is {image.width}×{image.height} px, more than the limit of {limits.max_pixels:,} pixels"
            )
        dpi = image_dpi(image)
        image.load()
        frame = image.copy()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptFile(f"page {index + 1} cannot be decoded: {exc}") from exc
    finally:
        image.close()
    return frame, dpi
