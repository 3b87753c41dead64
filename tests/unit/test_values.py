"""Value parsers: the shape checks and the OCR repairs each field's value goes through."""

import pytest

from ingest.values import find_serial, parse_designation, parse_name, parse_serial, parse_unit, parse_year


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("Tiểu đoàn 14, Trung đoàn 291 quản lý, sử dụng.", "Tiểu đoàn 14, Trung đoàn 291"),
        ("Lữ đoàn 164 từ cấp 2 xuống cấp 3", "Lữ đoàn 164"),
        ("Kho K60/Cục Ra đa", "Kho K60/Cục Ra đa"),
        ("nie Trung doan 48, Sư đoàn 320", "Trung đoàn 48, Sư đoàn 320"),  # specks before the unit; a lost mark put back
        ("Trung đoàn 24, Sư đoàn 304 1", "Trung đoàn 24, Sư đoàn 304"),  # specks after it
        ("Trung đoàn 48, Su doan 320 Xš šE8/0544", "Trung đoàn 48, Sư đoàn 320"),
        ("Tieu doan 3, Lu doan 201", "Tieu doan 3, Lu doan 201"),  # typed without marks: kept as typed
        ("Trung đoàn 293,: Sư đoàn 375", "Trung đoàn 293, Sư đoàn 375"),
        ("Lữ đoàn _ 596", "Lữ đoàn 596"),
        ("Lữđoàn 203", "Lữ đoàn 203"),
        ("Sư đoàn363", "Sư đoàn 363"),
        ("Ti ung đoàn 291, Sư đoàn 361", "Trung đoàn 291, Sư đoàn 361"),  # a unit type's letters put right
        ("Tiểu đoàn 3, Lữ aoa 675", "Tiểu đoàn 3, Lữ đoàn 675"),
        ("KHO K3, CỤC QUÂN KHÍ", "Kho K3, Cục Quân khí"),
    ],
)
def test_parse_unit(printed, expected):
    assert parse_unit(printed) == expected


@pytest.mark.parametrize("printed", ["Thiếu tá Phan Văn Huy", "Số km đã chạy", "03/06/1975 ' Vàng", "ee doan 165"])
def test_parse_unit_refuses_what_is_no_unit(printed):
    assert parse_unit(printed) is None


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("Pháo nòng dài 130mm M:46", "Pháo nòng dài 130mm M-46"),
        ("Pháo phòng không 57mm-S-60", "Pháo phòng không 57mm S-60"),
        ("Pháo phòng không 23mm. ZU- 23- 2", "Pháo phòng không 23mm ZU-23-2"),
        ("{Xe tang T-62", "Xe tang T-62"),
        ("M . Pháo phòng không 23mm ZU-23-2", "Pháo phòng không 23mm ZU-23-2"),
        ("Se _:Đài ra da VRS-2M", "Đài ra da VRS-2M"),
        ("Xe tăng T-55 gi", "Xe tăng T-55"),
        ("Del ra đaP-18", "Del ra đa P-18"),
        ("01 (một) xe ô tô UAZ-469", "xe ô tô UAZ-469"),
        ("XE Ô TÔ URAL-375D", "XE Ô TÔ URAL-375D"),  # short upper-case words are no debris
        ("Xe pháo phản lực BM-21 Grad", "Xe pháo phản lực BM-21 Grad"),
        ("Súng máy phòng không 14,5 mm", "Súng máy phòng không 14,5 mm"),
        ("Pháo nòng dài .130mm M-46", "Pháo nòng dài 130mm M-46"),  # a speck glued to the calibre
        ("Pháo phòng không 23min ZU-23-2", "Pháo phòng không 23mm ZU-23-2"),  # "mm" read as "min"
        ("Pháo lựu 122mm D-30 D-30", "Pháo lựu 122mm D-30"),  # the model cell joined the name
        ("Xe ô tô vận tải KrAZ-255B KrAZ-2558", "Xe ô tô vận tải KrAZ-255B"),  # ... one of the two misread
        ("Xe tăng T-54 T-55", "Xe tăng T-54 T-55"),
        ("Máy thông tin vô tuyến điện . R-123M", "Máy thông tin vô tuyến điện R-123M"),  # a speck as a word
        ("Máy thông tin vô tuyến điện VRC-811_", "Máy thông tin vô tuyến điện VRC-811"),  # ... glued to the model
        ("Xe pháo phản lực BM-21 Grad j", "Xe pháo phản lực BM-21 Grad"),  # ... or a letter at the end
        ("Pháo lựu-122mm M-30", "Pháo lựu 122mm M-30"),  # a dash read for the space before the calibre
    ],
)
def test_parse_name(printed, expected):
    assert parse_name(printed) == expected


@pytest.mark.parametrize(
    ("printed", "expected"),
    [("Type 59 HN", "Type 59"), ("BMP1 eae", "BMP-1"), ("T55", "T-55"), ("Zil-131", "ZIL-131"), ("PT 76", "PT-76"), ("BMP-I", "BMP-1"), ("ZU-23-2", "ZU-23-2"), ("2S1", "2S1"), ("lal 02", None), ("T7 aA", None), ("LUC", None),
     ("JS-60", "S-60"), ("lBMP-1", "BMP-1"), ("IS-2", "IS-2"),  # a cell's rule read as a letter before the model
     ("KHAZ-255B", "KrAZ-255B"), ("ZIS-151", "ZIS-151"), ("XYZW-999", "XYZW-999")],  # one letter of a long maker's prefix
)
def test_parse_designation(printed, expected):
    assert parse_designation(printed) == expected


def test_serial_shapes():
    assert parse_serial("KRAZ 255B- 48957") == "KRAZ-255B-48957"
    assert parse_serial("VWRS2M:6A25-") == "VWRS2M-6A25"  # ":" read for "-"
    assert parse_serial("12") is None  # too short
    assert parse_serial("ABCDE") is None  # no digit
    assert find_serial("ena . P18-6643") == "P18-6643"
    assert find_serial("aa ZIL 131- 20113.") == "ZIL-131-20113"
    assert find_serial("(742242 \".ố _¬") == "742242"
    assert find_serial("oe") is None


def test_year_is_plausible():
    assert parse_year("1948 ......") == 1948
    assert parse_year("2099") is None
    assert parse_year("l975") == 1975


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("Nhà may Lianozovo", "Nhà máy Lianozovo"),  # OCR lost the acute of "máy"
        ("Nha máy vô tuyến Nizhny Novgorod", "Nhà máy vô tuyến Nizhny Novgorod"),
        ("Nha may Lianozovo", "Nha may Lianozovo"),  # typed without marks: kept as typed
        ("Magnavox", "Magnavox"),
        ("e oe : Liên Xô", "Liên Xô"),  # specks before the colon the label's row printed
    ],
)
def test_parse_maker_puts_the_marks_of_nha_may_back(printed, expected):
    from ingest.values import parse_maker

    assert parse_maker(printed) == expected


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("Dai ra da VRS-2M", "Đài ra đa VRS-2M"),
        ("Phao lựu 122mm D-30", "Pháo lựu 122mm D-30"),
        ("Xe thiết giáp chở quan BTR-60PB", "Xe thiết giáp chở quân BTR-60PB"),
        ("Xe tang T-54B", "Xe tăng T-54B"),
        ("XE Ô TÔ URAL-375D", "XE Ô TÔ URAL-375D"),  # a title in capitals keeps them
        ("Xe tăng Kiểu 59", "Xe tăng Kiểu 59"),
        ("Xe tang 1-54B", "Xe tăng 1-54B"),  # only the noun: the model is never guessed
    ],
)
def test_respell_name_puts_back_the_marks_of_the_equipment_noun(printed, expected):
    from ingest.values import respell_name

    assert respell_name(printed) == expected


@pytest.mark.parametrize(("printed", "expected"), [
    ("XetăngT54B", "Xe tăng T-54B"),  # spaces lost: the noun set apart, the model dashed as catalogued
    ("Xe ô tô vận tải Ural4320", "Xe ô tô vận tải Ural-4320"),  # the printed case of the model stays
    ("Xe 6 tô vận tải Ural-4320", "Xe ô tô vận tải Ural-4320"),  # "6" for "ô"
    ("Xe thiét glap cho quan BTR-152", "Xe thiết giáp chở quân BTR-152"),  # "l" for "i", marks lost
    ("Pháo lựu 122mm D-30", "Pháo lựu 122mm D-30"),
    ("XE Ô TÔ URAL-375D", "XE Ô TÔ URAL-375D"),
])
def test_respell_name_mends_ocr_shapes_of_the_noun_and_the_model(printed, expected):
    from ingest.values import respell_name
    assert respell_name(printed) == expected


@pytest.mark.parametrize(("printed", "expected"), [
    ("Nha may Uralvagonzavod", "Nhà máy Uralvagonzavod"),
    ("Lién X6", "Liên Xô"),
    ("Nhà máy may kéo Volgograd", "Nhà máy máy kéo Volgograd"),
    ("Tiep Khac", "Tiệp Khắc"),
    ("Nhà máy Z153", "Nhà máy Z153"),  # a code stays
    ("Nhà máy ô tô Ural (Miass)", "Nhà máy ô tô Ural (Miass)"),  # the proper name stays as printed
    ("LIÊN XÔ", "LIÊN XÔ"),
])
def test_respell_maker_puts_back_the_vocabulary_words_only(printed, expected):
    from ingest.values import respell_maker
    assert respell_maker(printed) == expected


@pytest.mark.parametrize(("printed", "designation", "expected"), [
    ("Xe ô tô vận tải KrAZ-2558", "KrAZ-255B", "Xe ô tô vận tải KrAZ-255B"),  # the model one character off
    ("Xe tăng lội nước T76", "PT-76", "Xe tăng lội nước PT-76"),  # a letter of the model lost
    ("Đài ra đa VRS* 2M", "VRS-2M", "Đài ra đa VRS-2M"),  # the model split by debris
    ("Ten VKTBKS Xe keo pháo MAZ.-537", "MAZ-537", "Xe kéo pháo MAZ-537"),  # a label's debris before the noun
    ("Xe tăng Idi nudc PT-76", "PT-76", "Xe tăng lội nước PT-76"),  # the noun misread, the longest that fits
    ("Pháo tự hành 2S1", "2S1", "Pháo tự hành 2S1"),  # itself, not the longer "Xe pháo tự hành"
    ("Pháo phòng không 57mm S-60", "S-60", "Pháo phòng không 57mm S-60"),  # the calibre is no part of the noun
    ("Xe ô tô vận tải Ural-4320", "URAL-4320", "Xe ô tô vận tải Ural-4320"),  # printed so, not misread
    ("Pháo phòng không 57mm S-60", "S-B0", "Pháo phòng không 57mm S-60"),  # a designation off the catalogue corrects nothing
    ("Xe tăng T-62", "T-55", "Xe tăng T-62"),  # another catalogue model is no misreading
    ("XE TĂNG T-55", "T-55", "XE TĂNG T-55"),
])
def test_settle_name_mends_the_model_by_the_designation_and_the_noun_by_the_vocabulary(printed, designation, expected):
    from ingest.values import settle_name
    assert settle_name(printed, designation) == expected


def test_settle_name_leaves_the_noun_of_a_page_printed_without_marks():
    from ingest.values import settle_name
    assert settle_name("Xe thiet giap BTR-152", "BTR-152", marks=False) == "Xe thiet giap BTR-152"


@pytest.mark.parametrize(("value", "expected"), [
    ("Xe tăng T-55", True), ("Pháo tự hành", True), ("Máy phát điện AD-10", True), ("Type 59 cải tiến số 2", True),
    ("Lượng", False), ("Nụ lượng", False), ("Trung đoàn 48", False), ("Đại diện Lữ đoàn 675", False),
    ("Ký hiệu. Số hiệu Cấp", False),  # a table's header row after the name's label
])
def test_what_can_stand_as_an_items_name(value, expected):
    from ingest.values import is_item_name
    assert is_item_name(value) is expected


def test_a_models_first_letter_read_twice_in_a_name_is_dropped():
    from ingest.values import settle_name
    assert settle_name("Máy vô tuyến điện R R-105M", "R-105M") == "Máy vô tuyến điện R-105M"
    assert settle_name("Pháo 2 A-19", "A-19") == "Pháo 2 A-19"  # another word before the model stays


@pytest.mark.parametrize(("name", "designation", "expected"), [
    ("Xe thiết giáp chở quân", "BTR-60PB", "Xe thiết giáp chở quân BTR-60PB"),  # the model in the table's next column
    ("Pháo nòng dài 130mm", "M-46", "Pháo nòng dài 130mm M-46"),  # after the calibre
    ("Xe tăng T-55", "T-55", "Xe tăng T-55"),  # the model is there already
    ("Xe tăng", "XYZ-1", "Xe tăng"),  # a designation the catalogue does not know is not put in a name
    ("Máy phát điện", "AD-10", "Máy phát điện"),  # a name the vocabulary's nouns do not make up stays as read
])
def test_a_name_printed_without_its_model_takes_the_catalogued_designation(name, designation, expected):
    from ingest.values import name_with_model
    assert name_with_model(name, designation) == expected


def test_a_designation_read_off_the_catalogue_gives_way_to_the_names_model():
    from ingest.values import model_in_name
    assert model_in_name("Pháo phòng không 57mm S-60", "S-B0") == "S-60"
    assert model_in_name("Pháo phòng không 57mm S-60", "S-60") is None  # already catalogued
    assert model_in_name("Xe tăng T-55", "ZIL-131") is None  # nothing alike
    assert model_in_name("Xe tăng T.54B", "F-548") == "T-54B"  # a look-alike (B, 8) and one letter off
    assert model_in_name("Xe tăng T.54B", "F-648") is None  # two characters off a short model: another model


@pytest.mark.parametrize(("read", "expected"), [
    ("iis Liên Xô", "Liên Xô"),  # debris before it
    ("Liên Xô Ì", "Liên Xô"),  # a lone letter after it: a speck or a cell's rule
    ("en Xo", "Liên Xô"),  # cut short and unmarked, close to one country only
    ("Liên bang Nga", "Liên bang Nga"), ("Nga", "Nga"),  # the longer name is not cut to the shorter
    ("Anh Quốc", "Anh Quốc"), ("Ba Lan (PRL)", "Ba Lan (PRL)"), ("Liên Xô (cũ)", "Liên Xô (cũ)"),  # say more: kept
    ("LIÊN XÔ", "LIÊN XÔ"),  # capitals as printed
    ("Cộng hòa Xã hội", "Cộng hòa Xã hội"),  # no country: as read
])
def test_settle_country(read, expected):
    from ingest.values import settle_country
    assert settle_country(read) == expected


@pytest.mark.parametrize(("read", "expected"), [
    ("Nhà máy s số 9 Sverdlovsk", "Nhà máy số 9 Sverdlovsk"),
    ("Nhà máy so 172 Perm", "Nhà máy số 172 Perm"),
    ("Nhà máy \\ vô tuyến Sarapul", "Nhà máy vô tuyến Sarapul"),
    ("Nhà máy ô tô Ural (Miass)", "Nhà máy ô tô Ural (Miass)"),
    ("Nhà máy Z153", "Nhà máy Z153"),
    ("Nhà thấy ZIL", "Nhà máy ZIL"), ("Nhà rnáy Z153", "Nhà máy Z153"),  # the m of "máy" misread
    ("Nhà thờ Lớn", "Nhà thờ Lớn"),  # another word after "Nhà" stays
])
def test_settle_maker_drops_ocr_debris_only(read, expected):
    from ingest.values import settle_maker
    assert settle_maker(read) == expected


def test_settle_name_reads_a_noun_ocr_glued_together():
    from ingest.values import settle_name
    assert settle_name("May thông tỉnvôtuyến điện R-123M", "R-123M") == "Máy thông tin vô tuyến điện R-123M"
    assert settle_name("Xeôtôvậntải KrAZ-255B", "KrAZ-255B") == "Xe ô tô vận tải KrAZ-255B"


def test_a_catalogued_model_ocr_split_with_a_space_is_read_whole():
    assert parse_designation("ZIL1 31") == "ZIL-131"
    assert parse_designation("T-55 3141") == "T-55"  # a model and a number after it: the number is no part of it
    assert parse_designation("ZIL1") == "ZIL-1"  # one word, as printed: nothing to join
