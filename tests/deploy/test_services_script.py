"""The test servers from tests/servers.py (the same code as scripts/services) are real and
can be taken down and brought back."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import uuid

import httpx
import pytest

from tests.servers import SCRIPT, ElasticsearchServer, RedisServer, S3Server


def _es_health(server: ElasticsearchServer) -> str:
    response = httpx.get(server.url + "/_cluster/health", params={"wait_for_status": "yellow", "timeout": "5s"},
                         timeout=10)
    response.raise_for_status()
    return response.json()["status"]


def _minio(server: S3Server):
    minio = pytest.importorskip("minio")
    return minio.Minio(server.endpoint, access_key=server.access_key, secret_key=server.secret_key,
                       secure=False)


def test_elasticsearch_answers_and_comes_back_after_stop(elasticsearch_server: ElasticsearchServer) -> None:
    assert elasticsearch_server.url == "http://127.0.0.1:%d" % elasticsearch_server.port
    assert elasticsearch_server.env() == {"ARCHIVE_INDEX": "elasticsearch", "ARCHIVE_ES_URL": elasticsearch_server.url}
    assert _es_health(elasticsearch_server) in ("green", "yellow")
    index = "services-check-%s" % uuid.uuid4().hex[:8]
    doc = httpx.put("%s/%s/_doc/1?refresh=true" % (elasticsearch_server.url, index),
                    json={"title": "Xe tăng T-54B"}, timeout=30)
    assert doc.status_code == 201, doc.text

    elasticsearch_server.stop()
    assert not elasticsearch_server.is_running()
    with pytest.raises(httpx.TransportError):
        httpx.get(elasticsearch_server.url + "/_cluster/health", timeout=2)

    elasticsearch_server.start()
    assert elasticsearch_server.is_running()
    assert _es_health(elasticsearch_server) in ("green", "yellow")
    # the data survived the restart
    found = httpx.get("%s/%s/_doc/1" % (elasticsearch_server.url, index), timeout=30)
    assert found.status_code == 200 and found.json()["_source"]["title"] == "Xe tăng T-54B"
    httpx.delete("%s/%s" % (elasticsearch_server.url, index), timeout=30)


def test_s3_signed_requests_versioning_and_restart(s3_server: S3Server) -> None:
    assert s3_server.endpoint == "127.0.0.1:%d" % s3_server.port
    assert s3_server.env()["ARCHIVE_S3_ENDPOINT"] == s3_server.endpoint
    assert s3_server.env()["ARCHIVE_STORAGE"] == "s3"
    client = _minio(s3_server)
    from minio.commonconfig import ENABLED
    from minio.versioningconfig import VersioningConfig

    bucket = "services-check-%s" % uuid.uuid4().hex[:8]
    client.make_bucket(bucket)
    client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    assert client.get_bucket_versioning(bucket).status == "Enabled"
    first = client.put_object(bucket, "dossier/a.txt", io.BytesIO(b"first"), 5)
    second = client.put_object(bucket, "dossier/a.txt", io.BytesIO(b"second"), 6)
    assert first.version_id and second.version_id and first.version_id != second.version_id
    assert client.get_object(bucket, "dossier/a.txt").read() == b"second"
    assert client.get_object(bucket, "dossier/a.txt", version_id=first.version_id).read() == b"first"

    # wrong keys are refused: the server authenticates
    from minio.error import S3Error
    import minio

    intruder = minio.Minio(s3_server.endpoint, access_key="nobody", secret_key="wrong-secret-key", secure=False)
    with pytest.raises(S3Error):
        intruder.list_buckets()

    s3_server.stop()
    assert not s3_server.is_running()
    with pytest.raises(OSError):  # nothing listens any more (a client would retry for seconds)
        socket.create_connection(("127.0.0.1", s3_server.port), timeout=2).close()

    s3_server.start()
    assert s3_server.is_running()
    assert client.get_object(bucket, "dossier/a.txt").read() == b"second"
    client.put_object(bucket, "dossier/b.txt", io.BytesIO(b"after restart"), 13)
    assert client.get_object(bucket, "dossier/b.txt").read() == b"after restart"


def test_cli_sees_the_fixture_servers(elasticsearch_server: ElasticsearchServer, s3_server: S3Server,
                                      redis_server: RedisServer) -> None:
    """`scripts/services status` and `env` read the same run dir the fixtures started."""
    env = dict(os.environ, ARCHIVE_SERVICES_DIR=elasticsearch_server.run_dir)
    status = subprocess.run([sys.executable, str(SCRIPT), "status"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "elasticsearch" in status.stdout and "answers" in status.stdout
    assert "Redis" in status.stdout and "answers PING" in status.stdout
    exports = subprocess.run([sys.executable, str(SCRIPT), "env"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert exports.returncode == 0
    line = exports.stdout.strip()
    assert line.startswith("export ")
    pairs = dict(item.split("=", 1) for item in line[len("export "):].split())
    assert pairs == {**s3_server.env(), **elasticsearch_server.env(), **redis_server.env()}
