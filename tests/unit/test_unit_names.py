"""Unit names as they are written: type, branch of service, number or name, chains; exact, accents included."""

import pytest

from common.vocabulary import UNIT_BRANCHES, UNIT_TYPES
from ingest.fields import extract_fields
from ingest.values import parse_unit

FORMS = [
    "Sư đoàn bộ binh 308",
    "Lữ đoàn xe tăng 203",
    "Trung đoàn phòng không 280",
    "Tiểu đoàn thông tin 12",
    "Trung đoàn ra-đa 291",
    "Lữ đoàn công binh 229",
    "Sư đoàn bộ binh cơ giới 5",
    "Trung đoàn pháo phòng không 280",
    "Lữ đoàn tên lửa 490",
    "Tiểu đoàn đặc công 5",
    "Tiểu đoàn hóa học 38",
    "Đại đội trinh sát 20",
    "Kho K60",
    "Nhà máy Z153",
    "Xưởng X55",
    "Trạm sửa chữa 3",
    "Quân khu 3",
    "Quân đoàn 1",
    "Binh đoàn 12",
    "Hải đoàn 128",
    "Vùng 2 Hải quân",
    "Cục Ra đa",
    "Bộ Tư lệnh Thủ đô",
    "Binh chủng Công binh",
    "Trung đoàn 24, Sư đoàn 304",
    "Tiểu đoàn 3, Lữ đoàn pháo binh 675",
    "Đại đội 9, Tiểu đoàn 3, Trung đoàn 141",
    "Kho K60/Cục Ra đa",
]


@pytest.mark.parametrize("printed", FORMS)
def test_each_form_reads_exactly_as_printed(printed):
    assert parse_unit(printed) == printed


@pytest.mark.parametrize("printed", FORMS)
def test_each_form_ends_where_the_sentence_goes_on(printed):
    assert parse_unit(f"{printed} quản lý, sử dụng.") == printed
    assert parse_unit(f"{printed} (đơn vị giao)") == printed


@pytest.mark.parametrize(
    ("header", "sentence_case"),
    [
        ("LỮ ĐOÀN XE TĂNG 203", "Lữ đoàn xe tăng 203"),
        ("SƯ ĐOÀN BỘ BINH 308", "Sư đoàn bộ binh 308"),
        ("TRUNG ĐOÀN RA-ĐA 291", "Trung đoàn ra-đa 291"),
        ("TIỂU ĐOÀN 3, LỮ ĐOÀN PHÁO BINH 675", "Tiểu đoàn 3, Lữ đoàn pháo binh 675"),
        ("KHO K60", "Kho K60"),
        ("NHÀ MÁY Z153", "Nhà máy Z153"),
        ("CỤC RA ĐA", "Cục Ra đa"),
    ],
)
def test_upper_case_header_forms_come_out_in_sentence_case(header, sentence_case):
    assert parse_unit(header) == sentence_case


@pytest.mark.parametrize(
    ("damaged", "canonical"),
    [
        ("Trung doàn phòng khỏng 280", "Trung đoàn phòng không 280"),
        ("Lữ doàn xe tàng 203", "Lữ đoàn xe tăng 203"),
        ("Sư đoàn bộ bính 308", "Sư đoàn bộ binh 308"),
        ("Tiểu doàn thông tín 12", "Tiểu đoàn thông tin 12"),
        ("Trung đoàn 24, Su đoàn 304", "Trung đoàn 24, Sư đoàn 304"),
        ("Trung đoàn 738, ‘Quan | khu 3“", "Trung đoàn 738, Quân khu 3"),  # a cell's rule read between two words
        ("Trung đoàn 738, Quân Khu 3", "Trung đoàn 738, Quân khu 3"),  # a type's word capitalised
        ("Sư Đoàn 304", "Sư đoàn 304"),
    ],
)
def test_ocr_damaged_marks_on_known_words_are_put_right(damaged, canonical):
    assert parse_unit(damaged) == canonical


def test_unknown_words_are_never_guessed():
    # "Thủ đo" is a name, not a vocabulary word: it stays as printed.
    assert parse_unit("Bộ Tư lệnh Thủ đo") == "Bộ Tư lệnh Thủ đo"
    # A text typed without any marks is kept as typed.
    assert parse_unit("Lu doan xe tang 203") == "Lu doan xe tang 203"


def test_vocabulary_holds_the_types_and_branches_once():
    for unit_type in ("Sư đoàn", "Lữ đoàn", "Trung đoàn", "Tiểu đoàn", "Đại đội", "Quân khu", "Quân đoàn", "Binh đoàn",
                      "Hải đoàn", "Vùng", "Kho", "Nhà máy", "Xưởng", "Trạm", "Cục", "Bộ Tư lệnh"):
        assert unit_type in UNIT_TYPES
    for branch in ("bộ binh", "bộ binh cơ giới", "xe tăng", "thiết giáp", "pháo binh", "phòng không", "pháo phòng không",
                   "cao xạ", "ra-đa", "tên lửa", "thông tin", "công binh", "hóa học", "đặc công", "trinh sát", "vận tải",
                   "kỹ thuật", "không quân", "hải quân"):
        assert branch in UNIT_BRANCHES
    assert len(set(UNIT_TYPES)) == len(UNIT_TYPES) and len(set(UNIT_BRANCHES)) == len(UNIT_BRANCHES)


def _units(text: str) -> dict[str, str]:
    return {name: str(value.value) for name, value in extract_fields([text]).items() if name.endswith("unit")}


@pytest.mark.parametrize("printed", ["Lữ đoàn xe tăng 203", "Tiểu đoàn 3, Lữ đoàn pháo binh 675", "Trung đoàn ra-đa 291"])
def test_labelled_lines(printed):
    page = f"LÝ LỊCH TRANG BỊ KỸ THUẬT\nTên trang bị: Xe tăng T-55\nSố hiệu: KB-15-84\nĐơn vị: {printed}\n"
    assert _units(page)["unit"] == printed
    page = f"LÝ LỊCH TRANG BỊ KỸ THUẬT\nTên trang bị: Xe tăng T-55\nĐơn vị quản lý: {printed.upper()}\n"
    assert _units(page)["unit"] == printed


def test_handover_sentence():
    page = ("BIÊN BẢN BÀN GIAO\nHôm nay, tiến hành bàn giao từ Trung đoàn phòng không 280 cho Kho K60 "
            "01 (một) đài ra đa P-18, số hiệu P18-6643.\n")
    got = _units(page)
    assert got["from_unit"] == "Trung đoàn phòng không 280"
    assert got["to_unit"] == "Kho K60"


def test_transfer_decision_with_branches_and_chains():
    page = ("QUYẾT ĐỊNH\nVề việc điều chuyển trang bị kỹ thuật\nĐiều 1. Điều chuyển 01 (một) xe tăng T-55, số hiệu "
            "KB-15-84 từ Lữ đoàn xe tăng 203 về Tiểu đoàn 3, Lữ đoàn pháo binh 675 quản lý, sử dụng.\n")
    got = _units(page)
    assert got["from_unit"] == "Lữ đoàn xe tăng 203"
    assert got["to_unit"] == "Tiểu đoàn 3, Lữ đoàn pháo binh 675"


def test_handover_sides_labelled_in_upper_case_and_damaged():
    page = "BIÊN BẢN BÀN GIAO\nĐơn vị giao: TRUNG ĐOÀN PHÒNG KHÔNG 280\nĐơn vị nhận: Trung doàn ra-đa 291\n"
    got = _units(page)
    assert got["from_unit"] == "Trung đoàn phòng không 280"
    assert got["to_unit"] == "Trung đoàn ra-đa 291"


@pytest.mark.parametrize(
    "table",
    [
        "| STT | Tên trang bị | Ký hiệu | Số hiệu | Đơn vị quản lý |\n| 1 | Xe tăng | T-55 | KB-15-84 | Sư đoàn bộ binh 308 |\n",
        "STT  Tên trang bị   Ký hiệu   Số hiệu    Đơn vị quản lý\n1    Xe tăng        T-55      KB-15-84   Sư đoàn bộ binh 308\n",
    ],
    ids=["ruled", "spaced"],
)
def test_unit_in_a_table_row(table):
    assert _units("BIÊN BẢN KIỂM TRA KỸ THUẬT\n" + table)["unit"] == "Sư đoàn bộ binh 308"


def test_the_issuing_body_in_the_header_is_not_the_items_unit():
    page = ("BỘ QUỐC PHÒNG\nLỮ ĐOÀN XE TĂNG 203\nLÝ LỊCH TRANG BỊ KỸ THUẬT\nTên trang bị: Xe tăng T-55\n"
            "Đơn vị quản lý: Trung đoàn 24, Sư đoàn 304\n")
    assert _units(page)["unit"] == "Trung đoàn 24, Sư đoàn 304"


def test_a_units_number_wrapped_onto_the_next_line_is_joined():
    page = ("LÝ LỊCH XE\nTT\nNội dung\nThông số\n1\nTên VKTBKT\nXe tăng Kiểu 59\n2\nĐơn vị có trang bị\n"
            "Trung đoàn bộ binh 36, Sư đoàn bộ binh\n308\n3\nCấp chất lượng\n1\n")
    assert _units(page)["unit"] == "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"
    page = "LÝ LỊCH TRANG BỊ KỸ THUẬT\nĐơn vị quản lý: Lữ đoàn xe tăng\n203\nCấp chất lượng: 2\n"
    assert _units(page)["unit"] == "Lữ đoàn xe tăng 203"


def test_a_unit_ocr_read_without_any_marks_on_a_page_that_prints_them_is_respelled():
    page = ("LÝ LỊCH TRANG BỊ KỸ THUẬT\nTên trang bị: Xe tăng T-55\nĐơn vị quản lý: Trung doan 141, Su doan 312\n"
            "Nước sản xuất: Liên Xô\n")
    assert _units(page)["unit"] == "Trung đoàn 141, Sư đoàn 312"
    page = "BIÊN BẢN BÀN GIAO\nĐơn vị giao: Trung doan ra-da 291\nĐơn vị nhận: Quan khu Thu do\nTên trang bị: Đài ra đa P-18\n"
    got = _units(page)
    assert got["from_unit"] == "Trung đoàn ra-đa 291"
    assert got["to_unit"] == "Quân khu Thu do"  # the type is vocabulary, the name is not guessed


def test_a_page_typed_without_marks_keeps_its_units_as_typed():
    page = "BIEN BAN KIEM TRA KY THUAT\nTen trang bi: Xe tang T-55\nDon vi quan ly: Trung doan 141, Su doan 312\n"
    assert _units(page)["unit"] == "Trung doan 141, Su doan 312"


def test_a_damaged_label_filling_its_cell_does_not_hide_the_unit_in_the_next_cell():
    page = "PHIẾU BẢO DƯỠNG\n3. | Số xuất xưởng | 655209\n4 | Đơn vị có tuong Bị | Sư đoàn bộ binh 308\n"
    assert _units(page)["unit"] == "Sư đoàn bộ binh 308"


def test_a_two_column_form_read_column_by_column():
    page = ("LÝ LỊCH XE\n- Tên trang bị: Xe tăng T-54B\nSố hiệu: EM-77-87 -\nNước sản xuất:\nĐơn vị quản lý:\n"
            "Ngày nhận về đơn vị: 14 tháng 5 năm 1970\nLiên Xô. :\nNhà máy Z153\nKiểu loại: T-54B\n")
    assert _units(page)["unit"] == "Nhà máy Z153"


def test_the_subject_of_an_article_is_the_holder_in_a_grade_change():
    page = ("QUYẾT ĐỊNH\nVề việc chuyển cấp chất lượng trang bị kỹ thuật\nĐiều 1. Chuyển cấp chất lượng 01 (một) xe "
            "chiến đấu bộ binh BMP-1,\nky hiệu BMP-1, số hiệu BMP1-2960 của ng, doan 48, Su doan 320 từ\ncấp 3 xuống cấp 4.\n"
            "Điều 2. Trung đoàn 48, Sư đoàn 320 cập nhật lý lịch, sổ sách theo dõi.\n")
    assert _units(page)["unit"] == "Trung đoàn 48, Sư đoàn 320"


def test_the_receiving_unit_when_ocr_lost_the_giving_one():
    page = ("QUYẾT ĐỊNH\nVề việc điều động trang bị\nĐiều 1. Điều c huyển Of (một) xe tang Kiểu 59, ky hiệu Type 59, số\n"
            "hieu 535354, nom sản xuất 1974, chất lượng cấp 2tr rung đoàn bộ bình =,\n36, Sư đoàn bộ bình 308 vé Kho "
            "K3/Cục Kỹ thuật quản lý, sử dụng.\nĐiều 2. Trung doan bộ binh 36, Sư đoàn bo bình 308 có trách nhiệm\n"
            "bàn giao đầy đủ trang bị, hồ sơ cho Kho K3/Cục Kỹ thuật.\n")
    got = _units(page)
    assert got["to_unit"] == "Kho K3/Cục Kỹ thuật"
    assert got["unit"] == "Kho K3/Cục Kỹ thuật"  # the item now belongs to the receiver, not the article's subject


def test_a_speck_between_a_unit_word_and_its_number_is_read_as_a_space():
    from ingest.values import read_unit_name
    assert read_unit_name("Trung đoàn 24, Sư đoàn.304") == "Trung đoàn 24, Sư đoàn 304"
    assert read_unit_name("Trung đoàn bộ binh 36, Sư đoàn bộ binh-308") == "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"


def test_a_speck_between_a_unit_word_and_its_number_does_not_end_a_chain_in_a_sentence():
    page = ("QUYẾT ĐỊNH\nVề việc điều chuyển trang bị\nĐiều 1. Điều chuyển 01 (một) đài ra đa P-19, số hiệu 6M-2946, chất\n"
            "lượng cấp 2 từ Lữ đoàn 596 về Trung đoàn 24, Sư đoàn.304 quản lý, sử dụng.\n")
    assert _units(page)["to_unit"] == "Trung đoàn 24, Sư đoàn 304"


def test_a_branch_with_one_letter_misread_is_read_only_before_the_units_number():
    from ingest.values import read_unit_name
    assert read_unit_name("Trung đoàn hộ binh 36, Sư đoàn bộ binh 308") == "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"
    assert read_unit_name("Tiểu đoàn thông tia 12") == "Tiểu đoàn thông tin 12"
    assert read_unit_name("Trung đoàn hộ khẩu") is None  # no number after it: not taken for a branch


def test_a_speck_inside_a_unit_word_and_a_line_break_before_its_number():
    page = ("QUYẾT ĐỊNH\nVề việc điều chuyển trang bị\nĐiều 1. Điều động 01 (một) đài ra đa VRS-2M, số hiệu\n"
            "VRS2M-4612, chất lượng cấp 1: từ Trung đoàn 48, Sư đoàn\n320 về Trung, doan 738, Quan khu 3 quản ly, sử dụng.\n")
    got = _units(page)
    assert got["from_unit"] == "Trung đoàn 48, Sư đoàn 320"
    assert got["to_unit"] == "Trung đoàn 738, Quân khu 3"


def values(fields):
    return {name: value.value for name, value in fields.items()}


@pytest.mark.parametrize(("printed", "expected"), [
    ("Su-doan bộ binh 308", "Sư đoàn bộ binh 308"),  # a speck read as a dash inside the type
    ("Lữ đoàn công binh:229", "Lữ đoàn công binh 229"),  # a colon before the number
    ("Trung đoàn ra-đa 291", "Trung đoàn ra-đa 291"),  # the branch's own dash stays
    ("Tiểu đoàn HHONG tin 12", "Tiểu đoàn thông tin 12"),  # a misread branch before the number: a common noun
    ("Lữ đoàn Xe tăng 203", "Lữ đoàn xe tăng 203"),
    ("Trung đoàn 24, Sudoan 304", "Trung đoàn 24, Sư đoàn 304"),  # the space inside the type lost
    ("Trung đoàn bộ binh 36, Sư đoàn bộ binh I308", "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"),  # a rule glued on
    ("Tiểu đoàn 14, “Trung doan 291", "Tiểu đoàn 14, Trung đoàn 291"),  # a speck read as a quote inside the chain
    ("Nhà máy 2153", "Nhà máy Z153"),  # a defence factory's Z read as 2
    ("NHÀ MÁY 7751", "Nhà máy Z751"),  # ... or as 7
])
def test_ocr_specks_inside_a_unit_name(printed, expected):
    assert values(extract_fields([f"Đơn vị có trang bị: {printed}"]))["unit"] == expected


def test_a_chain_cut_before_its_last_number_takes_the_number_the_header_prints():
    header = "SƯ DOAN BỘ BINH 308\nTRUNG DOAN BỘ BINH 36\nLÝ LỊCH TRANG BỊ\n"
    cut = "7 | Đơn vị có trang bị Trung đoàn bộ binh 36, Sư đoàn bộ binh\n8 | Cấp chất lượng 1\n"
    assert values(extract_fields([header + cut]))["unit"] == "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"
    assert values(extract_fields([cut]))["unit"] == "Trung đoàn bộ binh 36"  # no number printed anywhere: no guess
    two = "SƯ ĐOÀN BỘ BINH 308\nSƯ ĐOÀN BỘ BINH 312\n"
    assert values(extract_fields([two + cut]))["unit"] == "Trung đoàn bộ binh 36"  # two numbers: no guess


@pytest.mark.parametrize(("printed", "expected"), [
    ("Trung đoàn 24, su doan 304", "Trung đoàn 24, Sư đoàn 304"),  # OCR lost the capital with the marks
    ("Tiểu đoàn 3, lữ đoàn 675", "Tiểu đoàn 3, Lữ đoàn 675"),
    ("trung đoàn bộ binh 36, sư đoàn bộ binh 308", "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"),
])
def test_each_unit_of_a_chain_opens_with_a_capital_as_a_name_does(printed, expected):
    assert parse_unit(printed) == expected


def test_a_unit_named_alone_takes_the_parent_the_document_prints_beside_it():
    page = ("Điều 1. Điều chuyển 01 (một) xe pháo phản lực BM-21 Grad từ Tiểu đoàn 14, Trung đoàn 291 về Trung đoàn 292,\n"
            "S àn 363 quan ý, sử dung.\n"
            "Điều 2. Tiểu đoàn 14, Trung đoàn 291 có trách nhiệm bàn giao trang bị cho Trung đoàn 292, Sư đoàn 363.\n")
    assert _units(page)["to_unit"] == "Trung đoàn 292, Sư đoàn 363"
    two = page + "Điều 3. Trung đoàn 292, Sư đoàn 312 nhận trang bị.\n"
    assert _units(two)["to_unit"] == "Trung đoàn 292"  # two parents printed: no guess


def test_a_full_stop_between_a_units_type_and_its_number_on_the_next_line():
    page = ("Điều 1. Loại khỏi biên chế 01 (một) pháo M-46, số hiệu 525320, chất lượng cấp 5 của Trung đoàn.\n"
            "738, Quân khu 3.\n")
    assert _units(page)["unit"] == "Trung đoàn 738, Quân khu 3"
    assert parse_unit("Trung đoàn.") is None  # a type with its number lost names no unit


@pytest.mark.parametrize(("printed", "expected"), [
    ("Sw đoàn bộ-binh 308", "Sư đoàn bộ binh 308"),  # the type's first word a letter off, a speck in the branch
    ("Lir đoàn 596", "Lữ đoàn 596"),  # two letters off in a longer word
    ("Trung: đoàn ra-đa 291", "Trung đoàn ra-đa 291"),  # a colon inside the type
])
def test_a_damaged_doan_type_before_the_units_number(printed, expected):
    assert values(extract_fields([f"Đơn vị quản lý: {printed}\n"]))["unit"] == expected
    assert _units(f"Điều 1. Loại khỏi biên chế 01 máy PRC-25 của\n{printed}.\n")["unit"] == expected


def test_a_lower_case_word_before_doan_is_no_damaged_type():
    from ingest.values import repair_doan_types
    assert repair_doan_types("theo số đoạn 5 của quy định") == "theo số đoạn 5 của quy định"
    assert repair_doan_types("Phái đoàn 5 đã đến") == "Phái đoàn 5 đã đến"  # a word, not OCR debris


def test_a_unit_label_after_a_row_number_ocr_read_as_letters():
    page = "6 Năm sản xuất 1971\ntị Don vị có trang bị Tiểu đoàn 14, Trung đoàn 291\n8 Cấp chất lượng 1\n"
    assert _units(page)["unit"] == "Tiểu đoàn 14, Trung đoàn 291"


def test_an_articles_subject_that_organises_the_disposal_holds_the_item():
    page = ("Điều 1. Loại khỏi biên chế 01 (một) máy PRC-25, số hiệu 980091.\n"
            "Điều 2. Lữ đoàn 596 tổ chức thanh lý trang bị theo quy định hiện hành.\n")
    assert _units(page)["unit"] == "Lữ đoàn 596"


HEADER = ("SƯ ĐOÀN 320 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTRUNG ĐOÀN 48 Độc lập - Tự do - Hạnh phúc\n"
          "Số: 840/PBD-KT\n\nPHIẾU BẢO DƯỠNG KỸ THUẬT\n")


@pytest.mark.parametrize("printed", ["Trung đoàn 48, Sư Goan 32055", "Trung đoàn AB, Su doan 320"])
def test_a_chain_element_damaged_past_reading_is_taken_from_the_header(printed):
    assert _units(HEADER + f"Đơn vị quản lý: {printed}\n")["unit"] == "Trung đoàn 48, Sư đoàn 320"


def test_the_header_completes_no_chain_the_damaged_element_does_not_resemble():
    assert _units(HEADER + "Đơn vị quản lý: Trung đoàn 48, Kho xăng dầu\n")["unit"] == "Trung đoàn 48"
    assert _units(HEADER + "Đơn vị quản lý: Trung đoàn 48\n")["unit"] == "Trung đoàn 48"  # nothing damaged: as printed


@pytest.mark.parametrize("printed", ["Trung đoàn ra- -đa 291", "Trung đoàn ra- 1-da 291."])
def test_a_branchs_dash_read_twice_or_with_a_stroke_beside_it(printed):
    assert parse_unit(printed) == "Trung đoàn ra-đa 291"
    assert parse_unit("Sư đoàn bộ- -binh 308") == "Sư đoàn bộ binh 308"  # no spelling of "bộ binh" has the dash


def test_a_speck_between_a_unit_type_and_its_number_in_a_sentence():
    page = ("Điều 1. Điều động 01 (một) xe tăng T-54B, ký hiệu T-54B, số hiệu DT-02-30, chất\n"
            "lượng cấp 2 từ Lữ đoàn xe tăng 203 về Trung đoàn, 48, Sư đoàn 320 quản lý, sử dụng.\n")
    assert _units(page)["to_unit"] == "Trung đoàn 48, Sư đoàn 320"


def test_the_handover_duty_article_names_both_sides_where_the_first_article_lost_them():
    page = ("QUYẾT ĐỊNH\nVề việc điều chuyển trang bị kỹ thuật\n"
            "Điều 1. Điều động 01 (một) máy vô tuyến điện R-105M, số hiệu 225641, từ Lữ đoàn 202 về Trang doan\n"
            "291, Sư đoàn 361 quan lý, sử dung.\n"
            "Điều 2. Lữ đoàn 202 có trách nhiệm bàn giao đầy đủ trang bị, hồ sơ, lý lịch kèm\n\n"
            "theo cho Trung đoàn 291, Sư đoàn 361.\n")  # a wrapped line opening with "theo" is no reference
    got = _units(page)
    assert got["from_unit"] == "Lữ đoàn 202" and got["to_unit"] == "Trung đoàn 291, Sư đoàn 361"


def test_specks_between_the_words_of_a_unit_type():
    page = ("QUYẾT ĐỊNH\nVề việc điều chuyển trang bị kỹ thuật\n"
            "Điều 1. Điều động 01 (một) máy vô tuyến điện R-105M, chất lượng cấp 2 từ Tiểu đoàn thông tin 12 về Tiểu: :\n"
            "đoàn 18, Lữ đoàn 164 quản lý, sử dụng.\n")
    assert _units(page)["to_unit"] == "Tiểu đoàn 18, Lữ đoàn 164"


def test_a_spaced_dash_the_vocabulary_prints_is_kept_as_printed():
    assert parse_unit("Quân chủng Phòng không - Không quân") == "Quân chủng Phòng không - Không quân"
    assert parse_unit("Kho K752/Cục Xe - Máy") == "Kho K752/Cục Xe - Máy"
    assert parse_unit("Cục Xe máy") == "Cục Xe máy"


def test_a_unit_read_without_its_number_or_with_a_speck_takes_the_form_the_document_prints_whole():
    lost_code = ("Điều 1. Điều chuyển 01 (một) xe ô tô URAL-4320, số hiệu 425206 từ Lữ đoàn công binh 229 về Kho ..ố Xe- a"
                 " quản lý, sử dụng.\nĐiều 2. Lữ đoàn công binh 229 có trách nhiệm bàn giao trang bị, hồ sơ, lý lịch kèm"
                 " theo cho Kho K752/Cục Xe - Máy.\n")
    assert _units(lost_code)["to_unit"] == "Kho K752/Cục Xe - Máy"
    speck = ("Điều 1. Điều chuyển 01 (một) xe tăng T-55, số hiệu T55-7210, chất lượng cấp 2 từ Trung đoàn 141, Sư đoàn"
             " 312 về Sự đoàn © bộ binh 308 quản lý.\nĐiều 2. Trung đoàn 141, Sư đoàn 312 có trách nhiệm bàn giao trang"
             " bị cho Sư đoàn bộ binh 308.\n")
    assert _units(speck)["to_unit"] == "Sư đoàn bộ binh 308"
    label = "Hôm nay, ngày 19 tháng 9 năm 1994, tại Trung đoàn ra-đa 291,\nĐơn vị quản lý: Trung đoàn ra-da-291\n"
    assert _units(label)["unit"] == "Trung đoàn ra-đa 291"
    two = lost_code + "Điều 3. Kho K754/Cục Xe - Máy nhận.\n"
    assert _units(two)["to_unit"] != "Kho K752/Cục Xe - Máy"  # two such units printed: no guess


def test_a_doan_a_letter_off_and_glued_to_its_types_first_word():
    assert parse_unit("Su } : Trung/dogn phong khong 280") == "Trung đoàn phòng không 280"
    assert values(extract_fields(["Đơn vị quản lý: Trung/dogn phòng không 280\n"]))["unit"] == "Trung đoàn phòng không 280"


def test_a_damaged_element_beside_the_labels_unit_takes_the_headers_chain_before_another_sentences_parent():
    page = ("TRUNG ĐOÀN 291 | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTIỂU ĐOÀN14 - Độc lập - Tự do - Hạnh phúc.\n"
            "BIÊN BẢN BÀN GIAO TRANG BỊ KỸ THUẬT\n"
            "Hôm nay, ngày 27 tháng 5 năm 1986, tại Tiểu đoàn 14, Trung đoàn 291, chúng tôi gồm:\n"
            "_ Đơn vị giao: Tiểu ceil 14, Trung doan 291\n- Đơn vị nhận: Trung đoàn 291, Sư đoàn 361\n")
    got = _units(page)
    assert got["from_unit"] == "Tiểu đoàn 14, Trung đoàn 291" and got["to_unit"] == "Trung đoàn 291, Sư đoàn 361"


INSPECTION_OPENING = ("BỘ QUỐC PHÒNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỔNG CỤC KỸ THUẬT Độc lập - Tự do - Hạnh phúc\n"
                      "BIÊN BẢN KIỂM TRA ĐÁNH GIÁ CHẤT LƯỢNG TRANG BỊ KỸ THUẬT\n"
                      "Hôm nay, ngày 29/04/2014, tại Trung đoàn bộ binh 36, Sư đoàn bộ binh 308,\nchúng tôi gồm:\n")


@pytest.mark.parametrize("row", [
    "Đơn vị sử dụng ...... trang đoàn bộ binh 36, Sư đoàn hộ binh 308\n",  # the child's type a letter off
    "Đơn vị sử dụng: Bộ binh 36, Sư đoàn bộ binh\n308\n",  # its type lost, the parent's number on the cell's next line
])
def test_a_units_damaged_child_takes_the_chain_the_opening_sentence_prints(row):
    assert _units(INSPECTION_OPENING + row)["unit"] == "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"


def test_a_unit_printed_alone_stays_alone_beside_a_sentences_chain():
    # The division holds the item; the regiment's chain elsewhere is no damage to mend.
    assert _units(INSPECTION_OPENING + "Đơn vị sử dụng: Sư đoàn bộ binh 308\n")["unit"] == "Sư đoàn bộ binh 308"
    # A damaged element that looks like another unit (no shared type words or digits) is not this chain's child.
    assert _units(INSPECTION_OPENING + "Đơn vị sử dụng: Kho xăng dầu, Sư đoàn bộ binh 308\n")["unit"] != \
        "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"


def test_two_chains_ending_in_the_unit_leave_it_as_read():
    page = INSPECTION_OPENING + "Trung đoàn bộ binh 48, Sư đoàn bộ binh 308 cũng tham gia.\n" \
        "Đơn vị sử dụng: Bộ binh 36, Sư đoàn bộ binh 308\n"
    assert _units(page)["unit"] == "Sư đoàn bộ binh 308"


def test_a_unit_read_before_its_damaged_parent_takes_the_chain_the_document_prints():
    # The sentence's chain is itself a little damaged ("bộ.binh"): it is read, not matched letter for letter.
    page = INSPECTION_OPENING.replace("Trung đoàn bộ binh 36", "Trung đoàn bộ.binh 36") + \
        "Đơn vị sử dụng ...... Trung đoàn bộ hình 36, sư đoàn bộ pink 308\n"
    assert _units(page)["unit"] == "Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"
