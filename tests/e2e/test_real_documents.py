"""Real Vietnamese wording (Decree 30/2020, bench/real/) read back from a scan: the archive must not lose text
that plain `tesseract` reads.

The pages are the CER benchmark's (bench/real_documents.py): the decree's official text drawn
on A4 and imaged as a clean 300-dpi scan and as a fax-style bilevel TIFF. On these the
archive's text must be nearly exact and never further from the truth than plain
`tesseract <image> stdout -l vie+eng` on the same file. One page from each part of the
benchmark; the full figures (faded copies and phone photos too) are in bench/results/cer_real.json.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cer_bench import char_errors, read_archive, read_plain
from bench.real_documents import IMAGINGS, REAL, load_manifest
from tests.conftest import require_tesseract

TEXTS = ("tuning-01-dieu-1-3.txt", "held-out-03-dieu-21.txt")
IMAGINGS_CHECKED = ("clean_300", "fax_bilevel_200")
MAX_CER = 0.01


@pytest.mark.slow
@pytest.mark.parametrize("imaging", IMAGINGS_CHECKED)
@pytest.mark.parametrize("text_file", TEXTS)
def test_archive_reads_real_wording_at_least_as_well_as_plain_tesseract(tmp_path: Path, text_file: str,
                                                                        imaging: str) -> None:
    require_tesseract()
    assert text_file in {entry["file"] for entry in load_manifest()["texts"]}
    truth = (REAL / "texts" / text_file).read_text(encoding="utf-8")
    data, extension = IMAGINGS[imaging](truth, seed=7)
    page = tmp_path / f"page.{extension}"
    page.write_bytes(data)

    archive_text, _ = read_archive(page, reading=None)
    plain_text, _ = read_plain(page, "vie+eng")
    archive_errors, length = char_errors(archive_text, truth)
    plain_errors, _ = char_errors(plain_text, truth)

    assert "Văn thư cơ quan" in archive_text or "công tác văn thư" in archive_text
    assert archive_errors / length <= MAX_CER, f"archive CER {archive_errors / length:.4f} on {imaging}"
    assert archive_errors <= plain_errors, f"archive {archive_errors} errors, plain tesseract {plain_errors}"
