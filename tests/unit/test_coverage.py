"""Lines Tesseract's layout analysis skipped are found by the ink no word covers, read on their own with real
Tesseract, and put back where they stand on the page."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ingest.coverage import insert_lines, skipped_lines
from ingest.ocr import OcrWord, TesseractOcr, assemble
from ingest.reading import ReadingOptions, read_page_image, read_skipped_lines
from tests.conftest import SAMPLE_LINES, render_text_image, require_tesseract


def _word(text: str, box: tuple[int, int, int, int]) -> OcrWord:
    return OcrWord(text, 95.0, box)


def _print(ink: np.ndarray, top: int, left: int, right: int, height: int) -> None:
    """Letter-like ink: blocks a little narrower than the line is tall, with gaps between them."""
    width = max(2, height * 2 // 3)
    for x in range(left, right - width + 1, width + max(1, height // 5)):
        ink[top : top + height, x : x + width] = 1


def test_ink_that_no_word_covers_is_found_as_a_line_and_covered_ink_is_not():
    ink = np.zeros((400, 1000), np.uint8)
    _print(ink, 100, 100, 600, 30)  # a line the reading read
    _print(ink, 200, 100, 500, 30)  # a line it skipped
    ink[300:303, 100:103] = 1  # a speck
    ink[350:354, 100:700] = 1  # a rule's remains: one piece as wide as a line of letters
    words = (((1, 1, 1), _word("đọc", (100, 100, 500, 30))),)
    found = skipped_lines(ink, words)
    assert len(found) == 1
    left, top, width, height = found[0].box
    assert left <= 100 and top <= 200 and left + width >= 480 and top + height >= 230
    assert top + height < 300  # the room around it stops short of other ink
    assert skipped_lines(ink, words + (((1, 1, 2), _word("cũng đọc", (100, 200, 400, 30))),)) == []


def _leaning_print(ink: np.ndarray, top: int, left: int, right: int, height: int, rise: float) -> None:
    """Letter-like ink along a line that climbs `rise` pixels a pixel to the right: a page photographed askew."""
    width = max(2, height * 2 // 3)
    for x in range(left, right - width + 1, width + max(1, height // 5)):
        y = round(top - (x - left) * rise)
        ink[y : y + height, x : x + width] = 1


def test_a_skipped_paragraph_on_a_page_photographed_askew_is_found_line_by_line_in_its_place():
    """No row runs clear between the lines of a leaning paragraph, but over a few words' width the gaps show:
    its three lines are found, each placed by the middle of its ink, not by its tall box."""
    ink = np.zeros((500, 1600), np.uint8)
    rise = np.tan(np.radians(2.0))
    for number in range(3):
        _leaning_print(ink, 200 + number * 45, 100, 1500, 30, rise)
    words = (((1, 1, 1), _word("QUYẾT ĐỊNH:", (600, 60, 300, 30))),)
    found = skipped_lines(ink, words)
    assert len(found) == 3
    middles = [sum(line.row) / 2 for line in found]
    assert all(abs(a + 45 - b) < 12 for a, b in zip(middles, middles[1:]))  # one line each, a line apart
    out = assemble(insert_lines(words, [((line.box[0], line.row[0], line.box[2], line.row[1] - line.row[0]),
                                         _word(f"dòng {n}", line.box)) for n, line in enumerate(found)])).text
    assert [line for line in out.splitlines() if line] == ["QUYẾT ĐỊNH:", "dòng 0", "dòng 1", "dòng 2"]


def test_boxes_found_on_a_reduced_mask_come_back_at_full_scale():
    ink = np.zeros((200, 500), np.uint8)
    _print(ink, 100, 50, 300, 15)
    words = (((1, 1, 1), _word("đã đọc", (100, 20, 500, 30))),)  # full-scale boxes: text 30 px tall
    found = skipped_lines(ink, words, reduce=2)
    left, top, width, height = found[0].box
    assert left <= 100 and top <= 200 and left + width >= 580 and top + height >= 230


def test_a_value_skipped_beside_its_label_joins_the_labels_line_in_reading_order():
    words = (
        ((1, 1, 1), _word("Cấp", (100, 100, 60, 30))), ((1, 1, 1), _word("chất", (170, 100, 60, 30))),
        ((1, 1, 1), _word("lượng", (240, 100, 80, 30))),
        ((1, 1, 2), _word("Ngày", (100, 150, 80, 30))),
    )
    out = assemble(insert_lines(words, [((400, 98, 90, 34), _word("Cấp 1", (400, 98, 90, 34)))])).text
    assert out.splitlines() == ["Cấp chất lượng Cấp 1", "Ngày"]


def test_a_skipped_line_goes_after_the_line_above_it_and_pieces_of_one_row_make_one_line():
    words = (((1, 1, 1), _word("Kết", (100, 100, 60, 30))), ((1, 1, 2), _word("Cuối", (100, 400, 80, 30))))
    found = [((900, 252, 300, 30), _word("NGƯỜI KIỂM TRA", (900, 252, 300, 30))),
             ((100, 248, 300, 30), _word("NGƯỜI THỰC HIỆN", (100, 248, 300, 30)))]
    out = assemble(insert_lines(words, found)).text
    assert out.splitlines() == ["Kết", "NGƯỜI THỰC HIỆN NGƯỜI KIỂM TRA", "Cuối"]


def test_a_line_left_out_of_a_reading_is_read_back_into_its_place():
    require_tesseract()
    page = render_text_image(SAMPLE_LINES)
    ocr = TesseractOcr("vie+eng")
    reading = read_page_image(page, 300, ocr)
    assert "cấp chất lượng 2" in reading.text
    # The reading as Tesseract's layout analysis gives it on a bad day: the line about the grade left out.
    kept = tuple((key, word) for key, word in reading.words if word.text not in ("Kết", "luận:", "đạt", "cấp", "chất", "lượng", "2"))
    skipped = assemble(list(kept))
    assert "lượng" not in skipped.text
    recovered = read_skipped_lines(ocr, replace(reading, text=skipped.text, words=kept), ReadingOptions())
    assert recovered.text.splitlines()[-1] == "Kết luận: đạt cấp chất lượng 2"
    assert recovered.reading_label.endswith("+skipped")


def test_a_signature_no_word_covers_is_not_read_into_the_text():
    require_tesseract()
    page = render_text_image(SAMPLE_LINES)
    draw = ImageDraw.Draw(page)
    xs = np.linspace(400, 1100, 60)
    draw.line([(float(x), 1200 + 25 * np.sin(x / 9) + 15 * np.cos(x / 4)) for x in xs], fill="black", width=5)
    ocr = TesseractOcr("vie+eng")
    reading = read_page_image(page, 300, ocr)
    plain = ocr.read(page, 300)
    assert not reading.reading_label.endswith("+skipped")
    assert reading.text == plain.text


def test_a_clean_page_read_whole_gains_nothing_and_loses_nothing():
    require_tesseract()
    page = render_text_image(SAMPLE_LINES)
    ocr = TesseractOcr("vie+eng")
    assert read_page_image(page, 300, ocr).text == read_page_image(page, 300, ocr, ReadingOptions(read_skipped=False)).text


def test_the_red_of_a_seal_is_not_taken_for_a_skipped_line():
    page = Image.new("RGB", (1200, 600), "white")
    ImageDraw.Draw(page).ellipse((400, 100, 800, 500), outline=(220, 30, 30), width=12)
    gray = np.asarray(page.getchannel("R"))
    assert skipped_lines((gray < 128).view(np.uint8), (((1, 1, 1), _word("x", (0, 0, 10, 30))),)) == []


def test_a_skipped_line_of_a_shaded_photo_taken_askew_is_read_level_and_whole():
    """A phone photo in the shade leaning 2.8°: the paper is grey, and a skipped line's strip leans across several
    letter heights. Read as cut out (a grey band on white, leaning), Tesseract returned debris; brought up to white
    and turned level, the line reads as printed."""
    require_tesseract()
    sentence = "Điều 1. Điều động 01 xe tăng T-54B, số hiệu KB-15-84, năm sản xuất 1979, về Lữ đoàn 201"
    page = render_text_image(SAMPLE_LINES[:5] + [sentence] + SAMPLE_LINES[5:], size=(2480, 1400))
    # Grey ink on grey paper, softened by the lens, leaning 2.8°.
    shaded = page.convert("L").point(lambda value: round(80 + 105 * value / 255)).rotate(
        -2.8, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=185).filter(ImageFilter.GaussianBlur(1.5))
    ocr = TesseractOcr("vie+eng")
    reading = read_page_image(shaded, 300, ocr, ReadingOptions(read_skipped=False))
    lines = {}
    for key, word in reading.words:
        lines.setdefault(key, []).append(word.text)
    sentence_key = next(key for key, words in lines.items() if "động" in " ".join(words))
    # The reading as Tesseract's layout analysis gives it on a bad day: the sentence left out.
    kept = tuple((key, word) for key, word in reading.words if key != sentence_key)
    skipped = assemble(list(kept))
    recovered = read_skipped_lines(ocr, replace(reading, text=skipped.text, words=kept), ReadingOptions())
    assert sentence in recovered.text.splitlines()
    assert recovered.text.index("KIỂM TRA KỸ THUẬT") < recovered.text.index(sentence) < recovered.text.index("Tên trang bị")


def test_pieces_of_a_skipped_row_on_a_leaning_page_join_each_other_not_the_line_rising_into_their_row():
    """On a photo leaning 2°, "Đơn vị sử dụng Trung đoàn 24, Sư đoàn 304" climbs from y 916 at its left end to
    877 at its right; its whole span reaches into the row above, where the label and the value of the serial
    were skipped and found apart. They belong together, above the unit's line."""
    words = (
        ((1, 1, 1), _word("Xe", (330, 780, 40, 30))),
        ((1, 2, 1), _word("Đơn", (337, 916, 66, 26))), ((1, 2, 1), _word("vị", (417, 911, 26, 32))),
        ((1, 2, 1), _word("sử", (458, 907, 39, 30))), ((1, 2, 1), _word("dụng", (508, 907, 83, 32))),
        ((1, 2, 1), _word("Trung", (683, 900, 108, 30))), ((1, 2, 1), _word("đoàn", (806, 891, 93, 30))),
        ((1, 2, 1), _word("24,", (914, 889, 56, 31))), ((1, 2, 1), _word("Sư", (987, 887, 48, 27))),
        ((1, 2, 1), _word("đoàn", (1047, 881, 93, 30))), ((1, 2, 1), _word("304", (1156, 877, 69, 29))),
    )
    found = [((316, 864, 164, 31), _word("Biển số .", (316, 845, 164, 65))),
             ((529, 853, 217, 31), _word("KB-62-39", (529, 839, 217, 62)))]
    out = assemble(insert_lines(words, found)).text
    assert [line for line in out.splitlines() if line] == ["Xe", "Biển số . KB-62-39", "Đơn vị sử dụng Trung đoàn 24, Sư đoàn 304"]

