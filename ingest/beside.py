"""A grade's or a year's label whose value did not read: the stretch of its row right of the label, read again alone.

In a ruled form the grade is often one thin digit ("1") standing close to a cell's rule. Tesseract reads the
label and then, where the digit is, the rule and the paper's specks ("Cấp chất lượng : = Be"); the page still
reads well, so nothing else looks again, and the skipped-line search wants a line of letters, not one glyph.
A dotted form's year after its leader ("Năm xuất xưởng ...... 1976") is dropped the same way, the leader and the
year with it. A clerk's eye goes to the cell beside the label: here the ink there, rules and specks taken out, is
read as one short line on its own, and taken only when it says a grade, or a year.
An item table's grade column ("... Số hiệu | Cấp | Số lượng") loses its one digit the same way: the cell under
the column's head, in the table's first row, is read the same way. So does a serial's cell across a ruled table
from "Số xuất xưởng" on a shaded photo: taken only when read surely, whole, as a serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

import cv2
import numpy as np
from PIL import Image

from common.identifiers import serial_key
from common.text import fold_iy
from ingest.coverage import ink_mask
from ingest.ocr import LineKey, OcrResult, OcrWord, assemble
from ingest.plausibility import measure
from ingest.preprocess import to_gray
from ingest.values import GRADE_TOKEN, parse_grade, parse_serial, parse_year, serial_tokens

if TYPE_CHECKING:
    from ingest.ocr import TesseractOcr
    from ingest.reading import PageReading


@dataclass(frozen=True)
class _ValueLabel:
    words: tuple[re.Pattern[str], ...]  # each word of the label, folded
    has_value: Callable[[str], bool]  # whether what was read after the label (folded) already holds the value
    parse: Callable[[str], int | str | None]
    width: int = 14  # text heights to the right of the label where the value's cell may stand
    min_confidence: float = 50.0
    as_printed: bool = False  # the value's dashes count (a serial's): taken from its grey crop, read as it is


_LABELS = (
    # "Cấp chất lượng" ("lượng:" once folded, OCR's "l0"); a grade already read: "1", "II", "l", "là 2", "Cấp 1".
    _ValueLabel((re.compile(r"^\W*cap\W*$"), re.compile(r"^chat[.:]*$"), re.compile(r"^l[a-z]{0,4}\W*$")),
                re.compile(rf"^\W*(?:(?:la|dat)\s+)?(?:[cg]ap\s*)?{GRADE_TOKEN}").match, parse_grade),
    # "Năm sản xuất", "Năm xuất xưởng"; a year read after it must be one ("...... 1873" is 1976 misread).
    _ValueLabel((re.compile(r"^\W*nam\W*$"), re.compile(r"^(?:san|xuat)$"), re.compile(r"^(?:xuat|xuong)\W*$")),
                lambda text: parse_year(text) is not None, parse_year),
    # "Số xuất xưởng", "Số đăng ký" in a ruled table, the serial's cell across the column rule unread; three digits
    # read after it are a serial read, however damaged. Its cell stands a label column's width away, and a serial
    # misread is worse than none (it makes another item): only a sure reading of a whole serial is taken.
    _ValueLabel((re.compile(r"^\W*so$"), re.compile(r"^(?:xuat|dang)$"), re.compile(r"^(?:xuong|ki)\W*$")),
                lambda text: sum(ch.isdigit() for ch in text) >= 3, lambda text: parse_serial(text) if text.strip() == serial_tokens(text) else None,
                width=30, min_confidence=80.0, as_printed=True),
)
# The serial's label with the spaces between its words lost ("Sốxuấtxưởng"), as a ruled table's cell often reads.
_LABELS += (replace(_LABELS[-1], words=(re.compile(r"^\W*so(?:xuatxuong|dangki)\W*$"),)),)
_GRADE_HEAD = re.compile(r"^\W*cap\W*$")
_LONE_GRADE = re.compile(r"^[1-5]$")  # a grade cell's digit in a row's text (its first token is the row's number)
_IDENTITY_HEAD = re.compile(r"hieu")  # "Ký hiệu", "Số hiệu": the columns an item table names before its grade
_MIN_CONFIDENCE = 50.0
# A lone digit has no word around it to vouch for it: a speck on a faded "1" reads as a "3" at 59.
_MIN_CELL_CONFIDENCE = 80.0


def read_values_beside_labels(ocr: TesseractOcr, reading: PageReading) -> PageReading:
    """The reading with each grade's, year's or serial's label's missing value read from the image beside it, where
    that says a grade, a year or a serial."""
    lines: dict[LineKey, list[tuple[int, OcrWord]]] = {}
    for index, (key, word) in enumerate(reading.words):
        if word.text.strip():
            lines.setdefault(key, []).append((index, word))
    after_label: dict[int, list[OcrWord]] = {}  # the label's last word (its index) -> the value read beside it
    debris: set[int] = set()  # what was read where the value stands: it gives way to the value
    for index, mended, replaced in _grades_under_their_column(ocr, reading, lines):
        after_label[index] = mended
        debris.update(replaced)
    for words in lines.values():
        found_label = _label_end(words) or _label_ending_mended_line(words)
        if found_label is None:
            continue
        label, end = found_label
        if label.has_value(fold_iy(" ".join(word.text for _, word in words[end + 1 :])).lower()):
            continue
        found = _read_beside(ocr, reading, [word for _, word in words[max(0, end - len(label.words) + 1) : end + 1]], label)
        if found is not None:
            after_label[words[end][0]] = [found]
            # What was read up to the value gives way to it; what stands beyond it is another cell and stays.
            reach = found.box[0] + found.box[2] + 2 * found.box[3]
            debris.update(index for index, word in words[end + 1 :] if word.box[0] <= reach)
    if not after_label:
        return reading
    out: list[tuple[LineKey, OcrWord]] = []
    for index, (key, word) in enumerate(reading.words):
        if index not in debris:
            out.append((key, word))
        out.extend((key, value) for value in after_label.get(index, ()))
    result = assemble(out)
    return replace(reading, text=result.text, confidence=result.mean_confidence, words=result.words,
                   plausibility=measure(result.text, result.mean_confidence))


def _label_ending_mended_line(words: list[tuple[int, OcrWord]]) -> tuple[_ValueLabel, int] | None:
    """A line the line repair read again as one word, which ends in a label: the label, ending at that word."""
    if not _mended(words):
        return None
    tokens = words[0][1].text.split()
    found = _label_end([(0, OcrWord(token, 0.0)) for token in tokens])
    return (found[0], 0) if found is not None and found[1] == len(tokens) - 1 else None


def _label_end(words: list[tuple[int, OcrWord]]) -> tuple[_ValueLabel, int] | None:
    """The grade's, year's or serial's label on the line, and where it ends among the line's words (its last word's
    position)."""
    folded = [fold_iy(word.text).lower() for _, word in words]
    for at in range(len(words)):
        for label in _LABELS:
            first = at - len(label.words) + 1
            if first >= 0 and all(pattern.match(folded[first + k]) for k, pattern in enumerate(label.words)):
                return label, at
    return None


def _grades_under_their_column(ocr: TesseractOcr, reading: PageReading,
                               lines: dict[LineKey, list[tuple[int, OcrWord]]]) -> list[tuple[int, list[OcrWord], set[int]]]:
    """For each item table whose first row has no grade under the "Cấp" head but a grade in that cell's ink: the
    index of the reading's word after which new words go, those words (the grade; or, for a row the line repair
    mended into one word, the row's words with the grade in its cell), and the indices of the words they replace
    (what was read in the cell; or the mended row)."""
    ordered = sorted(lines.values(), key=lambda words: min(word.box[1] for _, word in words))
    found = []
    for at, line in enumerate(ordered):
        head = _word_level(ocr, reading, line, _might_be_grade_head)
        column = _grade_head(head)
        if column is None:
            continue
        head_left, head_right = column
        head_bottom = max(word.box[1] + word.box[3] for _, word in line)
        row_line = next((words for words in ordered[at + 1 :] if (len(words) >= 3 or _mended(words))
                         and min(word.box[1] for _, word in words) > head_bottom - 2), None)
        if row_line is None:
            continue
        row = _word_level(ocr, reading, row_line, lambda text: True)
        height = sorted(word.box[3] for _, word in row)[len(row) // 2]
        left, right = head_left - 2 * height, head_right + 2 * height
        for _, word in head + row:  # the neighbouring heads, and the values of the neighbouring cells, bound the cell
            if len(word.text.strip("|_-.,:;!'\"")) < 3:
                continue  # a rule read as "|", or what was read of the grade itself
            middle = word.box[0] + word.box[2] / 2
            if middle < head_left:
                left = max(left, word.box[0] + word.box[2] + 1)
            elif middle > head_right:
                right = min(right, word.box[0] - 1)
        in_cell = [left <= word.box[0] + word.box[2] / 2 <= right for _, word in row]
        if any(inside and parse_grade(word.text) is not None for inside, (_, word) in zip(in_cell, row)):
            continue
        top = min(word.box[1] for _, word in row)
        bottom = max(top + height, *(word.box[1] + word.box[3] for _, word in row if word.box[3] < 2 * height))
        grade = _read_in(ocr, reading, (left, top, right, bottom), parse_grade, height, _MIN_CELL_CONFIDENCE, confirmed=True)
        before = [i for i, (_, word) in enumerate(row) if not in_cell[i] and word.box[0] < left]
        if grade is None or not before:
            continue
        if _mended(row_line):  # the row's one word gives way to its words, the grade among them
            if any(_LONE_GRADE.match(token) for token in row_line[0][1].text.split()[1:]):
                continue  # the mended reading holds a grade where this one read debris: it stays
            found.append((row_line[0][0], [word for _, word in row[: before[-1] + 1]] + [grade] + [
                word for i, (_, word) in enumerate(row) if i > before[-1] and not in_cell[i]], {row_line[0][0]}))
        else:
            found.append((row[before[-1]][0], [grade], {index for inside, (index, _) in zip(in_cell, row) if inside}))
    return found


def _mended(words: list[tuple[int, OcrWord]]) -> bool:
    """A line the line repair read again: one word holding the whole line (ingest.reading.reread_weak_lines)."""
    return len(words) == 1 and " " in words[0][1].text.strip()


def _might_be_grade_head(text: str) -> bool:
    folded = fold_iy(text).lower()
    return "cap" in folded and bool(_IDENTITY_HEAD.search(folded))


def _word_level(ocr: TesseractOcr, reading: PageReading, words: list[tuple[int, OcrWord]],
                worth_it: Callable[[str], bool]) -> list[tuple[int, OcrWord]]:
    """The line's words, each with its own box: a mended line (one word) is read again word by word, where its
    text is `worth_it`; its words carry the mended word's index."""
    if not _mended(words) or not worth_it(words[0][1].text):
        return words
    index, line = words[0]
    again = ocr.read_lines(reading.upright_image, [line.box], reading.dpi)[0]
    return [(index, word) for _, word in again.words if word.text.strip()] or words


def _grade_head(words: list[tuple[int, OcrWord]]) -> tuple[int, int] | None:
    """The left and right of the "Cấp" head of a grade column on a table's head line (after "Ký hiệu"/"Số hiệu")."""
    folded = [fold_iy(word.text).lower() for _, word in words]
    for at, text in enumerate(folded):
        if _GRADE_HEAD.match(text) and any(_IDENTITY_HEAD.search(earlier) for earlier in folded[:at]):
            box = words[at][1].box
            return box[0], box[0] + box[2]
    return None


def _read_beside(ocr: TesseractOcr, reading: PageReading, label_words: list[OcrWord], label: _ValueLabel) -> OcrWord | None:
    """The label's value in the stretch right of its words, rules and specks taken out, or None."""
    top = min(word.box[1] for word in label_words)
    bottom = max(word.box[1] + word.box[3] for word in label_words)
    # The crop starts inside the label's last letter: a value set close to the label ("lượng 3.", a third of a
    # text height apart) would otherwise be cut by the crop's edge; what begins inside the label is the label's.
    inside = round(0.3 * (bottom - top))
    left = max(word.box[0] + word.box[2] for word in label_words) - inside
    return _read_in(ocr, reading, (left, top, left + inside + label.width * (bottom - top), bottom), label.parse,
                    min_confidence=label.min_confidence, label_inside=inside, as_printed=label.as_printed)


def _read_in(ocr: TesseractOcr, reading: PageReading, area: tuple[int, int, int, int],
             parse: Callable[[str], int | str | None], height: int | None = None,
             min_confidence: float = _MIN_CONFIDENCE, confirmed: bool = False, label_inside: int = 0,
             as_printed: bool = False) -> OcrWord | None:
    """The value (by `parse`) in `area` (left, top, right, bottom), rules and specks taken out; `height`: its
    text's, when the area is taller than one line. `confirmed`: only where the glyphs' grey crop, read as it is,
    says the same (a speck that the ink mask grew onto a "2" makes it a "3"). `label_inside`: how far the area
    reaches into the label on its left; ink that begins there is the label's. `as_printed`: the value as the grey
    crop reads, where it has the glyphs' letters and digits."""
    left, top, right, bottom = area
    height = height or bottom - top
    if height < 6:
        return None
    image = reading.upright_image
    left, right = max(0, left), min(image.width, right)
    top, bottom = max(0, top - round(0.3 * height)), min(image.height, bottom + round(0.3 * height))
    if right - left < height:
        return None
    # Ink by its surroundings (grey grainy paper fools one level for the crop), judged with a row of room around.
    above, below = min(top, height), min(image.height - bottom, height)
    # The red channel: a seal's red strokes over the cell drop out, the print stays black.
    gray = np.asarray(to_gray(image.crop((left, top - above, right, bottom + below)), drop_red=True))
    ink = ink_mask(gray, height)[above : above + bottom - top]
    found = _glyphs(ink, height, max(1, area[0] + label_inside - left))
    if found is None:
        return None
    glyphs, (x, y) = found
    # Only the glyphs, on clean paper: no rule or speck beside them for the one-line reading to stumble on.
    pad = round(0.4 * height)
    clean = np.pad(np.where(glyphs, 0, 255).astype(np.uint8), pad, constant_values=255)
    enlarge = max(1.0, 40 / height)
    again = _read_strip(ocr, Image.fromarray(clean, mode="L"), enlarge, reading.dpi)
    text = again.text.strip()
    value = parse(text)
    if value is None or (again.mean_confidence or 0.0) < min_confidence or len(text.split()) > 2:
        return None
    if confirmed or as_printed:
        box = (left + x - pad, top + y - pad, left + x + glyphs.shape[1] + pad, top + y + glyphs.shape[0] + pad)
        as_is = parse(_read_strip(ocr, to_gray(image.crop(box), drop_red=True), enlarge, reading.dpi).text.strip())
        if confirmed and as_is != value:
            return None
        if as_printed:
            # The ink mask takes a dash for a speck ("DV2157" of "DV-21-57"): the crop as it is keeps it, and its
            # reading is taken where it says the same letters and digits.
            if as_is is None or serial_key(str(as_is)) != serial_key(str(value)):
                return None
            value = as_is
    return OcrWord(str(value), again.mean_confidence or 0.0, (left + x, top + y, glyphs.shape[1], glyphs.shape[0]))


def _read_strip(ocr: TesseractOcr, strip: Image.Image, enlarge: float, dpi: float | None) -> OcrResult:
    if enlarge > 1:
        strip = strip.resize((round(strip.width * enlarge), round(strip.height * enlarge)), Image.Resampling.BICUBIC)
    return ocr.read_lines(strip, [(0, 0, strip.width, strip.height)], (dpi or 300) * enlarge)[0]


def _glyphs(ink: np.ndarray, height: int, first_column: int = 1) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The letter-sized ink of a crop, cut to its box, and where that box starts: rules (ink spanning the crop's height or running long),
    specks, ink cut by the crop's top or bottom edge and ink that begins left of `first_column` are left out. None
    when nothing letter-sized is left."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    rows = ink.shape[0]
    kept = []
    for index, (left, top, width, box_height, area) in enumerate(stats[1:count], start=1):
        if box_height < 0.4 * height or area < 0.02 * height * height:
            continue  # a speck or a dot
        if box_height > 1.4 * height or width > 3 * height:
            continue  # a rule, or a rule with letters grown onto it
        if top == 0 or top + box_height >= rows or left < first_column:
            continue  # cut by the crop: the line above or below, a rule, the label's last letter
        kept.append((left, top, left + width, top + box_height, index))
    if not kept:
        return None
    # The first glyphs from the label's side: a value is short, and what stands far beyond it is another cell.
    kept.sort()
    group = [kept[0]]
    for box in kept[1:]:
        if box[0] - group[-1][2] > 1.5 * height:
            break
        group.append(box)
    x0, y0 = min(b[0] for b in group), min(b[1] for b in group)
    x1, y1 = max(b[2] for b in group), max(b[3] for b in group)
    return np.isin(labels[y0:y1, x0:x1], [b[4] for b in group]), (int(x0), int(y0))
