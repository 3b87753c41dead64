"""The ingest queue on one machine (the embedded SQLite queue): `archive ingest --queue` stages and
queues, a separate `archive worker` process takes the files, `archive job` tells what became of each."""

from __future__ import annotations

import json
import time
import shutil
from pathlib import Path

from PIL import Image

from archive.config import Settings
from archive.queue import QueueJobs, build_queue
from storage import layout
from storage.local import LocalObjectStore
from tests.conftest import DOSSIER_KB_15_84, SAMPLE_LINES, render_text_image, run_archive, text_pdf
from tests.hostile.corpus import build
from tests.queue.conftest import job_status, queue_job, wait_for_job


def test_queued_files_are_ingested_by_a_worker_process_and_hostile_ones_fail_alone(tmp_path, start_worker):
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data")}
    inbox = tmp_path / "inbox"
    reasons = build(inbox)
    for name in ("inspection.pdf", "repair.pdf"):
        (inbox / f"good-{name}").write_bytes(text_pdf(DOSSIER_KB_15_84[name]))
    shutil.copy(inbox / "good-repair.pdf", inbox / "good-repair-copy.pdf")

    job_id = queue_job(env, inbox)
    queued = job_status(env, job_id)
    assert queued["state"] in ("queued", "running") and queued["total"] == len(reasons) + 3
    # Files wait in the object store, where any worker can fetch them.
    store = LocalObjectStore(tmp_path / "data" / "objects")
    assert len(list(store.list(layout.INCOMING))) >= 2

    worker = start_worker(env, workers=2)
    job = wait_for_job(env, job_id)

    assert job["state"] == "done" and job["done"] == job["total"]
    items = {Path(item["filename"].split("!")[0]).name: item for item in job["items"]}
    assert items["good-inspection.pdf"]["status"] == "ingested"
    assert sorted([items["good-repair.pdf"]["status"], items["good-repair-copy.pdf"]["status"]]) == ["duplicate", "ingested"]
    assert items["good-inspection.pdf"]["worker"] == worker.ident
    # Pages are counted as files are read: the job tells its reading speed.
    ingested = [item for item in job["items"] if item["status"] == "ingested"]
    assert all(item["pages"] >= 1 and item["finished_at"] >= item["started_at"] for item in ingested)
    assert job["pages"] == sum(item["pages"] for item in ingested) and job["pages_per_second"] > 0
    assert all(item["pages"] is None for item in job["items"] if item["status"] == "failed")
    unexplained = {
        name: (items[name]["status"], items[name]["error"])
        for name, words in reasons.items()
        if items[name]["status"] != "failed" or not any(word in (items[name]["error"] or "").lower() for word in words)
    }
    assert unexplained == {}
    assert job["failed"] == len(reasons)
    # The worker survived every hostile file, and is still taking work.
    assert worker.process.poll() is None
    (tmp_path / "late.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["transfer.pdf"]))
    assert wait_for_job(env, queue_job(env, tmp_path / "late.pdf"))["items"][0]["status"] == "ingested"
    assert worker.stop() == 0

    # Exactly the three good documents are stored, none twice, and nothing is left staged.
    assert len(list(store.list(layout.RECORDS))) == 3
    assert list(store.list(layout.INCOMING)) == []
    found = json.loads(run_archive(env, "search", "KB-15-84", "--json").stdout)
    assert found["total"] == 3


def test_the_manifest_travels_with_queued_files(tmp_path, start_worker):
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data")}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "repair.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"]))
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file;unit;classification\nrepair.pdf;Trung đoàn 141;confidential\n", encoding="utf-8-sig")

    job_id = queue_job(env, inbox, extra=("--manifest", str(manifest)))
    start_worker(env)
    job = wait_for_job(env, job_id)

    document = json.loads(run_archive(env, "search", "Z153", "--json").stdout)["hits"][0]
    assert job["items"][0]["status"] == "ingested" and document["unit"] == "Trung đoàn 141"
    disagreement = next(d for d in job["items"][0]["manifest_disagreements"] if d["field"] == "unit")
    assert disagreement["manifest_value"] == "Trung đoàn 141" and disagreement["extracted_value"] == "Lữ đoàn 201"
    stored = json.loads(LocalObjectStore(tmp_path / "data" / "objects").get(layout.record_key(job["items"][0]["document_id"])))
    assert stored["document"]["fields"]["classification"]["source"] == "manifest"


def test_an_unknown_job_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    run_archive({"ARCHIVE_DATA_DIR": str(tmp_path / "data")}, "ingest", str(tmp_path / "empty"))  # a new archive
    done = run_archive({"ARCHIVE_DATA_DIR": str(tmp_path / "data")}, "job", "no-such-job", check=False)
    assert done.returncode == 4 and "no job no-such-job" in done.stderr


def test_a_worker_outlives_a_file_that_hangs_and_one_that_needs_too_much_memory(tmp_path, start_worker):
    # The huge scan reaches the memory limit within about a second of its reading; a 3-s limit raced it on a busy
    # machine (the time limit stopped it first), so the limit is 10 s and the long scan reads for much longer.
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_FILE_TIMEOUT_S": "10", "ARCHIVE_WORKER_MEMORY_MB": "700"}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    pages = [render_text_image(SAMPLE_LINES) for _ in range(40)]  # minutes of OCR, far past the limit
    pages[0].save(inbox / "long-scan.tif", save_all=True, append_images=pages[1:], compression="tiff_lzw", dpi=(300, 300))
    # 81 megapixels: under the pixel limits, but cleaning it for OCR takes about a gigabyte.
    Image.new("RGB", (9_000, 9_000), "white").save(inbox / "huge-scan.png", dpi=(300, 300))
    (inbox / "logbook.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]))

    worker = start_worker(env, workers=2)
    job = wait_for_job(env, queue_job(env, inbox))

    items = {Path(item["filename"]).name: item for item in job["items"]}
    assert items["logbook.pdf"]["status"] == "ingested"
    assert items["long-scan.tif"]["status"] == "failed" and "longer than 10 s" in items["long-scan.tif"]["error"]
    assert items["huge-scan.png"]["status"] == "failed" and "memory limit of 700 MiB" in items["huge-scan.png"]["error"]
    assert worker.process.poll() is None  # only the parsing processes died
    (tmp_path / "next.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"]))
    assert wait_for_job(env, queue_job(env, tmp_path / "next.pdf"))["items"][0]["status"] == "ingested"
    assert worker.stop() == 0


def test_a_worker_killed_holding_a_file_is_replaced_by_the_others_with_no_command(tmp_path, start_worker):
    from tests.queue.test_redis_workers import write_scans

    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_WORKER_LEASE_S": "2"}
    inbox = tmp_path / "inbox"
    scans = write_scans(inbox, 8)
    doomed, survivor = start_worker(env), start_worker(env)
    job_id = queue_job(env, inbox)
    jobs = QueueJobs(build_queue(Settings(data_dir=tmp_path / "data")).huey)  # read in process: no CLI start-up

    def in_hand() -> set[str]:
        return {i.filename for i in jobs.get(job_id).items if i.status == "pending" and i.worker == doomed.ident}

    deadline = time.monotonic() + 120
    while not in_hand() and time.monotonic() < deadline:  # killed while it holds a file: a power cut mid-page
        time.sleep(0.02)
    doomed.kill()
    held_at_death = in_hand()
    assert held_at_death, "the kill landed between two files; nothing was in hand"

    job = wait_for_job(env, job_id)  # no --requeue: the survivor takes over once the dead lease runs out
    assert job["state"] == "done" and [item["status"] for item in job["items"]] == ["ingested"] * len(scans)
    assert held_at_death <= {item["filename"] for item in job["items"] if item["worker"] == survivor.ident}
    # Every file stored once.
    assert len(list(LocalObjectStore(tmp_path / "data" / "objects").list(layout.RECORDS))) == len(scans)
    assert json.loads(run_archive(env, "search", "", "--limit", "50", "--json").stdout)["total"] == len(scans)
    assert survivor.stop() == 0
