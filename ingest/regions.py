"""Where on its page an extracted value was read: the box a reviewer is shown beside the field.

Boxes are shares of the page as stored (left, top, width, height in 0..1), so they hold at any rendering size;
a reading that turned the page upright has its boxes turned back. Only OCRed pages have boxes: a text layer
says what it says, not where."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Mapping

from rapidfuzz import fuzz

from common.text import fold
from ingest.ocr import LineKey, OcrWord
from ingest.types import FieldValue, LineRegion, PageText, Region

# Codes chosen from a list (a document type, a repair level, a stamp's level) are not printed as such.
_NOT_PRINTED = frozenset({"doc_type", "classification", "repair_level"})
# A printed value matches a line when its letters and digits are found there at least this alike (0..100).
_MIN_LIKENESS = 85
_TURNED = re.compile(r"rotate(90|180|270)")


def line_regions(words: tuple[tuple[LineKey, OcrWord], ...], size: tuple[int, int], reading_label: str) -> tuple[LineRegion, ...]:
    """Each line of a reading with its box on the page as stored (`size` is the image the words were read in)."""
    width, height = size
    if not words or width <= 0 or height <= 0:
        return ()
    turned = _TURNED.match(reading_label)
    rotate = int(turned.group(1)) if turned else 0
    lines: dict[LineKey, list[OcrWord]] = {}
    for key, word in words:
        if word.text.strip() and word.box[2] > 0 and word.box[3] > 0:
            lines.setdefault(key, []).append(word)
    found = []
    for line in lines.values():
        left = min(w.box[0] for w in line)
        top = min(w.box[1] for w in line)
        right = max(w.box[0] + w.box[2] for w in line)
        bottom = max(w.box[1] + w.box[3] for w in line)
        box = (left / width, top / height, right / width, bottom / height)
        found.append(LineRegion(" ".join(w.text for w in line), _as_stored(box, rotate)))
    return tuple(found)


def _as_stored(box: tuple[float, float, float, float], rotate: int) -> Region:
    """A box in the upright image (a page turned `rotate` degrees clockwise) on the page as it was given."""
    x0, y0, x1, y1 = box
    corners = [(x0, y0), (x1, y1)]
    if rotate == 90:
        corners = [(v, 1 - u) for u, v in corners]
    elif rotate == 180:
        corners = [(1 - u, 1 - v) for u, v in corners]
    elif rotate == 270:
        corners = [(1 - v, u) for u, v in corners]
    (a, b), (c, d) = corners
    left, right, top, bottom = min(a, c), max(a, c), min(b, d), max(b, d)
    return (round(left, 4), round(top, 4), round(right - left, 4), round(bottom - top, 4))


def locate_fields(fields: Mapping[str, FieldValue], pages: tuple[PageText, ...]) -> dict[str, FieldValue]:
    """The fields, each with the box of the line it was most likely read from, where one is found."""
    by_number = {page.number: page for page in pages}
    located = {}
    for name, found in fields.items():
        page = by_number.get(found.page)
        region = None
        if name not in _NOT_PRINTED and found.value is not None and page is not None and page.lines:
            region = _line_of(found.value, page.lines)
        located[name] = replace(found, region=region) if region else found
    return located


def _line_of(value: object, lines: tuple[LineRegion, ...]) -> Region | None:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        day = date.fromisoformat(value)
        wanted = {str(day.day), str(day.month), str(day.year)}
        for line in lines:  # a date is printed in many ways: its three numbers on one line
            if wanted <= {number.lstrip("0") for number in re.findall(r"\d+", line.text)}:
                return line.region
        return None
    if isinstance(value, int) and value < 10:  # a grade: "cấp 2", "cấp chất lượng 2"
        grade = re.compile(rf"\bcap\D{{0,16}}\b{value}\b")
        return next((line.region for line in lines if grade.search(fold(line.text))), None)
    key = _letters_and_digits(str(value))
    if len(key) < 2:
        return None
    best, best_score = None, (_MIN_LIKENESS - 1, 0.0)
    for line in lines:
        folded = _letters_and_digits(line.text)
        found = fuzz.partial_ratio(key, folded) if len(key) >= 4 else (
            100 if re.search(rf"(?<![0-9a-z]){re.escape(key)}(?![0-9a-z])", fold(line.text)) else 0)
        # Of lines holding it alike, the one where it stands after a label ("Đơn vị: Lữ đoàn 201") over a header.
        after_label = fuzz.ratio(key, _letters_and_digits(line.text.rsplit(":", 1)[-1]))
        if (found, after_label) > best_score:
            best, best_score = line.region, (found, after_label)
    return best if best_score[0] >= _MIN_LIKENESS else None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(text))
