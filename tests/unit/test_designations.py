"""Designations in catalogue form: what extraction stores and what search matches."""

import pytest

from common.designations import DESIGNATIONS, designation_key, normalize_designation


@pytest.mark.parametrize(
    ("printed", "catalogue"),
    [
        ("T55", "T-55"),
        ("T-55", "T-55"),
        ("t 55", "T-55"),
        ("PT 76", "PT-76"),
        ("BMP2", "BMP-2"),
        ("ZIL131", "ZIL-131"),
        ("Zil-131", "ZIL-131"),
        ("ZIL – 131", "ZIL-131"),
        ("Ural-4320", "URAL-4320"),
        ("kraz255b", "KrAZ-255B"),
        ("KAMAZ 4310", "KamAZ-4310"),
        ("ZU 23 2", "ZU-23-2"),
        ("ZSU-23 4", "ZSU-23-4"),
        ("type59", "Type 59"),
        ("BTR60PB", "BTR-60PB"),
        ("r123m", "R-123M"),
    ],
)
def test_spacing_case_and_missing_dash_give_the_catalogue_entry(printed, catalogue):
    assert normalize_designation(printed) == catalogue


@pytest.mark.parametrize(
    ("damaged", "catalogue"),
    [
        ("PT-7б", "PT-76"),  # Cyrillic be read for a 6
        ("T-5S", "T-55"),
        ("ZlL-131", "ZIL-131"),
        ("BTR-6OPB", "BTR-60PB"),
        ("BMP-I", "BMP-1"),
        ("P-I8", "P-18"),
    ],
)
def test_lookalike_damage_is_repaired_when_one_entry_matches(damaged, catalogue):
    assert normalize_designation(damaged) == catalogue


@pytest.mark.parametrize(
    ("printed", "generic"),
    [("AK47", "AK-47"), ("RPG 7V", "RPG-7V"), ("SU-100", "SU-100"), ("BMP 3", "BMP-3")],
)
def test_models_outside_the_catalogue_follow_the_generic_rule(printed, generic):
    assert normalize_designation(printed) == generic


@pytest.mark.parametrize("not_a_model", ["", None, "abc", "Xe tăng", "---"])
def test_text_without_a_number_is_no_designation(not_a_model):
    assert normalize_designation(not_a_model) is None


def test_a_bare_number_is_never_turned_into_a_catalogue_model():
    # "560" has the look-alike key of "S-60"; with no letter of its own it must not become one.
    assert normalize_designation("560") != "S-60"


def test_every_catalogue_entry_is_its_own_normal_form_and_keys_are_unique():
    assert all(normalize_designation(entry) == entry for entry in DESIGNATIONS)
    keys = [designation_key(entry) for entry in DESIGNATIONS]
    assert len(keys) == len(set(keys))


def test_catalogue_holds_the_common_vpa_models():
    for model in ("T-34", "T-54", "T-55", "T-62", "T-90S", "Type 59", "PT-76", "BTR-40", "BTR-50PK", "BTR-60PB",
                  "BTR-152", "BMP-1", "BMP-2", "M113", "D-30", "D-44", "D-74", "M-46", "KS-19", "S-60", "ZU-23-2",
                  "ZSU-23-4", "ZPU-4", "BM-21", "DKZ-75", "P-12", "P-14", "P-18", "P-19", "P-37", "PRV-11", "PRV-13",
                  "36D6", "SNR-75", "ZIL-130", "ZIL-131", "ZIL-157", "URAL-375D", "URAL-4320", "KrAZ-255B", "GAZ-66",
                  "MAZ-537", "KamAZ-4310", "R-105M", "R-123M", "R-130M", "R-159", "PRC-25", "VRU-812"):
        assert model in DESIGNATIONS
