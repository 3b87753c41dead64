"""The compose deployment's S3 server (deploy/s3) is the server the tests run: SeaweedFS at the module version
scripts/services builds, built the same way; and its entrypoint, run here on the tests' own `weed` (no Docker
engine on the test machines), serves the archive's store with the keys it is given and nothing else."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from minio import Minio
from minio.error import S3Error

from storage.s3 import S3ObjectStore
from tests.servers import SCRIPT, services, stop_process_group

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "s3" / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "s3" / "entrypoint.sh"
COMPOSE = ROOT / "docker-compose.yml"
ACCESS, SECRET = "archive-s3-user", "a-secret/with+signs-0123456789"


def test_the_image_builds_the_seaweedfs_version_the_tests_run_the_same_way() -> None:
    dockerfile = DOCKERFILE.read_text()
    assert f"ARG SEAWEEDFS_VERSION={services.SEAWEEDFS_VERSION}\n" in dockerfile
    assert f"SEAWEEDFS_VERSION: {services.SEAWEEDFS_VERSION}" in COMPOSE.read_text()
    assert 'go mod download -json "github.com/seaweedfs/seaweedfs@${SEAWEEDFS_VERSION}"' in dockerfile
    assert services.SEAWEEDFS_MODULE == "github.com/seaweedfs/seaweedfs"
    assert "go build -o /out/weed ./weed" in dockerfile and "CGO_ENABLED=0" in dockerfile
    script = SCRIPT.read_text()  # how the tests' server is built
    assert '[go, "build", "-o", weed + ".tmp", "./weed"]' in script and 'CGO_ENABLED="0"' in script
    # the image's Go can build the module with GOTOOLCHAIN=local: at least the go.mod's version
    go_image = re.search(r"ARG GO_IMAGE=golang:(\d+)\.(\d+)\.(\d+)-", dockerfile)
    assert go_image and tuple(map(int, go_image.groups())) >= (1, 26, 6)
    assert "\nUSER weed\n" in dockerfile  # not root


def _ports_free(port: int) -> bool:
    wanted = [port, port + 10000] + [port + offset for offset in (1000, 1001, 1002, 11000, 11001, 11002)]
    for candidate in wanted:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", candidate)) == 0:
                return False
    return True


@pytest.fixture
def compose_s3(tmp_path: Path):
    weed = services.ensure_seaweedfs()
    port = next(p for p in range(8633, 8733, 4) if _ports_free(p))  # clear of tests/servers.py's S3 range
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": f"{Path(weed).parent}:/usr/bin:/bin", "HOME": str(home), "S3_ACCESS_KEY": ACCESS,
           "S3_SECRET_KEY": SECRET, "S3_DATA_DIR": str(tmp_path / "data"), "S3_PORT": str(port), "S3_BIND": "127.0.0.1"}
    log = (tmp_path / "s3.log").open("wb")
    process = subprocess.Popen(["bash", str(ENTRYPOINT)], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "s3.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the compose S3 server did not answer /healthz in 90 s"
            time.sleep(0.5)
        yield port, home, tmp_path / "data"
    finally:
        stop_process_group(process)
        log.close()


def test_the_compose_s3_server_serves_the_archive_store_with_its_keys_only(compose_s3) -> None:
    port, home, data = compose_s3
    endpoint = f"127.0.0.1:{port}"
    client = Minio(endpoint, access_key=ACCESS, secret_key=SECRET, secure=False)
    assert client.list_buckets() == []  # no bucket appears by itself

    store = S3ObjectStore(endpoint, ACCESS, SECRET, "archive")  # makes its bucket and turns versioning on
    store.put("originals/ab/abc", b"ban goc")
    assert store.get("originals/ab/abc") == b"ban goc"
    assert store.versioning == "Enabled"

    with pytest.raises(S3Error):
        Minio(endpoint, access_key=ACCESS, secret_key="not-the-secret", secure=False).list_buckets()
    identities = home / "s3-identities.json"
    assert identities.stat().st_mode & 0o077 == 0  # readable by the server's user only
    assert not any(SECRET in path.read_text(errors="ignore") for path in data.rglob("*.json"))  # not in the volume


def test_the_entrypoint_refuses_keys_it_cannot_write_safely(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "S3_ACCESS_KEY": 'bad"key', "S3_SECRET_KEY": "x" * 12,
           "S3_DATA_DIR": str(tmp_path / "data")}
    refused = subprocess.run(["bash", str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "may not hold" in refused.stderr
    missing = subprocess.run(["bash", str(ENTRYPOINT)], env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode != 0 and "S3_ACCESS_KEY" in missing.stderr
