"""Fixtures of the image tests: a /data directory the image's user owns, and Podman with its own storage."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.deploy.images import IN_CI, UID


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, UID, UID)
    tmp_path.chmod(0o755)
    return data


@pytest.fixture
def podman(tmp_path: Path):
    """Podman (Debian's package; scripts/install-system.sh installs it) with its own storage under `tmp_path`, run
    with runc (crun refuses this kind of machine's hybrid cgroups) and with process limits a container host like
    this one grants."""
    missing = [tool for tool in ("podman", "runc") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (scripts/install-system.sh installs them)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    store = tmp_path / "podman"
    run_root = Path(tempfile.mkdtemp(prefix="podman-", dir="/tmp"))  # podman takes at most 50 characters here
    base = ["podman", "--root", str(store / "root"), "--runroot", str(run_root), "--runtime", "runc"]
    # Limits no higher than this process's own: the engine's defaults (a million of each) are refused here.
    limits = [f"--ulimit={name}={value}:{value}" for name, kind, cap in (("nofile", resource.RLIMIT_NOFILE, 65536),
                                                                         ("nproc", resource.RLIMIT_NPROC, 4096))
              for value in [min(resource.getrlimit(kind)[1], cap)]]

    def podman_run(*argv: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *argv], capture_output=True, text=True, timeout=timeout, **kwargs)

    podman_run.run_options = limits
    yield podman_run
    podman_run("rm", "--all", "--force", timeout=120)
    podman_run("system", "reset", "--force", timeout=300)
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(run_root, ignore_errors=True)
