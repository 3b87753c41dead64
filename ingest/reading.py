"""Per-page choice of reading: read the page as it is; only when that reading is weak, look at the page and read it
again the way that suits it, and keep the better of the two.

Uniform preprocessing is worse than plain Tesseract on real scans: despeckling punches holes
in the accents of blurred photos, upscaling clean pages costs time for nothing. So the plain
reading comes first (one pass, what `tesseract -l vie+eng` sees; a page whose text lines run
vertically is turned upright by Tesseract OSD first); a weak result (by `ingest.plausibility`)
triggers orientation detection and a second reading prepared for what the page shows: faded,
low resolution, blurred, noisy, red-sealed, ruled. The more plausible reading is kept.
A page under a red seal (and nothing worse) is read through the red channel first, and as given only when
that reading is weak: a sealed page costs one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageFilter

from ingest.beside import read_values_beside_labels
from ingest.coverage import SkippedLine, ink_mask, insert_lines, red_strokes, reduced, skipped_lines, word_height
from ingest.ocr import LineKey, OcrResult, OcrWord, TesseractOcr, assemble
from ingest.plausibility import Plausibility, measure
from ingest.preprocess import despeckle, gray_histogram, speck_mask, to_gray
from ingest.rows import read_label_rows
from ingest.skew import estimated_skew, line_lean, straightened

ReadingMode = Literal["adaptive", "plain"]
_A4_WIDTH_INCHES = 210 / 25.4
RED_SEAL_SHARE = 0.002  # a round seal covers a few thousandths of an A4 page
_LANDSCAPE = 1.2  # A4 turned on its side is 1.41 times as wide as tall; a cropped scan a little less


@dataclass(frozen=True)
class ReadingOptions:
    mode: ReadingMode = "adaptive"
    weak_below: float = 0.8  # plausibility under which a plain reading earns a second look
    damaged_weak_below: float = 0.97  # the same for pages that look faded or sealed
    osd_long_side: int = 1400  # orientation is detected on a copy this size: enough glyphs, a fraction of the cost
    min_osd_confidence: float = 1.5
    # An upside-down page reads as near nonsense (plausibility 0.2-0.56 on the benchmark pages, upright ones
    # 0.81 and up even when faded): orientation detection is spent only on a reading that bad.
    turn_below: float = 0.65
    # A page leaning this far whose reading earns a second look is also read straightened (ingest.skew). Tuning
    # pages leaning 0.75-1.5° read worse straightened in 31 of 43 cases; the throughput benchmark's phone photos
    # leaning 2-2.5° were read straightened 5 times at 2°, 2 of them better, at three times the class's cost.
    straighten_from_degrees: float = 3.0
    # A line with a word under this is doubtful on a damaged page. 65 rather than 80: the tuning set's fields
    # are the same, the throughput pages cost 9% less CPU (fewer lines and pages read twice), real-document
    # CER 0.0129 against 0.0126; at 50 a faded page loses a field.
    weak_word_confidence: float = 65.0
    # More lines in doubt than this share: the whole page is read again (0.6 kept the tuning set's fields,
    # 0.9198 against 0.918 at 0.35 and 0.911 at 1.0, and spends ~10% less on the faded benchmark pages).
    line_repair_max_share: float = 0.6
    few_lines: int = 10  # a reading of fewer lines is checked for lines of ink it left out (says_too_little)
    read_skipped: bool = True  # lines of ink no word of the reading covers are read on their own (ingest.coverage)
    read_rows: bool = True  # a form read as a column of labels and a column of values is read across (ingest.rows)
    read_beside: bool = True  # a grade or year label's unread value is read again from the image beside it (ingest.beside)


@dataclass(frozen=True)
class PageLook:
    """Cheap statistics of a page image and what they say about it."""

    dpi: float  # known or estimated from the page width (A4)
    dpi_known: bool
    ink_level: float  # typical gray of the ink (see ink_and_paper)
    paper_level: float  # typical gray of the paper
    soft_edges: float  # mid-gray pixels per dark pixel: high when strokes are blurred
    speck_share: float  # isolated specks per ink pixel
    red_share: float  # share of clearly red pixels
    rule_share: float  # share of ink in long straight lines
    traits: tuple[str, ...] = field(default=())

    @property
    def contrast(self) -> float:
        return self.paper_level - self.ink_level


@dataclass(frozen=True)
class PageReading:
    """What one page said, which reading said it, and the upright image that reading used."""

    text: str
    confidence: float | None
    reading_label: str  # "plain", or e.g. "rotate90+faded+lowres"
    upright_image: Image.Image  # the page as given (colour kept), turned upright when the winning reading turned it
    dpi: float | None
    passes: int  # Tesseract recognition passes spent on the page (orientation detection not counted)
    plausibility: Plausibility
    words: tuple[tuple[LineKey, OcrWord], ...] = ()  # the reading's words, boxes in `upright_image`


def read_page_image(image: Image.Image, dpi: float | None, ocr: TesseractOcr,
                    options: ReadingOptions | None = None) -> PageReading:
    """Read one page image; a second, prepared reading only when the first one is weak; then the lines that
    reading skipped, if any."""
    options = options or ReadingOptions()
    if options.mode == "plain":
        return _reading(ocr, as_given(image), dpi, "plain", image)
    chosen, searched = _choose_reading(image, dpi, ocr, options)
    reading = read_skipped_lines(ocr, chosen, options, searched)
    if options.read_rows:
        reading = read_label_rows(ocr, reading, estimated_dpi(reading.upright_image, reading.dpi)[0])
    reading = read_values_beside_labels(ocr, reading) if options.read_beside else reading
    return without_specks_read_as_glyphs(reading)


def without_specks_read_as_glyphs(reading: PageReading) -> PageReading:
    """The reading without the "letters" Tesseract all but refused (confidence under 20) on ink a fraction of a
    letter's height: a speck after a line read as "2" ("Kho K3/Cục Kỹ thuật 2", the 2 eight pixels tall)."""
    height = word_height(reading.words)
    if height is None:
        return reading
    # Only what claims to be a letter or a digit: a dash is short by nature ("DV - 21 - 57" read unsure).
    kept = [(key, word) for key, word in reading.words
            if not (any(ch.isalnum() for ch in word.text) and word.confidence < _SPECK_CONFIDENCE
                    and 0 < word.box[3] < _SPECK_HEIGHT * height)]
    if len(kept) == len(reading.words):
        return reading
    result = assemble(kept)
    return replace(reading, text=result.text, confidence=result.mean_confidence, words=result.words,
                   plausibility=measure(result.text, result.mean_confidence))


_SPECK_CONFIDENCE = 20.0
_SPECK_HEIGHT = 0.35  # of the page's median word height


def _choose_reading(image: Image.Image, dpi: float | None, ocr: TesseractOcr,
                    options: ReadingOptions) -> tuple[PageReading, list[SkippedLine] | None]:
    """The reading kept, and the skipped-line search already run on it, if one was (it is not run twice)."""
    small = overview(image)
    small_gray = plain_gray(small)
    # A page whose lines run up and down is turned before its first reading, not after a wasted one.
    upright, turned = (_upright(image, small_gray, ocr, options, look_closer=True) if looks_sideways(image, small_gray)
                       else (image, 0))
    damage = visible_damage(small, small_gray, estimated_dpi(image, dpi)[0])
    if damage == ("red",):
        # A seal over clean print: the red channel is read first, and the page as given only if that is weak,
        # so a sealed page costs one pass, not two.
        sealed = _reading(ocr, to_gray(upright, drop_red=True), dpi,
                          "+".join(([f"rotate{turned}"] if turned else []) + ["drop_red"]), upright)
        if not is_weak(sealed.plausibility, options):  # the damage it shows is the one already undone
            return sealed, None
        given = _reading(ocr, as_given(upright), dpi, f"rotate{turned}" if turned else "plain", upright)
        best = sealed if better(sealed.plausibility, given.plausibility) else given
        return replace(best, passes=2), None
    first = _reading(ocr, as_given(upright), dpi, f"rotate{turned}" if turned else "plain", upright)
    uncovered = _uncovered_when_few(first, options)
    sparse = says_too_little(first, options, uncovered)
    if not sparse and not is_weak(first.plausibility, options, damage):
        return first, uncovered
    readings = [first]
    if turned:  # the turn may have been wrong: the page as given is the fallback
        readings.append(_reading(ocr, as_given(image), dpi, "plain", image))
    elif first.plausibility.score < options.turn_below:
        upright, turned = _upright(image, small_gray, ocr, options)
    # Decent text from a visibly damaged page: only its doubtful lines are read again, not the whole page.
    by_lines = not sparse and not turned and first.plausibility.score >= options.weak_below
    if by_lines and not doubtful_lines(first, options):
        return first, uncovered  # nothing in doubt: no page preparation spent
    # A page photographed at an angle is also read turned straight (Tesseract copes with a lean of a degree or two
    # by itself, and a straightened page's letters are softer): a fluent first reading of such a page may still
    # have lost whole paragraphs.
    lean = estimated_skew(plain_gray(overview(upright)) if turned else small_gray)
    lean = lean if abs(lean) >= options.straighten_from_degrees else 0.0
    look = look_at(upright, dpi)
    prepared, prepared_dpi, steps = prepare_for_look(upright, dpi, look)
    if by_lines and steps:
        repaired = reread_weak_lines(ocr, first, prepared, prepared_dpi, "+".join(steps), options)
        if repaired is not None and not lean:
            return repaired, None
        if repaired is not None:
            readings[0] = repaired  # the straightened reading must beat the first one with its lines mended
    if lean:
        upright = straightened(upright, lean)
        look = look_at(upright, dpi)
        prepared, prepared_dpi, steps = prepare_for_look(upright, dpi, look)
        steps = ("straightened", *steps)
    label = "+".join(([f"rotate{turned}"] if turned else []) + list(steps))
    if label and label != first.reading_label:  # an identical second pass would only cost time
        readings.append(_reading(ocr, prepared, prepared_dpi, label, upright, dpi=dpi))
    best = readings[0]
    for candidate in readings[1:]:
        if better(candidate.plausibility, best.plausibility):
            best = candidate
    return replace(best, passes=len(readings)), None


def reread_weak_lines(ocr: TesseractOcr, first: PageReading, prepared: Image.Image, prepared_dpi: float | None,
                      label: str, options: ReadingOptions) -> PageReading | None:
    """The first reading with each doubtful line replaced by its reading on the prepared image, where that is
    the more plausible line. Tesseract's layout of the first reading is kept: only the lines are recognised.
    None when doubt is all over the page: then its layout may be wrong too, and the whole page is read again."""
    lines = _lines(first.words)
    weak = doubtful_lines(first, options, lines)
    if not weak:
        return first
    if len(weak) > options.line_repair_max_share * len(lines):
        return None
    scale_x = prepared.width / first.upright_image.width
    scale_y = prepared.height / first.upright_image.height
    boxes = [_line_box(lines[key], scale_x, scale_y, prepared.size) for key in weak]
    replaced: dict[LineKey, OcrWord] = {}
    for key, box, again in zip(weak, boxes, ocr.read_lines(prepared, boxes, prepared_dpi)):
        words = lines[key]
        old_confidence = sum(word.confidence for word in words) / len(words)
        if again.text and better_line(measure(again.text), measure(" ".join(word.text for word in words)),
                                      (again.mean_confidence or 0.0, old_confidence)):
            replaced[key] = OcrWord(again.text.replace("\n", " "), again.mean_confidence or 0.0,
                                    _scaled(box, 1 / scale_x, 1 / scale_y))
    if not replaced:
        return replace(first, passes=2)
    # The page is put together exactly as the first reading was (ingest.ocr), a new line in each doubtful one's place.
    words: list[tuple[LineKey, OcrWord]] = []
    for key, word in first.words:
        if key not in replaced:
            words.append((key, word))
        elif not words or words[-1][0] != key:
            words.append((key, replaced[key]))
    result = assemble(words)
    return replace(first, text=result.text, confidence=result.mean_confidence, reading_label=f"{label}+lines",
                   passes=2, plausibility=measure(result.text, result.mean_confidence), words=result.words)


def doubtful_lines(reading: PageReading, options: ReadingOptions,
                   lines: dict[LineKey, list[OcrWord]] | None = None) -> list[LineKey]:
    """The reading's lines with a word under the confidence bar, or debris."""
    lines = _lines(reading.words) if lines is None else lines
    return [key for key, words in lines.items() if _weak_line(words, options)]


def better_line(candidate: Plausibility, incumbent: Plausibility, confidences: tuple[float, float] | None = None) -> bool:
    """Text against text first: Tesseract's confidence on a cleaned-up line is no match for the damaged one's
    when the words differ in kind. On a line the text score saturates ("PHONG" and "PHÒNG" both read as fluent),
    so where it ties, the reading with clearly more of its syllables marked wins (OCR drops marks far more often
    than it adds them); where the marks tie too (a code: "549/BB-CKF" or "549/BB-CKT"), the clearly surer one."""
    if better(candidate, incumbent):
        return True
    if abs(candidate.score - incumbent.score) > 0.03 or candidate.good_words < incumbent.good_words:
        return False
    if candidate.accent_share >= incumbent.accent_share + 0.1:
        return True
    return (abs(candidate.accent_share - incumbent.accent_share) < 0.1 and confidences is not None
            and confidences[0] >= confidences[1] + 10)


def _lines(words: tuple[tuple[LineKey, OcrWord], ...]) -> dict[LineKey, list[OcrWord]]:
    """Each line's words that say something, in reading order."""
    lines: dict[LineKey, list[OcrWord]] = {}
    for key, word in words:
        if word.text.strip():
            lines.setdefault(key, []).append(word)
    return lines


def _weak_line(words: list[OcrWord], options: ReadingOptions) -> bool:
    if min(word.confidence for word in words) < options.weak_word_confidence:
        return True
    return measure(" ".join(word.text for word in words)).junk_share > 0


def _line_box(words: list[OcrWord], scale_x: float, scale_y: float, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The line's box on the prepared image. Tesseract's word boxes already hold the accents and descenders;
    a little more room than that takes in the next line's ink, and a one-line reading stumbles over it."""
    left = min(word.box[0] for word in words)
    top = min(word.box[1] for word in words)
    right = max(word.box[0] + word.box[2] for word in words)
    bottom = max(word.box[1] + word.box[3] for word in words)
    side, edge = max(3, round((bottom - top) * 0.3)), max(1, round((bottom - top) * 0.08))
    left, right = max(0, round((left - side) * scale_x)), min(size[0], round((right + side) * scale_x))
    top, bottom = max(0, round((top - edge) * scale_y)), min(size[1], round((bottom + edge) * scale_y))
    return left, top, max(1, right - left), max(1, bottom - top)


def looks_sideways(image: Image.Image, small_gray: Image.Image) -> bool:
    """Whether to ask Tesseract which way up the page is before reading it.

    A portrait page fed sideways comes out wider than tall, whatever its ink shows: a ruled table's grid makes the
    ink's runs look upright on a sideways page (and sideways on an upright one), and Tesseract then reads the turned
    table as garbage. Asking costs a fraction of a reading, and only on such pages."""
    return image.width > _LANDSCAPE * image.height or lines_run_vertically(small_gray)


def lines_run_vertically(gray: Image.Image) -> bool:
    """Whether the page's text lines look vertical (a page scanned sideways), from ink run lengths on a small copy.

    Ink smeared along a line of text forms long runs in the direction the line runs; an upright page has runs
    about half again as long across as down, a sideways page the reverse.
    """
    pixels = np.asarray(gray)
    factor = 600 / max(pixels.shape)
    small = cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else pixels
    ink = (small < np.median(small) - 40).view(np.uint8)
    if ink.sum() < 200:
        return False  # too little ink to tell
    across = _mean_run(cv2.dilate(ink, np.ones((1, 15), np.uint8)))
    down = _mean_run(cv2.dilate(ink, np.ones((15, 1), np.uint8)).T)
    return across < 0.7 * down


def _mean_run(mask: np.ndarray) -> float:
    """Mean length of the runs of set pixels along each row."""
    edges = np.diff(np.pad(mask > 0, ((0, 0), (1, 1))).view(np.int8), axis=1)
    return float((mask > 0).sum()) / max(1, int((edges == 1).sum()))


def is_weak(found: Plausibility, options: ReadingOptions, damage: tuple[str, ...] = ()) -> bool:
    """Weak: implausible text, or merely decent text from a page that visibly needs help (faded, sealed).

    Low resolution alone is no such sign: upscaling every 150-dpi page that reads well costs a pass for nothing
    (the same fields on the tuning set in 57 s instead of 63 s: bench/results/accuracy_tuning_v1.json, _v2.json)."""
    if found.score < options.weak_below:
        return True
    return bool(damage) and found.score < options.damaged_weak_below


def overview(image: Image.Image) -> Image.Image:
    """A copy about 1,400 px on its long side (colour kept): every page gets a glance, so the glance is cheap."""
    source = image if image.mode in ("L", "RGB") else image.convert("L" if image.mode == "1" else "RGB")
    factor = max(1, max(image.size) // 1400)  # never below 1,400 px: orientation detection needs the glyphs
    return source.reduce(factor) if factor > 1 else source


def visible_damage(small: Image.Image, small_gray: Image.Image, dpi: float) -> tuple[str, ...]:
    """The damage a glance at the overview shows: faded paper, red ink."""
    ink_level, paper_level = ink_and_paper(np.asarray(small_gray))
    damage = []
    if _faded(ink_level, paper_level):
        damage.append("faded")
    if _red_share(small) > RED_SEAL_SHARE:
        damage.append("red")
    return tuple(damage)


def ink_and_paper(gray: np.ndarray) -> tuple[float, float]:
    """Typical gray of the paper (the page's median) and of the ink (the darker part of what is not paper).

    The ink level is taken among non-paper pixels only, so a sparse page is not mistaken for a faded one.
    """
    histogram = gray_histogram(gray)
    paper_level = float(np.searchsorted(histogram.cumsum(), gray.size * 0.5))
    return _ink_level(histogram, paper_level), paper_level


def _ink_level(histogram: np.ndarray, paper_level: float) -> float:
    below = histogram[: max(1, int(paper_level) - 40)]
    if below.sum() == 0:
        return paper_level  # nothing but paper
    return float(np.searchsorted(below.cumsum(), below.sum() * 0.2))



def _faded(ink_level: float, paper_level: float) -> bool:
    # Grey paper counts too: judging by contrast alone saved time on the tuning set without losing a field
    # (bench/results/accuracy_tuning_v2.json, _v4.json) but lost a faded held-out page to a plain upscale.
    return paper_level - ink_level < 150 or paper_level < 215


def better(candidate: Plausibility, incumbent: Plausibility) -> bool:
    """The candidate wins when it is clearly more plausible, or as plausible and says clearly more, or says
    several times as much in words that still mostly read (a page's layout found, not three words of it)."""
    if candidate.good_words >= 3 * incumbent.good_words + 20 and candidate.score >= 0.6:
        return True
    if candidate.score > incumbent.score + 0.03:
        return candidate.good_words >= 0.6 * incumbent.good_words
    if candidate.score >= incumbent.score - 0.03:
        return candidate.good_words > 1.1 * incumbent.good_words
    return False


def as_given(image: Image.Image) -> Image.Image:
    """The page exactly as `tesseract page.png` would get it: colour pages stay colour (Tesseract's own
    thresholding of colour differs from reading a luminance copy, notably under red seals)."""
    return image if image.mode in ("1", "L", "RGB") else image.convert("RGB")


def plain_gray(image: Image.Image) -> Image.Image:
    """Luminance, nothing else: what the page statistics are computed on."""
    return to_gray(image, drop_red=False)


def _reading(ocr: TesseractOcr, prepared: Image.Image, prepared_dpi: float | None, label: str,
             upright: Image.Image, *, dpi: float | None = None) -> PageReading:
    result: OcrResult = ocr.read(prepared, prepared_dpi)
    words = result.words
    if prepared.size != upright.size:  # an enlarged copy was read: its boxes are put back on the page
        scale_x, scale_y = upright.width / prepared.width, upright.height / prepared.height
        words = tuple((key, replace(word, box=_scaled(word.box, scale_x, scale_y))) for key, word in words)
    return PageReading(result.text, result.mean_confidence, label, upright, dpi if dpi is not None else prepared_dpi,
                       1, measure(result.text, result.mean_confidence), words)


def _scaled(box: tuple[int, int, int, int], scale_x: float, scale_y: float) -> tuple[int, int, int, int]:
    return (round(box[0] * scale_x), round(box[1] * scale_y), round(box[2] * scale_x), round(box[3] * scale_y))


# --- lines the layout analysis skipped -------------------------------------------------------


def read_skipped_lines(ocr: TesseractOcr, reading: PageReading, options: ReadingOptions,
                       searched: list[SkippedLine] | None = None) -> PageReading:
    """The reading with the lines of ink it left out (ingest.coverage) read one by one and put in their place,
    where what they say is plausible text. `searched`: the search already run on this reading, if any."""
    text_height = word_height(reading.words)
    if text_height is None or not options.read_skipped:
        return reading
    found = _search_skipped(reading, text_height) if searched is None else searched
    if not found:
        return reading
    upright = reading.upright_image
    resolution = estimated_dpi(upright, reading.dpi)[0]
    # Small print (a phone photo, a 150-dpi copy) is enlarged first, as a one-line reading wants letters
    # some 30 px tall; only the lines' strips are, not the page.
    enlarge = min(3.0, 32 / text_height) if text_height < 24 else 1.0
    gray = np.asarray(to_gray(upright, drop_red=True))
    recovered = []
    for line in found:
        image = _line_strip(gray, line)
        if enlarge > 1:
            image = image.resize((round(image.width * enlarge), round(image.height * enlarge)), Image.Resampling.BICUBIC)
        again = ocr.read_lines(image, [(0, 0, image.width, image.height)], resolution * enlarge)[0]
        # A table rule's stub at either end; the tail of a dot leader before a value read apart from its label.
        again = replace(again, text=again.text.replace("\n", " ").strip(_RULE_DEBRIS).lstrip(_LEADER_TAIL))
        if _worth_keeping(again):
            place = (line.box[0], line.row[0], line.box[2], line.row[1] - line.row[0])
            recovered.append((place, OcrWord(again.text, again.mean_confidence or 0.0, line.box)))
    if not recovered:
        return reading
    result = assemble(insert_lines(reading.words, recovered))
    return replace(reading, text=result.text, confidence=result.mean_confidence,
                   reading_label=f"{reading.reading_label}+skipped", words=result.words,
                   plausibility=measure(result.text, result.mean_confidence))


def _line_strip(gray: np.ndarray, line: SkippedLine) -> Image.Image:
    """The line's ink on white: the rest of its box blanked, its own paper brought up to white (on a shaded photo
    a grey band left around the letters is what Tesseract's threshold takes for ink), and a leaning line (its box
    much taller than its letters) turned level, as one-line reading of a line askew by 2-3° reads debris."""
    left, top, width, height = line.box
    strip = gray[top : top + height, left : left + width].astype(np.float32)
    keep = line.keep[: strip.shape[0], : strip.shape[1]]
    paper = float(np.median(strip[keep])) if keep.any() else 255.0
    ink = keep & (strip < paper - 40)
    strip = np.where(keep, np.clip(strip * (255.0 / max(paper, 1.0)), 0, 255), 255).astype(np.uint8)
    image = Image.fromarray(strip, mode="L")
    if line.box[3] < 1.6 * (line.row[1] - line.row[0]):
        return image
    lean = line_lean(ink)
    return straightened(image, lean) if abs(lean) >= 0.5 else image


def _search_skipped(reading: PageReading, text_height: float) -> list[SkippedLine]:
    """The lines of ink the reading's words leave uncovered (ingest.coverage)."""
    upright = reading.upright_image
    resolution = estimated_dpi(upright, reading.dpi)[0]
    # The search runs on a copy of at most 150 dpi with letters still 20 px tall: ample for lines of text.
    factor = max(1.0, min(resolution / 150, text_height / _SEARCH_LETTER_PX))
    if upright.mode in ("1", "L"):
        small, seal = reduced(upright.convert("L"), factor), None
    else:  # reduced once, in colour: the grey copy and the seal's red strokes both come from it
        rgb = reduced(upright if upright.mode == "RGB" else upright.convert("RGB"), factor)
        small, seal = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), red_strokes(rgb)
    ink = ink_mask(small, text_height / factor, seal)
    # Shorter runs than a page's rules are looked for (8 mm): on a skewed photo a rule stays straight only so far.
    rules = cv2.dilate(_rules(ink, resolution / factor, inches=0.3).view(np.uint8), np.ones((3, 3), np.uint8))
    return skipped_lines(ink & (1 - rules), reading.words, reduce=factor)


def _uncovered_when_few(reading: PageReading, options: ReadingOptions) -> list[SkippedLine] | None:
    """The skipped-line search on a reading of few lines; None for a fuller reading (not searched here)."""
    if len(_lines(reading.words)) >= options.few_lines:
        return None
    text_height = word_height(reading.words)
    return None if text_height is None else _search_skipped(reading, text_height)


def says_too_little(reading: PageReading, options: ReadingOptions,
                    uncovered: list[SkippedLine] | None = None) -> bool:
    """Fluent words, but a few lines of a page whose ink holds many more: Tesseract's layout analysis took most
    of a faded page for a picture ("do Hạnh phúc" and nothing else). Plausibility judges what was read, not
    what was left. `uncovered`: the search already run on the reading (_uncovered_when_few), if any."""
    if uncovered is None:
        uncovered = _uncovered_when_few(reading, options)
    return uncovered is not None and len(uncovered) >= max(4, 2 * len(_lines(reading.words)))


_SEARCH_LETTER_PX = 20  # letters this tall in the search copy (16 lost table cells of phone photos on the tuning set)
_RULE_DEBRIS = " |[]!_"
_LEADER_TAIL = ".:…· |"  # what a dot leader leaves before a value read on its own
_CODE = re.compile(r"^\w[\w./-]*\w$")


def _worth_keeping(line: OcrResult) -> bool:
    """Words, or a code or number Tesseract was sure of (a serial in a table cell); a signature or a seal's
    edge reads as debris."""
    text = line.text.strip()
    confidence = line.mean_confidence or 0.0
    if sum(c.isalnum() for c in text) < 3 or confidence < 70:
        return False  # a letter or two beside a line is a piece of a word already read, or of a seal
    found = measure(text, confidence)
    if found.junk_share > 0:
        return False
    if found.score >= 0.7 and (found.good_words >= 2 or (found.good_words == 1 and found.tokens >= 2)):
        return True  # words: one alone ("hỉn") is too often a piece of a word read beside it
    return confidence >= 75 and bool(_CODE.match(text)) and sum(c.isdigit() for c in text) >= 2


# --- orientation -----------------------------------------------------------------------------


def _upright(image: Image.Image, gray: Image.Image, ocr: TesseractOcr, options: ReadingOptions, *,
             look_closer: bool = False) -> tuple[Image.Image, int]:
    """The page turned upright (and by how many degrees clockwise), from Tesseract OSD on a small copy.

    `look_closer`: a page that looks sideways is asked again at the glance's own size when the copy leaves
    Tesseract unsure (a form's small print is too small in it); a page merely read badly is not worth that."""
    factor = options.osd_long_side / max(gray.size)
    small = gray if factor >= 1 else gray.resize((round(gray.width * factor), round(gray.height * factor)),
                                                 Image.Resampling.BILINEAR)
    found = ocr.orientation(small)
    if look_closer and small is not gray and (found is None or found.confidence < options.min_osd_confidence):
        found = ocr.orientation(gray)
    if found is None or found.rotate == 0 or found.confidence < options.min_osd_confidence:
        return image, 0
    return image.rotate(-found.rotate, expand=True), found.rotate


# --- what the page shows ---------------------------------------------------------------------


def estimated_dpi(image: Image.Image, dpi: float | None) -> tuple[float, bool]:
    if dpi:
        return float(dpi), True
    # Phone photos and stripped files record no resolution: assume the page is A4 across its short side.
    return min(image.size) / _A4_WIDTH_INCHES, False


def look_at(image: Image.Image, dpi: float | None) -> PageLook:
    red_share = _red_share(image)
    # Under a red seal, judge the page as the red channel shows it: the seal's mid-greys are not blur.
    gray_image = to_gray(image, drop_red=red_share > RED_SEAL_SHARE)
    gray = np.asarray(gray_image)
    resolution, known = estimated_dpi(image, dpi)
    ink_level, paper_level = ink_and_paper(gray)
    span = max(1.0, paper_level - ink_level)
    dark = gray < ink_level + 0.3 * span
    mid = (gray >= ink_level + 0.3 * span) & (gray < ink_level + 0.75 * span)
    dark_count = max(1, int(dark.sum()))
    soft_edges = float(mid.sum()) / dark_count
    specks = int(speck_mask(gray_image, resolution).sum())
    rule_share = float(_rules(dark.view(np.uint8), resolution).sum()) / dark_count
    look = PageLook(resolution, known, ink_level, paper_level, soft_edges, specks / dark_count, red_share, rule_share)
    return PageLook(**{**look.__dict__, "traits": traits_of(look)})


def traits_of(look: PageLook) -> tuple[str, ...]:
    traits = []
    if _faded(look.ink_level, look.paper_level):
        traits.append("faded")
    if round(look.dpi) < 200:  # resolutions recovered from page geometry come out as 199.99
        traits.append("lowres")
    if look.soft_edges > 0.45:
        traits.append("blurred")
    if look.speck_share > 0.02 and "blurred" not in traits:
        traits.append("noisy")
    if look.red_share > RED_SEAL_SHARE:
        traits.append("red")
    if look.rule_share > 0.04:
        traits.append("ruled")
    return tuple(traits)


def _red_share(image: Image.Image) -> float:
    if image.mode not in ("RGB", "RGBA", "P", "CMYK"):
        return 0.0
    return float(red_strokes(np.asarray(image.convert("RGB")), margin=60).mean())


def _rules(ink: np.ndarray, dpi: float, inches: float = 0.6) -> np.ndarray:
    """Ink that belongs to long horizontal or vertical lines (table rules, underlines, borders)."""
    length = max(15, round(dpi * inches))  # no letter is 15 mm wide or tall
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    return (horizontal | vertical) > 0


# --- preparing the second reading ------------------------------------------------------------


def prepare_for_look(image: Image.Image, dpi: float | None, look: PageLook) -> tuple[Image.Image, float | None, tuple[str, ...]]:
    """The image for the second reading, its dpi, and the steps taken (the reading's label)."""
    traits = set(look.traits)
    steps: list[str] = []
    gray = to_gray(image, drop_red="red" in traits)
    if "red" in traits:
        steps.append("drop_red")
    if "ruled" in traits:
        gray = remove_rules(gray, look)
        steps.append("unruled")
    out_dpi = dpi
    if "faded" in traits:
        gray, out_dpi = restore_faded(gray, look)
        steps.append("faded")
        return gray, out_dpi, tuple(steps)
    if "lowres" in traits:
        gray, out_dpi = upscale_to(gray, look.dpi, 300)
        steps.append("upscale")
    if "blurred" in traits:
        gray = gray.filter(ImageFilter.UnsharpMask(radius=max(1.0, 1.5 * (out_dpi or look.dpi) / 300),
                                                   percent=90, threshold=2))
        steps.append("sharpen")  # never despeckle a blurred page: its accents are the first specks to go
    elif "noisy" in traits:
        gray = despeckle(gray, out_dpi or look.dpi)
        steps.append("despeckle")
    return gray, out_dpi if out_dpi else (look.dpi if steps else None), tuple(steps)


def upscale_to(gray: Image.Image, dpi: float, target: int) -> tuple[Image.Image, float]:
    factor = target / dpi
    if factor <= 1.05:
        return gray, dpi
    size = (round(gray.width * factor), round(gray.height * factor))
    return gray.resize(size, Image.Resampling.LANCZOS), float(target)


def restore_faded(gray: Image.Image, look: PageLook) -> tuple[Image.Image, float]:
    """Faded copy of a copy: even out the paper, stretch the contrast, calm the grain, enlarge, then Otsu."""
    pixels = np.asarray(gray).astype(np.float32)
    # Paper brightness varies across a photocopy: divide by a large-scale estimate of it.
    kernel = max(15, round(look.dpi / 6)) | 1
    paper = cv2.dilate(pixels, np.ones((kernel, kernel), np.uint8))
    paper = cv2.blur(paper, (kernel, kernel))
    # In place, in the same order of operations as the arithmetic it stands for: the same image to the bit.
    flat = np.divide(pixels, np.maximum(paper, 1, out=paper), out=pixels)
    flat = np.clip(np.multiply(flat, 255, out=flat), 0, 255, out=flat)
    # The stretch runs from the ink to the paper. On a sparse page (a signature page) the darkest 1 % is still
    # paper, and stretching paper grain to full contrast buries the few lines in specks: the ink level bounds it.
    low, high = np.percentile(flat, (1, 60))
    low = min(low, _ink_level(gray_histogram(flat.astype(np.uint8)), high))
    flat = np.divide(np.multiply(np.subtract(flat, low, out=flat), 255, out=flat), max(1.0, high - low), out=flat)
    stretched = np.clip(flat, 0, 255, out=flat).astype(np.uint8)
    calmed = cv2.medianBlur(stretched, 3)
    factor = 2 if look.dpi < 250 else 1
    if factor > 1:
        calmed = cv2.resize(calmed, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    _, binary = cv2.threshold(calmed, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return Image.fromarray(binary, mode="L"), look.dpi * factor


def remove_rules(gray: Image.Image, look: PageLook) -> Image.Image:
    """Whiten long table rules so Tesseract reads the cells instead of the lines."""
    pixels = np.asarray(gray)
    span = max(1.0, look.paper_level - look.ink_level)
    ink = (pixels < look.ink_level + 0.5 * span).view(np.uint8)
    rules = cv2.dilate(_rules(ink, look.dpi).view(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return Image.fromarray(np.where(rules, 255, pixels).astype(np.uint8), mode="L")


