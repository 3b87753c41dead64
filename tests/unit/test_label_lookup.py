"""A damaged label is compared only with the labels near its own length (`ingest.labels._near_labels`): the labels
it finds, their order and their scores must be those of comparing it with every label."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from ingest.labels import _SPACELESS, _near_labels


def _near_by_comparing_with_every_label(spaceless: str, leader: bool) -> tuple:
    if len(spaceless) < 5 or len(spaceless) > 24:
        return ()
    near = []
    for folded, label in _SPACELESS.items():
        if len(folded) < 5 or abs(len(folded) - len(spaceless)) > 2:
            continue
        allowed = 2 if len(folded) >= 10 or (leader and len(folded) >= 8) else 1
        distance = Levenshtein.distance(spaceless, folded, score_cutoff=allowed)
        if distance <= allowed:
            near.append((len(folded) - 3 * distance, label))
    return tuple(sorted(near, key=lambda found: -found[0]))


@st.composite
def damaged_labels(draw) -> str:
    """A label's spaceless key with up to three letters changed, dropped or added, or any short text."""
    if draw(st.booleans()):
        return draw(st.text(alphabet="abcdehilmnorstuxy$6", min_size=3, max_size=26))
    key = list(draw(st.sampled_from(sorted(_SPACELESS))))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(key)))
        edit = draw(st.sampled_from(["change", "drop", "add"]))
        letter = draw(st.sampled_from("aeiouynst$6"))
        if edit == "add" or at == len(key):
            key.insert(at, letter)
        elif edit == "drop":
            del key[at]
        else:
            key[at] = letter
    return "".join(key)


@settings(max_examples=600, deadline=None)
@given(damaged_labels(), st.booleans())
def test_near_labels_are_those_found_by_comparing_with_every_label(spaceless: str, leader: bool) -> None:
    assert _near_labels(spaceless, leader) == _near_by_comparing_with_every_label(spaceless, leader)


def test_a_damaged_label_finds_its_label_first() -> None:
    near = _near_labels("sohieu", False)  # "Số hiệu" as printed, marks and space gone
    assert near and near[0][1].field == "serial_number"
    assert _near_labels("sohjeu", False)[0][1].field == "serial_number"  # one letter misread
