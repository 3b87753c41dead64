from datetime import date

import pytest

from ingest.dates import find_document_date, iter_dates, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ngày 05 tháng 01 năm 2020", date(2020, 1, 5)),
        ("ngày 5 tháng 3 năm 2021", date(2021, 3, 5)),
        ("ngay 5 thang 3 nam 2021", date(2021, 3, 5)),
        ("NGÀY 12 THÁNG 10 NĂM 1999", date(1999, 10, 12)),
        ("ngàv 05 tháng 0l năm 2O20", date(2020, 1, 5)),
        ("ngày05 tháng 01năm 2020", date(2020, 1, 5)),
        ("Hà Nội, ngày 21 tháng 9 năm 2019", date(2019, 9, 21)),
        ("05/03/2021", date(2021, 3, 5)),
        ("05-03-2021", date(2021, 3, 5)),
        ("05.03.2021", date(2021, 3, 5)),
        ("5 / 3 / 2021", date(2021, 3, 5)),
        ("O5/03/2021", date(2021, 3, 5)),
        ("2021-03-05", date(2021, 3, 5)),
        ("12/01/2020", date(2020, 1, 12)),  # day first, always
        ("Hà Nội, ngày 15 tháng 10 mdm 1967", date(1967, 10, 15)),  # "năm" misread whole
        ("Hà Nội, ngày 14-tháng 8 năm 2001", date(2001, 8, 14)),  # a dash for a space
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2021",
        "ngày 30 tháng 02 năm 2020",
        "ngày … tháng … năm …",
        "ngày ..... tháng ..... năm 20.....",
        "ngày lO tháng lO năm 2020",  # no real digit in the group: not a date
        "Số: 125/QĐ-TCKT",
        "KB-15-84",
        "",
    ],
)
def test_parse_date_refuses(text):
    assert parse_date(text) is None


def test_iter_dates_offsets_are_in_the_original_text():
    text = "Đơn vị ký ngày 05 tháng 01 năm 2020 và 07/02/2021"
    found = list(iter_dates(text))
    assert [m.value for m in found] == [date(2020, 1, 5), date(2021, 2, 7)]
    assert text[found[0].start : found[0].end] == "ngày 05 tháng 01 năm 2020"
    assert text[found[1].start : found[1].end] == "07/02/2021"


HEADER = """BỘ QUỐC PHÒNG                              CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
LỮ ĐOÀN 201                                    Độc lập - Tự do - Hạnh phúc
Số: 47/BB-KT                               Hà Nội, ngày 05 tháng 01 năm 2020

                     BIÊN BẢN KIỂM TRA KỸ THUẬT
Căn cứ Kế hoạch số 12/KH-KT ngày 02/01/2020 của Lữ đoàn 201;
TT   Ngày          Nội dung                    Cấp CL
1    12/03/2015    Nhận trang bị               Cấp 2
2    20/06/2018    Sửa chữa vừa                Cấp 2
"""


def test_place_and_date_line_wins():
    found = find_document_date(HEADER)
    assert found is not None
    value, confidence, offset = found
    assert value == date(2020, 1, 5)
    assert confidence >= 0.9
    assert HEADER[offset:].startswith("ngày 05 tháng 01 năm 2020")


def test_referenced_and_table_dates_are_not_the_document_date():
    body = HEADER.replace("Hà Nội, ngày 05 tháng 01 năm 2020", "")
    value, confidence, _ = find_document_date(body)
    assert value == date(2020, 1, 2)  # only the referenced plan's date is left ...
    assert confidence < 0.3  # ... and it is barely believed
    rows_only = "TT   Ngày          Nội dung                    Cấp CL\n1    12/03/2015    Nhận trang bị               Cấp 2\n"
    assert find_document_date(rows_only) is None


def test_hom_nay_line_with_numeric_date():
    text = "BIÊN BẢN GIAO NHẬN\nHôm nay ngày 03/04/2018 tại Kho K3, chúng tôi gồm:\n"
    value, confidence, _ = find_document_date(text)
    assert value == date(2018, 4, 3)
    assert confidence == 0.85


def test_date_on_number_line_is_weaker_than_place_line():
    text = "Số: 12/QĐ ngày 01/02/2019\nBIÊN BẢN\nThái Nguyên, ngày 3 tháng 2 năm 2019\n"
    value, confidence, _ = find_document_date(text)
    assert value == date(2019, 2, 3)
    only_number = find_document_date("Số: 12/QĐ ngày 01/02/2019\nBIÊN BẢN\n")
    assert only_number[0] == date(2019, 2, 1) and only_number[1] < confidence


def test_ocr_repaired_date_loses_confidence():
    value, confidence, _ = find_document_date("Ha Noi, ngay 5 thang 3 nam 2O21\n")
    assert value == date(2021, 3, 5)
    assert confidence == 0.85


def test_blank_date_gives_nothing():
    assert find_document_date("Hà Nội, ngày … tháng … năm …\n") is None
    assert find_document_date("") is None


def test_word_date_whose_month_word_ocr_spoiled():
    # "tháng" read as "=" or "mg": the numbers still say day, month, year
    assert find_document_date("Ha Nội, ngày 21 = 12 năm 1968\n")[0] == date(1968, 12, 21)
    assert find_document_date("4 a Thái Nguyên, ngày 10 mg 11 năm 2001\n")[0] == date(2001, 11, 10)
    assert find_document_date("Hà Nội, ngày 10 tháng 11 năm 2001\n")[1] > find_document_date("Hà Nội, ngày 10 mg 11 năm 2001\n")[1]


@pytest.mark.parametrize(("page", "expected"), [
    ("Ninh Bình, ngày.13/06/1975\nPHIẾU SỬA CHỮA\nCăn cứ Quyết định số 2498/QĐ-BQP ngày 30/05/1971 của Bộ\n", date(1975, 6, 13)),
    ("Hà Nội, ngay-27/04/2022 _\nPHIẾU BẢO DƯỠNG\n", date(2022, 4, 27)),  # a speck glued between word and number
    ("„ Hồ Chí Minh, huấn 23 tháng 2 năm 2024\nBIÊN BẢN KIỂM KÊ\n", date(2024, 2, 23)),  # "ngày" spoiled by OCR
])
def test_the_place_and_date_line_as_ocr_damages_it(page, expected):
    found = find_document_date(page)
    assert found is not None and found[0] == expected and found[1] >= 0.9


def test_a_year_whose_first_digit_ocr_split_off_is_still_the_documents_date():
    for page, expected in (("Hai Duong, ngay 20/04/1 986\nBIÊN BẢN KIỂM TRA\n", date(1986, 4, 20)),
                           ("Hà Nội, ngày 05 tháng 01 năm 2 020\nQUYẾT ĐỊNH\n", date(2020, 1, 5))):
        assert find_document_date(page)[0] == expected
    assert parse_date("số 1 2003") is None


def test_a_month_split_by_ocr_and_a_speck_before_the_year_still_give_the_documents_date():
    for page, expected in (("Bắc Giang, ngày 18/1 1/2002\nBIÊN BẢN BẢO DƯỠNG\n", date(2002, 11, 18)),
                           ("Thái Nguyên, ngày 16 thắng 10 năm n 2019\nPHIẾU BẢO DƯỠNG\n", date(2019, 10, 16))):
        assert find_document_date(page)[0] == expected
    assert parse_date("số 12/3 4/2001") is None  # 34 is no month: not a split one
    assert parse_date("ngày 16 tháng 10 năm nay 2019") is None  # a word, not a speck
