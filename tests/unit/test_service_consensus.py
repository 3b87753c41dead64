"""A noisy OCR serial snaps to the serial other documents of the archive already carry."""

from __future__ import annotations

from ingest.types import Extraction, FieldValue, PageText
from tests.conftest import DOSSIER_KB_15_84, text_pdf


def ocr_extraction(serial: str, confidence: float) -> Extraction:
    return Extraction(
        content_type="image/tiff",
        page_count=1,
        pages=(PageText(number=1, text=f"Số hiệu: {serial}", source="ocr", ocr_confidence=70.0),),
        text_source="ocr",
        fields={"serial_number": FieldValue(serial, confidence, 1), "doc_type": FieldValue("inspection", 0.9, 1)},
    )


def test_lookalike_ocr_serial_is_confirmed_by_the_archive(service):
    assert service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]), "logbook.pdf").status == "ingested"
    result = service.store_extraction(b"scan-1", "scan.tif", ocr_extraction("KB-I5-B4", 0.6))
    assert result.document.serial_number == "KB-15-84"
    assert result.document.fields["serial_number"].source == "confirmed"


def test_unsure_near_miss_snaps_but_a_clean_different_serial_stays(service):
    service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]), "logbook.pdf")
    unsure = service.store_extraction(b"scan-2", "unsure.tif", ocr_extraction("KB-15-34", 0.5))
    assert unsure.document.serial_number == "KB-15-84"
    clean = service.store_extraction(b"scan-3", "clean.tif", ocr_extraction("KB-15-85", 0.97))
    assert clean.document.serial_number == "KB-15-85"


def test_unknown_serial_is_kept_as_read(service):
    result = service.store_extraction(b"scan-4", "other.tif", ocr_extraction("ZX-99-01", 0.6))
    assert result.document.serial_number == "ZX-99-01"
    assert result.document.fields["serial_number"].source == "extracted"


def test_serial_lost_with_its_label_is_recovered_from_the_text_when_the_archive_knows_it(service):
    service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]), "logbook.pdf")
    extraction = Extraction(
        content_type="image/tiff",
        page_count=1,
        pages=(PageText(number=1, text="S. h.ệu ...... KB-I5-84 .... năm 1984", source="ocr"),),
        text_source="ocr",
        fields={"doc_type": FieldValue("inspection", 0.9, 1)},
    )
    result = service.store_extraction(b"scan-5", "lost.tif", extraction)
    assert result.document.serial_number == "KB-15-84"
    assert result.document.fields["serial_number"].confidence < 0.9


def test_scans_ingested_before_the_clean_document_are_confirmed_at_the_end_of_the_batch(service, tmp_path):
    from archive.batch import BatchIngest

    early = service.store_extraction(b"scan-6", "a-early.tif", ocr_extraction("KB-I5-B4", 0.6))
    assert early.document.serial_number == "KB-I5-B4"  # nothing known yet
    clean = tmp_path / "b-logbook.pdf"
    clean.write_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]))
    BatchIngest(service, workers=1).run([clean])
    service.reconfirm_serial(early.document_id)
    assert service.document(early.document_id).serial_number == "KB-15-84"
    assert len(service.equipment("KB-15-84").documents) == 2



def test_a_scan_whose_misread_serial_is_its_items_look_alike_key_is_confirmed_at_the_end_of_the_batch(service, tmp_path):
    from archive.batch import BatchIngest

    # The B of KB-15-84 read as 8: the scan's own serial is then the exact match for itself, and must not hide
    # the look-alike serial its item's other documents carry.
    early = service.store_extraction(b"scan-7", "a-early.tif", ocr_extraction("K8-15-84", 0.64))
    clean = tmp_path / "b-logbook.pdf"
    clean.write_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]))
    BatchIngest(service, workers=1).run([clean])
    assert service.reconfirm_serial(early.document_id)
    assert service.document(early.document_id).serial_number == "KB-15-84"
    assert len(service.equipment("KB-15-84").documents) == 2


def test_scans_that_share_a_misread_letter_join_the_spelling_their_item_prints(service):
    # The S of 1S-5646 read as 5 on two scans: each is the other's exact match, yet both belong to the item
    # the other two documents print with its S.
    misread = [service.store_extraction(f"scan-m{i}".encode(), f"m{i}.tif", ocr_extraction("15-5646", 0.8))
               for i in range(2)]
    assert [r.document.serial_number for r in misread] == ["15-5646", "15-5646"]
    printed = [service.store_extraction(f"scan-p{i}".encode(), f"p{i}.tif", ocr_extraction("1S-5646", 0.8))
               for i in range(2)]
    assert [r.document.serial_number for r in printed] == ["1S-5646", "1S-5646"]  # not pulled to the misreading
    assert all(service.reconfirm_serial(r.document_id) for r in misread)
    assert len(service.equipment("1S-5646").documents) == 4
    assert service.document(misread[0].document_id).fields["serial_number"].source == "confirmed"


def text_layer_extraction(serial: str) -> Extraction:
    return Extraction(
        content_type="application/pdf",
        page_count=1,
        pages=(PageText(number=1, text=f"Số hiệu: {serial}", source="text"),),
        text_source="text",
        fields={"serial_number": FieldValue(serial, 0.95, 1), "doc_type": FieldValue("logbook", 0.9, 1)},
    )


def test_one_scans_misread_letter_ends_with_the_digit_its_items_text_layer_prints(service):
    # The first scan in read the 8 of T62-8951 as B; the next two scans snapped to it; the item's text PDF came last.
    misread = service.store_extraction(b"scan-b", "b.tif", ocr_extraction("T62-B951", 0.8))
    read_well = [service.store_extraction(f"scan-w{i}".encode(), f"w{i}.tif", ocr_extraction("T62-8951", 0.8))
                 for i in range(2)]
    service.store_extraction(b"text-l", "logbook.pdf", text_layer_extraction("T62-8951"))
    for result in [misread, *read_well]:
        service.reconfirm_serial(result.document_id)
    assert len(service.equipment("T62-8951").documents) == 4
    assert service.document(misread.document_id).serial_number == "T62-8951"


def test_a_misread_letter_on_fewer_scans_than_the_digit_does_not_pull_them(service):
    read_well = [service.store_extraction(f"scan-w{i}".encode(), f"w{i}.tif", ocr_extraction("5M-2603", 0.8))
                 for i in range(2)]
    misread = service.store_extraction(b"scan-s", "s.tif", ocr_extraction("SM-2603", 0.8))
    for result in [*read_well, misread]:
        service.reconfirm_serial(result.document_id)
    assert [service.document(r.document_id).serial_number for r in read_well] == ["5M-2603", "5M-2603"]
