"""The container image is built here, by deploy/image/build.py (mmdebstrap from the locks; no Docker engine), and
run here: two builds give the same digest; it runs as uid 10001 without setuid programs; and its root file system,
chrooted in its own mount and pid namespaces as that user, answers `archive --help`, reads Vietnamese with
Tesseract, ingests and finds a PDF, serves /healthz, and cannot write outside /data.
Without mmdebstrap (scripts/install-system.sh installs it) or root these tests skip; with CI=true they fail."""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS
from tests.deploy.images import (
    ROOT, UID, in_image, layer_differences, layout, ok, project_version, require_builder, sha256_file,
)
from tests.servers import stop_process_group, wait_until_healthy

BUILDER = ROOT / "deploy" / "image" / "build.py"
PDF = "011-google-doc-document_google-doc-document.pdf"  # a text PDF: "Beautiful is better than ugly."


def _build(out: Path, source: Path, revision: str) -> dict:
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(BUILDER), "--out", str(out), "--source", str(source),
                             "--revision", revision], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"build.py failed:\n{result.stdout[-2000:]}\n{result.stderr[-6000:]}"
    archive = out / f"equipment-archive-{project_version()}.oci.tar"
    name, digest = result.stdout.split()
    return {"archive": archive, "digest": digest, "name": name, "seconds": time.monotonic() - started,
            "log": result.stderr}


@pytest.fixture(scope="session")
def source_snapshot(tmp_path_factory) -> tuple[Path, str]:
    """The project as it is now, for every build of this session (someone may be editing the working tree)."""
    snapshot = tmp_path_factory.mktemp("image-source")
    shutil.copyfile(ROOT / "pyproject.toml", snapshot / "pyproject.toml")
    for package in ("archive", "common", "ingest", "search", "storage"):
        shutil.copytree(ROOT / package, snapshot / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "target", ".pytest_cache"))
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    return snapshot, head or "unknown"


@pytest.fixture(scope="session")
def image(tmp_path_factory, source_snapshot) -> dict:
    require_builder()
    built = _build(tmp_path_factory.mktemp("image-1"), *source_snapshot)
    built.update(layout(built["archive"]))
    print(f"\nimage build 1: {built['seconds']:.0f} s, {built['archive'].stat().st_size / 1e6:.0f} MB, {built['digest']}")
    return built


@pytest.fixture(scope="session")
def rootfs(image, tmp_path_factory) -> Path:
    """The image's one layer, unpacked as root keeps it (owners, modes)."""
    root = tmp_path_factory.mktemp("image-rootfs")
    blob = "blobs/sha256/" + image["layer_digest"].split(":", 1)[1]
    unpacked = subprocess.run(f"tar -xOf {image['archive']} {blob} | tar -xz --numeric-owner --same-permissions -C {root}",
                              shell=True, capture_output=True)
    assert unpacked.returncode == 0, unpacked.stderr.decode()
    root.chmod(0o755)
    return root


def test_two_builds_give_the_same_image(image, source_snapshot, tmp_path_factory) -> None:
    second = _build(tmp_path_factory.mktemp("image-2"), *source_snapshot)
    print(f"\nimage build 2: {second['seconds']:.0f} s, {second['digest']}")
    again = layout(second["archive"])
    if again["layer_digest"] != image["layer_digest"]:
        pytest.fail("the layers differ:\n" + "\n".join(layer_differences(image["archive"], second["archive"])[:40]))
    assert second["digest"] == image["digest"] == again["manifest_digest"] == image["manifest_digest"]
    assert again["config"] == image["config"]
    assert sha256_file(second["archive"]) == sha256_file(image["archive"])  # the whole file, byte for byte


def test_the_image_is_loadable_by_docker_and_podman_and_runs_as_uid_10001(image) -> None:
    assert {"oci-layout", "index.json", "manifest.json"} <= image["names"]
    assert image["layout"] == {"imageLayoutVersion": "1.0.0"}
    version = project_version()
    assert image["docker"][0]["RepoTags"] == [f"equipment-archive:{version}"]
    assert image["docker"][0]["Config"] == "blobs/sha256/" + image["manifest"]["config"]["digest"].split(":")[1]
    assert image["index"]["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == version
    config = image["config"]["config"]
    assert config["User"] == f"{UID}:{UID}"
    assert config["Cmd"] == ["archive", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert "8000/tcp" in config["ExposedPorts"] and "/data" in config["Volumes"]
    assert config["Healthcheck"]["Test"][0] == "CMD" and "/healthz" in config["Healthcheck"]["Test"][-1]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["ARCHIVE_DATA_DIR"] == "/data" and env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].startswith("/opt/archive/bin:")
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == version and labels["org.opencontainers.image.revision"]
    assert labels["org.opencontainers.image.title"] == "equipment-archive"
    epoch = int(subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True,
                               text=True).stdout.strip())
    assert image["config"]["created"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def test_the_root_file_system_gives_the_app_user_nothing_to_escalate_or_overwrite(image, rootfs) -> None:
    passwd = {line.split(":")[0]: line.split(":") for line in (rootfs / "etc" / "passwd").read_text().splitlines()}
    assert passwd["archive"][2:4] == [str(UID), str(UID)] and passwd["archive"][5] == "/data"
    with tarfile.open(image["archive"]) as outer:
        layer = outer.extractfile("blobs/sha256/" + image["layer_digest"].split(":", 1)[1])
        with tarfile.open(fileobj=layer, mode="r|gz") as tar:
            members = [(m.name, m.mode, m.uid, m.gid, m.type, m.mtime) for m in tar]
    epoch = calendar.timegm(time.strptime(image["config"]["created"], "%Y-%m-%dT%H:%M:%SZ"))
    # (setgid directories such as /var/mail only pass their group on to new files: no privilege)
    setuid = [name for name, mode, _, _, kind, _ in members if kind != tarfile.DIRTYPE and mode & 0o6000]
    assert setuid == [], f"setuid/setgid files in the image: {setuid}"
    owned = sorted(name for name, _, uid, gid, *_ in members if uid == UID or gid == UID)
    assert owned == ["data"], f"files the app user owns outside /data: {owned[:20]}"
    world_writable = [name for name, mode, _, _, kind, _ in members
                      if kind != tarfile.SYMTYPE and mode & 0o002 and not mode & 0o1000]
    assert world_writable == [], world_writable
    assert max(mtime for *_, mtime in members) <= epoch
    names = {name for name, *_ in members}
    assert "opt/archive/bin/archive" in names and "usr/bin/tesseract" in names
    for leftover in ("usr/bin/g++", "usr/bin/gcc", "usr/include/tesseract/baseapi.h", "var/log/dpkg.log",
                     "var/log/apt/history.log", "var/cache/ldconfig/aux-cache", "root/.cache"):
        assert leftover not in names, f"{leftover} is left in the image"
    # apt's lists and downloaded .debs are gone (the empty lock file and partial/ directory apt keeps are not data)
    cached = [n for n in names if n.startswith(("var/lib/apt/lists/", "var/cache/apt/"))
              and n.rsplit("/", 1)[-1] not in ("lock", "partial", "archives")]
    assert cached == [], cached


def test_the_image_runs_the_archive_ocr_ingest_search_and_serve(image, rootfs, data_dir) -> None:
    config = image["config"]["config"]
    assert "Commands" in ok(in_image(rootfs, data_dir, config, ["archive", "--help"]))
    assert ok(in_image(rootfs, data_dir, config, ["id", "-u"])).strip() == str(UID)
    langs = ok(in_image(rootfs, data_dir, config, ["tesseract", "--list-langs"])).split()
    assert {"vie", "eng"} <= set(langs)

    source = CORPUS / PDF
    if not source.is_file():
        pytest.fail(f"the shared corpus is missing {source}")
    shutil.copyfile(source, data_dir / PDF)
    os.chown(data_dir / PDF, UID, UID)
    ingest = in_image(rootfs, data_dir, config, ["archive", "ingest", f"/data/{PDF}"])
    ok(ingest)
    assert "ingested 1, duplicate 0, failed 0" in ingest.stdout + ingest.stderr, ingest.stdout + ingest.stderr
    found = json.loads(ok(in_image(rootfs, data_dir, config, ["archive", "search", "beautiful", "--json"])))
    assert found["total"] == 1 and "<mark>Beautiful</mark> is better than ugly" in found["hits"][0]["highlights"][0]
    nothing = json.loads(ok(in_image(rootfs, data_dir, config, ["archive", "search", "zebrafoo", "--json"])))
    assert nothing["total"] == 0

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = in_image(rootfs, data_dir, config, ["archive", "serve", "--host", "127.0.0.1", "--port", str(port)],
                       extra_env={"ARCHIVE_AUTH": "off"}, popen=True)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/healthz", 120,
                           lambda: None if server.poll() is None else server.stdout.read().decode()[-3000:])
        # The image's own healthcheck command, as the engine would run it.
        check = config["Healthcheck"]["Test"][1:]
        probe_cmd = [part.replace("8000", str(port)) for part in check]
        ok(in_image(rootfs, data_dir, config, probe_cmd))
    finally:
        stop_process_group(server)


def test_a_container_engine_loads_the_image_and_runs_it_as_uid_10001(image, podman, tmp_path: Path) -> None:
    """What `docker load` and `docker run` would do, by a real engine: the tar loads under its tag, the command
    runs as 10001, ingests and finds a PDF in the /data volume, and `archive serve` answers on a published port."""
    loaded = podman("load", "--input", str(image["archive"]))
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    tag = f"equipment-archive:{project_version()}"
    assert f"Loaded image: docker.io/library/{tag}" in loaded.stdout + loaded.stderr, loaded.stdout + loaded.stderr
    inspected = json.loads(podman("image", "inspect", tag).stdout)[0]
    assert inspected["Config"]["User"] == f"{UID}:{UID}"
    assert inspected["Config"]["Cmd"] == image["config"]["config"]["Cmd"]

    data = tmp_path / "volume"
    data.mkdir()
    os.chown(data, UID, UID)
    shutil.copyfile(CORPUS / PDF, tmp_path / PDF)
    run = ["run", "--rm", *podman.run_options, "--volume", f"{data}:/data",
           "--volume", f"{tmp_path / PDF}:/in/{PDF}:ro"]
    whoami = podman(*run, "--network", "none", tag, "id", "-u")
    assert whoami.returncode == 0 and whoami.stdout.strip() == str(UID), whoami.stderr[-3000:]
    ingest = podman(*run, "--network", "none", tag, "archive", "ingest", f"/in/{PDF}")
    assert "ingested 1, duplicate 0, failed 0" in ingest.stdout + ingest.stderr, ingest.stderr[-3000:]
    found = podman(*run, "--network", "none", tag, "archive", "search", "beautiful", "--json")
    assert found.returncode == 0, found.stderr[-3000:]
    assert json.loads(found.stdout)["total"] == 1
    owners = {(path.stat().st_uid, path.stat().st_gid) for path in data.rglob("*")}
    assert owners == {(UID, UID)}  # what the container wrote is the app user's, not root's

    added = podman(*run, "--interactive", "--network", "none", tag, "archive", "users", "add", "officer",
                   "--role", "records_officer", "--clearance", "top_secret", "--password-stdin",
                   input="a-long-enough-password-2026\n")
    assert added.returncode == 0, added.stderr[-3000:]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = podman("run", "--detach", "--name", "archive-under-test", *podman.run_options,
                     "--volume", f"{data}:/data", "--publish", f"127.0.0.1:{port}:8000", tag)  # its command: serve
    assert started.returncode == 0, started.stderr[-3000:]
    wait_until_healthy(f"http://127.0.0.1:{port}/healthz", 120,
                       detail=lambda: podman("logs", "archive-under-test").stderr[-3000:])
    refused = httpx.get(f"http://127.0.0.1:{port}/api/v1/search", params={"q": "beautiful"}, timeout=10)
    assert refused.status_code == 401  # users exist: nothing without signing in
    stopped = podman("stop", "--time", "20", "archive-under-test")
    assert stopped.returncode == 0, stopped.stderr[-3000:]


def test_the_app_user_cannot_write_outside_data(image, rootfs, data_dir) -> None:
    config = image["config"]["config"]
    script = r"""
for target in /opt/archive/lib/python3.11/site-packages/archive/x /opt/archive/bin/x /usr/bin/x /etc/x /x \
              /usr/share/tesseract-ocr/x /var/lib/dpkg/x; do
  if (: > "$target") 2>/dev/null; then echo "WROTE $target"; fi
done
if (: > /data/probe) 2>/dev/null; then echo "data ok"; fi
"""
    out = ok(in_image(rootfs, data_dir, config, ["sh", "-c", script]))
    assert "WROTE" not in out, out
    assert "data ok" in out
    assert (data_dir / "probe").stat().st_uid == UID


def _builder():
    import importlib.util

    spec = importlib.util.spec_from_file_location("image_build", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_locked_package_the_mirror_replaced_is_built_from_the_cache_or_refused(tmp_path: Path) -> None:
    build = _builder()
    deb = b"a .deb's bytes"
    digest = hashlib.sha256(deb).hexdigest()
    entry = {"package": "adduser", "version": "3.134", "arch": "all", "archive": "debian", "sha256": digest,
             "filename": "pool/main/a/adduser/adduser_3.134_all.deb"}
    stanza = f"Package: adduser\nVersion: 3.134\nSHA256: {digest}\nFilename: {entry['filename']}"
    on_mirror = {"debian:bookworm": {("adduser", "3.134", "all"): stanza}}
    assert build.check_lock_against_mirror([entry], on_mirror, tmp_path) == {"adduser": stanza}
    moved_on = {"debian:bookworm": {("adduser", "3.135", "all"): stanza.replace("3.134", "3.135")}}
    with pytest.raises(build.BuildError, match="adduser 3.134 .the mirror has: 3.135"):
        build.check_lock_against_mirror([entry], moved_on, tmp_path)  # its stanza was kept, not its .deb
    (tmp_path / "debs").mkdir()
    (tmp_path / "debs" / "adduser_3.134_all.deb").write_bytes(b"other bytes")
    with pytest.raises(build.BuildError, match="no longer has these locked packages"):
        build.check_lock_against_mirror([entry], moved_on, tmp_path)  # a cached file with other bytes is no copy
    (tmp_path / "debs" / "adduser_3.134_all.deb").write_bytes(deb)
    assert build.check_lock_against_mirror([entry], moved_on, tmp_path) == {"adduser": stanza}
    altered = {"debian:bookworm": {("adduser", "3.134", "all"): stanza.replace(digest, "0" * 64)}}
    with pytest.raises(build.BuildError, match="refusing to build"):
        build.check_lock_against_mirror([entry], altered, tmp_path)
