"""Secrecy stamps in the text wherever OCR puts them, damaged forms, no stamp read from prose; stamps from images."""

import pytest

from ingest.fields import extract_fields


def _level(text: str, **kwargs) -> str | None:
    found = extract_fields([text], **kwargs).get("classification")
    return found.value if found else None


@pytest.mark.parametrize(
    ("page", "level"),
    [
        ("BỘ QUỐC PHÒNG            MẬT\nLỮ ĐOÀN 201\nBIÊN BẢN KIỂM TRA KỸ THUẬT\n", "confidential"),
        ("BỘ QUỐC PHÒNG MẬT\nLỮ ĐOÀN 201\nBIÊN BẢN KIỂM TRA KỸ THUẬT\n", "confidential"),
        ("MẬT BỘ QUỐC PHÒNG\nBIÊN BẢN KIỂM TRA KỸ THUẬT\n", "confidential"),
        ("BỘ QUỐC PHÒNG     CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM     TỐI MẬT\nBIÊN BẢN BÀN GIAO\n", "secret"),
        ("MẬT\nBỘ QUỐC PHÒNG\nBIÊN BẢN KIỂM TRA KỸ THUẬT\n", "confidential"),
        ("BỘ QUỐC PHÒNG\nLỮ ĐOÀN 201\nTỐI MẬT\nQUYẾT ĐỊNH\n", "secret"),
        ("| MẬT |\nBỘ QUỐC PHÒNG\nBIÊN BẢN KIỂM TRA KỸ THUẬT\n", "confidential"),
        ("BỘ QUỐC PHÒNG     | TUYỆT MẬT |\nBIÊN BẢN\n", "top_secret"),
        ("[TỐI MẬT]\nBỘ QUỐC PHÒNG\n", "secret"),
    ],
    ids=["header-wide-gap", "header-glued", "stamp-before-header", "right-of-national-motto", "own-line",
         "own-line-third", "box", "box-in-header", "brackets"],
)
def test_stamp_positions(page, level):
    assert _level(page) == level


@pytest.mark.parametrize(
    ("page", "level"),
    [
        ("MẶT\nBỘ QUỐC PHÒNG\nBIÊN BẢN KIỂM TRA\n", "confidential"),
        ("BỘ QUỐC PHÒNG           MÂT\nBIÊN BẢN KIỂM TRA\n", "confidential"),
        ("MAT\nBỘ QUỐC PHÒNG\nBIÊN BẢN\n", "confidential"),
        ("TÓI MẬT\nBỘ QUỐC PHÒNG\nBIÊN BẢN\n", "secret"),
        ("TUYỆT MÂT\nBỘ QUỐC PHÒNG\nBIÊN BẢN\n", "top_secret"),
        ("BỘ QUỐC PHÒNG        TOI MAT\nBIÊN BẢN\n", "secret"),
    ],
)
def test_ocr_damaged_stamps(page, level):
    assert _level(page) == level


@pytest.mark.parametrize(
    "page",
    [
        "BIÊN BẢN\nCác đồng chí phải giữ bí mật tài liệu.\nNội dung bảo mật theo quy định.\n",
        "BIÊN BẢN KIỂM TRA\nMặt đường xấu, xe chạy chậm.\nMặt trận phía Bắc.\n",
        "BIÊN BẢN\nMẶT TRẬN\n",
        "BIÊN BẢN\nMẶT BẰNG KHO\n",
        "BIÊN BẢN KIỂM TRA BỀ MẶT\nXe tăng T-55\n",
        "BIÊN BẢN\nTÀI LIỆU BÍ MẬT\n",
        "BIÊN BẢN\nMặt\n",
        "BIÊN BẢN\nBị mất 01 bộ đồ nghề.\n",
    ],
)
def test_prose_is_no_stamp_and_an_unread_stamp_stays_unknown(page):
    assert _level(page) is None  # never "unclassified": a person decides


def test_image_stamps_feed_the_classification():
    assert _level("BIÊN BẢN KIỂM TRA KỸ THUẬT\n", image_stamps=[(1, "secret", 0.8)]) == "secret"
    assert _level("BIÊN BẢN KIỂM TRA KỸ THUẬT\n", image_stamps=[(1, "TUYỆT MẬT", 0.7)]) == "top_secret"
    found = extract_fields(["BIÊN BẢN\n", "Trang 2\n"], image_stamps=[(2, "confidential", 0.9)])["classification"]
    assert (found.value, found.page) == ("confidential", 2)


def test_image_stamps_compete_with_the_text_by_confidence():
    page = "MẬT\nBỘ QUỐC PHÒNG\nBIÊN BẢN\n"
    assert _level(page, image_stamps=[(1, "top_secret", 0.5)]) == "confidential"  # the text reads surer
    assert _level("MAT k\nBIÊN BẢN\n", image_stamps=[(1, "secret", 0.9)]) == "secret"  # a speckled text read less so


def test_image_readings_that_are_no_secrecy_stamp_are_ignored():
    assert _level("BIÊN BẢN\n", image_stamps=[(1, "KHẨN", 0.99), (1, "HỎA TỐC", 0.9)]) is None
    assert _level("BIÊN BẢN\n", image_stamps=[(1, "unclassified", 0.9)]) is None


def test_a_stamp_alone_on_its_line_with_ocr_punctuation():
    assert _level("BỘ QUỐC PHÒNG\nCỤC KỸ THUẬT\nMAT:\nQUYẾT ĐỊNH\n") == "confidential"
    assert _level("BỘ QUỐC PHÒNG\n- TỐI MẬT .\nQUYẾT ĐỊNH\n") == "secret"
    assert _level("BIÊN BẢN\nMặt:\n") is None  # a word in lower case is no stamp


def test_a_stamp_whose_i_ocr_read_as_an_exclamation_mark():
    from ingest.fields import extract_fields
    page = "TO! MAT\nTONG CUC KY THUAT VIET NAM DAN CHU CONG HOA\nBIÊN BẢN KIỂM TRA\n"
    assert extract_fields([page])["classification"].value == "secret"
