"""The compose deployment's S3 server image is built here, by deploy/s3/build.py (no Docker engine), and run here:
two builds give the same digest; it holds the very `weed` the tests run (scripts/services' reproducible build),
deploy/s3/entrypoint.sh and the locked bash and coreutils, nothing setuid and nothing its user can write but /data;
and its root file system, chrooted as uid 10001 in its own mount and pid namespaces as tests/deploy/test_image.py
runs the archive's, serves the archive's store with the keys it is given and nothing else, and passes its own
healthcheck (the compose file's). Without mmdebstrap or root these tests skip; with CI=true they fail."""

from __future__ import annotations

import calendar
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
import yaml
from minio import Minio
from minio.error import S3Error

from storage.s3 import S3ObjectStore
from tests.deploy.images import (
    ROOT, UID, in_image, layer_differences, layout, ok, project_version, require_builder, sha256_file,
)
from tests.servers import services, stop_process_group, wait_until_healthy

BUILDER = ROOT / "deploy" / "s3" / "build.py"
LOCK = ROOT / "deploy" / "s3" / "debian-packages.lock"
ENTRYPOINT = ROOT / "deploy" / "s3" / "entrypoint.sh"
COMPOSE = ROOT / "docker-compose.yml"
ACCESS, SECRET = "archive-s3-user", "a-secret/with+signs-0123456789"


def _build(out: Path, revision: str, epoch: str) -> dict:
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(BUILDER), "--out", str(out), "--revision", revision], timeout=1800,
                            capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": epoch})
    assert result.returncode == 0, f"deploy/s3/build.py failed:\n{result.stdout[-2000:]}\n{result.stderr[-6000:]}"
    name, digest = result.stdout.split()
    return {"archive": out / f"equipment-archive-s3-{project_version()}.oci.tar", "name": name, "digest": digest,
            "seconds": time.monotonic() - started}


@pytest.fixture(scope="session")
def s3_source() -> tuple[str, str]:
    """The revision and date both builds of this session use (a commit made meanwhile would change them)."""
    git = lambda *argv: subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True).stdout.strip()
    return git("rev-parse", "HEAD") or "unknown", git("log", "-1", "--format=%ct")


@pytest.fixture(scope="session")
def s3_image(tmp_path_factory, s3_source) -> dict:
    require_builder()
    built = _build(tmp_path_factory.mktemp("s3-image-1"), *s3_source)
    built.update(layout(built["archive"]))
    size = built["archive"].stat().st_size / 1e6
    print(f"\nS3 image build 1: {built['seconds']:.0f} s, {size:.0f} MB, {built['digest']}")
    return built


@pytest.fixture(scope="session")
def s3_members(s3_image) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(s3_image["archive"]) as outer:
        layer = outer.extractfile("blobs/sha256/" + s3_image["layer_digest"].split(":", 1)[1])
        with tarfile.open(fileobj=layer, mode="r|gz") as tar:
            return {member.name: member for member in tar}


@pytest.fixture(scope="session")
def s3_rootfs(s3_image, tmp_path_factory) -> Path:
    """The image's one layer, unpacked as root keeps it (owners, modes)."""
    root = tmp_path_factory.mktemp("s3-image-rootfs")
    blob = "blobs/sha256/" + s3_image["layer_digest"].split(":", 1)[1]
    unpacked = subprocess.run(f"tar -xOf {s3_image['archive']} {blob} | tar -xz --numeric-owner --same-permissions "
                              f"-C {root}", shell=True, capture_output=True)
    assert unpacked.returncode == 0, unpacked.stderr.decode()
    root.chmod(0o755)
    return root


def test_two_builds_give_the_same_s3_image(s3_image, s3_source, tmp_path_factory) -> None:
    second = _build(tmp_path_factory.mktemp("s3-image-2"), *s3_source)
    print(f"\nS3 image build 2: {second['seconds']:.0f} s, {second['digest']}")
    again = layout(second["archive"])
    if again["layer_digest"] != s3_image["layer_digest"]:
        pytest.fail("the layers differ:\n" + "\n".join(layer_differences(s3_image["archive"], second["archive"])[:40]))
    assert second["digest"] == s3_image["digest"] == again["manifest_digest"]
    assert sha256_file(second["archive"]) == sha256_file(s3_image["archive"])  # the whole file, byte for byte


def test_the_s3_image_runs_its_entrypoint_as_uid_10001_with_the_port_and_the_volume(s3_image) -> None:
    version = project_version()
    assert s3_image["name"] == f"equipment-archive-s3:{version}"
    assert s3_image["docker"][0]["RepoTags"] == [f"equipment-archive-s3:{version}"]
    assert s3_image["index"]["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == version
    config = s3_image["config"]["config"]
    assert config["User"] == f"{UID}:{UID}"
    assert config["Entrypoint"] == ["/usr/local/bin/s3-entrypoint"] and "Cmd" not in config
    assert config["ExposedPorts"] == {"8333/tcp": {}} and config["Volumes"] == {"/data": {}}
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["HOME"] == "/tmp"  # where the entrypoint writes the S3 identities: not in the volume
    labels = config["Labels"]
    assert labels["org.opencontainers.image.title"] == "equipment-archive-s3"
    assert labels["org.opencontainers.image.version"] == version and labels["org.opencontainers.image.revision"]
    assert services.SEAWEEDFS_VERSION in labels["org.opencontainers.image.description"]
    # compose runs the image at the archive's version, never builds it, and checks the health the image's way
    compose = yaml.safe_load(COMPOSE.read_text())["services"]["s3"]
    assert compose["image"] == "equipment-archive-s3:${ARCHIVE_VERSION:-0.1.0}" and "build" not in compose
    assert [part.replace("$$", "$") for part in compose["healthcheck"]["test"]] == config["Healthcheck"]["Test"]
    assert not (ROOT / "deploy" / "s3" / "Dockerfile").exists()


def test_the_s3_image_holds_the_tests_weed_and_nothing_to_escalate_or_overwrite(s3_image, s3_members,
                                                                                s3_rootfs) -> None:
    members = s3_members
    setuid = [name for name, m in members.items() if not m.isdir() and m.mode & 0o6000]
    assert setuid == [], f"setuid/setgid files in the image: {setuid}"
    owned = sorted(name for name, m in members.items() if UID in (m.uid, m.gid))
    assert owned == ["data"], f"files the server's user owns outside /data: {owned[:20]}"
    assert members["data"].mode & 0o777 == 0o750
    writable = [name for name, m in members.items() if not m.issym() and m.mode & 0o002 and not m.mode & 0o1000]
    assert writable == [], writable
    epoch = calendar.timegm(time.strptime(s3_image["config"]["created"], "%Y-%m-%dT%H:%M:%SZ"))
    assert max(m.mtime for m in members.values()) <= epoch

    # the tests' own server, byte for byte, and the entrypoint as written
    weed = Path(services.ensure_seaweedfs())
    assert sha256_file(s3_rootfs / "usr" / "local" / "bin" / "weed") == sha256_file(weed)
    assert (s3_rootfs / "usr" / "local" / "bin" / "s3-entrypoint").read_bytes() == ENTRYPOINT.read_bytes()
    go = shutil.which("go") or "/usr/local/go/bin/go"
    about = subprocess.run([go, "version", "-m", str(weed)], capture_output=True, text=True, timeout=60).stdout
    assert f"{weed}: {services.SEAWEEDFS_GO}\n" in about, about[:500]
    assert "\tbuild\t-trimpath=true\n" in about and "\tbuild\tCGO_ENABLED=0\n" in about, about
    assert f"\tpath\t{services.SEAWEEDFS_MODULE}/weed\n" in about, about[:500]  # built as the main module

    # Debian: exactly the lock's packages, listed where scanners look; no package tool left behind
    locked = {line.split()[0]: line.split()[1] for line in LOCK.read_text().splitlines() if not line.startswith("#")}
    assert {"bash", "coreutils", "libc6"} <= set(locked)
    status = (s3_rootfs / "var" / "lib" / "dpkg" / "status").read_text()
    listed = dict(re.findall(r"^Package: (\S+)\nStatus: install ok installed\n(?:.+\n)*?Version: (\S+)$", status,
                             re.M))
    assert {k: v for k, v in listed.items() if k != "usr-is-merged"} == locked
    for absent in ("usr/bin/dpkg", "usr/bin/apt-get", "usr/bin/perl", "usr/bin/python3", "etc/apt", "usr/bin/su",
                   "usr/bin/curl", "var/cache/apt/archives"):
        assert absent not in members, f"{absent} is in the image"


def _free_s3_port() -> int:
    """A port whose SeaweedFS neighbours (+1000..+1002, +10000..+11002) are free too, clear of tests/servers.py's."""
    def free(port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) != 0
    return next(p for p in range(8633, 8733, 4)
                if all(free(p + offset) for offset in (0, 1000, 1001, 1002, 10000, 11000, 11001, 11002)))


def _server_process(group: int) -> int:
    """The `weed` in the process group the test started (unshare, sh, chroot, env, the entrypoint, then weed)."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.getpgid(int(entry.name)) == group \
                    and (entry / "comm").read_text().strip() == "weed":
                return int(entry.name)
        except (OSError, ProcessLookupError):
            continue
    raise AssertionError("no weed process in the server's group")


def test_the_s3_image_serves_the_archive_store_with_its_keys_only(s3_image, s3_rootfs, data_dir) -> None:
    config = s3_image["config"]["config"]
    port = _free_s3_port()
    server = in_image(s3_rootfs, data_dir, config, config["Entrypoint"], popen=True,
                       extra_env={"S3_ACCESS_KEY": ACCESS, "S3_SECRET_KEY": SECRET, "S3_PORT": str(port),
                                  "S3_BIND": "127.0.0.1"})
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/healthz", 90,
                           lambda: None if server.poll() is None else server.stdout.read().decode()[-3000:])
        weed = _server_process(server.pid)
        uids = re.search(r"^Uid:\s+(.*)$", Path(f"/proc/{weed}/status").read_text(), re.M).group(1).split()
        assert set(uids) == {str(UID)}  # real, effective, saved and file-system uid alike

        endpoint = f"127.0.0.1:{port}"
        client = Minio(endpoint, access_key=ACCESS, secret_key=SECRET, secure=False)
        assert client.list_buckets() == []  # no bucket appears by itself
        store = S3ObjectStore(endpoint, ACCESS, SECRET, "archive")  # makes its bucket and turns versioning on
        store.put("originals/ab/abc", "bản gốc".encode())
        assert store.get("originals/ab/abc") == "bản gốc".encode()
        assert store.versioning == "Enabled"
        with pytest.raises(S3Error):
            Minio(endpoint, access_key=ACCESS, secret_key="not-the-secret", secure=False).list_buckets()
        with pytest.raises(S3Error):
            Minio(endpoint, access_key="somebody-else", secret_key=SECRET, secure=False).list_buckets()

        # the keys: in the server's /tmp (HOME), readable by its user only, and nowhere in the volume
        identities = Path(f"/proc/{weed}/root/tmp/s3-identities.json")
        assert identities.stat().st_uid == UID and identities.stat().st_mode & 0o077 == 0
        assert not any(SECRET in path.read_text(errors="ignore") for path in data_dir.rglob("*") if path.is_file())
        assert {(path.stat().st_uid, path.stat().st_gid) for path in data_dir.rglob("*")} == {(UID, UID)}

        # the image's healthcheck (and so the compose file's), run in the image as the engine would
        check = [part.replace("8333", str(port)) for part in config["Healthcheck"]["Test"][1:]]
        ok(in_image(s3_rootfs, data_dir, config, check, timeout=30))
    finally:
        stop_process_group(server)
    down = in_image(s3_rootfs, data_dir, config, check, timeout=30)
    assert down.returncode != 0  # and it fails when the server is down


def test_a_container_engine_loads_the_s3_image_and_serves_the_store_from_it(s3_image, podman, data_dir) -> None:
    """Loaded and run by a real engine as compose would run it: its own entrypoint and healthcheck, the keys from
    the environment, S3 on a published port, the objects in the /data volume."""
    loaded = podman("load", "--input", str(s3_image["archive"]))
    tag = f"equipment-archive-s3:{project_version()}"
    assert f"Loaded image: docker.io/library/{tag}" in loaded.stdout + loaded.stderr, loaded.stderr[-3000:]
    port = _free_s3_port()
    started = podman("run", "--detach", "--name", "s3-under-test", *podman.run_options,
                     "--env", f"S3_ACCESS_KEY={ACCESS}", "--env", f"S3_SECRET_KEY={SECRET}",
                     "--volume", f"{data_dir}:/data", "--publish", f"127.0.0.1:{port}:8333", tag)
    assert started.returncode == 0, started.stderr[-3000:]
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/healthz", 90,
                           detail=lambda: podman("logs", "s3-under-test").stderr[-3000:])
        store = S3ObjectStore(f"127.0.0.1:{port}", ACCESS, SECRET, "archive")
        store.put("originals/ab/abc", "bản gốc".encode())
        assert store.get("originals/ab/abc") == "bản gốc".encode() and store.versioning == "Enabled"
        with pytest.raises(S3Error):
            Minio(f"127.0.0.1:{port}", access_key=ACCESS, secret_key="not-the-secret", secure=False).list_buckets()
        # the image's healthcheck command, run inside the container (Podman keeps a healthcheck for Docker's image
        # format only; Docker runs it from this config)
        health = podman("exec", "s3-under-test", *s3_image["config"]["config"]["Healthcheck"]["Test"][1:])
        assert health.returncode == 0, health.stdout + health.stderr
        assert {(path.stat().st_uid, path.stat().st_gid) for path in data_dir.rglob("*")} == {(UID, UID)}
    finally:
        podman("stop", "--time", "10", "s3-under-test", timeout=120)


def test_the_s3_image_refuses_keys_it_cannot_write_safely(s3_image, s3_rootfs, data_dir) -> None:
    config = s3_image["config"]["config"]
    refused = in_image(s3_rootfs, data_dir, config, config["Entrypoint"], timeout=30,
                        extra_env={"S3_ACCESS_KEY": 'bad"key', "S3_SECRET_KEY": "x" * 24})
    assert refused.returncode == 2 and "may not hold" in refused.stderr, refused.stderr
    missing = in_image(s3_rootfs, data_dir, config, config["Entrypoint"], timeout=30)
    assert missing.returncode != 0 and "S3_ACCESS_KEY" in missing.stderr, missing.stderr


def test_the_s3_server_user_cannot_write_outside_data(s3_image, s3_rootfs, data_dir) -> None:
    config = s3_image["config"]["config"]
    script = r"""
for target in /usr/local/bin/weed /usr/local/bin/x /usr/bin/x /etc/x /etc/passwd /x /var/lib/dpkg/x /root/x; do
  if (: > "$target") 2>/dev/null; then echo "WROTE $target"; fi
done
if (: > /data/probe) 2>/dev/null; then echo "data ok"; fi
id -u
"""
    out = ok(in_image(s3_rootfs, data_dir, config, ["bash", "-c", script], timeout=30))
    assert "WROTE" not in out, out
    assert "data ok" in out and out.split()[-1] == str(UID)
    assert (data_dir / "probe").stat().st_uid == UID
