"""`/metrics` in the Prometheus text format, parsed by prometheus_client's own parser: what ingest, OCR, the
queue, the index, searches, pages and the audit trail did, with no document content in it; served to the
loopback address, elsewhere only with ARCHIVE_METRICS_TOKEN. Every response carries its request id."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from archive.api import create_app
from archive.bootstrap import build_archive
from archive.config import Settings
from archive.identity import local_operator
from ingest.pipeline import extract
from tests.conftest import DOSSIER_KB_15_84, SAMPLE_LINES, image_bytes, render_text_image, text_pdf
from tests.uvicorn_app import bound_socket

LOOPBACK = ("127.0.0.1", 50123)


def _families(text: str) -> dict[str, list]:
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def _value(samples, name: str, **labels) -> float:
    return sum(s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def test_metrics_tell_what_the_archive_did_and_nothing_of_what_it_holds(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", auth="on", serve_workers=0, metrics_token="scraper-secret-42")
    operator = local_operator("test")
    first = build_archive(settings, with_queue=False)
    try:
        first.add_user(operator, "kiem-tra", "inspector", "top_secret", [], password="kiem-tra-mat-khau")
        token = first.create_token(operator, "kiem-tra").secret
    finally:
        first.close()
    app = create_app(settings)
    archive = app.state.archive
    with TestClient(app, client=LOOPBACK) as client:
        before = _families(client.get("/metrics").text)
        scan = image_bytes(render_text_image(SAMPLE_LINES), "PNG")
        archive.ingest_file(operator, scan, "quet-kb-15-84.png", extract(scan))  # read by OCR: one page
        bad = b"not a scan at all"
        archive.ingest_file(operator, bad, "ghi-chu.pdf", "unsupported file type (starts with 6e 6f); expected PDF, TIFF, JPEG or PNG")
        assert client.get("/api/v1/search", params={"q": "KB-15-84"}, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        queued = client.post("/api/v1/ingest", headers={"Authorization": f"Bearer {token}"},
                             files=[("files", ("a.pdf", io.BytesIO(text_pdf(DOSSIER_KB_15_84["repair.pdf"])), "application/pdf"))])
        assert queued.status_code == 403  # an inspector may not ingest: still a timed request
        archive.enqueue(operator, _queued(DOSSIER_KB_15_84))  # no worker runs here: they wait
        answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    after = _families(answer.text)

    def grew(family: str, name: str, **labels) -> float:  # counters are the process's: other tests counted too
        return _value(after.get(family, []), name, **labels) - _value(before.get(family, []), name, **labels)

    assert grew("archive_ingest_files", "archive_ingest_files_total", outcome="ingested") == 1
    assert grew("archive_ingest_files", "archive_ingest_files_total", outcome="failed", reason="unsupported_type") == 1
    assert grew("archive_ingest_pages", "archive_ingest_pages_total") == 1
    assert grew("archive_ocr_seconds_per_page", "archive_ocr_seconds_per_page_count") == 1
    assert grew("archive_ocr_seconds_per_page", "archive_ocr_seconds_per_page_sum") > 0
    assert grew("archive_search_seconds", "archive_search_seconds_count") >= 1
    assert grew("archive_http_request_seconds", "archive_http_request_seconds_count", route="/api/v1/search", status="2xx") == 1
    assert grew("archive_http_request_seconds", "archive_http_request_seconds_count", route="/api/v1/ingest", status="4xx") == 1
    assert "archive_audit_write_failures" in after
    assert _value(after["archive_queue_depth"], "archive_queue_depth") == len(DOSSIER_KB_15_84)
    assert _value(after["archive_queue_oldest_age_seconds"], "archive_queue_oldest_age_seconds") > 0
    assert _value(after["archive_index_pending_documents"], "archive_index_pending_documents") == 0
    # Nothing of the documents: no serial, no file name, no searched words, no document id.
    for secret in ("KB-15-84", "quet-kb", "ghi-chu", "repair.pdf", archive.search(operator, _query("KB-15-84")).hits[0].document_id):
        assert secret not in answer.text


def test_metrics_elsewhere_than_the_loopback_need_the_metrics_token(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", auth="off", metrics_token="scraper-secret-42", serve_workers=0)
    with TestClient(create_app(settings), client=("10.1.2.3", 40000)) as client:
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer scraper-secret-42"}).status_code == 200
        refusals = [e for e in client.app.state.archive.audit.entries() if e.action == "metrics"]
        assert [e.outcome for e in refusals] == ["denied", "denied"] and refusals[0].address == "10.1.2.3"
    unset = Settings(data_dir=tmp_path / "other", auth="off", serve_workers=0)  # no token: loopback only
    with TestClient(create_app(unset), client=("10.1.2.3", 40000)) as client:
        assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 403


def test_every_answer_carries_a_request_id(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path / "data", auth="off", serve_workers=0))) as client:
        given = client.get("/healthz", headers={"X-Request-ID": "scanner-7.batch-12"})
        assert given.headers["x-request-id"] == "scanner-7.batch-12"
        made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces" + "x" * 80})
        assert len(made.headers["x-request-id"]) == 32 and made.headers["x-request-id"] != client.get("/healthz").headers["x-request-id"]
        assert client.get("/no-such-page").headers["x-request-id"]  # refused and unknown requests too


def test_json_logs_are_one_object_a_line_with_the_request_id_on_each_line_of_a_request(tmp_path):
    sock, url = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_AUTH": "off",
           "ARCHIVE_LOG_FORMAT": "json", "ARCHIVE_SERVE_WORKERS": "0"}
    server = subprocess.Popen([sys.executable, "-m", "archive", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read() if server.poll() is not None else ""
                time.sleep(0.2)
        assert httpx.get(f"{url}/api/v1/search", params={"q": "xe tăng"}, headers={"X-Request-ID": "kiem-tra-42"}).status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=60)
    lines = [line for line in stderr.splitlines() if line.strip()]
    objects = [json.loads(line) for line in lines]  # every line is one JSON object, uvicorn's included
    assert any(o.get("logger", "").startswith("uvicorn") for o in objects)
    ours = [o for o in objects if o.get("request_id") == "kiem-tra-42"]
    assert ours and any(o.get("event") == "request" and o.get("route") == "/api/v1/search" and o.get("status") == 200
                        for o in ours)
    assert all("level" in o and "timestamp" in o for o in objects)
    assert "xe tăng" not in stderr and "xe+t" not in stderr and "q=" not in stderr  # no searched words in the log


def _queued(dossier):
    from archive.queue import QueuedInput

    return [QueuedInput(name=name, read=lambda lines=lines: text_pdf(lines)) for name, lines in dossier.items()]


def _query(text: str):
    from search.types import SearchQuery

    return SearchQuery(text=text)
