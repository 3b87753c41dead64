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
