"""The production deployment files: docker-compose.yml validates with `docker compose config`
(the compose plugin comes from `make install`: scripts/install-compose.sh), keeps no secrets, runs the archive
from the image deploy/image/build.py makes (never a build of its own), and that builder puts in the image what the
stack needs (tests/deploy/test_image.py builds and runs it). Without the plugin the compose tests skip, and fail
under CI=true."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import tomllib

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
BUILDER = ROOT / "deploy" / "image" / "build.py"
IN_CI = os.environ.get("CI") == "true"
CLEAN_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(Path.home())}


def _compose_available() -> str | None:
    """None when `docker compose` works, else why not."""
    if shutil.which("docker") is None:
        return "the docker client is not installed"
    try:
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=60,
                               env=CLEAN_ENV)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`docker compose version` did not run: {exc}"
    if probe.returncode != 0:
        return "the docker compose plugin is not installed (`docker compose version`: %s)" % (
            (probe.stderr or probe.stdout).strip().splitlines()[0:1] or ["no output"])[0]
    return None


def _require_compose() -> None:
    """Skip without `docker compose` (no Docker engine is needed for `config`); in CI, fail instead."""
    reason = _compose_available()
    if reason:
        message = (f"docker compose config not checked: {reason}; `make install` builds and installs the plugin "
                   "(scripts/install-compose.sh, needs the docker client and Go 1.26.8+)")
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _compose(*args: str, env_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", "compose", "-f", str(COMPOSE), "--env-file", str(env_file), *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=CLEAN_ENV)


@pytest.fixture(scope="module")
def compose_config() -> dict:
    _require_compose()
    result = _compose("config", "--format", "json", env_file=ENV_EXAMPLE)
    assert result.returncode == 0, f"docker compose config failed:\n{result.stderr}"
    return json.loads(result.stdout)


def test_compose_config_has_the_five_services_with_healthchecks(compose_config: dict) -> None:
    services = compose_config["services"]
    assert {"api", "worker", "elasticsearch", "s3", "redis"} <= set(services)
    for name in ("api", "elasticsearch", "s3", "redis"):
        check = services[name].get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
    assert services["worker"]["healthcheck"].get("disable") is True  # no HTTP port to check


def test_compose_uses_named_volumes(compose_config: dict) -> None:
    assert {"es-data", "s3-data", "redis-data", "archive-data"} <= set(compose_config["volumes"])
    services = compose_config["services"]
    for name, target in (("elasticsearch", "/usr/share/elasticsearch/data"), ("s3", "/data"), ("api", "/data"),
                         ("worker", "/data"), ("redis", "/data")):
        mounts = [v for v in services[name]["volumes"] if v["type"] == "volume" and v["target"] == target]
        assert mounts, f"{name} has no named volume at {target}"


def test_compose_wires_the_archive_to_s3_and_elasticsearch(compose_config: dict) -> None:
    services = compose_config["services"]
    api = services["api"]
    env = api["environment"]
    assert env["ARCHIVE_STORAGE"] == "s3" and env["ARCHIVE_INDEX"] == "elasticsearch"
    assert env["ARCHIVE_S3_ENDPOINT"] == "s3:8333"
    assert env["ARCHIVE_ES_URL"].endswith("@elasticsearch:9200")
    assert api["command"] == ["archive", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert services["worker"]["command"] == ["archive", "worker"]
    assert services["worker"]["environment"] == env
    for name in ("api", "worker"):
        for backend in ("elasticsearch", "s3", "redis"):
            assert services[name]["depends_on"][backend]["condition"] == "service_healthy"
    assert env["ARCHIVE_QUEUE"] == "redis" and env["ARCHIVE_REDIS_URL"].endswith("@redis:6379/0")
    assert "--appendonly yes" in " ".join(services["redis"]["command"])
    assert "readyz" in " ".join(api["healthcheck"]["test"])
    es = services["elasticsearch"]
    assert es["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:9.")
    assert es["environment"]["discovery.type"] == "single-node"
    assert "-Xms" in es["environment"]["ES_JAVA_OPTS"] and "-Xmx" in es["environment"]["ES_JAVA_OPTS"]
    assert es["ulimits"]["memlock"] == {"soft": -1, "hard": -1}
    assert es["ulimits"]["nofile"]["soft"] >= 65535
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for name in ("api", "worker"):  # the image `make image` makes and `docker load` loads, at the project's version
        assert services[name]["image"] == f"equipment-archive:{version}" and "build" not in services[name]
    s3 = services["s3"]  # the image deploy/s3/build.py makes (tests/deploy/test_s3_image.py: the tests' own server)
    assert s3["image"] == f"equipment-archive-s3:{version}" and "build" not in s3
    assert s3["environment"] == {"S3_ACCESS_KEY": "archive-admin", "S3_SECRET_KEY": "change-me-s3-secret-key"}
    assert [(port["target"], port["host_ip"]) for port in s3["ports"]] == [(8333, "127.0.0.1")]


def test_compose_runs_backups_on_request_with_the_archives_settings(compose_config: dict) -> None:
    assert "backup" not in compose_config["services"]  # `up` does not start it; the host's timer runs it
    result = _compose("--profile", "backup", "config", "--format", "json", env_file=ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    backup = services["backup"]
    assert backup["image"] == services["api"]["image"] and "build" not in backup
    assert backup["profiles"] == ["backup"]
    assert backup["command"] == ["archive", "backup", "/backup"]
    assert {k: v for k, v in backup["environment"].items() if not k.startswith("ARCHIVE_BACKUP_")} == services["api"]["environment"]
    targets = {v["target"] for v in backup["volumes"]}
    assert {"/data", "/backup"} <= targets


def test_compose_watches_a_scanner_drop_folder_on_request(compose_config: dict) -> None:
    assert "watch" not in compose_config["services"]
    result = _compose("--profile", "watch", "config", "--format", "json", env_file=ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    watch = services["watch"]
    assert watch["image"] == services["api"]["image"] and "build" not in watch
    assert watch["command"][:3] == ["archive", "watch", "/drop"] and watch["environment"] == services["api"]["environment"]
    assert {"/data", "/drop"} <= {v["target"] for v in watch["volumes"]}


def test_compose_refuses_to_start_without_the_secrets(tmp_path: Path) -> None:
    _require_compose()
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = _compose("config", env_file=empty)
    assert result.returncode != 0
    assert "set in .env" in result.stderr


# -- checks that need no docker at all ------------------------------------------------------------

def test_no_secret_is_written_in_the_compose_file() -> None:
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    assert {"ELASTIC_PASSWORD", "S3_ACCESS_KEY", "S3_SECRET_KEY", "REDIS_PASSWORD"} <= required
    example = {line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines()
               if line and not line.startswith("#") and "=" in line}
    assert required <= example, f".env.example lacks {sorted(required - example)}"
    for line in text.splitlines():
        if re.search(r"(PASSWORD|SECRET|ACCESS_KEY)\s*[:=]", line, re.I):
            assert "${" in line, f"a literal secret in docker-compose.yml: {line.strip()}"


def _builder():
    spec = importlib.util.spec_from_file_location("image_build", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_dockerfile_builds_the_archive_behind_the_builders_back() -> None:
    assert not (ROOT / "Dockerfile").exists() and not (ROOT / ".dockerignore").exists()
    assert not (ROOT / "deploy" / "s3" / "Dockerfile").exists()
    assert "Dockerfile" not in COMPOSE.read_text()


def test_the_builder_makes_a_non_root_image_with_tesseract(tmp_path: Path) -> None:
    build = _builder()
    for package in ("tesseract-ocr", "tesseract-ocr-vie", "tesseract-ocr-eng", "fonts-dejavu-core"):
        assert package in build.RUNTIME_PACKAGES, package
    # ... and they stay in the image: the lock's role for them is `image`, not `build` (purged before packing)
    roles = {entry["package"]: entry["role"] for entry in build.read_lock()}
    assert all(roles.get(package) == "image" for package in build.RUNTIME_PACKAGES), roles
    assert all(roles.get(package) == "build" for package in build.BUILD_PACKAGES)
    config = build.image_config("sha256:" + "0" * 64, 1_700_000_000, "9.9.9", "abc")
    assert config["config"]["User"] == "10001:10001" and not config["config"]["User"].startswith("0")
    assert config["config"]["ExposedPorts"] == {"8000/tcp": {}}
    assert config["config"]["Healthcheck"]["Test"][0] == "CMD" and "/healthz" in config["config"]["Healthcheck"]["Test"][-1]
    assert config["created"] == "2023-11-14T22:13:20Z"
    # Every package the project installs goes into the image (common/ once did not: nothing could import).
    (tmp_path / "in").mkdir()
    build.snapshot_project(ROOT, tmp_path)
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in (name.rstrip("*") for name in packages):
        assert (tmp_path / "in" / "src" / package / "__init__.py").is_file(), f"the image lacks {package}/"
    assert not list((tmp_path / "in" / "src").rglob("__pycache__"))
