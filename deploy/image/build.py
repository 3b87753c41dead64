#!/usr/bin/env python3
"""Builds the archive's container image from Debian packages and the project's locks, without Docker.

    .venv/bin/python deploy/image/build.py                 # -> dist/equipment-archive-<version>.oci.tar
    .venv/bin/python deploy/image/build.py --refresh-lock  # after Debian moved on: deploy/image/debian-packages.lock

The root file system is made by mmdebstrap (root mode, bookworm) from exactly the .debs that
debian-packages.lock names (version and SHA-256, checked against the mirror's signed index), then the Python
side is installed offline from files whose hashes requirements.lock and build-requirements.lock give. The result
is one OCI image layout in one tar (with Docker's manifest.json too: `docker load` and `podman load` take it),
whose bytes depend only on those inputs and SOURCE_DATE_EPOCH: two builds give the same digest.
Runs as root (mmdebstrap's root mode, chroot); needs mmdebstrap, gpgv and the Debian archive keyring.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # imagebuild/, which deploy/s3/build.py shares

from imagebuild import debian, oci  # noqa: E402
from imagebuild.common import (BuildError, created, fetch, log, project_version, require_root,  # noqa: E402
                               run, sha256_file, source_date_epoch, source_revision)
from imagebuild.debian import ARCH, KEYRING, SUITE, SUITES, indices, mirrors  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LOCK = HERE / "debian-packages.lock"
BUILD_LOCK = HERE / "build-requirements.lock"
DEBIAN_PYTHON_LOCK = HERE / "debian-python.lock"
REQUIREMENTS = ROOT / "requirements.lock"
NATIVE = ROOT / "search" / "native"
IMAGE_NAME = "equipment-archive"
VENV = "/opt/archive"
UID = GID = 10001
# What the image runs with. tesserocr needs Debian's Python headers only to be compiled.
RUNTIME_PACKAGES = ["python3", "python3-venv", "tesseract-ocr", "tesseract-ocr-vie", "tesseract-ocr-eng",
                    "fonts-dejavu-core", "ca-certificates"]
BUILD_PACKAGES = ["libtesseract-dev", "libleptonica-dev", "g++", "pkg-config", "python3-dev"]
REFRESH_HINT = ("refresh the lock with `.venv/bin/python deploy/image/build.py --refresh-lock` (as root), "
                "review the version changes in `git diff deploy/image/debian-packages.lock`, and commit it")
HEALTHCHECK = ["CMD", "python", "-c",
               "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]


# -- inputs ----------------------------------------------------------------------------------------

def read_lock() -> list[dict[str, str]]:
    """debian-packages.lock: package version architecture archive sha256 size filename role."""
    return debian.read_lock(LOCK, REFRESH_HINT)


def check_lock_against_mirror(lock: list[dict], index: dict[str, dict], cache: Path) -> dict[str, str]:
    return debian.check_lock_against_mirror(lock, index, cache, REFRESH_HINT)


def pip_requirements(path: Path) -> dict[str, str]:
    """Each requirement block of a pip-compile lock (the line and its --hash lines), by canonical name."""
    blocks: dict[str, str] = {}
    current = None
    for line in path.read_text().splitlines():
        if found := re.match(r"^([A-Za-z0-9_.\-]+)==", line):
            current = re.sub(r"[-_.]+", "-", found.group(1)).lower()
            blocks[current] = line + "\n"
        elif current and line.startswith("    --hash="):
            blocks[current] += line + "\n"
        else:
            current = None
    return blocks

# -- Python: wheels and the sdist, hash-checked; the native search and the project ------------------

# Wheels that run on bookworm's glibc 2.36 (pip does not widen a --platform by itself).
PLATFORMS = [arg for minor in range(36, 4, -1) for arg in ("--platform", f"manylinux_2_{minor}_x86_64")] + [
    "--platform", "manylinux2014_x86_64", "--platform", "manylinux2010_x86_64", "--platform", "manylinux1_x86_64"]


def fetch_python(cache: Path, work: Path) -> None:
    """Every file requirements.lock, debian-python.lock and build-requirements.lock name, checked by pip against their hashes
    (tesserocr as its sdist: it is compiled in the image against the image's own libtesseract)."""
    pypi = cache / "pypi"
    pypi.mkdir(parents=True, exist_ok=True)
    blocks = pip_requirements(REQUIREMENTS)
    if "tesserocr" not in blocks:
        raise BuildError("requirements.lock has no tesserocr")
    (work / "in" / "tesserocr.lock").write_text(blocks.pop("tesserocr"))
    (work / "in" / "runtime.lock").write_text("".join(blocks.values()))
    shutil.copyfile(BUILD_LOCK, work / "in" / "build-requirements.lock")
    shutil.copyfile(DEBIAN_PYTHON_LOCK, work / "in" / "debian-python.lock")
    env = {k: v for k, v in os.environ.items() if k != "PIP_FIND_LINKS"}
    # The image's Python (Debian's 3.11 on glibc 2.36), not this venv's, picks the wheels.
    for lock in ("runtime.lock", "debian-python.lock", "build-requirements.lock"):
        run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes", "-d", str(pypi),
             "--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--abi", "abi3", "--abi", "none",
             *PLATFORMS, "-r", str(work / "in" / lock)], env=env)
    # pip cannot download an sdist without building it; the simple index gives its hash, the lock must agree.
    version = re.match(r"tesserocr==(\S+)", (work / "in" / "tesserocr.lock").read_text()).group(1)
    hashes = set(re.findall(r"sha256:([0-9a-f]{64})", (work / "in" / "tesserocr.lock").read_text()))
    sdist = pypi / f"tesserocr-{version}.tar.gz"
    if not (sdist.is_file() and sha256_file(sdist) in hashes):
        index_url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
        listing = json.loads(fetch(f"{index_url}/tesserocr/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}))
        files = [f for f in listing["files"] if f["filename"] == sdist.name and f["hashes"].get("sha256") in hashes]
        if not files:
            raise BuildError(f"{index_url} has no {sdist.name} with a hash requirements.lock gives")
        data = fetch(files[0]["url"])
        if hashlib.sha256(data).hexdigest() not in hashes:
            raise BuildError(f"{sdist.name}: downloaded bytes match no hash of requirements.lock")
        sdist.write_bytes(data)
    log("Python packages checked against requirements.lock and build-requirements.lock")


def build_native(work: Path, epoch: int) -> None:
    """search/native on this host exactly as `make install` builds it: maturin, --locked crates, abi3."""
    out = work / "in" / "native"
    venv_bin = ROOT / ".venv" / "bin"
    env = {**os.environ, "PATH": f"{venv_bin}:{Path.home() / '.cargo' / 'bin'}:{os.environ.get('PATH', '')}",
           "SOURCE_DATE_EPOCH": str(epoch)}
    maturin = shutil.which("maturin", path=env["PATH"])
    if not maturin or not shutil.which("cargo", path=env["PATH"]):
        raise BuildError("maturin (the venv's: `make install`) and cargo (~/.cargo/bin) build search/native")
    log("building search/native with maturin (--release --locked)")
    run([maturin, "build", "--quiet", "--release", "--locked", "-o", str(out)], cwd=NATIVE, env=env)
    wheels = list(out.glob("*.whl"))
    if len(wheels) != 1 or "abi3" not in wheels[0].name:
        raise BuildError(f"expected one abi3 wheel from maturin, got {[w.name for w in wheels]}")


def snapshot_project(source: Path, work: Path) -> None:
    """The project's Python packages and pyproject.toml as they are now (a copy: the build sees one state)."""
    dest = work / "in" / "src"
    dest.mkdir(parents=True)
    shutil.copyfile(source / "pyproject.toml", dest / "pyproject.toml")
    includes = tomllib.loads((source / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache")
    for package in sorted({name.rstrip("*").split(".")[0] for name in includes}):
        shutil.copytree(source / package, dest / package, ignore=ignore)
    shutil.rmtree(dest / "search" / "native", ignore_errors=True)  # built by maturin, above


# -- the root file system --------------------------------------------------------------------------

INNER = r"""
set -eu
export PIP_NO_INDEX=1 PIP_FIND_LINKS=/build/pypi PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_ROOT_USER_ACTION=ignore PYTHONDONTWRITEBYTECODE=1 PIP_PROGRESS_BAR=off
mkdir -p /tmp/out /tmp/wheels
dpkg-query -W -f '${Package} ${Version} ${Architecture}\n' | LC_ALL=C sort > /tmp/out/installed-build.txt
if [ "$MODE" = build ]; then
  # The tools that build wheels live in a throw-away venv, from the hash-checked build lock.
  python3 -m venv /tmp/buildenv
  /tmp/buildenv/bin/pip install -q --require-hashes -r /build/build-requirements.lock
  # tesserocr from its sdist (hash-checked) against this very libtesseract. -g0: no debug info, which would
  # carry pip's random build directory and make the .so differ from build to build.
  CFLAGS=-g0 CXXFLAGS=-g0 /tmp/buildenv/bin/pip wheel -q --no-deps --no-build-isolation --no-binary tesserocr \
    --require-hashes -r /build/tesserocr.lock -w /tmp/wheels
  cp -r /build/src /tmp/src
  /tmp/buildenv/bin/pip wheel -q --no-deps --no-build-isolation -w /tmp/wheels /tmp/src
  python3 -m venv @VENV@
  @VENV@/bin/pip install -q --no-compile --require-hashes -r /build/runtime.lock -r /build/debian-python.lock
  @VENV@/bin/pip install -q --no-compile --no-deps /tmp/wheels/*.whl /build/native/*.whl
  @VENV@/bin/pip check
  @VENV@/bin/python -c "import tesserocr, subprocess; \
    ours = tesserocr.tesseract_version().split()[1]; \
    program = subprocess.run(['tesseract', '--version'], capture_output=True, text=True).stdout.split()[1]; \
    assert ours == program, f'tesserocr uses Tesseract {ours}, the tesseract program is {program}'"
fi
# Suggested and recommended packages go too: the compiler's helpers are nothing the image runs.
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q --auto-remove -o APT::AutoRemove::SuggestsImportant=false \
  -o APT::AutoRemove::RecommendsImportant=false @BUILD_PACKAGES@ > /dev/null
dpkg-query -W -f '${Package} ${Version} ${Architecture}\n' | LC_ALL=C sort > /tmp/out/installed-image.txt
[ "$MODE" = build ] || exit 0

groupadd --system --gid @GID@ archive
useradd --system --uid @UID@ --gid @GID@ --no-create-home --home-dir /data --shell /usr/sbin/nologin archive
install -d -o @UID@ -g @GID@ -m 0750 /data
# Nothing in the image needs to change user: no setuid or setgid programs for anyone to abuse.
find / -xdev -path /build -prune -o -type f -perm /6000 -exec chmod ug-s {} +
# Byte code made once, here, for every module: the app user cannot write it at run time (the venv is root's),
# and unchecked-hash pycs carry no source mtime; a fixed hash seed orders sets and frozensets the same way.
find / -xdev -path /build -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
PYTHONHASHSEED=0 python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash \
  /usr/lib/python3 /usr/lib/python3.11 @VENV@/lib/python3.11/site-packages > /tmp/out/compileall.log 2>&1 || true
"""

CUSTOMIZE = r"""
set -eu
root="$1"
mkdir "$root/build"
mount -o bind,ro @WORK@/in "$root/build"
mount -o bind,ro @CACHE@/pypi "$root/build/pypi"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
  SOURCE_DATE_EPOCH=@EPOCH@ MODE=@MODE@ sh /build/inner.sh
umount "$root/build/pypi" "$root/build"
rmdir "$root/build"
cp "$root"/tmp/out/* @WORK@/out/
# What a container engine provides at run time, made the same on every build host.
printf 'archive\n' > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
: > "$root/etc/resolv.conf"
printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > "$root/etc/apt/sources.list.d/debian.sources"
rm -f "$root/etc/apt/sources.list"
rm -rf "$root/var/cache/debconf"/*-old "$root/var/lib/dpkg"/*-old "$root/root/.cache"
"""


def mmdebstrap(work: Path, cache: Path, epoch: int, mode: str, sources: list[str], keyring: bool) -> Path:
    for name, text in (("inner.sh", INNER), ("customize.sh", CUSTOMIZE)):
        for key, value in (("BUILD_PACKAGES", " ".join(BUILD_PACKAGES)), ("VENV", VENV), ("UID", str(UID)),
                           ("GID", str(GID)), ("WORK", str(work)), ("CACHE", str(cache)), ("EPOCH", str(epoch)),
                           ("MODE", mode)):
            text = text.replace(f"@{key}@", value)
        (work / "in" / name).write_text(text)
    (work / "out").mkdir(exist_ok=True)
    rootfs = work / "rootfs"
    argv = ["unshare", "--mount", "--propagation", "private", "--",  # every mount ends with the build
            "mmdebstrap", "--mode=root", "--variant=apt", "--format=directory", "--architectures=" + ARCH,
            "--aptopt=APT::Install-Recommends \"false\"", "--aptopt=Acquire::Languages \"none\"",
            *debian.DPKG_EXCLUDES,
            "--include=" + ",".join(RUNTIME_PACKAGES + BUILD_PACKAGES),
            # merged /usr as bookworm has it, with usr-is-merged (not usrmerge, which would pull in perl)
            "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
            "--customize-hook=sh " + shlex.quote(str(work / "in" / "customize.sh")) + ' "$1"']
    if keyring:
        argv.append(f"--keyring={KEYRING}")
    else:  # the flat repository of checked .debs: apt reads it from the build's own directory
        argv += ["--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount"]
    argv += [SUITE, str(rootfs), *sources]
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SOURCE_DATE_EPOCH": str(epoch),
           "LC_ALL": "C.UTF-8", "HOME": "/root", "TMPDIR": "/tmp"}
    log(f"mmdebstrap {SUITE} ({mode})")
    run(argv, env=env, stdout=subprocess.DEVNULL if mode == "build" else None)
    return rootfs


def installed(path: Path) -> set[tuple[str, str, str]]:
    return {tuple(line.split()) for line in path.read_text().splitlines() if line.strip()}


def refresh_lock(args, cache: Path) -> None:
    """Lets apt choose the newest packages for RUNTIME_PACKAGES and BUILD_PACKAGES, and writes what it
    installed, and what stays in the image, with the signed index's hashes."""
    index = indices(args, cache)
    bases = mirrors(args)
    with tempfile.TemporaryDirectory(prefix="archive-image-lock-", dir="/tmp") as scratch:
        work = Path(scratch)
        work.chmod(0o755)  # apt reads the repository as _apt
        (work / "in" / "pypi").mkdir(parents=True)
        (cache / "pypi").mkdir(parents=True, exist_ok=True)
        sources = [f"deb {bases[archive]} {suite} main" for archive, suite in SUITES]
        mmdebstrap(work, cache, source_date_epoch(), "resolve", sources, keyring=True)
        everything, image = installed(work / "out" / "installed-build.txt"), installed(work / "out" / "installed-image.txt")
    lines = debian.lock_lines(everything, image, index)
    header = (f"# Every .deb the image build installs ({len(lines)}): made by `deploy/image/build.py --refresh-lock` "
              f"on {datetime.date.today().isoformat()}\n"
              f"# from {SUITE}, {SUITE}-updates and {SUITE}-security (main, {ARCH}) for: {' '.join(RUNTIME_PACKAGES)}\n"
              f"# and, to compile tesserocr (role build: purged before the image is packed): {' '.join(BUILD_PACKAGES)}.\n"
              "# The build installs exactly these versions, each checked against its SHA-256 from the signed index.\n"
              + debian.LOCK_COLUMNS)
    LOCK.write_text(header + "\n".join(lines) + "\n")
    log(f"wrote {LOCK.relative_to(ROOT)}: {len(lines)} packages, {sum(1 for l in lines if l.endswith(' image'))} in the image")


# -- the OCI image ---------------------------------------------------------------------------------

def image_config(diff_id: str, epoch: int, version: str, revision: str) -> dict:
    created_at = created(epoch)
    labels = {"org.opencontainers.image.revision": revision,
              "org.opencontainers.image.version": version,
              "org.opencontainers.image.title": IMAGE_NAME,
              "org.opencontainers.image.created": created_at,
              "org.opencontainers.image.base.name": f"debian:{SUITE} (mmdebstrap, deploy/image/debian-packages.lock)"}
    return {
        "created": created_at, "architecture": ARCH, "os": "linux",
        "config": {
            "User": f"{UID}:{GID}",
            "Env": [f"PATH={VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1", "LANG=C.UTF-8", "HOME=/data",
                    "ARCHIVE_DATA_DIR=/data"],
            "Cmd": ["archive", "serve", "--host", "0.0.0.0", "--port", "8000"],
            "WorkingDir": "/data",
            "ExposedPorts": {"8000/tcp": {}},
            "Volumes": {"/data": {}},
            "Labels": labels,
            # Liveness of the API process; docker-compose.yml checks /readyz (storage and index answer) instead.
            "Healthcheck": {"Test": HEALTHCHECK, "Interval": 30_000_000_000, "Timeout": 5_000_000_000,
                            "StartPeriod": 20_000_000_000, "Retries": 3},
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created_at, "created_by": "deploy/image/build.py: mmdebstrap bookworm from "
                     "debian-packages.lock; requirements.lock; search/native"}],
    }



def build(args, cache: Path) -> None:
    started = time.monotonic()
    require_root("mmdebstrap", "gpgv", "unshare")
    epoch, version = source_date_epoch(), project_version()
    revision = args.revision or source_revision()
    lock = read_lock()
    stanzas = check_lock_against_mirror(lock, indices(args, cache), cache)
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="archive-image-", dir="/tmp") as scratch:
        work = Path(scratch)
        work.chmod(0o755)  # apt reads the repository as _apt
        (work / "in" / "pypi").mkdir(parents=True)
        debian.fetch_debs(lock, stanzas, args, cache, work / "repo")
        fetch_python(cache, work)
        build_native(work, epoch)
        snapshot_project(Path(args.source).resolve(), work)
        rootfs = mmdebstrap(work, cache, epoch, "build", [f"deb [trusted=yes] file://{work / 'repo'} ./"], keyring=False)
        everything = {(e["package"], e["version"], e["arch"]) for e in lock}
        kept = {(e["package"], e["version"], e["arch"]) for e in lock if e["role"] == "image"}
        for what, got, wanted in (("installed", installed(work / "out" / "installed-build.txt"), everything),
                                  ("left in the image", installed(work / "out" / "installed-image.txt"), kept)):
            if got != wanted:
                raise BuildError(f"the packages {what} differ from the lock (not in the lock: "
                                 f"{sorted(got - wanted)}; in the lock, not {what}: {sorted(wanted - got)}): {REFRESH_HINT}")
        oci.pack_image(rootfs, work, out_dir, IMAGE_NAME, version, epoch,
                       lambda diff_id: image_config(diff_id, epoch, version, revision), started, log)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    debian.add_arguments(parser, ROOT / "dist", "debian-packages.lock")
    parser.add_argument("--source", default=str(ROOT), help="where the project's Python packages are read from")
    debian.run_builder(parser, argv, build, refresh_lock)


if __name__ == "__main__":
    main()
