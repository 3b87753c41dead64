"""Field extraction over the layouts text layers and OCR really produce.

Snippets are copied from sample dossiers: text layers that put every cell on its own line,
dotted-leader forms with the value on the next line, prose wrapped anywhere, and Tesseract
output with lost marks, specks and leaders read as letters.
"""

import pytest

from ingest.fields import extract_fields


def values(pages):
    return {name: field.value for name, field in extract_fields(pages).items()}


TRANSFER_WRAPPED = """CỤC KỸ THUẬT QUÂN KHU 3
 Số: 190/QĐ-CKT
Hải Phòng, ngày 06 tháng 3 năm 2024
QUYẾT ĐỊNH
Về việc điều chuyển trang bị kỹ thuật
Căn cứ Quyết định số 1765/QĐ-BQP ngày 09 tháng 5 năm 2020 của
Bộ trưởng Bộ Quốc phòng ban hành Điều lệ công tác kỹ thuật;
 QUYẾT ĐỊNH:
Điều 1. Điều chuyển 01 (một) đài đo cao PRV-13, ký hiệu PRV-13, số
hiệu PRV13-3885, năm sản xuất 1972, chất lượng cấp 2 từ Trung đoàn
738, Quân khu 3 về Kho K60/Cục Ra đa quản lý, sử dụng.
 Điều 2. Trung đoàn 738, Quân khu 3 có trách nhiệm bàn giao đầy đủ.
"""


def test_prose_serial_split_over_a_line_break():
    got = values([TRANSFER_WRAPPED])
    assert got["serial_number"] == "PRV13-3885"
    assert got["designation"] == "PRV-13"
    assert got["name"] == "Đài đo cao PRV-13"
    assert got["year_of_manufacture"] == 1972
    assert got["quality_grade"] == 2
    assert got["from_unit"] == "Trung đoàn 738, Quân khu 3"
    assert got["to_unit"] == "Kho K60/Cục Ra đa"
    assert got["unit"] == "Kho K60/Cục Ra đa"


GRADE_CHANGE_PROSE = """LỮ ĐOÀN 164
Số: 217/QĐ-LĐ164
Hải Dương, ngày 23 tháng 7 năm 2015
QUYẾT ĐỊNH
Về việc chuyển cấp chất lượng trang bị kỹ thuật
Điều 1. Chuyển cấp chất lượng 01 (một) pháo lựu 122mm M-30, ký hiệu M-30, số
hiệu 599838 của Lữ đoàn 164 từ cấp 2 xuống cấp 3.
Điều 2. Lữ đoàn 164 cập nhật lý lịch, sổ sách theo dõi trang bị theo quy định.
"""


def test_unit_stops_before_the_grade_change_clause():
    got = values([GRADE_CHANGE_PROSE])
    assert got["unit"] == "Lữ đoàn 164"  # not "Lữ đoàn 164 từ cấp 2 xuống cấp 3"
    assert got["quality_grade"] == 3
    assert got["serial_number"] == "599838"
    assert got["name"] == "Pháo lựu 122mm M-30"


INVENTORY_CELL_PER_LINE = """TRUNG ĐOÀN 141
Số: 368/BB-e141
Thái Nguyên, ngày 29/03/1981
BIÊN BẢN KIỂM KÊ TRANG BỊ KỸ THUẬT
Đơn vị: Trung đoàn 141, Sư đoàn 312
 TT
Tên trang bị
Ký hiệu
Số hiệu
Cấp CL
SL
1
Xe ô tô vận tải
KrAZ-255B
KrAZ-255B
KRAZ
255B-48957
2
01
Cộng
01
Kết quả: đủ, đúng với sổ sách quản lý.
"""


def test_table_with_one_cell_per_line_and_wrapped_cells():
    got = values([INVENTORY_CELL_PER_LINE])
    assert got["name"] == "Xe ô tô vận tải KrAZ-255B"  # the name cell wrapped onto two lines
    assert got["designation"] == "KrAZ-255B"
    assert got["serial_number"] == "KRAZ-255B-48957"  # so did the serial cell
    assert got["quality_grade"] == 2  # not the row number, not the count
    assert got["unit"] == "Trung đoàn 141, Sư đoàn 312"


DOTTED_VALUE_BELOW = """SƯ ĐOÀN 363
TRUNG ĐOÀN 292
Hải Phòng, ngày 08/11/1971
LÝ LỊCH TRANG BỊ KỸ THUẬT
 PHẦN I. THÔNG TIN CHUNG
Tên TBKT ........................
Đài ra đa P-37
...........................................................
Kiểu loại .........................
P-37
............................................................................
Số đăng ký .....................
254087
.......................................................................
Nhà sản xuất ..................
Nhà máy M1/Tổng cục Công nghiệp quốc phòng
Quốc gia sản xuất ..........
Liên Xô
.......................................................................
Năm xuất xưởng .............
1971
...........................................................................
Đơn vị sử dụng ...............
Trung đoàn 292, Sư đoàn 363
................................
Cấp chất lượng ...............
Cấp 1
..........................................................................
Ngày nhận về đơn vị: 08/11/1971
"""


def test_dotted_labels_take_the_value_on_the_next_line():
    got = values([DOTTED_VALUE_BELOW])
    assert got["name"] == "Đài ra đa P-37"
    assert got["designation"] == "P-37"
    assert got["serial_number"] == "254087"
    assert got["manufacturer"] == "Nhà máy M1/Tổng cục Công nghiệp quốc phòng"
    assert got["country_of_origin"] == "Liên Xô"
    assert got["year_of_manufacture"] == 1971
    assert got["unit"] == "Trung đoàn 292, Sư đoàn 363"
    assert got["quality_grade"] == 1


PAIRS_CELL_PER_LINE = """BIÊN BẢN BÀN GIAO TRANG BỊ KỸ THUẬT
 TT
Nội dung
Thông số
1
Trang bị
Đài ra đa P-37
2
Kiểu
P-37
3
Số xuất xưởng
254087
4
Năm sản xuất
1971
5
Cấp chất lượng
1
Số lượng: 01 (một) chiếc
"""


def test_number_label_value_rows_one_cell_per_line():
    got = values([PAIRS_CELL_PER_LINE])
    assert got["name"] == "Đài ra đa P-37"
    assert got["designation"] == "P-37"
    assert got["serial_number"] == "254087"
    assert got["year_of_manufacture"] == 1971
    assert got["quality_grade"] == 1  # a value line holding only "1" is no leader


OCR_SPACED_TABLE = """TT Tên trang bị _ Ký hiệu Số hiệu Cấp | Số lượng
1 |Xe thiết giáp chở quân M113 |M113 447096 ˆ 2 . |01
"|lcộng - 01
"""


def test_ocr_table_with_single_spaces_is_read_by_header_order():
    got = values(["BIÊN BẢN KIỂM KÊ TRANG BỊ KỸ THUẬT\n\n\n" + OCR_SPACED_TABLE])
    assert got["name"] == "Xe thiết giáp chở quân M113"
    assert got["designation"] == "M113"
    assert got["serial_number"] == "447096"
    assert got["quality_grade"] == 2


OCR_PAIRS = """. TT Nội dung Thôngsố __
1 |TênVKTBKT Máy thông tin vồ tuyến điện VRU-812
2 |Kiểu VRU-812

- 3 |Số xuất xưởng VRU812-9958

—4_ |Hãng sản xuất.. Nhà máy M1/Tổng cục Công nghiệp quốc

phòng .

5 _ |Nước sản xuất Việt Nam
6 |Năm sản xuất 2014
7 |Đơn vị có trang bị Lữ đoàn 203

8 |Cấp chất lượng 1
"""


def test_ocr_rows_of_number_label_value_without_delimiters():
    got = values(["LÝ LỊCH TRANG BỊ KỸ THUẬT\n" + OCR_PAIRS])
    assert got["name"] == "Máy thông tin vô tuyến điện VRU-812"  # "TênVKTBKT": OCR dropped the space; "vồ" put right
    assert got["designation"] == "VRU-812"
    assert got["serial_number"] == "VRU812-9958"
    assert got["manufacturer"] == "Nhà máy M1/Tổng cục Công nghiệp quốc phòng"  # wrapped value
    assert got["country_of_origin"] == "Việt Nam"
    assert got["year_of_manufacture"] == 2014
    assert got["unit"] == "Lữ đoàn 203"
    assert got["quality_grade"] == 1


OCR_LEADER_DEBRIS = """LÝ LỊCH TRANG BỊ KỸ THUẬT
Số đăng ky ena . P18-6643............. SN XS làng T0 c1 A00 tea hy Td
- Nhà sản xuất ...... Seed sats sag: Nha máy vô tuyến Nizhny. Novgorod: 3 x12 9x An
Don Vì SỬ HỤNG,........ Trung đoàn 24, Sư doan 304 nan. so.
Năm xuất xưởng ............. 1948 .........................Q..U. cstesesnseesteseesesesevetsasenteeeess ¬
Tên TBKT 7)... +. Pháo phòng không 23mm. ZU- 23- 2 ...- j1.
"""


def test_ocr_leaders_read_as_letters_are_stepped_over():
    got = values([OCR_LEADER_DEBRIS])
    assert got["serial_number"] == "P18-6643"
    assert got["manufacturer"] == "Nhà máy vô tuyến Nizhny Novgorod"  # the lost mark of "Nhà máy" put back
    assert got["unit"] == "Trung đoàn 24, Sư đoàn 304"  # "Đơn vị sử dụng" misread, unit cut from the specks, "doan" put right
    assert got["year_of_manufacture"] == 1948
    assert got["name"] == "Pháo phòng không 23mm ZU-23-2"  # the model's dashes put back together


def test_damaged_labels_are_matched_fuzzily_before_a_delimiter():
    got = values(["Ký hiệu: BMP1 eae :Sốiệu: BMP1-7886\nS6 hiéu trang bi: 599838\n"])
    assert got["serial_number"] == "BMP1-7886"
    assert got["designation"] == "BMP-1"  # catalogue form
    got = values(["S6 hiéu trang bi: 599838\n"])
    assert got["serial_number"] == "599838"  # "Số hiệu trang bị", not "Trang bị" with a name "599838"
    assert "name" not in got


def test_serial_found_past_specks_in_a_table_row():
    got = values(["3 |Số xuất xưởng - oe | 863023 - :\n"])
    assert got["serial_number"] == "863023"


def test_grade_label_broken_by_ocr_and_grade_change_with_a_lost_word():
    got = values(["Cấp chất: lượng trước khi chuyển: Cấp 1 .\n... Cấp chất| (lượng sau khi chuyển; Cấp 2.\n"])
    assert got["quality_grade"] == 2
    text = "QUYẾT ĐỊNH\nĐiều 1. Chuyển cấp chất lượng 01 (một) xe tăng Kiểu 59, ký hiệu\n\nType 59, số hiệu 742242 của Trung đoàn 48, Sư doan 320 từ ao 1 xuống.\n\n: cấp 2. :\n"
    got = values([text])
    assert got["quality_grade"] == 2
    assert got["designation"] == "Type 59"
    assert got["serial_number"] == "742242"


def test_ocr_document_numbers():
    page = "TRUNG ĐOÀN 24\n$6: 1370/PBD-KT - ,\nQuảng Nam, ngày 11/10/2021\nPHIẾU BẢO DƯỠNG KỸ THUẬT\n"
    assert values([page])["document_number"] == "1370/PBD-KT"
    page = "_ SƯ ĐOÀN 304\nTRUNG DOAN 24\n\n\nSố:\n\n\n868/BB-e24\n\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    assert values([page])["document_number"] == "868/BB-e24"
    page = "CỤC KỸ THUẬT QUÂN KHU 1 Độc lập - Tự do - Hạnh phúc. A\n_ Số: 697/BB-CKT -\nThái Nguyên, ngày 09 tháng 11 năm 2020\n"
    assert values([page])["document_number"] == "697/BB-CKT"
    page = ": PHÒNG KỸ THUẬT mm... Độc lập - Tự do - Hạnh phúc\n. $6: 46/QD-PKT - oo\nThái Nguyên, ngày 14 tháng 7 năm 2018\n"
    assert values([page])["document_number"] == "46/QĐ-PKT"  # the page prints marks: OCR lost this Đ


@pytest.mark.parametrize(("printed", "expected"), [
    ("Số: 107/PBD-el41", "107/PBD-e141"),  # the 1 of a unit code read as l
    ("Số: 198/QĐ.I.Ð202", "198/QĐ-LĐ202"),  # L read as "I.", Đ as the look-alike Ð, a dash as a dot
    ("Số: 4115/BB:KT", "4115/BB-KT"),  # a dash read as a colon
    ("- Số: 211/BB- CKT-KT : : -", "211/BB-CKT-KT"),  # a space after a dash
    ("Số: 319/0Đ-CKT", "319/QĐ-CKT"), ("Số: 912/BB-1.D368", "912/BB-LĐ368"),  # Q read as 0; L as "1."
    ("Số: 102/8B-LĐ229", "102/BB-LĐ229"), ("Số: 2481/QB-QK", "2481/QĐ-QK"),  # B of BB read as 8; Đ of QĐ as B
    ("Số: 850/BB-PKT. - :", "850/BB-PKT"), ("Số-706/BB-KT ˆ", "706/BB-KT"),  # a full stop; a dash after "Số"
    ("Số: 317/BB-el6s -", "317/BB-e165"),  # a unit code's 1 read as l and its 5 as s
    ("Số: 789/BB-e165_", "789/BB-e165"),  # a rule's stub after the number
    ("Số: 2193/BB-LĐ675-KT", "2193/BB-LĐ675-KT"), ("Số: 30/2020/NĐ-CP", "30/2020/NĐ-CP"),  # as printed
    ("Số: 88/BB-KTs", "88/BB-KTs"),  # an s not after a unit code's digits stays
    (".:8ố: 2869/BB-KT | : ¬ :", "2869/BB-KT"),  # the S of "Số" read as 8, its colon kept
    ("Số: 441/BB-đ14. |", "441/BB-d14"),  # a battalion's code with a stroke OCR added
    ("Số: 323/BB+L-D675-KT", "323/BB-LĐ675-KT"),  # a dash read as "+", the stroke of Đ as a dash
    ("Số: 4742/QĐ-CKTKT", "4742/QĐ-CKT-KT"), ("Số: 354/PSC-TCKTKT", "354/PSC-TCKT-KT"),  # a dash lost
    ("Số: 135/BBXM", "135/BB-XM"), ("Số: 12/QĐBQP", "12/QĐ-BQP"),  # the dash lost after the kind
    ("Số: 2137/QOĐ-e141", "2137/QĐ-e141"),  # a speck read as O inside QĐ
])
def test_ocr_damage_to_the_codes_of_a_document_number(printed, expected):
    page = f"TRUNG ĐOÀN 141\n{printed}\nHà Nội, ngày 05 tháng 01 năm 2020\nBIÊN BẢN KIỂM TRA KỸ THUẬT\n"
    assert values([page])["document_number"] == expected


def test_debris_read_off_the_scanners_edge_does_not_push_the_number_out_of_the_header():
    debris = "Soe —=\nkK,\n:\nh\nH\n£\n2\n& h\nH\n3\n: +\n54,\n<\"@\n"
    page = debris + "QUÂN ĐOÀN 1 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n_ Số: 888/QĐ-CKT-KT os _—\nNinh Bình, ngày 11/04/1998\n"
    assert values([page])["document_number"] == "888/QĐ-CKT-KT"
    # A number is taken from the header only: deep in the body it is a reference, not this document's number.
    body = "".join(f"Dòng thứ {n} của văn bản có chữ\n" for n in range(14))
    assert "document_number" not in values(["QUÂN ĐOÀN 1\n" + body + "Số: 77/QĐ-BQP\n"])


def test_stamp_with_ocr_specks_beside_it():
    page = "_ SƯ ĐOÀN 304\nPe . Quảng Nam, ngày 03/06/1975.\nMẬT k cá\n_ LÝ LICH TRANG BỊ KY THUẬT `\n"
    assert values([page])["classification"] == "confidential"


def test_name_found_by_its_model_when_the_name_label_is_lost():
    page = "PHIẾU BẢO DƯỠNG KỸ THUẬT\nO08 (BK occ „ «.: Pháo lựu 122mm M- 30 và sz490336\nKý hiệu: M-30\n"
    got = values([page])
    assert got["designation"] == "M-30"
    assert got["name"] == "Pháo lựu 122mm M-30"
    assert extract_fields([page])["name"].confidence <= 0.5


def test_designation_misread_against_the_model_in_the_name():
    got = values(["Tên TBKT .......... Xe tăng T-55 gi\nKiểu loại ....................... » 1-55 ....... \" —\n"])
    assert got["name"] == "Xe tăng T-55"
    assert got["designation"] == "T-55"
    got = values(["TT Tên trang bị Ký hiệu Số hiệu Cấp | Số lượng\n1 |Xechiếnđấubộbinh |BMP-I E620176 1 01\n"])
    assert got["designation"] == "BMP-1"


def test_confidence_drops_with_ocr_damage():
    clean = extract_fields(["Số hiệu: P18-6643\n"])["serial_number"].confidence
    specked = extract_fields(["Số đăng ky ena . P18-6643............. SN XS làng T0 c1 A00 tea hy Td\n"])["serial_number"].confidence
    fuzzy = extract_fields(["S6 hiéu: P18-6643\n"])["serial_number"].confidence
    assert clean > fuzzy and clean > specked
    assert clean >= 0.9


def test_transfer_units_with_ocr_punctuation_in_them():
    text = (
        "QUYẾT ĐỊNH\nĐiều 1. Điều chuyển 01 (một) xe tăng Kiểu 59, ký hiệu Type 59, số hiệu 7714-LC,\n"
        "chất lượng cấp 2 từ Trung đoàn 24,:Sư đoàn 304 về Lữ đoàn 201 quản lý, sử\ndụng.\n"
    )
    got = values([text])
    assert got["from_unit"] == "Trung đoàn 24, Sư đoàn 304"
    assert got["to_unit"] == "Lữ đoàn 201"
    text = "QUYẾT ĐỊNH\nĐiều 1. Điều động 01 (một) xe ô tô chỉ huy UAZ-469, số\nhiệu A249573 từ Lữ đoàn 201 về Trung\nđoàn 141; Sư đoàn 312 quản lý, sử dụng.\n"
    got = values([text])
    assert got["to_unit"] == "Trung đoàn 141, Sư đoàn 312"  # ";" read for ","
    assert got["serial_number"] == "A249573"


def test_more_ocr_damage_in_names():
    assert values(["Trang bị: Đài ra đa P-19 Ký-hiệu: P-19\n"])["name"] == "Đài ra đa P-19"
    assert values(["Tên trang bị: Xe ô tô chỉ huy UAZ-469 een SS\n"])["name"] == "Xe ô tô chỉ huy UAZ-469"
    assert values(["Tên trang bị: Máy-thông tin vô tuyến điện VRC-811\n"])["name"] == "Máy thông tin vô tuyến điện VRC-811"
    assert values(["Tên í Hang bị: Máy thông tin vô tuyến điện VRC- 811\n"])["name"] == "Máy thông tin vô tuyến điện VRC-811"
    text = "QUYẾT ĐỊNH\nDiéu 1, Điều chuyển ( 01 (một) pháo phòng không 57mm.S- 60, ký hiệu S-60, số hiệu .\n_5G- 6383, năm sản xuất 1961\n"
    got = values([text])
    assert got["name"] == "Pháo phòng không 57mm S-60"
    assert got["serial_number"] == "5G-6383"


def test_a_long_label_split_by_an_ocr_colon_is_one_label():
    got = values(["PHẦN I. THÔNG TIN CHUNG\nSố hiệu: trang bị: 287843\nKý hiệu: R-123M\n"])
    assert got["serial_number"] == "287843"


def test_a_grade_whose_cap_ocr_read_as_gap():
    assert values(["BIÊN BẢN KIỂM TRA\nKết luận: Trang bị đạt Cấp chất lượng: Gấp 2.\n"])["quality_grade"] == 2


def test_a_label_whose_colon_ocr_read_as_a_semicolon():
    assert values(["LÝ LỊCH XE\nTên trang bị; Xe tăng T-54B\nKý hiệu: T-54B\n"])["name"] == "Xe tăng T-54B"


def test_a_label_with_an_ocr_colon_between_its_words():
    assert values(["BIÊN BẢN KIỂM KÊ\nĐơn: VỊ: Trung đoàn 48, Sư đoàn 320 ; : ; _\n"])["unit"] == "Trung đoàn 48, Sư đoàn 320"


def test_a_rows_label_cell_alone_with_its_value_on_the_next_line():
    page = "LÝ LỊCH XE\n6 | Năm sản xuất 1972\n7 | Đơn vị có trang bị _\n\nTrung đoàn 24, Sư đoàn 304_\n\nNgày nhận về đơn vị: 08-12-1972\n"
    assert values([page])["unit"] == "Trung đoàn 24, Sư đoàn 304"


def test_a_country_read_apart_from_its_empty_label_in_a_two_column_form():
    page = "Kiểu loại: M113\nNhà sản xuất: FMC Corporation\n\nNước sản xuất:\n\nSố hiệu: S134425\n\nHoa Kỳ\n\nNăm sản xuất: 1968\n"
    assert values([page])["country_of_origin"] == "Hoa Kỳ"
    far = "Nước sản xuất:\nSố hiệu: S134425\n" + "\n".join(f"Số km đã chạy: {n}00 km" for n in range(12)) + "\nNga\n"
    assert "country_of_origin" not in values([far])  # a country alone far below is another column's
