"""Behaviour every ObjectStore adapter must have. Parametrised over the adapters this build has."""

from __future__ import annotations

import io
import os
import threading
import uuid

import pytest

from storage.errors import ObjectNotFound, StorageError
from storage.local import LocalObjectStore


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        adapter = LocalObjectStore(tmp_path / "objects")
        yield adapter
        adapter.close()
        return
    server = request.getfixturevalue("s3_server")  # only the s3 param starts the server
    from minio import Minio

    from storage.s3 import S3ObjectStore

    bucket = f"contract-{uuid.uuid4().hex[:16]}"
    adapter = S3ObjectStore(server.endpoint, server.access_key, server.secret_key, bucket)
    yield adapter
    adapter.close()
    drop_bucket(Minio(server.endpoint, server.access_key, server.secret_key, secure=False), bucket)


def drop_bucket(client, bucket: str) -> None:
    """Every version and delete marker first: a versioned bucket keeps them all."""
    for obj in client.list_objects(bucket, recursive=True, include_version=True):
        client.remove_object(bucket, obj.object_name, version_id=obj.version_id)
    client.remove_bucket(bucket)


def test_put_then_get_returns_the_same_bytes(store):
    store.put("originals/ab/abc", b"hello \x00 world")
    assert store.get("originals/ab/abc") == b"hello \x00 world"
    assert store.stat("originals/ab/abc").size == len(b"hello \x00 world")
    assert store.exists("originals/ab/abc")


def test_put_streams_from_a_file_object(store):
    payload = os.urandom(3 * (1 << 20) + 17)
    store.put("big", io.BytesIO(payload))
    assert store.get("big") == payload


def test_missing_key_raises_not_found(store):
    with pytest.raises(ObjectNotFound):
        store.get("records/no/such.json")
    with pytest.raises(ObjectNotFound):
        store.stat("records/no/such.json")
    assert not store.exists("records/no/such.json")


@pytest.mark.parametrize(("start", "end", "expected"), [(0, 4, b"01234"), (5, None, b"56789"), (8, 20, b"89"), (3, 3, b"3")])
def test_ranged_reads(store, start, end, expected):
    store.put("digits", b"0123456789")
    assert b"".join(store.open_range("digits", start, end, chunk_size=2)) == expected


def test_overwrite_replaces_whole_object(store):
    store.put("k", b"first version, long")
    store.put("k", b"second")
    assert store.get("k") == b"second"


def test_list_by_prefix_and_delete(store):
    for key in ("records/aa/1.json", "records/bb/2.json", "originals/aa/1"):
        store.put(key, b"{}")
    assert sorted(store.list("records/")) == ["records/aa/1.json", "records/bb/2.json"]
    store.delete("records/aa/1.json")
    assert sorted(store.list("records/")) == ["records/bb/2.json"]


@pytest.mark.parametrize("key", ["../outside", "a/../../b", "/absolute", ""])
def test_keys_cannot_escape_the_store(store, key):
    for attempt in (
        lambda: store.put(key, b"x"),
        lambda: store.get(key),
        lambda: store.stat(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: store.open_range(key),
    ):
        with pytest.raises(StorageError):
            attempt()


def test_concurrent_writers_never_leave_a_torn_object(store):
    payloads = [bytes([i]) * 200_000 for i in range(8)]

    def write(data: bytes) -> None:
        store.put("contended", data)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("contended") in payloads
    assert not [k for k in store.list("") if ".tmp-" in k]


def test_failed_write_leaves_no_partial_object(store):
    class Exploding(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            raise OSError("disk went away")

    with pytest.raises(StorageError):
        store.put("partial", Exploding())
    assert not store.exists("partial")
    assert list(store.list("")) == []


def test_writes_made_durable_a_group_at_a_time_are_whole_and_visible_at_once(store):
    from storage.ports import durable_in_groups, make_durable

    with durable_in_groups(store):
        store.put("records/ab/one.json", b"{}")
        store.put("originals/ab/one", b"%PDF one")
        assert store.get("originals/ab/one") == b"%PDF one"  # visible before its group ends
        make_durable(store)
        store.put("records/ab/two.json", b'{"n": 2}')
        store.delete("records/ab/one.json")
    make_durable(store)  # outside a group: nothing waits
    assert sorted(store.list("records/")) == ["records/ab/two.json"]
    assert store.get("records/ab/two.json") == b'{"n": 2}'
    assert not [key for key in store.list("") if ".tmp-" in key]
