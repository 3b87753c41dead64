import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.identifiers import lookalike_key, normalize_serial, serial_key
from ingest.serials import repair_serial


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("KB-I5-84", "KB-15-84"),
        ("KB-1S-84", "KB-15-84"),
        ("KB-IS-84", "KB-15-84"),
        ("kb 15 84", "KB-15-84"),
        ("T54B", "T54B"),
        ("T-54B", "T-54B"),
        ("T54B-0O12", "T54B-0012"),
        ("8412O7", "841207"),
        ("S12345", "S12345"),  # a leading letter may be a real prefix
        ("Z1L-131", "ZIL-131"),
        ("QA 12 34", "QA-12-34"),
        ("2S1-0456", "2S1-0456"),  # a real model prefix starting with a digit
        ("2O2O-OO15", "2020-0015"),
    ],
)
def test_repair_serial(raw, expected):
    assert repair_serial(raw) == expected


def test_normalize_serial_display_form():
    assert normalize_serial("  kb–15 / 84. ") == "KB-15-84"
    assert normalize_serial("") == ""


def test_keys():
    assert serial_key("KB-15-84") == serial_key("kb 15 84") == "KB1584"
    assert lookalike_key("KB-I5-84") == lookalike_key("KB-15-84")
    assert serial_key("KB-I5-84") != serial_key("KB-15-84")


GROUP = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=5)
SEPARATOR = st.sampled_from(["", " ", "-", " - ", ".", "/", "  "])


@given(st.lists(GROUP, min_size=1, max_size=4), st.lists(SEPARATOR, min_size=4, max_size=4), st.booleans())
def test_serial_key_ignores_separators_and_case(groups, separators, lower):
    plain = "".join(groups)
    spaced = "".join(g + s for g, s in zip(groups, separators))
    if lower:
        spaced = spaced.lower()
    assert serial_key(spaced) == serial_key(plain) == plain


@given(st.lists(GROUP, min_size=1, max_size=4))
def test_repair_only_swaps_lookalikes(groups):
    raw = "-".join(groups)
    assert lookalike_key(repair_serial(raw)) == lookalike_key(raw)
    assert repair_serial(repair_serial(raw)) == repair_serial(raw)
