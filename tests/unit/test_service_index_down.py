"""The index going away during ingest loses nothing: documents are stored, marked pending, and
indexed when it answers again. Shown here on the embedded engine (closed, then reopened); the
scale-out suite does the same by stopping a real Elasticsearch."""

from __future__ import annotations

import os
import subprocess
import sys

from archive.bootstrap import build_services
from archive.config import Settings
from search.tantivy_index import TantivyIndex
from search.types import SearchQuery
from tests.conftest import DOSSIER_KB_15_84, text_pdf


def test_documents_stored_while_the_index_is_down_are_indexed_when_it_returns(service, settings):
    service.index.close()  # the engine stops answering

    results = [service.ingest_bytes(text_pdf(lines), name) for name, lines in DOSSIER_KB_15_84.items()]

    assert [r.status for r in results] == ["ingested"] * len(DOSSIER_KB_15_84)
    assert all(r.index_pending for r in results)
    assert sorted(service.pending_index_ids()) == sorted(r.document_id for r in results)
    assert service.record(results[0].document_id).document.serial_number == "KB-15-84"  # stored in full
    assert service.retry_pending() == len(results)  # still down: nothing lost, nothing indexed

    service.index = TantivyIndex(settings.index_dir)  # the engine is back
    assert service.retry_pending() == 0

    assert service.pending_index_ids() == []
    assert service.index.count() == len(results)
    assert service.search(SearchQuery(text="sua chua lon T-54B")).total >= 1
    assert len(service.equipment("KB-15-84").documents) == len(results)


def test_the_next_successful_ingest_catches_up_on_what_the_index_missed(service, settings):
    names = list(DOSSIER_KB_15_84)
    service.index.close()
    missed = service.ingest_bytes(text_pdf(DOSSIER_KB_15_84[names[0]]), names[0])
    assert missed.index_pending

    service.index = TantivyIndex(settings.index_dir)
    later = service.ingest_bytes(text_pdf(DOSSIER_KB_15_84[names[1]]), names[1])

    assert not later.index_pending
    assert service.pending_index_ids() == []
    assert service.index.count() == 2


def test_reindex_pending_from_the_command_line(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    service = build_services(settings)
    service.index.close()
    service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]), "logbook.pdf")
    service.store.close()

    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    done = subprocess.run([sys.executable, "-m", "archive", "reindex", "--pending"], env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert "indexed 1 pending documents" in done.stderr
    found = subprocess.run([sys.executable, "-m", "archive", "show", "KB-15-84", "--json"], env=env, capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
