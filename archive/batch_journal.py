"""The durable state of a batch: which inputs are done and how they ended, committed file by file.

A batch is known by what it was given (the inputs' names and sizes), so running the same command
again after a crash or a SIGKILL resumes it: inputs already done are reported as they ended, not
read again; the rest are ingested. Content addressing already makes a second store impossible;
the journal is what lets the rerun report the first run's outcome instead of "duplicate".
SQLite (standard library), WAL, one transaction per group of finished inputs (a batch's index group).
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from archive.inputs import IngestInput
from archive.models import IngestResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    batch_key TEXT PRIMARY KEY, inputs INTEGER NOT NULL, started_at TEXT DEFAULT CURRENT_TIMESTAMP, finished_at TEXT
);
CREATE TABLE IF NOT EXISTS batch_started (
    batch_key TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (batch_key, name)
);
CREATE TABLE IF NOT EXISTS batch_items (
    batch_key TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, result TEXT NOT NULL,
    PRIMARY KEY (batch_key, name)
);
"""


def batch_key(items: Iterable[IngestInput]) -> str:
    listing = "\n".join(f"{item.name}\t{item.size}" for item in items)
    return hashlib.sha256(listing.encode()).hexdigest()


class BatchJournal:
    def __init__(self, path: Path, items: list[IngestInput]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.key = batch_key(items)
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a committed item survives a power cut, not only a kill
        self._db.executescript(_SCHEMA)
        row = self._db.execute("SELECT finished_at FROM batches WHERE batch_key = ?", (self.key,)).fetchone()
        self.resumed = row is not None and row[0] is None
        if row is not None and row[0] is not None:
            # The same inputs once more after a finished batch: a new batch, judged afresh.
            self._db.execute("DELETE FROM batch_items WHERE batch_key = ?", (self.key,))
            self._db.execute("DELETE FROM batch_started WHERE batch_key = ?", (self.key,))
            self._db.execute("UPDATE batches SET finished_at = NULL, started_at = CURRENT_TIMESTAMP WHERE batch_key = ?", (self.key,))
        else:
            self._db.execute("INSERT OR IGNORE INTO batches (batch_key, inputs) VALUES (?, ?)", (self.key, len(items)))
        self._coming: dict[str, str] = {}  # name -> sha256 announced, not yet written
        self._started: dict[str, str] = {}  # name -> sha256 written by this run
        self._done = {
            (name, size): IngestResult.model_validate_json(result)
            for name, size, result in self._db.execute(
                "SELECT name, size, result FROM batch_items WHERE batch_key = ?", (self.key,))
        }

    def done(self, item: IngestInput) -> IngestResult | None:
        """How this input ended in an earlier, interrupted run of the same batch."""
        return self._done.get((item.name, item.size))

    @property
    def done_count(self) -> int:
        return len(self._done)

    def will_start(self, item: IngestInput, sha256: str) -> None:
        """This input is being read and may be stored soon: noted with the next `starting` (one sync for several)."""
        self._coming[item.name] = sha256

    def starting(self, item: IngestInput, sha256: str) -> None:
        """About to store this input: if the run dies now, the rerun knows the stored copy is this batch's. Written
        (synced) before this returns, together with the inputs announced by `will_start` since the last time."""
        if self._started.get(item.name) == sha256:
            return
        self._coming[item.name] = sha256
        rows = [(self.key, name, sha) for name, sha in self._coming.items()]
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO batch_started (batch_key, name, sha256) VALUES (?, ?, ?)", rows)
        self._started.update(self._coming)
        self._coming.clear()

    def started_as(self, item: IngestInput) -> str | None:
        row = self._db.execute("SELECT sha256 FROM batch_started WHERE batch_key = ? AND name = ?",
                               (self.key, item.name)).fetchone()
        return row[0] if row else None

    def record(self, item: IngestInput, result: IngestResult) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO batch_items (batch_key, name, size, result) VALUES (?, ?, ?, ?)",
            (self.key, item.name, item.size, result.model_dump_json()))

    def record_all(self, finished: list[tuple[IngestInput, IngestResult]]) -> None:
        """Several outcomes in one transaction (one sync): a batch notes a committed group at once."""
        with self._transaction():
            for item, result in finished:
                self.record(item, result)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def finish(self) -> None:
        self._db.execute("UPDATE batches SET finished_at = CURRENT_TIMESTAMP WHERE batch_key = ?", (self.key,))

    def close(self) -> None:
        self._db.close()
