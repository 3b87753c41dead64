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


@pytest.mark.parametrize(
    ("value", "known", "printed", "expected"),  # printed: by a text layer
    [
        # Other scans share the misreading (the exact spelling), yet the letter a text layer prints wins.
        ("15-5646", ["15-5646", "1S-5646"], ["1S-5646"], ("1S-5646", 0.95)),
        ("42-2043", ["4Z-2043", "42-2043"], ["4Z-2043"], ("4Z-2043", 0.95)),
        ("50-1233", ["5D-1233"], ["5D-1233"], ("5D-1233", 0.95)),
        ("K8-15-84", ["K8-15-84", "KB-15-84"], ["KB-15-84"], ("KB-15-84", 0.95)),
        # A letter only another scan read is OCR's too (an 8 read as B): the reading's own spelling stands.
        ("T62-8951", ["T62-8951", "T62-B951"], [], ("T62-8951", 0.99)),
        ("5M-2603", ["5M-2603", "SM-2603"], ["5M-2603"], ("5M-2603", 0.99)),
        ("50-1233", ["5D-1233"], [], ("5D-1233", 0.95)),  # the one look-alike known: as any look-alike
        ("T62-B951", ["T62-B951", "T62-8951"], ["T62-8951"], ("T62-8951", 0.95)),  # another scan's same misreading
        # A reading with the letter is not pulled to the misreading other scans made...
        ("1S-5646", ["15-5646"], [], None),
        ("1S-5646", ["15-5646", "1S-5646"], [], ("1S-5646", 0.99)),
        # ...but goes to the digit a text layer prints.
        ("T62-B951", ["T62-8951"], ["T62-8951"], ("T62-8951", 0.95)),
        # A letter OCR makes of a digit (I for 1, O for 0), or one amid digits, is no reason to leave the digit.
        ("KB-15-84", ["KB-15-84", "KB-I5-84"], ["KB-I5-84"], ("KB-15-84", 0.99)),
        ("9K-5607", ["9K-5607", "9K-56B7"], ["9K-56B7"], ("9K-5607", 0.99)),
        ("0680836", ["0680836", "O680836"], [], ("0680836", 0.99)),
        # ...but a text layer's O at a group's edge is a letter.
        ("0639368", ["0639368", "O639368"], ["O639368"], ("O639368", 0.95)),
        # Two printed spellings with letters the reading lacks: no way to choose.
        ("15-5646", ["1S-5646", "15-564G"], ["1S-5646", "15-564G"], None),
    ],
)
def test_a_letter_the_items_text_layer_prints_outweighs_its_digit_lookalike(value, known, printed, expected):
    assert reconcile_serial(value, known, printed) == expected


def test_a_letter_as_many_scans_read_as_read_the_digit_outweighs_it():
    assert reconcile_serial("15-5646", ["15-5646", "1S-5646"], outnumbering=["1S-5646"]) == ("1S-5646", 0.95)
    # The scans' number never pulls a letter to the digit: OCR misreads S as 5 far more often than 5 as S.
    assert reconcile_serial("1S-5646", ["15-5646"], outnumbering=["15-5646"]) is None
