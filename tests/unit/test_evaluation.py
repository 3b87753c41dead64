"""The accuracy yardstick: exact values, accents included; equipment views scored per item."""

from __future__ import annotations

import datetime as dt

from archive.evaluation import expected_items, same_value, score, score_equipment


def test_a_wrong_tone_mark_in_a_unit_is_a_miss() -> None:
    assert not same_value("unit", "Lữ đoàn xe tăng 203", "Lữ đoàn xe tang 203")
    assert not same_value("unit", "Trung đoàn phòng không 280", "Trung đoàn phòng khóng 280")
    assert not same_value("unit", "Lữ đoàn xe tăng 203", "Lữ đoàn 203")


def test_only_whitespace_commas_and_normal_form_are_forgiven() -> None:
    assert same_value("unit", "Trung đoàn 24, Sư đoàn 304", "Trung đoàn 24 Sư đoàn  304")
    assert same_value("unit", "Kho K3/Cục Kỹ thuật", "Kho K3/Cu\u0323c Ky\u0303 thuật")  # NFD input
    assert same_value("country_of_origin", "Hòa Bình", "Hoà Bình")  # the archive's one tone placement
    assert not same_value("unit", "Sư đoàn 304", "sư đoàn 304")


def test_identifiers_compare_by_display_form_not_by_key() -> None:
    assert not same_value("designation", "T-55", "T55")
    assert not same_value("serial_number", "KB-15-84", "KB 15 84")
    assert same_value("document_number", "125/QĐ-TCKT", " 125/QĐ-TCKT ")
    assert same_value("quality_grade", 2, 2) and not same_value("quality_grade", 2, 3)


def test_an_expected_none_counts_and_the_folded_score_is_kept_apart() -> None:
    scores = score([
        ("a", {"classification": None, "unit": "Lữ đoàn xe tăng 203"}, {"classification": "secret", "unit": "Lữ đoàn xe tang 203"}),
        ("b", {"classification": "confidential", "unit": "Lữ đoàn 201"}, {"classification": "confidential", "unit": "Lữ đoàn 201"}),
    ])
    assert scores["classification"].accuracy == 0.5
    assert scores["unit"].accuracy == 0.5 and scores["unit"].folded_accuracy == 1.0


def test_equipment_views_are_scored_on_count_current_unit_and_ordered_history() -> None:
    truths = [
        {"serial_number": "KB-15-84", "doc_type": "logbook", "document_date": "2001-01-05", "unit": "Lữ đoàn 201"},
        {"serial_number": "KB-15-84", "doc_type": "transfer", "document_date": "2005-03-01",
         "unit": "Lữ đoàn xe tăng 203", "from_unit": "Lữ đoàn 201", "to_unit": "Lữ đoàn xe tăng 203"},
        {"serial_number": "KB-15-84", "doc_type": "repair", "document_date": "2009-07-09"},
        {"serial_number": "P18-1234", "doc_type": "logbook", "document_date": "1990-02-02", "unit": "Kho K60"},
    ]
    expected = expected_items(truths)
    assert expected["KB-15-84"].current_unit == "Lữ đoàn xe tăng 203"
    history = [(dt.date(2001, 1, 5), "logbook"), (dt.date(2005, 3, 1), "transfer"), (dt.date(2009, 7, 9), "repair")]
    right = score_equipment(expected, {"KB-15-84": (3, "Lữ đoàn xe tăng 203", history), "P18-1234": (1, "Kho K60", [("1990-02-02", "logbook")])})
    assert right.as_dict() == {"items": 2, "document_count": 1.0, "current_unit": 1.0, "history": 1.0, "whole": 1.0}
    wrong = score_equipment(expected, {"KB-15-84": (3, "Lữ đoàn xe tang 203", history[::-1]), "P18-1234": None})
    assert wrong.share("current_unit") == 0 and wrong.share("history") == 0 and wrong.share("document_count") == 0.5
    assert ("P18-1234", "item", 1, None) in wrong.misses
