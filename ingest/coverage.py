"""Text that Tesseract's layout analysis skipped: lines of ink that no word of the reading covers.

On a page with ruled tables, a seal or a signature block, Tesseract's page segmentation now and
then drops a whole line ("Sau bảo dưỡng trang bị đạt cấp chất lượng 2." under a table) or a table
cell (the serial beside its label). The page still reads as fluent Vietnamese, so nothing else
looks twice. Here the page's ink is smeared into line-shaped blobs on a reduced copy; a blob of
text height that the reading's word boxes leave uncovered is read on its own as one line, and
kept only when what it says is plausible (a signature or a seal reads as debris and is dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from ingest.ocr import LineKey, OcrWord

Box = tuple[int, int, int, int]  # left, top, width, height


@dataclass(frozen=True)
class SkippedLine:
    box: Box  # in the coordinates of the page image the reading's boxes are in, with room around the ink
    ink_pixels: int
    keep: np.ndarray  # over `box`: True near this line's ink and outside the words read; the rest is to be blanked
    row: tuple[int, int]  # top and bottom of the line where it stands on the page: a leaning line's box is taller
    # than the line, the row is its letters' height about the middle of its ink


def word_height(words: tuple[tuple[LineKey, OcrWord], ...]) -> float | None:
    """The median height of the reading's word boxes: the page's text size."""
    heights = sorted(word.box[3] for _, word in words if word.text.strip() and word.box[3] > 0)
    return float(heights[len(heights) // 2]) if heights else None


def skipped_lines(ink: np.ndarray, words: tuple[tuple[LineKey, OcrWord], ...], *, reduce: float = 1.0,
                  max_lines: int = 24) -> list[SkippedLine]:
    """Line-shaped ink in `ink` (a 0/1 mask of the page at 1/`reduce` scale, table rules already taken out) that
    no word box covers; boxes come back at full scale."""
    text_height = word_height(words)
    if text_height is None:
        return []
    height = text_height / reduce
    if height < 4:
        return []
    covered = np.zeros_like(ink)
    pad = max(1, round(height * 0.15))
    boxes = [tuple(round(v / reduce) for v in word.box) for _, word in words if _covers(word, text_height)]
    for left, top, width, box_height in boxes:
        covered[max(0, top - pad) : top + box_height + pad, max(0, left - pad) : left + width + pad] = 1
    # Only ink outside the word boxes counts: a value skipped beside its label ("Cấp chất lượng ...... Cấp 1")
    # stands on a line the reading did read. Letters merge across their gaps, lines stay apart.
    loose = _without_specks(ink & (1 - covered), height)
    smear = cv2.dilate(loose, np.ones((max(1, round(height * 0.25)), max(3, round(height))), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(smear, connectivity=8)
    found: list[SkippedLine] = []
    room, side = max(2, round(height * 0.35)), max(1, round(height * 0.2))
    for index, (left, top, width, box_height, _) in enumerate(stats[1:count], start=1):
        if box_height < 0.6 * height or box_height > 8 * height or width < 1.5 * height:
            continue  # specks, leaders, rules' remains, a seal or a picture
        mine = labels[top : top + box_height, left : left + width] == index
        # Lines a little too close for the smear to keep apart (a sentence over a signature block) are cut apart
        # where no ink runs across.
        for band in _line_masks(loose[top : top + box_height, left : left + width] & mine, mine, height):
            rows = np.flatnonzero(band.any(axis=1))
            band_top, band_bottom = int(rows[0]), int(rows[-1]) + 1
            columns = np.flatnonzero(band.any(axis=0))
            if columns.size == 0 or columns[-1] - columns[0] + 1 < 1.5 * height:
                continue
            pieces = loose[top + band_top : top + band_bottom, left : left + width] & band[band_top:band_bottom]
            ink_pixels = int(pieces.sum())
            if ink_pixels < 0.4 * height * height:
                continue
            # Print is letters side by side, about one per letter width; a rule's stub or a signature's stroke
            # is a piece or two over the same width, grain is many times more.
            letters = cv2.connectedComponents(pieces.view(np.uint8))[0] - 1
            span = (columns[-1] - columns[0] + 1) / height
            if not 0.5 * span <= letters <= 4 * span + 2:
                continue
            # Room above and below for the accents and blurred edges the ink mask cut off, minus other lines' ink.
            x0, y0 = max(0, left + columns[0] - side), max(0, top + band_top - room)
            x1 = min(ink.shape[1], left + columns[-1] + 1 + side)
            y1 = min(ink.shape[0], top + band_bottom + room)
            region = _paste(band, (left, top), (x0, y0, x1, y1))
            near = cv2.dilate(region, np.ones((2 * room + 1, 2 * side + 1), np.uint8))
            keep = (near > 0) & ~_read_beside(boxes, (x0, y0, x1, y1), top + (band_top + band_bottom) / 2)
            box = (round(x0 * reduce), round(y0 * reduce), round((x1 - x0) * reduce), round((y1 - y0) * reduce))
            if reduce != 1:
                keep = cv2.resize(keep.view(np.uint8), (box[2], box[3]), interpolation=cv2.INTER_NEAREST) > 0
            ink_rows = pieces.sum(axis=1)
            middle = (top + band_top + float((ink_rows * np.arange(len(ink_rows))).sum()) / max(1, ink_pixels)) * reduce
            row = (round(middle - text_height / 2), round(middle + text_height / 2))
            found.append(SkippedLine(box, round(ink_pixels * reduce * reduce), keep, row))
    found.sort(key=lambda line: -line.ink_pixels)
    return sorted(found[:max_lines], key=lambda line: (line.box[1], line.box[0]))


def _line_masks(ink: np.ndarray, blob: np.ndarray, height: float) -> list[np.ndarray]:
    """The lines of a blob of smeared ink (`blob`; `ink`: its letters), each as a mask of `blob`'s pixels.

    Lines lie across, so rows without ink part them. On a page photographed at an angle no row runs clear
    across a paragraph, but over a stretch a few words wide the gaps still show: the blob is then cut into such
    stretches, and each stretch's lines are joined to the lines of the stretch before them that they overlap."""
    masks = []
    for band_top, band_bottom in _bands(ink.sum(axis=1), height):
        band = np.zeros_like(blob)
        band[band_top:band_bottom] = blob[band_top:band_bottom]
        masks.append(band)
    if masks or blob.shape[0] <= 2.2 * height:
        return masks
    step = max(1, round(_LEANING_STRETCH * height))
    lines: list[tuple[np.ndarray, tuple[int, int]]] = []  # each line's mask and its band in the last stretch
    for x0 in range(0, blob.shape[1], step):
        joined = []
        for band_top, band_bottom in _bands(ink[:, x0 : x0 + step].sum(axis=1), height, whole=False):
            overlaps = [min(band_bottom, bottom) - max(band_top, top) for _, (top, bottom) in lines]
            best = int(np.argmax(overlaps)) if overlaps else -1
            if best < 0 or overlaps[best] < 0.3 * (band_bottom - band_top) or best in joined:
                lines.append((np.zeros_like(blob), (band_top, band_bottom)))
                best = len(lines) - 1
            mask = lines[best][0]
            mask[band_top:band_bottom, x0 : x0 + step] = blob[band_top:band_bottom, x0 : x0 + step]
            lines[best] = (mask, (band_top, band_bottom))
            joined.append(best)
    return [mask for mask, _ in lines]


_LEANING_STRETCH = 8  # letter heights: a lean of 2 degrees rises a third of a letter over it


def _bands(profile: np.ndarray, height: float, *, whole: bool = True) -> list[tuple[int, int]]:
    """Runs of rows with ink, split where (almost) none runs across; one line's height or more each."""
    if whole and len(profile) <= 2.2 * height:
        return [(0, len(profile))]
    inked = profile > 0.03 * profile.max()
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.view(np.int8), [0]))))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]
    return [(a, b) for a, b in runs if 0.5 * height <= b - a <= 2.2 * height]


def _paste(mask: np.ndarray, at: tuple[int, int], area: tuple[int, int, int, int]) -> np.ndarray:
    """`mask` (placed with its corner at `at`) cut to `area` (x0, y0, x1, y1), as 0/1."""
    x0, y0, x1, y1 = area
    out = np.zeros((y1 - y0, x1 - x0), np.uint8)
    left, top = at
    ax0, ay0 = max(x0, left), max(y0, top)
    ax1, ay1 = min(x1, left + mask.shape[1]), min(y1, top + mask.shape[0])
    if ax1 > ax0 and ay1 > ay0:
        out[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0] = mask[ay0 - top : ay1 - top, ax0 - left : ax1 - left]
    return out


def _covers(word: OcrWord, text_height: float) -> bool:
    """A word that accounts for the ink under its box. A guess Tesseract stretched over several rows ("nem" over
    a table's column of cells, four lines tall, confidence 40) does not; a word merely misread does (its ink read
    again would come back beside it, twice)."""
    if not word.text.strip() or word.box[2] <= 0:
        return False
    return word.box[3] <= 2.5 * text_height or word.confidence >= 70


def _read_beside(boxes: list[tuple[int, ...]], area: tuple[int, int, int, int], middle: float) -> np.ndarray:
    """Over `area` (x0, y0, x1, y1): the words already read on the same row (a letter Tesseract did read must not
    come back in the strip); the lines above and below are left alone, their boxes may reach into this one's
    accents on a skewed page."""
    x0, y0, x1, y1 = area
    mask = np.zeros((y1 - y0, x1 - x0), bool)
    for left, top, width, height in boxes:
        if top <= middle <= top + height and left < x1 and left + width > x0:
            mask[max(0, top - y0) : max(0, top + height - y0), max(0, left - x0) : max(0, left + width - x0)] = True
    return mask


def _without_specks(ink: np.ndarray, height: float) -> np.ndarray:
    """Ink minus the bits far smaller than a letter: leader dots ("......"), specks, the tail of a read word."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = (stats[:, cv2.CC_STAT_WIDTH] < 0.35 * height) & (stats[:, cv2.CC_STAT_HEIGHT] < 0.35 * height)
    small[0] = True  # the background
    return (~small[labels]).view(np.uint8) & ink


def ink_mask(gray: np.ndarray, text_height: float, seal: np.ndarray | None = None) -> np.ndarray:
    """Ink by its surroundings, not by one level for the page (a photo's dark table top beside the page would
    hide a faded print), minus a seal's red strokes."""
    block = max(3, round(text_height * 2)) | 1
    ink = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)
    return ink if seal is None else ink & (1 - seal)


def red_strokes(rgb: np.ndarray, margin: int = 40) -> np.ndarray:
    """0/1: red pixels (a seal, a red stamp), red above `margin` over green and blue. The page's look counts seal
    ink at 60; leaving seals out of the ink takes their fainter strokes too, at 40."""
    channels = rgb.astype(np.int16)
    red, green, blue = channels[..., 0], channels[..., 1], channels[..., 2]
    return ((red > 120) & (red - np.maximum(green, blue) > margin)).view(np.uint8)


def reduced(image: Image.Image, factor: float) -> np.ndarray:
    pixels = np.asarray(image)
    if factor <= 1:
        return pixels
    size = (round(pixels.shape[1] / factor), round(pixels.shape[0] / factor))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def insert_lines(words: tuple[tuple[LineKey, OcrWord], ...],
                 found: list[tuple[Box, OcrWord]]) -> list[tuple[LineKey, OcrWord]]:
    """The reading's words with each recovered line put where it stands on the page: beside the words of a line
    it shares its height with (a table cell read late), or as a new line after the nearest line above it."""
    lines: dict[LineKey, list[OcrWord]] = {}
    for key, word in words:
        if word.text.strip():
            lines.setdefault(key, []).append(word)
    spans = {key: (min(w.box[1] for w in ws), max(w.box[1] + w.box[3] for w in ws)) for key, ws in lines.items()}
    # A line Tesseract stretched over several rows (one junk word over a table's cells) is no row to join.
    text_height = word_height(words) or 0.0
    spans = {key: span for key, span in spans.items() if span[1] - span[0] <= 2.2 * text_height}
    beside: dict[LineKey, list[OcrWord]] = {}
    after: dict[LineKey | None, list[tuple[Box, OcrWord]]] = {}
    for box, word in found:
        top, bottom = box[1], box[1] + box[3]
        # Where a line stands beside the piece, by its word nearest across: a line of a page photographed askew
        # rises from one end to the other, and its whole span reaches into the rows above and below.
        near = {key: _span_near(lines[key], box) for key in spans}
        row = max(near, key=lambda key: _overlap(near[key], (top, bottom)), default=None)
        if row is not None and _overlap(near[row], (top, bottom)) >= 0.5 * min(bottom - top, near[row][1] - near[row][0]):
            beside.setdefault(row, []).append(word)
            continue
        above = [key for key, span in near.items() if span[1] <= (top + bottom) / 2]
        anchor = max(above, key=lambda key: near[key][1], default=None)
        after.setdefault(anchor, []).append((box, word))
    out: list[tuple[LineKey, OcrWord]] = []
    fresh = 0

    def new_lines(anchor: LineKey | None) -> None:
        """The lines recovered below `anchor`, top to bottom; pieces that share a row make one line, left to right."""
        nonlocal fresh
        block, paragraph = (anchor[0], anchor[1]) if anchor else (0, 0)
        rows: list[list[tuple[Box, OcrWord]]] = []
        for box, word in sorted(after.get(anchor, []), key=lambda item: item[0][1] + item[0][3] / 2):
            last = rows[-1][-1][0] if rows else None
            if last and _overlap((last[1], last[1] + last[3]), (box[1], box[1] + box[3])) >= 0.5 * min(last[3], box[3]):
                rows[-1].append((box, word))
            else:
                rows.append([(box, word)])
        for row in rows:
            fresh += 1
            out.extend(((block, paragraph, -fresh), word) for _, word in sorted(row, key=lambda item: item[0][0]))

    new_lines(None)
    seen: set[LineKey] = set()
    for index, (key, word) in enumerate(words):
        out.append((key, word))
        last_of_line = index + 1 == len(words) or words[index + 1][0] != key
        if last_of_line and key not in seen:
            seen.add(key)
            if key in beside:
                merged = sorted(lines.get(key, []) + beside[key], key=lambda w: w.box[0])
                while out and out[-1][0] == key:
                    out.pop()
                out.extend((key, w) for w in merged)
            new_lines(key)
    return out


def _span_near(words: list[OcrWord], box: Box) -> tuple[int, int]:
    """Top and bottom of the word nearest across to the middle of `box`, where a recovered line's row is measured
    (ingest.coverage: the middle of its ink)."""
    middle = box[0] + box[2] / 2
    nearest = min(words, key=lambda word: abs(word.box[0] + word.box[2] / 2 - middle))
    return nearest.box[1], nearest.box[1] + nearest.box[3]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))
