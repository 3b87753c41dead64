"""Helpers for queue tests: `archive worker` processes started and stopped for real."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_archive


class WorkerProcess:
    """One `archive worker` in its own process group (its extraction processes die with it)."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "archive", "worker", "--workers", str(workers)],
            env={**os.environ, **env, "COLUMNS": "200"}, stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.ident = self._wait_for_ident()

    def _wait_for_ident(self, timeout_s: float = 60) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in self.log.read_text().splitlines():
                if line.startswith("worker ") and " at once, on the " in line:
                    return line.split()[1].rstrip(":")
            if self.process.poll() is not None:
                raise AssertionError(f"archive worker exited {self.process.returncode}:\n{self.log.read_text()}")
            time.sleep(0.1)
        raise AssertionError(f"archive worker did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL, the whole group: what a power cut or the OOM killer does."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        """Ctrl-C: the worker finishes the files in hand and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_file.close()
        return self.process.returncode


@pytest.fixture
def start_worker(tmp_path):
    started: list[WorkerProcess] = []

    def start(env: dict[str, str], workers: int = 1) -> WorkerProcess:
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log", workers)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait()


def queue_job(env: dict[str, str], *paths: Path | str, extra: tuple[str, ...] = ()) -> str:
    done = run_archive(env, "ingest", *map(str, paths), "--queue", "--json", *extra)
    return json.loads(done.stdout)["job_id"]


def wait_for_job(env: dict[str, str], job_id: str, *extra: str) -> dict:
    return json.loads(run_archive(env, "job", job_id, "--wait", "--json", *extra).stdout)


def job_status(env: dict[str, str], job_id: str) -> dict:
    return json.loads(run_archive(env, "job", job_id, "--json").stdout)


# The scale-out archive (S3 + Elasticsearch) of tests/scaleout, for workers on the Redis queue.
from tests.scaleout.conftest import scaleout_env, scaleout_service, scaleout_settings  # noqa: E402,F401
