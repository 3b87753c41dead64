"""Stored records are sealed: a record edited by hand, or a version chain that does not link, is
reported by `verify()`; records stored before sealing existed still load and count as unsealed."""

from __future__ import annotations

import json
import threading

from archive.models import StoredRecord
from archive.records import record_hash, record_problem, seal_record
from storage import layout
from tests.conftest import DOSSIER_KB_15_84, text_pdf
from tests.unit.test_service_consensus import ocr_extraction


def stored(service, document_id: str) -> StoredRecord:
    return StoredRecord.model_validate_json(service.store.get(layout.record_key(document_id)))


def edit_json(service, key: str, change) -> None:
    raw = json.loads(service.store.get(key))
    change(raw)
    service.store.put(key, json.dumps(raw, ensure_ascii=False).encode())


def ingest_inspection(service):
    result = service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["inspection.pdf"]), "inspection.pdf")
    assert result.status == "ingested"
    return result


def test_a_sealed_record_survives_its_json_and_an_edit_does_not(service):
    result = ingest_inspection(service)
    record = stored(service, result.document_id)
    assert record.record_hash == result.record_hash == service.last_record_hash == record_hash(record)
    assert record.previous_record_hash is None and record_problem(record) is None

    edited = record.model_copy(update={"page_texts": ["Số hiệu: KB-99-99"]})
    assert record_problem(edited) is not None
    assert record_problem(edited.model_copy(update={"record_hash": None})) is None  # unsealed: nothing to check


def test_a_record_edited_by_hand_is_reported_as_tampered(service):
    result = ingest_inspection(service)
    other = service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"]), "repair.pdf")
    assert service.verify().tampered == []

    edit_json(service, layout.record_key(result.document_id),
              lambda raw: raw["document"].update(serial_number="KB-99-99"))

    report = service.verify()
    assert report.tampered == [result.document_id]
    assert "version 1" in report.tamper_details[result.document_id][0]
    assert report.checked == 2 and report.ok == 2 and report.unsealed == 0  # fixity of the originals is another matter
    assert other.document_id not in report.tamper_details


def test_a_record_moved_under_another_document_is_reported(service):
    first = ingest_inspection(service)
    second = service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"]), "repair.pdf")
    service.store.put(layout.record_key(second.document_id), service.store.get(layout.record_key(first.document_id)))
    report = service.verify()
    assert report.tampered == [second.document_id]
    assert "stored under" in report.tamper_details[second.document_id][0]


def test_the_versions_of_a_corrected_document_link(service):
    result = ingest_inspection(service)
    document_id = result.document_id
    service.correct(document_id, {"document_number": "48/BB-KT"}, by="Đại úy An")
    second_hash = service.last_record_hash
    service.correct(document_id, {"quality_grade": 2}, by="Đại úy An")

    v1 = StoredRecord.model_validate_json(service.store.get(layout.record_version_key(document_id, 1)))
    v2 = StoredRecord.model_validate_json(service.store.get(layout.record_version_key(document_id, 2)))
    v3 = stored(service, document_id)
    assert v1.record_hash == result.record_hash and v1.previous_record_hash is None
    assert v2.record_hash == second_hash and v2.previous_record_hash == v1.record_hash
    assert v3.record_hash == service.last_record_hash and v3.previous_record_hash == v2.record_hash
    report = service.verify()
    assert report.tampered == [] and report.unsealed == 0

    edit_json(service, layout.record_version_key(document_id, 1), lambda raw: raw["document"].update(document_number="1/X"))
    details = service.verify().tamper_details[document_id]
    assert any("version 1" in problem for problem in details), details

    service.store.delete(layout.record_version_key(document_id, 1))
    details = service.verify().tamper_details[document_id]
    assert any("version 1: missing" in problem for problem in details), details


def test_a_version_replaced_by_a_resealed_forgery_breaks_the_link(service):
    document_id = ingest_inspection(service).document_id
    service.correct(document_id, {"document_number": "48/BB-KT"}, by="Đại úy An")
    key = layout.record_version_key(document_id, 1)
    v1 = StoredRecord.model_validate_json(service.store.get(key))
    forged = v1.model_copy(update={"document": v1.document.model_copy(update={"unit": "Lữ đoàn 999"})})
    service.store.put(key, seal_record(forged, None).model_dump_json().encode())
    details = service.verify().tamper_details[document_id]
    assert details == [f"version 2: does not link to the stored version 1 ({key})"]


def test_records_stored_before_sealing_load_count_as_unsealed_and_seal_when_corrected(service):
    document_id = ingest_inspection(service).document_id
    edit_json(service, layout.record_key(document_id), lambda raw: raw.pop("record_hash"))  # as an old record

    assert service.document(document_id).serial_number == "KB-15-84"
    report = service.verify()
    assert report.tampered == [] and report.unsealed == 1 and report.ok == 1
    assert service.reindex() == 1

    service.correct(document_id, {"document_number": "48/BB-KT"}, by="Đại úy An")
    v2 = stored(service, document_id)
    old = StoredRecord.model_validate_json(service.store.get(layout.record_version_key(document_id, 1)))
    assert old.record_hash is None and v2.previous_record_hash == record_hash(old)
    report = service.verify()
    assert report.tampered == [] and report.unsealed == 0


def test_a_reconfirmed_serial_reseals_the_record_keeping_its_link(service):
    early = service.store_extraction(b"scan-early", "a-early.tif", ocr_extraction("KB-I5-B4", 0.6))
    service.correct(early.document_id, {"document_number": "47/BB-KT"}, by="Đại úy An")
    v1_hash = stored(service, early.document_id).previous_record_hash
    service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]), "logbook.pdf")

    assert service.reconfirm_serial(early.document_id)

    record = stored(service, early.document_id)
    assert record.document.serial_number == "KB-15-84" and record.document.version == 2
    assert record.record_hash == service.last_record_hash and record.previous_record_hash == v1_hash
    report = service.verify()
    assert report.tampered == [] and report.unsealed == 0


def test_the_last_record_hash_belongs_to_the_thread_that_stored_it(service):
    ingest_inspection(service)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(service.last_record_hash))
    thread.start()
    thread.join()
    assert seen == [None] and service.last_record_hash is not None
