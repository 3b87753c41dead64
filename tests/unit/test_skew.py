"""How far a page leans (ingest.skew), and a leaning page's weak reading read again straightened."""

from __future__ import annotations

from PIL import Image, ImageFilter

from ingest.reading import ReadingOptions, read_page_image
from ingest.skew import estimated_skew, straightened
from tests.conftest import render_text_image, require_tesseract
from tests.unit.test_reading import PAGE_LINES, CountingOcr

DESK = (110, 95, 70)


def photographed_on_a_desk(angle: float, dpi: int = 200) -> Image.Image:
    """The page turned `angle` degrees counter-clockwise on a brown desk, a little out of focus."""
    page = render_text_image(PAGE_LINES, dpi=dpi).rotate(angle, resample=Image.Resampling.BICUBIC, expand=True,
                                                         fillcolor=DESK)
    margin = round(page.width * 0.08)
    desk = Image.new("RGB", (page.width + 2 * margin, page.height + 2 * margin), DESK)
    desk.paste(page, (margin, margin))
    return desk.filter(ImageFilter.GaussianBlur(1.0))


def test_the_lean_of_a_page_is_found_to_a_quarter_degree_either_way():
    for angle in (3.5, -2.5, 5.0):
        assert abs(estimated_skew(photographed_on_a_desk(angle).convert("L")) + angle) <= 0.25


def test_a_level_page_and_a_blank_one_do_not_lean():
    assert abs(estimated_skew(render_text_image(PAGE_LINES, dpi=150).convert("L"))) <= 0.25
    assert estimated_skew(Image.new("L", (1200, 1700), 250)) == 0.0


def test_a_straightened_page_keeps_all_of_itself_and_white_corners():
    page = render_text_image(PAGE_LINES, dpi=100).convert("L")
    turned = straightened(page, 4.0)
    assert turned.width > page.width and turned.height > page.height
    assert turned.getpixel((0, 0)) == 255 and turned.getpixel((turned.width - 1, turned.height - 1)) == 255
    assert straightened(page.convert("1"), 4.0).mode == "L"


class SizeRecordingOcr(CountingOcr):
    """Real Tesseract that also notes the size of each page image it reads."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[tuple[int, int]] = []

    def read(self, image: Image.Image, dpi: float | None = None):
        self.sizes.append(image.size)
        return super().read(image, dpi)


# Every first reading counts as weak, so that the second reading is always made.
ALWAYS_WEAK = ReadingOptions(weak_below=1.01, damaged_weak_below=1.01)


def test_a_weak_reading_of_a_leaning_page_is_read_again_straightened():
    require_tesseract()
    photo = photographed_on_a_desk(4.0)
    ocr = SizeRecordingOcr()
    reading = read_page_image(photo, None, ocr, ALWAYS_WEAK)
    assert ocr.passes == 2 and ocr.sizes[0] == photo.size
    # The second reading is of the page turned straight: a larger image, holding the whole turned page.
    assert ocr.sizes[1][0] > photo.width and ocr.sizes[1][1] > photo.height
    assert "KB-15-84" in reading.text
    if "straightened" in reading.reading_label:  # the words' boxes are on the image that reading used
        assert reading.upright_image.size == ocr.sizes[1]


def test_a_page_leaning_a_degree_is_left_to_tesseract():
    """Tesseract reads a slight lean well, and a straightened page's letters are softer: no turn under 2°."""
    require_tesseract()
    photo = photographed_on_a_desk(1.0)
    ocr = SizeRecordingOcr()
    reading = read_page_image(photo, None, ocr, ALWAYS_WEAK)
    assert all(size == photo.size for size in ocr.sizes)
    assert "straightened" not in reading.reading_label
