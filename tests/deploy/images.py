"""What the image tests share: building and checking an OCI tar (deploy/image/build.py, deploy/s3/build.py),
and running a root file system the way a container engine would, without one."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"
UID = 10001  # both images' user and group


def require_builder() -> None:
    missing = [tool for tool in ("mmdebstrap", "gpgv", "unshare", "chroot") if shutil.which(tool) is None]
    reason = (f"{', '.join(missing)} not installed (scripts/install-system.sh installs mmdebstrap)" if missing
              else "the image build needs root (mmdebstrap's root mode, chroot)" if os.geteuid() != 0 else None)
    if reason:
        if IN_CI:
            pytest.fail(f"the image cannot be built: {reason}", pytrace=False)
        pytest.skip(reason)


def project_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def blob(archive: tarfile.TarFile, digest: str) -> bytes:
    return archive.extractfile("blobs/sha256/" + digest.split(":", 1)[1]).read()


def layout(path: Path) -> dict:
    """The OCI layout's index, manifest and config, each checked against the digest that names it."""
    with tarfile.open(path) as archive:
        names = set(archive.getnames())
        index = json.loads(archive.extractfile("index.json").read())
        docker = json.loads(archive.extractfile("manifest.json").read())
        layout = json.loads(archive.extractfile("oci-layout").read())
        descriptor = index["manifests"][0]
        manifest_bytes = blob(archive, descriptor["digest"])
        assert "sha256:" + hashlib.sha256(manifest_bytes).hexdigest() == descriptor["digest"]
        manifest = json.loads(manifest_bytes)
        config_bytes = blob(archive, manifest["config"]["digest"])
        assert "sha256:" + hashlib.sha256(config_bytes).hexdigest() == manifest["config"]["digest"]
        layer = manifest["layers"][0]
        layer_bytes = blob(archive, layer["digest"])
        assert "sha256:" + hashlib.sha256(layer_bytes).hexdigest() == layer["digest"]
        assert len(layer_bytes) == layer["size"]
    return {"names": names, "index": index, "docker": docker, "layout": layout, "manifest": manifest,
            "manifest_digest": descriptor["digest"], "config": json.loads(config_bytes), "layer_digest": layer["digest"]}


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def layer_differences(first: Path, second: Path) -> list[str]:
    def members(path: Path) -> dict[str, tuple]:
        found = {}
        with tarfile.open(path) as outer:
            manifest = json.loads(outer.extractfile("manifest.json").read())
            with tarfile.open(fileobj=outer.extractfile(manifest[0]["Layers"][0]), mode="r|gz") as layer:
                for member in layer:
                    content = layer.extractfile(member).read() if member.isreg() else b""
                    found[member.name] = (member.mode, member.uid, member.mtime, member.linkname,
                                          hashlib.sha256(content).hexdigest())
        return found

    a, b = members(first), members(second)
    return [f"{name}: {a.get(name)} != {b.get(name)}" for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]


# -- the image runs ---------------------------------------------------------------------------------

def in_image(rootfs: Path, data: Path, config: dict, argv: list[str], *, extra_env: dict | None = None,
              popen: bool = False, timeout: int = 900):
    """argv in the image: own mount and pid namespaces, /proc, minimal /dev, /data bound from `data`, chrooted
    as the image's User with its Env and WorkingDir (what a container engine does, minus the network)."""
    env = [*config["Env"], *(f"{k}={v}" for k, v in (extra_env or {}).items())]
    script = r"""
set -eu
root="$1"; data="$2"; shift 2
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
for node in null zero full random urandom; do touch "$root/dev/$node"; mount --bind "/dev/$node" "$root/dev/$node"; done
mkdir -m 1777 "$root/dev/shm"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount --bind "$data" "$root/data"
exec chroot --userspec={uid}:{uid} --groups={uid} "$root" "$@"
""".replace("{uid}", str(UID))
    command = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
               "sh", "-c", script, "sh", str(rootfs), str(data),
               "/usr/bin/env", "-i", "-C", config["WorkingDir"], *env, *argv]
    if popen:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    return result.stdout
