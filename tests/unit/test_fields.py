"""Field extraction over realistic dossier pages in several layouts and states of damage."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.fields import extract_fields
from ingest.types import FIELD_NAMES

LOGBOOK = """BỘ QUỐC PHÒNG                                CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
CỤC KỸ THUẬT QUÂN KHU 1                          Độc lập - Tự do - Hạnh phúc
Số: 125/LL-KT                             Thái Nguyên, ngày 05 tháng 01 năm 2020

                         LÝ LỊCH TRANG BỊ KỸ THUẬT

1. Tên trang bị: Xe tăng T-54B
2. Ký hiệu: T-54B                 Số hiệu: KB-15-84
3. Nhà máy sản xuất: Nhà máy số 183 (Uralvagonzavod)
4. Nước sản xuất: Liên Xô          Năm sản xuất: 1984
5. Số máy: 840123                 Số khung: 77123
6. Đơn vị quản lý: Tiểu đoàn 1, Lữ đoàn 201
7. Cấp chất lượng: Cấp 2

QUÁ TRÌNH SỬ DỤNG
TT   Ngày          Nội dung                         Cấp CL
1    12/03/2015    Nhận trang bị từ Kho K3          Cấp 4
2    20/06/2018    Sửa chữa vừa                     Cấp 3
"""

TRANSFER = """BỘ QUỐC PHÒNG                              CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
BỘ TƯ LỆNH QUÂN KHU 3                          Độc lập - Tự do - Hạnh phúc
Số: 47/QĐ-BTL                              Hải Phòng, ngày 21 tháng 9 năm 2019

                                QUYẾT ĐỊNH
                 Về việc điều chuyển trang bị kỹ thuật
                      TƯ LỆNH QUÂN KHU 3

Căn cứ Quyết định số 12/QĐ-BQP ngày 02/01/2019 của Bộ Quốc phòng;
Xét đề nghị của Chủ nhiệm Kỹ thuật Quân khu,
                               QUYẾT ĐỊNH:
Điều 1. Điều chuyển 01 xe ô tô ZIL-131, số hiệu QA 12 34, năm sản xuất 1987,
cấp chất lượng 3 từ Lữ đoàn 201 về Trung đoàn 8, Sư đoàn 395 quản lý, sử dụng.
Điều 2. Các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành Quyết định này.
"""

REPAIR_SECRET = """                                                                   TỐI MẬT
BỘ QUỐC PHÒNG                          CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM
NHÀ MÁY Z153                                Độc lập - Tự do - Hạnh phúc
Số: 08/BB-NM                              TP. Hồ Chí Minh, ngày 14 tháng 11 năm 2022

                    BIÊN BẢN NGHIỆM THU SAU SỬA CHỮA
Hôm nay, ngày 14 tháng 11 năm 2022, tại Nhà máy Z153, chúng tôi gồm:
Tên VKTBKT ........ Đài ra đa P-18 ........ Số xuất xưởng ...... 8412O7
Đơn vị có trang bị: Trung đoàn 234, Sư đoàn 361
Cấp sửa chữa: SCL
Cấp chất lượng trước sửa chữa: Cấp 4
Cấp chất lượng sau sửa chữa: Cấp 2
Kết luận: Trang bị đã được sửa chữa xong, bàn giao cho đơn vị. Việc giữ bí mật được bảo đảm.
"""

OCR_INSPECTION = """BO QUOC PHONG                     CONG HOA XA HOI CHU NGHIA VIET NAM
LU DOAN 201                         Doc lap - Tu do - Hanh phuc
So: 3O/BB-KT                          Ha Noi, ngay 5 thang 3 nam 2O21

BIEN BAN KIEM TRA KY THUAT
Ten trang bi: Xe thiet giap BTR-152
Ky hleu: BTR-152
S0 hieu: KB-I5-84
Don vi quan ly: Tieu doan 3, Lu doan 201
Nam san xuat: l975
Ket luan: trang bi dat cap chat luong 3, de nghi sua chua vua.
"""

HANDOVER_TABLE = """BỘ QUỐC PHÒNG
CỤC QUÂN KHÍ
Số: 112/BB-QK
                              BIÊN BẢN GIAO NHẬN TRANG BỊ
Hôm nay ngày 03/04/2018 tại Kho K3, chúng tôi gồm:
BÊN GIAO: KHO K3, CỤC QUÂN KHÍ
 - Đồng chí Nguyễn Văn An, chức vụ Chủ nhiệm kho
BÊN NHẬN: TRUNG ĐOÀN 141, SƯ ĐOÀN 312
 - Đồng chí Trần Văn Bình, chức vụ Trợ lý xe máy

TT   Tên trang bị        Ký hiệu     Số hiệu        Số lượng    Cấp chất lượng
1    Súng pháo 37mm      K-65        65-0177        01          Cấp 1
"""

MAINTENANCE_LEADERS = """                                                      MẬT
BỘ QUỐC PHÒNG
PHÒNG KỸ THUẬT SƯ ĐOÀN 5
                       PHIẾU BẢO DƯỠNG ĐỊNH KỲ
TÊN TRANG BỊ: ............XE Ô TÔ URAL-375D............
SỐ ĐĂNG KÝ:..........TC-30-15..........
ĐƠN VỊ SỬ DỤNG: ........ ĐẠI ĐỘI 9, TIỂU ĐOÀN 3 ........
NĂM SẢN XUẤT ........ 1979 ........ NƯỚC SẢN XUẤT ....... LIÊN XÔ
Ngày 7 tháng 8 năm 2016
"""

GRADE_CHANGE_PIPES = """BỘ QUỐC PHÒNG                   CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SƯ ĐOÀN 304                          Độc lập - Tự do - Hạnh phúc
Số: 215/QĐ-SĐ                        Quảng Nam, ngày 02 tháng 12 năm 2021
ĐỘ MẬT: MẬT
                                  QUYẾT ĐỊNH
                 Về việc chuyển cấp chất lượng trang bị kỹ thuật
| Tên trang bị | Ký hiệu | Số hiệu | Đơn vị quản lý |
|---|---|---|---|
| Pháo tự hành | 2S1 | 2S1-0456 | Trung đoàn 24 |
Điều 1. Chuyển cấp chất lượng trang bị nêu trên từ cấp 2 xuống cấp 3.
"""

STORAGE_TWO_PAGES = [
    """BỘ QUỐC PHÒNG
KHO K860
Số: 19/BB-K860                        Bắc Giang, ngày 10 tháng 6 năm 2017
                     BIÊN BẢN MỞ NIÊM CẤT
(trang bị chi tiết ở trang sau)
""",
    """Tên trang bị          Súng máy phòng không 14,5 mm
Kiểu                  ZPU-4
Số máy                5512
Số hiệu               ZP-0092
Xuất xứ               Trung Quốc
Cấp chất lượng        Cấp II
""",
]


def values(fields):
    return {name: field.value for name, field in fields.items()}


def test_logbook_label_colon_layout():
    fields = extract_fields([LOGBOOK])
    assert values(fields) == {
        "doc_type": "logbook",
        "title": "LÝ LỊCH TRANG BỊ KỸ THUẬT",
        "document_number": "125/LL-KT",
        "document_date": "2020-01-05",
        "serial_number": "KB-15-84",  # Số hiệu, not Số máy or Số khung
        "designation": "T-54B",
        "name": "Xe tăng T-54B",
        "unit": "Tiểu đoàn 1, Lữ đoàn 201",  # not the header's CỤC KỸ THUẬT QUÂN KHU 1
        "manufacturer": "Nhà máy số 183 (Uralvagonzavod)",
        "country_of_origin": "Liên Xô",
        "year_of_manufacture": 1984,
        "quality_grade": 2,  # the form's field, not the history rows
    }
    assert fields["serial_number"].confidence >= 0.9
    assert "classification" not in fields  # no stamp read: unknown, never assumed unclassified
    assert all(field.page == 1 for field in fields.values())


def test_transfer_prose_from_and_to():
    fields = extract_fields([TRANSFER])
    got = values(fields)
    assert got["doc_type"] == "transfer"
    assert got["document_number"] == "47/QĐ-BTL"
    assert got["document_date"] == "2019-09-21"  # not the referenced decision's date
    assert got["from_unit"] == "Lữ đoàn 201"
    assert got["to_unit"] == "Trung đoàn 8, Sư đoàn 395"
    assert got["unit"] == "Trung đoàn 8, Sư đoàn 395"  # the item now belongs to to_unit
    assert got["serial_number"] == "QA-12-34"
    assert got["designation"] == "ZIL-131"
    assert got["year_of_manufacture"] == 1987
    assert got["quality_grade"] == 3
    assert "repair_level" not in got
    assert fields["unit"].confidence < fields["to_unit"].confidence


def test_repair_with_scl_secret_stamp_and_leaders():
    fields = extract_fields([REPAIR_SECRET])
    got = values(fields)
    assert got["doc_type"] == "repair"
    assert got["classification"] == "secret"  # TỐI MẬT, not MẬT; "bí mật" in prose is no stamp
    assert got["repair_level"] == "major"
    assert got["quality_grade"] == 2  # after repair, not before
    assert got["name"] == "Đài ra đa P-18"
    assert got["serial_number"] == "841207"  # O read as 0 inside a number
    assert got["unit"] == "Trung đoàn 234, Sư đoàn 361"  # not NHÀ MÁY Z153 of the header
    assert got["document_date"] == "2022-11-14"
    assert fields["classification"].confidence >= 0.9
    assert fields["serial_number"].confidence < 0.85  # repaired value


def test_ocr_damaged_inspection():
    fields = extract_fields([OCR_INSPECTION])
    got = values(fields)
    assert got["doc_type"] == "inspection"
    assert got["document_number"] == "30/BB-KT"
    assert got["document_date"] == "2021-03-05"
    assert got["name"] == "Xe thiet giap BTR-152"
    assert got["designation"] == "BTR-152"
    assert got["serial_number"] == "KB-15-84"
    assert got["unit"] == "Tieu doan 3, Lu doan 201"
    assert got["year_of_manufacture"] == 1975
    assert got["quality_grade"] == 3
    assert "repair_level" not in got  # an inspection recommending repair is not a repair
    assert fields["serial_number"].confidence < 0.75  # fuzzy label and repaired value
    assert fields["document_number"].confidence < 0.9


def test_handover_sides_and_spaced_table():
    got = values(extract_fields([HANDOVER_TABLE]))
    assert got["doc_type"] == "handover"
    assert got["from_unit"] == "Kho K3, Cục Quân khí"  # upper-case forms in sentence case
    assert got["to_unit"] == "Trung đoàn 141, Sư đoàn 312"
    assert got["name"] == "Súng pháo 37mm"
    assert got["designation"] == "K-65"
    assert got["serial_number"] == "65-0177"
    assert got["quality_grade"] == 1
    assert got["document_date"] == "2018-04-03"
    assert got["document_number"] == "112/BB-QK"


def test_uppercase_labels_with_dotted_leaders():
    got = values(extract_fields([MAINTENANCE_LEADERS]))
    assert got["doc_type"] == "maintenance"
    assert got["classification"] == "confidential"
    assert got["name"] == "XE Ô TÔ URAL-375D"
    assert got["designation"] == "URAL-375D"
    assert got["serial_number"] == "TC-30-15"
    assert got["unit"] == "Đại đội 9, Tiểu đoàn 3"
    assert got["year_of_manufacture"] == 1979
    assert got["country_of_origin"] == "LIÊN XÔ"
    assert got["document_date"] == "2016-08-07"
    assert "document_number" not in got


def test_grade_change_with_pipe_table_and_labelled_stamp():
    got = values(extract_fields([GRADE_CHANGE_PIPES]))
    assert got["doc_type"] == "grade_change"
    assert got["classification"] == "confidential"
    assert got["name"] == "Pháo tự hành 2S1"  # the table's model column joins the name, as the logbook prints it
    assert got["designation"] == "2S1"
    assert got["serial_number"] == "2S1-0456"
    assert got["unit"] == "Trung đoàn 24"
    assert got["quality_grade"] == 3  # the new grade
    assert got["document_number"] == "215/QĐ-SĐ"


def test_second_page_values_carry_their_page():
    fields = extract_fields(STORAGE_TWO_PAGES)
    got = values(fields)
    assert got["doc_type"] == "storage"
    assert got["document_date"] == "2017-06-10"
    assert got["name"] == "Súng máy phòng không 14,5 mm ZPU-4"  # the model read beside the name joins it
    assert got["designation"] == "ZPU-4"
    assert got["serial_number"] == "ZP-0092"  # Số hiệu preferred over an earlier Số máy
    assert got["country_of_origin"] == "Trung Quốc"
    assert got["quality_grade"] == 2  # roman numeral
    assert fields["serial_number"].page == 2
    assert fields["doc_type"].page == 1


def test_stamp_variants():
    def level(text):
        found = extract_fields([text]).get("classification")
        return found.value if found else None

    assert level("TUYỆT MẬT\nBỘ QUỐC PHÒNG\n") == "top_secret"
    assert level("BỘ QUỐC PHÒNG         TỐI MẬT\n") == "secret"
    assert level("BỘ QUỐC PHÒNG\nĐộ mật: Tối mật\n") == "secret"
    assert level("TOI MAT\nBO QUOC PHONG\n") == "secret"  # marks lost by OCR
    assert level("Các đơn vị giữ bí mật tuyệt đối.\nTÀI LIỆU MẬT CỦA ĐƠN VỊ\n") is None  # no stamp: unknown
    assert level("BỘ QUỐC PHÒNG\nĐộ mật: Thường\n") == "unclassified"  # said so on the paper


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Cấp sửa chữa: vừa", "medium"),
        ("Hình thức sửa chữa: SCN", "minor"),
        ("Tiến hành sửa chữa lớn xe tăng T-54B.", "major"),
        ("Cấp sửa chữa: Trung tu", "medium"),
    ],
)
def test_repair_levels(line, expected):
    text = "BỘ QUỐC PHÒNG\n\nLỆNH SỬA CHỮA\n" + line + "\n"
    assert extract_fields([text])["repair_level"].value == expected


def test_document_number_is_never_the_serial():
    text = "BỘ QUỐC PHÒNG\nSố: 125/QĐ-TCKT\n\nBIÊN BẢN KIỂM TRA KỸ THUẬT\nKý hiệu: D-30\n"
    got = values(extract_fields([text]))
    assert got["document_number"] == "125/QĐ-TCKT"
    assert "serial_number" not in got
    assert got["designation"] == "D-30"


def test_labels_stop_at_the_next_label_and_unknown_labels():
    text = "Tên trang bị: Xe ô tô vận tải  Số lượng: 01  Đơn vị tính: chiếc\nKý hiệu: ZIL-131 Số hiệu: 4512\n"
    got = values(extract_fields([text]))
    assert got["name"] == "Xe ô tô vận tải ZIL-131"  # its model, printed on the next row, joins the name
    assert got["designation"] == "ZIL-131"
    assert got["serial_number"] == "4512"
    assert "unit" not in got  # "Đơn vị tính" is a unit of measure, not the item's unit


def test_grade_qualifiers_and_implausible_values():
    text = (
        "Cấp chất lượng cũ: Cấp 2     Cấp chất lượng mới: Cấp 4\n"
        "Năm sản xuất: 2099\n"
        "Số hiệu: .............\n"
    )
    got = values(extract_fields([text]))
    assert got["quality_grade"] == 4
    assert "year_of_manufacture" not in got
    assert "serial_number" not in got


def test_output_contract():
    for pages in ([LOGBOOK], [TRANSFER], [REPAIR_SECRET], STORAGE_TWO_PAGES, [""], []):
        fields = extract_fields(pages)
        assert set(fields) <= set(FIELD_NAMES)
        assert "doc_type" in fields
        for field in fields.values():
            assert field.value is not None
            assert 0.0 <= field.confidence <= 1.0
            assert field.page >= 1


DECOMMISSION_PROSE = """BỘ QUỐC PHÒNG
TỔNG CỤC KỸ THUẬT
Số: 201/QĐ-TCKT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 3 tháng 7 năm 2015
QUYẾT ĐỊNH
Về việc loại khỏi biên chế trang bị kỹ thuật
CHỦ NHIỆM TỔNG CỤC KỸ THUẬT
Căn cứ kết quả kiểm tra kỹ thuật ngày 20/06/2015 của Cục Xe máy;
QUYẾT ĐỊNH:
Điều 1. Loại khỏi biên chế 01 xe ô tô UAZ-469, biển số: QB-45-21, năm sản xuất 1980,
cấp chất lượng 5, của Trung đoàn 52, Sư đoàn 320.
"""

OCR_TRANSFER_NO_MARKS = """BO QUOC PHONG
SU DOAN 5
S6: 77/QD-SD
QUYET DINH
Ve viec dieu chuyen trang bi ky thuat
Dieu 1. Dieu chuyen xe thiet giap BTR-60PB, so hieu: KC-22-9O, tu Tieu doan 3 sang Tieu doan 7, Trung doan 4.
Dong Nai, ngay 1O thang 1O nam 2O18
"""

REPAIR_ORDER = """BỘ QUỐC PHÒNG
XƯỞNG X51
Số: 9/LSC-X51
BIÊN BẢN
Nghiệm thu sửa chữa trang bị
Giao cho Xưởng X51 sửa chữa vừa (SCV) trang bị sau:
Tên TBKT: Xe ô tô KAMAZ-4310       Số khung: XTC43100012
Số máy: 740.10-210     Đơn vị quản lý: Lữ đoàn 279
Thời gian hoàn thành: 30/04/2023
Hà Nội, ngày 05 tháng 02 năm 2023
"""


def test_decommission_prose_unit_and_item():
    fields = extract_fields([DECOMMISSION_PROSE])
    got = values(fields)
    assert got["doc_type"] == "decommission"
    assert got["title"] == "QUYẾT ĐỊNH Về việc loại khỏi biên chế trang bị kỹ thuật"
    assert got["document_date"] == "2015-07-03"
    assert got["serial_number"] == "QB-45-21"
    assert got["designation"] == "UAZ-469"
    assert got["name"] == "Xe ô tô UAZ-469"  # read mid-sentence, stands capitalised
    assert got["unit"] == "Trung đoàn 52, Sư đoàn 320"  # not "Cục Xe máy" of the reference line
    assert got["quality_grade"] == 5
    assert got["year_of_manufacture"] == 1980
    assert fields["unit"].confidence <= 0.6  # prose, not a label


def test_transfer_without_any_diacritics():
    got = values(extract_fields([OCR_TRANSFER_NO_MARKS]))
    assert got["doc_type"] == "transfer"
    assert got["document_number"] == "77/QD-SD"  # "Số" read as "S6"
    assert got["serial_number"] == "KC-22-90"
    assert got["designation"] == "BTR-60PB"
    assert got["from_unit"] == "Tieu doan 3"
    assert got["to_unit"] == "Tieu doan 7, Trung doan 4"
    assert got["document_date"] == "2018-10-10"


def test_repair_acceptance_with_split_title_and_frame_number():
    got = values(extract_fields([REPAIR_ORDER]))
    assert got["doc_type"] == "repair"
    assert got["title"] == "BIÊN BẢN Nghiệm thu sửa chữa trang bị"
    assert got["repair_level"] == "medium"
    assert got["name"] == "Xe ô tô KAMAZ-4310"
    assert got["designation"] == "KamAZ-4310"  # from the name, not "X51" of the workshop; catalogue form
    assert got["serial_number"] == "XTC43100012"
    assert got["unit"] == "Lữ đoàn 279"
    assert got["document_date"] == "2023-02-05"  # not the completion deadline


PIECES = [
    "Số hiệu:", "Số:", "12/QĐ-BTL", "KB-I5-84", "ngày", "tháng", "năm", "2021", "31", "Đơn vị quản lý:", "BÊN GIAO:",
    "từ", "Lữ đoàn 201", "về", "điều chuyển", "cấp chất lượng", "cấp", "II", "MẬT", "TỐI MẬT", "........", "|",
    "\n", "  ", "Hà Nội,", "BIÊN BẢN", "QUYẾT ĐỊNH", "sửa chữa", "SCL", "Tên trang bị", "(", ")", "Căn cứ", "của",
]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=40).map(" ".join), max_size=3))
def test_any_text_gives_well_formed_fields(pages):
    fields = extract_fields(pages)
    assert set(fields) <= set(FIELD_NAMES)
    for name, field in fields.items():
        assert field.value is not None and field.value != ""
        assert 0.0 <= field.confidence <= 1.0
        assert 1 <= field.page <= max(len(pages), 1)
    if "quality_grade" in fields:
        assert fields["quality_grade"].value in {1, 2, 3, 4, 5}
    if "classification" in fields:
        assert fields["classification"].value in {"unclassified", "confidential", "secret", "top_secret"}
