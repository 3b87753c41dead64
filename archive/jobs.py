"""Upload jobs: small bookkeeping in SQLite (standard library), not search and not the system of record."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from archive.errors import NotFound
from archive.models import IngestResult, Job, JobItem

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, state TEXT NOT NULL, created_at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS job_items (
    job_id TEXT NOT NULL, position INTEGER NOT NULL, filename TEXT NOT NULL, status TEXT NOT NULL,
    document_id TEXT, error TEXT, PRIMARY KEY (job_id, position)
);
"""


class JobStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path, timeout=30)
            try:
                with db:
                    yield db
            finally:
                db.close()

    def create(self, filenames: list[str]) -> str:
        job_id = uuid.uuid4().hex
        with self._connect() as db:
            db.execute("INSERT INTO jobs (job_id, state) VALUES (?, 'queued')", (job_id,))
            db.executemany(
                "INSERT INTO job_items (job_id, position, filename, status) VALUES (?, ?, ?, 'pending')",
                [(job_id, i, name) for i, name in enumerate(filenames)],
            )
        return job_id

    def set_state(self, job_id: str, state: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE jobs SET state = ? WHERE job_id = ?", (state, job_id))

    def record(self, job_id: str, position: int, result: IngestResult) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE job_items SET status = ?, document_id = ?, error = ? WHERE job_id = ? AND position = ?",
                (result.status, result.document_id, result.error, job_id, position),
            )

    def get(self, job_id: str) -> Job:
        with self._connect() as db:
            row = db.execute("SELECT state FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
            if row is None:
                raise NotFound(f"no job {job_id}")
            items = [
                JobItem(filename=f, status=s, document_id=d, error=e)
                for f, s, d, e in db.execute(
                    "SELECT filename, status, document_id, error FROM job_items WHERE job_id = ? ORDER BY position", (job_id,)
                )
            ]
        done = sum(item.status != "pending" for item in items)
        failed = sum(item.status == "failed" for item in items)
        return Job(job_id=job_id, state=row[0], total=len(items), done=done, failed=failed, items=items)
