"""A form read as a column of labels and a column of values is read across its rows again, with real Tesseract."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from ingest.fields import extract_fields
from ingest.ocr import OcrWord, TesseractOcr, assemble
from ingest.plausibility import measure
from ingest.reading import PageReading
from ingest.rows import read_label_rows
from tests.conftest import FONT, require_tesseract

ROWS = (
    ("Tên trang bị", "Xe tăng T-54B"),
    ("Kiểu loại", "T-54B"),
    ("Số đăng ký", "PA-23-01"),
    ("Nhà sản xuất", "Nhà máy số 174 Omsk"),
    ("Nước sản xuất", "Liên Xô"),
    ("Đơn vị sử dụng", "Trung đoàn 738, Quân khu 3"),
)
_SIZE = 30
_LEFT, _VALUES_LEFT, _TOP, _PITCH = 80, 520, 120, 60
_HEADER = "LÝ LỊCH TRANG BỊ KỸ THUẬT - PHẦN I. THÔNG TIN CHUNG VỀ TRANG BỊ"


def _form() -> tuple[Image.Image, list[list[OcrWord]], list[list[OcrWord]]]:
    """A grey form "Label ...... value", row by row, and each label's and value's words with their boxes."""
    image = Image.new("L", (1400, 580), 200)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), _SIZE)
    labels, values = [], []
    draw.text((_LEFT, 40), _HEADER, fill=70, font=font)  # the page's text spans its width
    for row, (label, value) in enumerate(ROWS):
        y = _TOP + row * _PITCH
        draw.text((_LEFT, y), label, fill=70, font=font)
        leader_from = _LEFT + round(font.getlength(label + " "))
        draw.text((leader_from, y), "." * round((_VALUES_LEFT - 20 - leader_from) / font.getlength(".")), fill=70, font=font)
        draw.text((_VALUES_LEFT, y), value, fill=70, font=font)
        labels.append(_words(font, label, _LEFT, y))
        values.append(_words(font, value, _VALUES_LEFT, y))
    return image, labels, values


def _words(font: ImageFont.FreeTypeFont, text: str, x: int, y: int) -> list[OcrWord]:
    words = []
    for word in text.split():
        left, top, right, bottom = font.getbbox(word)
        words.append(OcrWord(word, 91, (x + left, y + top, right - left, bottom - top)))
        x += round(font.getlength(word + " "))
    return words


def _reading(image: Image.Image, lines: list[tuple[tuple[int, int, int], list[OcrWord]]]) -> PageReading:
    font = ImageFont.truetype(str(FONT), _SIZE)
    lines = [((0, 1, 0), _words(font, _HEADER, _LEFT, 40))] + lines
    words = tuple((key, word) for key, line in lines for word in line)
    text = assemble(list(words)).text
    return PageReading(text, 90.0, "faded", image, 150.0, 1, measure(text), words)


def _fields(reading: PageReading) -> dict:
    return {name: found.value for name, found in extract_fields([reading.text]).items()}


def test_labels_read_apart_from_their_values_are_read_across_the_rows_again():
    require_tesseract()
    image, labels, values = _form()
    # As Tesseract's layout analysis read it: the labels' block, then the values' block.
    split = [((1, 1, row), words) for row, words in enumerate(labels)] + \
            [((2, 1, row), words) for row, words in enumerate(values)]
    reading = _reading(image, split)
    # No label stands beside its value in such a reading.
    assert not any(line.startswith("Số đăng k") and line.endswith("PA-23-01") for line in reading.text.splitlines())

    again = read_label_rows(TesseractOcr(), reading, 150.0)

    found = _fields(again)
    assert found["name"] == "Xe tăng T-54B" and found["designation"] == "T-54B"
    assert found["serial_number"] == "PA-23-01"
    assert found["manufacturer"] == "Nhà máy số 174 Omsk"
    assert found["country_of_origin"] == "Liên Xô"
    assert found["unit"] == "Trung đoàn 738, Quân khu 3"
    assert again.reading_label == "faded+rows"
    assert any(line.startswith("Số đăng k") and line.endswith("PA-23-01") for line in again.text.splitlines())
    assert "PA-23-01" not in again.text.replace(found["serial_number"], "", 1)  # the value column is not kept twice


def test_a_row_whose_label_was_not_read_at_all_is_read_from_the_labels_column():
    require_tesseract()
    image, labels, values = _form()
    # The last label was lost altogether; its value stands alone among the values.
    split = [((1, 1, row), words) for row, words in enumerate(labels[:-1])] + \
            [((2, 1, row), words) for row, words in enumerate(values)]
    again = read_label_rows(TesseractOcr(), _reading(image, split), 150.0)
    assert _fields(again)["unit"] == "Trung đoàn 738, Quân khu 3"


def test_a_label_whose_value_was_not_read_at_all_has_its_row_read_again():
    require_tesseract()
    image, labels, values = _form()
    split = [((1, 1, row), words) for row, words in enumerate(labels)] + \
            [((2, 1, row), words) for row, words in enumerate(values[:-1])]
    again = read_label_rows(TesseractOcr(), _reading(image, split), 150.0)
    assert _fields(again)["unit"] == "Trung đoàn 738, Quân khu 3"


def test_a_label_whose_value_was_read_level_with_it_but_far_away_gets_it_back_without_reading_again():
    image, labels, values = _form()
    # "Nhà sản xuất:" read first on the page, its value much later, where it stands among the other rows.
    rows = [((1, 1, 0), labels[3])] + [((2, 1, row), label + value) for row, (label, value) in
                                       enumerate(zip(labels, values)) if row != 3] + [((3, 1, 0), values[3])]
    again = read_label_rows(None, _reading(image, rows), 150.0)  # type: ignore[arg-type]  # no OCR needed
    assert again.text.splitlines()[2] == "Nhà sản xuất Nhà máy số 174 Omsk"  # after the heading
    assert again.text.count("Nhà máy số 174 Omsk") == 1


def test_a_form_read_row_by_row_is_left_alone():
    image, labels, values = _form()
    rows = [((1, 1, row), label + value) for row, (label, value) in enumerate(zip(labels, values))]
    reading = _reading(image, rows)
    # No OCR engine is needed: nothing is read again.
    assert read_label_rows(None, reading, 150.0) is reading  # type: ignore[arg-type]


def test_one_label_alone_is_a_value_on_the_next_line_not_a_form_read_as_columns():
    image, labels, values = _form()
    lines = [((1, 1, 0), labels[0]), ((1, 1, 1), values[0])] + \
            [((1, 1, row + 2), label + value) for row, (label, value) in enumerate(zip(labels[1:], values[1:]))]
    reading = _reading(image, lines)
    assert read_label_rows(None, reading, 150.0) is reading  # type: ignore[arg-type]
