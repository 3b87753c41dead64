"""Factory fixtures shared by every room's tests. Real Tesseract and real Tantivy; nothing mocked."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from archive.bootstrap import build_services
from archive.config import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "pypdf-sample-files"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
IN_CI = os.environ.get("CI") == "true"

# Real Elasticsearch and S3 servers, started on 127.0.0.1 the first time a test asks for one.
pytest_plugins = ["tests.servers"]


def require_tesseract() -> None:
    if shutil.which("tesseract") is None:
        message = "tesseract is not installed: run `make install` (as root) or apt-get install tesseract-ocr tesseract-ocr-vie"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


# A guard against a command that hangs, not a speed check (speed is measured in `make bench`): the shared corpus's
# batch OCRs a long textbook's doubtful text layers page after page, about ten minutes on a busy 2-core machine.
_COMMAND_HANG_S = 1500


def run_archive(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The real `archive` command with these ARCHIVE_* settings; a failure shows its stderr."""
    completed = subprocess.run(
        [sys.executable, "-m", "archive", *args], env={**os.environ, **env, "COLUMNS": "200"},
        capture_output=True, text=True, timeout=_COMMAND_HANG_S,
    )
    if check and completed.returncode != 0:
        raise AssertionError(f"archive {' '.join(args)} exited {completed.returncode}:\n{completed.stderr}")
    return completed


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Behaviour tests act as the one operator of an archive served without users; people, clearance and
    # denials are tested with auth on (tests/api/test_permissions.py, tests/api/test_leaks.py).
    return Settings(data_dir=tmp_path / "data", auth="off")


@pytest.fixture
def service(settings: Settings):
    built = build_services(settings)
    yield built
    built.close()


def render_text_image(lines: list[str], *, dpi: int = 300, size: tuple[int, int] | None = None) -> Image.Image:
    """A clean page image with the given lines, as a scanner would deliver it."""
    scale = dpi / 300
    width, height = size or (int(2480 * scale), int(3508 * scale))
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), int(42 * scale))
    y = int(200 * scale)
    for line in lines:
        draw.text((int(180 * scale), y), line, fill="black", font=font)
        y += int(70 * scale)
    return image


def image_bytes(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


SAMPLE_LINES = [
    "BỘ QUỐC PHÒNG",
    "LỮ ĐOÀN 201",
    "Số: 47/BB-KT",
    "Hà Nội, ngày 05 tháng 01 năm 2020",
    "BIÊN BẢN KIỂM TRA KỸ THUẬT",
    "Tên trang bị: Xe tăng T-54B",
    "Ký hiệu: T-54B",
    "Số hiệu: KB-15-84",
    "Đơn vị quản lý: Tiểu đoàn 3, Lữ đoàn 201",
    "Kết luận: đạt cấp chất lượng 2",
]


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a real text layer (as office software exports it)."""
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setFont("DejaVuSans", 11)
    y = 800
    for line in lines:
        pdf.drawString(60, y, line)
        y -= 18
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def header(issuer: str, number: str, date_line: str, title: str) -> list[str]:
    return [
        "BỘ QUỐC PHÒNG                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        f"{issuer}                        Độc lập - Tự do - Hạnh phúc",
        f"Số: {number}",
        date_line,
        title,
    ]


DOSSIER_KB_15_84 = {
    "logbook.pdf": header("CỤC KỸ THUẬT QUÂN KHU 1", "12/LL-KT", "Hà Nội, ngày 10 tháng 3 năm 1985", "LÝ LỊCH TRANG BỊ KỸ THUẬT")
    + [
        "Tên trang bị: Xe tăng T-54B",
        "Ký hiệu: T-54B",
        "Số hiệu: KB-15-84",
        "Nhà máy sản xuất: Nhà máy 183 Ural",
        "Nước sản xuất: Liên Xô",
        "Năm sản xuất: 1984",
        "Đơn vị quản lý: Lữ đoàn 201",
        "Cấp chất lượng: Cấp 1",
    ],
    "inspection.pdf": header("LỮ ĐOÀN 201", "47/BB-KT", "Hà Nội, ngày 05 tháng 01 năm 2015", "BIÊN BẢN KIỂM TRA KỸ THUẬT")
    + [
        "Tên trang bị: Xe tăng T-54B",
        "Ký hiệu: T-54B",
        "Số hiệu: KB-15-84",
        "Đơn vị quản lý: Lữ đoàn 201",
        "Kết luận: trang bị đạt cấp chất lượng 3, đề nghị sửa chữa lớn",
    ],
    "repair.pdf": header("NHÀ MÁY Z153", "88/NT-SC", "Hà Nội, ngày 20 tháng 6 năm 2016", "BIÊN BẢN NGHIỆM THU SAU SỬA CHỮA")
    + [
        "Tên trang bị: Xe tăng T-54B",
        "Ký hiệu: T-54B",
        "Số hiệu: KB-15-84",
        "Đơn vị quản lý: Lữ đoàn 201",
        "Cấp sửa chữa: Sửa chữa lớn",
        "Cấp chất lượng sau sửa chữa: Cấp 2",
    ],
    "transfer.pdf": header("BỘ TỔNG THAM MƯU", "125/QĐ-TM", "Hà Nội, ngày 15 tháng 8 năm 2019", "QUYẾT ĐỊNH")
    + [
        "Về việc điều chuyển trang bị kỹ thuật",
        "Điều 1. Điều chuyển xe tăng T-54B, số hiệu KB-15-84 từ Lữ đoàn 201 về Trung đoàn 141, Sư đoàn 312.",
        "Ký hiệu: T-54B",
        "Số hiệu: KB-15-84",
    ],
}


def write_dossier(folder: Path, extra: dict[str, list[str]] | None = None) -> Path:
    """The four documents of tank KB-15-84 (and `extra` ones) written as text PDFs into `folder` (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in {**DOSSIER_KB_15_84, **(extra or {})}.items():
        (folder / name).write_bytes(text_pdf(lines))
    return folder


@pytest.fixture
def dossier_service(service):
    """A service holding the four-document dossier of tank KB-15-84 (text PDFs: fast, no OCR)."""
    ids = {}
    for name, lines in DOSSIER_KB_15_84.items():
        result = service.ingest_bytes(text_pdf(lines), name)
        assert result.status == "ingested", result.error
        ids[name] = result.document_id
    service.dossier_ids = ids
    return service
