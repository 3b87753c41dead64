"""Cases found by probing the API, each a 500 or worse before: hostile ids, ranges, dates, manifests, file
names, corrections, body sizes, a stalled event loop, tampered originals, look-alike serials, long words,
and the HTTP hardening (headers, Origin, Host, /docs from the package). All through HTTP."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
import threading
import time
import uuid
import zipfile
from contextlib import contextmanager
from datetime import date

import httpx
import pytest
from fastapi.testclient import TestClient

from archive import fixity
from archive.api import create_app
from archive.api import routes_ingest
from archive.bootstrap import build_services
from archive.config import Settings
from archive.manifest import ManifestError, parse_manifest, parse_value
from archive.field_values import FIRST_MANUFACTURE_YEAR
from ingest.dates import parse_date
from ingest.types import Extraction, FieldValue, PageText
from ingest.values import parse_year
from search.errors import InvalidRecord
from search.query import INDEX_DATES
from search.tantivy_index import TantivyIndex
from search.types import IndexRecord
from storage import layout
from tests.conftest import SAMPLE_LINES, run_archive, text_pdf

ENGINES = ["tantivy", "elasticsearch"]


@pytest.fixture
def open_settings(settings):
    return settings.model_copy(update={"auth": "off"})


@pytest.fixture
def client(open_settings, dossier_service):
    with TestClient(create_app(open_settings, service=dossier_service), raise_server_exceptions=False) as test_client:
        test_client.ids = dossier_service.dossier_ids
        test_client.service = dossier_service
        yield test_client


@pytest.fixture(params=ENGINES)
def engine_client(request, tmp_path):
    """A client over a fresh archive on either index (Elasticsearch: the real server of tests/servers.py)."""
    settings = Settings(data_dir=tmp_path / "engine-data", auth="off")
    if request.param == "elasticsearch":
        es = request.getfixturevalue("elasticsearch_server").env()
        settings = settings.model_copy(update={"index": "elasticsearch", "es_url": es["ARCHIVE_ES_URL"],
                                               "es_index": f"hardening-{uuid.uuid4().hex[:10]}"})
    service = build_services(settings)
    try:
        with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as test_client:
            test_client.service = service
            yield test_client
    finally:
        service.close()


def _scan(serial: str, *, text: str = "", date_text: str = "2015-01-05") -> Extraction:
    return Extraction(
        content_type="application/pdf", page_count=1, text_source="text",
        pages=(PageText(number=1, text=f"BIÊN BẢN KIỂM TRA KỸ THUẬT Số hiệu: {serial} {text}", source="text"),),
        fields={"doc_type": FieldValue("inspection", 0.95, 1), "serial_number": FieldValue(serial, 0.97, 1),
                "document_date": FieldValue(date_text, 0.9, 1), "unit": FieldValue("Lữ đoàn 201", 0.9, 1)},
    )


def _not_a_traceback(response) -> None:
    assert "Traceback" not in response.text and "File \"" not in response.text


# ---- 1. document ids ------------------------------------------------------------------------------

BAD_IDS = ["%2e%2e", "%2E%2E", "..%00", "%00", "a" * 300, "A" * 64, "g" * 64, "0" * 63, "0" * 65, "%20" + "0" * 64,
           "..%2f..%2fetc", "records%2f..", "%e2%80%ae" + "0" * 61]
DOCUMENT_ROUTES = [("GET", ""), ("GET", "/text"), ("GET", "/file"), ("GET", "/pages/1.png"), ("GET", "/versions/1"),
                   ("PATCH", ""), ("POST", "/classification")]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_a_malformed_document_id_is_404_on_every_document_route(client, bad_id):
    for method, suffix in DOCUMENT_ROUTES:
        body = {"fields": {"unit": "x"}} if method == "PATCH" else {"classification": "secret", "reason": "r"} if method == "POST" else None
        response = client.request(method, f"/api/v1/documents/{bad_id}{suffix}", json=body)
        assert response.status_code == 404, (method, suffix, response.status_code, response.text)
        detail = response.json()["detail"]
        assert isinstance(detail, str)  # one plain message, the input not echoed
        if "%2f" not in bad_id:  # a slash is another path, no document route: the router's own 404
            assert "64 lowercase hexadecimal digits" in detail
        assert "\x00" not in detail and ".." not in detail
        _not_a_traceback(response)


def test_dot_dot_as_a_raw_path_segment_is_404(client):
    for path in ("/api/v1/documents/..", "/api/v1/documents/../text", "/api/v1/documents/./file"):
        response = client.get(path)
        assert response.status_code == 404 and "detail" in response.json()


def test_a_well_formed_unknown_id_is_still_404_and_a_known_one_answers(client):
    assert client.get("/api/v1/documents/" + "0" * 64).status_code == 404
    known = client.ids["logbook.pdf"]
    assert client.get(f"/api/v1/documents/{known}").status_code == 200


# ---- 2. Range with thousands of digits -----------------------------------------------------------


def test_a_range_header_with_thousands_of_digits_is_416_or_ignored(client):
    document_id = client.ids["logbook.pdf"]
    full = client.get(f"/api/v1/documents/{document_id}/file").content
    huge = "9" * 5000
    start_beyond = client.get(f"/api/v1/documents/{document_id}/file", headers={"Range": f"bytes={huge}-"})
    assert start_beyond.status_code == 416 and start_beyond.json()["detail"]
    to_huge_end = client.get(f"/api/v1/documents/{document_id}/file", headers={"Range": f"bytes=0-{huge}"})
    assert to_huge_end.status_code == 206 and to_huge_end.content == full
    huge_suffix = client.get(f"/api/v1/documents/{document_id}/file", headers={"Range": f"bytes=-{huge}"})
    assert huge_suffix.status_code == 206 and huge_suffix.content == full
    both = client.get(f"/api/v1/documents/{document_id}/file", headers={"Range": f"bytes={huge}-{huge}"})
    assert both.status_code == 416


def test_a_page_or_version_number_with_thousands_of_digits_is_not_a_500(client):
    document_id = client.ids["logbook.pdf"]
    for path in (f"/api/v1/documents/{document_id}/pages/{'9' * 5000}.png", f"/api/v1/documents/{document_id}/versions/{'9' * 5000}"):
        response = client.get(path)
        assert response.status_code in (404, 422), response.status_code
        _not_a_traceback(response)


# ---- 3. extreme search dates ---------------------------------------------------------------------


def test_search_dates_at_the_ends_of_the_calendar_answer_on_both_engines(engine_client):
    service = engine_client.service
    for number in range(3):
        assert service.store_extraction(f"scan-dates-{number}".encode(), f"d{number}.pdf", _scan(f"DT-10-0{number}")).status == "ingested"
    cases = [
        ({"date_from": "0001-01-01"}, 3), ({"date_to": "9999-12-31"}, 3),
        ({"date_from": "0001-01-01", "date_to": "9999-12-31"}, 3),
        ({"date_from": "9999-12-31"}, 0), ({"date_to": "0001-01-01"}, 0),
        ({"date_from": "0001-01-01", "date_to": "0001-01-02"}, 0),
        ({"date_from": "1677-09-21", "date_to": "2262-04-12"}, 3),
        ({"date_from": "2015-01-05", "date_to": "2015-01-05"}, 3),
    ]
    for params, total in cases:
        response = engine_client.get("/api/v1/search", params={"q": "", **params})
        assert response.status_code == 200, (params, response.text)
        assert response.json()["total"] == total, params
        with_text = engine_client.get("/api/v1/search", params={"q": "kiem tra", **params})
        assert with_text.status_code == 200 and with_text.json()["total"] == total, params
    impossible = engine_client.get("/api/v1/search", params={"date_from": "10000-01-01"})
    assert impossible.status_code == 422
    reversed_range = engine_client.get("/api/v1/search", params={"date_from": "9999-12-31", "date_to": "0001-01-01"})
    assert reversed_range.status_code == 422


# ---- 4. manifest cells over the csv field limit --------------------------------------------------


def _giant_cell_manifest() -> bytes:
    return ("file;unit\nnew.pdf;" + "Lữ đoàn 201 " * (csv.field_size_limit() // 10) + "\n").encode("utf-8")


def test_a_manifest_cell_over_the_csv_field_limit_is_422_on_upload(client, open_settings):
    response = client.post("/api/v1/ingest", files=[
        ("files", ("new.pdf", text_pdf(SAMPLE_LINES[:3]), "application/pdf")),
        ("manifest", ("manifest.csv", _giant_cell_manifest(), "text/csv")),
    ])
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("manifest:") and "row 2" in detail and f"{csv.field_size_limit():,}" in detail
    with pytest.raises(ManifestError, match="longer than"):
        parse_manifest(_giant_cell_manifest())


def test_a_manifest_cell_over_the_csv_field_limit_is_a_clear_cli_error(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "new.pdf").write_bytes(text_pdf(SAMPLE_LINES[:3]))
    manifest = tmp_path / "manifest.csv"
    manifest.write_bytes(_giant_cell_manifest())
    done = run_archive({"ARCHIVE_DATA_DIR": str(tmp_path / "data")}, "ingest", str(scans), "--manifest", str(manifest),
                       "--dry-run", check=False)
    assert done.returncode == 2, done.stderr
    assert "cannot be read as CSV at row 2" in done.stderr and "Traceback" not in done.stderr


# ---- 5. Content-Disposition for non-Latin-1 names ------------------------------------------------


def test_export_of_a_serial_with_vietnamese_letters_names_the_file_in_utf8_with_an_ascii_fallback(client):
    stored = client.service.store_extraction(b"scan-dk-12345", "biên bản Đà Nẵng.pdf", _scan("ĐK-12345"))
    response = client.get("/api/v1/equipment/ĐK-12345/export")
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.isascii()
    assert 'filename="dossier-DK-12345.zip"' in disposition
    assert "filename*=UTF-8''dossier-%C4%90K-12345.zip" in disposition
    assert zipfile.ZipFile(io.BytesIO(response.content)).read("manifest-sha256.txt")
    original = client.get(f"/api/v1/documents/{stored.document_id}/file")
    assert original.status_code == 200
    assert "filename*=UTF-8''bi%C3%AAn%20b%E1%BA%A3n%20%C4%90%C3%A0%20N%E1%BA%B5ng.pdf" in original.headers["content-disposition"]
    assert 'filename="bien_ban_Da_Nang.pdf"' in original.headers["content-disposition"]


# ---- 6. corrections within extraction's bounds ---------------------------------------------------


@pytest.mark.parametrize(("fields", "says"), [
    ({"document_date": "1600-01-01"}, "document_date 1600-01-01 is outside 1900-01-01..2100-12-31"),
    ({"document_date": "0001-01-01"}, "outside"),
    ({"document_date": "9999-12-31"}, "outside"),
    ({"document_date": "2101-01-01"}, "outside"),
    ({"quality_grade": 0}, "quality_grade 0 is not a grade from 1 to 5"),
    ({"quality_grade": 6}, "not a grade"),
    ({"quality_grade": -1}, "not a grade"),
    ({"year_of_manufacture": 1800}, f"year_of_manufacture 1800 is outside {FIRST_MANUFACTURE_YEAR}.."),
    ({"year_of_manufacture": date.today().year + 1}, "outside"),
    ({"year_of_manufacture": 10**30}, "outside"),
    ({"quality_grade": "good"}, "quality_grade"),
])
def test_a_correction_outside_extraction_bounds_is_422_and_stores_nothing(client, fields, says):
    document_id = client.ids["inspection.pdf"]
    response = client.patch(f"/api/v1/documents/{document_id}", json={"fields": fields, "by": "An"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and says in detail
    assert client.get(f"/api/v1/documents/{document_id}").json()["version"] == 1
    assert client.get(f"/api/v1/documents/{document_id}/versions/2").status_code == 404


def test_corrections_within_bounds_are_stored_and_reindex_keeps_working_on_both_engines(engine_client):
    service = engine_client.service
    document_id = service.store_extraction(b"scan-bounds", "b.pdf", _scan("BD-10-01")).document_id
    refused = engine_client.patch(f"/api/v1/documents/{document_id}", json={"fields": {"document_date": "1600-01-01"}})
    assert refused.status_code == 422
    accepted = engine_client.patch(f"/api/v1/documents/{document_id}", json={"fields": {
        "document_date": "1900-01-01", "quality_grade": 5, "year_of_manufacture": FIRST_MANUFACTURE_YEAR}})
    assert accepted.status_code == 200, accepted.text
    assert service.reindex() == 1
    dated = engine_client.get("/api/v1/search", params={"date_from": "1900-01-01", "date_to": "1900-01-01"}).json()
    assert [hit["document_id"] for hit in dated["hits"]] == [document_id]


def test_the_index_refuses_a_date_no_engine_can_hold_with_a_clear_error():
    index = TantivyIndex(None, writer_heap_bytes=15_000_000, writer_threads=1)
    try:
        for day in (date(1600, 1, 1), date(1, 1, 1), date(9999, 12, 31)):
            with pytest.raises(InvalidRecord, match="outside what the index holds"):
                index.add([IndexRecord(document_id="a" * 64, text="x", document_date=day)])
        index.add([IndexRecord(document_id="b" * 64, text="x", document_date=INDEX_DATES[0])])
        assert index.count() == 1
    finally:
        index.close()


def test_the_bounds_are_those_extraction_and_manifests_use():
    assert parse_date("31/12/1899") is None and parse_date("01/01/1900") is not None
    assert parse_date("31/12/2100") is not None and parse_date("01/01/2101") is None
    assert parse_year("1939") is None and parse_year(str(FIRST_MANUFACTURE_YEAR)) == FIRST_MANUFACTURE_YEAR
    assert parse_year(str(date.today().year + 1)) is None
    for column, cell in (("document_date", "01/01/1600"), ("year_of_manufacture", "1930"),
                         ("year_of_manufacture", str(date.today().year + 1)), ("quality_grade", "6")):
        value, problem = parse_value(column, cell)
        assert value is None and problem is not None, (column, cell)
    assert parse_value("year_of_manufacture", "1984") == (1984, None)


# ---- 7. upload size refused before the body is read ----------------------------------------------


def _asgi(app, scope_headers: list[tuple[bytes, bytes]], chunks, path: str = "/api/v1/ingest", method: str = "POST"):
    """Run one request straight through the ASGI app; how many body chunks it read, and what it sent."""
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        try:
            chunk = next(chunks)
        except StopIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"testserver"), *scope_headers], "client": ("127.0.0.1", 1), "server": ("testserver", 80),
             "state": {}}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return read, start["status"], body


def test_an_upload_declared_over_the_cap_is_413_before_a_byte_is_read(tmp_path, dossier_service):
    settings = Settings(data_dir=tmp_path / "capped", auth="off", max_upload_bytes=1000, max_upload_files=2,
                        max_request_bytes=50_000)
    app = create_app(settings, service=dossier_service)
    endless = iter(lambda: b"0" * 65536, None)
    read, status, body = _asgi(app, [(b"content-length", str(10**12).encode()),
                                     (b"content-type", b"multipart/form-data; boundary=b")], endless)
    assert status == 413 and read == 0 and b"limit" in body
    assert not (settings.data_dir / "uploads").exists() or not any((settings.data_dir / "uploads").iterdir())
    # Through the client too: 3 files of 30 kB in one request pass the 50 kB cap.
    with TestClient(app) as capped:
        files = [("files", (f"f{i}.pdf", b"%PDF-" + b"0" * 30_000, "application/pdf")) for i in range(3)]
        response = capped.post("/api/v1/ingest", files=files)
        assert response.status_code == 413 and "limit" in response.json()["detail"]
        too_many = capped.post("/api/v1/ingest", files=[("files", (f"f{i}.pdf", b"%PDF-1", "application/pdf")) for i in range(3)])
        assert too_many.status_code == 413 and "more than the limit of 2" in too_many.json()["detail"]


def test_a_streamed_upload_without_length_is_cut_off_at_the_cap(tmp_path, dossier_service):
    settings = Settings(data_dir=tmp_path / "capped", auth="off", max_request_bytes=300_000)
    app = create_app(settings, service=dossier_service)
    head = (b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-")
    chunks = iter([head, *(b"0" * 65536 for _ in range(1000))])
    read, status, body = _asgi(app, [(b"content-type", b"multipart/form-data; boundary=b")], chunks)
    assert status == 413 and b"300,000" in body
    assert read <= 300_000 // 65536 + 2  # stopped reading at the cap, not after 64 MB


def test_the_ingest_cap_follows_files_times_the_file_limit():
    from archive.api.security import BodyLimits

    limits = BodyLimits.from_settings(Settings(max_upload_bytes=1000, max_upload_files=3, max_request_bytes=10**12))
    assert 3 * 1000 < limits.ingest < 3 * 1000 + (17 << 20)  # the files, their part headers and a manifest
    assert BodyLimits.from_settings(Settings(max_request_bytes=5000)).ingest == 5000
    assert limits.for_path("/api/v1/ingest") == limits.ingest and limits.for_path("/api/v1/documents/x") == 64 * 1024


# ---- 8. a big manifest does not stall the event loop ---------------------------------------------


def test_healthz_answers_while_a_big_manifest_is_parsed(client, monkeypatch):
    parsing, healthz_done = threading.Event(), threading.Event()
    real_parse = routes_ingest.parse_manifest
    finished: list[str] = []

    def slow_parse(raw, *, name):
        parsing.set()
        healthz_done.wait(timeout=30)  # on the event loop this would hold /healthz back for the whole wait
        parsed = real_parse(raw, name=name)
        finished.append("parsed")
        return parsed

    monkeypatch.setattr(routes_ingest, "parse_manifest", slow_parse)
    rows = "".join(f"scan-{i:06d}.pdf;Lữ đoàn {i % 300};{i % 5 + 1}\n" for i in range(60_000))
    manifest = ("file;unit;quality_grade\nnew.pdf;Lữ đoàn 1;2\n" + rows).encode("utf-8")
    answers = {}

    def upload():
        answers["upload"] = client.post("/api/v1/ingest", files=[
            ("files", ("new.pdf", text_pdf(SAMPLE_LINES[:3]), "application/pdf")),
            ("manifest", ("manifest.csv", manifest, "text/csv"))])
        finished.append("upload")

    uploader = threading.Thread(target=upload)
    uploader.start()
    assert parsing.wait(timeout=60), "the manifest was never parsed"
    answers["healthz"] = client.get("/healthz")
    finished.append("healthz")
    healthz_done.set()
    uploader.join(timeout=120)
    assert finished == ["healthz", "parsed", "upload"]  # /healthz answered while the manifest was being parsed
    assert answers["healthz"].json() == {"status": "ok"}
    assert answers["upload"].status_code == 202
    assert len(answers["upload"].json()["manifest_problems"]) == 60_000  # every other row names a missing file


# ---- 9. PATCH bodies are capped ------------------------------------------------------------------


def test_a_patch_body_over_64_kib_is_413(client):
    document_id = client.ids["inspection.pdf"]
    big = client.patch(f"/api/v1/documents/{document_id}", json={"fields": {"unit": "Lữ đoàn " + "9" * 70_000}, "by": "An"})
    assert big.status_code == 413 and "65,536" in big.json()["detail"]
    assert client.get(f"/api/v1/documents/{document_id}").json()["version"] == 1
    small = client.patch(f"/api/v1/documents/{document_id}", json={"fields": {"unit": "Lữ đoàn 202"}, "by": "An"})
    assert small.status_code == 200 and small.json()["version"] == 2


def test_a_streamed_patch_body_is_cut_off_at_64_kib(client):
    document_id = client.ids["inspection.pdf"]
    read, status, body = _asgi(client.app, [(b"content-type", b"application/json")],
                               iter([b'{"fields": {"unit": "', *(b"9" * 8192 for _ in range(1000))]),
                               path=f"/api/v1/documents/{document_id}", method="PATCH")
    assert status == 413 and read <= 65536 // 8192 + 2


# ---- 10. tampered originals are never served as genuine ------------------------------------------


def _tamper(service, document_id: str) -> bytes:
    """Flip one bit of the stored original in the local store (archive-data/objects/originals/...)."""
    path = service.store.root / layout.original_key(service.document(document_id).sha256)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return bytes(data)


def test_a_tampered_original_is_not_served(client):
    document_id = client.ids["repair.pdf"]
    genuine = client.get(f"/api/v1/documents/{document_id}/file")
    assert genuine.status_code == 200 and hashlib.sha256(genuine.content).hexdigest() == document_id
    _tamper(client.service, document_id)
    for headers in ({}, {"Range": "bytes=0-99"}, {"Range": "bytes=-10"}):
        response = client.get(f"/api/v1/documents/{document_id}/file", headers=headers)
        assert response.status_code == 503, (headers, response.status_code)
        assert "fails its checksum" in response.json()["detail"]
    assert client.get("/api/v1/equipment/KB-15-84/export").status_code == 503  # as before: never exported either


@contextmanager
def _served(app):
    """The app on a real uvicorn server on a free local port, for what only a real connection shows."""
    import socket

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_a_large_tampered_original_breaks_off_before_its_last_bytes(open_settings, dossier_service, monkeypatch):
    monkeypatch.setattr(fixity, "CHECK_FIRST_BYTES", 0)  # stream as a large file would, hashed on the way
    document_id = dossier_service.dossier_ids["transfer.pdf"]
    size = dossier_service.document(document_id).size_bytes
    settings = open_settings.model_copy(update={"serve_workers": 0})
    with _served(create_app(settings, service=dossier_service)) as base:
        whole = httpx.get(f"{base}/api/v1/documents/{document_id}/file")
        assert whole.status_code == 200 and hashlib.sha256(whole.content).hexdigest() == document_id
        tampered = _tamper(dossier_service, document_id)
        with pytest.raises(httpx.RemoteProtocolError):  # the server breaks the download off: never a whole file
            httpx.get(f"{base}/api/v1/documents/{document_id}/file")
        with httpx.stream("GET", f"{base}/api/v1/documents/{document_id}/file") as response:
            received = b""
            with pytest.raises(httpx.RemoteProtocolError):
                for chunk in response.iter_raw():
                    received += chunk
        assert len(received) < size and received != tampered
        ranged = httpx.get(f"{base}/api/v1/documents/{document_id}/file", headers={"Range": "bytes=0-99"})
        assert ranged.status_code == 503 and "fails its checksum" in ranged.json()["detail"]


def test_streaming_holds_the_last_chunk_back_until_the_digest_matches():
    class Store:
        def __init__(self, data):
            self.data = data

        def open_range(self, key, start=0, end=None):
            stop = len(self.data) if end is None else end + 1
            return iter([self.data[i : min(i + 4, stop)] for i in range(start, stop, 4)])

    data = bytes(range(40))
    good = fixity.verified_original(Store(data), "k", sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                    document_id="d")
    assert b"".join(good) == data
    bad = bytearray(data)
    bad[-1] ^= 1
    stream = fixity.verified_original(Store(bytes(bad)), "k", sha256=hashlib.sha256(data).hexdigest(), size=10**12,
                                      document_id="d")
    received = b""
    with pytest.raises(Exception, match="fails its checksum"):
        for chunk in stream:
            received += chunk
    assert received == bytes(bad)[:-4]  # everything but the held-back last chunk


# ---- 11. exact serials only for the equipment view and the export ---------------------------------


def test_equipment_and_export_take_exact_serials_only_and_name_close_candidates(client):
    for spelled in ("KB-15-84", "kb 15 84", "KB1584", "kb--15--84"):
        assert client.get(f"/api/v1/equipment/{spelled}").status_code == 200, spelled
        assert client.get(f"/api/v1/equipment/{spelled}/export").status_code == 200, spelled
    for typo in ("KB-I5-84", "KB-15-85", "KB-15-8"):
        for suffix in ("", "/export"):
            response = client.get(f"/api/v1/equipment/{typo}{suffix}")
            assert response.status_code == 404, (typo, suffix)
            assert response.json()["candidates"] == ["KB-15-84"] and response.json()["detail"]
            assert "application/zip" not in response.headers["content-type"]
    unknown = client.get("/api/v1/equipment/ZZ-99-99/export")
    assert unknown.status_code == 404 and unknown.json()["candidates"] == []


def test_the_cli_show_and_export_take_exact_serials_and_name_the_close_ones(tmp_path):
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data")}
    scan = tmp_path / "inspection.pdf"
    scan.write_bytes(text_pdf(SAMPLE_LINES))
    run_archive(env, "ingest", str(scan))
    assert "KB-15-84" in run_archive(env, "show", "kb 15 84").stdout
    for command in (("show", "KB-I5-84"), ("export", "KB-I5-84", "-o", str(tmp_path / "x.zip"))):
        done = run_archive(env, *command, check=False)
        assert done.returncode == 4, done.stderr
        assert "no equipment with serial number KB-I5-84; close serials: KB-15-84" in " ".join(done.stderr.split())
    assert not (tmp_path / "x.zip").exists()


# ---- 12. a long word matches only the documents that hold it -------------------------------------


def test_a_41_character_word_matches_only_documents_that_contain_it_on_both_engines(engine_client):
    service = engine_client.service
    long_word = "x" + "abcdefghij" * 4  # 41 letters
    holder = service.store_extraction(b"scan-long-1", "l1.pdf", _scan("LW-10-01", text=f"ghi chú {long_word} hết")).document_id
    service.store_extraction(b"scan-long-2", "l2.pdf", _scan("LW-10-02", text="ghi chú khác"))
    service.store_extraction(b"scan-long-3", "l3.pdf", _scan("LW-10-03", text="ghi chú " + "y" * 41))

    def ids(q):
        body = engine_client.get("/api/v1/search", params={"q": q}).json()
        return sorted(hit["document_id"] for hit in body["hits"])

    assert len(ids("ghi chu")) == 3
    assert ids(long_word) == [holder]
    assert ids(long_word.upper()) == [holder]
    assert ids("z" * 41) == []
    assert ids("q" * 300) == []
    assert ids(f"ghi {'z' * 60}") == []
    assert ids(f"ghi {long_word}") == [holder]


# ---- 13. headers, Origin, Host, /docs --------------------------------------------------------------


def test_every_response_carries_the_security_headers(client):
    document_id = client.ids["logbook.pdf"]
    for method, path in (("GET", "/healthz"), ("GET", "/api/v1/search?q=xe"), ("GET", f"/api/v1/documents/{document_id}"),
                         ("GET", f"/api/v1/documents/{document_id}/file"), ("GET", f"/api/v1/documents/{document_id}/text"),
                         ("GET", "/api/v1/documents/nope"), ("GET", "/no/such/path"), ("GET", "/openapi.json"),
                         ("GET", "/docs"), ("GET", "/api/v1/equipment/KB-15-84/export"),
                         ("POST", "/api/v1/search"), ("GET", "/api/v1/search?limit=0")):
        response = client.request(method, path)
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["cache-control"] == "no-store", path
    assert client.get("/healthz").headers["content-security-policy"].startswith("default-src 'none'")


def test_a_cross_origin_state_changing_request_is_403(client):
    document_id = client.ids["inspection.pdf"]
    patch = {"fields": {"unit": "Lữ đoàn 202"}, "by": "An"}
    for origin in ("https://evil.example", "null", "http://testserver.evil.example", "http://testserver:8080", "garbage"):
        response = client.patch(f"/api/v1/documents/{document_id}", json=patch, headers={"Origin": origin})
        assert response.status_code == 403, origin
        assert "Origin" in response.json()["detail"]
        upload = client.post("/api/v1/ingest", files=[("files", ("x.pdf", b"%PDF-1", "application/pdf"))],
                             headers={"Origin": origin})
        assert upload.status_code == 403
    assert client.get(f"/api/v1/documents/{document_id}").json()["version"] == 1
    assert client.get("/api/v1/search", headers={"Origin": "https://evil.example"}).status_code == 200  # reads pass
    same = client.patch(f"/api/v1/documents/{document_id}", json=patch, headers={"Origin": "http://testserver"})
    assert same.status_code == 200


def test_the_host_allow_list(client, tmp_path, dossier_service):
    for host in ("evil.example", "127.0.0.1.evil.example", "", "localhost.", "[::1]"):
        response = client.get("/healthz", headers={"Host": host})
        expected = 200 if host == "localhost." else 400
        assert response.status_code == expected, host
    assert client.get("/api/v1/search", headers={"Host": "evil.example"}).json()["detail"]
    for host in ("127.0.0.1:8000", "localhost:8000", "LOCALHOST", "testserver"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
    anywhere = Settings(data_dir=tmp_path / "any", auth="off", allowed_hosts=["*"])
    with TestClient(create_app(anywhere, service=dossier_service)) as open_client:
        assert open_client.get("/healthz", headers={"Host": "archive.example.org"}).status_code == 200
    domain = Settings(data_dir=tmp_path / "dom", auth="off", allowed_hosts=["*.example.org", "::1"])
    with TestClient(create_app(domain, service=dossier_service)) as domain_client:
        assert domain_client.get("/healthz", headers={"Host": "archive.example.org:443"}).status_code == 200
        assert domain_client.get("/healthz", headers={"Host": "[::1]:8000"}).status_code == 200
        assert domain_client.get("/healthz", headers={"Host": "example.org.evil.net"}).status_code == 400


def test_docs_are_served_from_the_package_with_local_assets_only(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    urls = re.findall(r'(?:src|href|data-openapi-url)="([^"]+)"', page.text)
    assert len(urls) >= 4 and "<script>" not in page.text  # no inline script
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
    assert "http://" not in page.text and "https://" not in page.text
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert "javascript" in bundle.headers["content-type"] and len(bundle.content) > 1_000_000
    assert "cache-control" not in bundle.headers or bundle.headers["cache-control"] != "no-store"
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["paths"]["/api/v1/documents/{document_id}"]
