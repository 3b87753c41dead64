"""Image clean-up before OCR. Each step is a small function so its effect on accuracy can be measured alone
(`bench/preprocess_bench.py` toggles them one by one)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps


@dataclass(frozen=True)
class PreprocessOptions:
    drop_red: bool = True  # red unit seals vanish in the red channel; black ink stays black
    upscale_below_dpi: int = 200  # Tesseract reads small glyphs badly; bring such pages to target_dpi
    target_dpi: int = 300
    adaptive_binarize: bool = False  # local threshold for faded copies and uneven exposure
    window: int = 31  # adaptive threshold window in pixels at target resolution
    offset: int = 12  # how much darker than its neighbourhood a pixel must be to count as ink

    def label(self) -> str:
        steps = [name for name, on in (("drop_red", self.drop_red), ("upscale", self.upscale_below_dpi > 0), ("binarize", self.adaptive_binarize)) if on]
        return "+".join(steps) or "none"


NO_PREPROCESSING = PreprocessOptions(drop_red=False, upscale_below_dpi=0, adaptive_binarize=False)


def to_gray(image: Image.Image, *, drop_red: bool) -> Image.Image:
    if image.mode in ("1", "L"):
        return image.convert("L")
    rgb = image.convert("RGB")
    if drop_red:
        return rgb.getchannel("R")
    return ImageOps.grayscale(rgb)


def upscale(image: Image.Image, dpi: float | None, *, below: int, target: int) -> Image.Image:
    if not dpi or below <= 0 or dpi >= below:
        return image
    factor = target / dpi
    size = (round(image.width * factor), round(image.height * factor))
    # Bilevel sources are upscaled as gray so that edges come out smooth, not blocky.
    return image.convert("L").resize(size, Image.Resampling.LANCZOS)


def binarize_adaptive(image: Image.Image, *, window: int, offset: int) -> Image.Image:
    """Mean-of-neighbourhood threshold via an integral image: O(pixels), no per-pixel Python."""
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    height, width = gray.shape
    half = window // 2
    padded = np.pad(gray, half + 1, mode="edge")
    integral = padded.cumsum(axis=0).cumsum(axis=1)
    top = integral[0:height, 0:width]
    bottom = integral[window : window + height, window : window + width]
    right = integral[0:height, window : window + width]
    left = integral[window : window + height, 0:width]
    mean = (bottom - right - left + top) / float(window * window)
    ink = gray < (mean - offset)
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), mode="L")


def prepare_for_ocr(image: Image.Image, dpi: float | None, options: PreprocessOptions) -> tuple[Image.Image, float | None]:
    """The page image Tesseract should read, and its resolution after scaling."""
    gray = to_gray(image, drop_red=options.drop_red)
    scaled = upscale(gray, dpi, below=options.upscale_below_dpi, target=options.target_dpi)
    out_dpi = options.target_dpi if scaled is not gray else dpi
    if options.adaptive_binarize:
        scaled = binarize_adaptive(scaled, window=options.window, offset=options.offset)
    return scaled, out_dpi
