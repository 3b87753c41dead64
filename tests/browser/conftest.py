"""A real Chromium (Debian's `chromium`, installed by scripts/install-system.sh) driven by Playwright against the
archive served by uvicorn on a free 127.0.0.1 port, over the secured archive of tests/secured.py plus one
two-page paper. Any request a page makes to another host fails the test that made it."""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from archive.api import create_app
from archive.bootstrap import build_archive
from archive.config import Settings
from archive.identity import local_operator
from tests.conftest import FONT
from tests.secured import IN_UNIT, ITEM_IN, SecuredArchive, build_secured, unsure_scan
from tests.uvicorn_app import bound_socket, serving

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is missing: `make install` installs Debian's `chromium` package (scripts/install-system.sh)")
    return found


def two_page_logbook() -> bytes:
    """A logbook of the item in two pages, as office software exports it (text layer)."""
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pages = [["Độ mật: Thường", "LÝ LỊCH TRANG BỊ KỸ THUẬT", "Hà Nội, ngày 12 tháng 3 năm 2019",
              "Tên trang bị: Xe tăng T-54B", "Ký hiệu: T-54B", f"Số hiệu: {ITEM_IN}", f"Đơn vị quản lý: {IN_UNIT}"],
             ["Trang hai của lý lịch", "Quá trình sử dụng: bảo quản tốt, niêm cất năm 2018"]]
    for lines in pages:
        pdf.setFont("DejaVuSans", 12)
        for row, line in enumerate(lines):
            pdf.drawString(60, 780 - 20 * row, line)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@dataclass
class Served:
    url: str
    secured: SecuredArchive
    logbook_id: str
    review_scan_id: str
    outside: list[str] = field(default_factory=list)  # requests that tried to leave 127.0.0.1


@pytest.fixture(scope="session")
def served(tmp_path_factory) -> Iterator[Served]:
    secured = build_secured(Settings(data_dir=tmp_path_factory.mktemp("browser") / "data", index_retry_s=3600))
    archive = build_archive(secured.settings, with_queue=False)
    try:
        archive.add_user(local_operator(), "tech-mat", "technician", "confidential", [IN_UNIT], password="tech-mat-password")
        logbook = archive.service.ingest_bytes(two_page_logbook(), "ly-lich-2-trang.pdf")
        assert logbook.status == "ingested" and logbook.document.page_count == 2, logbook.error
        scan = archive.service.ingest_bytes(unsure_scan(), "kiem-tra-scan.png")  # its serial waits for review
        assert scan.status == "ingested" and scan.document.serial_number is None, scan.document
    finally:
        archive.close()
    sock, url = bound_socket()
    # One ingest worker inside the server, as `archive serve` runs on one machine: uploads finish by themselves.
    with serving(create_app(secured.settings.model_copy(update={"serve_workers": 1})), sock):
        yield Served(url, secured, logbook.document_id, scan.document_id)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium's sandbox refuses to run as root
        browser = playwright.chromium.launch(executable_path=_chromium(), args=args)
        yield browser
        browser.close()


def _guarded(context, served: Served):
    """Every request of the context: to 127.0.0.1 it goes on; anywhere else it is stopped and remembered."""
    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1" or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            served.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return context


@pytest.fixture
def new_page(chromium, served):
    """A fresh browser context (no cookies) per call; the test fails if any of its pages asked another host."""
    contexts = []

    def make(viewport=DESKTOP, **options):
        context = _guarded(chromium.new_context(viewport=viewport, base_url=served.url, locale="vi-VN", **options), served)
        contexts.append(context)
        return context.new_page()

    served.outside.clear()
    yield make
    for context in contexts:
        context.close()
    assert served.outside == [], f"pages asked for something outside the archive: {served.outside}"


def sign_in(page, name: str, password: str | None = None, target: str = "/") -> None:
    page.goto(target)
    page.wait_for_url("**/login?next=*")
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(password or f"{name}-password")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> None:
    """The README's pictures of the pages are the ones the tests saw."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
