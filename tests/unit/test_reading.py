"""The per-page reading strategy on real page images and real Tesseract."""

from __future__ import annotations

import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

from ingest.ocr import OcrResult, OcrWord, TesseractOcr, assemble
from ingest.plausibility import measure
from ingest.reading import (
    PageReading, ReadingOptions, better_line, is_weak, lines_run_vertically, look_at, prepare_for_look, read_page_image,
    reread_weak_lines, visible_damage, without_specks_read_as_glyphs,
)
from tests.conftest import FONT, SAMPLE_LINES, render_text_image, require_tesseract

# A fuller page than SAMPLE_LINES: orientation detection needs a few lines of text to be sure.
PAGE_LINES = SAMPLE_LINES + [
    "Nhà máy sản xuất: Nhà máy Z153",
    "Nước sản xuất: Liên Xô",
    "Năm sản xuất: 1979",
    "Hôm nay, ngày 05 tháng 01 năm 2020, tại kho K60,",
    "chúng tôi gồm các thành phần sau đây tiến hành kiểm tra",
    "tình trạng kỹ thuật của trang bị nói trên.",
    "Đại diện đơn vị quản lý: Thiếu tá Nguyễn Văn Hùng",
    "Đại diện cơ quan kỹ thuật: Đại úy Trần Quốc Tuấn",
]


class CountingOcr(TesseractOcr):
    """Real Tesseract that also counts its recognition passes."""

    def __init__(self) -> None:
        super().__init__("vie+eng")
        self.passes = 0

    def read(self, image: Image.Image, dpi: float | None = None) -> OcrResult:
        self.passes += 1
        return super().read(image, dpi)


def faded_copy_of_a_copy(seed: int = 7) -> Image.Image:
    """A 150-dpi photocopy of a photocopy: grey paper, lifted ink, grain and specks."""
    rng = random.Random(seed)
    page = render_text_image(PAGE_LINES, dpi=150).convert("L")
    page = page.filter(ImageFilter.Kernel((3, 3), (0, 1, 0, 1, 8, 1, 0, 1, 0), 12))
    page = page.point(lambda v: 115 + v * (190 - 115) // 255)
    grain = Image.frombytes("L", page.size, rng.randbytes(page.width * page.height)).point(lambda v: 128 + (v - 128) // 9)
    return ImageChops.add(page, grain, 1.0, -128)


def blurred_dusty_photo(seed: int = 3) -> Image.Image:
    """A soft phone photo (drawn small, enlarged) with dust on the lens; no resolution recorded."""
    rng = random.Random(seed)
    small = render_text_image(PAGE_LINES, dpi=130)
    page = small.resize((round(small.width * 200 / 130), round(small.height * 200 / 130)), Image.BICUBIC)
    page = page.filter(ImageFilter.GaussianBlur(1.2))
    draw = ImageDraw.Draw(page)
    for _ in range(400):
        x, y = rng.randrange(page.width), rng.randrange(page.height)
        draw.rectangle((x, y, x + 1, y + 1), fill=(20, 20, 20))
    return page


def test_clean_page_costs_one_pass_and_is_not_weak():
    require_tesseract()
    ocr = CountingOcr()
    reading = read_page_image(render_text_image(PAGE_LINES, dpi=300), 300, ocr)
    assert ocr.passes == 1 and reading.passes == 1
    assert reading.reading_label == "plain"
    assert "KB-15-84" in reading.text
    assert not is_weak(reading.plausibility, ReadingOptions())


def test_clean_low_resolution_page_that_reads_well_is_not_upscaled():
    """150 dpi alone is no reason for a second pass: the plain reading is kept when it is good."""
    require_tesseract()
    page = render_text_image(PAGE_LINES, dpi=150)
    assert visible_damage(page, page.convert("L"), 150) == ()  # so a decent reading is not held to the damaged bar
    ocr = CountingOcr()
    reading = read_page_image(page, 150, ocr)
    assert "KB-15-84" in reading.text
    # One page pass; a line the layout analysis skipped may be read on its own strip ("plain+skipped").
    assert ocr.passes == 1 and reading.reading_label in ("plain", "plain+skipped")


def test_sideways_page_is_detected_weak_and_read_upright():
    require_tesseract()
    upright = render_text_image(PAGE_LINES, dpi=300)
    sideways = upright.rotate(90, expand=True)
    ocr = CountingOcr()
    plain = ocr.read(sideways.convert("L"), 300)
    assert is_weak(measure(plain.text, plain.mean_confidence), ReadingOptions())
    reading = read_page_image(sideways, 300, ocr)
    assert reading.reading_label.startswith("rotate")
    assert "KB-15-84" in reading.text and "KIỂM TRA" in reading.text
    assert reading.upright_image.size == upright.size  # portrait again, for whoever looks at it next
    # Its lines run vertically, so it is turned before the first reading: one pass, not a wasted sideways one.
    assert ocr.passes == 2 and reading.passes == 1


def test_faded_low_resolution_copy_recovers_the_serial_plain_misses():
    require_tesseract()
    page = faded_copy_of_a_copy()
    assert "faded" in visible_damage(page, page, 150) and "lowres" in look_at(page, 150).traits
    plain = read_page_image(page, 150, TesseractOcr(), ReadingOptions(mode="plain"))
    assert "KB-15-84" not in plain.text
    reading = read_page_image(page, 150, TesseractOcr())
    assert "faded" in reading.reading_label
    assert "KB-15-84" in reading.text
    assert reading.plausibility.score > plain.plausibility.score


def test_plain_mode_is_exactly_one_pass_on_the_image_as_is():
    require_tesseract()
    ocr = CountingOcr()
    reading = read_page_image(faded_copy_of_a_copy(), 150, ocr, ReadingOptions(mode="plain"))
    assert ocr.passes == 1 and reading.reading_label == "plain"


def test_blurred_page_is_sharpened_never_despeckled():
    page = blurred_dusty_photo()
    look = look_at(page, None)
    assert "blurred" in look.traits
    _, _, steps = prepare_for_look(page, None, look)
    assert "sharpen" in steps
    assert "despeckle" not in steps  # it would punch holes in the soft letters and their accents


def test_blurred_page_reading_uses_no_despeckle():
    require_tesseract()
    reading = read_page_image(blurred_dusty_photo(), None, TesseractOcr(), ReadingOptions(weak_below=1.01))
    assert "despeckle" not in reading.reading_label
    assert "KB-15-84" in reading.text


def test_red_seal_is_dropped_when_the_page_is_prepared():
    page = render_text_image(PAGE_LINES, dpi=200)
    ImageDraw.Draw(page).ellipse((150, 500, 700, 1000), outline=(215, 40, 40), width=14)
    look = look_at(page, 200)
    assert "red" in look.traits
    prepared, _, steps = prepare_for_look(page, 200, look)
    assert "drop_red" in steps
    assert prepared.getpixel((150 + 7, 750)) > 200  # the seal's ring is paper-white in the red channel


def test_sealed_page_is_read_once_through_the_red_channel():
    """A round red seal over clean print: the red channel is read first and, reading well, is the only pass."""
    require_tesseract()
    page = render_text_image(PAGE_LINES, dpi=200)
    ImageDraw.Draw(page).ellipse((100, 150, 700, 750), outline=(215, 40, 40), width=14)
    ocr = CountingOcr()
    reading = read_page_image(page, 200, ocr)
    assert reading.reading_label == "drop_red" and ocr.passes == 1
    assert "KB-15-84" in reading.text


def test_upside_down_page_is_turned_after_a_weak_first_reading():
    require_tesseract()
    page = render_text_image(PAGE_LINES, dpi=300).rotate(180)
    assert not lines_run_vertically(page.convert("L"))  # its lines run across: nothing to see before reading
    ocr = CountingOcr()
    reading = read_page_image(page, 300, ocr)
    assert reading.reading_label.startswith("rotate180")
    assert "KB-15-84" in reading.text
    assert ocr.passes == 2


def _page_with_a_ruled_table(dpi: int = 200, rows: int = 12) -> Image.Image:
    """A handover record's head and its ruled list of accessories, in the small print of a form."""
    page = render_text_image(PAGE_LINES[:10], dpi=dpi)
    draw, scale = ImageDraw.Draw(page), dpi / 300
    font = ImageFont.truetype(str(FONT), int(38 * scale))
    top, row_height = int(1000 * scale), int(90 * scale)
    columns = [int(160 * scale), int(400 * scale), int(1500 * scale), int(1900 * scale), int(2320 * scale)]
    for row in range(rows + 1):
        draw.line((columns[0], top + row * row_height, columns[-1], top + row * row_height), fill="black", width=3)
    for x in columns:
        draw.line((x, top, x, top + rows * row_height), fill="black", width=3)
    for row in range(rows):
        for x, text in zip(columns, (str(row + 1), f"Bộ dụng cụ sửa chữa {row}", "chiếc", "01")):
            draw.text((x + int(20 * scale), top + row * row_height + int(20 * scale)), text, fill="black", font=font)
    return page


def test_a_ruled_table_fed_sideways_is_turned_upright_before_it_is_read():
    """The grid hides which way the lines run, and Tesseract reads the turned table as garbage; the page's shape
    (a portrait form come out landscape) says to ask which way is up, and its small print is asked at full size."""
    require_tesseract()
    for turned in (90, 270):
        reading = read_page_image(_page_with_a_ruled_table().rotate(turned, expand=True), 200, TesseractOcr())
        assert "KB-15-84" in reading.text, turned
        assert sum(f"sửa chữa {row}" in reading.text for row in range(12)) >= 10, turned


def test_vertical_lines_are_told_from_horizontal_ones():
    page = render_text_image(PAGE_LINES, dpi=200).convert("L")
    assert not lines_run_vertically(page)
    assert lines_run_vertically(page.rotate(90, expand=True))
    assert lines_run_vertically(page.rotate(270, expand=True))
    assert not lines_run_vertically(Image.new("L", (800, 1100), 255))


def _word_errors(text: str) -> int:
    return Levenshtein.distance(" ".join(text.split()), " ".join(" ".join(PAGE_LINES).split()))


def test_doubtful_lines_are_read_again_in_place_and_the_layout_is_kept():
    """Each doubtful line is read again from its box on the prepared image (here the same page unblurred and
    2.4 times larger: the boxes are scaled to it); a better line replaces the old one where it stood."""
    require_tesseract()
    page = render_text_image(PAGE_LINES, dpi=100).convert("L")
    soft = page.filter(ImageFilter.GaussianBlur(1.1))
    first = read_page_image(soft, 100, TesseractOcr(), ReadingOptions(mode="plain"))
    sharp = page.resize((round(page.width * 2.4), round(page.height * 2.4)), Image.Resampling.LANCZOS)
    every_line_doubtful = ReadingOptions(weak_word_confidence=101, line_repair_max_share=1.0)
    repaired = reread_weak_lines(TesseractOcr(), first, sharp, 240, "sharper", every_line_doubtful)
    assert repaired is not None and repaired.reading_label == "sharper+lines" and repaired.passes == 2
    assert len(repaired.text.splitlines()) == len(first.text.splitlines())
    assert _word_errors(repaired.text) < _word_errors(first.text)
    assert "KB-15-84" in repaired.text


def test_a_line_with_its_marks_beats_the_same_line_without():
    assert better_line(measure("BỘ QUỐC PHÒNG"), measure("BỘ QUỐC PHONG"))
    assert not better_line(measure("BỘ QUỐC PHONG"), measure("BỘ QUỐC PHÒNG"))
    # A code the text score cannot judge: the clearly surer reading wins, a slightly surer one does not.
    assert better_line(measure("Số: 549/BB-CKT"), measure("Số: 549/BB-CKF .. :"), (91.0, 62.0))
    assert not better_line(measure("Số: 549/BB-CKT"), measure("Số: 549/BB-CKF"), (70.0, 65.0))
    # Debris loses to a sound line however confident Tesseract was about the debris.
    assert not better_line(measure("Tất cả văn ba nói : van bà n đến của M ¬ lan"),
                           measure("Tất cả văn bản đi, văn bản đến của cơ quan"), (96.0, 60.0))


def test_doubt_all_over_the_page_asks_for_a_whole_page_reading():
    require_tesseract()
    page = render_text_image(PAGE_LINES, dpi=150)
    first = read_page_image(page, 150, TesseractOcr(), ReadingOptions(mode="plain"))
    half_at_most = ReadingOptions(weak_word_confidence=101, line_repair_max_share=0.5)
    assert reread_weak_lines(TesseractOcr(), first, page, 150, "x", half_at_most) is None
    nothing_doubtful = ReadingOptions(weak_word_confidence=0)
    assert reread_weak_lines(TesseractOcr(), first, page, 150, "x", nothing_doubtful) is first


def test_a_reading_of_a_few_lines_from_a_page_full_of_them_says_too_little():
    """Fluent but three words: the lines of ink no word covers give it away, so the page is read again."""
    require_tesseract()
    from dataclasses import replace

    from ingest.reading import says_too_little

    page = render_text_image(PAGE_LINES, dpi=200)
    whole = read_page_image(page, 200, TesseractOcr(), ReadingOptions(read_skipped=False))
    assert not says_too_little(whole, ReadingOptions())
    first_line = whole.words[0][0]
    few = replace(whole, words=tuple((key, word) for key, word in whole.words if key == first_line))
    assert says_too_little(few, ReadingOptions())
    short_page = render_text_image(PAGE_LINES[:2], dpi=200)  # a page that holds two lines says all it has in two
    short = read_page_image(short_page, 200, TesseractOcr(), ReadingOptions(read_skipped=False))
    assert not says_too_little(short, ReadingOptions())


def test_a_reading_that_finds_the_page_beats_a_fluent_scrap_of_it():
    from ingest.reading import better

    scrap = measure("do Hạnh phúc")
    page = measure(" ".join(PAGE_LINES) + " Sự <3 0531/5422 ba II TIRE hanh")
    assert better(page, scrap) and not better(scrap, page)
    assert not better(measure("xxq zzv 1lq " * 40), scrap)  # many tokens, no words: no page was found


def _line_reading(words: list[OcrWord]) -> PageReading:
    keyed = tuple(((1, 1, 1), word) for word in words)
    result = assemble(list(keyed))
    return PageReading(result.text, result.mean_confidence, "plain", Image.new("L", (1400, 200), 255), 300.0, 1,
                       measure(result.text), keyed)


def test_a_speck_read_as_a_digit_after_a_line_is_dropped():
    line = [OcrWord("Kho", 97, (567, 841, 72, 30)), OcrWord("K3/Cục", 92, (654, 838, 138, 58)),
            OcrWord("Kỹ", 96, (807, 836, 48, 37)), OcrWord("thuật", 97, (868, 830, 101, 62))]
    speck = OcrWord("2", 8, (1126, 834, 56, 8))  # eight pixels tall, Tesseract all but refused it
    assert without_specks_read_as_glyphs(_line_reading(line + [speck])).text == "Kho K3/Cục Kỹ thuật"


def test_small_marks_read_surely_and_letter_sized_guesses_stay():
    line = [OcrWord("Cấp", 95, (60, 80, 60, 34)), OcrWord("chất", 95, (130, 80, 70, 34)),
            OcrWord("lượng", 93, (210, 78, 90, 40)), OcrWord("2", 15, (330, 82, 18, 30)),  # unsure, but a digit's size
            OcrWord(".", 90, (352, 106, 5, 5))]  # a full stop read surely
    reading = _line_reading(line)
    assert without_specks_read_as_glyphs(reading) is reading


def test_a_dash_read_unsure_between_a_serials_parts_stays():
    line = [OcrWord("DV", 93, (100, 80, 50, 32)), OcrWord("-", 12, (155, 95, 10, 3)), OcrWord("21", 94, (170, 80, 36, 32)),
            OcrWord("-", 15, (210, 95, 10, 3)), OcrWord("57", 95, (225, 80, 36, 32))]
    reading = _line_reading(line)
    assert without_specks_read_as_glyphs(reading) is reading
