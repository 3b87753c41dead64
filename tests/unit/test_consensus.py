import pytest

from ingest.consensus import reconcile_serial

KNOWN = ["KB-15-84", "KB-16-84", "QA-12-34", "T54B-0012"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("kb 15 84", ("KB-15-84", 0.99)),
        ("KB-I5-84", ("KB-15-84", 0.95)),
        ("T54B-0O12", ("T54B-0012", 0.95)),
        ("KB-15-8", ("KB-15-84", 0.85)),  # a seal hid the last digit
        ("QA-12-35", ("QA-12-34", 0.85)),
        ("QA-12-344", ("QA-12-34", 0.85)),
    ],
)
def test_reconcile_serial(value, expected):
    assert reconcile_serial(value, KNOWN) == expected


def test_ambiguous_edit_gives_nothing():
    assert reconcile_serial("KB-17-84", KNOWN) is None  # one edit from two known serials


def test_unknown_or_empty_gives_nothing():
    assert reconcile_serial("XX-99-01", KNOWN) is None
    assert reconcile_serial("", KNOWN) is None
    assert reconcile_serial("KB-15-84", []) is None


def test_short_serials_need_exact_match():
    assert reconcile_serial("AB1", ["AB2"]) is None


def test_accepts_any_iterable_once():
    assert reconcile_serial("KB 15 84", iter(KNOWN)) == ("KB-15-84", 0.99)
