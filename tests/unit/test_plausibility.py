"""How plausible a text is as Vietnamese: the syllable validator and the score on real strings."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.plausibility import is_vietnamese_syllable, measure, score


@pytest.mark.parametrize("word", [
    "cộng", "hòa", "hoà", "xã", "hội", "chủ", "nghĩa", "việt", "nam", "nghiêng", "khuỷu", "huỳnh", "gì", "giữ",
    "quốc", "thuở", "xoong", "trường", "người", "khuya", "đoàn", "lượng", "Kết", "LUẬN", "chiếc", "oẳn",
])
def test_real_syllables_are_valid(word):
    assert is_vietnamese_syllable(word)
    assert is_vietnamese_syllable(unicodedata.normalize("NFD", word))


@pytest.mark.parametrize("word", [
    "viet",  # a stop final needs the rising or the heavy tone
    "việc̀",  # two tones
    "Hcok", "HQI", "chij", "str", "ing", "ăn̉", "âm̀x", "ach̀", "nghe̊", "tiếng1", "qu",
    "cha̋", "iêc", "ăa",
])
def test_debris_is_not_a_syllable(word):
    assert not is_vietnamese_syllable(word)


def test_accented_vietnamese_scores_high():
    found = measure("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert found.language == "vietnamese"
    assert found.score >= 0.9


def test_scanner_text_layer_without_accents_scores_low():
    assert score("CONG Hcok xA HQI CHiJ NGHiA") < 0.3


def test_cleanly_stripped_accents_still_score_low():
    # Every token may be a syllable, but Vietnamese written without a single mark is not how a dossier prints.
    assert score("CONG HOA XA HOI CHU NGHIA VIET NAM Doc lap Tu do Hanh phuc") < 0.5


def test_english_sentence_is_not_junk():
    found = measure("The inspection report lists the serial number and the engine condition of the vehicle.")
    assert found.language == "latin"
    assert found.score >= 0.9


def test_dossier_lines_with_codes_dates_and_leaders_score_high():
    text = "\n".join([
        "Số: 47/BB-KT", "Hà Nội, ngày 05 tháng 01 năm 2020", "Số hiệu ........ KB-15-84",
        "| Tốc độ quay anten | vòng/phút | 6 |", "Công suất xung | kW | 260",
    ])
    assert score(text) >= 0.9


def test_ocr_debris_scores_low():
    assert score("ii ,. ~~ |l1 : ;; ^^ %% Ww ¬ © ˆ") < 0.2


def test_low_confidence_lowers_the_score():
    text = "Kết luận: đạt cấp chất lượng 2"
    assert score(text, 30.0) < score(text, 95.0) <= score(text)


def test_empty_text_is_implausible():
    assert score("") == 0.0
    assert score(None) == 0.0
