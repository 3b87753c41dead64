"""Item tables: the header names the columns, the row's tokens are shared out by shape."""

from ingest.labels import split_lines
from ingest.tables import table_values


def read(text):
    return {found.field: found.value for found in table_values(split_lines([text]))}


def test_ocr_row_with_a_lost_cell_keeps_the_others_in_place():
    text = "TT Tên trang bị | Ký hiệu Số hiệu Cấp | Số lượng\n1 |Đài ra đa VRS-2M VRS-2M VRS2M-2769 01 `\nCộng sả 01\n"
    assert read(text) == {"name": "Đài ra đa VRS-2M", "designation": "VRS-2M", "serial_number": "VRS2M-2769"}


def test_header_words_run_together_and_specks_between_cells():
    text = "TT Tên trang bi . Ký hiệu Sốhiệu | CấpCL | SL\n\n\n\n.1 |Đài ra đa P-18 - P-18 ; P18-6643 1: 01\n"
    assert read(text) == {"name": "Đài ra đa P-18", "designation": "P-18", "serial_number": "P18-6643", "quality_grade": "1"}


def test_two_word_model_and_a_name_that_holds_a_number():
    text = "TT\nTên trang bị\nKý hiệu\nSố hiệu\nCấp\nSố lượng\n1\nXe tăng Kiểu 59\nType 59\n0427-KT\n3\n01\nCộng\n01\n"
    assert read(text) == {"name": "Xe tăng Kiểu 59", "designation": "Type 59", "serial_number": "0427-KT", "quality_grade": "3"}


def test_pipe_table_with_a_rule_line():
    text = "| Tên trang bị | Ký hiệu | Số hiệu | Đơn vị quản lý |\n|---|---|---|---|\n| Pháo tự hành | 2S1 | 2S1-0456 | Trung đoàn 24 |\n"
    assert read(text) == {"name": "Pháo tự hành", "designation": "2S1", "serial_number": "2S1-0456", "unit": "Trung đoàn 24"}


def test_key_value_tables_are_no_item_tables():
    assert read("TT\nNội dung\nThông số\n1\nTrang bị\nĐài ra đa P-37\n") == {}


def test_the_second_line_of_a_wrapped_header_cell_on_a_line_of_its_own_is_not_the_row():
    text = "TT |. Tên trang bị Ký hiệu | Số hiệu Cấp Số\nlượng\n1 |Xe tăng T-54B |T-54B |EM-77-87 - | 1 01\n"
    assert read(text) == {"name": "Xe tăng T-54B", "designation": "T-54B", "serial_number": "EM-77-87", "quality_grade": "1"}


def test_a_wrapped_header_cells_tail_with_specks_is_skipped_too():
    text = "TT Tên trang bị Ký hiệu : Sốhiệu | Cấp Số\n; : : luong\n1 |Xe ô tô vận tải KrAZ-255B | BH-51-66 1 01\n"
    assert read(text)["serial_number"] == "BH-51-66"
    text = "TT Tên trang bị . Ký hiệu Số hiệu Cấp Số\nnụ lượng\n1 |Xe tăng lội nước PT-76 |PT-76 PT76-7875 2 01\n"
    assert read(text)["serial_number"] == "PT76-7875"
    text = "TT _ Tên trang bị Ký hiệu Số hiệu Cấp | Số\nTương\n1 | Xe tăng T-62 T-62 - | T62-3949 1 01\nCộng 01\n"
    assert read(text)["serial_number"] == "T62-3949"  # "lượng" with its l misread


def test_a_column_name_with_one_letter_misread_still_names_its_column():
    text = "TT - Tên trang bị Ký hiệu Số hiện | Cấp: Số `\n\n1 | Xe tăng T55 ' T55 ' |T55-5448 2 fol\n"
    found = read(text)
    assert found["serial_number"] == "T55-5448" and found["quality_grade"] == "2"


def test_a_name_cell_wrapped_onto_the_next_line_with_its_model():
    text = "TT Tên trangbị | Ký hiệu Số hiệu Cấp Số .\n) . lượng\n1 | May thông tin vô tuyến |R-123M |287843 - |3 01.\n__ | điện R-123M :\n"
    assert read(text)["name"] == "May thông tin vô tuyến điện R-123M"


def test_a_grade_cell_ocr_read_as_a_letter_of_the_same_shape():
    text = "TT Tên trang bị Ký hiệu Số hiệu cấp | Số lượng\n1 | Đài ra đa P-19 P19 6M-2946 Zi 01\nCộng 01\n"
    assert read(text)["quality_grade"] == "2"


def test_a_name_cell_wrapped_with_its_calibre_and_model():
    text = "TT Tên trang bị Ký hiệu Số hiệu Cấp Số\nlượng\n1 | Pháo phòng không ZU-23-2 |5072-TB 1 01\n23mm ZU-23-2 ; ¬\n"
    assert read(text)["name"] == "Pháo phòng không 23mm ZU-23-2"


def test_a_header_whose_so_ocr_printed_with_a_dollar_sign_still_names_the_serial_column():
    text = "TT Tên trang bị Ký hiệu _$ố hiệu Cấp | Số lượng\n1 | Xe tăng T-54B T-54B T54B-0808 2 01\nCộng 01\n"
    assert read(text)["serial_number"] == "T54B-0808"


def test_a_name_cell_wrapped_over_two_lines_beside_a_model_written_with_a_space():
    # A text layer, one cell per line: the name's model wrapped onto a line of its own, the model cell "M 46".
    text = ("TT\nTên trang bị\nKý hiệu\nSố hiệu\nCấp\nSố\nlượng\n1\nPháo nòng dài 130mm\nM-46\nM 46\n8Z-6943\n2\n01\n"
            "Cộng\n01\n")
    found = read(text)
    assert found["serial_number"] == "8Z-6943" and found["quality_grade"] == "2"


def test_a_name_cell_does_not_take_the_first_word_of_the_model_cell_after_it():
    text = ("TT\nTên trang bị\nKý hiệu\nSố hiệu\nCấp\nSố lượng\n1\nXe thiết giáp chở quân\nBTR-60PB\nBTR 60PB\n"
            "QB-22-92\n2\n01\nCộng\n01\n")
    found = read(text)
    assert found["name"] == "Xe thiết giáp chở quân BTR-60PB" and found["designation"] == "BTR 60PB"  # catalogued later


def test_a_serial_head_the_layout_analysis_set_apart_above_the_header_still_names_its_column():
    row = "1 |Xe tăng Kiểu 59 Type 59 |840489 2 01\nCộng 01-\n"
    header = "TT Tên trang bị Ký hiệu Cấp\n: \" lượng\n"
    found = read("tổ kiểm kê đã kiểm đếm thực tế như sau:\n\nSố hiệu\n\nSố\n\n\n" + header + row)
    assert found == {"name": "Xe tăng Kiểu 59", "designation": "Type 59", "serial_number": "840489", "quality_grade": "2"}
    # Without that head the row's number stays out of the serial: no column was named for it.
    assert "serial_number" not in read("tổ kiểm kê đã kiểm đếm thực tế như sau:\n\n" + header + row)


def test_a_space_ocr_put_inside_a_catalogued_model_keeps_its_digits_out_of_the_serial():
    text = ("TT Tên trang bị Ký hiệu: Số hiệu Cấp Số\nlượng\n"
            "1 |Xe ôtô vận tải ZIL-131 © ZIL1 31 |BH-00-84 2 01\nCộng. 01\n")
    assert read(text) == {"name": "Xe ôtô vận tải ZIL-131", "designation": "ZIL1 31", "serial_number": "BH-00-84",
                          "quality_grade": "2"}


def test_a_model_and_a_serial_of_digits_after_it_stay_apart():
    # "T-55" and "3141" do not make a catalogued model: the digits are the serial.
    text = "TT Tên trang bị | Ký hiệu | Số hiệu | Cấp | Số lượng\n1 | Xe tăng T-55 | T-55 | 3141 | 2 | 01\n"
    assert read(text)["serial_number"] == "3141"


def test_a_header_that_lost_its_name_column_still_shares_the_row_out():
    # OCR kept "Ký hiệu Số hiệu Số lượng" of "TT | Tên trang bị | Ký hiệu | Số hiệu | Cấp | Số lượng".
    text = "Ký hiệu Số hiệu Số lượng\nEa | Pháo lựu 122mm D-30 D-30 769791\nia\n"
    found = read(text)
    assert found["designation"] == "D-30" and found["serial_number"] == "769791"
    assert found["name"].endswith("Pháo lựu 122mm D-30")


def test_the_names_last_word_wrapped_under_its_model_is_taken_back():
    text = ("TT Tên trang bị Ký hiệu Số hiệu Cấp Số\nlượng\n1 | Xe pháo phản lực BM-21 |BM-21 |TE-61-42 1 01\n"
            "Grad :\nCộng 01\n")
    assert read(text)["name"] == "Xe pháo phản lực BM-21 Grad"
    # The row's total on the next line is no part of the name.
    text = "TT Tên trang bị Ký hiệu Số hiệu Cấp Số\nlượng\n1 | Xe tăng T-55 |T-55 |3141 1 01\nCộng\n"
    assert read(text)["name"] == "Xe tăng T-55"
