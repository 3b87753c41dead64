"""The Debian side of an image: a lock of .debs (version and SHA-256), checked against the mirror's index signed by
Debian's archive key, fetched (or taken from the cache) by hash, and served to apt as a flat repository that holds
nothing else."""

from __future__ import annotations

import argparse
import hashlib
import io
import lzma
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import urllib.error
from pathlib import Path

from imagebuild.common import BuildError, fetch, log, sha256_file

KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
SUITE = "bookworm"
ARCH = "amd64"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY_MIRROR = "http://deb.debian.org/debian-security"
# The archive (column of the lock) each suite comes from: security fixes are part of the pinned set.
SUITES = (("debian", SUITE), ("debian", f"{SUITE}-updates"), ("debian-security", f"{SUITE}-security"))
# A server image: no manual pages, translations or documentation beyond the licences.
DPKG_EXCLUDES = ["--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/info/*",
                 "--dpkgopt=path-exclude=/usr/share/locale/*", "--dpkgopt=path-exclude=/usr/share/doc/*",
                 "--dpkgopt=path-include=/usr/share/doc/*/copyright"]
LOCK_COLUMNS = "# package version architecture archive sha256 size filename role\n"


def run_builder(parser: argparse.ArgumentParser, argv: list[str] | None, build, refresh_lock) -> None:
    """A builder's command line (after `add_arguments` and its own): the lock refreshed, or the image built."""
    args = parser.parse_args(argv)
    cache = Path(args.cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    (refresh_lock if args.refresh_lock else build)(args, cache)


def add_arguments(parser: argparse.ArgumentParser, out: Path, lock: str) -> None:
    """The options both builders take: where the image goes, the mirrors, the cache, the revision label."""
    parser.add_argument("--refresh-lock", action="store_true",
                        help=f"resolve the packages anew from the mirror and rewrite {lock}")
    parser.add_argument("--out", default=str(out), help="directory for the .oci.tar (default: dist/)")
    parser.add_argument("--mirror", default=os.environ.get("ARCHIVE_DEBIAN_MIRROR", DEFAULT_MIRROR),
                        help="Debian mirror (env ARCHIVE_DEBIAN_MIRROR; default %(default)s)")
    parser.add_argument("--security-mirror",
                        default=os.environ.get("ARCHIVE_DEBIAN_SECURITY_MIRROR", DEFAULT_SECURITY_MIRROR),
                        help="Debian security mirror (env ARCHIVE_DEBIAN_SECURITY_MIRROR; default %(default)s)")
    parser.add_argument("--cache", default=os.environ.get("ARCHIVE_IMAGE_CACHE",
                                                          str(Path.home() / ".cache" / "equipment-archive" / "image")),
                        help="downloaded .debs, wheels and indices, by hash (env ARCHIVE_IMAGE_CACHE)")
    parser.add_argument("--revision", help="the org.opencontainers.image.revision label (default: git HEAD)")


def read_lock(path: Path, hint: str) -> list[dict[str, str]]:
    """A debian-packages.lock: package version architecture archive sha256 size filename role."""
    if not path.is_file():
        raise BuildError(f"{path} is missing: {hint}")
    entries = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            package, version, arch, archive, sha256, size, filename, role = line.split()
            entries.append({"package": package, "version": version, "arch": arch, "archive": archive,
                            "sha256": sha256, "size": size, "filename": filename, "role": role})
    return entries


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


def check_lock_against_mirror(lock: list[dict], index: dict[str, dict], cache: Path, hint: str) -> dict[str, str]:
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
                         "with security or point-release updates):\n" + "\n".join(missing) + f"\nTo build, {hint}.")
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


def lock_lines(everything: set[tuple[str, str, str]], image: set[tuple[str, str, str]],
               index: dict[str, dict]) -> list[str]:
    """What apt installed, as lock lines with the signed index's hashes; role `image` for what stays in the image,
    `build` for what is removed before packing."""
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
    return lines


def deb_control(path: Path) -> str:
    """The control file of a .deb (an ar archive holding control.tar.*), as its maintainer wrote it."""
    data = path.read_bytes()
    if not data.startswith(b"!<arch>\n"):
        raise BuildError(f"{path.name} is not a .deb")
    offset = 8
    while offset + 60 <= len(data):
        name, size = data[offset:offset + 16].decode().strip().rstrip("/"), int(data[offset + 48:offset + 58])
        if name.startswith("control.tar"):
            with tarfile.open(fileobj=io.BytesIO(data[offset + 60:offset + 60 + size])) as control:
                return control.extractfile("./control").read().decode()
        offset += 60 + size + size % 2
    raise BuildError(f"{path.name} has no control.tar")
