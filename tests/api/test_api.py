"""The HTTP API, through HTTP (TestClient), on the embedded engines."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from archive.api import create_app
from archive.config import Settings
from storage import layout
from tests.conftest import SAMPLE_LINES, text_pdf


@pytest.fixture
def client(settings, dossier_service):
    app = create_app(settings, service=dossier_service)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.ids = dossier_service.dossier_ids
        yield test_client


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["storage"] == "ok" and ready.json()["index"] == "ok"


def test_search_without_diacritics_finds_major_repairs_with_facets_and_highlights(client):
    body = client.get("/api/v1/search", params={"q": "sua chua lon T-54B"}).json()
    assert body["total"] >= 1
    top = body["hits"][0]
    assert top["document_id"] == client.ids["repair.pdf"]
    assert top["serial_number"] == "KB-15-84"
    assert top["doc_type"] == "repair"
    assert any("<mark>" in h for h in top["highlights"])
    doc_types = {f["value"]: f["count"] for f in body["facets"]["doc_type"]}
    assert doc_types.get("repair") == 1
    assert set(body["facets"]) >= {"doc_type", "unit", "designation"}


def test_search_filters_and_pagination(client):
    body = client.get("/api/v1/search", params={"q": "", "doc_type": "inspection"}).json()
    assert [h["document_id"] for h in body["hits"]] == [client.ids["inspection.pdf"]]
    first = client.get("/api/v1/search", params={"serial": "kb 15 84", "limit": 2}).json()
    assert first["total"] == 4 and len(first["hits"]) == 2 and first["next_cursor"]
    second = client.get("/api/v1/search", params={"serial": "kb 15 84", "limit": 2, "cursor": first["next_cursor"]}).json()
    seen = {h["document_id"] for h in first["hits"] + second["hits"]}
    assert seen == set(client.ids.values())
    dated = client.get("/api/v1/search", params={"serial": "KB-15-84", "date_from": "2016-01-01", "date_to": "2018-12-31"}).json()
    assert [h["document_id"] for h in dated["hits"]] == [client.ids["repair.pdf"]]


def test_filters_with_a_fixed_set_of_values_take_them_as_people_write_them(client):
    for written in ("major", "sửa chữa lớn", "SCL"):
        body = client.get("/api/v1/search", params={"q": "", "repair_level": written}).json()
        assert [h["document_id"] for h in body["hits"]] == [client.ids["repair.pdf"]], written
    assert client.get("/api/v1/search", params={"q": "", "repair_level": "minor"}).json()["total"] == 0
    for level in ("secret", "Tối mật", "toi mat"):  # none of the dossier's papers is stamped
        assert client.get("/api/v1/search", params={"q": "", "classification": level}).json()["total"] == 0
    refused = client.get("/api/v1/search", params={"q": "", "doc_type": "nonsense"})
    assert refused.status_code == 422
    assert refused.json()["detail"] == ("unknown document type 'nonsense' (known: logbook, handover, inspection,"
                                        " maintenance, repair, transfer, grade_change, storage, inventory,"
                                        " decommission, other)")
    assert client.get("/api/v1/search", params={"q": "", "classification": "very secret"}).status_code == 422


def test_search_rejects_bad_parameters_as_json(client):
    response = client.get("/api/v1/search", params={"q": "x", "date_from": "not-a-date"})
    assert response.status_code == 422 and "detail" in response.json()
    assert client.get("/api/v1/search", params={"q": "x", "limit": 0}).status_code == 422
    bad_cursor = client.get("/api/v1/search", params={"q": "x", "cursor": "!!!"})
    assert bad_cursor.status_code == 422 and "Traceback" not in bad_cursor.text


def test_equipment_view_is_derived_from_the_dossier(client):
    response = client.get("/api/v1/equipment/kb 15-84")
    assert response.status_code == 200
    item = response.json()
    assert item["serial_number"] == "KB-15-84"
    assert item["designation"] == "T-54B"
    assert item["document_count"] == 4
    assert item["current_unit"] == "Trung đoàn 141, Sư đoàn 312"
    assert item["quality_grade"] == 3  # from the latest inspection (a repair record does not set the grade)
    dates = [event["date"] for event in item["history"]]
    assert dates == sorted(dates)
    assert [e["event_type"] for e in item["history"]] == ["logbook", "inspection", "repair", "transfer"]


def test_unknown_serial_is_404_and_a_lookalike_serial_names_the_item_as_a_candidate(client):
    assert client.get("/api/v1/equipment/ZZ-99-99").status_code == 404
    answer = client.get("/api/v1/equipment/KB-I5-84")  # exact serials only: never another item's dossier
    assert answer.status_code == 404 and answer.json()["candidates"] == ["KB-15-84"]


def test_document_text_and_download_with_range(client):
    document_id = client.ids["logbook.pdf"]
    document = client.get(f"/api/v1/documents/{document_id}").json()
    assert document["doc_type"] == "logbook" and document["fields"]["serial_number"]["page"] == 1
    text = client.get(f"/api/v1/documents/{document_id}/text").json()
    assert "LÝ LỊCH TRANG BỊ KỸ THUẬT" in text["pages"][0]["text"]
    full = client.get(f"/api/v1/documents/{document_id}/file")
    assert full.status_code == 200 and full.content.startswith(b"%PDF")
    assert len(full.content) == document["size_bytes"]
    part = client.get(f"/api/v1/documents/{document_id}/file", headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == full.content[:8]
    assert part.headers["content-range"] == f"bytes 0-7/{len(full.content)}"
    tail = client.get(f"/api/v1/documents/{document_id}/file", headers={"Range": "bytes=-5"})
    assert tail.content == full.content[-5:]
    beyond = client.get(f"/api/v1/documents/{document_id}/file", headers={"Range": f"bytes={len(full.content) + 10}-"})
    assert beyond.status_code == 416


def test_page_images_and_thumbnails(client):
    document_id = client.ids["inspection.pdf"]
    page = client.get(f"/api/v1/documents/{document_id}/pages/1.png")
    assert page.status_code == 200 and page.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(page.content)).width == 1240
    thumb = client.get(f"/api/v1/documents/{document_id}/pages/1.png", params={"width": 200})
    assert Image.open(io.BytesIO(thumb.content)).width == 200
    assert client.get(f"/api/v1/documents/{document_id}/pages/9.png").status_code == 404


def test_unknown_document_is_json_404(client):
    response = client.get("/api/v1/documents/deadbeef")
    assert response.status_code == 404 and response.json()["detail"]


def test_export_bundle_has_originals_and_a_verifiable_manifest(client):
    import hashlib

    response = client.get("/api/v1/equipment/KB-15-84/export")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = bundle.read("manifest-sha256.txt").decode().splitlines()
    assert len(manifest) == 1 + 3 * 4
    for line in manifest:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(bundle.read(name)).hexdigest() == digest


def _wait_for_job(client, job_id: str) -> dict:
    for _ in range(200):
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["state"] == "done":
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_upload_ingests_and_reports_per_file_status(client):
    scan = text_pdf(SAMPLE_LINES)
    files = [
        ("files", ("new.pdf", scan, "application/pdf")),
        ("files", ("again.pdf", scan, "application/pdf")),
        ("files", ("broken.pdf", b"%PDF-1.4 truncated", "application/pdf")),
    ]
    response = client.post("/api/v1/ingest", files=files)
    assert response.status_code == 202
    job = _wait_for_job(client, response.json()["job_id"])
    assert [item["status"] for item in job["items"]] == ["ingested", "duplicate", "failed"]
    assert job["total"] == 3 and job["done"] == 3 and job["failed"] == 1
    assert job["items"][2]["error"]


def test_upload_with_a_manifest_part_takes_its_values_and_reports_its_problems(client):
    lines = [line.replace("KB-15-84", "KB-16-01") for line in SAMPLE_LINES]
    manifest = "file;unit;classification\nnew.pdf;Trung đoàn 141;confidential\nabsent.pdf;Lữ đoàn 1;secret\n"
    response = client.post("/api/v1/ingest", files=[
        ("files", ("new.pdf", text_pdf(lines), "application/pdf")),
        ("manifest", ("manifest.csv", manifest.encode("utf-8-sig"), "text/csv")),
    ])
    assert response.status_code == 202
    problems = response.json()["manifest_problems"]
    assert [(p["kind"], p["file"]) for p in problems] == [("missing_file", "absent.pdf")]
    job = _wait_for_job(client, response.json()["job_id"])
    document = client.get(f"/api/v1/documents/{job['items'][0]['document_id']}").json()
    assert document["unit"] == "Trung đoàn 141" and document["classification"] == "confidential"
    assert document["fields"]["unit"]["source"] == "manifest" and document["fields"]["unit"]["confidence"] == 1.0
    assert document["serial_number"] == "KB-16-01"  # what the manifest does not say still comes from the scan


def test_an_unreadable_manifest_refuses_the_upload(client, settings):
    queue, store = client.app.state.queue, client.app.state.service.store
    waiting, records = queue.huey.pending_count(), len(list(store.list(layout.RECORDS)))
    response = client.post("/api/v1/ingest", files=[
        ("files", ("new.pdf", text_pdf(SAMPLE_LINES[:3]), "application/pdf")),
        ("manifest", ("manifest.csv", b"unit,classification\nLu doan 1,secret\n", "text/csv")),
    ])
    assert response.status_code == 422 and "file" in response.json()["detail"]
    # Refused before anything was kept: nothing queued, staged for a worker or stored (whichever state a file
    # wrongly queued would be in, one of these shows it), no spooled upload left.
    assert queue.huey.pending_count() == waiting
    assert list(store.list(layout.INCOMING)) == []
    assert len(list(store.list(layout.RECORDS))) == records
    assert not any((settings.data_dir / "uploads").iterdir())


def test_upload_of_a_lying_file_type_is_415_and_stores_nothing(client, settings):
    before = client.get("/api/v1/search", params={"q": ""}).json()["total"]
    response = client.post("/api/v1/ingest", files=[("files", ("scan.pdf", b"<html>not a pdf</html>", "application/pdf"))])
    assert response.status_code == 415 and "scan.pdf" in response.json()["detail"]
    assert client.get("/api/v1/search", params={"q": ""}).json()["total"] == before
    assert not any((settings.data_dir / "uploads").iterdir())


def test_upload_over_the_size_limit_is_413(tmp_path, dossier_service):
    small = Settings(data_dir=tmp_path / "small", max_upload_bytes=1000, auth="off")
    with TestClient(create_app(small, service=dossier_service)) as limited:
        response = limited.post("/api/v1/ingest", files=[("files", ("big.pdf", b"%PDF-" + b"0" * 5000, "application/pdf"))])
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def test_unknown_job_is_404(client):
    assert client.get("/api/v1/jobs/nope").status_code == 404


def test_openapi_lists_the_contract_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/search", "/api/v1/equipment/{serial}", "/api/v1/equipment/{serial}/export", "/api/v1/documents/{document_id}",
        "/api/v1/documents/{document_id}/file", "/api/v1/documents/{document_id}/pages/{page}.png",
        "/api/v1/documents/{document_id}/text", "/api/v1/ingest", "/api/v1/jobs/{job_id}", "/healthz", "/readyz",
    ):
        assert path in paths
