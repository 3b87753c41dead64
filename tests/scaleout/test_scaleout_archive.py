"""The whole archive on S3 + Elasticsearch: what a clerk, a technician and an inspector do,
and what happens when a server goes down. Real servers, stopped and started for real."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from minio import Minio

from archive.errors import BackendUnavailable
from search.types import SearchQuery
from storage import layout
from tests.conftest import DOSSIER_KB_15_84, run_archive as run, text_pdf, write_dossier


@pytest.fixture
def dossier(tmp_path: Path) -> Path:
    return write_dossier(tmp_path / "dossier")


def raw_minio(settings) -> Minio:
    return Minio(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, secure=False)


def test_ingest_search_show_and_download_on_s3_and_elasticsearch(scaleout_env, dossier):
    lines = [json.loads(line) for line in run(scaleout_env, "ingest", str(dossier), "--json").stdout.splitlines()]
    assert sorted(entry["status"] for entry in lines) == ["ingested"] * len(DOSSIER_KB_15_84)

    found = json.loads(run(scaleout_env, "search", "sua chua lon T-54B", "--json").stdout)
    assert found["total"] >= 1
    assert found["hits"][0]["serial_number"] == "KB-15-84"
    assert any("<mark>" in snippet for snippet in found["hits"][0]["highlights"])
    assert {f["value"] for f in found["facets"]["doc_type"]} >= {"repair"}

    item = json.loads(run(scaleout_env, "show", "kb 15 84", "--json").stdout)
    assert item["serial_number"] == "KB-15-84"
    assert item["document_count"] == len(DOSSIER_KB_15_84)
    dates = [event["date"] for event in item["history"]]
    assert dates == sorted(dates)

    again = [json.loads(line)["status"] for line in run(scaleout_env, "ingest", str(dossier), "--json").stdout.splitlines()]
    assert again == ["duplicate"] * len(DOSSIER_KB_15_84)


def test_reindex_rebuilds_a_deleted_index_from_storage_alone(scaleout_env, scaleout_settings, dossier, elasticsearch_server):
    import httpx

    run(scaleout_env, "ingest", str(dossier))
    before = json.loads(run(scaleout_env, "search", "bien ban", "--json").stdout)
    # Lose the whole index: every versioned index behind the alias.
    aliases = httpx.get(f"{elasticsearch_server.url}/_alias/{scaleout_settings.es_index}").json()
    for name in aliases:
        httpx.delete(f"{elasticsearch_server.url}/{name}").raise_for_status()

    run(scaleout_env, "reindex")

    after = json.loads(run(scaleout_env, "search", "bien ban", "--json").stdout)
    assert after["total"] == before["total"] > 0
    assert [h["document_id"] for h in after["hits"]] == [h["document_id"] for h in before["hits"]]
    assert after["facets"] == before["facets"]


def test_verify_reports_an_original_altered_in_the_bucket(scaleout_env, scaleout_settings, dossier):
    lines = [json.loads(line) for line in run(scaleout_env, "ingest", str(dossier), "--json").stdout.splitlines()]
    victim = lines[0]["sha256"]
    client = raw_minio(scaleout_settings)
    key = layout.original_key(victim)
    kept = client.stat_object(scaleout_settings.s3_bucket, key).metadata
    tampered = b"%PDF-1.4 tampered"
    client.put_object(scaleout_settings.s3_bucket, key, io.BytesIO(tampered), len(tampered),
                      metadata={k: v for k, v in kept.items() if k.lower().startswith("x-amz-meta-")})

    report = run(scaleout_env, "verify", "--json", check=False)

    assert report.returncode == 1
    assert json.loads(report.stdout)["mismatched"] == [victim]


def test_elasticsearch_down_during_ingest_loses_nothing_and_catches_up(scaleout_service, elasticsearch_server):
    names = list(DOSSIER_KB_15_84)
    elasticsearch_server.stop()
    try:
        results = [scaleout_service.ingest_bytes(text_pdf(DOSSIER_KB_15_84[name]), name) for name in names[:3]]
        assert [r.status for r in results] == ["ingested"] * 3
        assert all(r.index_pending for r in results)
        assert sorted(scaleout_service.pending_index_ids()) == sorted(r.document_id for r in results)
        with pytest.raises(BackendUnavailable):
            scaleout_service.search(SearchQuery(text="bien ban"))
    finally:
        elasticsearch_server.start()

    later = scaleout_service.ingest_bytes(text_pdf(DOSSIER_KB_15_84[names[3]]), names[3])

    assert not later.index_pending
    assert scaleout_service.pending_index_ids() == []
    assert scaleout_service.index.count() == 4
    assert scaleout_service.search(SearchQuery(serial="KB-15-84")).total == 4
    assert len(scaleout_service.equipment("KB-15-84").documents) == 4


def test_reindex_pending_after_elasticsearch_comes_back(scaleout_env, scaleout_service, elasticsearch_server, dossier):
    elasticsearch_server.stop()
    try:
        result = run(scaleout_env, "ingest", str(dossier / "logbook.pdf"), "--json")
        entry = json.loads(result.stdout)
        assert entry["status"] == "ingested" and entry["index_pending"] is True
        assert "archive reindex --pending" in result.stderr
    finally:
        elasticsearch_server.start()

    done = run(scaleout_env, "reindex", "--pending")

    assert "indexed 1 pending documents" in done.stderr
    assert json.loads(run(scaleout_env, "show", "KB-15-84", "--json").stdout)["document_count"] == 1


def test_s3_down_fails_the_ingest_clearly_and_indexes_nothing(scaleout_env, scaleout_service, s3_server, dossier):
    scaleout_service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]), "logbook.pdf")
    s3_server.stop()
    try:
        with pytest.raises(BackendUnavailable, match="storage"):
            scaleout_service.ingest_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"]), "repair.pdf")
        failed = run(scaleout_env, "ingest", str(dossier / "transfer.pdf"), check=False)
        assert failed.returncode == 3
        assert "storage" in failed.stderr and "Traceback" not in failed.stderr
    finally:
        s3_server.start()

    assert scaleout_service.index.count() == 1
    assert scaleout_service.search(SearchQuery(text="sua chua lon")).total == 0
