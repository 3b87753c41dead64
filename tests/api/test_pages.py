"""The web pages, through HTTP as a browser sends it (form posts, the session cookie), on the secured archive:
signing in and out, the search page in Vietnamese and in English, filters and facets, and nothing of a document
above the person's clearance or outside their units anywhere on a page. Real Tantivy index and local store."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jinja2
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from archive.api import create_app
from archive.bootstrap import build_archive
from archive.config import Settings
from archive.identity import local_operator
from archive.web import pages
from common.vocabulary import CLASSIFICATIONS
from tests.conftest import DOSSIER_KB_15_84, text_pdf
from tests.secured import IN_UNIT, ITEM_IN, LEVELS, OUT_UNIT, build_secured, document_lines, unsure_scan, visible_to_user

WEB = Path(pages.__file__).parent


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    secured = build_secured(Settings(data_dir=tmp_path_factory.mktemp("pages") / "data"))
    archive = build_archive(secured.settings, with_queue=False)
    try:  # a technician cleared for `confidential` only, in the same unit
        archive.add_user(local_operator(), "tech-mat", "technician", "confidential", [IN_UNIT], password="tech-mat-password")
        scan = archive.service.ingest_bytes(unsure_scan(), "kiem-tra-scan.png")  # its serial waits for review
        assert scan.status == "ingested" and scan.document.serial_number is None, scan.document
        secured.review_scan = scan.document_id
        lines = ["MẬT", *DOSSIER_KB_15_84["repair.pdf"]]  # a paper and its rescan (other bytes, same facts)
        secured.rescanned = archive.service.ingest_bytes(text_pdf(lines), "sua-chua.pdf").document_id
        secured.rescan = archive.service.ingest_bytes(text_pdf([*lines, "Bản sao"]), "sua-chua-quet-lai.pdf").document_id
    finally:
        archive.close()
    return secured


@pytest.fixture
def browser(secured):
    with TestClient(create_app(secured.settings), base_url="http://127.0.0.1:8000") as client:
        yield client


def sign_in(browser, name: str, password: str | None = None, next_page: str = "/"):
    return browser.post("/login", data={"username": name, "password": password or f"{name}-password", "next": next_page},
                        follow_redirects=False)


def _code(level, unit) -> str:
    return document_lines(level, unit)[-2].split()[3]  # "matrixwordNN": a word only that document holds


def test_a_page_asks_who_you_are_first_and_comes_back_after_signing_in(browser):
    asked = browser.get("/?q=kiem+tra", follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"] == "/login?next=%2F%3Fq%3Dkiem%2Btra"
    form = browser.get(asked.headers["location"])
    assert form.status_code == 200 and '<html lang="vi">' in form.text
    assert "Đăng nhập" in form.text and 'value="/?q=kiem+tra"' in form.text

    wrong = sign_in(browser, "technician", "not-the-password", "/?q=kiem+tra")
    assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.text
    assert "archive_session" not in wrong.cookies

    signed = sign_in(browser, "technician", next_page="/?q=kiem+tra")
    assert signed.status_code == 303 and signed.headers["location"] == "/?q=kiem+tra"
    page = browser.get("/?q=kiem+tra")
    assert page.status_code == 200 and "technician · Nhân viên kỹ thuật" in page.text
    # Through the use cases: signing in and the search are in the audit trail as this person's.
    done = [(entry.action, entry.outcome, entry.target) for entry in browser.app.state.archive.audit.entries(user="technician")]
    assert ("login", "denied", None) in done and ("login", "ok", None) in done and ("search", "ok", "kiem tra") in done

    out = browser.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert browser.get("/", follow_redirects=False).status_code == 303  # the session has ended on the server


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_signing_in_never_sends_the_browser_elsewhere(browser, target):
    assert sign_in(browser, "technician", next_page=target).headers["location"] == "/"


def test_words_without_accents_find_the_accented_papers_with_their_words_marked(browser, secured):
    sign_in(browser, "technician")
    page = browser.get("/", params={"q": "bao mat"})
    visible = secured.visible_ids()
    assert f"{len(visible)} tài liệu" in page.text
    assert page.text.count('<li class="hit">') == len(visible)
    assert "<mark>bảo</mark> <mark>mật</mark>" in page.text
    assert "Biên bản kiểm tra kỹ thuật" in page.text and "ngày 05 tháng 01 năm 2020" in page.text


def test_a_facet_narrows_the_search_and_a_second_click_removes_it(browser):
    sign_in(browser, "chief")  # cleared for every level, in every unit
    page = browser.get("/", params={"q": "bao mat"})
    facets = {name: href.replace("&amp;", "&")
              for href, name in re.findall(r'<a href="(/\?[^"]*unit=[^"]*)">([^<]+)</a>', page.text)}
    assert set(facets) == {IN_UNIT, OUT_UNIT}
    narrowed = browser.get(facets[OUT_UNIT])
    hits = narrowed.text.split('<ol class="hit-list">')[1]
    assert f"{len(LEVELS)} tài liệu" in narrowed.text  # one paper of each level out of the unit
    assert hits.count('<li class="hit">') == len(LEVELS) and IN_UNIT not in hits
    removal = re.search(r'<a href="([^"]*)" aria-current="true">' + re.escape(OUT_UNIT), narrowed.text)
    assert removal and parse_qs(urlsplit(removal.group(1).replace("&amp;", "&")).query) == {"q": ["bao mat"]}


def test_nothing_above_the_clearance_shows_anywhere_on_the_page(browser):
    sign_in(browser, "tech-mat", "tech-mat-password")
    page = browser.get("/", params={"q": "bao mat"})
    for level in LEVELS:
        for unit in (IN_UNIT, OUT_UNIT):
            answer = browser.get("/", params={"q": _code(level, unit)}).text
            shown = _code(level, unit) in answer.split('<div class="results">')[1]  # the box echoes what was typed
            assert shown == visible_to_user(level, unit, "confidential"), (level, unit)
    assert "2 tài liệu" in page.text  # unclassified and confidential, in the unit
    levels = re.findall(r'<option value="(\w+)"', page.text.split('id="classification"')[1].split("</select>")[0])
    assert levels == ["unclassified", "confidential"]
    assert OUT_UNIT not in page.text and "Tối mật" not in page.text
    refused = browser.get("/", params={"q": "", "classification": "secret"})
    assert "0 tài liệu" in refused.text


def test_a_role_that_may_not_search_is_told_so_in_its_language(browser):
    sign_in(browser, "auditor")
    page = browser.get("/")
    assert page.status_code == 403 and "Vai trò của đồng chí không được làm việc này" in page.text


def test_english_on_request_and_back(browser):
    sign_in(browser, "technician")
    chosen = browser.get("/language", params={"to": "en", "next": "/?q=bao+mat"}, follow_redirects=False)
    assert chosen.status_code == 303 and chosen.headers["location"] == "/?q=bao+mat"
    page = browser.get("/?q=bao+mat")
    assert '<html lang="en">' in page.text and "Sign out" in page.text and "5 January 2020" in page.text
    assert "Technical inspection" in page.text
    browser.get("/language", params={"to": "vi"})
    assert "Đăng xuất" in browser.get("/").text


def test_what_is_typed_stays_text(browser):
    sign_in(browser, "technician")
    page = browser.get("/", params={"q": '<script>alert("x")</script>', "unit": '"><img src=x>'})
    assert "<script>alert" not in page.text and "<img src=x>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_a_bad_date_is_said_beside_the_form(browser):
    sign_in(browser, "technician")
    page = browser.get("/", params={"q": "", "date_from": "31/02/2020"})
    assert page.status_code == 422
    assert "Không tìm được với điều kiện này: «31/02/2020» không phải một ngày" in page.text


def test_every_page_and_asset_comes_from_the_archive_itself(browser):
    pages_seen = [browser.get("/login").text]
    sign_in(browser, "chief")
    pages_seen += [browser.get("/", params={"q": "bao mat"}).text, browser.get("/?q=x&date_from=x").text]
    for text in pages_seen:
        for attribute, target in re.findall(r'\b(src|href|action)="([^"]*)"', text):
            assert target.startswith(("/", "#")) and not target.startswith("//"), (attribute, target)
    css = browser.get("/static/app.css")
    assert css.status_code == 200 and "url(" not in css.text and "@import" not in css.text
    script = browser.get("/static/htmx.min.js")
    vendored = (WEB / "static" / "VENDORED.txt").read_text()
    assert script.status_code == 200 and hashlib.sha256(script.content).hexdigest() in vendored
    assert "default-src 'self'" in browser.get("/login").headers["content-security-policy"]


def test_every_message_of_the_pages_has_its_vietnamese_translation():
    with open(WEB / "locales" / "vi" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale="vi")
    used = {message for _, _, message, *_ in extract_from_dir(
        str(WEB), method_map=[("templates/**.html", "jinja2")], options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}})}
    for labels in (pages.DOC_TYPE_LABELS, pages.CLASSIFICATION_LABELS, pages.ROLE_LABELS, pages.FIELD_LABELS,
                   pages.SOURCE_LABELS, pages.REPAIR_LABELS, pages.STATUS_LABELS):
        used |= {label for label in labels.values() if label}
    used |= {known.message for known in pages.REASONS}
    untranslated = sorted(m for m in used if not (catalog.get(m) and catalog.get(m).string))
    assert len(used) > 40 and untranslated == []
    assert set(pages.CLASSIFICATION_LABELS) == set(CLASSIFICATIONS)
    jinja2.Environment(loader=jinja2.FileSystemLoader(WEB / "templates"), extensions=["jinja2.ext.i18n"]).get_template("base.html")


def test_an_items_page_shows_its_history_as_far_as_the_person_may_see(browser, secured):
    sign_in(browser, "chief")
    every = browser.get(f"/equipment/{ITEM_IN}")
    assert every.status_code == 200 and f"Số hiệu {ITEM_IN}" in every.text
    in_unit = {doc for (level, unit), doc in secured.documents.items() if unit == IN_UNIT}
    assert set(re.findall(r'href="/documents/([0-9a-f]{64})"', every.text)) == in_unit
    # A paper whose stamp was not read counts as top secret, so the page carries that banner, top and bottom.
    assert every.text.count('class="banner banner-top_secret"') == 2 and "TUYỆT MẬT" in every.text
    assert "ngày 05 tháng 01 năm 2020" in every.text and "Lữ đoàn 201" in every.text

    browser.post("/logout")
    sign_in(browser, "tech-mat", "tech-mat-password")
    limited = browser.get(f"/equipment/{ITEM_IN}")
    shown = set(re.findall(r'href="/documents/([0-9a-f]{64})"', limited.text))
    assert shown == {doc for doc in in_unit if doc in secured.visible_ids("confidential")} and len(shown) == 2
    assert 'class="banner banner-confidential"' in limited.text and "TUYỆT MẬT" not in limited.text
    assert "/export" not in limited.text  # a technician may not export a dossier


def test_an_unknown_serial_names_the_close_ones(browser):
    sign_in(browser, "chief")
    page = browser.get("/equipment/KB-77-0I")
    assert page.status_code == 404 and f'<a href="/equipment/{ITEM_IN}">{ITEM_IN}</a>' in page.text


def test_a_document_page_shows_the_page_its_text_and_fields_under_its_banner(browser, secured):
    sign_in(browser, "technician")
    document_id = secured.documents[("secret", IN_UNIT)]
    page = browser.get(f"/documents/{document_id}", params={"q": "bao mat"})
    assert page.status_code == 200
    assert page.text.count('class="banner banner-secret"') == 2 and "TỐI MẬT" in page.text
    assert "<mark>bảo</mark> <mark>mật</mark>" in page.text  # the hits of the search, in the page's text
    assert re.search(r"<th scope=\"row\">Số hiệu</th>\s*<td>" + ITEM_IN, page.text)
    assert "đọc từ tài liệu, trang 1" in page.text
    image = re.search(rf'src="(/api/v1/documents/{document_id}/pages/1.png)"', page.text).group(1)
    png = browser.get(image)  # the page image, fetched as the browser does: with the session cookie
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert f'href="/api/v1/documents/{document_id}/file"' in page.text


def test_a_hidden_document_page_is_not_found_like_an_unknown_one(browser, secured):
    sign_in(browser, "tech-mat", "tech-mat-password")
    hidden = browser.get(f"/documents/{secured.documents[('secret', IN_UNIT)]}")
    unknown = browser.get(f"/documents/{'0' * 64}")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.text.replace(secured.documents[("secret", IN_UNIT)], "X") == unknown.text.replace("0" * 64, "X")


def test_a_correction_shows_on_the_document_page(browser, secured):
    document_id = secured.documents[("confidential", IN_UNIT)]
    sign_in(browser, "clerk")
    browser.app.state.archive.correct(browser.app.state.archive.identify_token(secured.tokens["clerk"], None),
                                      document_id, {"document_number": "77/BB-KT"}, note="đối chiếu bản giấy")
    page = browser.get(f"/documents/{document_id}")
    assert "Phiên bản 2 do clerk" in page.text and "«77/BB-KT»" in page.text and "do người hiệu chỉnh" in page.text
    earlier = browser.get(f"/documents/{document_id}", params={"version": 1})
    assert "Đây là các trường của phiên bản 1; hồ sơ hiện đang ở phiên bản 2." in earlier.text
    assert re.search(r'<th scope="row">Số văn bản</th>\s*<td>(?!77/BB-KT)[^<]+</td>', earlier.text)
    assert re.search(r'<th scope="row">Số văn bản</th>\s*<td>77/BB-KT</td>', page.text)
    assert browser.get(f"/documents/{document_id}", params={"version": 9}).status_code == 404


def test_a_clerk_checks_the_uncertain_serial_against_the_paper_and_saves_it(browser, secured):
    scan = secured.review_scan
    sign_in(browser, "clerk")
    queue = browser.get("/review")
    assert queue.status_code == 200 and f'href="/review/{scan}">kiem-tra-scan.png' in queue.text
    item = browser.get(f"/review/{scan}")
    assert re.search(r'<input id="field-serial_number" name="serial_number" value="" autofocus>', item.text)
    assert "chưa đọc được" in item.text and f"/api/v1/documents/{scan}/pages/1.png" in item.text
    assert 'class="banner banner-confidential"' in item.text

    saved = browser.post(f"/review/{scan}", data={"serial_number": "kb 77 09", "note": "bản giấy số 47", "following": ""},
                         follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/review?done=1"
    assert "Không có gì chờ rà soát" in browser.get("/review?done=1").text
    page = browser.get(f"/documents/{scan}")
    assert "Phiên bản 2 do clerk" in page.text and "«—» → «KB-77-09»" in page.text and "bản giấy số 47" in page.text


def test_the_review_queue_is_for_those_who_may_review(browser, secured):
    sign_in(browser, "technician")
    assert browser.get("/review").status_code == 403
    browser.post("/logout")
    sign_in(browser, "records_officer")  # may look at the queue, may not correct
    assert browser.get("/review").status_code == 200
    refused = browser.post(f"/review/{secured.review_scan}", data={"serial_number": "KB-77-08"})
    assert refused.status_code == 403 and "Vai trò của đồng chí không được làm việc này" in refused.text


def test_a_clerk_uploads_scans_and_is_taken_to_the_jobs_progress(browser, secured):
    sign_in(browser, "clerk")
    form = browser.get("/upload")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text and "/static/upload.js" in form.text
    files = [("files", (name, text_pdf(["MẬT", *DOSSIER_KB_15_84[name]]), "application/pdf"))
             for name in ("repair.pdf", "transfer.pdf")]
    sent = browser.post("/upload", files=files, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/jobs/")
    job = browser.get(sent.headers["location"])
    assert job.status_code == 200 and "repair.pdf" in job.text and "transfer.pdf" in job.text
    # No worker runs in this app: the files wait, and the page keeps asking for its progress part.
    assert "Đã xử lý 0 / 2 tệp, 0 tệp lỗi" in job.text
    assert f'hx-get="{sent.headers["location"]}/progress" hx-trigger="every 1s"' in job.text
    part = browser.get(sent.headers["location"] + "/progress")
    assert part.text.lstrip().startswith('<section id="progress"') and "<html" not in part.text


def test_an_upload_that_cannot_be_taken_says_why_and_keeps_nothing(browser):
    sign_in(browser, "clerk")
    refused = browser.post("/upload", files=[("files", ("notes.txt", b"not a scan", "text/plain"))])
    assert refused.status_code == 415 and "Chưa tải lên được gì: notes.txt không phải tệp PDF, TIFF, JPEG hay PNG" in refused.text
    browser.post("/logout")
    sign_in(browser, "technician")
    assert browser.get("/upload").status_code == 403
    assert browser.post("/upload", files=[("files", ("a.pdf", text_pdf(["x"]), "application/pdf"))]).status_code == 403


def test_a_rescan_is_listed_beside_the_paper_it_repeats(browser, secured):
    sign_in(browser, "clerk")
    page = browser.get("/duplicates")
    assert page.status_code == 200
    assert f'<a href="/documents/{secured.rescan}">sua-chua-quet-lai.pdf</a>' in page.text
    assert f'<a href="/documents/{secured.rescanned}">{secured.rescanned[:12]}</a>' in page.text


def test_the_audit_page_shows_who_did_what_newest_first(browser, secured):
    document = secured.documents[("unclassified", IN_UNIT)]
    sign_in(browser, "technician")
    browser.get(f"/documents/{document}")
    browser.get("/", params={"q": "audit page probe"})
    browser.post("/logout")
    sign_in(browser, "auditor")
    page = browser.get("/audit", params={"user": "technician"})
    assert page.status_code == 200
    rows = re.findall(r"<th scope=\"row\">([^<]+)</th><td>([^<]*)", page.text)
    assert rows and {who for who, _ in rows} == {"technician"}
    assert rows[0][1] == "logout" and ("search: audit page probe" in [what for _, what in rows])
    by_document = browser.get("/audit", params={"document": document[:10]})
    assert set(re.findall(r'href="/documents/([0-9a-f]{64})"', by_document.text)) == {document}


def test_a_records_officer_adds_and_disables_a_person(browser):
    sign_in(browser, "records_officer")
    added = browser.post("/users", data={"name": "van.thu2", "role": "clerk", "clearance": "confidential",
                                         "units": "Lữ đoàn 201\nLữ đoàn 202", "password": "van-thu-2-password"},
                         follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/users"
    listed = browser.get("/users").text
    assert re.search(r'<th scope="row">van.thu2</th><td>Văn thư</td><td>Mật</td>\s*<td>Lữ đoàn 201, Lữ đoàn 202</td>', listed)
    refused = browser.post("/users", data={"name": "x.y", "role": "general", "clearance": "secret", "password": "long-enough"})
    assert refused.status_code == 422 and "Chưa thêm được người dùng:" in refused.text and "general" in refused.text
    browser.post("/users/van.thu2/disable")
    assert re.search(r'<th scope="row">van.thu2</th>.*?đã khóa', browser.get("/users").text, re.S)
    browser.post("/logout")
    assert sign_in(browser, "van.thu2", "van-thu-2-password").status_code == 401  # disabled: cannot sign in


def test_newest_first_is_kept_while_narrowing(browser):
    sign_in(browser, "chief")
    page = browser.get("/", params={"q": "bao mat", "sort": "date"})
    assert page.status_code == 200 and '<option value="date" selected>Mới nhất trước</option>' in page.text
    facet_links = re.findall(r'<a href="(/\?[^"]*unit=[^"]*)">', page.text)
    assert facet_links and all("sort=date" in link for link in facet_links)
    assert browser.get("/", params={"q": "bao mat", "sort": "oldest"}).status_code == 422


def test_a_document_named_by_too_short_a_start_is_a_request_to_correct(browser):
    sign_in(browser, "technician")
    page = browser.get("/documents/abcd")
    assert page.status_code == 422 and "Không thực hiện được như yêu cầu" in page.text and "at least 6 characters" in page.text


def test_the_review_page_shows_where_on_the_paper_each_uncertain_value_was_read(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", auth="on", serve_workers=0, cookie_secure=False,
                        review_below=0.95)  # strict: the values read at 0.85–0.94 wait for review too
    archive = build_archive(settings, with_queue=False)
    try:
        archive.add_user(local_operator(), "clerk", "clerk", "secret", [IN_UNIT], password="clerk-password")
        scan = archive.service.ingest_bytes(unsure_scan(), "kiem-tra-scan.png").document_id
    finally:
        archive.close()
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        sign_in(client, "clerk")
        item = client.get(f"/review/{scan}")
        assert item.status_code == 200
        # Beside each value read on the scan, only the part of the page it was read from (an SVG view of the image).
        crops = {}
        for block in item.text.split('<label for="field-')[1:]:
            if found := re.search(r'<svg class="crop" viewBox="([\d. ]+)"', block):
                crops[block.split('"', 1)[0]] = found.group(1)
        assert {"unit", "quality_grade", "designation", "document_number"} <= set(crops)
        assert "serial_number" not in crops  # not read: nothing to point at
        aspect = 3508 / 2480
        for name, printed in (("unit", "Đơn vị quản lý"), ("quality_grade", "Kết luận"), ("designation", "Ký hiệu")):
            line_top = (200 + 70 * _unsure_lines().index(next(l for l in _unsure_lines() if l.startswith(printed)))) / 3508
            x, y, width, height = map(float, crops[name].split())
            assert y / (1000 * aspect) < line_top + 0.005 < (y + height) / (1000 * aspect), (name, crops[name])
        assert 'aria-label="Chỗ đọc được trên trang 1"' in item.text and f'href="/api/v1/documents/{scan}/pages/1.png"' in item.text
        # The same boxes outlined over the page image.
        marks = dict(re.findall(r'<rect class="mark" data-field="(\w+)" x="[\d.]+" y="([\d.]+)"', item.text))
        assert abs(float(marks["unit"]) - (200 + 70 * 9) / 3508) < 0.01

        # A corrected value keeps the place it was printed: the next reviewer sees what it was checked against.
        client.post(f"/review/{scan}", data={"quality_grade": "2", "note": "bản giấy"})
        corrected = client.get(f"/api/v1/documents/{scan}").json()["fields"]["quality_grade"]
        assert corrected["source"] == "corrected" and corrected["region"][1] == float(marks["quality_grade"])


def _unsure_lines() -> list[str]:
    return ["MẬT", *DOSSIER_KB_15_84["inspection.pdf"]]
