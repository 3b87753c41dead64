"""A rescan of a paper already in the archive (same serial, doc type, date and number, other
bytes) is stored, flagged and listed; never dropped, never taken for a byte-identical duplicate."""

from __future__ import annotations

from fastapi.testclient import TestClient

from archive.api.app import create_app
from tests.conftest import DOSSIER_KB_15_84, text_pdf


def test_a_rescan_is_stored_flagged_and_listed(service, settings):
    first = service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["inspection.pdf"]), "inspection.pdf")
    # The same paper scanned again: same content, a clerk's note at the bottom, other bytes.
    rescan = service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["inspection.pdf"] + ["Bản sao lưu"]), "inspection-rescan.pdf")
    other = service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"]), "repair.pdf")

    assert rescan.status == "ingested" and rescan.sha256 != first.sha256
    assert rescan.document.likely_duplicate_of == [first.document_id]
    assert service.document(rescan.document_id).likely_duplicate_of == [first.document_id]
    assert first.document.likely_duplicate_of == [] and other.document.likely_duplicate_of == []
    assert len(service.equipment("KB-15-84").documents) == 3  # nothing dropped
    listed = service.likely_duplicates()
    assert [(entry.document_id, entry.likely_duplicate_of) for entry in listed] == [(rescan.document_id, [first.document_id])]
    assert listed[0].document_number == "47/BB-KT"

    with TestClient(create_app(settings, service=service)) as client:
        answer = client.get("/api/v1/duplicates")
    assert answer.status_code == 200
    assert [entry["document_id"] for entry in answer.json()] == [rescan.document_id]


def test_byte_identical_files_stay_plain_duplicates(service):
    data = text_pdf(DOSSIER_KB_15_84["inspection.pdf"])
    service.ingest_bytes(data, "a.pdf")
    assert service.ingest_bytes(data, "b.pdf").status == "duplicate"
    assert service.likely_duplicates() == []
