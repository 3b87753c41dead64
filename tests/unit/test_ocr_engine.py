"""Tesseract read inside the process: the same words as the `tesseract` program, a clear error when it
cannot read, and orientation detection that says how far to turn the page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from ingest.errors import OcrFailed
from ingest.ocr import TesseractOcr, tessdata_path
from tests.conftest import SAMPLE_LINES, render_text_image, require_tesseract

PAGE_LINES = SAMPLE_LINES + [
    "Nhà máy sản xuất: Nhà máy Z153",
    "Hôm nay, ngày 05 tháng 01 năm 2020, tại kho K60,",
    "chúng tôi gồm các thành phần sau đây tiến hành kiểm tra",
    "tình trạng kỹ thuật của trang bị nói trên.",
]


def program_words(path: Path, *extra: str) -> list[str]:
    """What plain `tesseract page stdout -l vie+eng` reads."""
    completed = subprocess.run(["tesseract", str(path), "stdout", "-l", "vie+eng", "--psm", "3", *extra],
                               capture_output=True, text=True, check=True, env={"OMP_THREAD_LIMIT": "1"})
    return completed.stdout.split()


def test_reads_the_same_words_as_the_tesseract_program(tmp_path: Path) -> None:
    require_tesseract()
    page = render_text_image(PAGE_LINES, dpi=200)
    path = tmp_path / "page.png"
    page.save(path)
    ours = TesseractOcr().read(page, 200)
    assert ours.text.split() == program_words(path, "--dpi", "200")
    assert "Z153" in ours.text and ours.mean_confidence and ours.mean_confidence > 80


def test_a_photo_without_resolution_reads_as_the_program_reads_it(tmp_path: Path) -> None:
    """No dpi in the file: Tesseract estimates it from the text, in the program and here alike."""
    require_tesseract()
    page = render_text_image(PAGE_LINES, dpi=170).filter(ImageFilter.GaussianBlur(0.8))
    path = tmp_path / "photo.png"
    page.save(path)  # PNG without a pHYs chunk: no resolution
    assert TesseractOcr().read(page).text.split() == program_words(path)


def test_binary_and_palette_images_are_read() -> None:
    require_tesseract()
    page = render_text_image(PAGE_LINES, dpi=200)
    for mode in ("1", "P", "RGBA"):
        text = TesseractOcr().read(page.convert(mode), 200).text
        assert "Z153" in text, mode


def test_an_unknown_language_fails_with_the_install_hint() -> None:
    require_tesseract()
    with pytest.raises(OcrFailed, match="apt-get install"):
        TesseractOcr("xxx").read(render_text_image(["Số hiệu: 1234"], dpi=100))


def test_a_page_that_takes_too_long_fails_as_timed_out() -> None:
    require_tesseract()
    page = render_text_image(PAGE_LINES * 6, dpi=300)
    with pytest.raises(OcrFailed, match="timed out"):
        TesseractOcr(timeout_s=0.001).read(page, 300)
    assert "Z153" in TesseractOcr().read(render_text_image(PAGE_LINES, dpi=200), 200).text  # the engine still reads


@pytest.mark.parametrize("turned_left", [90, 180, 270])
def test_orientation_says_how_far_to_turn_the_page_clockwise(turned_left: int) -> None:
    require_tesseract()
    page = render_text_image(PAGE_LINES * 2, dpi=150).convert("L")
    found = TesseractOcr().orientation(page.rotate(turned_left, expand=True))
    assert found is not None and found.rotate == turned_left
    assert TesseractOcr().orientation(page).rotate == 0


def test_a_blank_page_has_no_orientation() -> None:
    require_tesseract()
    assert TesseractOcr().orientation(Image.new("L", (1000, 1400), 255)) is None


def test_language_data_is_found_where_the_system_installed_it() -> None:
    require_tesseract()
    folder = tessdata_path()
    assert folder is not None and (Path(folder) / "vie.traineddata").is_file()
