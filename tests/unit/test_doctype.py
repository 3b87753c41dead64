import pytest

from ingest.doctype import DOC_TYPES, classify_doc_type

HEADER = """BỘ QUỐC PHÒNG                      CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
LỮ ĐOÀN 201                           Độc lập - Tự do - Hạnh phúc
Số: 12/BB-KT                          Hà Nội, ngày 5 tháng 3 năm 2021

"""


@pytest.mark.parametrize(
    ("title", "expected_type", "printed"),
    [
        ("LÝ LỊCH TRANG BỊ KỸ THUẬT", "logbook", "LÝ LỊCH TRANG BỊ KỸ THUẬT"),
        ("Lý lịch xe", "logbook", "Lý lịch xe"),
        ("BIÊN BẢN BÀN GIAO TRANG BỊ", "handover", "BIÊN BẢN BÀN GIAO TRANG BỊ"),
        ("BIÊN BẢN\nGIAO NHẬN TRANG BỊ KỸ THUẬT", "handover", "BIÊN BẢN GIAO NHẬN TRANG BỊ KỸ THUẬT"),
        ("BIÊN BẢN KIỂM TRA KỸ THUẬT", "inspection", "BIÊN BẢN KIỂM TRA KỸ THUẬT"),
        ("BIÊN BẢN KIỂM TRA ĐÁNH GIÁ CHẤT LƯỢNG", "inspection", "BIÊN BẢN KIỂM TRA ĐÁNH GIÁ CHẤT LƯỢNG"),
        ("PHIẾU BẢO DƯỠNG ĐỊNH KỲ", "maintenance", "PHIẾU BẢO DƯỠNG ĐỊNH KỲ"),
        ("LỆNH SỬA CHỮA", "repair", "LỆNH SỬA CHỮA"),
        ("BIÊN BẢN NGHIỆM THU SAU SỬA CHỮA", "repair", "BIÊN BẢN NGHIỆM THU SAU SỬA CHỮA"),
        ("QUYẾT ĐỊNH\nVề việc điều chuyển trang bị kỹ thuật", "transfer", "QUYẾT ĐỊNH Về việc điều chuyển trang bị kỹ thuật"),
        ("QUYẾT ĐỊNH\nV/v điều động trang bị", "transfer", "QUYẾT ĐỊNH V/v điều động trang bị"),
        ("QUYẾT ĐỊNH\nVề việc chuyển cấp chất lượng trang bị kỹ thuật", "grade_change", "QUYẾT ĐỊNH Về việc chuyển cấp chất lượng trang bị kỹ thuật"),
        ("BIÊN BẢN NIÊM CẤT TRANG BỊ", "storage", "BIÊN BẢN NIÊM CẤT TRANG BỊ"),
        ("BIÊN BẢN MỞ NIÊM CẤT", "storage", "BIÊN BẢN MỞ NIÊM CẤT"),
        ("BIÊN BẢN KIỂM KÊ TRANG BỊ NĂM 2020", "inventory", "BIÊN BẢN KIỂM KÊ TRANG BỊ NĂM 2020"),
        ("QUYẾT ĐỊNH\nLOẠI KHỎI BIÊN CHẾ TRANG BỊ KỸ THUẬT", "decommission", "QUYẾT ĐỊNH LOẠI KHỎI BIÊN CHẾ TRANG BỊ KỸ THUẬT"),
        ("QUYẾT ĐỊNH\nVề việc thanh lý trang bị", "decommission", "QUYẾT ĐỊNH Về việc thanh lý trang bị"),
    ],
)
def test_title_decides(title, expected_type, printed):
    doc_type, confidence, found = classify_doc_type(HEADER + title + "\n\nNội dung ...\n")
    assert (doc_type, found) == (expected_type, printed)
    assert confidence >= 0.85


def test_decision_title_stops_before_the_issuer_line():
    text = HEADER + "QUYẾT ĐỊNH\nVề việc điều chuyển trang bị\nTƯ LỆNH LỮ ĐOÀN 201\nCăn cứ ...\nQUYẾT ĐỊNH:\n"
    assert classify_doc_type(text)[2] == "QUYẾT ĐỊNH Về việc điều chuyển trang bị"


def test_body_words_do_not_override_the_title():
    text = HEADER + "BIÊN BẢN KIỂM TRA KỸ THUẬT\nKết luận: trang bị hỏng nặng, đề nghị sửa chữa lớn.\nSửa chữa tại Xưởng X.\n"
    assert classify_doc_type(text)[0] == "inspection"


def test_header_issuer_words_are_not_a_title():
    text = "BỘ QUỐC PHÒNG\nXƯỞNG SỬA CHỮA 10\nSố: 4/BB\n\nBIÊN BẢN BẢO DƯỠNG\n"
    assert classify_doc_type(text)[:1] == ("maintenance",)


@pytest.mark.parametrize(
    ("title", "expected_type"),
    [
        ("BIEN BAN KIEM TRA KY THUAT", "inspection"),  # marks dropped
        ("BlÊN BẢN BÀN GIAO TRANG BỊ", "handover"),  # l for I in the kind word
        ("QUYET DINH\nVe viec dieu chuyen trang bi", "transfer"),
        ("BIÊN BẢN NGHIÊM THU SAU SƯA CHỮA", "repair"),  # hooks and dots lost
        ("LÍ LỊCH VŨ KHÍ", "logbook"),
    ],
)
def test_damaged_titles(title, expected_type):
    assert classify_doc_type(HEADER + title + "\n")[0] == expected_type


def test_no_title_falls_back_to_body_with_low_confidence():
    doc_type, confidence, title = classify_doc_type("Hôm nay tiến hành bảo dưỡng định kỳ xe ô tô.\n")
    assert (doc_type, title) == ("maintenance", None)
    assert confidence < 0.5


def test_unknown_document_is_other():
    doc_type, confidence, title = classify_doc_type(HEADER + "TỜ TRÌNH\nđề nghị cấp kinh phí\n")
    assert (doc_type, title) == ("other", "TỜ TRÌNH")
    assert classify_doc_type("")[0] == "other"


def test_all_values_are_known():
    assert set(DOC_TYPES) >= {"logbook", "handover", "inspection", "maintenance", "repair", "transfer",
                              "grade_change", "storage", "inventory", "decommission", "other"}


def test_ocr_damaged_keyword_in_title_is_matched_fuzzily():
    doc_type, confidence, title = classify_doc_type(HEADER + "BIÊN BẢN\nKlÊM KÊ TRANG BỊ\n")
    assert (doc_type, title) == ("inventory", "BIÊN BẢN KlÊM KÊ TRANG BỊ")
    assert confidence < 0.85


def test_heading_without_kind_word_below_the_header():
    text = "BỘ QUỐC PHÒNG\nXƯỞNG SỬA CHỮA 10\nSố: 4/BB\n\nKIỂM KÊ TRANG BỊ NĂM 2020\n"
    assert classify_doc_type(text)[:3:2] == ("inventory", "KIỂM KÊ TRANG BỊ NĂM 2020")


def test_title_whose_kind_word_lost_a_letter_to_ocr():
    text = "TRUNG ĐOÀN 291\nSố: 33/LL-d14\nHa Nội, ngày 11 tháng 4 năm 1981\nL LICH T TRA NG BỊ KỸ THUẬ\nSố hiệu: 610796 .\n"
    assert classify_doc_type(text)[0] == "logbook"


def test_a_logbook_title_whose_last_word_ocr_glued_on():
    text = "NHÀ MÁY Z153\nSố hiệu: EM-77-87\nHà Nội, ngày 14 tháng 5 năm 1970:\n\nLÝ LỊCHXE -\n\nPHAN I. THONG TIN CHUNG\n"
    assert classify_doc_type(text)[0] == "logbook"


def test_a_logbook_title_whose_first_word_ocr_misread_beyond_one_letter():
    text = "TRUNG DOAN 291 Độc lập - Tự do - Hạnh phúc\nSố: 14/LL-KT\nHà Nội, ngày 22 tháng 9 năm 2023\n\n" \
           "-HẾ LICH TRANG BỊ KỸ THUẬT\n\n_ PHẦNI. THÔNG TIN CHUNG\nTên trang bị: Đài ra đa VRS-2M\n"
    assert classify_doc_type(text)[0] == "logbook"
    # A decision that hands the logbook over is still a decision.
    text = "QUYẾT ĐỊNH\nVề việc điều chuyển trang bị\nĐiều 2. Bàn giao hồ sơ, lý lịch trang bị kỹ thuật kèm theo\n"
    assert classify_doc_type(text)[0] == "transfer"
