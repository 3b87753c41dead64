"""Workers across machines: two `archive worker` processes on a real Redis queue, storing to S3 and
indexing into Elasticsearch, as separate machines would. Real servers, real processes, a real SIGKILL."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

import pytest

from storage import layout
from tests.conftest import DOSSIER_KB_15_84, SAMPLE_LINES, image_bytes, render_text_image, require_tesseract, run_archive, text_pdf
from tests.queue.conftest import job_status, queue_job, wait_for_job


@pytest.fixture
def redis_env(scaleout_env, redis_server) -> dict[str, str]:
    return {**scaleout_env, **redis_server.env(), "ARCHIVE_QUEUE_NAME": f"q-{uuid.uuid4().hex[:10]}"}


def write_scans(folder: Path, count: int) -> list[str]:
    """Scanned inspection records of different tanks at 300 dpi (OCR takes about a second each: workers overlap,
    and a poll through the command line finds a file in a worker's hands even on a busy machine)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for n in range(count):
        lines = [line.replace("KB-15-84", f"KB-15-{60 + n}").replace("47/BB-KT", f"{60 + n}/BB-KT") for line in SAMPLE_LINES]
        name = f"scan-{n}.png"
        (folder / name).write_bytes(image_bytes(render_text_image(lines, dpi=300), "PNG", dpi=(300, 300)))
        names.append(name)
    return names


def stored_records(service) -> list[str]:
    return list(service.store.list(layout.RECORDS))


def test_two_workers_share_a_redis_queue_and_every_file_is_stored_once(tmp_path, redis_env, scaleout_service, start_worker):
    require_tesseract()
    inbox = tmp_path / "inbox"
    scans = write_scans(inbox, 4)
    for name, lines in DOSSIER_KB_15_84.items():
        (inbox / name).write_bytes(text_pdf(lines))
    shutil.copy(inbox / "repair.pdf", inbox / "repair-again.pdf")
    (inbox / "torn.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"])[:300])

    first, second = start_worker(redis_env), start_worker(redis_env)
    job = wait_for_job(redis_env, queue_job(redis_env, inbox))

    statuses = {item["filename"].rsplit("/", 1)[-1]: item["status"] for item in job["items"]}
    good = [*scans, *DOSSIER_KB_15_84]
    assert {statuses[name] for name in good if name != "repair.pdf"} == {"ingested"}
    assert sorted([statuses["repair.pdf"], statuses["repair-again.pdf"]]) == ["duplicate", "ingested"]
    assert statuses["torn.pdf"] == "failed"
    assert job["state"] == "done" and job["failed"] == 1
    # Both workers took files.
    assert {item["worker"] for item in job["items"] if item["worker"]} == {first.ident, second.ident}
    # Each good file stored exactly once, searchable, and no staged copy left behind.
    assert len(stored_records(scaleout_service)) == len(good)
    assert list(scaleout_service.store.list(layout.INCOMING)) == []
    found = json.loads(run_archive(redis_env, "search", "", "--limit", "50", "--json").stdout)
    assert found["total"] == len(good)
    assert json.loads(run_archive(redis_env, "show", "KB-15-62", "--json").stdout)["document_count"] == 1
    assert first.stop() == 0 and second.stop() == 0


def test_files_held_by_a_killed_worker_are_taken_again_with_no_command_and_stored_once(
        tmp_path, redis_env, scaleout_service, start_worker):
    require_tesseract()
    redis_env = {**redis_env, "ARCHIVE_WORKER_LEASE_S": "3"}
    inbox = tmp_path / "inbox"
    scans = write_scans(inbox, 10)
    doomed = start_worker(redis_env)
    job_id = queue_job(redis_env, inbox)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it while it holds a file
        held = [i for i in job_status(redis_env, job_id)["items"] if i["status"] == "pending" and i["worker"] == doomed.ident]
        if held:
            break
        time.sleep(0.1)
    assert held, "the worker never took a file"
    doomed.kill()
    stalled = job_status(redis_env, job_id)
    assert stalled["state"] == "running" and stalled["done"] < len(scans)
    held_at_death = {i["filename"] for i in stalled["items"] if i["status"] == "pending" and i["worker"] == doomed.ident}
    assert held_at_death, "the kill landed between two files; nothing was in hand"

    # Another worker (here started after the death, as on a machine that boots) takes the dead one's files once
    # its lease runs out: nobody runs `archive job --requeue`.
    survivor = start_worker(redis_env)
    job = wait_for_job(redis_env, job_id)

    assert job["state"] == "done"
    assert [item["status"] for item in job["items"]] == ["ingested"] * len(scans)
    assert held_at_death <= {item["filename"] for item in job["items"] if item["worker"] == survivor.ident}
    assert len(stored_records(scaleout_service)) == len(scans)
    assert list(scaleout_service.store.list(layout.INCOMING)) == []
    assert json.loads(run_archive(redis_env, "search", "", "--limit", "50", "--json").stdout)["total"] == len(scans)
    entries = [json.loads(line) for line in run_archive(redis_env, "audit", "show", "--json").stdout.splitlines()]
    recovered = [e for e in entries if e["action"] == "job_requeue" and e["details"].get("automatic")]
    assert [e["target"] for e in recovered] == [doomed.ident] and recovered[0]["actor"] == f"worker:{survivor.ident}"
    assert survivor.stop() == 0


def test_the_api_queues_uploads_on_redis_for_a_worker_and_answers_503_without_redis(
        tmp_path, redis_env, redis_server, scaleout_settings, start_worker):
    from fastapi.testclient import TestClient

    from archive.api import create_app

    settings = scaleout_settings.model_copy(update={
        "queue": "redis", "redis_url": redis_server.url, "queue_name": redis_env["ARCHIVE_QUEUE_NAME"]})
    worker = start_worker(redis_env)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").json()["queue"] == "ok"
        upload = [("files", ("repair.pdf", text_pdf(DOSSIER_KB_15_84["repair.pdf"]), "application/pdf"))]
        job_id = client.post("/api/v1/ingest", files=upload).json()["job_id"]
        deadline = time.monotonic() + 120
        while (job := client.get(f"/api/v1/jobs/{job_id}").json())["state"] != "done" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert job["items"][0]["status"] == "ingested" and job["items"][0]["worker"] == worker.ident

        redis_server.stop()
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["queue"].startswith("unavailable")
        refused = client.post("/api/v1/ingest", files=[("files", ("x.pdf", text_pdf(SAMPLE_LINES), "application/pdf"))])
        assert refused.status_code == 503 and "queue" in refused.json()["detail"]
        assert client.get(f"/api/v1/jobs/{job_id}").status_code == 503
        redis_server.start()
        assert client.get(f"/api/v1/jobs/{job_id}").json()["state"] == "done"  # the append-only file kept it
    assert worker.stop() == 0
