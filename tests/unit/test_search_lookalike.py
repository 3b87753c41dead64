"""Which words of a query or a text are read as a serial or a designation (search.lookalike), and which are not."""

from __future__ import annotations

import pytest

from common.identifiers import lookalike_key
from search.lookalike import field_identifiers, identifier_spans, query_identifiers, text_identifiers
from search.query import parse_text


def asked(text: str) -> list[tuple[str, tuple[str, ...]]]:
    terms = parse_text(text)
    return [(ident.exact, ident.lookalike)
            for ident in query_identifiers([t.text if not t.phrase else "" for t in terms])]


@pytest.mark.parametrize(("text", "exact", "lookalike"), [
    ("KB-15-B4", "KB15B4", "K81584"),
    ("I4M4I6I4", "I4M4I6I4", "14M41614"),
    ("kb 15 84", "KB1584", "K81584"),
    ("KB1584", "KB1584", "K81584"),
    ("PT-7б", "PT7Б", "PT76"),
    ("PT-.76", "PT76", "PT76"),
    ("123456", "123456", "123456"),
])
def test_identifier_typed_alone_is_one_stretch(text, exact, lookalike):
    assert asked(text)[0][0] == exact
    assert lookalike in asked(text)[0][1]


@pytest.mark.parametrize("text", ["sửa chữa lớn", "bo doi", "BO DOI", "xe tang lu doan", "năm 2020", "2020",
                                  "số 12", '"KB 15" lon', "lý lịch T"])
def test_ordinary_words_years_and_short_numbers_are_not_identifiers(text):
    assert [exact for exact, _alike in asked(text) if exact in {"BODOI", "2020", "12", "KB15", "T"}] == []
    assert all(any(ch.isdigit() for ch in exact) for exact, _alike in asked(text))


def test_words_around_a_serial_are_left_to_the_words():
    assert ("KB1584", ("K81584",)) in asked("kiem tra KB 15 84")
    assert ("PT76", ("PT76",)) in asked("xe PT 76")
    assert ("URAL432011021", ("URA1432011021",)) in asked("URAL 4320 11021")
    assert len(asked("kiem tra xe KB 15 84 T 54")) <= 6  # a bounded number of alternatives


def test_text_keys_cover_damaged_spaced_and_glued_forms_but_not_lowercase_words():
    keys = text_identifiers("Số hiệu: KB-I5-B4. Xe PT 76, PT-7б và xe 15; năm 2020, trang 12")

    assert {"KBI5B4", "PT76"} <= keys.exact
    assert {"K81584", "PT76"} <= keys.lookalike
    assert not {"XE15", "2020", "12", "2020PT76"} & (keys.exact | keys.lookalike)


def test_field_keys_read_cyrillic_look_alikes_as_latin():
    assert field_identifiers("РТ-76").lookalike >= {lookalike_key("PT-76")}  # Cyrillic Er and Te
    assert field_identifiers("ВТR-60").lookalike >= {lookalike_key("BTR-60")}
    assert field_identifiers(None).exact == frozenset()


def test_spans_point_at_the_damaged_identifier_in_the_text():
    text = "Biên bản: xe số hiệu KB-I5-B4, kiểm tra."
    spans = identifier_spans(text, query_identifiers(["KB-15-84"]))

    assert [text[a:b] for a, b in spans] == ["KB-I5-B4"]
