"""Where a field was read on its page: a real Tesseract reading, the box of the value's line on the page as stored,
turned back when the page was read turned upright."""

from __future__ import annotations

from ingest.ocr import LineKey, OcrWord
from ingest.pipeline import extract
from ingest.regions import line_regions, locate_fields
from ingest.types import FieldValue, LineRegion, PageText
from tests.conftest import SAMPLE_LINES, image_bytes, render_text_image

# render_text_image draws line k at y = 200 + 70 k (42 px type) from x = 180, on a 2480 × 3508 page.
_SERIAL_TOP, _DATE_TOP = ((200 + 70 * SAMPLE_LINES.index(line)) / 3508
                          for line in ("Số hiệu: KB-15-84", "Hà Nội, ngày 05 tháng 01 năm 2020"))
_LEFT = 180 / 2480


def _near(found: float, expected: float, tolerance: float = 0.015) -> bool:
    return abs(found - expected) <= tolerance


def test_a_scanned_pages_fields_carry_the_box_they_were_read_in():
    extraction = extract(image_bytes(render_text_image(SAMPLE_LINES), "PNG"))
    serial = extraction.fields["serial_number"]
    assert serial.value == "KB-15-84"
    left, top, width, height = serial.region
    assert _near(left, _LEFT) and _near(top, _SERIAL_TOP) and 0.005 < height < 0.03 and 0.1 < width < 0.4
    date_box = extraction.fields["document_date"].region
    assert _near(date_box[1], _DATE_TOP) and date_box[2] > width  # the whole dated line, longer than the serial's
    # A code chosen from a list is not printed as such: no box is guessed for it.
    assert extraction.fields["doc_type"].region is None
    assert extraction.pages[0].aspect == round(3508 / 2480, 4)


def test_a_page_scanned_sideways_has_its_boxes_on_the_page_as_scanned():
    sideways = render_text_image(SAMPLE_LINES).rotate(90, expand=True)  # the top of the text faces left
    extraction = extract(image_bytes(sideways, "PNG"))
    assert extraction.fields["serial_number"].value == "KB-15-84"
    left, top, width, height = extraction.fields["serial_number"].region
    # Upright (x, y) is at (y, 1 - x) on the page as scanned: the line runs up the page from near its bottom.
    assert _near(left, _SERIAL_TOP) and _near(top + height, 1 - _LEFT) and width < 0.03 and height > 0.1
    assert extraction.pages[0].aspect == round(2480 / 3508, 4)


def test_a_text_layer_says_what_not_where():
    page = PageText(number=1, text="Số hiệu: KB-15-84", source="text")
    located = locate_fields({"serial_number": FieldValue("KB-15-84", 0.9, 1)}, (page,))
    assert located["serial_number"].region is None


def test_the_line_most_like_the_value_wins_and_turned_readings_are_turned_back():
    words: tuple[tuple[LineKey, OcrWord], ...] = (
        ((1, 1, 1), OcrWord("Số", 90, (100, 100, 50, 20))), ((1, 1, 1), OcrWord("hiệu:", 90, (160, 100, 80, 20))),
        ((1, 1, 1), OcrWord("KB-15-84", 80, (250, 100, 150, 20))),
        ((1, 1, 2), OcrWord("KB-15-04", 60, (100, 300, 150, 20))),
    )
    lines = line_regions(words, (1000, 500), "plain")
    assert [line.text for line in lines] == ["Số hiệu: KB-15-84", "KB-15-04"]
    assert lines[0].region == (0.1, 0.2, 0.3, 0.04)
    page = PageText(number=1, text="", source="ocr", lines=lines)
    assert locate_fields({"serial_number": FieldValue("KB-15-84", 0.9, 1)}, (page,))["serial_number"].region == lines[0].region
    assert locate_fields({"serial_number": FieldValue("ZZ-99-99", 0.9, 1)}, (page,))["serial_number"].region is None
    # Read in an image turned 180° to be upright: the box is at the opposite corner of the page as stored.
    assert line_regions(words, (1000, 500), "rotate180+faded")[0].region == (0.6, 0.76, 0.3, 0.04)


def test_a_value_printed_after_its_label_is_placed_there_not_in_the_letterhead():
    header = LineRegion("LỮ ĐOÀN 201 Độc lập - Tự do - Hạnh phúc", (0.07, 0.09, 0.48, 0.014))
    labelled = LineRegion("Đơn vị quản lý: Lữ đoàn 201", (0.07, 0.24, 0.24, 0.012))
    grade = LineRegion("Kết luận: trang bị đạt cấp chất lượng 3, đề nghị sửa chữa lớn", (0.07, 0.26, 0.5, 0.012))
    page = PageText(number=1, text="", source="ocr", lines=(header, labelled, grade))
    located = locate_fields({"unit": FieldValue("Lữ đoàn 201", 0.5, 1), "quality_grade": FieldValue(3, 0.5, 1),
                             "year_of_manufacture": FieldValue(201, 0.5, 2)}, (page,))
    assert located["unit"].region == labelled.region and located["quality_grade"].region == grade.region
    assert located["year_of_manufacture"].region is None  # read on another page, whose lines are not these
