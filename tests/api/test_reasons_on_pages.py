"""Why something failed, as the pages say it: every reason the archive really gives for a file it could not
ingest, a value it could not take or a request it refused is shown in Vietnamese, its technical part kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from archive.api import create_app
from archive.bootstrap import build_archive
from archive.config import Settings
from archive.errors import InvalidRequest
from archive.field_values import parse_field_value
from archive.identity import local_operator
from archive.review import apply_correction
from archive.web.details import REASONS, localized
from archive.web.i18n import translations
from tests.conftest import DOSSIER_KB_15_84, text_pdf
from tests.hostile.corpus import build

VI = translations("vi")


def _said_in_vietnamese(reason: str) -> str:
    shown = localized(reason, VI)
    assert shown != reason, f"no Vietnamese for: {reason}"
    return shown


def test_every_reason_a_hostile_file_fails_with_is_shown_in_vietnamese(tmp_path):
    reasons = build(tmp_path / "inbox")
    archive = build_archive(Settings(data_dir=tmp_path / "data"), with_queue=False)
    try:
        failures = {name: archive.service.ingest_bytes((tmp_path / "inbox" / name).read_bytes(), name).error
                    for name in reasons}
    finally:
        archive.close()
    shown = {name: _said_in_vietnamese(error) for name, error in failures.items()}
    assert shown["empty.pdf"] == "tệp rỗng, không có nội dung"
    assert shown["encrypted.pdf"] == "tệp PDF có đặt mật khẩu: hãy nhập một bản không đặt mật khẩu"
    assert shown["huge-page-count.pdf"] == "50000 trang, vượt giới hạn 2000 trang: hãy tách tệp ra"
    # The parser's own words stay, for whoever has to look further.
    assert shown["truncated.pdf"].startswith("tệp PDF bị hỏng, không đọc được (pypdf: ")
    assert "50 4b 03 04" in shown["zip-bomb.zip"] and shown["zip-bomb.zip"].startswith("không phải tệp PDF, TIFF")


@pytest.mark.parametrize("name, typed", [
    ("document_date", "32/13/2020"), ("document_date", "05/01/1600"), ("doc_type", "biên lai"),
    ("classification", "rất mật"), ("repair_level", "cấp 9"), ("quality_grade", "bảy"), ("year_of_manufacture", "85"),
    ("serial_number", "--"),
])
def test_a_value_typed_wrong_is_refused_in_vietnamese(name, typed):
    from archive.field_values import InvalidFieldValue, out_of_bounds

    try:
        parsed = parse_field_value(name, typed)
        reason = out_of_bounds(name, parsed)
    except InvalidFieldValue as exc:
        reason = str(exc)
    assert reason, (name, typed)
    shown = _said_in_vietnamese(reason)
    assert typed in shown or "1600" in shown or name == "serial_number"


def test_a_correction_refused_for_several_reasons_says_each_in_vietnamese(tmp_path):
    archive = build_archive(Settings(data_dir=tmp_path / "data"), with_queue=False)
    try:
        document = archive.service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"]), "repair.pdf").document
    finally:
        archive.close()
    with pytest.raises(InvalidRequest) as refused:
        apply_correction(document, {"document_date": "31/02/2020", "quality_grade": "7"}, by="clerk", note=None)
    shown = _said_in_vietnamese(str(refused.value))
    assert shown.startswith("chưa lưu được phần sửa: ") and "«31/02/2020» không phải một ngày" in shown, shown
    assert "Input should" not in shown


def test_refusals_on_pages_name_the_role_and_what_to_do_in_vietnamese(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", auth="on", serve_workers=0, cookie_secure=False)
    archive = build_archive(settings, with_queue=False)
    try:
        archive.add_user(local_operator(), "ky-thuat", "technician", "secret", ["Lữ đoàn 201"], password="ky-thuat-password")
        archive.add_user(local_operator(), "can-bo", "records_officer", "secret", ["Lữ đoàn 201"], password="can-bo-password")
    finally:
        archive.close()
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as browser:
        browser.post("/login", data={"username": "ky-thuat", "password": "ky-thuat-password", "next": "/"})
        refused = browser.get("/upload")
        assert refused.status_code == 403 and "vai trò Nhân viên kỹ thuật không có quyền này" in refused.text
        missing = browser.get("/documents/" + "ab" * 32)
        assert missing.status_code == 404 and "không có tài liệu " + "ab" * 32 + " mà đồng chí được xem" in missing.text
        browser.post("/logout")
        browser.post("/login", data={"username": "can-bo", "password": "can-bo-password", "next": "/"})
        short = browser.post("/users", data={"name": "moi", "role": "clerk", "clearance": "secret",
                                             "units": "Lữ đoàn 201", "password": "ngan"})
        assert short.status_code == 422 and "mật khẩu phải có ít nhất 8 ký tự" in short.text
        # English on request: the reason as the archive gives it.
        browser.get("/language", params={"to": "en", "next": "/users"})
        assert "a password has at least 8 characters" in browser.post(
            "/users", data={"name": "moi", "role": "clerk", "clearance": "secret", "units": "Lữ đoàn 201",
                            "password": "ngan"}).text


def test_a_reason_of_no_known_kind_is_shown_as_it_came():
    assert localized("the moon is in the wrong phase", VI) == "the moon is in the wrong phase"
    assert localized(None, VI) == ""
    # Each kind's message is translated (the catalog test checks every message of the pages the same way).
    assert all(VI.gettext(known.message) != known.message for known in REASONS)
