"""The lock files are what gets installed: every pin of pyproject.toml is in them at the same version, every
package in them carries SHA-256 hashes, and `make install` and the image install from them with
`--require-hashes` (pip then refuses any file whose bytes differ); the image's Debian packages are pinned the same
way (deploy/image/debian-packages.lock). A pin changed without `make lock` fails here."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        name, version = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^;\s]+)", requirement).groups()
        pins[_canonical(name)] = version
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked(path: Path) -> dict[str, tuple[str, int]]:
    """Each locked package: its version and how many file hashes it carries."""
    locked: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        if found := re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line):
            current = _canonical(found.group(1))
            locked[current] = (found.group(2), 0)
        elif current and "--hash=sha256:" in line:
            version, hashes = locked[current]
            locked[current] = (version, hashes + 1)
    return locked


def test_every_pin_is_locked_at_its_version_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins(project["dependencies"])
    test = _pins(project["optional-dependencies"]["test"])
    build = _pins(project["optional-dependencies"]["build"])  # maturin, for search/native
    dev, image = _locked(ROOT / "requirements-dev.lock"), _locked(ROOT / "requirements.lock")
    for name, version in {**runtime, **test, **build}.items():
        assert dev.get(name, ("missing", 0))[0] == version, f"{name}: pyproject {version}, requirements-dev.lock {dev.get(name)}"
    for name, version in runtime.items():
        assert image.get(name, ("missing", 0))[0] == version, f"{name}: pyproject {version}, requirements.lock {image.get(name)}"
    assert not set(test) & set(image), "the image's lock holds test tools"
    unhashed = [name for name, (_, hashes) in {**dev, **image}.items() if hashes == 0]
    assert unhashed == [] and len(dev) > len(runtime) + len(test)  # transitive dependencies are locked too


def test_make_install_and_the_image_install_from_the_locks_with_hashes_required():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in makefile and "--no-deps -e ." in makefile
    # The native ranked search: its crates as Cargo.lock says, in both.
    assert "--no-build-isolation" in makefile and 'MATURIN_PEP517_ARGS="--locked"' in makefile
    assert (ROOT / "search" / "native" / "Cargo.lock").is_file()
    spec = importlib.util.spec_from_file_location("image_build", ROOT / "deploy" / "image" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    # The image: requirements.lock whole (tesserocr apart only to be compiled from its hash-checked sdist), with
    # hashes required at every pip call, and nothing from an index (pip may read only the checked downloads).
    blocks = build.pip_requirements(ROOT / "requirements.lock")
    assert set(blocks) == set(_locked(ROOT / "requirements.lock")) and all("--hash=sha256:" in b for b in blocks.values())
    assert "--require-hashes -r /build/runtime.lock -r /build/debian-python.lock" in build.INNER
    assert "--require-hashes -r /build/tesserocr.lock" in build.INNER and "--require-hashes -r /build/build-requirements.lock" in build.INNER
    assert "PIP_NO_INDEX=1" in build.INNER
    pip_calls = [line for line in build.INNER.splitlines() if re.search(r"bin/pip (install|wheel)", line)]
    unhashed = [line for line in pip_calls if "--require-hashes" not in line and "--no-deps" not in line]
    assert pip_calls and unhashed == [], unhashed
    for extra in ("build-requirements.lock", "debian-python.lock"):
        extra_locked = _locked(ROOT / "deploy" / "image" / extra)
        assert extra_locked and all(hashes for _, hashes in extra_locked.values()), extra
    assert not set(_locked(ROOT / "deploy" / "image" / "debian-python.lock")) & set(_locked(ROOT / "requirements.lock"))
    # The native ranked search: built on the host as `make install` builds it, Cargo.lock's crates.
    import inspect

    native = inspect.getsource(build.build_native)
    assert '"build"' in native and '"--release"' in native and '"--locked"' in native
    # ... and it runs as a user without root
    assert build.image_config("sha256:" + "0" * 64, 0, "0", "x")["config"]["User"] == "10001:10001"


def test_every_debian_package_of_the_image_is_locked_with_its_hash():
    lines = [line.split() for line in (ROOT / "deploy" / "image" / "debian-packages.lock").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(lines) > 100 and all(len(fields) == 8 for fields in lines)
    for package, version, arch, archive, sha256, size, filename, role in lines:
        assert re.fullmatch(r"[0-9a-f]{64}", sha256) and int(size) > 0, package
        assert archive in ("debian", "debian-security") and role in ("image", "build") and arch in ("amd64", "all")
        assert filename.startswith("pool/") and filename.endswith(f"_{arch}.deb"), filename
    names = [fields[0] for fields in lines]
    assert len(names) == len(set(names)), "a package is locked twice"
    assert {"python3", "tesseract-ocr-vie", "libc6"} <= {f[0] for f in lines if f[7] == "image"}
    assert {"g++", "libtesseract-dev"} <= {f[0] for f in lines if f[7] == "build"}
