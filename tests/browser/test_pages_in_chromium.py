"""The pages as people use them, in a real Chromium: sign in, search without accents, narrow by a facet, follow an
item's timeline to a document and page through it, see nothing above one's clearance; every page checked by
axe-core (no serious or critical violation), reachable by keyboard, and usable at 1366×768 and on a tablet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, TABLET, screenshot, sign_in
from tests.conftest import DOSSIER_KB_15_84, text_pdf
from tests.secured import IN_UNIT, ITEM_IN, LEVELS, OUT_UNIT, document_lines, visible_to_user

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def _code(level, unit) -> str:
    return document_lines(level, unit)[-2].split()[3]


def test_sign_in_search_without_accents_narrow_and_follow_the_timeline_to_a_document(new_page, served):
    page = new_page()
    sign_in(page, "chief")  # cleared for every level, in every unit
    assert page.url == served.url + "/"
    screenshot(page, "search-empty")

    page.get_by_role("searchbox").fill("bao mat")  # typed without accents
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=bao+mat*")
    # The ten stamped-or-not papers, and the logbook ("Độ mật", "bảo quản"): every word must match somewhere.
    assert page.locator("#count").inner_text() == "11 tài liệu"
    assert page.locator("mark", has_text="bảo").count() >= 1  # the accented words, marked
    screenshot(page, "search-results")

    page.get_by_role("complementary").get_by_role("link", name=OUT_UNIT).click()
    page.wait_for_url("**unit=*")
    assert page.locator("#count").inner_text() == "5 tài liệu"
    assert IN_UNIT not in page.locator(".hit-list").inner_text()
    page.get_by_role("complementary").get_by_role("link", name=re.compile(OUT_UNIT)).click()  # and back
    assert page.locator("#count").inner_text() == "11 tài liệu"

    page.get_by_role("link", name=f"Số hiệu {ITEM_IN}").first.click()
    page.wait_for_url(f"**/equipment/{ITEM_IN}")
    timeline = page.locator(".timeline li")
    assert timeline.count() == 6  # five stamped or unstamped papers in the unit, and the two-page logbook
    screenshot(page, "equipment")

    timeline.filter(has_text="ngày 12 tháng 03 năm 2019").get_by_role("link").click()
    page.wait_for_url(f"**/documents/{served.logbook_id}")
    assert page.locator("figcaption").inner_text() == "Trang 1 / 2"
    page.get_by_role("navigation", name="Các trang").get_by_role("link").nth(1).click()
    page.wait_for_url("**page=2*")
    assert page.locator("figcaption").inner_text() == "Trang 2 / 2"
    assert "Trang hai của lý lịch" in page.locator(".text").inner_text()
    loaded = page.locator("#page-image").evaluate("img => img.complete && img.naturalWidth > 0")
    assert loaded, "the page image did not load"
    before = page.locator("#page-image").evaluate("img => img.getBoundingClientRect().width")
    page.get_by_role("button", name="Phóng to").click()
    page.get_by_role("button", name="Phóng to").click()
    assert page.locator("#zoom-level").inner_text() == "150 %"
    after = page.locator("#page-image").evaluate("img => img.getBoundingClientRect().width")
    assert abs(after / before - 1.5) < 0.02, (before, after)
    screenshot(page, "document")


def test_a_confidential_technician_sees_no_trace_of_a_secret_paper(new_page, served):
    page = new_page()
    sign_in(page, "tech-mat", "tech-mat-password")
    for level in LEVELS:
        for unit in (IN_UNIT, OUT_UNIT):
            page.goto(f"/?q={_code(level, unit)}")
            found = page.locator(".hit-list").inner_text()
            assert (_code(level, unit) in found) == visible_to_user(level, unit, "confidential"), (level, unit)
    page.goto(f"/equipment/{ITEM_IN}")
    listed = set(re.findall(r"/documents/([0-9a-f]{64})", page.content()))
    assert listed == {served.secured.documents[("unclassified", IN_UNIT)],
                      served.secured.documents[("confidential", IN_UNIT)], served.logbook_id}
    assert "TỐI MẬT" not in page.content() and "TUYỆT MẬT" not in page.content()
    secret = served.secured.documents[("secret", IN_UNIT)]
    answer = page.goto(f"/documents/{secret}")
    assert answer.status == 404 and "matrixword" not in page.content()
    page.goto("/")
    options = page.locator("#classification option").all_inner_texts()
    assert options == ["Tất cả", "Thường", "Mật"]


def test_a_wrong_password_is_said_in_vietnamese_and_the_form_keeps_the_name(new_page):
    page = new_page()
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("technician")
    page.get_by_label("Mật khẩu").fill("wrong-password")
    page.get_by_role("button", name="Đăng nhập").click()
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Tên đăng nhập").input_value() == "technician"
    screenshot(page, "login")


def test_every_page_passes_axe_with_no_serious_violation(new_page, served):
    page = new_page(bypass_csp=True)  # the checker is injected into the page; the archive's CSP would stop it
    page.goto("/login")
    page.add_script_tag(path=str(AXE))
    _assert_accessible(page, "/login")
    sign_in(page, "chief")
    for path in ("/", "/?q=bao+mat", f"/equipment/{ITEM_IN}", f"/documents/{served.logbook_id}?q=ly+lich", "/review", "/upload",
                 f"/review/{served.review_scan_id}",
                 "/equipment/NO-SUCH-SERIAL", "/?q=x&date_from=31/02/2020", "/language?to=en&next=/%3Fq%3Dbao%2Bmat"):
        page.goto(path)
        page.add_script_tag(path=str(AXE))
        _assert_accessible(page, path)
    for person, paths in (("records_officer", ("/users", "/duplicates")), ("auditor", ("/audit",))):
        page.context.clear_cookies()
        sign_in(page, person, target=paths[0])
        for path in paths:
            page.goto(path)
            page.add_script_tag(path=str(AXE))
            _assert_accessible(page, path)


def _assert_accessible(page, path: str) -> None:
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], (path, serious)


def test_the_keyboard_reaches_the_content_first_and_every_control_has_a_label(new_page, served):
    page = new_page()
    sign_in(page, "chief")
    page.goto(f"/equipment/{ITEM_IN}")  # (the search page puts the cursor in its box at once)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    unlabeled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, button')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.innerText.trim())
        .map(el => el.outerHTML)""")
    assert unlabeled == []


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["1366x768", "tablet"])
def test_the_pages_fit_the_screen_without_sideways_scrolling(new_page, served, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, "chief")
    for path in ("/?q=bao+mat", f"/equipment/{ITEM_IN}", f"/documents/{served.logbook_id}"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, viewport, overflow)


# Last: it empties the review queue that the accessibility check above looks at.
def test_a_clerk_corrects_a_field_in_review_with_the_keyboard_and_sees_the_new_version(new_page, served):
    page = new_page()
    sign_in(page, "clerk", target="/review")
    screenshot(page, "review-queue")
    page.get_by_role("link", name="Bắt đầu từ tài liệu đầu").click()
    page.wait_for_url(f"**/review/{served.review_scan_id}")
    focused = page.evaluate("document.activeElement.name")
    assert focused == "serial_number"  # the first uncertain field has the cursor: type, then Enter
    screenshot(page, "review")
    page.keyboard.type("KB-77-09")
    page.keyboard.press("Enter")
    page.wait_for_url("**/review?done=1")
    assert "Đã lưu" in page.get_by_role("status").inner_text()
    page.goto(f"/documents/{served.review_scan_id}")
    assert "Phiên bản 2" in page.locator(".facts").inner_text()
    assert "«—» → «KB-77-09»" in page.locator(".corrections").inner_text()


def test_a_clerk_uploads_two_files_and_watches_the_job_finish(new_page, served, tmp_path):
    scans = []
    for name in ("repair.pdf", "transfer.pdf"):  # stamped Mật: within the clerk's clearance once stored
        (tmp_path / name).write_bytes(text_pdf(["MẬT", *DOSSIER_KB_15_84[name]]))
        scans.append(str(tmp_path / name))
    page = new_page(bypass_csp=True)  # for the accessibility check of the upload and job pages
    sign_in(page, "clerk", target="/upload")
    page.add_script_tag(path=str(AXE))
    _assert_accessible(page, "/upload")
    page.get_by_label("Bản quét (PDF, TIFF, JPEG, PNG): kéo thả vào đây hoặc chọn tệp").set_input_files(scans)
    assert page.locator("#chosen").inner_text() == "repair.pdf, transfer.pdf"
    screenshot(page, "upload")
    page.get_by_role("button", name="Tải lên và nhập kho").click()
    page.wait_for_url("**/jobs/*")
    # The page asks for its progress every second (htmx) until the job is done: no reload by the person.
    page.get_by_text("Đã xong.").wait_for(timeout=120_000)
    progress = page.locator("#progress").inner_text()
    assert "Đã xử lý 2 / 2 tệp, 0 tệp lỗi" in progress
    assert re.search(r"đã đọc 2 trang, [\d.]+(,\d+)? trang mỗi giây", progress), progress
    screenshot(page, "job")
    page.add_script_tag(path=str(AXE))
    _assert_accessible(page, page.url)
    page.get_by_role("link", name="Mở tài liệu").first.click()
    page.wait_for_url("**/documents/*")
    assert "KB-15-84" in page.locator(".facts").inner_text()
