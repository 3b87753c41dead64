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
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LOCK = HERE / "debian-packages.lock"
BUILD_LOCK = HERE / "build-requirements.lock"
DEBIAN_PYTHON_LOCK = HERE / "debian-python.lock"
REQUIREMENTS = ROOT / "requirements.lock"
NATIVE = ROOT / "search" / "native"
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
SUITE = "bookworm"
ARCH = "amd64"
IMAGE_NAME = "equipment-archive"
VENV = "/opt/archive"
UID = GID = 10001
# What the image runs with. tesserocr needs Debian's Python headers only to be compiled.
RUNTIME_PACKAGES = ["python3", "python3-venv", "tesseract-ocr", "tesseract-ocr-vie", "tesseract-ocr-eng",
                    "fonts-dejavu-core", "ca-certificates"]
BUILD_PACKAGES = ["libtesseract-dev", "libleptonica-dev", "g++", "pkg-config", "python3-dev"]
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY_MIRROR = "http://deb.debian.org/debian-security"
# The archive (column of the lock) each suite comes from: security fixes are part of the pinned set.
SUITES = (("debian", SUITE), ("debian", f"{SUITE}-updates"), ("debian-security", f"{SUITE}-security"))
REFRESH_HINT = ("refresh the lock with `.venv/bin/python deploy/image/build.py --refresh-lock` (as root), "
                "review the version changes in `git diff deploy/image/debian-packages.lock`, and commit it")
HEALTHCHECK = ["CMD", "python", "-c",
               "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]


class BuildError(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"build.py: {message}")


def log(message: str) -> None:
    print(f"[image {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    completed = subprocess.run(argv, **kwargs)
    if completed.returncode != 0:
        raise BuildError(f"`{shlex.join(map(str, argv))}` exited {completed.returncode}")
    return completed


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def fetch(url: str, *, headers: dict[str, str] | None = None) -> bytes:
    for attempt in range(4):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=120) as answer:
                return answer.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise
            error: Exception = exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            error = exc
        time.sleep(2 ** attempt)
    raise BuildError(f"cannot fetch {url}: {error}")


# -- inputs ----------------------------------------------------------------------------------------

def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH if given, else the last commit's time: the image's dates then belong to the source
    revision it is built from, not to the day or the machine it was built on."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    found = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True)
    if found.returncode != 0 or not found.stdout.strip():
        raise BuildError("no git history to date the image by: set SOURCE_DATE_EPOCH")
    return int(found.stdout.strip())


def source_revision() -> str:
    found = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else "unknown"


def read_lock() -> list[dict[str, str]]:
    """debian-packages.lock: package version architecture archive sha256 size filename role."""
    if not LOCK.is_file():
        raise BuildError(f"{LOCK.relative_to(ROOT)} is missing: {REFRESH_HINT}")
    entries = []
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            package, version, arch, archive, sha256, size, filename, role = line.split()
            entries.append({"package": package, "version": version, "arch": arch, "archive": archive,
                            "sha256": sha256, "size": size, "filename": filename, "role": role})
    return entries


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


# -- Debian: the signed index, the lock, the .debs -------------------------------------------------

def signed_index(base: str, suite: str, cache: Path) -> dict[tuple[str, str, str], str]:
    """The suite's main/binary-amd64 Packages, checked against its InRelease signed by Debian's archive key:
    (package, version, arch) -> the stanza's text."""
    inrelease = fetch(f"{base}/dists/{suite}/InRelease")
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "InRelease").write_bytes(inrelease)
        verified = subprocess.run(["gpgv", "--keyring", str(KEYRING), "--output", f"{scratch}/Release",
                                   f"{scratch}/InRelease"], capture_output=True, text=True)
        if verified.returncode != 0:
            raise BuildError(f"{base}/dists/{suite}/InRelease is not signed by {KEYRING}:\n{verified.stderr}")
        release = (Path(scratch) / "Release").read_text()
    listed = re.search(r"^ ([0-9a-f]{64})\s+\d+\s+main/binary-" + ARCH + r"/Packages\.xz$",
                       release.split("\nSHA256:", 1)[1], re.M)
    if not listed:
        raise BuildError(f"{base}/dists/{suite}/InRelease lists no main/binary-{ARCH}/Packages.xz")
    expected = listed.group(1)
    cached = cache / "indices" / f"{expected}.xz"
    if not cached.is_file():
        try:
            data = fetch(f"{base}/dists/{suite}/main/binary-{ARCH}/by-hash/SHA256/{expected}")
        except urllib.error.HTTPError:
            data = fetch(f"{base}/dists/{suite}/main/binary-{ARCH}/Packages.xz")
        if hashlib.sha256(data).hexdigest() != expected:
            raise BuildError(f"{base}/dists/{suite}: Packages.xz does not match its signed hash (mirror mid-update?)")
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.with_suffix(".tmp").write_bytes(data)
        cached.with_suffix(".tmp").rename(cached)
    index = {}
    for stanza in lzma.decompress(cached.read_bytes()).decode().split("\n\n"):
        fields = dict(re.findall(r"^(Package|Version|Architecture): (\S+)$", stanza, re.M))
        if len(fields) == 3:
            index[(fields["Package"], fields["Version"], fields["Architecture"])] = stanza.strip("\n")
    return index


def stanza_field(stanza: str, name: str) -> str:
    return re.search(rf"^{name}: (\S+)$", stanza, re.M).group(1)


def mirrors(args) -> dict[str, str]:
    return {"debian": args.mirror.rstrip("/"), "debian-security": args.security_mirror.rstrip("/")}


def indices(args, cache: Path) -> dict[str, dict]:
    log("reading the signed package indices of " + ", ".join(f"{a}:{s}" for a, s in SUITES))
    bases = mirrors(args)
    return {f"{archive}:{suite}": signed_index(bases[archive], suite, cache) for archive, suite in SUITES}


def check_lock_against_mirror(lock: list[dict], index: dict[str, dict], cache: Path) -> dict[str, str]:
    """Every locked .deb is still on the mirror with the locked hash; its stanza, by package. A version the mirror
    has since replaced is still built from the cache when both its stanza and its .deb are there under the locked
    hash (they were checked against the signed index when they were first fetched): a security update published
    today does not stop the build of a lock that this machine has built before."""
    stanzas, missing = {}, []
    kept = cache / "stanzas"
    kept.mkdir(parents=True, exist_ok=True)
    for entry in lock:
        key = (entry["package"], entry["version"], entry["arch"])
        found = [stanza for name, packages in index.items() if name.split(":")[0] == entry["archive"]
                 for stanza in [packages.get(key)] if stanza]
        cached_stanza = kept / entry["sha256"]
        if not found:
            cached_deb = cache / "debs" / Path(entry["filename"]).name
            if cached_stanza.is_file() and cached_deb.is_file() and sha256_file(cached_deb) == entry["sha256"]:
                stanzas[entry["package"]] = cached_stanza.read_text()
                log(f"{entry['package']} {entry['version']}: no longer on the mirror, taken from the cache")
                continue
            now = sorted({version for packages in index.values() for (p, version, _) in packages if p == entry["package"]})
            missing.append(f"  {entry['package']} {entry['version']} (the mirror has: {', '.join(now) or 'none'})")
            continue
        if stanza_field(found[0], "SHA256") != entry["sha256"]:
            raise BuildError(f"{entry['package']} {entry['version']}: the mirror's signed index gives SHA-256 "
                             f"{stanza_field(found[0], 'SHA256')}, the lock {entry['sha256']}: refusing to build")
        if not cached_stanza.is_file():
            cached_stanza.with_suffix(".tmp").write_text(found[0])
            cached_stanza.with_suffix(".tmp").rename(cached_stanza)
        stanzas[entry["package"]] = found[0]
    if missing:
        raise BuildError("the Debian mirror no longer has these locked packages (Debian replaced them, usually "
                         "with security or point-release updates):\n" + "\n".join(missing) + f"\nTo build, {REFRESH_HINT}.")
    return stanzas


def fetch_debs(lock: list[dict], stanzas: dict[str, str], args, cache: Path, repo: Path) -> None:
    """The locked .debs (from the cache when there, else the mirror), each checked against its SHA-256, as a
    flat repository for apt: the build can then resolve nothing but what the lock names."""
    bases = mirrors(args)
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    repo.mkdir(parents=True)
    packages = []
    fetched = 0
    for entry in lock:
        name = Path(entry["filename"]).name
        cached = debs / name
        if not (cached.is_file() and sha256_file(cached) == entry["sha256"]):
            data = fetch(f"{bases[entry['archive']]}/{entry['filename']}")
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise BuildError(f"{entry['filename']}: downloaded bytes do not match the lock's SHA-256")
            cached.with_suffix(".tmp").write_bytes(data)
            cached.with_suffix(".tmp").rename(cached)
            fetched += 1
        try:
            os.link(cached, repo / name)
        except OSError:
            shutil.copyfile(cached, repo / name)
        packages.append(re.sub(r"^Filename: .*$", f"Filename: ./{name}", stanzas[entry["package"]], flags=re.M))
    index = ("\n\n".join(packages) + "\n").encode()
    (repo / "Packages").write_bytes(index)
    (repo / "Release").write_text(f"Suite: {SUITE}\nCodename: {SUITE}\nArchitectures: {ARCH}\nSHA256:\n"
                                  f" {hashlib.sha256(index).hexdigest()} {len(index)} Packages\n")
    log(f"{len(lock)} .debs checked against the lock ({fetched} downloaded)")


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
            # A server image: no manual pages, translations or documentation beyond the licences.
            "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/info/*",
            "--dpkgopt=path-exclude=/usr/share/locale/*", "--dpkgopt=path-exclude=/usr/share/doc/*",
            "--dpkgopt=path-include=/usr/share/doc/*/copyright",
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
    lines = []
    for package, version, arch in sorted(everything):
        found = [(name.split(":")[0], packages[(package, version, arch)]) for name, packages in index.items()
                 if (package, version, arch) in packages]
        if not found:
            raise BuildError(f"{package} {version} {arch} was installed but is in no signed index")
        archive, stanza = found[-1]  # the same file in two suites: the later (updates, security) is the source
        role = "image" if (package, version, arch) in image else "build"
        lines.append(" ".join([package, version, arch, archive, stanza_field(stanza, "SHA256"),
                               stanza_field(stanza, "Size"), stanza_field(stanza, "Filename"), role]))
    header = (f"# Every .deb the image build installs ({len(lines)}): made by `deploy/image/build.py --refresh-lock` "
              f"on {datetime.date.today().isoformat()}\n"
              f"# from {SUITE}, {SUITE}-updates and {SUITE}-security (main, {ARCH}) for: {' '.join(RUNTIME_PACKAGES)}\n"
              f"# and, to compile tesserocr (role build: purged before the image is packed): {' '.join(BUILD_PACKAGES)}.\n"
              "# The build installs exactly these versions, each checked against its SHA-256 from the signed index.\n"
              "# package version architecture archive sha256 size filename role\n")
    LOCK.write_text(header + "\n".join(lines) + "\n")
    log(f"wrote {LOCK.relative_to(ROOT)}: {len(lines)} packages, {sum(1 for l in lines if l.endswith(' image'))} in the image")


# -- the OCI image ---------------------------------------------------------------------------------

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


def image_config(diff_id: str, epoch: int, version: str, revision: str) -> dict:
    created = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    labels = {"org.opencontainers.image.revision": revision,
              "org.opencontainers.image.version": version,
              "org.opencontainers.image.title": IMAGE_NAME,
              "org.opencontainers.image.created": created,
              "org.opencontainers.image.base.name": f"debian:{SUITE} (mmdebstrap, deploy/image/debian-packages.lock)"}
    return {
        "created": created, "architecture": ARCH, "os": "linux",
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
        "history": [{"created": created, "created_by": "deploy/image/build.py: mmdebstrap bookworm from "
                     "debian-packages.lock; requirements.lock; search/native"}],
    }


def write_oci_archive(out: Path, layer: Path, layer_digest: str, layer_size: int, config: dict, version: str,
                      epoch: int) -> str:
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
                            "annotations": {"io.containerd.image.name": f"docker.io/library/{IMAGE_NAME}:{version}",
                                            "org.opencontainers.image.ref.name": version}}]}
    blob = lambda digest: "blobs/sha256/" + digest.split(":", 1)[1]
    # Docker's own `docker save` layout: older engines read manifest.json, newer ones and podman index.json.
    docker_manifest = [{"Config": blob(config_digest), "RepoTags": [f"{IMAGE_NAME}:{version}"],
                        "Layers": [blob(layer_digest)]}]
    members = [("blobs", None), ("blobs/sha256", None), (blob(config_digest), config_bytes),
               (blob(layer_digest), layer), (blob(manifest_digest), manifest_bytes),
               ("index.json", canonical(index)), ("manifest.json", canonical(docker_manifest)),
               ("oci-layout", canonical({"imageLayoutVersion": "1.0.0"}))]
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, "w", format=tarfile.USTAR_FORMAT) as tar:
        for name, content in sorted(members, key=lambda member: member[0]):
            info = tarfile.TarInfo(name)
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


def build(args, cache: Path) -> None:
    started = time.monotonic()
    if os.geteuid() != 0:
        raise BuildError("run as root: mmdebstrap's root mode and chroot need it")
    for tool in ("mmdebstrap", "gpgv", "unshare"):
        if shutil.which(tool) is None:
            raise BuildError(f"{tool} is not installed (apt-get install mmdebstrap; scripts/install-system.sh does)")
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
        fetch_debs(lock, stanzas, args, cache, work / "repo")
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
        log("packing the layer")
        layer = work / "layer.tar.gz"
        diff_id, layer_digest, layer_size = write_layer(rootfs, layer, epoch)
        config = image_config(diff_id, epoch, version, revision)
        target = out_dir / f"{IMAGE_NAME}-{version}.oci.tar"
        digest = write_oci_archive(target, layer, layer_digest, layer_size, config, version, epoch)
        rootfs_bytes = int(subprocess.run(["du", "-sb", str(rootfs)], capture_output=True, text=True).stdout.split()[0])
        shutil.rmtree(rootfs)
    log(f"{target} ({target.stat().st_size / 1e6:.0f} MB; root file system {rootfs_bytes / 1e6:.0f} MB; "
        f"layer {layer_digest}) in {time.monotonic() - started:.0f} s")
    print(f"{IMAGE_NAME}:{version} {digest}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refresh-lock", action="store_true",
                        help="resolve the packages anew from the mirror and rewrite debian-packages.lock")
    parser.add_argument("--out", default=str(ROOT / "dist"), help="directory for the .oci.tar (default: dist/)")
    parser.add_argument("--mirror", default=os.environ.get("ARCHIVE_DEBIAN_MIRROR", DEFAULT_MIRROR),
                        help="Debian mirror (env ARCHIVE_DEBIAN_MIRROR; default %(default)s)")
    parser.add_argument("--security-mirror",
                        default=os.environ.get("ARCHIVE_DEBIAN_SECURITY_MIRROR", DEFAULT_SECURITY_MIRROR),
                        help="Debian security mirror (env ARCHIVE_DEBIAN_SECURITY_MIRROR; default %(default)s)")
    parser.add_argument("--cache", default=os.environ.get("ARCHIVE_IMAGE_CACHE",
                                                          str(Path.home() / ".cache" / "equipment-archive" / "image")),
                        help="downloaded .debs, wheels and indices, by hash (env ARCHIVE_IMAGE_CACHE)")
    parser.add_argument("--source", default=str(ROOT), help="where the project's Python packages are read from")
    parser.add_argument("--revision", help="the org.opencontainers.image.revision label (default: git HEAD)")
    args = parser.parse_args(argv)
    cache = Path(args.cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    if args.refresh_lock:
        refresh_lock(args, cache)
    else:
        build(args, cache)


if __name__ == "__main__":
    main()
