import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.text import fold, fold_iy, fold_map, normalize_text

VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
VIETNAMESE = VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CỘNG HOÀ", "CỘNG HÒA"),
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("toạ độ", "tọa độ"),
        ("hoàng", "hoàng"),  # a consonant follows: the tone stays on the second vowel
        ("quý", "quý"),  # qu + y glides: untouched
        ("hoặc", "hoặc"),  # breve under the tone: untouched (was "họăc")
        ("Nguyễn", "Nguyễn"),
    ],
)
def test_normalize_text_canonical_tone_placement(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_text_composes_and_drops_control_characters():
    decomposed = unicodedata.normalize("NFD", "Số hiệu")
    assert normalize_text(decomposed + "\x00\x07") == "Số hiệu"
    assert normalize_text("a\tb\nc") == "a\tb\nc"
    assert normalize_text("") == ""


def test_control_character_between_letters_and_mark_does_not_break_idempotence():
    text = "oa\x00\u0300"
    assert normalize_text(normalize_text(text)) == normalize_text(text)


def test_fold_strips_marks_and_maps_d_stroke():
    assert fold("ĐƠN VỊ QUẢN LÝ") == "don vi quan ly"
    assert fold_iy("Lý lịch kỹ thuật") == "li lich ki thuat"
    assert fold_iy("lí lịch kĩ thuật") == fold_iy("Lý lịch kỹ thuật")


def test_fold_map_points_back_to_the_printed_text():
    text = "Số hiệu: KB-15-84"
    folded, offsets = fold_map(text, iy=True)
    start = folded.index("kb")
    assert text[offsets[start] : offsets[len(folded)]] == "KB-15-84"
    assert len(offsets) == len(folded) + 1


@given(st.text())
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text(alphabet=VIETNAMESE + " ", max_size=40))
def test_fold_ignores_normalisation(text):
    assert fold(normalize_text(text)) == fold(text)


@given(st.text(alphabet=VIETNAMESE + " .:-0123456789", max_size=40))
def test_fold_map_agrees_with_fold_on_nfc_text(text):
    nfc = normalize_text(text)
    assert fold_map(nfc)[0] == fold(nfc)


@given(st.text())
def test_fold_iy_is_fold_with_y_read_as_i(text):
    # fold_iy folds through its own table in one pass; it must stay exactly fold followed by y→i, whatever the text
    assert fold_iy(text) == fold(text).replace("y", "i")


@given(st.text(alphabet=VIETNAMESE + "YyÝýỲỳ .:-0123456789", max_size=40))
def test_fold_iy_on_vietnamese_text(text):
    assert fold_iy(text) == fold(text).replace("y", "i")
