"""A form read as two columns: its labels in one block, their values in another.

Tesseract's layout analysis sometimes takes the labels of a "Label ...... value" form for one column and the
values for another (most often on a grey 150-dpi copy, where the dotted leaders between them fade out): the
text then holds "Kiểu loại / Số đăng ký / Nhà sản xuất" and, further on, "T54B / PA-23-01 / Nhà máy số 174",
and no label has its value. A clerk reads across the row. So where two labels stand alone on consecutive lines
of the reading, or a label alone is level with a line read elsewhere, the rows are put back together: a value
read level with its label is moved beside it as read; a label with no value read, and a value with no label
read, have their row read again as one line, and that reading takes the place of what it covers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ingest.labels import clean_value, label_hits, split_lines
from ingest.ocr import LineKey, OcrWord, TesseractOcr, assemble
from ingest.plausibility import measure
from ingest.preprocess import to_gray

if TYPE_CHECKING:
    from ingest.reading import PageReading

__all__ = ["read_label_rows"]

_ROW_LETTER_PX = 32  # a one-line reading wants letters about this tall (as for skipped lines)


def read_label_rows(ocr: TesseractOcr, reading: PageReading, dpi: float) -> PageReading:
    """The reading with the rows of a form read as two columns read across; unchanged when no label stands
    alone in a way that shows a split row, or when no row reads as its label and a value."""
    lines = _lines(reading.words)
    keys = list(lines)
    alone = [key for key in keys if _label_alone(lines[key])]
    if not alone:
        return reading
    others = [key for key in keys if key not in alone]
    beside = {key: [other for other in others if _covered(lines[other], [_band(lines[key])])] for key in alone}
    # Two labels alone in a row of the reading, or a label level with a line read far from it: the form's rows
    # were split. A value read as the very next line is found there already (ingest.labels.values_after).
    consecutive = any(keys.index(b) == keys.index(a) + 1 for a, b in zip(alone, alone[1:]))
    apart = any(keys.index(other) != keys.index(key) + 1 for key in alone for other in beside[key])
    if not (consecutive or apart):
        return reading
    rows: dict[LineKey, list[OcrWord]] = {}
    consumed: set[LineKey] = set()
    # A value read level with its label is put beside it as read: the page's reading of it is the better one.
    for key in alone:
        found = [other for other in beside[key] if other not in consumed]
        if found:
            words = [word for _, word in lines[key]] + [word for other in sorted(found, key=lambda k: _left(lines[k]))
                                                        for _, word in lines[other]]
            if _label_with_value(" ".join(word.text for word in words)):
                rows[key] = words
                consumed.update(found)
    # A label whose value was not read, and a value whose label was not: the row is read again across.
    values = {other for found in beside.values() for other in found}
    size = reading.upright_image.size
    # Its value may be the longest of all: the row runs to the right edge of the page's text.
    page_right = max(_right(words) for words in lines.values())
    boxes = {key: _row_box(lines[key], page_right, size) for key in alone if key not in rows}
    boxes.update(_orphan_rows(lines, alone, values | consumed, size))
    height = float(np.median([word.box[3] for key in alone for _, word in lines[key]]))
    enlarge = min(3.0, _ROW_LETTER_PX / height) if height < 24 else 1.0
    gray = to_gray(reading.upright_image, drop_red=True) if boxes else None
    for key, box in boxes.items():
        strip = _stretched(gray.crop((box[0], box[1], box[0] + box[2], box[1] + box[3])))
        if enlarge > 1:
            strip = strip.resize((round(strip.width * enlarge), round(strip.height * enlarge)), Image.Resampling.BICUBIC)
        again = ocr.read_lines(strip, [(0, 0, strip.width, strip.height)], dpi * enlarge)[0]
        text = again.text.replace("\n", " ").strip()
        if _label_with_value(text):
            rows[key] = [OcrWord(text, again.mean_confidence or 0.0, box)]
            consumed.update(other for other in keys if other not in rows and other not in alone
                            and _covered(lines[other], [box]))
    if not rows:
        return reading
    out: list[tuple[LineKey, OcrWord]] = []
    for key, word in reading.words:
        if key in consumed:
            continue
        if key in rows:
            if not out or out[-1][0] != key:
                out.extend((key, new) for new in rows[key])
            continue
        out.append((key, word))
    result = assemble(out)
    return replace(reading, text=result.text, confidence=result.mean_confidence, words=result.words,
                   reading_label=f"{reading.reading_label}+rows",
                   plausibility=measure(result.text, result.mean_confidence))


def _lines(words: tuple[tuple[LineKey, OcrWord], ...]) -> dict[LineKey, list[tuple[int, OcrWord]]]:
    lines: dict[LineKey, list[tuple[int, OcrWord]]] = {}
    for index, (key, word) in enumerate(words):
        if word.text.strip():
            lines.setdefault(key, []).append((index, word))
    return lines


def _label_alone(words: list[tuple[int, OcrWord]]) -> bool:
    """A field's label with nothing after it but leader dots."""
    if len(words) > 9:
        return False  # the longest label (five words), its dots and specks: a sentence is no label alone
    line = split_lines([" ".join(word.text for _, word in words)])[0]
    hits = label_hits(line)
    return len(hits) == 1 and bool(hits[0].label.field) and not hits[0].value and hits[0].start <= 2


def _label_with_value(text: str) -> bool:
    if not text:
        return False
    line = split_lines([text])[0]
    hits = label_hits(line)
    return bool(hits) and bool(hits[0].label.field) and bool(clean_value(hits[0].value))


def _row_box(words: list[tuple[int, OcrWord]], right_edge: int, size: tuple[int, int]) -> tuple[int, int, int, int]:
    left = min(word.box[0] for _, word in words)
    top = min(word.box[1] for _, word in words)
    bottom = max(word.box[1] + word.box[3] for _, word in words)
    margin = max(2, round((bottom - top) * 0.15))
    left, top = max(0, left - margin), max(0, top - margin)
    right, bottom = min(size[0], right_edge + margin), min(size[1], bottom + margin)
    return left, top, max(1, right - left), max(1, bottom - top)


def _orphan_rows(lines: dict[LineKey, list[tuple[int, OcrWord]]], alone: list[LineKey], values: set[LineKey],
                 size: tuple[int, int]) -> dict[LineKey, tuple[int, int, int, int]]:
    """Rows of the form whose label was not read at all: a line in the values' column, among the form's rows
    (or a few rows past them), with no label read beside it. Its row runs from the labels' column."""
    if not values:
        return {}
    labels_left = round(float(np.median([_left(lines[key]) for key in alone])))
    values_left = float(np.median([_left(lines[key]) for key in values]))
    tops = sorted(_top(lines[key]) for key in alone)
    pitch = float(np.median(np.diff(tops))) if len(tops) > 1 else 0.0
    first, last = tops[0] - 3 * pitch, tops[-1] + 3 * pitch
    found = {}
    for key, words in lines.items():
        if key in alone or key in values or not first <= _top(words) <= last:
            continue
        height = float(np.median([word.box[3] for _, word in words]))
        if abs(_left(words) - values_left) <= 2 * height:
            box = _row_box(words, _right(words), size)
            found[key] = (labels_left, box[1], box[0] + box[2] - labels_left, box[3])
    return found


def _left(words: list[tuple[int, OcrWord]]) -> int:
    return min(word.box[0] for _, word in words)


def _top(words: list[tuple[int, OcrWord]]) -> int:
    return min(word.box[1] for _, word in words)


def _right(words: list[tuple[int, OcrWord]]) -> int:
    return max(word.box[0] + word.box[2] for _, word in words)


def _stretched(strip: Image.Image) -> Image.Image:
    """The strip's own ink to black and paper to white: a grey copy's row reads as well as a clean one's."""
    pixels = np.asarray(strip).astype(np.float32)
    low, high = np.percentile(pixels, (2, 90))
    if high - low < 20:
        return strip
    return Image.fromarray(np.clip((pixels - low) * (255 / (high - low)), 0, 255).astype(np.uint8), mode="L")


def _band(words: list[tuple[int, OcrWord]]) -> tuple[int, int, int, int]:
    """The label's row, from the label rightwards without end."""
    left, top, _, height = _row_box(words, 0, (2**31, 2**31))
    return left, top, 2**31, height


def _covered(words: list[tuple[int, OcrWord]], boxes: list[tuple[int, int, int, int]]) -> bool:
    """A line that stands inside a re-read row, right of where the row's label starts: the row's value."""
    top = min(word.box[1] for _, word in words)
    bottom = max(word.box[1] + word.box[3] for _, word in words)
    left = min(word.box[0] for _, word in words)
    middle = (top + bottom) / 2
    return any(box[1] <= middle <= box[1] + box[3] and left > box[0] for box in boxes)
