"""pytest plugin: real Elasticsearch, S3 (SeaweedFS), Redis and Keycloak servers on 127.0.0.1.

Load it with ``pytest_plugins = ["tests.servers"]`` (or ``pytest -p tests.servers``).

Fixtures (session-scoped, started lazily the first time a test asks for them):

``elasticsearch_server`` -> :class:`ElasticsearchServer`
    ``.url`` ("http://127.0.0.1:PORT"), ``.port``, ``.env()``, ``.stop()``, ``.start()``,
    ``.is_running()``, ``.log_path``
``s3_server`` -> :class:`S3Server`
    ``.endpoint`` ("127.0.0.1:PORT"), ``.port``, ``.access_key``, ``.secret_key``, ``.bucket``,
    ``.secure`` (False), ``.env()``, ``.stop()``, ``.start()``, ``.is_running()``, ``.log_path``
``redis_server`` -> :class:`RedisServer`
    ``.url`` ("redis://127.0.0.1:PORT/0"), ``.port``, ``.env()``, ``.stop()``, ``.start()``
``keycloak_server`` -> :class:`KeycloakServer`
    ``.url`` ("http://127.0.0.1:PORT"), ``.port``, ``.admin``, ``.admin_password`` (the master
    realm's bootstrap admin, random per run), ``.issuer(realm)``, ``.env()`` (the ARCHIVE_OIDC_*
    settings of the development realm `archive` that scripts/services creates), ``.stop()``, ``.start()``

``.env()`` returns the ARCHIVE_* settings that point the archive at the server.
``.stop()`` blocks until the server is down (its data is kept); ``.start()`` blocks until it
answers again. A test that leaves a server stopped gets it restarted after the test.

The servers are started by the same code as ``scripts/services`` (this module loads that file),
on their own ports (ES in 9250..9298, S3 in 8433..8493, Redis in 6390..6429, Keycloak in 8280..8319,
the first free one from a place chosen by the test process's pid; override with ARCHIVE_TEST_ES_PORT /
ARCHIVE_TEST_S3_PORT / ARCHIVE_TEST_REDIS_PORT / ARCHIVE_TEST_KEYCLOAK_PORT) and in their
own fresh run directory, so they never collide with a developer's ``scripts/services up`` nor with
another test run on the same machine. Downloads and builds are cached in
~/.cache/equipment-archive, so only the very first run is slow (SeaweedFS compiles for minutes).

When a server cannot be started the tests that need it are skipped with the reason and how to
get it, or fail with the reason and the server's log tail when ``CI=true``.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import httpx
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "services"
IN_CI = os.environ.get("CI") == "true"
# Test ports: ES HTTP 9250..9298 (transport +100), S3 8433..8493 (SeaweedFS +1000..+1002 and
# +10000): clear of the developer defaults (9200/9300, 8333/9333-9335) that scripts/services uses.
ES_PORT_RANGE = (9250, 2, 25)   # first, step, count
S3_PORT_RANGE = (8433, 4, 16)
REDIS_PORT_RANGE = (6390, 1, 40)
KEYCLOAK_PORT_RANGE = (8280, 1, 40)  # clear of the developer default 8180
HOW_TO_GET = (
    "Elasticsearch needs Java 21+ (ES_JAVA_HOME) and Maven (mvn) to fetch it; the S3 server "
    "(SeaweedFS) needs Go to build it once; Redis is Debian's redis-server (scripts/install-system.sh); "
    "Keycloak needs Java 21+ (KEYCLOAK_JAVA_HOME) and Maven. "
    "Install those, then check with `scripts/services up` (and `scripts/services up keycloak`)."
)


def wait_until_healthy(url: str, seconds: float, why_down: Callable[[], Optional[str]] = lambda: None,
                       detail: Callable[[], str] = lambda: "") -> None:
    """Polls `url` until it answers 200. Fails at once when `why_down()` says why the server is gone, and after
    `seconds` with `detail()` (its log, say)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        reason = why_down()
        assert reason is None, reason
        assert time.monotonic() < deadline, f"{url} did not answer 200 in {seconds:.0f} s\n{detail()}"
        time.sleep(0.5)


def stop_process_group(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stops a server a test started in a session of its own (`start_new_session=True`): SIGTERM to its process
    group, SIGKILL when it is not gone within `timeout` seconds."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def load_services_module() -> Any:
    """scripts/services as a module (it has no .py suffix, so load it by path)."""
    loader = importlib.machinery.SourceFileLoader("archive_services_script", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


services = load_services_module()


@contextlib.contextmanager
def _environ(overrides: Dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _port_free(port: int) -> bool:
    if not 0 < port < 65536:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _es_ports(port: int) -> List[int]:
    return [port, port + 100]


def _s3_ports(port: int) -> List[int]:
    return services.s3_all_ports(port)


def _pick_port(first: int, step: int, count: int, ports_of, env_name: str, exclude: set) -> int:
    """A port from `first`, `first + step`, ... (`count` of them) whose whole port set is free.

    Each test process starts at its own place in that range (by pid), so concurrent pytest runs
    on one machine do not race for the same ports, nor grab a port another run's server left
    free for a moment while a fault test had it stopped."""
    explicit = os.environ.get(env_name)
    if explicit:
        return int(explicit)
    offset = os.getpid() % count
    for i in range(count):
        port = first + ((offset + i) % count) * step
        if port not in exclude and all(_port_free(p) for p in ports_of(port)):
            return port
    raise services.ServiceError("no free set of ports in %d..%d for the test server"
                                % (first, first + (count - 1) * step))


class _Server:
    name = ""
    port_range = (0, 1, 1)
    port_env = ""

    def __init__(self, run_dir: str) -> None:
        self.run_dir = run_dir
        self.port = 0
        self.info: Dict[str, Any] = {}
        self.stopped_by_test = False
        self._tried_ports: set = set()

    # settings the services module reads, for this test instance only
    def _overrides(self) -> Dict[str, str]:
        return {"ARCHIVE_SERVICES_DIR": self.run_dir}

    def _ports_of(self, port: int) -> List[int]:
        raise NotImplementedError

    def _apply(self, info: Dict[str, Any]) -> None:
        self.info = info

    def start(self) -> "_Server":
        """Start (or restart) the server; returns when it answers."""
        attempts = 0
        while True:
            if not self.port:
                self.port = _pick_port(*self.port_range, self._ports_of, self.port_env, self._tried_ports)
            with _environ(self._overrides()):
                try:
                    info = services.up(self.name)
                except services.ServiceError as error:
                    # another process took the port between the check and the start: try others
                    attempts += 1
                    first_start = not self.info  # a restart must keep its port: tests hold the URL
                    if ("already in use" in str(error) and first_start and attempts < 3
                            and not os.environ.get(self.port_env)):
                        self._tried_ports.add(self.port)
                        self.port = 0
                        continue
                    raise
            self._apply(info)
            self.stopped_by_test = False
            return self

    def stop(self) -> None:
        """Stop the server; returns when its processes are gone. Data is kept for start()."""
        with _environ(self._overrides()):
            services.down(self.name)
        self.stopped_by_test = True

    def is_running(self) -> bool:
        with _environ(self._overrides()):
            info = services._running(self.name)
            return bool(info) and services.answers(self.name, info)

    def shutdown(self) -> None:
        with _environ(self._overrides()):
            services.down(self.name)

    @property
    def log_path(self) -> Optional[str]:
        return self.info.get("log")

    def env(self) -> Dict[str, str]:
        raise NotImplementedError


class ElasticsearchServer(_Server):
    name = "elasticsearch"
    port_range = ES_PORT_RANGE
    port_env = "ARCHIVE_TEST_ES_PORT"

    def _overrides(self) -> Dict[str, str]:
        return {**super()._overrides(), "ARCHIVE_SERVICES_ES_PORT": str(self.port)}

    def _ports_of(self, port: int) -> List[int]:
        return _es_ports(port)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def env(self) -> Dict[str, str]:
        return {"ARCHIVE_INDEX": "elasticsearch", "ARCHIVE_ES_URL": self.url}


class S3Server(_Server):
    name = "s3"
    port_range = S3_PORT_RANGE
    port_env = "ARCHIVE_TEST_S3_PORT"
    access_key = "archive-test"
    secret_key = "archive-test-secret-key"
    bucket = "archive"
    secure = False

    def _overrides(self) -> Dict[str, str]:
        return {**super()._overrides(), "ARCHIVE_SERVICES_S3_PORT": str(self.port),
                "ARCHIVE_SERVICES_S3_ACCESS_KEY": self.access_key,
                "ARCHIVE_SERVICES_S3_SECRET_KEY": self.secret_key,
                "ARCHIVE_SERVICES_S3_BUCKET": self.bucket}

    def _ports_of(self, port: int) -> List[int]:
        return _s3_ports(port)

    @property
    def endpoint(self) -> str:
        return "127.0.0.1:%d" % self.port

    def env(self) -> Dict[str, str]:
        return {"ARCHIVE_STORAGE": "s3", "ARCHIVE_S3_ENDPOINT": self.endpoint,
                "ARCHIVE_S3_ACCESS_KEY": self.access_key, "ARCHIVE_S3_SECRET_KEY": self.secret_key,
                "ARCHIVE_S3_BUCKET": self.bucket, "ARCHIVE_S3_SECURE": "false"}


class RedisServer(_Server):
    name = "redis"
    port_range = REDIS_PORT_RANGE
    port_env = "ARCHIVE_TEST_REDIS_PORT"

    def _overrides(self) -> Dict[str, str]:
        return {**super()._overrides(), "ARCHIVE_SERVICES_REDIS_PORT": str(self.port)}

    def _ports_of(self, port: int) -> List[int]:
        return [port]

    @property
    def url(self) -> str:
        return "redis://127.0.0.1:%d/0" % self.port

    def env(self) -> Dict[str, str]:
        return {"ARCHIVE_QUEUE": "redis", "ARCHIVE_REDIS_URL": self.url}


class KeycloakServer(_Server):
    name = "keycloak"
    port_range = KEYCLOAK_PORT_RANGE
    port_env = "ARCHIVE_TEST_KEYCLOAK_PORT"
    admin = "archive-test-admin"

    def __init__(self, run_dir: str) -> None:
        super().__init__(run_dir)
        self.admin_password = secrets.token_urlsafe(18)

    def _overrides(self) -> Dict[str, str]:
        return {**super()._overrides(), "ARCHIVE_SERVICES_KEYCLOAK_PORT": str(self.port),
                "ARCHIVE_SERVICES_KEYCLOAK_ADMIN": self.admin,
                "ARCHIVE_SERVICES_KEYCLOAK_ADMIN_PASSWORD": self.admin_password}

    def _ports_of(self, port: int) -> List[int]:
        return [port]

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def issuer(self, realm: str) -> str:
        return "%s/realms/%s" % (self.url, realm)

    def env(self) -> Dict[str, str]:
        with _environ(self._overrides()):
            return services.env_vars(["keycloak"])


_STARTED: List[_Server] = []


@pytest.fixture(scope="session")
def _services_run_dir() -> Iterator[str]:
    # mkdtemp makes it 0700; 0711 lets the unprivileged ES user (when root) reach its state dir.
    path = tempfile.mkdtemp(prefix="archive-test-services-")
    os.chmod(path, 0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _provide(server: _Server) -> _Server:
    started = time.monotonic()
    _STARTED.append(server)  # stopped at the end, whatever part of it started
    message = None
    try:
        server.start()
    except services.ServiceError as error:
        message = "%s test server could not be started: %s" % (server.name, error.report())
    if message is not None:
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip("%s\n%s" % (message, HOW_TO_GET))
    server.info["fixture_start_seconds"] = round(time.monotonic() - started, 1)
    return server


@pytest.fixture(scope="session")
def elasticsearch_server(_services_run_dir: str) -> Iterator[ElasticsearchServer]:
    server = ElasticsearchServer(_services_run_dir)
    yield _provide(server)  # type: ignore[misc]
    server.shutdown()


@pytest.fixture(scope="session")
def s3_server(_services_run_dir: str) -> Iterator[S3Server]:
    server = S3Server(_services_run_dir)
    yield _provide(server)  # type: ignore[misc]
    server.shutdown()


@pytest.fixture(scope="session")
def redis_server(_services_run_dir: str) -> Iterator[RedisServer]:
    server = RedisServer(_services_run_dir)
    yield _provide(server)  # type: ignore[misc]
    server.shutdown()


@pytest.fixture(scope="session")
def keycloak_server(_services_run_dir: str) -> Iterator[KeycloakServer]:
    server = KeycloakServer(_services_run_dir)
    yield _provide(server)  # type: ignore[misc]
    server.shutdown()


@pytest.fixture(autouse=True)
def _restart_servers_left_down() -> Iterator[None]:
    """A fault test that stopped a server and did not start it again gets it back afterwards."""
    yield
    for server in _STARTED:
        if server.stopped_by_test:
            server.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Fixture teardown normally stops them; this also covers an interrupted session.
    for server in _STARTED:
        try:
            server.shutdown()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
