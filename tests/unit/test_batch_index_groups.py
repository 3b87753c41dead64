"""A batch indexes its documents in groups (one index commit per group, not per file): nothing a person sees may
change for it. Every document is searchable when the batch returns, a rescan stored in the same group as its
first copy is still flagged, a process killed with documents held leaves them to the next run, and an index
that stops answering leaves them pending and says so."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from archive.batch import BatchIngest
from search.tantivy_index import TantivyIndex
from search.types import SearchQuery
from tests.conftest import DOSSIER_KB_15_84, header, text_pdf, write_dossier


def test_every_document_of_a_batch_is_searchable_when_it_returns_and_none_stays_pending(service, tmp_path):
    folder = write_dossier(tmp_path / "in")
    finals = []

    results = BatchIngest(service, workers=1).run([folder], on_final=finals.append)

    assert [r.status for r in results] == ["ingested"] * len(DOSSIER_KB_15_84)
    assert service.pending_index_ids() == []
    assert service.search(SearchQuery(serial="KB-15-84")).total == len(DOSSIER_KB_15_84)
    assert len(service.equipment("KB-15-84").documents) == len(DOSSIER_KB_15_84)
    assert [r.path for r in finals] == [r.path for r in results]  # each reported once, in order, when indexed


def test_a_rescan_in_the_same_group_as_its_first_copy_is_flagged(service, tmp_path):
    rescan = {"zz-inspection-rescan.pdf": DOSSIER_KB_15_84["inspection.pdf"] + ["Bản sao lưu"]}
    folder = write_dossier(tmp_path / "in", rescan)

    results = {Path(r.path).name: r for r in BatchIngest(service, workers=1).run([folder])}

    first = results["inspection.pdf"]
    assert results["zz-inspection-rescan.pdf"].document.likely_duplicate_of == [first.document_id]
    assert [entry.document_id for entry in service.likely_duplicates()] == [results["zz-inspection-rescan.pdf"].document_id]


def test_within_a_group_only_a_paper_with_the_same_serial_type_date_and_number_is_taken_for_a_rescan(service, tmp_path):
    body = DOSSIER_KB_15_84["inspection.pdf"][5:]  # the lines after the header
    variants = {
        "zz-serial-spaced.pdf": header("LỮ ĐOÀN 201", "47/BB-KT", "Hà Nội, ngày 05 tháng 01 năm 2015",
                                       "BIÊN BẢN KIỂM TRA KỸ THUẬT") + [line.replace("KB-15-84", "KB 15 84") for line in body],
        "zz-other-number.pdf": header("LỮ ĐOÀN 201", "48/BB-KT", "Hà Nội, ngày 05 tháng 01 năm 2015",
                                      "BIÊN BẢN KIỂM TRA KỸ THUẬT") + body,
        "zz-other-date.pdf": header("LỮ ĐOÀN 201", "47/BB-KT", "Hà Nội, ngày 06 tháng 01 năm 2015",
                                    "BIÊN BẢN KIỂM TRA KỸ THUẬT") + body,
    }
    folder = write_dossier(tmp_path / "in", variants)

    results = {Path(r.path).name: r for r in BatchIngest(service, workers=1).run([folder])}

    first = results["inspection.pdf"].document_id
    assert results["zz-serial-spaced.pdf"].document.likely_duplicate_of == [first]
    assert results["zz-other-number.pdf"].document.likely_duplicate_of == []
    assert results["zz-other-date.pdf"].document.likely_duplicate_of == []


def test_documents_held_when_the_process_dies_are_indexed_by_the_next_run(settings, tmp_path):
    folder = write_dossier(tmp_path / "in")
    # A real process stores the dossier inside a group that never fills and dies (SIGKILL) after the group's writes
    # are made, before its commit. (Writes not made yet when a batch dies are the batch's rerun's: its journal.)
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from archive.bootstrap import build_services
        from archive.config import Settings
        service = build_services(Settings(data_dir={str(settings.data_dir)!r}, auth="off"))
        with service.index_in_groups(documents=1000, seconds=3600):
            for path in sorted(Path({str(folder)!r}).iterdir()):
                service.ingest_bytes(path.read_bytes(), path.name)
            service.make_durable()
            print(service.held_for_index(), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    died = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert died.returncode == -9, died.stderr
    assert died.stdout.strip() == str(len(DOSSIER_KB_15_84))

    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    pending = subprocess.run([sys.executable, "-m", "archive", "search", "--serial", "KB-15-84", "--json"], env=env,
                             capture_output=True, text=True)
    assert json.loads(pending.stdout)["total"] == 0  # stored, not yet indexed
    later = tmp_path / "later"
    later.mkdir()
    (later / "note.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["transfer.pdf"] + ["Ghi chú bổ sung"]))
    subprocess.run([sys.executable, "-m", "archive", "ingest", str(later)], env=env, check=True, capture_output=True)

    found = subprocess.run([sys.executable, "-m", "archive", "search", "--serial", "KB-15-84", "--json"], env=env,
                           capture_output=True, text=True, check=True)
    assert json.loads(found.stdout)["total"] == len(DOSSIER_KB_15_84) + 1
    assert list((settings.data_dir / "objects" / "index-pending").rglob("*")) == []


def test_an_index_that_stops_answering_leaves_the_group_pending_and_reported(service, settings, tmp_path):
    folder = write_dossier(tmp_path / "in")
    service.index.close()  # the engine stops answering before the group commits
    finals = []

    batch = BatchIngest(service, workers=1)
    results = batch.run([folder], on_final=finals.append)

    assert [r.status for r in results] == ["ingested"] * len(DOSSIER_KB_15_84)
    assert all(r.index_pending for r in finals)  # what was reported says so
    assert batch.still_pending == len(DOSSIER_KB_15_84)
    service.index = TantivyIndex(settings.index_dir)
    assert service.retry_pending() == 0
    assert service.search(SearchQuery(serial="KB-15-84")).total == len(DOSSIER_KB_15_84)


def test_a_document_a_power_cut_left_stored_but_unindexed_and_unmarked_is_indexed_when_the_batch_runs_again(
        service, tmp_path):
    # A batch's writes are made durable a group at a time: a power cut before its group's commit may keep a
    # document's record while losing its pending mark, its index entry and the journal's "done" (not its
    # "started", which is synced first). Running the same command again must still make it searchable.
    folder = write_dossier(tmp_path / "in")
    journal = tmp_path / "batches.sqlite3"
    first = {Path(r.path).name: r for r in BatchIngest(service, workers=1, journal_path=journal).run([folder])}
    cut = first["inspection.pdf"]
    service.index.delete(cut.document_id)
    with sqlite3.connect(journal) as db:
        db.execute("DELETE FROM batch_items WHERE name LIKE ?", ("%inspection.pdf",))
        db.execute("UPDATE batches SET finished_at = NULL")
    assert service.search(SearchQuery(serial="KB-15-84")).total == len(DOSSIER_KB_15_84) - 1
    assert service.pending_index_ids() == []

    again = {Path(r.path).name: r for r in BatchIngest(service, workers=1, journal_path=journal).run([folder])}

    assert again["inspection.pdf"].status == "ingested"  # by the cut run: not a duplicate
    assert service.search(SearchQuery(serial="KB-15-84")).total == len(DOSSIER_KB_15_84)


def test_the_rerun_of_an_interrupted_batch_sweeps_the_writes_its_killed_process_left_unnamed(settings, tmp_path):
    from archive.batch_journal import BatchJournal
    from archive.inputs import expand_inputs

    folder = write_dossier(tmp_path / "in")
    BatchJournal(settings.data_dir / "batches.sqlite3", list(expand_inputs([folder], max_bytes=1 << 30))).close()  # began, never ended
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stray = settings.data_dir / "objects" / "records" / "ab" / f".tmp-{int(finished.stdout)}-3.part"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"a group's write the killed run never named")

    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    rerun = subprocess.run([sys.executable, "-m", "archive", "ingest", str(folder)], env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert not stray.exists()
    assert list((settings.data_dir / "objects").rglob(".tmp-*")) == []
