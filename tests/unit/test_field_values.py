"""One reading of typed field values for the manifest, corrections and filters."""

from __future__ import annotations

import re
from datetime import date

import pytest

from archive.field_values import (
    InvalidFieldValue,
    parse_classification,
    parse_day,
    parse_doc_type,
    parse_field_value,
    parse_repair_level,
)


@pytest.mark.parametrize(("written", "day"), [
    ("2020-01-05", date(2020, 1, 5)),
    ("05/01/2020", date(2020, 1, 5)),  # day first, as Vietnamese papers write it
    ("5.1.2020", date(2020, 1, 5)),
    ("ngày 05 tháng 01 năm 2020", date(2020, 1, 5)),
])
def test_days_as_they_are_written(written, day):
    assert parse_day(written) == day


@pytest.mark.parametrize(("written", "says"), [
    ("31/02/2020", "'31/02/2020' is not a date (use 2020-01-05 or 05/01/2020, day first)"),
    ("yesterday", "'yesterday' is not a date"),
    ("1600-01-01", "document_date 1600-01-01 is outside 1900-01-01..2100-12-31"),
])
def test_what_is_not_a_document_date_is_refused_saying_why(written, says):
    with pytest.raises(InvalidFieldValue, match=re.escape(says)) as refused:
        parse_field_value("document_date", written)
    assert refused.value.kind == "bad_date" and "\n" not in str(refused.value)


def test_fixed_values_also_in_the_words_of_the_papers():
    assert parse_classification("Tối mật") == parse_classification("secret") == "secret"
    assert parse_classification("MẬT") == "confidential" and parse_classification("top-secret") == "top_secret"
    assert parse_repair_level("sửa chữa lớn") == parse_repair_level("SCL") == "major"
    assert parse_doc_type("grade-change") == "grade_change"
    assert parse_field_value("quality_grade", "cấp 2") == 2


@pytest.mark.parametrize(("parse", "written", "listed"), [
    (parse_doc_type, "nonsense", "known: logbook, handover, inspection"),
    (parse_classification, "very secret", "is not one of unclassified, confidential, secret, top_secret"),
    (parse_repair_level, "huge", "is not one of minor, medium, major"),
])
def test_an_unknown_value_is_refused_with_the_allowed_ones(parse, written, listed):
    with pytest.raises(InvalidFieldValue, match=listed):
        parse(written)
