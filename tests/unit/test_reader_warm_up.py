"""The readers' server reads a made-up page before it forks pool processes (ingest.warm): the page must go through
every field rule, and what the rules build on first use must be built by it, not by each process's first file."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from ingest.pipeline import read_text_layer

_OTHER_PAGE = """CỤC KỸ THUẬT
Số: 77/QĐ-KT
Hà Nội, ngày 3 tháng 2 năm 2001
QUYẾT ĐỊNH điều chuyển trang bị
Điều chuyển xe ô tô ZIL-131 số đăng ký AB-12-34 từ Trung đoàn 12 cho Sư đoàn 5.
Cấp chất lượng: Cấp 3"""


def test_the_warm_up_page_is_read_like_a_text_pdf_page_with_its_fields():
    from ingest.warm import _PAGE

    extraction = read_text_layer(_PAGE)
    assert extraction.page_count == 1 and extraction.pages[0].source == "text"
    values = {name: found.value for name, found in extraction.fields.items()}
    assert values["serial_number"] == "PL-04-217"
    assert values["designation"] == "D-30"
    assert values["unit"] == "Lữ đoàn pháo binh 164"
    assert values["document_date"] == "1994-05-09"
    assert values["quality_grade"] == 2
    assert values["doc_type"] == "inspection"


def _compiled_by_first_page(warm: bool) -> int:
    """Regular expressions compiled while a new process reads its first page (another page than the warm-up's)."""
    script = textwrap.dedent(f"""
        import re._compiler as compiler
        count = [0]
        original = compiler.compile
        def counting(pattern, flags=0):
            count[0] += 1
            return original(pattern, flags)
        compiler.compile = counting
        import ingest.pipeline
        if {warm!r}:
            import ingest.warm
        count[0] = 0
        ingest.pipeline.read_text_layer({_OTHER_PAGE!r})
        print(count[0])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def test_after_the_warm_up_a_first_page_compiles_almost_nothing():
    cold, warm = _compiled_by_first_page(False), _compiled_by_first_page(True)
    # the rules do compile on first use (18 patterns once the hot ones were compiled at import): without the
    # warm-up, every pool process pays it
    assert cold >= 12
    assert warm <= 5
