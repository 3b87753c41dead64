"""The audit trail on both object stores (the local directory and a real S3 server): appends from
threads and from two writers verify clean; every kind of tampering is reported, naming the segment."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest

from archive.audit import AuditTrail, canonical_json, entry_hash, genesis_hash
from storage import layout
from storage.errors import StorageUnavailable
from storage.local import LocalObjectStore


# The same local and S3 stores the object-store contract runs on (a fresh bucket each, dropped after).
from tests.contract.test_object_store import store  # noqa: E402,F401


def keeps_history(store) -> bool:
    return not isinstance(store, LocalObjectStore)


def record(trail: AuditTrail, n: int, **overrides) -> None:
    for i in range(n):
        trail.record(**{"actor": "an", "role": "technician", "action": "search", "outcome": "ok",
                        "target": f"query {i}", "details": {"i": i}, **overrides})


# ---- writing and reading ----------------------------------------------------------------------


def test_threads_and_two_writers_append_one_verifiable_trail(store):
    first, second = AuditTrail(store, segment_size=7), AuditTrail(store, segment_size=7)  # two "processes"

    def work(trail: AuditTrail, worker: int) -> None:
        for i in range(15):
            trail.record(actor=f"user{worker}", role="inspector", action="view", outcome="ok",
                         address="127.0.0.1", document_id=f"doc{i % 3}", details={"worker": worker, "i": i})

    threads = [threading.Thread(target=work, args=(trail, worker)) for worker, trail in enumerate([first, second] * 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.close()
    second.close()

    report = AuditTrail(store).verify()
    assert report.ok, report.problems
    assert report.checked == 90 and report.streams == 2

    entries = AuditTrail(store).entries()
    assert len(entries) == 90
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    for stream in {first.stream_id, second.stream_id}:
        chain = sorted((e for e in entries if e.stream == stream), key=lambda e: e.seq)
        assert [e.seq for e in chain] == list(range(45))
        assert chain[0].prev_hash == genesis_hash(stream)
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:]))
    assert len(AuditTrail(store).entries(user="user1")) == 15
    assert len(AuditTrail(store).entries(document="doc0")) == 30
    assert AuditTrail(store).entries(since=datetime.now(timezone.utc) + timedelta(seconds=5)) == []
    naive_past = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(tzinfo=None)
    assert len(AuditTrail(store).entries(since=naive_past)) == 90


def test_an_entry_is_what_was_hashed_and_outlives_the_process(store):
    trail = AuditTrail(store)
    entry = trail.record(actor="local:root", role="records_officer", action="classify", outcome="denied",
                         document_id="ab" * 32, details={"to": "secret", "on": datetime(2026, 1, 2).date()})
    fields = entry.model_dump(mode="json", exclude={"hash"})
    fields["at"] = json.loads(store.get(layout.audit_segment_key(entry.stream, 0)).split(b"\n")[1])["at"]
    assert entry.hash == entry_hash(fields) and entry.details == {"to": "secret", "on": "2026-01-02"}
    assert entry.at.tzinfo is not None and entry.seq == 0 and entry.prev_hash == genesis_hash(entry.stream)
    (read,) = AuditTrail(store).entries()
    assert read == entry
    with pytest.raises(ValueError):
        trail.record(actor="x", role="y", action="z", outcome="maybe")


class CountingStore:
    """Counts the calls an append makes; fails the next `fail_puts` puts."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.fail_puts = 0

    def __getattr__(self, name: str):
        method = getattr(self.inner, name)

        def counted(*args, **kwargs):
            self.calls.append(name)
            if name == "put" and self.fail_puts:
                self.fail_puts -= 1
                raise StorageUnavailable("the store does not answer")
            return method(*args, **kwargs)

        return counted


def test_an_append_only_writes_and_costs_two_puts(tmp_path, capsys):
    store = CountingStore(LocalObjectStore(tmp_path / "objects"))
    trail = AuditTrail(store, segment_size=3)
    record(trail, 1)
    assert store.calls == ["put", "put", "put"]  # the stream's first head, the segment, the head
    store.calls.clear()
    started = time.perf_counter()
    record(trail, 50)
    elapsed = time.perf_counter() - started
    assert store.calls == ["put"] * 100  # a segment and the head per entry; a new segment costs nothing extra
    assert not {"get", "list", "exists", "stat", "versions"} & set(store.calls)
    with capsys.disabled():
        print(f"\naudit append, local store, one thread: {elapsed / 50 * 1000:.1f} ms per entry")


def test_a_failed_write_raises_and_the_next_entry_starts_a_new_stream(tmp_path):
    store = CountingStore(LocalObjectStore(tmp_path / "objects"))
    trail = AuditTrail(store, segment_size=4)
    record(trail, 5)
    broken = trail.stream_id
    store.fail_puts = 1
    with pytest.raises(StorageUnavailable):
        trail.record(actor="an", role="clerk", action="upload", outcome="ok")
    record(trail, 3)
    assert trail.stream_id != broken
    report = AuditTrail(store.inner).verify()
    assert report.ok, report.problems
    assert report.checked == 8 and report.streams == 2


def test_a_batch_stores_its_entries_once_per_group_and_the_chain_stays_whole(tmp_path):
    store = CountingStore(LocalObjectStore(tmp_path / "objects"))
    trail = AuditTrail(store, segment_size=4)
    record(trail, 1)
    store.calls.clear()
    with trail.in_groups():
        record(trail, 6)  # a group of files: numbered and chained now, stored when the group is committed
        assert store.calls == [] and len(AuditTrail(store.inner).entries()) == 1
        trail.store_held()
        assert store.calls == ["put"] * 3  # segments 0 and 1, then the head: not a pair per entry
        record(trail, 3)  # the last group, stored when the block ends
    assert len(store.calls) == 6
    elsewhere = threading.Thread(target=record, args=(trail, 2))  # another thread is not held back
    elsewhere.start()
    elsewhere.join()
    report = AuditTrail(store.inner).verify()
    assert report.ok, report.problems
    assert report.checked == 12 and report.streams == 1


def test_a_group_the_store_refuses_raises_and_the_next_entry_starts_a_new_stream(tmp_path):
    store = CountingStore(LocalObjectStore(tmp_path / "objects"))
    trail = AuditTrail(store, segment_size=4)
    record(trail, 2)
    broken = trail.stream_id
    with pytest.raises(StorageUnavailable):
        with trail.in_groups():
            record(trail, 3)
            store.fail_puts = 1
            trail.store_held()
    record(trail, 1)
    assert trail.stream_id != broken
    report = AuditTrail(store.inner).verify()
    assert report.ok, report.problems
    assert report.checked == 3 and report.streams == 2  # the refused group is not half stored


# ---- tampering ------------------------------------------------------------------------------------


def written_trail(store, entries: int = 14, segment_size: int = 4) -> str:
    """A closed stream of `entries` entries: segments 0..3 hold 4, 4, 4 and 2 of them."""
    trail = AuditTrail(store, segment_size=segment_size)
    record(trail, entries)
    trail.close()
    return trail.stream_id


def segment(stream: str, number: int) -> str:
    return layout.audit_segment_key(stream, number)


def edit_lines(store, key: str, change: Callable[[list[bytes]], list[bytes]]) -> None:
    lines = store.get(key).split(b"\n")[:-1]
    store.put(key, b"\n".join(change(lines)) + b"\n")


def edit_a_field(store, stream: str) -> None:
    def change(lines):
        entry = json.loads(lines[2])  # seq 5
        entry["outcome"] = "denied"
        lines[2] = canonical_json(entry)
        return lines

    edit_lines(store, segment(stream, 1), change)


def delete_an_entry(store, stream: str) -> None:
    edit_lines(store, segment(stream, 1), lambda lines: lines[:2] + lines[3:])


def reorder_two_entries(store, stream: str) -> None:
    edit_lines(store, segment(stream, 1), lambda lines: [lines[0], lines[2], lines[1], *lines[3:]])


def delete_a_middle_segment(store, stream: str) -> None:
    store.delete(segment(stream, 1))


def delete_the_last_segment(store, stream: str) -> None:
    store.delete(segment(stream, 3))


def delete_the_last_entry(store, stream: str) -> None:
    edit_lines(store, segment(stream, 3), lambda lines: lines[:-1])


def swap_two_segments(store, stream: str) -> None:
    one, two = store.get(segment(stream, 1)), store.get(segment(stream, 2))
    store.put(segment(stream, 1), two)
    store.put(segment(stream, 2), one)


def delete_the_head(store, stream: str) -> None:
    store.delete(layout.audit_head_key(stream))


TAMPERING = {
    edit_a_field: (1, "seq 5"),
    delete_an_entry: (1, "seq 6"),
    reorder_two_entries: (1, "seq 6"),
    delete_a_middle_segment: (1, "missing"),
    delete_the_last_segment: (3, "seq 13"),
    delete_the_last_entry: (3, "seq 13"),
    swap_two_segments: (1, "seq 8"),
}


@pytest.mark.parametrize("tamper", list(TAMPERING), ids=lambda tamper: tamper.__name__)
def test_tampering_is_reported_naming_the_segment(store, tamper):
    stream = written_trail(store)
    other = written_trail(store, entries=3)  # an untouched stream beside it
    assert AuditTrail(store).verify().ok
    tamper(store, stream)

    report = AuditTrail(store).verify()

    number, detail = TAMPERING[tamper]
    key = segment(stream, number)
    assert not report.ok
    assert any(problem.startswith(key) and detail in problem for problem in report.problems), report.problems
    assert not any(other in problem for problem in report.problems)


def test_swapped_segments_are_both_named(store):
    stream = written_trail(store)
    swap_two_segments(store, stream)
    problems = AuditTrail(store).verify().problems
    assert any(p.startswith(segment(stream, 1)) and "header says" in p for p in problems), problems
    assert any(p.startswith(segment(stream, 2)) and "header says" in p for p in problems), problems


def test_a_removed_head_is_reported(store):
    stream = written_trail(store)
    delete_the_head(store, stream)
    problems = AuditTrail(store).verify().problems
    assert any(p.startswith(layout.audit_head_key(stream)) and "missing" in p for p in problems), problems


def rewrite_consistently(store, stream: str) -> None:
    """What a forger who knows the format does: edit seq 5, re-chain every later entry, rewrite the head."""
    previous = None
    last = None
    for number in range(4):
        key = segment(stream, number)
        lines = store.get(key).split(b"\n")[:-1]
        for index in range(1, len(lines)):
            entry = json.loads(lines[index])
            if entry["seq"] == 5:
                entry["outcome"] = "denied"
            if previous is not None:
                entry["prev_hash"] = previous
            entry["hash"] = previous = entry_hash(entry)
            lines[index] = canonical_json(entry)
            last = entry
        store.put(key, b"\n".join(lines) + b"\n")
    head = json.loads(store.get(layout.audit_head_key(stream)))
    head["hash"] = last["hash"]
    store.put(layout.audit_head_key(stream), canonical_json(head))


def test_a_consistent_rewrite_is_caught_only_where_the_store_keeps_history(store):
    stream = written_trail(store)
    rewrite_consistently(store, stream)
    report = AuditTrail(store).verify()
    if not keeps_history(store):
        assert report.ok  # the documented limit of the local store: unkeyed hashes, no history
        return
    assert not report.ok
    assert any(p.startswith(segment(stream, 1)) and "seq 5" in p and "rewritten" in p for p in report.problems), report.problems


def test_a_whole_stream_deleted_is_caught_only_where_the_store_keeps_history(store):
    stream = written_trail(store)
    kept = written_trail(store, entries=2)
    for key in list(store.list(layout.audit_stream_prefix(stream))) + [layout.audit_head_key(stream)]:
        store.delete(key)
    report = AuditTrail(store).verify()
    if not keeps_history(store):
        assert report.ok and report.streams == 1
        return
    assert not report.ok
    assert any(p.startswith(segment(stream, 3)) and "deleted" in p for p in report.problems), report.problems
    assert not any(kept in p for p in report.problems)


def test_verifying_an_untouched_history_reads_no_old_versions(store):
    written_trail(store)
    counting = CountingStore(store)
    report = AuditTrail(counting).verify()
    assert report.ok, report.problems
    assert "get_version" not in counting.calls  # S3: every old version is checked by its ETag (an MD5)
    assert counting.calls.count("versions") == 1
