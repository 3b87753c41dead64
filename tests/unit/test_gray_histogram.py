"""The page statistics count gray levels with OpenCV: the counts must be numpy's, to the pixel."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from ingest.preprocess import gray_histogram


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_counts_equal_bincount_on_any_image(height: int, width: int, seed: int) -> None:
    gray = np.random.default_rng(seed).integers(0, 256, (height, width), dtype=np.uint8)
    assert gray_histogram(gray).tolist() == np.bincount(gray.ravel(), minlength=256).tolist()


def test_counts_stay_exact_past_float32_precision() -> None:
    # An odd count above 2**24 of one level: float32 holds only even numbers there.
    gray = np.full((4097, 4097), 200, dtype=np.uint8)
    gray[0, :2] = 3
    counts = gray_histogram(gray)
    assert counts[200] == 4097 * 4097 - 2 and counts[200] % 2 == 1 and counts[3] == 2


def test_a_strided_view_is_counted_as_it_shows() -> None:
    gray = np.arange(256 * 64, dtype=np.uint32).reshape(256, 64).astype(np.uint8)[::3, ::5]
    assert gray_histogram(gray).tolist() == np.bincount(gray.ravel(), minlength=256).tolist()
