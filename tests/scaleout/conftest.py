"""The archive on the scale-out engines: S3 (SeaweedFS) for storage, Elasticsearch for search.

Each test gets its own bucket and its own index alias on the session's servers.
"""

from __future__ import annotations

import uuid

import pytest

from archive.bootstrap import build_services
from archive.config import Settings


@pytest.fixture
def scaleout_settings(tmp_path, s3_server, elasticsearch_server) -> Settings:
    name = f"t-{uuid.uuid4().hex[:12]}"
    env = {**s3_server.env(), **elasticsearch_server.env()}
    return Settings(
        data_dir=tmp_path / "data",
        auth="off",  # behaviour on these engines; people and clearance: tests/api/test_leaks.py
        storage="s3",
        index="elasticsearch",
        s3_endpoint=env["ARCHIVE_S3_ENDPOINT"],
        s3_access_key=env["ARCHIVE_S3_ACCESS_KEY"],
        s3_secret_key=env["ARCHIVE_S3_SECRET_KEY"],
        s3_bucket=name,
        es_url=env["ARCHIVE_ES_URL"],
        es_index=name,
    )


@pytest.fixture
def scaleout_service(scaleout_settings):
    service = build_services(scaleout_settings)
    yield service
    service.close()


@pytest.fixture
def scaleout_env(scaleout_settings) -> dict[str, str]:
    """The same archive as ARCHIVE_* variables, for the real `archive` command."""
    s = scaleout_settings
    return {
        "ARCHIVE_DATA_DIR": str(s.data_dir), "ARCHIVE_STORAGE": "s3", "ARCHIVE_INDEX": "elasticsearch",
        "ARCHIVE_S3_ENDPOINT": s.s3_endpoint, "ARCHIVE_S3_ACCESS_KEY": s.s3_access_key or "",
        "ARCHIVE_S3_SECRET_KEY": s.s3_secret_key or "", "ARCHIVE_S3_BUCKET": s.s3_bucket,
        "ARCHIVE_S3_SECURE": "false", "ARCHIVE_ES_URL": s.es_url, "ARCHIVE_ES_INDEX": s.es_index,
    }
