"""Secrecy stamps read from the page image itself, not from the page's OCR text.

The page OCR misses the boxed "MẬT" / "TỐI MẬT" / "TUYỆT MẬT" stamp for two reasons: the red channel used
against round unit seals erases a red stamp too, and Tesseract's layout analysis often drops a small
boxed word in a corner. Here the page is searched cheaply, on a small copy, for stamp-shaped things:

- coloured ink (red, purple, blue) that closes into a stamp-sized rectangle, not a round seal;
- coloured capitals without a frame near the top of the page (three or more marks of one height);
- a closed rectangular frame of stamp size in the top part of the page, in any ink.

Only those candidates (a few at most) are cropped at full resolution, turned upright by their own
rectangle and read with Tesseract as a single line. A page with no candidate costs no OCR at all.
Nothing read means None: the archive then treats the document as top secret until a person decides.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from PIL import Image
from rapidfuzz.distance import Levenshtein

from common.text import fold
from common.vocabulary import CLASSIFICATION_RANK
from ingest.ocr import read_words

__all__ = ["StampCandidate", "StampReading", "find_candidates", "find_classification_stamp", "stamp_level_in_text"]

StampLevel = Literal["confidential", "secret", "top_secret"]
Cue = Literal["colour", "words", "frame"]
RotatedRect = tuple[tuple[float, float], tuple[float, float], float]  # cv2.minAreaRect, page pixels

WORK_DPI = 75  # the search copy: a 1.6 pt stamp frame is still 1-2 pixels wide
A4_LONG_SIDE_INCHES = 297 / 25.4
MAX_CANDIDATES = 3
MAX_OCR_CALLS = 6  # per page: a stamp reads in one or two; the rest is for look-alikes (KHẨN, form boxes)
TOP_SHARE_FOR_WORDS = 0.3  # coloured words without a frame: looked for near the top only
TOP_SHARE_FOR_FRAMES = 0.4  # of an upright page; frames lower down are form boxes far more often than stamps
# Stamp sizes in millimetres: a one-word "MẬT" box is about 19 x 8 mm, "TUYỆT MẬT" with a wide frame 70 x 20.
LONG_SIDE_MM = (10.0, 110.0)
SHORT_SIDE_MM = (4.0, 45.0)
TEXT_HEIGHT_PX = 48  # capital height Tesseract reads best at, roughly


@dataclass(frozen=True)
class StampReading:
    level: StampLevel
    confidence: float  # 0..1
    box: tuple[int, int, int, int]  # left, top, right, bottom in page pixels
    angle: float  # degrees the crop was turned (counter-clockwise) to read the stamp upright
    text: str  # what Tesseract read in the box
    cue: Cue  # what made the region a candidate


@dataclass(frozen=True)
class StampCandidate:
    """A stamp-shaped region found without OCR: its rotated rectangle in page pixels and the cue."""

    rect: RotatedRect
    cue: Cue


# --- reading the stamp words ----------------------------------------------------------------

_MAT = re.compile(r"^(?:m|rn|nn)[a4][t7]$")  # MẬT, MẶT, MÂT, MAT, M4T once folded
_TOI = re.compile(r"^t[o0][il1|]$")  # TỐI, TÓI, TÔI, T0I
_JOINED = re.compile(r"^(.*?)((?:m|rn)[a4][t7])$")  # "TỐIMẬT" read as one word


def _is_tuyet(token: str) -> bool:
    """TUYỆT through OCR damage: one letter off, or its distinctive half intact ("QMYỆT", "TUYI:T")."""
    if not 4 <= len(token) <= 6:
        return False
    return (token.startswith("t") and Levenshtein.distance(token, "tuyet") <= 1) or token.endswith("yet") or (
        token.startswith("tuy"))


def _prefix_level(token: str) -> StampLevel | None:
    if _is_tuyet(token):
        return "top_secret"
    if _TOI.match(token) or (token.startswith("t") and 2 <= len(token) <= 4 and Levenshtein.distance(token, "toi") <= 1):
        return "secret"  # "TỐ! MẬT", "TÔL MẬT"
    return None


def _tokens(text: str) -> list[str]:
    tokens = [t for t in re.split(r"[^0-9a-z|]+", fold(text.replace("!", "i"))) if t]
    # Tesseract sometimes splits a wide bold word: "M ẬT"
    merged: list[str] = []
    for token in tokens:
        if merged and merged[-1] in ("m", "rn") and re.fullmatch(r"[a4][t7]", token):
            merged[-1] += token
        else:
            merged.append(token)
    return merged


def stamp_level_in_text(text: str) -> tuple[StampLevel, bool] | None:
    """The most secret level a stamp's text states, and whether that reading is certain.

    Uncertain: a word stands before MẬT that is neither TỐI nor TUYỆT, so the stamp may say more than MẬT.
    """
    best: tuple[StampLevel, bool] | None = None
    tokens = _tokens(text)
    for index, token in enumerate(tokens):
        if _MAT.match(token):
            before = tokens[max(0, index - 3): index]
        elif joined := _JOINED.match(token):  # "TỐIMẬT"
            before = [*tokens[max(0, index - 2): index], joined.group(1)]
        else:
            continue
        # OCR splits a damaged word: "TUYI:T" comes back as "tuyi", "t"
        joins = ["".join(before[-n:]) for n in range(1, len(before) + 1)]
        levels = [level for level in map(_prefix_level, joins) if level]
        if levels:
            reading = (max(levels, key=CLASSIFICATION_RANK.__getitem__), True)
        else:  # letters before MẬT that name no level ("FUY*'I' MẬT") may hide one; frame specks do not
            reading = ("confidential", not _looks_like_a_word("".join(before)))
        if best is None or _more_secret_or_surer(reading, best):
            best = reading
    return best


def _looks_like_a_word(token: str) -> bool:
    """Two or more letters or digits: a damaged TỐI comes back as "161" as often as "TOL"."""
    return sum(ch.isalnum() for ch in token) >= 2


def _more_secret_or_surer(new: tuple[StampLevel, bool], old: tuple[StampLevel, bool]) -> bool:
    return (CLASSIFICATION_RANK[new[0]], new[1]) > (CLASSIFICATION_RANK[old[0]], old[1])


# --- finding candidates on a small copy -----------------------------------------------------


def _page_dpi(image: Image.Image, dpi: float | None) -> float:
    # No resolution given: assume the page is A4, whichever way up.
    return float(dpi) if dpi and dpi > 0 else max(image.size) / A4_LONG_SIDE_INCHES


def _work_copy(image: Image.Image, factor: int) -> np.ndarray:
    """The page reduced by an integer factor, as RGB or gray array."""
    mode = "RGB" if image.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr", "LAB", "HSV") else "L"
    small = image if image.mode == mode else image.convert(mode)
    if factor > 1:
        small = small.reduce(factor)
    return np.asarray(small)


def _chroma(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(chroma, brightest channel) per pixel: how coloured it is, and whether it is too dark for its hue to mean
    anything (near-black pixels)."""
    red, green, blue = cv2.split(rgb)
    brightest = cv2.max(cv2.max(red, green), blue)
    return cv2.subtract(brightest, cv2.min(cv2.min(red, green), blue)), brightest


def _ink_colour_mask(rgb: np.ndarray, *, chroma_min: int | None) -> np.ndarray:
    """Saturated ink: red, purple or blue stamp ink. Grey text, paper and noise have no chroma. `chroma_min` None:
    the threshold is the image's own (Otsu), between its paper and its ink."""
    chroma, brightest = _chroma(rgb)
    if chroma_min is None:
        _, coloured = cv2.threshold(chroma, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    else:
        coloured = cv2.compare(chroma, chroma_min, cv2.CMP_GE)
    return cv2.bitwise_and(coloured, cv2.compare(brightest, 60, cv2.CMP_GE))


def _size_fits(rect: RotatedRect, px_per_mm: float) -> bool:
    long_side, short_side = max(rect[1]) / px_per_mm, min(rect[1]) / px_per_mm
    return LONG_SIDE_MM[0] <= long_side <= LONG_SIDE_MM[1] and SHORT_SIDE_MM[0] <= short_side <= SHORT_SIDE_MM[1]


def _is_round(contour: np.ndarray) -> bool:
    """A unit seal: its outline fills most of its enclosing circle; a 2:1 box fills about half."""
    hull_area = cv2.contourArea(cv2.convexHull(contour))
    _, radius = cv2.minEnclosingCircle(contour)
    return radius > 0 and hull_area / (math.pi * radius * radius) > 0.72


def _fills_its_rectangle(contour: np.ndarray, rect: RotatedRect, share: float) -> bool:
    area = rect[1][0] * rect[1][1]
    return area > 0 and cv2.contourArea(contour) / area >= share


def _colour_candidates(rgb: np.ndarray, px_per_mm: float) -> list[tuple[float, StampCandidate]]:
    """Coloured stamps: a box whose ink closes into a filled rectangle, or a line of coloured capitals."""
    ink = cv2.morphologyEx(_ink_colour_mask(rgb, chroma_min=45), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    found = []
    # Letters and frame of one stamp close into one blob; a stray coloured speck stays small.
    for contour, rect in _closed_blobs(ink, px_per_mm, 2.5):
        # A signature's loops leave most of its box empty. A frame broken where black text crosses it (the
        # colour mask leaves the crossing out) leaves a notch: its hull still fills the box, letters inside.
        if _fills_its_rectangle(contour, rect, 0.72) or (
                _fills_its_rectangle(cv2.convexHull(contour), rect, 0.9)
                and _holds_letters(ink, contour, px_per_mm, framed=True)):
            found.append((rect[0][1] / rgb.shape[0], StampCandidate(rect, "colour")))
    # Words without a frame, near the top where stamps go (signatures sit lower): closed wide enough to
    # join TỐI to MẬT, kept only when they hold letters.
    top_band = ink[: round(ink.shape[0] * TOP_SHARE_FOR_WORDS)]
    for contour, rect in _closed_blobs(top_band, px_per_mm, 5.0):
        if not any(_same_place(rect, other.rect) for _, other in found) and _holds_letters(ink, contour, px_per_mm):
            found.append((rect[0][1] / rgb.shape[0], StampCandidate(rect, "words")))
    return found


def _closed_blobs(ink: np.ndarray, px_per_mm: float, close_mm: float) -> list[tuple[np.ndarray, RotatedRect]]:
    """Outlines of the ink closed by `close_mm`, stamp-sized and not round, clear of the image's edges (a desk
    around a photographed page is coloured too, and a stamp is pressed on the paper)."""
    close = max(3, round(close_mm * px_per_mm)) | 1
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (close, close)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    height, width = ink.shape
    blobs = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if x == 0 or y == 0 or x + w == width or y + h == height:
            continue
        rect = cv2.minAreaRect(contour)
        if _size_fits(rect, px_per_mm) and not _is_round(contour):
            blobs.append((contour, rect))
    return blobs


def _holds_letters(ink: np.ndarray, contour: np.ndarray, px_per_mm: float, *, framed: bool = False) -> bool:
    """Three or more separate marks of much the same height, as capitals are; a signature is one or two
    long strokes of any size. `framed`: the largest mark is the frame around them and does not count."""
    x, y, w, h = cv2.boundingRect(contour)
    inside = np.zeros((h, w), np.uint8)
    cv2.drawContours(inside, [contour - (x, y)], -1, 255, thickness=cv2.FILLED)
    _, _, stats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_and(ink[y: y + h, x: x + w], inside))
    if framed and len(stats) > 1:
        stats = np.delete(stats, 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA])), axis=0)
    tall = max(stats[1:, cv2.CC_STAT_HEIGHT].max(initial=0), stats[1:, cv2.CC_STAT_WIDTH].max(initial=0))
    sizes = [max(hh, ww) for ww, hh in zip(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
             if max(hh, ww) >= max(2 * px_per_mm, 0.5 * tall)]
    return len(sizes) >= 3 and tall <= 12 * px_per_mm


def _dark_ink(gray: np.ndarray, px_per_mm: float) -> np.ndarray:
    window = max(15, round(8 * px_per_mm)) | 1
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, window, 18)


def _frame_candidates(gray: np.ndarray, px_per_mm: float) -> list[tuple[float, StampCandidate]]:
    """The insides of closed rectangular frames of stamp size, each alone in its outline.

    The inside, not the outline: header text touching a stamp from outside bends the outline but not the
    hole. A table's cells are holes too, but many share one outline; a stamp's frame holds one.
    """
    # A page lying sideways has its top at the left or right edge: search it whole.
    sideways = gray.shape[1] > gray.shape[0]
    band = gray if sideways else gray[: round(gray.shape[0] * TOP_SHARE_FOR_FRAMES)]
    ink = _dark_ink(band, px_per_mm)
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    found = []
    for index, contour in enumerate(contours):
        parent = hierarchy[0][index][3]
        if parent == -1:  # an outline, not a hole
            continue
        rect = cv2.minAreaRect(contour)
        if not _size_fits(rect, px_per_mm):
            continue
        # Text the stamp was pressed over runs into the hole and bites out of it; the hole's hull stays a box.
        if not (_fills_its_rectangle(contour, rect, 0.85) or (
                _fills_its_rectangle(contour, rect, 0.6) and _fills_its_rectangle(cv2.convexHull(contour), rect, 0.92))):
            continue
        area = cv2.contourArea(contour)
        if sum(a >= 0.2 * area for a in _hole_areas(contours, hierarchy, parent)) > 1:
            continue
        found.append((rect[0][1] / gray.shape[0], StampCandidate(rect, "frame")))
    return found


def _hole_areas(contours, hierarchy, parent: int) -> list[float]:
    areas, child = [], hierarchy[0][parent][2]
    while child != -1:
        areas.append(cv2.contourArea(contours[child]))
        child = hierarchy[0][child][0]
    return areas


def _scale_rect(rect: RotatedRect, factor: float) -> RotatedRect:
    (cx, cy), (w, h), angle = rect
    return (cx * factor, cy * factor), (w * factor, h * factor), angle


def _same_place(a: RotatedRect, b: RotatedRect) -> bool:
    reach = max(max(a[1]), max(b[1])) / 2
    return math.dist(a[0], b[0]) < reach


def find_candidates(image: Image.Image, dpi: float | None) -> list[StampCandidate]:
    """Stamp-like regions of the page, in page pixels, most likely first; no OCR."""
    page_dpi = _page_dpi(image, dpi)
    factor = max(1, int(page_dpi // WORK_DPI))
    small = _work_copy(image, factor)
    px_per_mm = page_dpi / factor / 25.4
    scored: list[tuple[float, StampCandidate]] = []
    if small.ndim == 3:
        scored += _colour_candidates(small, px_per_mm)
        gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    else:
        gray = small
    scored += _frame_candidates(gray, px_per_mm)
    # Coloured ink first, then higher up the page; the same stamp found by both cues is read once.
    scored.sort(key=lambda item: (item[1].cue != "colour", item[0]))
    chosen: list[StampCandidate] = []
    for _, candidate in scored:
        rect = _scale_rect(candidate.rect, factor)
        if any(_same_place(rect, other.rect) for other in chosen):
            continue
        chosen.append(StampCandidate(rect, candidate.cue))
        if len(chosen) == MAX_CANDIDATES:
            break
    return chosen


# --- reading one candidate ------------------------------------------------------------------


def _long_side_angle(rect: RotatedRect) -> float:
    """Angle in degrees, in (-90, 90], of the rectangle's long side, image y pointing down."""
    corners = cv2.boxPoints(rect)
    edges = [corners[1] - corners[0], corners[2] - corners[1]]
    dx, dy = max(edges, key=lambda e: float(np.hypot(*e)))
    angle = math.degrees(math.atan2(dy, dx))
    if angle <= -90:
        angle += 180
    elif angle > 90:
        angle -= 180
    return angle


def _crop_box(rect: RotatedRect, size: tuple[int, int], margin: float) -> tuple[int, int, int, int]:
    xs, ys = cv2.boxPoints(rect).T
    pad = margin * min(rect[1])
    return (max(0, int(xs.min() - pad)), max(0, int(ys.min() - pad)),
            min(size[0], int(math.ceil(xs.max() + pad))), min(size[1], int(math.ceil(ys.max() + pad))))


def _ink_in_crop(crop: Image.Image, cue: Cue, *, by_contrast: bool = False) -> np.ndarray:
    """Ink as 255 on 0. Coloured stamps by their colour, so black text under the stamp drops out.

    `by_contrast`: the colour threshold is set by the crop's own contrast (Otsu) rather than fixed. A bold stamp
    photographed out of focus has a halo of pale colour that the fixed threshold takes for ink, and its
    letters run together ("MẬT" reads as ".-ÂT")."""
    if cue in ("colour", "words") and crop.mode == "RGB":
        rgb = np.asarray(crop)
        if by_contrast:
            return _ink_colour_mask(rgb, chroma_min=None)
        # Hysteresis: JPEG keeps colour at half resolution, so thin strokes (the hat of Ậ) come out pale;
        # pale ink counts where it touches clearly coloured ink.
        strong = _ink_colour_mask(rgb, chroma_min=60)
        pale = _ink_colour_mask(rgb, chroma_min=30)
        return cv2.bitwise_and(pale, cv2.dilate(strong, np.ones((5, 5), np.uint8)))
    gray = np.asarray(crop.convert("L"))
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def _upright(ink: np.ndarray, centre: tuple[float, float], size: tuple[float, float], angle: float) -> np.ndarray:
    """The rectangle (`centre`, long x short `size`, long side at `angle`) cut out of the crop, turned level."""
    matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
    width, height = round(size[0]), round(size[1])
    # Move the rectangle's centre to the middle of the output.
    matrix[0, 2] += width / 2 - centre[0]
    matrix[1, 2] += height / 2 - centre[1]
    level = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=0)
    return np.where(level >= 96, 255, 0).astype(np.uint8)


def _inner_edge(fill: np.ndarray, threshold: float) -> tuple[int, int]:
    """First and last index inside the frame lines, looked for in the outer quarter at either end.

    The frame line is the band's strongest row (or column) if that reaches `threshold`, with the rows
    next to it that are nearly as strong (a thick or slightly tilted line); a letter beside it is weaker
    and stays, even where the line's strength falls off at a tilt.
    """
    n = len(fill)
    if n == 0:
        return 0, 0
    band = max(1, n // 4)

    def line_end(indices: list[int]) -> int | None:
        peak = max(indices, key=lambda i: fill[i])
        if fill[peak] < threshold:
            return None
        end = peak
        for i in indices[indices.index(peak) + 1:]:  # from the peak towards the middle
            if fill[i] < 0.7 * fill[peak]:
                break
            end = i
        return end

    top = line_end(list(range(0, band)))
    bottom = line_end(list(range(n - 1, n - 1 - band, -1)))
    return (top + 1 if top is not None else 0), (bottom if bottom is not None else n)


def _erase_edge_lines(ink: np.ndarray) -> np.ndarray:
    """What is left of the frame's short sides: tall thin strokes at the left or right edge.

    A dotted line is one stroke once closed along its length; a letter at the edge (M, T) is wider.
    """
    rows, cols = ink.shape
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((max(3, rows // 4), 1), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    edge = 0.15 * cols
    erase = np.zeros(count, dtype=bool)
    for label in range(1, count):
        left, _, width, height, _ = stats[label]
        at_edge = left + width <= edge or left >= cols - edge
        erase[label] = at_edge and height >= 0.4 * rows and width * 4 <= height
    if not erase.any():
        return ink
    return np.where(erase[labels], 0, ink).astype(np.uint8)


def _without_frame(ink: np.ndarray) -> np.ndarray:
    """The stamp's text only: cut inside the frame's lines, then erase what is left of a long line.

    A frame line spans most of the box, a row or column of letters does not; only the outer quarter
    of each side is searched so that a bold letter's bar is never taken for the frame.
    """
    if ink.size == 0:
        return ink
    # A thin line turned by a few degrees comes out dotted: close the gaps along each direction first.
    rows_closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, 7), np.uint8)) > 0
    cols_closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((7, 1), np.uint8)) > 0
    top, bottom = _inner_edge(rows_closed.mean(axis=1), 0.6)
    left, right = _inner_edge(cols_closed.mean(axis=0), 0.55)
    ink = ink[top:bottom, left:right]
    if ink.size == 0:
        return ink
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, max(3, int(ink.shape[1] * 0.5))), np.uint8))
    ink = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.dilate(horizontal, np.ones((5, 5), np.uint8))))
    return _erase_edge_lines(ink)


def _without_specks(ink: np.ndarray, largest: int = 5) -> np.ndarray:
    """Dust gone, thin strokes kept: an opening would also erase the one-pixel bars of a 150-dpi T or E."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= largest
    small[0] = False
    return np.where(small[labels], 0, ink).astype(np.uint8) if small.any() else ink


def _main_line(ink: np.ndarray) -> np.ndarray:
    """Only the stamp's own line of big letters: body text the stamp was pressed over lies above or below it.

    A letter's accent above or dot below stays: it is kept when its centre is near the big letters' band.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 2:
        return ink
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    tall = heights >= 0.6 * heights.max()
    tops = stats[1:, cv2.CC_STAT_TOP][tall]
    bottoms = tops + heights[tall]
    line_top, line_bottom = float(np.median(tops)), float(np.median(bottoms))
    letter = line_bottom - line_top
    centres = stats[1:, cv2.CC_STAT_TOP] + heights / 2
    keep = (centres >= line_top - 0.9 * letter) & (centres <= line_bottom + 0.5 * letter)
    lookup = np.concatenate(([0], np.where(keep, 255, 0))).astype(np.uint8)
    return lookup[labels]


def _text_image(ink: np.ndarray) -> Image.Image | None:
    """Black text on white, trimmed, scaled to a capital height Tesseract likes, with a white border."""
    if ink.size == 0:
        return None
    ink = _main_line(_without_specks(ink))
    rows = np.flatnonzero(ink.sum(axis=1) > 0)
    cols = np.flatnonzero(ink.sum(axis=0) > 0)
    if rows.size == 0 or cols.size == 0:
        return None
    ink = ink[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
    # Text height from the rows that carry a fair share of ink: accents and specks add little.
    profile = ink.sum(axis=1) / 255
    text_rows = np.count_nonzero(profile > 0.15 * profile.max())
    scale = TEXT_HEIGHT_PX / max(8, text_rows)
    if not 0.9 < scale < 1.1:
        size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
        ink = cv2.resize(ink, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    border = TEXT_HEIGHT_PX // 2
    ink = cv2.copyMakeBorder(ink, border, border, border, border, cv2.BORDER_CONSTANT, value=0)
    return Image.fromarray(255 - ink)


def _ocr_line(image: Image.Image, lang: str, psm: int) -> tuple[str, float]:
    """The words Tesseract reads and their mean confidence (0..1)."""
    words = [word for _, word in read_words(image, lang=lang, psm=psm, timeout_s=30) if word.text.strip()]
    if not words:
        return "", 0.0
    confidences = [word.confidence for word in words if word.confidence >= 0]
    return " ".join(word.text.strip() for word in words), (sum(confidences) / len(confidences) / 100 if confidences else 0.0)


def _turns_to_try(ink: np.ndarray) -> tuple[int, ...]:
    """Upright first, then upside down; a squarish box may hold its text either way round."""
    h, w = ink.shape
    return (0, 180) if w >= 1.4 * h else (0, 180, 90, 270)


def _level_ink(image: Image.Image, candidate: StampCandidate,
               by_contrast: bool = False) -> tuple[tuple[int, int, int, int], float, np.ndarray]:
    """The candidate's crop box on the page, the angle it was turned by, and its ink turned level."""
    box = _crop_box(candidate.rect, image.size, margin=0.8)
    crop = image.crop(box)
    if crop.mode not in ("RGB", "L"):
        crop = crop.convert("L" if candidate.cue == "frame" else "RGB")
    angle = _long_side_angle(candidate.rect)
    (cx, cy), sides, _ = candidate.rect
    long_side, short_side = max(sides), min(sides)
    if candidate.cue == "frame":
        # The hole found on the small copy stops short where letters touch the frame: reach out to the
        # frame's lines, which `_without_frame` then cuts inside of.
        size = (long_side + 1.4 * short_side, short_side * 1.5)
    elif candidate.cue == "words":  # the outline of bare words misses accents: room above and below
        size = (long_side + 1.2 * short_side, short_side * 1.9)
    else:  # the colour mask already leaves out black text; keep a margin for ink the blob missed
        # (wide along the line: a TỐI the blob left out must show, to make MẬT uncertain, not "confidential")
        size = (long_side + 1.2 * short_side, short_side * 1.3)
    ink = _upright(_ink_in_crop(crop, candidate.cue, by_contrast=by_contrast), (cx - box[0], cy - box[1]), size, angle)
    return box, angle, _without_frame(ink)


class _OcrBudget:
    """Tesseract calls a page may still spend on stamp crops."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def take(self) -> bool:
        self.calls -= 1
        return self.calls >= 0


def _read_candidate(image: Image.Image, candidate: StampCandidate, lang: str, budget: _OcrBudget) -> StampReading | None:
    """The stamp's level, trying the level box and its turns until the words read with certainty.

    A MẬT with an unread word before it is not reported: it may be TỐI or TUYỆT MẬT, and saying
    "confidential" there would let a more secret document down; None sends it to a person instead.
    """
    coloured = candidate.cue in ("colour", "words") and image.mode == "RGB"
    for by_contrast in (False, True) if coloured else (False,):
        box, angle, ink = _level_ink(image, candidate, by_contrast)
        for turn in _turns_to_try(ink):
            text_image = _text_image(np.rot90(ink, turn // 90).copy())
            if text_image is None:
                break
            if not budget.take():
                return None
            text, word_confidence = _ocr_line(text_image, lang, psm=7)
            found = stamp_level_in_text(text)
            if found is not None and found[1]:
                return StampReading(found[0], _confidence(word_confidence), box, (angle + turn) % 360, text,
                                    candidate.cue)
    return None


def _confidence(word_confidence: float) -> float:
    """Tesseract's own word confidence, lifted: the stamp word was found in a stamp-shaped box."""
    return round(min(0.97, 0.6 + 0.35 * word_confidence), 2)


def find_classification_stamp(image: Image.Image, dpi: float | None, *, lang: str = "vie+eng") -> StampReading | None:
    """The secrecy stamp on this page image, or None when no stamp was read.

    None never means "unclassified": it means this page's image showed no readable stamp.
    """
    best: StampReading | None = None
    # The stamp words are Vietnamese; with the English model beside it Tesseract read a bold "TỐI" as "161"
    # on a tuning page that the Vietnamese model alone reads right, so only it reads stamps when in `lang`.
    stamp_lang = "vie" if "vie" in lang.split("+") else lang
    budget = _OcrBudget(MAX_OCR_CALLS)
    for candidate in find_candidates(image, dpi):
        reading = _read_candidate(image, candidate, stamp_lang, budget)
        if reading is None:
            continue
        if best is None or (CLASSIFICATION_RANK[reading.level], reading.confidence) > (
            CLASSIFICATION_RANK[best.level], best.confidence
        ):
            best = reading
    return best
