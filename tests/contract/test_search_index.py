"""Contract of the `SearchIndex` port: every engine (see conftest `SEARCH_ENGINES`) passes it.

Real engines, no mocks. Each test states one behaviour a technician, clerk or inspector
relies on.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.identifiers import keyword_key, unit_keys
from common.text import normalize_text
from common.vocabulary import CLASSIFICATIONS
from search.errors import IndexUnavailable, InvalidQuery
from search.query import TextPrep, encode_cursor, match_fold
from search.types import Access, FacetCount, IndexRecord, SearchQuery, SerialMatch


def rec(document_id: str, text: str = "", **fields) -> IndexRecord:
    return IndexRecord(document_id=document_id, text=text, **fields)


def ids(page) -> list[str]:
    return [hit.document_id for hit in page.hits]


def search(index, text: str = "", **kwargs):
    return index.search(SearchQuery(text=text, **kwargs))


# -- Vietnamese full text -----------------------------------------------------------------


def test_query_without_diacritics_finds_text_with_diacritics(index):
    index.add([
        rec("major", "Biên bản sửa chữa lớn xe tăng T-54B của Lữ đoàn 201"),
        rec("minor", "Biên bản sửa chữa nhỏ xe tăng T-54B của Lữ đoàn 201"),
        rec("other", "Lý lịch trang bị kỹ thuật xe thiết giáp BTR-60"),
    ])

    page = search(index, "sua chua lon T-54B")

    assert ids(page) == ["major"]
    assert page.total == 1


def test_every_query_word_must_match(index):
    index.add([rec("both", "kiểm tra kỹ thuật pháo"), rec("one", "kiểm tra xe tăng")])

    assert ids(search(index, "kiem tra phao")) == ["both"]


def test_exact_diacritics_rank_above_folded_only_matches(index):
    index.add([
        rec("no-marks", "Bien ban sua chua lon xe tang so 5"),
        rec("other-marks", "Biên bản sữa chua lợn xe tăng số 5"),
        rec("exact", "Biên bản sửa chữa lớn xe tăng số 5"),
    ])

    page = search(index, "sửa chữa lớn")

    assert set(ids(page)) == {"no-marks", "other-marks", "exact"}
    assert ids(page)[0] == "exact"


def test_i_and_y_spellings_meet(index):
    index.add([rec("ky", "Lý lịch trang bị kỹ thuật")])

    assert ids(search(index, "ki thuat")) == ["ky"]


def test_designation_with_dash_matches_as_a_whole(index):
    index.add([
        rec("t54b", "Xe tăng T-54B số hiệu KB-15-84"),
        rec("t54", "Xe tăng T-54 kèm 54B phụ tùng"),
    ])

    assert ids(search(index, "T-54B")) == ["t54b"]
    assert ids(search(index, "xe t-54b")) == ["t54b"]


def test_serial_and_designation_typed_without_dashes_are_found(index):
    index.add([
        rec("item", "Biên bản kiểm tra", serial_number="KB-15-84", designation="T-54B"),
        rec("other", "Biên bản kiểm tra", serial_number="KB-15-85", designation="T-55"),
    ])

    assert ids(search(index, "kiem tra KB1584")) == ["item"]
    assert ids(search(index, "t54b")) == ["item"]


def test_title_match_ranks_first(index):
    index.add([
        rec("in-text", "Kiểm tra kỹ thuật định kỳ xe tăng: kiểm tra kỹ thuật động cơ, kiểm tra kỹ thuật pháo",
            title="Biên bản định kỳ"),
        rec("in-title", "Biên bản định kỳ xe tăng, động cơ và pháo", title="Biên bản kiểm tra kỹ thuật"),
    ])

    assert ids(search(index, "kiểm tra kỹ thuật")) == ["in-title", "in-text"]
    assert ids(search(index, "kiem tra ky thuat")) == ["in-title", "in-text"]


def test_highlight_marks_the_word_typed(index):
    index.add([rec("a", "Ngày 05 tháng 01 năm 2020 tiến hành sửa chữa lớn xe <T-54B> tại xưởng")])

    with_marks = search(index, "sửa chữa").hits[0].highlights
    without_marks = search(index, "sua chua").hits[0].highlights
    designation = search(index, "T-54B").hits[0].highlights

    assert any("<mark>sửa</mark>" in h and "<mark>chữa</mark>" in h for h in with_marks)
    assert any("<mark>sửa</mark>" in h for h in without_marks), without_marks
    assert any("<mark>T-54B</mark>" in h and "&lt;" in h for h in designation), designation


def test_highlight_maps_back_when_folding_changes_the_length(index):
    index.add([rec("a", "Ghi chú: ký hiệu x\u0301 và y\u0323\u0302 đã sửa chữa lớn")])  # marks with no precomposed form

    highlights = search(index, "sua chua lon").hits[0].highlights

    assert any("<mark>sửa</mark> <mark>chữa</mark> <mark>lớn</mark>" in h for h in highlights), highlights


# -- filters ---------------------------------------------------------------------------------

FILTER_CORPUS = [
    rec("r1", "sửa chữa xe tăng", doc_type="repair", unit="Lữ đoàn 201", serial_number="KB-15-84",
        designation="T-54B", classification="secret", repair_level="major", document_date=date(2016, 3, 1)),
    rec("r2", "sửa chữa xe tăng", doc_type="repair", unit="Lữ đoàn 202", serial_number="KB-15-85",
        designation="T-55", classification="unclassified", repair_level="minor", document_date=date(2019, 7, 9)),
    rec("i1", "kiểm tra xe tăng", doc_type="inspection", unit="Lữ đoàn 201", serial_number="KB 15 84",
        designation="T-54B", classification="confidential", document_date=date(2021, 1, 5)),
    rec("l1", "lý lịch xe tăng", doc_type="logbook", unit="Trung đoàn 5", serial_number="XT-0001",
        designation="PT-76", classification="unclassified"),
]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"doc_type": "repair"}, {"r1", "r2"}),
        ({"unit": "Lữ đoàn 201"}, {"r1", "i1"}),
        ({"unit": "lu doan  201"}, {"r1", "i1"}),
        ({"serial": "kb 15 84"}, {"r1", "i1"}),
        ({"serial": "KB-15-85"}, {"r2"}),
        ({"designation": "T-54B"}, {"r1", "i1"}),
        ({"designation": "pt-76"}, {"l1"}),
        ({"classification": "unclassified"}, {"r2", "l1"}),
        ({"repair_level": "major"}, {"r1"}),
        ({"doc_type": "repair", "unit": "Lữ đoàn 201"}, {"r1"}),
        ({"doc_type": "transfer"}, set()),
    ],
)
@pytest.mark.parametrize("text", ["", "xe tang"])
def test_filter_selects_exactly_the_matching_documents(index, criteria, expected, text):
    index.add(FILTER_CORPUS)

    page = search(index, text, **criteria)

    assert set(ids(page)) == expected
    assert page.total == len(expected)


def test_date_range_is_inclusive_and_skips_undated(index):
    index.add(FILTER_CORPUS)

    assert set(ids(search(index, date_from=date(2016, 3, 1), date_to=date(2019, 7, 9)))) == {"r1", "r2"}
    assert set(ids(search(index, date_from=date(2016, 3, 2)))) == {"r2", "i1"}
    assert set(ids(search(index, "sua chua", date_to=date(2016, 3, 1)))) == {"r1"}


def test_date_from_after_date_to_is_invalid(index):
    with pytest.raises(InvalidQuery):
        search(index, date_from=date(2020, 1, 2), date_to=date(2020, 1, 1))


def test_browse_without_text_lists_newest_first(index):
    index.add(FILTER_CORPUS)

    assert ids(search(index, "", unit="Lữ đoàn 201")) == ["i1", "r1"]
    assert ids(search(index, ""))[:3] == ["i1", "r2", "r1"]


# -- facets ----------------------------------------------------------------------------------


def test_words_sorted_by_date_list_the_matches_newest_first_and_page_on(index):
    index.add([
        rec("old-best", "kiểm tra kỹ thuật kiểm tra kiểm tra", title="kiểm tra", document_date=date(1980, 1, 1)),
        rec("new", "biên bản kiểm tra", document_date=date(2020, 5, 1)),
        rec("middle", "phiếu kiểm tra", document_date=date(2001, 3, 2)),
        rec("undated", "kiểm tra"),
        rec("other", "lý lịch", document_date=date(2022, 1, 1)),
    ])
    assert ids(search(index, "kiem tra"))[0] == "old-best"  # by relevance, the best match leads
    first = search(index, "kiem tra", sort="date", limit=2)
    second = search(index, "kiem tra", sort="date", limit=2, cursor=first.next_cursor)
    assert ids(first) + ids(second) == ["new", "middle", "old-best", "undated"] and second.next_cursor is None
    with pytest.raises(InvalidQuery):  # a page of one order is not a page of the other
        search(index, "kiem tra", limit=2, cursor=first.next_cursor)
    with pytest.raises(InvalidQuery, match="sort must be one of relevance, date"):
        search(index, "kiem tra", sort="oldest")


def test_facets_count_the_whole_match_set_not_the_page(index):
    units = ["Lữ đoàn 201"] * 12 + ["Lữ đoàn 202"] * 7 + ["Trung đoàn 5"] * 7
    index.add([
        rec(f"d{n}", "biên bản kiểm tra xe tăng", doc_type="inspection" if n % 2 else "repair",
            unit=unit, designation="T-54B" if n < 20 else "T-55")
        for n, unit in enumerate(units)
    ] + [rec("elsewhere", "lý lịch pháo", doc_type="logbook", unit="Lữ đoàn 201", designation="D-30")])

    page = search(index, "kiem tra", limit=5)

    assert page.total == 26 and len(page.hits) == 5
    assert page.facets["unit"] == (
        FacetCount("Lữ đoàn 201", 12), FacetCount("Lữ đoàn 202", 7), FacetCount("Trung đoàn 5", 7))
    assert page.facets["doc_type"] == (FacetCount("inspection", 13), FacetCount("repair", 13))
    assert page.facets["designation"] == (FacetCount("T-54B", 20), FacetCount("T-55", 6))


def test_only_asked_facets_are_returned(index):
    index.add(FILTER_CORPUS)

    page = index.search(SearchQuery(text="xe", facets=("unit",)))

    assert set(page.facets) == {"unit"}


# -- pagination ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["sua chua lon", ""])
def test_cursor_walks_every_result_once(index, text):
    day = date(2020, 1, 1)
    records = [rec(f"doc-{n:03d}", "Biên bản sửa chữa lớn xe tăng", document_date=day + timedelta(days=n % 7))
               for n in range(263)]
    records.append(rec("undated", "Biên bản sửa chữa lớn xe tăng"))
    for start in range(0, len(records), 50):
        index.add(records[start : start + 50])  # several segments

    seen, cursor, pages = [], None, 0
    while True:
        page = index.search(SearchQuery(text=text, limit=20, cursor=cursor))
        assert page.total == 264
        seen += ids(page)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
        assert len(page.hits) == 20

    assert pages == 14
    assert len(seen) == len(set(seen)) == 264


def test_garbage_cursor_is_invalid(index):
    index.add(FILTER_CORPUS)

    for cursor in ["not-a-cursor", "eyJ2IjoxLCJvIjotMX0", "%%%"]:
        with pytest.raises(InvalidQuery):
            search(index, "xe", cursor=cursor)


def test_cursor_past_the_end_gives_an_empty_last_page(index):
    index.add(FILTER_CORPUS)
    beyond = encode_cursor(10**12, SearchQuery(text="xe"))  # the engine-neutral cursor format

    page = index.search(SearchQuery(text="xe", limit=10**9, cursor=beyond))

    assert page.hits == () and page.total == 4 and page.next_cursor is None


def test_cursor_from_another_query_is_invalid(index):
    index.add(FILTER_CORPUS)
    cursor = search(index, "xe", limit=1).next_cursor
    assert cursor

    with pytest.raises(InvalidQuery):
        search(index, "tang", limit=1, cursor=cursor)


# -- writes ----------------------------------------------------------------------------------


def test_add_replaces_a_document_with_the_same_id(index):
    index.add([rec("a", "bảo dưỡng định kỳ")])
    index.add([rec("a", "niêm cất dài hạn")])
    index.add([rec("b", "một"), rec("b", "hai")])

    assert index.count() == 2
    assert ids(search(index, "bao duong")) == []
    assert ids(search(index, "niem cat")) == ["a"]
    assert ids(search(index, "hai")) == ["b"] and ids(search(index, "mot")) == []


def test_prepared_records_are_indexed_as_the_records_themselves(index):
    """A batch hands its group over prepared (`prepare`), mixed with plain records: the same search answers,
    the same serial lookups, and the last of one id given twice wins."""
    index.add([index.prepare(rec("a", "biên bản sửa chữa lớn xe BMP-1", serial_number="BMP1-7886", unit="Tiểu đoàn 3")),
               rec("b", "biên bản kiểm tra định kỳ"),
               index.prepare(rec("c", "bản cũ")), index.prepare(rec("c", "niêm cất dài hạn"))])

    assert index.count() == 3
    assert set(ids(search(index, "bien ban"))) == {"a", "b"}
    assert ids(search(index, "sua chua lon")) == ["a"]
    assert [match.document_ids for match in index.find_serial("bmp1 7886")] == [("a",)]
    assert ids(search(index, "niem cat")) == ["c"] and ids(search(index, "ban cu")) == []


def test_delete_removes_only_that_document(index):
    index.add(FILTER_CORPUS)

    index.delete("r1")

    assert index.count() == 3
    assert "r1" not in ids(search(index, "xe tang"))
    assert index.find_serial("KB-15-84")[0].document_ids == ("i1",)


def test_clear_drops_everything(index):
    index.add(FILTER_CORPUS)

    index.clear()

    assert index.count() == 0
    assert search(index, "").total == 0
    index.add([rec("x", "kiểm kê")])
    assert index.count() == 1


def test_rebuild_replaces_everything_while_searches_still_answer_from_the_old_contents(index):
    index.add([rec("old-1", "biên bản kiểm kê xe tăng T-54B"), rec("old-2", "biên bản bàn giao pháo D-30")])
    seen_during_rebuild = []

    def records():
        for number in range(5):
            # A technician searching mid-rebuild still finds what the archive held before.
            seen_during_rebuild.append(search(index, "bien ban").total)
            yield rec(f"new-{number}", f"biên bản sửa chữa lớn xe số {number}", serial_number=f"KB-{number}0-11")

    indexed = index.rebuild(records())

    assert indexed == 5
    assert seen_during_rebuild == [2] * 5
    assert index.count() == 5
    assert sorted(ids(search(index, "bien ban", limit=10))) == [f"new-{n}" for n in range(5)]
    assert index.find_serial("KB-20-11")[0].document_ids == ("new-2",)
    assert search(index, "kiem ke").total == 0


def test_reopened_index_keeps_its_documents(open_index):
    first = open_index("archive")
    first.add(FILTER_CORPUS)
    first.close()

    again = open_index("archive")

    assert again.count() == 4
    assert set(ids(search(again, "sua chua"))) == {"r1", "r2"}
    assert again.find_serial("XT-0001")[0].document_ids == ("l1",)


def test_ping_answers_while_open_and_fails_after_close(index):
    index.ping()
    index.close()

    with pytest.raises(IndexUnavailable):
        index.ping()


# -- serials ---------------------------------------------------------------------------------

SERIAL_CORPUS = [
    rec("r1", "sửa chữa", serial_number="KB-15-84", document_date=date(2018, 1, 1)),
    rec("l1", "lý lịch", serial_number="KB 15 84", document_date=date(2010, 1, 1)),
    rec("x1", "lý lịch", serial_number="XT-2207-A"),
    rec("o1", "lý lịch", serial_number="OB-9901"),
]


@pytest.mark.parametrize("asked", ["KB-15-84", "kb 15 84", "KB1584", " kb-15-84. "])
def test_find_serial_exact_after_normalisation(index, asked):
    index.add(SERIAL_CORPUS)

    assert index.find_serial(asked) == (SerialMatch("KB-15-84", ("l1", "r1"), "exact"),)


def test_find_serial_ocr_lookalike(index):
    index.add(SERIAL_CORPUS)

    assert index.find_serial("KB-I5-84") == (SerialMatch("KB-15-84", ("l1", "r1"), "lookalike"),)
    assert index.find_serial("0B-99O1") == (SerialMatch("OB-9901", ("o1",), "lookalike"),)


def test_find_serial_near_miss_one_character_off(index):
    index.add(SERIAL_CORPUS)

    assert index.find_serial("XT-2207-B") == (SerialMatch("XT-2207-A", ("x1",), "fuzzy"),)
    assert index.find_serial("KB-15-8") == (SerialMatch("KB-15-84", ("l1", "r1"), "fuzzy"),)


def test_find_serial_returns_only_the_best_tier(index):
    index.add(SERIAL_CORPUS + [rec("near", "", serial_number="KB-15-83")])

    assert [m.match for m in index.find_serial("KB-15-84")] == ["exact"]
    assert {m.serial_number for m in index.find_serial("KB-15-86")} == {"KB-15-84", "KB-15-83"}


def test_find_serial_leaving_one_document_out_reaches_the_lookalike_tier(index):
    # A scan read the Z of KZ-82-49 as 2: its own serial is the exact match and hides its item's other documents.
    index.add([rec("misread", "lý lịch", serial_number="K2-82-49"), rec("k1", "kiểm tra", serial_number="KZ-82-49"),
               rec("k2", "bảo dưỡng", serial_number="KZ-82-49")])

    assert index.find_serial("K2-82-49") == (SerialMatch("K2-82-49", ("misread",), "exact"),)
    assert index.find_serial("K2-82-49", excluding="misread") == (SerialMatch("KZ-82-49", ("k1", "k2"), "lookalike"),)
    assert index.find_serial("KZ-82-49", excluding="k1") == (SerialMatch("KZ-82-49", ("k2",), "exact"),)


def test_find_serial_with_the_exact_spelling_among_the_lookalikes(index):
    # Two scans read the S of 1S-5646 as 5: each one's exact match is the other, hiding the spelling two more print.
    index.add([rec("m1", "lý lịch", serial_number="15-5646"), rec("m2", "kiểm tra", serial_number="15-5646"),
               rec("s1", "sửa chữa", serial_number="1S-5646"), rec("s2", "kiểm kê", serial_number="1S-5646"),
               rec("other", "kiểm kê", serial_number="15-5640")])

    assert index.find_serial("15-5646", excluding="m1") == (SerialMatch("15-5646", ("m2",), "exact"),)
    assert set(index.find_serial("15-5646", excluding="m1", exact_apart=False)) == {
        SerialMatch("15-5646", ("m2",), "lookalike"), SerialMatch("1S-5646", ("s1", "s2"), "lookalike")}
    assert index.find_serial("15-5640", exact_apart=False) == (SerialMatch("15-5640", ("other",), "lookalike"),)


@pytest.mark.parametrize("asked", ["ZZ-0000-Q", "", "  -- "])
def test_find_serial_unknown_is_empty(index, asked):
    index.add(SERIAL_CORPUS)

    assert index.find_serial(asked) == ()


# -- serials and designations typed in the search box, forgiven what OCR does ------------------
# A serial or designation typed in the free text (`q`) also matches as an identifier: look-alike characters
# (I/1, O/0, B/8, S/5, Z/2, G/6, Cyrillic б/6), spacing and dashes forgiven, in the fields and in the text,
# the exact field match first, then the look-alike one, then the text.

IDENTIFIER_CORPUS = [
    rec("real", "Lý lịch xe tăng T-54B", serial_number="KB-15-84", designation="T-54B"),
    rec("twin", "Lý lịch xe tăng T-54B", serial_number="KB-I5-84", designation="T-54B"),  # differs by a look-alike
    rec("mention", "Biên bản bàn giao: xe KB-15-84 giao cùng xe khác", serial_number="ZX-4410"),
    rec("m-item", "Lý lịch pháo", serial_number="14M41614"),
    rec("ocr-text", "LÝ LỊCH TRANG BỊ\nSố hiệu: KB-I5-B4\nĐơn vị: Lữ đoàn 201"),  # serial damaged in the text
    rec("spaced-text", "Biên bản kiểm tra xe số hiệu KB 15 84 tại xưởng"),  # serial spaced in the text
    rec("other", "Lý lịch xe tăng T-55", serial_number="KB-15-85"),
]


@pytest.mark.parametrize("asked", ["KB-15-B4", "KB-I5-84", "kb-i5-b4", "KB 15 84", "kb 15 84", "KB1584", "KB 1584"])
def test_lookalike_or_spaced_serial_in_the_search_box_finds_the_item(index, asked):
    index.add(IDENTIFIER_CORPUS)

    found = ids(search(index, asked, limit=20))

    assert {"real", "twin", "ocr-text", "spaced-text", "mention"} <= set(found), found
    assert "other" not in found and "m-item" not in found
    assert set(found[:2]) == {"real", "twin"}  # the serial fields above a mention in a text


def test_serial_of_look_alike_characters_only_finds_the_item(index):
    index.add(IDENTIFIER_CORPUS)

    assert ids(search(index, "I4M4I6I4")) == ["m-item"]
    assert ids(search(index, "l4M4l6l4")) == ["m-item"]


def test_exact_serial_ranks_above_its_look_alike_twin_and_both_above_a_text_mention(index):
    index.add(IDENTIFIER_CORPUS)

    for asked in ["KB-15-84", "kb 15 84", "KB1584"]:
        found = ids(search(index, asked))
        assert found[:2] == ["real", "twin"], asked
        assert set(found[2:4]) == {"mention", "spaced-text"}, asked  # the serial exactly in the text
        assert found[4:] == ["ocr-text"], asked  # by look-alike in the text
    assert ids(search(index, "KB-I5-84"))[:2] == ["twin", "real"]


def test_serial_damaged_in_the_text_is_found_and_marked(index):
    index.add(IDENTIFIER_CORPUS)

    page = search(index, "KB-15-84", limit=20)
    by_id = {hit.document_id: hit for hit in page.hits}

    assert any("<mark>KB-I5-B4</mark>" in h for h in by_id["ocr-text"].highlights), by_id["ocr-text"].highlights
    assert any("<mark>KB 15 84</mark>" in h for h in by_id["spaced-text"].highlights), by_id["spaced-text"].highlights


def test_serial_with_other_words_needs_those_words_too(index):
    index.add(IDENTIFIER_CORPUS)

    assert set(ids(search(index, "kiem tra KB 15 84"))) == {"spaced-text"}
    assert set(ids(search(index, "ban giao KB-I5-B4"))) == {"mention"}
    assert set(ids(search(index, "so hieu KB-15-84"))) == {"ocr-text", "spaced-text"}


DESIGNATION_CORPUS = [
    rec("field", "Lý lịch xe tăng lội nước", designation="PT-76"),
    rec("spaced", "Biên bản kiểm tra xe tăng PT 76 của Lữ đoàn 203"),
    rec("glued", "Biên bản kiểm tra xe tăng PT76 của Lữ đoàn 203"),
    rec("cyrillic", "Biên bản kiểm tra xe tăng PT-7б của Lữ đoàn 203"),
    rec("dotted", "Biên bản kiểm tra xe tăng PT-.76 của Lữ đoàn 203"),
    rec("latin-lookalike", "Biên bản sửa chữa xe tăng PT-7G"),
    rec("other-model", "Biên bản kiểm tra xe tăng PT-85 và T-76"),
    rec("plain", "Biên bản kiểm tra xe tăng của Lữ đoàn 203"),
]


DAMAGED_PT76 = {"spaced", "glued", "cyrillic", "dotted", "latin-lookalike"}


@pytest.mark.parametrize("asked", ["PT-76", "pt 76", "PT76", "РТ-76"])  # the last in Cyrillic letters
def test_designation_query_finds_damaged_forms_and_ranks_the_field_first(index, asked):
    index.add(DESIGNATION_CORPUS)

    found = ids(search(index, asked, limit=20))

    assert found[0] == "field"
    assert set(found[1:6]) == DAMAGED_PT76, found
    # Typed as two words, "pt" and "76" also match as words, anywhere (the usual AND): below every PT-76.
    assert set(found[6:]) <= ({"other-model"} if " " in asked else set()), found


def test_designation_query_with_words_keeps_them_required(index):
    index.add(DESIGNATION_CORPUS)

    assert set(ids(search(index, "sua chua PT-76"))) == {"latin-lookalike"}
    found = ids(search(index, "kiem tra PT 76", limit=20))
    assert set(found[:4]) == {"spaced", "glued", "cyrillic", "dotted"}
    assert found[4:] == ["other-model"]  # "kiểm tra", "PT" and "76" as words


ORDINARY_CORPUS = [
    rec("word", "Biên bản bàn giao cho bộ đội Lữ đoàn 201 năm 2020"),
    rec("serial-lookalike", "Lý lịch trang bị", serial_number="80-D01"),  # "BODOI" read as look-alikes
    rec("text-lookalike", "Biên bản ghi B0 D01 và S0 2020"),
    rec("year", "Biên bản số 12 năm 2021"),
]


@pytest.mark.parametrize(("asked", "expected"), [
    ("bo doi", ["word"]), ("bộ đội", ["word"]), ("BO DOI", ["word"]), ("so", ["year"]),
    ("nam 2020", ["word"]), ("2020", ["word", "text-lookalike"]),
])
def test_ordinary_words_are_not_read_as_serials(index, asked, expected):
    index.add(ORDINARY_CORPUS)

    assert sorted(ids(search(index, asked))) == sorted(expected)


# -- access: clearance and need to know, inside the engine's query ------------------------------
# Whatever a person asks, nothing about a document above their clearance or outside their units
# may reach them: not a hit, not a count in the total or a facet, not a highlight, not a page.

ACCESS_UNITS = ["Lữ đoàn 201", "Lữ đoàn 202", "Trung đoàn 24, Sư đoàn 304", "Trung đoàn 48, Sư đoàn 320"]
RANK_DOC_TYPES = ["inspection", "repair", "maintenance", "transfer"]  # hidden ranks show up as facet values
UNIT_DESIGNATIONS = ["T-54B", "T-55", "D-30", "PT-76"]


def _access_record(document_id: str, rank: int, unit: str | None, day: date, designation: str | None,
                   **extra) -> IndexRecord:
    marker = "hs" + document_id.replace("-", "")  # one token, found only in this document's text
    return rec(document_id, f"Biên bản sửa chữa xe tăng, mã {marker}", doc_type=RANK_DOC_TYPES[rank],
               unit=unit, designation=designation, classification=CLASSIFICATIONS[rank], document_date=day,
               classification_rank=rank,
               unit_keys=unit_keys(unit, extra.get("from_unit"), extra.get("to_unit")), **extra)


def _access_corpus() -> list[IndexRecord]:
    records = []
    for rank in range(4):
        for u, unit in enumerate(ACCESS_UNITS):
            for n in range(2):
                records.append(_access_record(f"r{rank}-u{u}-{n}", rank, unit,
                                              date(2010 + rank, 1 + u, 1 + n * 10 + rank), UNIT_DESIGNATIONS[u]))
    # A transfer answers to both ends; a record with no unit to no one who has units.
    records.append(_access_record("moved", 1, "Lữ đoàn 202", date(2020, 5, 5), "T-62",
                                  from_unit="Lữ đoàn 202", to_unit="Lữ đoàn 201"))
    records.append(_access_record("nounit", 0, None, date(2021, 6, 6), "ZU-23-2"))
    records.append(_access_record("undated", 2, "Lữ đoàn 201", None, "T-54B"))
    return records


ACCESS_CORPUS = _access_corpus()
_BY_ID = {record.document_id: record for record in ACCESS_CORPUS}


def _marker(document_id: str) -> str:
    return "hs" + document_id.replace("-", "")


def visible_ids(access: Access | None, records=ACCESS_CORPUS) -> set[str]:
    """The reference rule, in plain Python: rank within clearance and, with units, one shared unit key."""
    if access is None:
        return {record.document_id for record in records}
    return {record.document_id for record in records
            if record.classification_rank <= access.max_rank
            and (access.unit_keys is None or set(access.unit_keys) & set(record.unit_keys))}


def expected_facets(document_ids: set[str]) -> dict[str, tuple[FacetCount, ...]]:
    facets = {}
    for name in ("doc_type", "unit", "designation"):
        counts = Counter(getattr(_BY_ID[doc_id], name) for doc_id in document_ids)
        facets[name] = tuple(FacetCount(value, count) for value, count in sorted(
            ((value, count) for value, count in counts.items() if value), key=lambda vc: (-vc[1], vc[0])))
    return facets


def person(max_rank: int, *units: str) -> Access:
    """An `Access` as the policy builds it: unit names become `keyword_key`s; no units, no unit limit."""
    return Access(max_rank=max_rank, unit_keys=tuple(keyword_key(u) for u in units) if units else None)


ACCESSES = [
    pytest.param(person(0), id="unclassified-only"),
    pytest.param(person(1), id="confidential"),
    pytest.param(person(2), id="secret"),
    pytest.param(person(3, "Lữ đoàn 201"), id="top-secret-one-brigade"),
    pytest.param(person(2, "Sư đoàn 304"), id="secret-division"),
    pytest.param(person(1, "Trung đoàn 48", "Lữ đoàn 202"), id="confidential-two-units"),
    pytest.param(person(0, "Lữ đoàn 202"), id="unclassified-one-brigade"),
    pytest.param(person(3, "Lữ đoàn 999"), id="unit-with-no-documents"),
    pytest.param(Access(max_rank=3, unit_keys=()), id="empty-unit-list"),
]


def _assert_reveals_only(page, visible: set[str], *, text: str, label: str = "") -> None:
    """Hits, total, facets and highlights of `page` (the answer to `text`) speak of the `visible`
    documents and nothing else."""
    label = label or text
    assert set(ids(page)) == visible, label
    assert page.total == len(visible), label
    assert page.facets == (expected_facets(visible) if visible else {n: () for n in page.facets}), label
    hidden = {_marker(doc_id) for doc_id in _BY_ID if doc_id not in visible}
    for hit in page.hits:
        for highlight in hit.highlights:
            plain = highlight.replace("<mark>", "").replace("</mark>", "")
            assert _marker(hit.document_id) in plain, (label, hit.document_id, highlight)
            assert not any(marker in plain for marker in hidden), (label, highlight)
        if text:
            assert hit.highlights, (label, hit.document_id)


@pytest.mark.parametrize("access", ACCESSES)
def test_access_limits_hits_total_facets_and_highlights(index, access):
    index.add(ACCESS_CORPUS)
    visible = visible_ids(access)

    for text in ["sua chua", "sửa chữa xe", "bien ban", ""]:  # folded, with marks, broad, browse
        page = search(index, text, limit=100, access=access)
        _assert_reveals_only(page, visible, text=text)
    # Filters and access together: a unit filter never widens what the person may see.
    page = search(index, "xe tang", unit="Lữ đoàn 201", limit=100, access=access)
    _assert_reveals_only(page, visible & {d for d, r in _BY_ID.items() if r.unit == "Lữ đoàn 201"}, text="xe tang",
                         label="unit filter")


@pytest.mark.parametrize("access", ACCESSES)
def test_access_hidden_documents_are_not_found_by_their_own_words(index, access):
    index.add(ACCESS_CORPUS)
    visible = visible_ids(access)

    for doc_id in ["r3-u0-0", "r2-u2-1", "moved", "nounit", "undated", "r0-u3-0"]:
        page = search(index, _marker(doc_id), access=access)
        _assert_reveals_only(page, visible & {doc_id}, text=_marker(doc_id))


@pytest.mark.parametrize("access", ACCESSES)
@pytest.mark.parametrize("text", ["sua chua", ""])
def test_access_cursor_pages_cover_exactly_the_visible_set(index, access, text):
    index.add(ACCESS_CORPUS[:20])
    index.add(ACCESS_CORPUS[20:])  # two segments
    visible = visible_ids(access)

    seen, cursor = [], None
    for _ in range(len(ACCESS_CORPUS)):
        page = index.search(SearchQuery(text=text, limit=3, cursor=cursor, access=access))
        assert page.total == len(visible)
        assert page.facets == (expected_facets(visible) if visible else {n: () for n in page.facets})
        seen += ids(page)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert sorted(seen) == sorted(visible)  # every visible document once, nothing else


@pytest.mark.parametrize("access", ACCESSES)
def test_access_with_date_filters(index, access):
    index.add(ACCESS_CORPUS)
    visible = visible_ids(access)
    since, until = date(2011, 2, 1), date(2012, 12, 31)

    def dated(low: date | None, high: date | None) -> set[str]:
        return {doc_id for doc_id in visible if _BY_ID[doc_id].document_date
                and (low is None or _BY_ID[doc_id].document_date >= low)
                and (high is None or _BY_ID[doc_id].document_date <= high)}

    for text in ["sua chua", ""]:
        for low, high in [(since, until), (since, None), (None, until)]:
            page = search(index, text, date_from=low, date_to=high, limit=100, access=access)
            _assert_reveals_only(page, dated(low, high), text=text, label=f"{text!r} {low}..{high}")


def test_access_cursor_of_one_person_is_not_a_page_of_another(index):
    index.add(ACCESS_CORPUS)
    cursor = search(index, "sua chua", limit=2, access=person(3)).next_cursor
    assert cursor

    with pytest.raises(InvalidQuery):
        search(index, "sua chua", limit=2, cursor=cursor, access=person(0))


# Serials: "KB-15-84" is carried by a visible and a hidden document; "XT-2207-A" by a hidden one only;
# "OB-9901" exactly by a hidden document and, read as "0B-99O1", by a visible one.
ACCESS_SERIALS = [
    rec("kb-open", "lý lịch", serial_number="KB-15-84", classification_rank=0, unit_keys=unit_keys("Lữ đoàn 201"),
        document_date=date(2015, 1, 1)),
    rec("kb-secret", "sửa chữa", serial_number="KB 15 84", classification_rank=3, unit_keys=unit_keys("Lữ đoàn 201"),
        document_date=date(2018, 1, 1)),
    rec("kb-elsewhere", "kiểm tra", serial_number="KB-15-84", classification_rank=0,
        unit_keys=unit_keys("Lữ đoàn 202"), document_date=date(2019, 1, 1)),
    rec("xt-secret", "lý lịch", serial_number="XT-2207-A", classification_rank=2, unit_keys=unit_keys("Lữ đoàn 201")),
    rec("ob-secret", "lý lịch", serial_number="OB-9901", classification_rank=3, unit_keys=unit_keys("Lữ đoàn 201")),
    rec("ob-open", "lý lịch", serial_number="0B-99O1", classification_rank=1, unit_keys=unit_keys("Lữ đoàn 201")),
]
SERIAL_PERSON = person(1, "Lữ đoàn 201")  # sees kb-open and ob-open only


@pytest.mark.parametrize(("asked", "expected"), [
    ("KB-15-84", (SerialMatch("KB-15-84", ("kb-open",), "exact"),)),
    ("KB-I5-84", (SerialMatch("KB-15-84", ("kb-open",), "lookalike"),)),
    ("KB-15-8", (SerialMatch("KB-15-84", ("kb-open",), "fuzzy"),)),
    ("XT-2207-A", ()),  # carried only by a hidden document: not found at all, at any tier
    ("XT-22O7-A", ()),
    ("XT-2207-B", ()),
    ("OB-9901", (SerialMatch("0B-99O1", ("ob-open",), "lookalike"),)),  # the hidden exact match does not count
])
def test_access_find_serial_sees_only_visible_documents(index, asked, expected):
    index.add(ACCESS_SERIALS)

    assert index.find_serial(asked, SERIAL_PERSON) == expected
    assert index.find_serial(asked, Access(max_rank=3, unit_keys=())) == ()
    assert index.find_serial(asked, person(3, "Lữ đoàn 999")) == ()


def test_access_find_serial_lists_every_visible_document_of_the_serial(index):
    index.add(ACCESS_SERIALS)

    assert index.find_serial("KB-15-84", person(3, "Lữ đoàn 201")) == (
        SerialMatch("KB-15-84", ("kb-open", "kb-secret"), "exact"),)
    assert index.find_serial("KB-15-84", person(0)) == (SerialMatch("KB-15-84", ("kb-open", "kb-elsewhere"), "exact"),)
    assert index.find_serial("XT-2207-A", person(2)) == (SerialMatch("XT-2207-A", ("xt-secret",), "exact"),)
    assert index.find_serial("KB-15-84", person(0, "Lữ đoàn 202")) == (
        SerialMatch("KB-15-84", ("kb-elsewhere",), "exact"),)


# Identifier queries (look-alike, spaced, damaged in the text) go through the same access clauses: what a
# person may not see is not a hit, not a count in the total or a facet, and not a page.
IDENTIFIER_ACCESS = [
    rec("open-exact", "lý lịch xe tăng", serial_number="KB-15-84", designation="T-54B", doc_type="logbook",
        unit="Lữ đoàn 201", classification_rank=0, unit_keys=unit_keys("Lữ đoàn 201")),
    rec("secret-twin", "sửa chữa xe tăng", serial_number="KB-I5-84", designation="T-55", doc_type="repair",
        unit="Lữ đoàn 201", classification_rank=3, unit_keys=unit_keys("Lữ đoàn 201")),
    rec("secret-text", "Biên bản kiểm tra, số hiệu KB-I5-B4, xe PT-76", designation="PT-76", doc_type="inspection",
        unit="Lữ đoàn 201", classification_rank=2, unit_keys=unit_keys("Lữ đoàn 201")),
    rec("elsewhere", "điều chuyển xe", serial_number="KB 15 84", designation="D-30", doc_type="transfer",
        unit="Lữ đoàn 202", classification_rank=0, unit_keys=unit_keys("Lữ đoàn 202")),
    rec("pt-hidden", "niêm cất xe tăng PT-7б", doc_type="storage", unit="Lữ đoàn 201", designation="ZU-23-2",
        classification_rank=3, unit_keys=unit_keys("Lữ đoàn 201")),
    rec("pt-open", "kiểm kê xe tăng PT 76", doc_type="inventory", unit="Lữ đoàn 202", designation="BTR-60",
        classification_rank=0, unit_keys=unit_keys("Lữ đoàn 202")),
]
IDENTIFIER_MATCHES = {
    "KB-I5-84": {"open-exact", "secret-twin", "secret-text", "elsewhere"},
    "kb 15 84": {"open-exact", "secret-twin", "secret-text", "elsewhere"},
    "KB-15-B4": {"open-exact", "secret-twin", "secret-text", "elsewhere"},
    "PT-76": {"secret-text", "pt-hidden", "pt-open"},
}


def _facets_of(records: list[IndexRecord], document_ids: set[str]) -> dict[str, tuple[FacetCount, ...]]:
    by_id = {record.document_id: record for record in records}
    facets = {}
    for name in ("doc_type", "unit", "designation"):
        counts = Counter(getattr(by_id[doc_id], name) for doc_id in document_ids)
        facets[name] = tuple(FacetCount(value, count) for value, count in sorted(
            ((value, count) for value, count in counts.items() if value), key=lambda vc: (-vc[1], vc[0])))
    return facets


@pytest.mark.parametrize("access", ACCESSES)
def test_access_identifier_queries_reveal_nothing_hidden(index, access):
    index.add(IDENTIFIER_ACCESS)
    allowed = visible_ids(access, IDENTIFIER_ACCESS)

    for asked, matches in IDENTIFIER_MATCHES.items():
        assert set(ids(search(index, asked, limit=100))) == matches, asked  # the unrestricted answer
        visible = matches & allowed
        page = search(index, asked, limit=100, access=access)
        assert set(ids(page)) == visible, asked
        assert page.total == len(visible), asked
        assert page.facets == (_facets_of(IDENTIFIER_ACCESS, visible) if visible else {n: () for n in page.facets})
        seen, cursor = [], None
        for _ in range(len(IDENTIFIER_ACCESS) + 1):
            step = index.search(SearchQuery(text=asked, limit=1, cursor=cursor, access=access))
            assert step.total == len(visible), asked
            seen += ids(step)
            cursor = step.next_cursor
            if cursor is None:
                break
        assert sorted(seen) == sorted(visible), asked


def test_full_clearance_without_unit_limit_equals_no_access(index):
    index.add(ACCESS_CORPUS + ACCESS_SERIALS)
    everyone = Access(max_rank=3, unit_keys=None)

    for text, criteria in [("sua chua", {}), ("sửa chữa", {"limit": 5}), ("", {}), ("", {"unit": "Lữ đoàn 201"}),
                           ("xe", {"date_from": date(2011, 1, 1)}), ("ly lich", {"doc_type": "repair"})]:
        unrestricted, restricted = search(index, text, **criteria), search(index, text, access=everyone, **criteria)
        assert (restricted.total, restricted.hits, restricted.facets) == (
            unrestricted.total, unrestricted.hits, unrestricted.facets), (text, criteria)
    for asked in ["KB-15-84", "KB-I5-84", "KB-15-8", "XT-2207-B", "OB-9901", "ZZ-0000"]:
        assert index.find_serial(asked, everyone) == index.find_serial(asked), asked


def test_rank_past_the_vocabulary_counts_as_the_highest(index):
    index.add([rec("odd", "biên bản niêm cất", classification_rank=7, unit_keys=unit_keys("Lữ đoàn 201"),
                   serial_number="NC-0007")])

    for access in [person(2), person(2, "Lữ đoàn 201")]:
        assert search(index, "niem cat", access=access).total == 0
        assert index.find_serial("NC-0007", access) == ()
    for access in [person(3), person(3, "Lữ đoàn 201")]:
        assert ids(search(index, "niem cat", access=access)) == ["odd"]
        assert index.find_serial("NC-0007", access) == (SerialMatch("NC-0007", ("odd",), "exact"),)


def test_unit_chain_document_is_visible_from_either_unit(index):
    chain = "Trung đoàn 24, Sư đoàn 304"
    index.add([rec("chain", "biên bản sửa chữa lớn", unit=chain, serial_number="PB-0304-24", classification_rank=1,
                   unit_keys=unit_keys(chain)),
               rec("other", "biên bản sửa chữa lớn", unit="Trung đoàn 48, Sư đoàn 320", classification_rank=1,
                   unit_keys=unit_keys("Trung đoàn 48, Sư đoàn 320"))])
    assert {"trung doan 24", "su doan 304"} <= set(unit_keys(chain))

    for keys in [("trung doan 24",), ("su doan 304",), ("lu doan 201", "su doan 304")]:
        access = Access(max_rank=1, unit_keys=keys)
        assert ids(search(index, "sua chua", access=access)) == ["chain"], keys
        assert ids(search(index, "", access=access)) == ["chain"], keys
        assert index.find_serial("PB-0304-24", access) == (SerialMatch("PB-0304-24", ("chain",), "exact"),)
    for keys in [("trung doan 48",), ("trung doan 2",), ("su doan 30",)]:
        access = Access(max_rank=3, unit_keys=keys)
        assert "chain" not in ids(search(index, "sua chua", access=access)), keys
        assert index.find_serial("PB-0304-24", access) == (), keys
    assert search(index, "sua chua", access=Access(max_rank=0, unit_keys=("trung doan 24",))).total == 0


# -- the shared folding, applied fast ---------------------------------------------------------
# Engine-neutral, so not parametrised: every adapter indexes through `search.query.TextPrep`,
# which must give exactly what `normalize_text` and `match_fold` give.

_VIETNAMESE_BITS = list("aăâeêioôơuưyAĂÂEÊOÔƠUƯđĐqgnhtcx \n\t\r\x0b\x85\u00a0\u2028-.,Σσ\u00ad\u200b") + [
    "\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "oà", "uỳ", "oẻ", "hoà", "quà", "İ", "  ", "\n\n"]


@given(st.one_of(st.lists(st.sampled_from(_VIETNAMESE_BITS), max_size=60).map("".join), st.text(max_size=60)))
@settings(max_examples=400, deadline=None)
def test_text_prep_equals_the_shared_functions(text):
    prep = TextPrep(check_every=10**9)  # the whole-text check would hide a difference
    prep.normalize_and_fold("warm up the sampling counter past its first, checked call")
    long_text = text + " và thêm vài chữ cho đủ dài " + text

    normalized, folded = prep.normalize_and_fold(long_text)

    assert normalized == normalize_text(long_text)
    assert folded == match_fold(normalize_text(long_text))
    assert prep.fold(long_text) == match_fold(long_text)
    assert prep.word_local


# -- an index of an older schema ---------------------------------------------------------------


def test_tantivy_index_of_an_older_schema_is_set_aside_for_a_rebuild(tmp_path):
    import tantivy

    from search.tantivy_index import SCHEMA_VERSION, TantivyIndex

    older = tantivy.SchemaBuilder()
    older.add_text_field("document_id", stored=True, tokenizer_name="raw")
    older.add_integer_field(f"schema_v{SCHEMA_VERSION - 1}", stored=False, indexed=False)
    (tmp_path / "index").mkdir()
    tantivy.Index(older.build(), path=str(tmp_path / "index"), reuse=True).writer().commit()

    index = TantivyIndex(tmp_path / "index", replace_incompatible=True)
    try:
        assert index.replaced is not None and index.replaced.name.startswith("index.incompatible-")
        assert index.count() == 0
        index.add([rec("a", "xe tăng PT-7б", serial_number="KB-15-84")])
        assert ids(search(index, "PT-76")) == ["a"]
    finally:
        index.close()
    again = TantivyIndex(tmp_path / "index", replace_incompatible=True)  # the current schema opens as it is
    try:
        assert again.replaced is None and again.count() == 1
    finally:
        again.close()


# -- writes that wait for the caller ------------------------------------------------------------


def test_documents_are_not_searchable_before_the_callers_step_before_commit_and_are_after(index):
    seen_during: list[list[str]] = []
    index.add([rec("early", "biên bản kiểm tra pháo")])

    def before_commit():  # what a batch does here: make the stored files durable
        seen_during.append(ids(search(index, "kiểm tra")))

    index.add([rec("held", "biên bản kiểm tra xe tăng")], before_commit=before_commit)
    assert seen_during == [["early"]]
    assert sorted(ids(search(index, "kiểm tra"))) == ["early", "held"]


class _StorageDown(Exception):
    pass


def test_a_failure_before_commit_is_raised_as_it_is_and_adds_nothing(index):
    def before_commit():
        raise _StorageDown("disk full")

    with pytest.raises(_StorageDown, match="disk full"):
        index.add([rec("lost", "biên bản bàn giao xe tăng")], before_commit=before_commit)
    assert ids(search(index, "bàn giao")) == []
    index.add([rec("next", "biên bản bàn giao xe tăng")])  # the engine takes the next write
    assert ids(search(index, "bàn giao")) == ["next"]
