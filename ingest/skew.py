"""How far a page's text lines lean, and the page turned straight.

Tesseract's layout analysis copes with a lean of a degree or so (a page laid a little askew on the scanner
glass); straightening such a page only softens its letters. A phone photo taken at an angle leans further, and
there Tesseract loses whole paragraphs (a 3.5° photo read 516 characters of a 905-character decision). The lean
is found from the ink's row profile on a small copy: rotated by the right angle, the text lines fall into
sharp bands, and the profile's steps are steepest.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

_PROFILE_LONG_SIDE = 800  # lines of text are still bands at this size; a profile costs a few milliseconds
_MAX_DEGREES = 6.0


def estimated_skew(gray: Image.Image) -> float:
    """Degrees (counter-clockwise, PIL's sense) that turn the page's text lines level; 0.0 when the page has too
    little ink to tell."""
    pixels = np.asarray(gray)
    factor = min(1.0, _PROFILE_LONG_SIDE / max(pixels.shape))
    small = cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else pixels
    # Ink is what is clearly darker than the paper around it: a lamp's gradient or a desk's edge is no ink.
    background = cv2.medianBlur(small, 31)
    ink = ((background.astype(np.int16) - small) > 25).astype(np.uint8)
    if ink.sum() < 500:
        return 0.0
    coarse = max(np.arange(-_MAX_DEGREES, _MAX_DEGREES + 0.01, 1.0), key=lambda angle: _sharpness(ink, angle))
    return float(max(np.arange(coarse - 0.75, coarse + 0.76, 0.25), key=lambda angle: _sharpness(ink, angle)))


def _sharpness(ink: np.ndarray, angle: float) -> float:
    height, width = ink.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    profile = cv2.warpAffine(ink, turn, (width, height), flags=cv2.INTER_NEAREST).sum(axis=1).astype(np.float64)
    return float(np.sum(np.diff(profile) ** 2))


def line_lean(ink: np.ndarray) -> float:
    """Degrees (PIL's sense) that turn one line of text level, from a straight line fitted through the middle of
    its ink, column by column; 0.0 when it has too little ink to tell. A single line has no row profile to sharpen:
    its accents and descenders only scatter about the fit."""
    columns = np.flatnonzero(ink.any(axis=0))
    if len(columns) < 20:
        return 0.0
    rows = np.arange(ink.shape[0], dtype=np.float64)[:, None]
    weights = ink[:, columns].astype(np.float64)
    middles = (weights * rows).sum(axis=0) / weights.sum(axis=0)
    slope = np.polyfit(columns.astype(np.float64), middles, 1)[0]
    return float(np.clip(np.degrees(np.arctan(slope)), -_MAX_DEGREES, _MAX_DEGREES))


def straightened(image: Image.Image, angle: float) -> Image.Image:
    """The page turned by `angle` degrees, enlarged to hold all of it; the corners filled with white paper."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("L" if image.mode in ("1", "LA", "I", "I;16", "F") else "RGB")
    fill = 255 if image.mode == "L" else (255, 255, 255)
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
