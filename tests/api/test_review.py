"""Review of uncertain fields over HTTP: the list, a correction stored as a new version (the old one
kept, with who and when), the index following the correction."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from archive.api.app import create_app
from archive.bootstrap import build_archive
from archive.identity import local_operator
from ingest.types import Extraction, FieldValue, PageText


def unsure_scan(serial: str, serial_confidence: float) -> Extraction:
    return Extraction(
        content_type="image/tiff",
        page_count=1,
        pages=(PageText(number=1, text=f"BIÊN BẢN KIỂM TRA KỸ THUẬT Số hiệu: {serial}", source="ocr", ocr_confidence=55.0),),
        text_source="ocr",
        fields={
            "doc_type": FieldValue("inspection", 0.95, 1),
            "serial_number": FieldValue(serial, serial_confidence, 1),
            "document_date": FieldValue("2015-01-05", 0.9, 1),
            "unit": FieldValue("Lữ đoàn 201", 0.9, 1),
            "classification": FieldValue("unclassified", 0.9, 1),
        },
    )


@pytest.fixture
def client(service, settings):
    """Two clerks sign the corrections; the client acts as the first unless told otherwise."""
    settings = settings.model_copy(update={"auth": "on"})
    archive = build_archive(settings, service, with_queue=False)
    tokens = {}
    for name in ("an.nguyen", "binh.le"):
        archive.add_user(local_operator(), name, "clerk", "top_secret", [])
        tokens[name] = archive.create_token(local_operator(), name).secret
    with TestClient(create_app(settings, service=service), headers={"Authorization": f"Bearer {tokens['an.nguyen']}"}) as client:
        client.tokens = tokens
        yield client


def test_unsure_field_goes_to_review_and_a_correction_takes_it_off(client, service):
    stored = service.store_extraction(b"scan-review-1", "scan-01.tif", unsure_scan("KB-I5-B4?", 0.35))
    sure = service.store_extraction(b"scan-review-2", "scan-02.tif", unsure_scan("KB-20-11", 0.97))
    document_id = stored.document_id

    listed = client.get("/api/v1/review").json()
    assert [item["document_id"] for item in listed] == [document_id]
    assert set(listed[0]["uncertain"]) == {"serial_number"}
    assert listed[0]["uncertain"]["serial_number"]["confidence"] == 0.35
    assert sure.document_id not in {item["document_id"] for item in listed}

    answer = client.patch(f"/api/v1/documents/{document_id}",
                          json={"fields": {"serial_number": "KB-15-84"}, "by": "Thiếu tá Nguyễn Văn An", "note": "đối chiếu bản gốc"})

    assert answer.status_code == 200, answer.text
    corrected = answer.json()
    assert corrected["serial_number"] == "KB-15-84"
    assert corrected["version"] == 2
    assert corrected["fields"]["serial_number"] == {"value": "KB-15-84", "confidence": 1.0, "page": 1, "source": "corrected",
                                                    "region": None}  # a text layer says what, not where
    [correction] = corrected["corrections"]
    assert correction["by"] == "an.nguyen" and correction["at"]  # the signed-in clerk, whatever `by` the body says
    assert correction["changes"] == {"serial_number": {"from": "KB-I5-B4?", "to": "KB-15-84"}}
    assert client.get("/api/v1/review").json() == []
    # The index follows: the item's dossier now holds the document; the old reading is gone.
    assert [d["document_id"] for d in client.get("/api/v1/equipment/KB-15-84").json()["documents"]] == [document_id]
    assert client.get("/api/v1/search", params={"serial": "KB-I5-B4?"}).json()["total"] == 0
    # The version before the correction is kept.
    before = client.get(f"/api/v1/documents/{document_id}/versions/1").json()
    assert before["serial_number"] == "KB-I5-B4?" and before["version"] == 1
    assert client.get(f"/api/v1/documents/{document_id}").json()["version"] == 2


def test_second_correction_keeps_the_whole_history(client, service):
    document_id = service.store_extraction(b"scan-review-3", "scan-03.tif", unsure_scan("KB-15-85", 0.4)).document_id
    client.patch(f"/api/v1/documents/{document_id}", json={"fields": {"serial_number": "KB-15-84"}})
    answer = client.patch(f"/api/v1/documents/{document_id}", json={"fields": {"quality_grade": 3, "document_date": "2015-01-06"}},
                          headers={"Authorization": f"Bearer {client.tokens['binh.le']}"})

    document = answer.json()
    assert document["version"] == 3
    assert [c["by"] for c in document["corrections"]] == ["an.nguyen", "binh.le"]
    assert document["corrections"][1]["changes"]["document_date"] == {"from": "2015-01-05", "to": "2015-01-06"}
    assert client.get(f"/api/v1/documents/{document_id}/versions/2").json()["quality_grade"] is None


@pytest.mark.parametrize(("body", "status"), [
    ({"fields": {"doc_type": "not-a-type"}, "by": "An"}, 422),
    ({"fields": {"sha256": "0" * 64}, "by": "An"}, 422),
    ({"fields": {"quality_grade": "good"}, "by": "An"}, 422),
    ({"fields": {"classification": "unclassified"}}, 422),  # only records officers, through its own use case
])
def test_bad_corrections_are_refused_and_change_nothing(client, service, body, status):
    document_id = service.store_extraction(b"scan-review-4", "scan-04.tif", unsure_scan("KB-15-85", 0.4)).document_id

    answer = client.patch(f"/api/v1/documents/{document_id}", json=body)

    assert answer.status_code == status
    assert "detail" in answer.json()
    assert service.document(document_id).version == 1


def test_correcting_an_unknown_document_is_404(client):
    assert client.patch("/api/v1/documents/" + "f" * 64, json={"fields": {"unit": "x"}, "by": "An"}).status_code == 404


def test_a_value_confirmed_as_read_is_vouched_for_and_leaves_the_review(client, service):
    stored = service.store_extraction(b"scan-review-confirm", "scan-03.tif", unsure_scan("KB-20-12", 0.4))
    answer = client.patch(f"/api/v1/documents/{stored.document_id}", json={"fields": {"serial_number": "KB-20-12"}})
    confirmed = answer.json()
    assert answer.status_code == 200 and confirmed["version"] == 2
    assert confirmed["fields"]["serial_number"]["source"] == "corrected" and confirmed["fields"]["serial_number"]["confidence"] == 1.0
    assert confirmed["corrections"][0]["changes"] == {"serial_number": {"from": "KB-20-12", "to": "KB-20-12"}}
    assert client.get("/api/v1/review").json() == []
    again = client.patch(f"/api/v1/documents/{stored.document_id}", json={"fields": {"serial_number": "KB-20-12"}})
    assert again.json()["version"] == 2  # once vouched for, the same value again changes nothing
