"""The lock files are what gets installed: every pin of pyproject.toml is in them at the same version, every
package in them carries SHA-256 hashes, and `make install` and the image install from them with
`--require-hashes` (pip then refuses any file whose bytes differ). A pin changed without `make lock` fails here."""

from __future__ import annotations

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
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile and "pip install --no-deps ." in dockerfile
    assert "cargo install --locked maturin@" in dockerfile and "maturin build --release --locked" in dockerfile
    assert re.search(r"^USER archive$", dockerfile, re.M)  # and it runs as a user without root
