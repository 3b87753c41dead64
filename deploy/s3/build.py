#!/usr/bin/env python3
"""Builds the compose deployment's S3 server image (SeaweedFS) without Docker.

    sudo .venv/bin/python deploy/s3/build.py                 # -> dist/equipment-archive-s3-<version>.oci.tar
    sudo .venv/bin/python deploy/s3/build.py --refresh-lock  # after Debian moved on: deploy/s3/debian-packages.lock

The server is the one the tests run: `weed` as scripts/services builds it (SeaweedFS at SEAWEEDFS_VERSION with the
Go SEAWEEDFS_GO, CGO off, reproducible flags; the same cached binary), started by deploy/s3/entrypoint.sh. Around
them only what that script and the healthcheck run: bash and coreutils, unpacked by mmdebstrap (bookworm, extract
variant: no maintainer scripts, no dpkg or apt in the image) from exactly the .debs debian-packages.lock names, each
checked against the mirror's signed index. It runs as uid 10001 `weed`, which can write /data (and /tmp) only.
The layer and the OCI archive are made as deploy/image/build.py makes the archive's (deploy/image/imagebuild):
two builds from the same inputs and SOURCE_DATE_EPOCH give the same digest. Runs as root; needs mmdebstrap, gpgv,
the Debian archive keyring, and Go (1.21+) the first time, to build `weed`.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "image"))  # the machinery the archive's image builder uses

from imagebuild import common, debian, oci  # noqa: E402
from imagebuild.common import BuildError, log, run  # noqa: E402

HERE = Path(__file__).resolve().parent
LOCK = HERE / "debian-packages.lock"
ENTRYPOINT = HERE / "entrypoint.sh"
SERVICES = ROOT / "scripts" / "services"
IMAGE_NAME = "equipment-archive-s3"
UID = GID = 10001
PORT = 8333
# entrypoint.sh is a bash script (and mkdir is coreutils'); the healthcheck is bash alone (/dev/tcp, no client).
PACKAGES = ["bash", "coreutils"]
# glibc's charset converters: nothing here converts charsets (weed is a static Go binary; bash reads UTF-8 itself).
EXCLUDES = [*debian.DPKG_EXCLUDES, "--dpkgopt=path-exclude=/usr/lib/x86_64-linux-gnu/gconv/*"]
HEALTHCHECK = ["CMD", "bash", "-c",
               'exec 3<>/dev/tcp/127.0.0.1/8333 && printf "GET /healthz HTTP/1.0\\r\\n\\r\\n" >&3 '
               '&& read -r status <&3 && [[ $status == "HTTP/1."?" 200 "* ]]']
REFRESH_HINT = ("refresh the lock with `.venv/bin/python deploy/s3/build.py --refresh-lock` (as root), "
                "review the version changes in `git diff deploy/s3/debian-packages.lock`, and commit it")
# The image has neither apt nor dpkg: their configuration (which names the build's own repository) goes; dpkg's
# status stays, for scanners.
REMOVED = ["etc/apt", "var/cache/apt", "var/lib/apt", "var/log/apt", "etc/dpkg/dpkg.cfg.d/99mmdebstrap",
           "var/lib/dpkg/status-old"]
# What the engine provides at run time, fixed so that no build host's own leaks into the image; and the two users.
FIXED_FILES = {"etc/hostname": "s3\n", "etc/resolv.conf": "",
               "etc/hosts": "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
               # HOME is /tmp: the entrypoint writes the S3 identities there, outside the volume
               "etc/passwd": f"root:x:0:0:root:/root:/bin/bash\nweed:x:{UID}:{GID}:SeaweedFS:/tmp:/usr/bin/false\n",
               "etc/group": f"root:x:0:\nweed:x:{GID}:\n"}


def load_services():
    """scripts/services as a module (no .py suffix): the very code that builds the tests' SeaweedFS."""
    loader = importlib.machinery.SourceFileLoader("archive_services_script", str(SERVICES))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def build_weed(services) -> Path:
    try:
        return Path(services.ensure_seaweedfs())
    except services.ServiceError as exc:
        raise BuildError(f"building SeaweedFS {services.SEAWEEDFS_VERSION} failed: {exc}\n{exc.log_tail}") from exc


# -- the root file system --------------------------------------------------------------------------

def extract(work: Path, epoch: int, sources: list[str], keyring: bool) -> tuple[Path, list[Path]]:
    """mmdebstrap's extract variant: PACKAGES and their dependencies unpacked, nothing configured. Returns the
    root file system and the .debs it was unpacked from (copied out by the extract hook)."""
    debs = work / "out" / "debs"
    debs.mkdir(parents=True)
    rootfs = work / "rootfs"
    argv = ["unshare", "--mount", "--propagation", "private", "--",  # every mount ends with the build
            "mmdebstrap", "--mode=root", "--variant=extract", "--format=directory", "--architectures=" + debian.ARCH,
            "--aptopt=APT::Install-Recommends \"false\"", "--aptopt=Acquire::Languages \"none\"", *EXCLUDES,
            "--include=" + ",".join(PACKAGES),
            # merged /usr as bookworm has it
            "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
            "--extract-hook=for deb in $MMDEBSTRAP_ESSENTIAL; do cp \"$1$deb\" " + shlex.quote(str(debs)) + "/; done"]
    if keyring:
        argv.append(f"--keyring={debian.KEYRING}")
    argv += [debian.SUITE, str(rootfs), *sources]
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SOURCE_DATE_EPOCH": str(epoch),
           "LC_ALL": "C.UTF-8", "HOME": "/root", "TMPDIR": "/tmp"}
    log(f"mmdebstrap {debian.SUITE} (extract: {', '.join(PACKAGES)})")
    run(argv, env=env, stdout=subprocess.DEVNULL)
    return rootfs, sorted(debs.glob("*.deb"))


def control_fields(control: str) -> tuple[str, str, str]:
    fields = dict(re.findall(r"^(Package|Version|Architecture): (\S+)$", control, re.M))
    return fields["Package"], fields["Version"], fields["Architecture"]


def write_dpkg_status(rootfs: Path, controls: list[str]) -> None:
    """What is in the image, where scanners (Trivy, Grype) look for it: each package's control file, marked
    installed (its files are all there; its maintainer scripts had nothing to do in a container)."""
    status = rootfs / "var" / "lib" / "dpkg" / "status"
    stanzas = [s for s in status.read_text().split("\n\n") if s.strip()] if status.is_file() else []
    for control in controls:
        stanzas.append(re.sub(r"^(Package: .*)$", r"\1\nStatus: install ok installed", control.strip("\n"),
                              count=1, flags=re.M))
    stanzas.sort(key=lambda stanza: control_fields(stanza)[0])
    status.write_text("".join(stanza.strip("\n") + "\n\n" for stanza in stanzas))


def tidy(rootfs: Path) -> None:
    for name in REMOVED:
        target = rootfs / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for name, text in FIXED_FILES.items():
        (rootfs / name).write_text(text)
        (rootfs / name).chmod(0o644)


def install_server(rootfs: Path, weed: Path) -> None:
    """weed and the entrypoint, root's and read-only to the server; /data, the server user's and the only place
    in the image it may write (an empty named volume starts as a copy of it: same owner, same mode)."""
    bin_dir = rootfs / "usr" / "local" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for source, name in ((weed, "weed"), (ENTRYPOINT, "s3-entrypoint")):
        shutil.copyfile(source, bin_dir / name)
        (bin_dir / name).chmod(0o755)
    data = rootfs / "data"
    data.mkdir()
    data.chmod(0o750)
    os.chown(data, UID, GID)


def clear_setuid_bits(rootfs: Path) -> None:
    """Nothing in the image needs to change user: no setuid or setgid programs for anyone to abuse."""
    for directory, _, files in os.walk(rootfs):
        for name in files:
            path = Path(directory) / name
            if not path.is_symlink() and path.stat().st_mode & 0o6000:
                path.chmod(path.stat().st_mode & ~0o6000)


# -- the lock --------------------------------------------------------------------------------------

def refresh_lock(args, cache: Path) -> None:
    """Lets apt choose the newest packages for PACKAGES and writes what it unpacked with the signed index's hashes."""
    index = debian.indices(args, cache)
    bases = debian.mirrors(args)
    with tempfile.TemporaryDirectory(prefix="archive-s3-image-lock-", dir="/tmp") as scratch:
        work = Path(scratch)
        work.chmod(0o755)  # apt downloads as _apt
        sources = [f"deb {bases[archive]} {suite} main" for archive, suite in debian.SUITES]
        _, debs = extract(work, common.source_date_epoch(), sources, keyring=True)
        unpacked = {control_fields(debian.deb_control(deb)) for deb in debs}
    lines = debian.lock_lines(unpacked, unpacked, index)
    header = (f"# Every .deb in the S3 server's image ({len(lines)}): made by `deploy/s3/build.py --refresh-lock` "
              f"on {time.strftime('%Y-%m-%d')}\n"
              f"# from {debian.SUITE}, {debian.SUITE}-updates and {debian.SUITE}-security (main, {debian.ARCH}) "
              f"for: {' '.join(PACKAGES)}.\n"
              "# The build unpacks exactly these versions, each checked against its SHA-256 from the signed index.\n"
              + debian.LOCK_COLUMNS)
    LOCK.write_text(header + "\n".join(lines) + "\n")
    log(f"wrote {LOCK.relative_to(ROOT)}: {len(lines)} packages")


# -- the image -------------------------------------------------------------------------------------

def image_config(diff_id: str, epoch: int, version: str, revision: str, seaweedfs: str, go: str) -> dict:
    created = common.created(epoch)
    labels = {"org.opencontainers.image.revision": revision,
              "org.opencontainers.image.version": version,
              "org.opencontainers.image.title": IMAGE_NAME,
              "org.opencontainers.image.description": f"SeaweedFS {seaweedfs} (S3), built with {go}",
              "org.opencontainers.image.created": created,
              "org.opencontainers.image.base.name":
                  f"debian:{debian.SUITE} (mmdebstrap, deploy/s3/debian-packages.lock)"}
    return {
        "created": created, "architecture": debian.ARCH, "os": "linux",
        "config": {
            "User": f"{UID}:{GID}",
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp", "LANG=C.UTF-8"],
            "Entrypoint": ["/usr/local/bin/s3-entrypoint"],
            "WorkingDir": "/data",
            "ExposedPorts": {f"{PORT}/tcp": {}},
            "Volumes": {"/data": {}},
            "Labels": labels,
            "Healthcheck": {"Test": HEALTHCHECK, "Interval": 10_000_000_000, "Timeout": 5_000_000_000,
                            "StartPeriod": 15_000_000_000, "Retries": 12},
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created, "created_by": f"deploy/s3/build.py: bookworm .debs from "
                     f"debian-packages.lock ({', '.join(PACKAGES)}); weed from scripts/services (SeaweedFS "
                     f"{seaweedfs}, {go}); entrypoint.sh"}],
    }


def build(args, cache: Path) -> None:
    started = time.monotonic()
    common.require_root("mmdebstrap", "gpgv", "unshare")
    epoch, version = common.source_date_epoch(), common.project_version()
    revision = args.revision or common.source_revision()
    lock = debian.read_lock(LOCK, REFRESH_HINT)
    stanzas = debian.check_lock_against_mirror(lock, debian.indices(args, cache), cache, REFRESH_HINT)
    services = load_services()
    log(f"weed: SeaweedFS {services.SEAWEEDFS_VERSION} with {services.SEAWEEDFS_GO} (scripts/services)")
    weed = build_weed(services)
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="archive-s3-image-", dir="/tmp") as scratch:
        work = Path(scratch)
        work.chmod(0o755)  # apt reads the repository as _apt
        debian.fetch_debs(lock, stanzas, args, cache, work / "repo")
        # copy://: apt copies each .deb into the new system's cache, where the extract hook finds it
        rootfs, debs = extract(work, epoch, [f"deb [trusted=yes] copy://{work / 'repo'} ./"], keyring=False)
        controls = [debian.deb_control(deb) for deb in debs]
        got = {control_fields(control) for control in controls}
        wanted = {(e["package"], e["version"], e["arch"]) for e in lock}
        if got != wanted:
            raise BuildError(f"the packages unpacked differ from the lock (not in the lock: {sorted(got - wanted)}; "
                             f"in the lock, not unpacked: {sorted(wanted - got)}): {REFRESH_HINT}")
        tidy(rootfs)
        write_dpkg_status(rootfs, controls)
        install_server(rootfs, weed)
        clear_setuid_bits(rootfs)
        oci.pack_image(rootfs, work, out_dir, IMAGE_NAME, version, epoch,
                       lambda diff_id: image_config(diff_id, epoch, version, revision, services.SEAWEEDFS_VERSION,
                                                    services.SEAWEEDFS_GO), started, log)


def main(argv: list[str] | None = None) -> None:
    common.LOG_NAME = "s3 image"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    debian.add_arguments(parser, ROOT / "dist", "deploy/s3/debian-packages.lock")
    debian.run_builder(parser, argv, build, refresh_lock)


if __name__ == "__main__":
    main()
