"""Workers that recover by themselves: files held by a worker that died are queued again, with no command.

Huey takes a message off the queue when a worker starts on it and has no acknowledgement, so a worker killed
(SIGKILL, power loss, the OOM killer) loses the files in its hands. Each worker therefore keeps a lease in the
queue's own key-value store (SQLite or Redis, whichever the queue is): its identity, a heartbeat renewed every
`lease_s / 4` seconds by a thread of its own (so a page that takes minutes to read does not look like death), and
the files it holds. Every worker, at each beat, looks at the others' leases: one not renewed for `lease_s` is a
dead worker's, and its files still without a result are queued again (from what the job noted when it staged
them) and its lease removed — under a short lock in the same store, so exactly one live worker does it. A file
whose first attempt had already stored it is recognised by its hash and is not stored twice (archive.queue).

A file is taken again within about `lease_s * 1.25` seconds of its worker's death, as long as one worker lives
(a worker that starts looks at once). The lease names a file before the job's claim does, so every claim a
person sees is covered. Not covered: a worker killed in the milliseconds between Huey handing it a message and
the lease naming the file; `archive job ID --requeue` still queues such a file again."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from huey.api import Huey

log = logging.getLogger("archive.leases")

_REGISTRY = "archive-worker-leases"
_LOCK = "archive-worker-leases-lock"
_STALE_LOCK_S = 30.0  # a lock older than this was left by a worker killed inside its few milliseconds


class Leases:
    def __init__(self, huey: Huey, ident: str, lease_s: float, requeue: Callable[[str, int], bool],
                 on_recovered: Callable[[str, list[tuple[str, int]]], None] | None = None) -> None:
        self.huey = huey
        self.ident = ident
        self.lease_s = lease_s
        self.requeue = requeue  # (job_id, position) → queued again (False: it has a result already)
        self.on_recovered = on_recovered
        self._held: set[tuple[str, int]] = set()
        self._held_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- this worker -------------------------------------------------------------------------

    def start(self) -> None:
        self.beat()  # a worker that starts takes over what a dead one left at once
        self._thread = threading.Thread(target=self._beating, name="archive-lease", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            with self._registry() as leases:
                leases.pop(self.ident, None)  # a worker that stops cleanly leaves nothing to take over
        except Exception as exc:  # the queue is down: the lease simply expires
            log.warning("could not remove the lease of %s: %s", self.ident, exc)

    def hold(self, job_id: str, position: int) -> None:
        with self._held_lock:
            self._held.add((job_id, position))
        self.beat()  # named in the lease before the work starts

    def release(self, job_id: str, position: int) -> None:
        with self._held_lock:
            self._held.discard((job_id, position))

    def _beating(self) -> None:
        while not self._stop.wait(self.lease_s / 4):
            try:
                self.beat()
            except Exception as exc:  # a queue that is down for a while must not stop the heartbeat for good
                log.warning("lease of %s not renewed: %s", self.ident, exc)

    def beat(self) -> None:
        """Renew this worker's lease; take over the files of any worker whose lease ran out."""
        now = time.time()
        with self._held_lock:
            held = sorted(self._held)
        recovered: dict[str, list[tuple[str, int]]] = {}
        with self._registry() as leases:
            leases[self.ident] = {"beat": now, "held": [list(item) for item in held]}
            for ident, lease in list(leases.items()):
                if ident != self.ident and now - lease["beat"] > self.lease_s:
                    recovered[ident] = [(job_id, position) for job_id, position in lease["held"]
                                        if self.requeue(job_id, position)]
                    del leases[ident]
        for ident, files in recovered.items():
            log.warning("lease of %s ran out (the worker died or lost the queue): %d of its files queued again",
                        ident, len(files))
            if self.on_recovered is not None:
                self.on_recovered(ident, files)

    # ---- the shared registry -----------------------------------------------------------------

    def _registry(self) -> _Registry:
        return _Registry(self.huey)


class _Registry:
    """The leases of every worker, read and written whole under the store's put-if-empty lock."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey
        self.leases: dict = {}

    def __enter__(self) -> dict:
        deadline = time.monotonic() + 2 * _STALE_LOCK_S
        while not self.huey.storage.put_if_empty(_LOCK, str(time.time()).encode()):
            held_since = self.huey.storage.peek_data(_LOCK)
            try:
                stale = time.time() - float(bytes(held_since).decode()) > _STALE_LOCK_S
            except (TypeError, ValueError, UnicodeDecodeError):
                stale = True  # gone meanwhile, or unreadable
            if stale:
                self.huey.storage.delete_data(_LOCK)
            elif time.monotonic() > deadline:
                raise TimeoutError("the worker leases stayed locked")
            time.sleep(0.02)
        self.leases = self.huey.get(_REGISTRY, peek=True) or {}
        return self.leases

    def __exit__(self, kind, *_) -> None:
        try:
            if kind is None:
                self.huey.put(_REGISTRY, self.leases)
        finally:
            self.huey.storage.delete_data(_LOCK)
