"""OCR damage seen on scanned dossiers: snippets from the cached Tesseract output, exact values."""

import pytest

from ingest.fields import extract_fields
from ingest.values import parse_serial


def values(fields):
    return {name: value.value for name, value in fields.items()}


# --- serials -------------------------------------------------------------------------------


def test_a_trailing_grade_or_quantity_cell_is_no_part_of_the_serial():
    got = values(extract_fields(["Số đăng ký ...................... VRS2M-2769 2...0 2 2U"]))
    assert got["serial_number"] == "VRS2M-2769"
    assert parse_serial("VRS2M-2769 2 01") == "VRS2M-2769"
    assert parse_serial("794916 J2 01") == "794916"  # a speck on the grade cell
    assert parse_serial("KB 15 84") == "KB-15-84"  # groups of a serial without a full one before them


def test_a_serials_s_read_as_a_dollar_sign_is_kept():
    assert values(extract_fields(["Số đăng ký ...... $134425"]))["serial_number"] == "S134425"


def test_implausible_serial_shapes_give_no_serial():
    for line in (
        'SO CONG ký................ "N0 1. 4... 0c c5...',
        "Số đăng KỸ-...--.=.. EBM:BA4E-....... Lo cong 01501306 rer rr asse",
        "SỐ dang ký... 035B ` an. ấn nã.",
        "SỐ Gang KỸ 06a s2 xcsue J5 DH--....‹.. g5 ii ch nan cac",
    ):
        assert "serial_number" not in extract_fields([line]), line
    assert parse_serial("4512") == "4512"  # a short serial of digits only stays


def test_damaged_serial_label_opening_a_line_without_delimiter():
    assert values(extract_fields(["Số Hệu BMP1-7886"]))["serial_number"] == "BMP1-7886"
    assert values(extract_fields(["SỐ dang ty. 6D-6172.................. ốc..."]))["serial_number"] == "6D-6172"


def test_table_rule_read_as_1_glued_to_the_serial():
    text = "TT Nội dung Thông số\n1 |Trang bị Máy thông tin vô tuyến điện VRC-811\n2 Kiểu VRC-811\n3 |S6 xuất xưởng 10315-XB\n"
    assert values(extract_fields([text]))["serial_number"] == "0315-XB"
    assert values(extract_fields(["3 |Số xuất xưởng 447096 |"]))["serial_number"] == "447096"


def test_table_header_with_s6_for_so():
    text = "TT Tén trang bi Ky hiéu S6 hiéu Cấp | Số lượng\n\n1 |Đài ra đa VRS-2M VRS-2M VRS2M-2769 2 01\n"
    assert values(extract_fields([text]))["serial_number"] == "VRS2M-2769"


# --- quality grade and year ----------------------------------------------------------------


def test_grade_printed_apart_from_its_empty_label():
    text = "Cấp chất lượng:\nNgày nhận về đơn vị: 5 tháng 3 năm 2014\n\n\nCấp 2\n"
    assert values(extract_fields([text]))["quality_grade"] == 2


def test_grade_label_broken_over_lines():
    text = (
        "Cấp chất lượng trước khi chuyển: Cấp 1\n\n\nCấp chất\nLý do: ha\nBiên bản\n\n\n"
        "lượng sau khi chuyển; Cấp 2\n0 mòn trong khai thác.\n"
    )
    assert values(extract_fields([text]))["quality_grade"] == 2


def test_damaged_year_label_after_another_value_on_the_line():
    got = values(extract_fields(["Nước sản xuất: Liên Xô Nan sản xuất: 1982"]))
    assert got["year_of_manufacture"] == 1982
    assert got["country_of_origin"] == "Liên Xô"


def test_year_printed_apart_and_a_date_line_is_no_year_of_make():
    text = (
        "Ký hiệu: S-60\n- Nhà sản xuất:\nNăm sản xuất:\n\n\nVIỆT NAM DÂN CHỦ CỘNG HÒA\n\n"
        "Thái Nguyên, ngày 11 tháng 11 năm 1971\n\n\nLÝ LỊCH TRANG BỊ KỸ THUẬT\n\n\nNhà máy 282\n1970.\n"
    )
    assert values(extract_fields([text]))["year_of_manufacture"] == 1970


def test_year_read_before_its_label_when_ocr_takes_the_value_column_first():
    text = (
        "Số dang ký.......... . KRAZ 255B-48957..............\n\n\n\n\n... 1968 ¬\n"
        ".. Trung đoàn 141, Sư đoàn 312 ..\n.. 6.856 km\n\n\nNăm xuất xưởng ....\nĐơn vị sử dụng ......\n"
    )
    assert values(extract_fields([text]))["year_of_manufacture"] == 1968


def test_maker_and_country_without_glued_rules_and_digit_specks():
    from ingest.values import parse_maker

    assert parse_maker("lLiên Xô") == "Liên Xô"
    assert parse_maker("1017152601010 a pees See eee mene") is None
    assert parse_maker("Nhà máy Z111 00115 30NNG1018380889vv3sa") == "Nhà máy Z111"
    assert parse_maker("Nhà máy Z111") == "Nhà máy Z111"


def test_maker_printed_apart_from_its_empty_label():
    text = (
        "Ký hiệu: S-60\n- Nhà sản xuất:\nNăm sản xuất:\n\n\nVIỆT NAM DÂN CHỦ CỘNG HÒA\n\n"
        "LÝ LỊCH TRANG BỊ KỸ THUẬT\n\n\nNhà máy 282\n1970.\n"
    )
    assert values(extract_fields([text]))["manufacturer"] == "Nhà máy 282"


def test_table_name_cell_wrapping_its_model_onto_the_next_line():
    text = (
        "TT Tên trang bị Ký hiệu Số hiệu Cấp | Số lượng |\n"
        "1 |Máy thông tin vô tuyến điện |VRC-811 _ |0315-XB 1 01\nVRC-811\n"
    )
    got = values(extract_fields([text]))
    assert got["name"] == "Máy thông tin vô tuyến điện VRC-811"
    assert got["designation"] == "VRC-811"
    assert got["serial_number"] == "0315-XB"


def test_o_read_as_6_in_o_to():
    got = values(extract_fields(["Tên TBKT: Xe°6 tô vận tải ZIL-131\nNhà sản xuất: Nha máy 6 tô ZIL\n"]))
    assert got["name"] == "Xe ô tô vận tải ZIL-131"
    assert got["manufacturer"] == "Nhà máy ô tô ZIL"  # and the lost mark of "Nhà máy" put back


def test_a_heading_in_capitals_is_no_name_label():
    assert "name" not in extract_fields(["BIÊN BẢN KIỂM KÊ\n\nTRANG BỊ KỸ THUẬT\n\nNăm 2017\n"])
    assert values(extract_fields(["Trang bị Xe tăng T-55"]))["name"] == "Xe tăng T-55"


def test_a_phrase_before_the_model_stops_at_a_leader():
    text = "Tên TBKE Am. Đài Fa da VRS-AM. ....... am\nKiểu loại.............. VRS-2M-..... ống...\n"
    got = values(extract_fields([text]))
    assert got["designation"] == "VRS-2M"
    assert "name" not in got  # not "Kiểu loại.............. VRS-2M"


def test_a_grade_whose_label_ocr_broke_is_still_read_from_the_sentence():
    fields = extract_fields(["Số hiệu: 539547.\nSau bảo dưỡng trang bị. đạt cấp chất l0 3."])
    assert fields["quality_grade"].value == 3 and fields["serial_number"].value == "539547"


def test_a_speck_inside_the_serial_label_of_a_sentence_is_passed_over():
    fields = extract_fields(["Điều 1. Điều chuyển 01 (một) đài ra đa P-18, ký hiệu P-18, số 'hiệu P18-4986,\n"
                             "năm sản xuất 1977, chất lượng cấp 2 từ Trung đoàn 293, Sư đoàn 375 về Trung đoàn 48."])
    assert fields["serial_number"].value == "P18-4986" and fields["quality_grade"].value == 2


def test_a_speck_read_as_a_full_stop_between_the_serial_labels_words_at_a_line_break():
    fields = extract_fields(["Điều 1. Chuyển cấp chất lượng 01 (một) xe tăng Kiểu 59, ký hiệu Type 59, số.\n"
                             "hiệu 469665 của Trung đoàn 24, Sư đoàn 304 từ cấp 2 xuống cấp 3."])
    assert fields["serial_number"].value == "469665"
    # "số." closing a line before a word of the next is no label: no serial comes of it.
    assert "serial_number" not in extract_fields(["Quyết định số.\nhiệu lực kể từ ngày ký 1234."])


def test_a_speck_read_as_a_full_stop_after_the_serial_label_of_a_sentence_is_passed_over():
    fields = extract_fields(["Điều 1. Điều chuyến 0Ÿ (một) xe tăng lội nước PT-76, ký hiệu PT-76, số hiệu.\n"
                             "DP-35-86, năm sản xuất 1959, chất lượng cấp 3 từ Trung đoàn 48, Sư đoàn 320"])
    assert fields["serial_number"].value == "DP-35-86"


def test_a_row_number_read_as_letters_before_a_capitalised_label_is_passed_over():
    page = "TT |. Nội dung | Thông số\nH | Tên VKTBKT | Đài ra đa P-19\n# Kiểu P19\nsi Số xuất xưởng 2T-9236\n"
    assert extract_fields([page])["serial_number"].value == "2T-9236"
    # In a sentence the label is not capitalised, and "TT" heads a table's number column, not a row.
    assert "serial_number" not in extract_fields(["đã kiểm tra và số xuất xưởng của xe\n"])
    assert extract_fields(["TT Tén trang bi - Kýhiệu Số hiệu Cấp: Số lượng\n"]).get("name") is None
    assert extract_fields(["TẾ Tên trang bị - Ký hiệu -Sốhiệu - | CấpCL | SL -\n"]).get("name") is None


def test_maker_and_country_get_their_marks_back_on_a_marked_page():
    fields = extract_fields(["LÝ LỊCH TRANG BỊ KỸ THUẬT\nTên trang bị: Xe tăng T-54B\nSố hiệu: KB-15-84\n"
                             "Nhà sản xuất: Nha may Uralvagonzavod\nNước sản xuất: Lién X6\nNăm sản xuất: 1979"])
    assert fields["manufacturer"].value == "Nhà máy Uralvagonzavod"
    assert fields["country_of_origin"].value == "Liên Xô"


def test_a_grade_label_ocr_broke_still_gives_the_grade_it_labels():
    fields = extract_fields(["Tên trang bị: Xe tăng T-54B\nSố hiệu: EM-77-87\n- Cấp chất gn: Cap 2\nNăm sản xuất: 1979"])
    assert fields["quality_grade"].value == 2


def test_an_inventory_header_with_a_colon_on_a_cell_is_still_a_header():
    fields = extract_fields(["BIÊN BẢN KIỂM KÊ TRANG BỊ KỸ THUẬT\nĐơn vị: Lữ đoàn xe tăng 203\n"
                             "TT Tén trang bi - Kýhiệu Số hiệu Cấp: Số lượng\n"
                             "1 XetänglộinướcPT76 PT76 PT76-6539 . 2 01\nCộng : 01"])
    assert fields["serial_number"].value == "PT76-6539" and fields["quality_grade"].value == 2
    assert fields["name"].value == "Xe tăng lội nước PT-76"


def test_a_serial_below_a_label_that_ocr_gave_a_speck_of_a_value_is_found():
    fields = extract_fields(["LÝ LỊCH VŨ KHÍ\nTên TBKT...... Pháo lựu 122mm D-30\nKiểu loại ...... D-30\n"
                             "_ Số đăng ký. tà\n. 539547\nNăm xuất xưởng ...... 1970"])
    assert fields["serial_number"].value == "539547" and fields["year_of_manufacture"].value == 1970


# --- the item's name in prose ------------------------------------------------------------------


@pytest.mark.parametrize(("line", "name"), [
    # a colon OCR put between the noun and its model
    ("Điều 1. Điều chuyển 01 (một) xe thiết giáp chở quân: BTR-152, ký hiệu BTR-152, số hiệu 460007.",
     "Xe thiết giáp chở quân BTR-152"),
    # a speck between the verb's words, and the model's popular name after it
    ("Điều 1. Điều 'động 01 (một) xe pháo phản lực BM-21 Grad, ký hiệu: BM21, số hiệu BM21- 5181.",
     "Xe pháo phản lực BM-21 Grad"),
])
def test_an_items_name_in_a_decisions_sentence(line, name):
    assert values(extract_fields(["QUYẾT ĐỊNH", line]))["name"] == name


def test_a_models_popular_name_closes_the_phrase_but_a_vietnamese_word_does_not():
    assert values(extract_fields(["ở Trang bị Xe pháo phản lực BM-21 Grad :"]))["name"] == "Xe pháo phản lực BM-21 Grad"
    assert values(extract_fields(["Kiểm tra xe tăng T-55 Trung đoàn 24."]))["name"] == "Xe tăng T-55"


def test_a_receiving_unit_whose_type_and_branch_a_speck_and_a_line_break_part():
    page = ("QUYẾT ĐỊNH\nĐiều 1. Điều chuyển 01 (một) xe ô tô vận tải GAZ-66, ký hiệu GAZ-66, số hiệu\n"
            "BT-80-21, năm sản xuất 1969 từ Trung đoàn 291, Sư đoàn 361 về Trung đoàn .\nphòng không 280 quản lý, sử dụng.")
    assert values(extract_fields([page]))["to_unit"] == "Trung đoàn phòng không 280"


@pytest.mark.parametrize(("serial", "designation", "expected"), [
    ("T548-0808", "T-54B", "T54B-0808"),  # the B of the model read as 8
    ("8MP1-4847", "BMP-1", "BMP1-4847"),
    ("T55-0185", "T-55", "T55-0185"),  # already so
    ("KB-15-84", "T-54B", "KB-15-84"),  # a serial that does not open with the model
    ("P18-2465", "P-18", "P18-2465"),
    ("VRUB127230", "VRU-812", "VRU812-7230"),  # the misread model lost its dash too
    ("T551234", "T-55", "T551234"),  # printed without a dash, nothing misread: as printed
])
def test_a_serial_opening_with_the_model_takes_the_models_letters_back(serial, designation, expected):
    from ingest.fields import serial_with_model
    assert serial_with_model(serial, designation) == expected


def test_a_transfer_sentence_with_a_comma_read_as_a_full_stop_and_a_speck_for_a_space():
    page = ("QUYẾT ĐỊNH:\nĐiều 1. Điều chuyển 01 (một) xe tăng lội nước PT-76, ký hiệu PT- 16. SỐ hiệu\n"
            "_ PT76-1508 từ Trung đoàn 738; Quận khu 3 về.Lữ đoàn 201 quản lý, sử dụng.\n")
    fields = {name: found.value for name, found in extract_fields([page]).items()}
    assert fields["serial_number"] == "PT76-1508"
    assert fields["from_unit"] == "Trung đoàn 738, Quân khu 3" and fields["to_unit"] == "Lữ đoàn 201"



def test_labels_in_a_second_cell_of_their_line_and_after_a_misread_row_number_with_specks():
    fields = extract_fields(["Kiểu loại: R-123M ; Số đăng ký. 243062\n"])
    assert fields["serial_number"].value == "243062" and fields["designation"].value == "R-123M"
    fields = extract_fields(["TT Nội dung Thông số\n2 |Kiểu.. : : T-54B\nsa = | SỐ xuất xưởng T54B-2299\n"])
    assert fields["serial_number"].value == "T54B-2299"
    # In a sentence, after a semicolon, the label is not capitalised: prose reads it, as before.
    assert extract_fields(["Tên trang bị: Xe tăng T-55 | Trang bị mới\n"])["name"].value == "Xe tăng T-55"


def test_the_vietnamese_type_word_of_a_model_gets_its_tone_mark_back_on_a_marked_page():
    page = "LÝ LỊCH TRANG BỊ KỸ THUẬT\nTên trang bị: Xe tăng Kiéu 59\nKiểu loại: Type 59\nĐơn vị sử dụng: Trung đoàn 24\n"
    assert extract_fields([page])["name"].value == "Xe tăng Kiểu 59"


def test_a_factory_code_read_with_its_z_as_2_in_the_number_when_the_header_prints_the_factory():
    page = "TỔNG CỤC KỸ THUẬT\nNHÀ MÁY Z153\nSố: 660/BB-2153\n"
    assert extract_fields([page])["document_number"].value == "660/BB-Z153"
    assert extract_fields(["TRUNG ĐOÀN 24\nSố: 660/BB-2153\n"])["document_number"].value == "660/BB-2153"


def test_a_garbled_table_row_does_not_outweigh_the_grade_in_the_sentence():
    page = ("QUYẾT ĐỊNH:\nĐiều 1. Điều động 01 (một) đài ra đa P-37, ký hiệu P-37, số hiệu 713158,\n"
            "năm sản xuất 1968, chất lượng cấp 2 từ Trung đoàn 293, Sư đoàn 375 về Trung đoàn 24.\n"
            "A HE Tên trang bị Ký hiệu Số hiệu Cấp CL |_ SL\n\n4 |OAitadaEao . | B87 717198. 2 01\n")
    assert extract_fields([page])["quality_grade"].value == 2


def test_a_grade_label_whose_last_word_ocr_misread_before_the_grade():
    assert extract_fields(["Đơn vị sử dụng: Nhà máy Z153 Cấp chất bông Cấp 1\n"])["quality_grade"].value == 1


def test_a_table_whose_number_column_header_ocr_misread_still_reads_its_row():
    page = ("BIÊN BẢN KIỂM KÊ TRANG BỊ KỸ THUẬT\nTRÍ. Tên trang bị | Ky higu | Số hiệu | Cấp | Số lượng.\n"
            "1 | Máy thông tin vô tuyến điện |VRU-812 |VRU812-7230 |1 |01\n'VRU-812 | :\n‘Cong “101\n")
    fields = {name: found.value for name, found in extract_fields([page]).items()}
    assert fields["serial_number"] == "VRU812-7230" and fields["designation"] == "VRU-812"
    assert fields["name"] == "Máy thông tin vô tuyến điện VRU-812"


def test_a_grade_whose_words_ocr_damaged_around_it():
    # "lượng" read as a stray word in the sentence; the old grade misread out of range; "Cấp" unaccented.
    sentence = "BTR-60PB, số hiệu KB-35-69, năm sản xuất 1974, chất Ti cấp 1 từ Nhà máy Z153 về Lữ đoàn 596"
    assert extract_fields([sentence])["quality_grade"].value == 1
    change = "ký hiệu R 105M, số hiệu 663206 của Lữ đoàn 164 từ cấp 7 xuống cap 3,"
    assert extract_fields([change])["quality_grade"].value == 3
    unaccented = "số hiệu PRV13-3414 của Sư đoàn bộ binh 308 tu cap 1 xu6ng cap 2."  # the o of "xuống" read as 6
    assert extract_fields([unaccented])["quality_grade"].value == 2
    assert extract_fields(["- Đơn vị quản lý: Trung đoàn ra-đa 291\n‘Cap chat luong: C02 _\n"])["quality_grade"].value == 2



def test_a_table_header_row_or_a_history_row_is_no_items_name():
    from ingest.values import is_item_name
    assert not is_item_name("L Ký hiệu Sốhiệu ˆ Cấp - Số lượng")
    assert not is_item_name("Ky hiéu Số hiệu Cấp CL SL")
    assert not is_item_name("11/1969 Lữ đoàn 164 - Nhận mới")
    assert is_item_name("T-54") and is_item_name("Súng máy phòng không 12,7mm DShK")


def test_a_name_whose_model_ocr_left_no_letter_of_takes_the_model_read_beside_it():
    page = "Tên trang bị: Xe ô tô vận tải ¬ 2005\nKý hiệu: KrAZ255B\n"
    assert values(extract_fields([page]))["name"] == "Xe ô tô vận tải KrAZ-255B"


def test_a_serial_opening_with_its_model_whose_t_was_read_as_seven():
    page = "Tên trang bị: Xe tăng T-62\nKý hiệu: T-62\nSố đăng ký: 762-6615\n"
    assert values(extract_fields([page]))["serial_number"] == "T62-6615"


def test_a_serials_s_read_as_a_section_sign_is_kept():
    page = "2 Kiểu D-30\n3 Số xuất xưởng 5§-5615\n4 Đơn vị có trang bị Trung đoàn phòng không 280\n"
    assert values(extract_fields([page]))["serial_number"] == "5S-5615"


def test_a_sentence_opening_with_its_year_is_no_items_name():
    from ingest.values import is_item_name
    assert not is_item_name("Năm 2004 tổ kiểm kê đã kiểm đếm thực")


def test_a_serial_after_its_label_and_a_speck_at_the_lines_end():
    page = ("Điều 1. Điều chuyển 01 (một) xe thiết giáp chở quân M113, ký hiệu M113, số hiệu'\n"
            "-K670838, năm sản xuất 1964, chất lượng cấp 2 từ Lữ đoàn 201 về Trung đoàn 141.\n")
    assert values(extract_fields([page]))["serial_number"] == "K670838"


def test_a_damaged_label_glued_to_its_bracketed_abbreviation():
    assert values(extract_fields(["3 |Biénsé(BKS) | | BH-78-06 ."]))["serial_number"] == "BH-78-06"


def test_the_value_tells_a_damaged_serial_label_from_a_years():
    """"gấxuẩtxưởng" is as near "Năm xuất xưởng" as "Số xuất xưởng": a serial after it says which."""
    assert values(extract_fields(["3 |gấxuẩtxưởng. . ~ VRU812-9369"]))["serial_number"] == "VRU812-9369"
    assert values(extract_fields(["4 |Nam xuat xvong 1984"]))["year_of_manufacture"] == 1984


def test_a_model_in_a_table_with_marks_on_its_capitals_and_a_serial_one_more_letter_off():
    page = ("TT, Tên trang bị Ký hiệu _ Số hiệu , Cấp | Số lượng\n"
            "1 |Máythôngtnvôtuyến |VRU-BỊ2 | VRUSI2-9369 |1 01\n")
    got = values(extract_fields([page]))
    assert got["designation"] == "VRU-812" and got["serial_number"] == "VRU812-9369"


def test_serial_dashes_read_as_a_chevron_or_after_a_dashed_label():
    assert values(extract_fields(["Số đăng ký: T55›6486 , ˆ Năm sản xuất: 1962."]))["serial_number"] == "T55-6486"
    page = "Điều 1. Điều chuyển 01 (một) pháo phòng không ZU-23-2, Ký hiệu\nZU-23-2, số-hiệu. 6M-2096 từ Trung đoàn 251\n"
    assert values(extract_fields([page]))["serial_number"] == "6M-2096"


def test_a_speck_before_the_line_break_inside_a_serial_that_opens_with_its_model():
    page = ("Điều 1. Điều động 01 (một) đài ra đa P-19, ký hiện P- 19, số hiệu - 3\n"
            "P19-7883, năm sản xuất 1984, chất lượng cấp 2\n")
    assert values(extract_fields([page]))["serial_number"] == "P19-7883"


def test_a_cell_rule_or_speck_glued_to_a_year():
    assert values(extract_fields(["6 | Năm sản xuất -Ì1957"]))["year_of_manufacture"] == 1957
    assert values(extract_fields(["4 Năm sản xuất -_ 12010"]))["year_of_manufacture"] == 2010
    assert "year_of_manufacture" not in extract_fields(["4 Năm sản xuất -_ 21984"])


def test_a_speck_inside_the_grade_words_of_a_sentence():
    assert values(extract_fields(["Sau bảo dưỡng trang bị đạt cấp chất t lượng 3."]))["quality_grade"] == 3


def test_a_serial_label_with_a_speck_inside_or_after_a_quoted_comma_and_a_marked_speck_before_the_serial():
    page = "Điều 1. Điều động 01 (một) đài ra đa P-19, ký hiệu P19, số 5 hiệu\n-_4G-8379, năm sản xuất 1976 từ Lữ đoàn 596\n"
    assert values(extract_fields([page]))["serial_number"] == "4G-8379"
    page = "Điều 1. Điều động 01 (một) đài đo cao PRV-13, ký hiệu PRV-13, 'SỐ hiệu\nPRV13- 8220, năm sản xuất 1980\n"
    assert values(extract_fields([page]))["serial_number"] == "PRV13-8220"
    assert values(extract_fields(['3 .| Số xuất.xưởng - " - ÍPRV13-8220']))["serial_number"] == "PRV13-8220"


def test_a_serial_opening_with_its_model_misread_a_t_as_one_or_inside_a_dashed_model():
    from ingest.fields import serial_with_model
    assert serial_with_model("162-9145", "T-62") == "T62-9145"
    assert serial_with_model("ZAL-131-70934", "ZIL-131") == "ZIL-131-70934"
    assert serial_with_model("115-1234", "T-55") == "115-1234"  # more than the model's T differs: as read
    assert serial_with_model("KB-15-84", "T-55") == "KB-15-84"
    # The model keeps the case the serial prints it in; a serial already right stays as printed.
    assert serial_with_model("KRAZ-2558-07009", "KrAZ-255B") == "KRAZ-255B-07009"
    assert serial_with_model("KRAZ-255B-39683", "KrAZ-255B") == "KRAZ-255B-39683"


def test_a_damaged_label_that_a_ruled_forms_cell_rule_ends():
    # "Đơn vị có trang bị" (five words) with its Đ read as P, ended by the cell's rule, no colon.
    page = "LÝ LỊCH TRANG BỊ KỸ THUẬT\n6 | Nau sản xuất 2014.\n7 Pon vị có trang bị ‘| Tiểu đoàn 3, Lữ đoàn 675\n"
    assert extract_fields([page])["unit"].value == "Tiểu đoàn 3, Lữ đoàn 675"
    table = "BIÊN BẢN KIỂM KÊ\nTT | Tên trang bị | Ký hiệu | Số hiệu | Cấp\n1 | Xe tăng T-55 | T-55 | KB-15-84 | 2\n"
    assert "unit" not in extract_fields([table])  # a table's cells are no labels


def test_a_speck_read_as_a_colon_inside_a_units_branch_across_a_line_break():
    text = ("QUYẾT ĐỊNH\nVề việc điều chuyển trang bị kỹ thuật\nĐiều 1. Điều chuyển 01 (một) xe ô tô vận tải ZIL-131, số hiệu\n"
            "ZIL-131-17853, chất lượng cấp 2 từ Tiểu đoàn 18, Lữ đoàn 164 về Lữ đoàn xe:\ntăng 203 quản lý, sử dụng.\n")
    fields = extract_fields([text])
    assert fields["to_unit"].value == "Lữ đoàn xe tăng 203" and fields["from_unit"].value == "Tiểu đoàn 18, Lữ đoàn 164"
    chain = "Điều 1. Điều chuyển xe tăng T-55 số hiệu KB-15-84 từ Lữ đoàn 164 về Trung đoàn 24: Sư đoàn 304 quản lý."
    assert extract_fields([chain])["to_unit"].value == "Trung đoàn 24, Sư đoàn 304"


def test_a_grade_change_with_a_speck_before_cap_and_a_colon_after_it():
    change = "R-123M, ký hiệu R123M, số hiệu 234908 của Tiểu đoàn 3, Lữ đoàn 675 từ t cấp 1\nxuống cấp:2.\n"
    assert values(extract_fields([change]))["quality_grade"] == 2
    asked = "152, số hiệu 202644 của Nhà máy Z153 từ cấp 1 xuống cấp?2. . + v\n"
    assert values(extract_fields([asked]))["quality_grade"] == 2
    split = ("ký hiệu VRC-811, số hiệu VRC811-7325, năm sản xuất 2020, chất lượng .\n"
             "cấp 1 từ Lữ đoàn 201 về Sư đoàn bộ binh 308 quản lý, sử dụng.\n")
    assert values(extract_fields([split]))["quality_grade"] == 1  # a speck where the line breaks "chất lượng cấp 1"


def test_a_damaged_grade_label_with_its_qualifier_before_the_grade():
    page = ("Cấp chất lượng trước khi chuyểrŠ Cấp 2 h mm\n"
            "Cấp chất hrong sau khi chuyển: Cấp 3 thà, ss % #\n")
    assert values(extract_fields([page]))["quality_grade"] == 3


def test_a_serial_whose_full_stop_ocr_glued_to_the_next_word():
    page = "Điều 1: Chuyển cấp chất lượng 01 (một) xe ô tô vận tải KrAZ-255B; ký hiệu\nKrAZ-255B, số hiệu QB-16-23.của Tiểu đoàn 3\n"
    assert values(extract_fields([page]))["serial_number"] == "QB-16-23"
    assert parse_serial("P18-2132.Năm") is None  # a capital after it: no word of the sentence, the token stays whole


def test_two_letters_of_debris_before_a_serial_that_opens_with_its_model():
    page = "PHIẾU BẢO DƯỠNG\n1. Tên trang bị: Đài ra đa P-18\n2. Ký hiệu: P-18\n3. |Sốxuấtxưởng . ST P18-2132\n"
    assert values(extract_fields([page]))["serial_number"] == "P18-2132"


def test_a_unit_label_ocr_glued_and_ended_with_a_full_stop():
    page = "BIÊN BẢN BẢO DƯỠNG ĐỊNH KỲ\n4 Don vicédtrang bi. Tiéu doan 3, Lữ đoàn 675:\n"
    assert values(extract_fields([page]))["unit"] == "Tiểu đoàn 3, Lữ đoàn 675"
    assert "unit" not in values(extract_fields(["Ngày 5. Tiểu đoàn 3 nhận bàn giao"]))


def test_the_infantry_branch_misread_after_a_unit_type():
    page = "BIÊN BẢN GIAO NHẬN TRANG BỊ\nĐơn vị giao: Tiểu đoàn 18, Lữ đoàn 164\nĐƠN VỊ NHẬN: Trung đoàn bộ sp 36, Sư đoàn bộ binh 308\n"
    assert values(extract_fields([page]))["to_unit"] == "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"


def test_a_dash_read_inside_the_model_that_opens_a_serial():
    from ingest.fields import serial_with_model
    assert serial_with_model("VRC81-1-2714", "VRC-811") == "VRC811-2714"
    assert serial_with_model("PRV1-3-5273", "PRV-13") == "PRV13-5273"
    assert serial_with_model("T-55-1234", "T-55") == "T-55-1234"  # the model printed with its own dash stays
    assert serial_with_model("KB-15-84", "T-55") == "KB-15-84"


def test_a_serial_label_opening_a_table_row_whose_number_was_read_as_a_word():
    """"3 | Số xuất xưởng" read "Mã Sế xuất xưởng": the row number became a two-letter word before the label."""
    assert values(extract_fields(["Mã Sế xuất xưởng BH-23-82"]))["serial_number"] == "BH-23-82"


def test_a_damaged_serial_label_second_on_its_line_after_a_model():
    for line in ("Kiểu loại: M30 ˆ_ $6 hiệu: 4G-0587", "Kiểu loại: M30 S6 hiệu: 4G-0587"):
        got = values(extract_fields([line]))
        assert (got["designation"], got["serial_number"]) == ("M-30", "4G-0587"), line


def test_a_serial_whose_dash_took_a_speck_or_became_a_colon():
    assert values(extract_fields(["Số đăng ký ...... 4130-+VD „,"]))["serial_number"] == "4130-VD"
    assert values(extract_fields(["Số hiệu trang bị: 6K: 5895."]))["serial_number"] == "6K-5895"


def test_a_grade_after_a_leader_read_as_letters_and_a_colon():
    assert values(extract_fields(["5 |. Cap chất lượng _ oo : 3"]))["quality_grade"] == 3
    assert values(extract_fields(["Nước sản xuất: Liên Xô : 1982"]))["country_of_origin"] == "Liên Xô"


def test_a_speck_between_the_grades_words_at_a_line_break():
    page = ("Điều 1. Điều động 01 (một) xe tăng T-55, ký hiệu T55, số hiệu T55- 3509, chất ;\n"
            "lượng cấp 2 từ Lữ đoàn 596 về Trung đoàn bộ binh 36, Sư đoàn bộ binh 308 quản lý, sử dụng.")
    assert extract_fields([page])["quality_grade"].value == 2
