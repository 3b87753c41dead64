"""Errors, logging, downloads, and what an image is named and dated by: the project's version and last commit."""

from __future__ import annotations

import datetime
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# What log lines start with: "image" for the archive's builder; the S3 server's sets its own.
LOG_NAME = "image"


class BuildError(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"build.py: {message}")


def log(message: str) -> None:
    print(f"[{LOG_NAME} {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    completed = subprocess.run(argv, **kwargs)
    if completed.returncode != 0:
        raise BuildError(f"`{shlex.join(map(str, argv))}` exited {completed.returncode}")
    return completed


def require_root(*tools: str) -> None:
    if os.geteuid() != 0:
        raise BuildError("run as root: mmdebstrap's root mode and chroot need it")
    for tool in tools:
        if shutil.which(tool) is None:
            raise BuildError(f"{tool} is not installed (apt-get install mmdebstrap; scripts/install-system.sh does)")


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


def created(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
