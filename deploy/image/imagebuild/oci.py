"""The image as bytes: one layer, a deterministic tar of a root file system (sorted names, numeric owners, mtimes
clamped to SOURCE_DATE_EPOCH, gzip without name or time), and the OCI image layout around it in one tar, with
Docker's manifest.json beside it, so `docker load` and `podman load` both take it."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Callable


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes and counts what passes through it to `target`."""

    def __init__(self, target) -> None:
        self.target, self.digest, self.size = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.size

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


SKIPPED_CONTENTS = {"dev", "proc", "sys", "run", "tmp", "var/tmp"}  # the container engine provides these


def write_layer(rootfs: Path, path: Path, epoch: int) -> tuple[str, str, int]:
    """The root file system as a gzip'd tar: names sorted, numeric owners only, mtimes clamped to
    SOURCE_DATE_EPOCH, no atime/ctime, gzip without name or time. Returns (diff_id, digest, size)."""
    with path.open("wb") as raw:
        compressed_hash = _Hashing(raw)
        with gzip.GzipFile(filename="", mode="wb", fileobj=compressed_hash, compresslevel=6, mtime=0) as gz:
            plain_hash = _Hashing(gz)
            with tarfile.open(fileobj=plain_hash, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8") as tar:
                def add(full: Path, name: str) -> None:
                    info = tar.gettarinfo(str(full), arcname=name)
                    if info is None or not (info.isreg() or info.isdir() or info.issym() or info.islnk()):
                        return  # device nodes and sockets: none belong in an image layer
                    info.mtime = min(int(info.mtime), epoch)
                    info.uname = info.gname = ""
                    info.pax_headers = {}
                    if info.isreg():
                        with full.open("rb") as handle:
                            tar.addfile(info, handle)
                    else:
                        tar.addfile(info)

                def walk(directory: Path, prefix: str) -> None:
                    for entry in sorted(os.listdir(directory)):
                        full, name = directory / entry, prefix + entry
                        add(full, name)
                        if full.is_dir() and not full.is_symlink() and name not in SKIPPED_CONTENTS:
                            walk(full, name + "/")

                walk(rootfs, "")
    return "sha256:" + plain_hash.digest.hexdigest(), "sha256:" + compressed_hash.digest.hexdigest(), compressed_hash.size


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def write_oci_archive(out: Path, layer: Path, layer_digest: str, layer_size: int, config: dict, name: str,
                      version: str, epoch: int) -> str:
    """`out`: the OCI layout of image `name`:`version` in one tar. Returns the manifest's digest."""
    config_bytes = canonical(config)
    config_digest = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest,
                           "size": len(config_bytes)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest,
                            "size": layer_size}]}
    manifest_bytes = canonical(manifest)
    manifest_digest = "sha256:" + hashlib.sha256(manifest_bytes).hexdigest()
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
                            "size": len(manifest_bytes),
                            "annotations": {"io.containerd.image.name": f"docker.io/library/{name}:{version}",
                                            "org.opencontainers.image.ref.name": version}}]}
    blob = lambda digest: "blobs/sha256/" + digest.split(":", 1)[1]
    # Docker's own `docker save` layout: older engines read manifest.json, newer ones and podman index.json.
    docker_manifest = [{"Config": blob(config_digest), "RepoTags": [f"{name}:{version}"],
                        "Layers": [blob(layer_digest)]}]
    members = [("blobs", None), ("blobs/sha256", None), (blob(config_digest), config_bytes),
               (blob(layer_digest), layer), (blob(manifest_digest), manifest_bytes),
               ("index.json", canonical(index)), ("manifest.json", canonical(docker_manifest)),
               ("oci-layout", canonical({"imageLayoutVersion": "1.0.0"}))]
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, "w", format=tarfile.USTAR_FORMAT) as tar:
        for member, content in sorted(members, key=lambda member: member[0]):
            info = tarfile.TarInfo(member)
            info.mtime, info.uid, info.gid, info.uname, info.gname = epoch, 0, 0, "", ""
            if content is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif isinstance(content, Path):
                info.size, info.mode = content.stat().st_size, 0o644
                with content.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                info.size, info.mode = len(content), 0o644
                tar.addfile(info, io.BytesIO(content))
    partial.rename(out)
    return manifest_digest


def pack_image(rootfs: Path, work: Path, out_dir: Path, name: str, version: str, epoch: int,
               config_for: Callable[[str], dict], started: float, log: Callable[[str], None]) -> None:
    """The root file system as one layer, and the image around it (`config_for(diff_id)`) as
    `out_dir/<name>-<version>.oci.tar`; the root file system is removed. Prints `<name>:<version> <digest>`."""
    log("packing the layer")
    layer = work / "layer.tar.gz"
    diff_id, layer_digest, layer_size = write_layer(rootfs, layer, epoch)
    target = out_dir / f"{name}-{version}.oci.tar"
    digest = write_oci_archive(target, layer, layer_digest, layer_size, config_for(diff_id), name, version, epoch)
    rootfs_bytes = int(subprocess.run(["du", "-sb", str(rootfs)], capture_output=True, text=True).stdout.split()[0])
    shutil.rmtree(rootfs)
    log(f"{target} ({target.stat().st_size / 1e6:.0f} MB; root file system {rootfs_bytes / 1e6:.0f} MB; "
        f"layer {layer_digest}) in {time.monotonic() - started:.0f} s")
    print(f"{name}:{version} {digest}")
