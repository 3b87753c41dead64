"""A grade's or year's label whose value did not read: the ink beside it is read again alone, with real Tesseract."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from ingest.beside import read_values_beside_labels
from ingest.ocr import OcrWord, TesseractOcr, assemble
from ingest.plausibility import measure
from ingest.reading import PageReading
from tests.conftest import FONT, require_tesseract

ROW = (1, 1, 1)


def _form_row(grade: str) -> Image.Image:
    """A ruled table row, "Cấp chất lượng | <grade>", the value close to the cell's rule, specks around it."""
    image = Image.new("L", (1400, 200), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 34)
    draw.text((60, 80), "Cấp chất lượng", fill=0, font=font)
    draw.rectangle((20, 50, 1380, 140), outline=0, width=3)
    draw.line((600, 50, 600, 140), fill=0, width=3)
    draw.text((618, 80), grade, fill=0, font=font)
    for x, y in ((700, 70), (760, 120), (900, 90), (1100, 75)):
        draw.point((x, y), fill=0)
    return image


def _label_words() -> list[OcrWord]:
    """The label's words with their boxes as Tesseract gives them: where the font put their ink."""
    return _printed_words("Cấp chất lượng", ImageFont.truetype(str(FONT), 34), confidence=96)


def _reading(image: Image.Image, after_label: list[OcrWord]) -> PageReading:
    words = [(ROW, word) for word in _label_words() + after_label]
    text = assemble(words).text
    return PageReading(text, 90.0, "plain", image, 300.0, 1, measure(text), tuple(words))


def test_a_grade_lost_beside_its_label_is_read_again_and_takes_the_debris_place():
    require_tesseract()
    reading = _reading(_form_row("1"), [OcrWord("=", 37, (605, 90, 10, 11)), OcrWord("Be", 49, (622, 86, 24, 29))])
    again = read_values_beside_labels(TesseractOcr(), reading)
    assert again.text == "Cấp chất lượng 1"
    assert again.words[-1][1].box[0] > 600  # where the digit stands, right of the cell's rule


def test_what_stands_beyond_the_value_stays():
    require_tesseract()
    reading = _reading(_form_row("1"), [OcrWord("=", 37, (640, 90, 10, 11)), OcrWord("Tốt", 95, (1200, 84, 60, 30))])
    assert read_values_beside_labels(TesseractOcr(), reading).text == "Cấp chất lượng 1 Tốt"


def test_a_grade_already_read_is_not_read_again():
    require_tesseract()
    reading = _reading(_form_row("3"), [OcrWord("2", 95, (618, 84, 20, 30))])  # what was read stands, right or wrong
    assert read_values_beside_labels(TesseractOcr(), reading) is reading


def test_nothing_beside_the_label_or_no_grade_there_leaves_the_reading_as_it_was():
    require_tesseract()
    empty = _reading(_form_row(""), [OcrWord("|", 60, (598, 52, 6, 88))])
    assert read_values_beside_labels(TesseractOcr(), empty).text == empty.text
    words = _reading(_form_row("tốt"), [OcrWord("=", 37, (640, 90, 10, 11))])
    assert read_values_beside_labels(TesseractOcr(), words).text == words.text


def _label_then(value: str, gap: float) -> tuple[Image.Image, int]:
    """"Cấp chất lượng" and `value` after it, its ink `gap` text heights right of the label's last box; and where
    that box ends."""
    font = ImageFont.truetype(str(FONT), 34)
    image = Image.new("L", (1400, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.text((60, 80), "Cấp chất lượng", fill=0, font=font)
    label = _label_words()
    right, height = label[-1].box[0] + label[-1].box[2], max(w.box[1] + w.box[3] for w in label) - min(w.box[1] for w in label)
    draw.text((right + max(1, round(gap * height)) - font.getbbox(value)[0], 80), value, fill=0, font=font)
    return image, right


def test_a_grade_set_tight_after_the_label_in_a_sentence_is_read_again():
    require_tesseract()
    image, right = _label_then("1", 0.15)  # a narrow space, as scans often set it
    reading = _reading(image, [OcrWord("‘ty", 40, (right + 4, 84, 30, 30))])
    assert read_values_beside_labels(TesseractOcr(), reading).text == "Cấp chất lượng 1"


def test_a_grade_set_against_the_labels_last_letter_is_read_again():
    # "lượng 3.": the digit's ink begins where the label's last word's box ends, with no space between.
    require_tesseract()
    image, right = _label_then("3.", 0)
    reading = _reading(image, [OcrWord("‹", 30, (right + 2, 90, 12, 20)), OcrWord("Š", 28, (right + 20, 84, 14, 30))])
    assert read_values_beside_labels(TesseractOcr(), reading).text == "Cấp chất lượng 3"


def _printed_words(label: str, font: ImageFont.FreeTypeFont, confidence: float = 95) -> list[OcrWord]:
    """`label`'s words as drawn at (60, 80), with their boxes as Tesseract gives them: where the font put their ink."""
    words, x = [], 60
    for word in label.split():
        left, top, right, bottom = font.getbbox(word)
        words.append(OcrWord(word, confidence, (x + left, 80 + top, right - left, bottom - top)))
        x += round(font.getlength(word + " "))
    return words


def _dotted_row(label: str, value: str) -> tuple[Image.Image, list[OcrWord]]:
    """"<label> ...... <value>" on a form's line, and the label's words with their boxes."""
    font = ImageFont.truetype(str(FONT), 34)
    image = Image.new("L", (1400, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.text((60, 80), label, fill=0, font=font)
    x = 60 + round(font.getlength(label + " "))
    draw.text((x, 80), "......", fill=0, font=font)
    draw.text((x + round(font.getlength("...... ")), 80), value, fill=0, font=font)
    return image, _printed_words(label, font)


def _row_reading(image: Image.Image, words: list[OcrWord]) -> PageReading:
    text = assemble([(ROW, word) for word in words]).text
    return PageReading(text, 90.0, "plain", image, 300.0, 1, measure(text), tuple((ROW, word) for word in words))


def test_a_year_lost_with_its_dotted_leader_is_read_again():
    """"Năm xuất xưởng ...... 1976": Tesseract dropped the leader and the year after it."""
    require_tesseract()
    image, words = _dotted_row("Năm xuất xưởng", "1976")
    assert read_values_beside_labels(TesseractOcr(), _row_reading(image, words)).text == "Năm xuất xưởng 1976"


def test_a_year_misread_out_of_its_century_is_read_again_and_one_read_well_is_not():
    require_tesseract()
    image, words = _dotted_row("Năm sản xuất", "1976")
    misread = words + [OcrWord("1873", 60, (words[-1].box[0] + 200, 84, 80, 30))]
    assert read_values_beside_labels(TesseractOcr(), _row_reading(image, misread)).text == "Năm sản xuất 1976"
    read_well = _row_reading(image, words + [OcrWord("1976", 95, (words[-1].box[0] + 200, 84, 80, 30))])
    assert read_values_beside_labels(TesseractOcr(), read_well) is read_well


_COLUMNS = ((30, "TT", "1"), (110, "Tên trang bị", "Xe tăng"), (420, "Ký hiệu", "T-55"), (620, "Số hiệu", "KB-15-84"),
            (900, "Cấp", None), (1030, "Số lượng", "01"))
HEAD, FIRST_ROW = (1, 1, 1), (1, 1, 2)


def _item_table(grade: str) -> tuple[Image.Image, list[tuple[tuple[int, int, int], OcrWord]]]:
    """An inventory's item table, ruled, its grade a thin digit left in its cell; and the words Tesseract reads of
    it, where the font put their ink, without the grade."""
    font = ImageFont.truetype(str(FONT), 30)
    image = Image.new("L", (1400, 260), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 40, 1380, 200), outline=0, width=3)
    draw.line((20, 110, 1380, 110), fill=0, width=3)
    words = []
    for left, head, value in _COLUMNS:
        if left > 30:
            draw.line((left - 10, 40, left - 10, 200), fill=0, width=3)
        for key, y, text in ((HEAD, 60, head), (FIRST_ROW, 140, value if value is not None else grade)):
            draw.text((left + 4, y), text, fill=0, font=font)
            if value is None and key == FIRST_ROW:
                continue
            x = left + 4
            for word in text.split():
                x0, y0, x1, y1 = font.getbbox(word)
                words.append((key, OcrWord(word, 95, (x + x0, y + y0, x1 - x0, y1 - y0))))
                x += round(font.getlength(word + " "))
    for x, y in ((960, 150), (980, 185), (1000, 130)):
        draw.point((x, y), fill=0)
    return image, sorted(words, key=lambda item: item[0])


def _table_reading(image: Image.Image, words: list[tuple[tuple[int, int, int], OcrWord]]) -> PageReading:
    text = assemble(words).text
    return PageReading(text, 90.0, "plain", image, 300.0, 1, measure(text), tuple(words))


def test_a_grade_lost_in_an_item_tables_cell_is_read_again_under_its_columns_head():
    require_tesseract()
    image, words = _item_table("2")
    debris = (FIRST_ROW, OcrWord("re", 31, (905, 150, 30, 20)))
    at = next(i for i, (_key, word) in enumerate(words) if word.text == "01")
    reading = _table_reading(image, words[:at] + [debris] + words[at:])
    again = read_values_beside_labels(TesseractOcr(), reading)
    assert again.text.splitlines()[-1] == "1 Xe tăng T-55 KB-15-84 2 01"


def test_an_item_tables_grade_already_read_or_an_empty_cell_leaves_the_reading_as_it_was():
    require_tesseract()
    image, words = _item_table("3")
    at = next(i for i, (_key, word) in enumerate(words) if word.text == "01")
    read = _table_reading(image, words[:at] + [(FIRST_ROW, OcrWord("3", 90, (905, 145, 16, 24)))] + words[at:])
    assert read_values_beside_labels(TesseractOcr(), read) is read
    image, words = _item_table("")
    empty = _table_reading(image, words)
    assert read_values_beside_labels(TesseractOcr(), empty).text == empty.text


def _mended(words: list[tuple[tuple[int, int, int], OcrWord]], key: tuple[int, int, int]) -> list:
    """The line `key` as the line repair leaves it: one word holding the whole line, its box the line's."""
    line = [word for k, word in words if k == key]
    left, top = min(w.box[0] for w in line), min(w.box[1] for w in line)
    right, bottom = max(w.box[0] + w.box[2] for w in line), max(w.box[1] + w.box[3] for w in line)
    whole = OcrWord(" ".join(w.text for w in line), 80, (left - 8, top - 3, right - left + 16, bottom - top + 6))
    at = next(i for i, (k, _word) in enumerate(words) if k == key)
    return [item for item in words if item[0] != key][:at] + [(key, whole)] + [item for item in words if item[0] != key][at:]


def test_a_head_line_the_line_repair_mended_is_read_again_word_by_word_to_find_the_grade_column():
    require_tesseract()
    image, words = _item_table("2")
    at = next(i for i, (_key, word) in enumerate(words) if word.text == "01")
    words = _mended(words[:at] + [(FIRST_ROW, OcrWord("re", 31, (905, 150, 30, 20)))] + words[at:], HEAD)
    again = read_values_beside_labels(TesseractOcr(), _table_reading(image, words))
    assert again.text.splitlines()[-1] == "1 Xe tăng T-55 KB-15-84 2 01"


def test_a_mended_row_that_holds_its_grade_keeps_its_reading():
    require_tesseract()
    image, words = _item_table("2")
    at = next(i for i, (_key, word) in enumerate(words) if word.text == "01")
    words = _mended(words[:at] + [(FIRST_ROW, OcrWord("2", 90, (905, 145, 16, 24)))] + words[at:], FIRST_ROW)
    reading = _table_reading(image, words)
    assert read_values_beside_labels(TesseractOcr(), reading).text == reading.text


def _table_row(label: str, value: str) -> tuple[Image.Image, list[OcrWord]]:
    """A ruled item table's row, "<label> | <value>", the value's cell a label column's width away."""
    font = ImageFont.truetype(str(FONT), 34)
    image = Image.new("L", (1600, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 50, 1580, 140), outline=0, width=3)
    draw.line((780, 50, 780, 140), fill=0, width=3)
    draw.text((60, 80), label, fill=0, font=font)
    draw.text((820, 80), value, fill=0, font=font)
    return image, _printed_words(label, font)


def test_a_serial_lost_in_its_table_cell_is_read_again():
    require_tesseract()
    image, words = _table_row("Số xuất xưởng", "T62-6601")
    assert read_values_beside_labels(TesseractOcr(), _row_reading(image, words)).text == "Số xuất xưởng T62-6601"


def test_a_serial_label_the_line_repair_read_as_one_word_is_looked_beside_too():
    require_tesseract()
    image, words = _table_row("Số đăng ký", "MAZ537-9041")
    mended = [OcrWord("Số đăng ký", 88, (words[0].box[0], words[0].box[1], words[-1].box[0] + words[-1].box[2] - words[0].box[0],
                                         max(w.box[3] for w in words)))]
    assert read_values_beside_labels(TesseractOcr(), _row_reading(image, mended)).text == "Số đăng ký MAZ537-9041"


def test_a_serial_cell_holding_words_or_a_serial_already_read_is_left_alone():
    require_tesseract()
    image, words = _table_row("Số xuất xưởng", "không rõ")
    unread = _row_reading(image, words)
    assert read_values_beside_labels(TesseractOcr(), unread).text == unread.text
    image, words = _table_row("Số xuất xưởng", "T62-6601")
    read = _row_reading(image, words + [OcrWord("T62-6601", 93, (820, 84, 160, 30))])
    assert read_values_beside_labels(TesseractOcr(), read) is read


def test_a_serial_label_read_without_its_spaces_is_looked_beside_too():
    require_tesseract()
    image, words = _table_row("Số xuất xưởng", "132793")
    glued = [OcrWord("Sốxuấtxưởng", 70, (words[0].box[0], words[0].box[1], words[-1].box[0] + words[-1].box[2] - words[0].box[0],
                                          max(w.box[3] for w in words))), OcrWord('"8', 30, (830, 84, 20, 30))]
    assert read_values_beside_labels(TesseractOcr(), _row_reading(image, glued)).text == "Sốxuấtxưởng 132793"


def test_a_serials_dashes_read_beside_its_label_are_kept():
    require_tesseract()
    image, words = _table_row("Số xuất xưởng", "DV-21-57")
    assert read_values_beside_labels(TesseractOcr(), _row_reading(image, words)).text == "Số xuất xưởng DV-21-57"
    # What was read there holds the serial's digits, however damaged: it is not read again.
    read = _row_reading(image, words + [OcrWord("DV-21-57ˆ", 85, (820, 84, 170, 30))])
    assert read_values_beside_labels(TesseractOcr(), read) is read
