"""Legacy 8-bit Vietnamese text layers (TCVN3/ABC and VNI-Windows): tables, detection, repair, pipeline."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ingest.legacy_encoding import (
    VIETNAMESE_LETTERS,
    decode_tcvn3,
    decode_vni,
    detect_legacy_encoding,
    encode_tcvn3,
    encode_vni,
    is_vietnamese_syllable,
    repair_legacy_text,
)
from ingest.pipeline import ExtractionOptions, extract
from common.text import normalize_text
from tests.conftest import DOSSIER_KB_15_84, SAMPLE_LINES, text_pdf

PHRASES = [
    "BIÊN BẢN KIỂM TRA KỸ THUẬT",
    "Số hiệu: KB-15-84",
    "Đơn vị quản lý: Lữ đoàn 201",
    "Cấp chất lượng: Cấp 2",
    "Sửa chữa lớn",
]

# Typed independently of the tables: the 67 lowercase letters of the Vietnamese alphabet beyond ASCII.
LOWER = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def test_alphabet_is_the_134_letters():
    assert len(LOWER) == 67
    assert sorted(VIETNAMESE_LETTERS) == sorted(LOWER + LOWER.upper())
    assert all(unicodedata.is_normalized("NFC", ch) for ch in VIETNAMESE_LETTERS)


@pytest.mark.parametrize("letter", list(LOWER + LOWER.upper()))
def test_vni_round_trips_every_letter(letter):
    encoded = encode_vni(letter)
    assert encoded != letter or letter in "íìÍÌ"  # VNI keeps í and ì on their Latin-1 code points
    assert all(ord(ch) <= 0xFF for ch in encoded)
    assert decode_vni(encoded) == letter
    assert decode_vni("x" + encoded + "x") == "x" + letter + "x"


@pytest.mark.parametrize("letter", list(LOWER + LOWER.upper()))
def test_tcvn3_round_trips_every_letter(letter):
    encoded = encode_tcvn3(letter)
    assert len(encoded) == 1 and 0xA1 <= ord(encoded) <= 0xFE
    if letter.islower() or letter in "ĂÂÊÔƠƯĐ":
        assert decode_tcvn3(encoded) == letter
    else:
        # No uppercase toned code point in TCVN3: alone it reads lowercase; inside capitals, uppercase.
        assert decode_tcvn3(encoded) == letter.lower()
        assert decode_tcvn3("X" + encoded + "X") == "X" + letter + "X"
    assert decode_tcvn3("x" + encode_tcvn3(letter.lower()) + "x") == "x" + letter.lower() + "x"


def test_tables_are_injective():
    lower_tcvn3 = [encode_tcvn3(ch) for ch in LOWER]
    assert len(set(lower_tcvn3)) == len(LOWER)
    assert not set(lower_tcvn3) & {encode_tcvn3(ch) for ch in "ĂÂÊÔƠƯĐ"}
    vni = [encode_vni(ch) for ch in LOWER + LOWER.upper()]
    assert len(set(vni)) == len(vni)


@pytest.mark.parametrize(
    ("unicode", "tcvn3", "vni"),
    [
        # Spellings quoted by converters' documentation and by the brief, independent of our tables.
        ("Biên bản kiểm tra", "Biªn b¶n kiÓm tra", "Bieân baûn kieåm tra"),
        ("Xin chào các bạn", "Xin chµo c¸c b¹n", "Xin chaøo caùc baïn"),
        ("Bảo Thắng", "B¶o Th¾ng", "Baûo Thaéng"),
        ("Mường Khương", "M\xadêng Kh\xad¬ng", "Möôøng Khöông"),
        ("Bát Xát", "B¸t X¸t", "Baùt Xaùt"),
    ],
)
def test_known_spellings(unicode, tcvn3, vni):
    assert encode_tcvn3(unicode) == tcvn3
    assert encode_vni(unicode) == vni
    assert decode_tcvn3(tcvn3) == unicode
    assert decode_vni(vni) == unicode


# Byte strings written out from the published charts, not from this project's tables: TCVN3 (ABC) from the
# TCVN 5712:1993 chart (glibc's TCVN5712-1 charmap: à 0xB5, ả 0xB6, ă 0xA8, â 0xA9, ê 0xAA, ô 0xAB, ơ 0xAC,
# ư 0xAD, đ 0xAE, Ê 0xA3, Đ 0xA7, ấ 0xCA, ậ 0xCB, ể 0xD3, ệ 0xD6, ề 0xD2, ế 0xD5, ị 0xDE, ò 0xDF, ố 0xE8,
# ớ 0xED, ợ 0xEE, ử 0xF6, ữ 0xF7, ỹ 0xFC, ý 0xFD) and VNI-Windows from the VNI chart as VBKey's code tables
# list it (base letter, then a mark byte: circumflex 0xE2, breve 0xEA, acute 0xF9, grave 0xF8, hook 0xFB,
# tilde 0xF5, dot 0xEF; circumflex+acute 0xE1, +grave 0xE0, +hook 0xE5, +dot 0xE4; ơ 0xF4, ư 0xF6, đ 0xF1,
# Đ 0xD1, ị 0xF2). Each byte was checked against those charts by hand.
CHART_SPELLINGS = [
    ("Lữ đoàn xe tăng 203", "L\xf7 \xaeo\xb5n xe t\xa8ng 203", "L\xf6\xf5 \xf1oa\xf8n xe ta\xeang 203"),
    ("Trung đoàn phòng không 280", "Trung \xaeo\xb5n ph\xdfng kh\xabng 280", "Trung \xf1oa\xf8n pho\xf8ng kho\xe2ng 280"),
    ("Tiểu đoàn 3, Sư đoàn 304", "Ti\xd3u \xaeo\xb5n 3, S\xad \xaeo\xb5n 304", "Tie\xe5u \xf1oa\xf8n 3, S\xf6 \xf1oa\xf8n 304"),
    ("Kiểm tra kỹ thuật", "Ki\xd3m tra k\xfc thu\xcbt", "Kie\xe5m tra ky\xf5 thua\xe4t"),
    ("Cấp chất lượng", "C\xcap ch\xcat l\xad\xeeng", "Ca\xe1p cha\xe1t l\xf6\xf4\xefng"),
    ("Điều chuyển", "\xa7i\xd2u chuy\xd3n", "\xd1ie\xe0u chuye\xe5n"),
    ("Đơn vị quản lý", "\xa7\xacn v\xde qu\xb6n l\xfd", "\xd1\xf4n v\xf2 qua\xfbn ly\xf9"),
    ("Quyết định", "Quy\xd5t \xae\xdenh", "Quye\xe1t \xf1\xf2nh"),
    ("Sửa chữa lớn", "S\xf6a ch\xf7a l\xedn", "S\xf6\xfba ch\xf6\xf5a l\xf4\xf9n"),
    ("Số hiệu", "S\xe8 hi\xd6u", "So\xe1 hie\xe4u"),
    ("Nước sản xuất: Liên Xô", "N\xad\xedc s\xb6n xu\xcat: Li\xaan X\xab", "N\xf6\xf4\xf9c sa\xfbn xua\xe1t: Lie\xe2n Xo\xe2"),
    ("BIÊN BẢN", "BI\xa3N B\xb6N", "BIE\xc2N BA\xdbN"),
]


@pytest.mark.parametrize(("unicode", "tcvn3", "vni"), CHART_SPELLINGS)
def test_chart_spellings_decode_to_the_exact_unicode(unicode, tcvn3, vni):
    assert decode_tcvn3(tcvn3) == unicode
    assert decode_vni(vni) == unicode


def test_text_layers_typed_in_legacy_fonts_are_repaired_to_the_exact_unicode():
    expected = "\n".join(unicode for unicode, _, _ in CHART_SPELLINGS)
    assert repair_legacy_text("\n".join(tcvn3 for _, tcvn3, _ in CHART_SPELLINGS)) == expected
    assert repair_legacy_text("\n".join(vni for _, _, vni in CHART_SPELLINGS)) == expected


@pytest.mark.parametrize("phrase", PHRASES)
def test_dossier_phrases_convert_back(phrase):
    assert decode_tcvn3(encode_tcvn3(phrase)) == phrase
    assert decode_vni(encode_vni(phrase)) == phrase
    assert encode_tcvn3(phrase) != phrase and encode_vni(phrase) != phrase


def test_capitals_follow_the_line_but_codes_do_not_count():
    for line in ["LỮ ĐOÀN 201", "QUYẾT ĐỊNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 47/BB-KT", "Ký hiệu: T-54B"]:
        assert decode_tcvn3(encode_tcvn3(line)) == line


# ---------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------

BLOCK = "\n".join(PHRASES + ["Tên trang bị: Xe tăng T-54B", "Kết luận: trang bị đạt cấp chất lượng 3, đề nghị sửa chữa lớn"])


def test_detects_tcvn3_and_vni():
    assert detect_legacy_encoding(encode_tcvn3(BLOCK)) == "tcvn3"
    assert detect_legacy_encoding(encode_vni(BLOCK)) == "vni"
    assert repair_legacy_text(encode_tcvn3(BLOCK)) == normalize_text(BLOCK)
    assert repair_legacy_text(encode_vni(BLOCK)) == normalize_text(BLOCK)


@pytest.mark.parametrize("phrase", PHRASES)
def test_repairs_each_phrase_alone(phrase):
    # Even one short line carries enough words, except the serial line (a single changed word).
    for encoded in (encode_tcvn3(phrase), encode_vni(phrase)):
        repaired = repair_legacy_text(encoded)
        assert repaired in (phrase, encoded)
    assert repair_legacy_text(encode_tcvn3(PHRASES[0])) == PHRASES[0]
    assert repair_legacy_text(encode_vni(PHRASES[3])) == PHRASES[3]


@pytest.mark.parametrize(
    "text",
    [
        BLOCK,
        "",
        "12/05/2020 - 1.257,5 km; 47/BB-KT (KB-15-84) № 3 ± 0,5 °C",
        "The quick brown fox jumps over the lazy dog. Serial number KB-15-84, inspected in 2015.",
        "Le garçon a mangé à côté de l'église; où est la clé? Déjà vu, très élégant, « voilà ».",
        "Mon père et ma mère sont allés à l'hôpital près du marché, où ils ont acheté des pâtés.",
        "Die Größe der Straße ist über fünf Meter; Bär, Öl, Füße, weiß, Mädchen, schön.",
        "Señor Muñoz, año, niño, corazón, canción — São Paulo, Ação, informação.",
        "Prices: £5, £10, £20, ¥300, © 2020 ® ½ ¼ ¾ × ÷ § ¶ · ¸ ¹ ² ³",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
        unicodedata.normalize("NFD", BLOCK),
    ],
)
def test_not_legacy(text):
    assert detect_legacy_encoding(text) is None
    assert repair_legacy_text(text) == text


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def test_no_language_known_to_dateparser_reads_as_legacy():
    """Month and weekday names of ~200 locales (Romanian â/î, Azeri ü, Icelandic ð ...): all None."""
    import importlib
    import pkgutil

    import dateparser.data.date_translation_data as data

    checked = 0
    for module in pkgutil.iter_modules(data.__path__):
        info = getattr(importlib.import_module(f"{data.__name__}.{module.name}"), "info", None)
        if info is None:
            continue
        text = " ".join(_strings(info))
        assert detect_legacy_encoding(text) is None, module.name
        checked += 1
    assert checked > 100


def test_none_is_passed_through():
    assert detect_legacy_encoding(None) is None
    assert repair_legacy_text(None) is None


# Real syllables, heavy on the Latin-1 letters (à á â ã è é ê ì í ò ó ô õ ù ú ý) that legacy
# tables reuse, so conversion of proper text would be tempted.
SYLLABLES = (
    "biên bản kiểm tra kỹ thuật số hiệu đơn vị quản lý lữ đoàn cấp chất lượng sửa chữa lớn nhỏ vừa "
    "tên trang bị xe tăng ký nhà máy sản xuất nước năm kết luận đạt đề nghị bàn giao nhận quyết định "
    "điều chuyển từ về sang trung sư tiểu bộ quốc phòng cộng hòa xã hội chủ nghĩa việt nam độc lập tự do "
    "hạnh phúc hà nội ngày tháng là có và các cho của một hai ba bốn năm sáu bảy tám chín mười không "
    "đã được này đó khi thì mà với trên dưới theo như người làm việc tổ chức cán bộ chiến sĩ súng đạn "
    "pháo xe máy tàu thuyền kho bảo dưỡng thường xuyên định kỳ niêm cất mở kiểm kê loại khỏi biên chế "
    "thanh lý tiêu hủy mật tối tuyệt ông bà anh chị em tôi ta nó họ gì sao đâu nào ấy ở ạ ừ ô ê"
).split()


@st.composite
def vietnamese_text(draw):
    words = draw(st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=60))
    case = draw(st.sampled_from(["lower", "upper", "title", "sentence"]))
    if case == "upper":
        words = [w.upper() for w in words]
    elif case == "title":
        words = [w.capitalize() for w in words]
    elif case == "sentence":
        words = [words[0].capitalize()] + words[1:]
    seps = draw(st.lists(st.sampled_from([" ", " ", " ", ", ", ": ", ".\n", " - ", "\n"]), min_size=len(words), max_size=len(words)))
    numbers = draw(st.lists(st.sampled_from(["", "", "", " 201", " KB-15-84", " 05/01/2020", " 3"]), min_size=len(words), max_size=len(words)))
    return "".join(w + n + s for w, n, s in zip(words, numbers, seps))


@settings(max_examples=300, deadline=None)
@given(vietnamese_text(), st.sampled_from(["NFC", "NFD"]))
def test_proper_vietnamese_is_never_legacy(text, form):
    text = unicodedata.normalize(form, text)
    assert detect_legacy_encoding(text) is None
    assert repair_legacy_text(text) == text


@settings(max_examples=200, deadline=None)
@given(vietnamese_text())
def test_encoded_vietnamese_round_trips(text):
    assert decode_vni(encode_vni(text)) == text
    lowered = text.lower()
    assert decode_tcvn3(encode_tcvn3(lowered)) == lowered


DOSSIER_LINES = sorted({line for lines in DOSSIER_KB_15_84.values() for line in lines} | set(SAMPLE_LINES) | set(PHRASES))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(DOSSIER_LINES), min_size=3, max_size=25, unique=True))
def test_encoded_dossier_text_is_detected_and_repaired(lines):
    text = "\n".join(lines)
    # Detection needs a few distinct words to judge by ("Số: 47/BB-KT" three times is not enough).
    assume(len({word for word in re.findall(r"\w+", text) if not word.isascii() and not word.isdigit()}) >= 6)
    for encode, name in ((encode_tcvn3, "tcvn3"), (encode_vni, "vni")):
        assert detect_legacy_encoding(encode(text)) == name
        assert repair_legacy_text(encode(text)) == normalize_text(text)


@pytest.mark.parametrize("word", SYLLABLES + ["nguyễn", "khuya", "người", "hoặc", "quyết", "giặc", "gì", "thuở", "xoong"])
def test_syllable_check_accepts_real_syllables(word):
    assert is_vietnamese_syllable(word)
    assert is_vietnamese_syllable(word.upper())


@pytest.mark.parametrize("word", ["Biªn", "b¶n", "kieåm", "fox", "église", "Straße", "bát̀", "bàt", "xyz", ""])
def test_syllable_check_rejects_non_syllables(word):
    assert not is_vietnamese_syllable(word)


# ---------------------------------------------------------------------------------------------
# End to end: a PDF whose text layer is TCVN3 (or VNI) mojibake
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encode", [encode_tcvn3, encode_vni], ids=["tcvn3", "vni"])
def test_legacy_text_layer_pdf_is_repaired_by_the_pipeline(encode):
    lines = DOSSIER_KB_15_84["inspection.pdf"] + ["Biên bản được lập thành 02 bản, mỗi bên giữ 01 bản."]
    legacy_pdf = text_pdf([encode(line) for line in lines])
    assert "Biên bản" not in encode("Biên bản")  # the PDF really holds mojibake

    extraction = extract(legacy_pdf, ExtractionOptions())
    assert extraction.text_source == "text"
    text = extraction.pages[0].text
    assert "Biên bản được lập thành 02 bản" in text
    assert "BIÊN BẢN KIỂM TRA KỸ THUẬT" in text
    assert "Số hiệu: KB-15-84" in text
    assert "Đơn vị quản lý: Lữ đoàn 201" in text
    assert extraction.value("serial_number") == "KB-15-84"
    assert extraction.value("doc_type") == "inspection"
    assert extraction.value("unit") == "Lữ đoàn 201"

    # Every field comes out exactly as from the same document typed in Unicode.
    reference = extract(text_pdf(lines), ExtractionOptions())
    assert text == reference.pages[0].text
    assert {k: v.value for k, v in extraction.fields.items()} == {k: v.value for k, v in reference.fields.items()}
