"""Image clean-up steps before OCR. Each is a small function so its effect on accuracy can be measured alone.

`ingest/reading.py` chooses among them per page (only for pages whose plain reading is weak);
`prepare_for_ocr` applies one fixed set of them to every page, as benchmarks that toggle steps do."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps


@dataclass(frozen=True)
class PreprocessOptions:
    drop_red: bool = True  # red unit seals vanish in the red channel; black ink stays black
    upscale_below_dpi: int = 200  # Tesseract reads small glyphs badly; bring such pages to target_dpi
    target_dpi: int = 300
    despeckle: bool = True  # scanner dust garbles whole table rows
    adaptive_binarize: bool = False  # local threshold for faded copies and uneven exposure
    window: int = 31  # adaptive threshold window in pixels at target resolution
    offset: int = 12  # how much darker than its neighbourhood a pixel must be to count as ink

    def label(self) -> str:
        steps = [
            name
            for name, on in (
                ("drop_red", self.drop_red), ("upscale", self.upscale_below_dpi > 0),
                ("despeckle", self.despeckle), ("binarize", self.adaptive_binarize),
            )
            if on
        ]
        return "+".join(steps) or "none"


NO_PREPROCESSING = PreprocessOptions(drop_red=False, upscale_below_dpi=0, despeckle=False, adaptive_binarize=False)


def to_gray(image: Image.Image, *, drop_red: bool) -> Image.Image:
    if image.mode in ("1", "L"):
        return image.convert("L")
    rgb = image.convert("RGB")
    if drop_red:
        return rgb.getchannel("R")
    return ImageOps.grayscale(rgb)


def gray_histogram(gray: np.ndarray) -> np.ndarray:
    """How many pixels of each gray level 0-255 an 8-bit image holds: np.bincount's answer, some ten times
    sooner. OpenCV counts in float32, exact below 2**24 pixels; a larger image is counted in slices."""
    if gray.size < _EXACT_FLOAT_COUNT:
        return cv2.calcHist([np.ascontiguousarray(gray)], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    rows = _EXACT_FLOAT_COUNT // gray.shape[1] - 1 if gray.ndim == 2 else 0
    if rows < 1:
        return np.bincount(gray.ravel(), minlength=256)
    return sum(gray_histogram(gray[start : start + rows]) for start in range(0, gray.shape[0], rows))


_EXACT_FLOAT_COUNT = 1 << 24


def upscale(image: Image.Image, dpi: float | None, *, below: int, target: int) -> Image.Image:
    # Resolutions recovered from page geometry come out as 199.9996: treat them as what the scanner was set to.
    if not dpi or below <= 0 or round(dpi) >= below:
        return image
    factor = target / dpi
    size = (round(image.width * factor), round(image.height * factor))
    # Bilevel sources are upscaled as gray so that edges come out smooth, not blocky.
    return image.convert("L").resize(size, Image.Resampling.LANCZOS)


def window_sum(values: np.ndarray, window: int, depth: int) -> np.ndarray:
    """Exact sum over the window × window square centred on each pixel; outside the page counts as 0."""
    return cv2.boxFilter(values, depth, (window, window), normalize=False, borderType=cv2.BORDER_CONSTANT)


def binarize_adaptive(image: Image.Image, *, window: int, offset: int) -> Image.Image:
    """Mean-of-neighbourhood threshold: ink is what is clearly darker than the paper around it."""
    gray = np.asarray(image.convert("L"))
    mean = cv2.blur(gray.astype(np.float32), (window, window), borderType=cv2.BORDER_REPLICATE)
    ink = gray < (mean - offset)
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), mode="L")


def speck_mask(image: Image.Image, dpi: float | None) -> np.ndarray:
    """Isolated dust: dark pixels whose small neighbourhood holds all the ink of its large one.

    Strokes, and diacritics sitting close to their letter, always have ink in the ring between.
    """
    inner, outer = _speck_windows(dpi)
    gray = np.asarray(image.convert("L"))
    dark = (gray < 128).view(np.uint8)
    # 16-bit counts are exact: the largest window holds far fewer than 65,536 pixels.
    near = window_sum(dark, inner, cv2.CV_16U)
    around = window_sum(dark, outer, cv2.CV_16U)
    return (dark > 0) & (around == near) & (near <= inner * inner * 0.7)


def _speck_windows(dpi: float | None) -> tuple[int, int]:
    scale = (dpi or 300) / 300
    inner = max(3, round(3 * scale) | 1)
    return inner, max(inner + 4, round(11 * scale) | 1)


def despeckle(image: Image.Image, dpi: float | None) -> Image.Image:
    """Whiten isolated dust: Tesseract takes scanner dust and copier specks for glyph fragments and garbles whole
    table rows. Only for noisy pages: on blurred ones it punches holes in letters and accents."""
    inner, _ = _speck_windows(dpi)
    gray = np.asarray(image.convert("L"))
    speck = speck_mask(image, dpi)
    # Spread the verdict over the speck's whole extent (its other pixels share the same window).
    spread = cv2.dilate(speck.view(np.uint8), np.ones((inner, inner), np.uint8))
    cleaned = np.where((spread > 0) & (gray < 200), 255, gray).astype(np.uint8)
    return Image.fromarray(cleaned, mode="L")


def prepare_for_ocr(image: Image.Image, dpi: float | None, options: PreprocessOptions) -> tuple[Image.Image, float | None]:
    """The page image Tesseract should read, and its resolution after scaling."""
    gray = to_gray(image, drop_red=options.drop_red)
    scaled = upscale(gray, dpi, below=options.upscale_below_dpi, target=options.target_dpi)
    out_dpi = options.target_dpi if scaled is not gray else dpi
    if options.despeckle:
        scaled = despeckle(scaled, out_dpi)
    if options.adaptive_binarize:
        scaled = binarize_adaptive(scaled, window=options.window, offset=options.offset)
    return scaled, out_dpi
