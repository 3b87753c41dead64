"""What only the S3 adapter has: a versioned bucket, bounded-memory multipart uploads, SHA-256
metadata checked on read, and clean failures when the server goes away. Against a real server."""

from __future__ import annotations

import hashlib
import io
import socket
import tracemalloc
import uuid

import pytest
from minio import Minio

from storage.errors import IntegrityError, ObjectNotFound, StorageError, StorageUnavailable
from storage.s3 import SHA256_HEADER, S3ObjectStore

MIB = 1 << 20


@pytest.fixture
def raw(s3_server) -> Minio:
    return Minio(s3_server.endpoint, s3_server.access_key, s3_server.secret_key, secure=False)


@pytest.fixture
def bucket(raw):
    name = f"s3test-{uuid.uuid4().hex[:16]}"
    yield name
    if raw.bucket_exists(name):
        for obj in raw.list_objects(name, recursive=True, include_version=True):
            raw.remove_object(name, obj.object_name, version_id=obj.version_id)
        raw.remove_bucket(name)


@pytest.fixture
def store(s3_server, bucket):
    adapter = S3ObjectStore(s3_server.endpoint, s3_server.access_key, s3_server.secret_key, bucket)
    yield adapter
    adapter.close()


class GeneratedStream(io.RawIOBase):
    """`size` pseudo-random bytes made on the fly (each MiB numbered), never held in memory.

    A byte depends only on its position, so any read pattern sees the same content."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.block = hashlib.sha256(b"seed").digest() * (MIB // 32)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        index, offset = divmod(self.position, MIB)
        n = min(len(buffer), self.size - self.position, MIB - offset)
        if n <= 0:
            return 0
        mib = index.to_bytes(8, "big") + self.block[8:]
        buffer[:n] = mib[offset : offset + n]
        self.position += n
        return n


def generated_sha256(size: int) -> str:
    digest = hashlib.sha256()
    stream = GeneratedStream(size)
    while chunk := stream.read(MIB):
        digest.update(chunk)
    return digest.hexdigest()


def test_bucket_is_created_with_versioning_enabled(store, raw, bucket):
    assert raw.bucket_exists(bucket)
    assert store.versioning == "Enabled"
    assert raw.get_bucket_versioning(bucket).status == "Enabled"
    store.put("records/aa/1.json", b"v1")
    store.put("records/aa/1.json", b"v2")
    versions = [o for o in raw.list_objects(bucket, recursive=True, include_version=True) if not o.is_delete_marker]
    assert len(versions) == 2
    assert store.get("records/aa/1.json") == b"v2"


def test_reopening_an_existing_bucket_keeps_its_objects(s3_server, store, bucket):
    store.put("k", b"kept")
    again = S3ObjectStore(s3_server.endpoint, s3_server.access_key, s3_server.secret_key, bucket)
    try:
        assert again.get("k") == b"kept"
        assert again.versioning == "Enabled"
    finally:
        again.close()


@pytest.mark.parametrize("seekable", [False, True], ids=["stream", "seekable"])
def test_large_object_uploads_in_bounded_memory_and_round_trips(store, raw, bucket, seekable, tmp_path):
    size = 40 * MIB + 12_345
    expected = generated_sha256(size)
    if seekable:
        path = tmp_path / "big.bin"
        with path.open("wb") as out:
            stream = GeneratedStream(size)
            while chunk := stream.read(MIB):
                out.write(chunk)
        source = path.open("rb")
    else:
        source = GeneratedStream(size)

    tracemalloc.start()
    try:
        store.put("originals/bi/big", source)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        source.close()

    assert peak < size / 2, f"peak {peak / MIB:.1f} MiB for a {size / MIB:.0f} MiB object"
    assert store.stat("originals/bi/big").size == size
    assert raw.stat_object(bucket, "originals/bi/big").metadata[SHA256_HEADER] == expected
    digest = hashlib.sha256()
    for chunk in store.open_range("originals/bi/big"):
        digest.update(chunk)
    assert digest.hexdigest() == expected


def test_sha256_is_stored_as_object_metadata(store, raw, bucket):
    data = b"scan of logbook page 1"
    store.put("originals/ab/small", data)
    store.put("originals/ab/streamed", io.BytesIO(data))
    for name in ("originals/ab/small", "originals/ab/streamed"):
        assert raw.stat_object(bucket, name).metadata[SHA256_HEADER] == hashlib.sha256(data).hexdigest()


def test_tampered_bytes_are_detected_on_full_reads(store, raw, bucket):
    original = b"A" * 100_000
    store.put("originals/aa/doc", original)
    stored_sha = raw.stat_object(bucket, "originals/aa/doc").metadata[SHA256_HEADER]
    forged = b"B" + original[1:]
    raw.put_object(bucket, "originals/aa/doc", io.BytesIO(forged), len(forged), metadata={SHA256_HEADER: stored_sha})

    with pytest.raises(IntegrityError):
        store.get("originals/aa/doc")
    with pytest.raises(IntegrityError):
        b"".join(store.open_range("originals/aa/doc", chunk_size=4096))
    with pytest.raises(IntegrityError):
        b"".join(store.open_range("originals/aa/doc", 0, len(forged) - 1))
    # A partial range cannot be checked against a whole-object digest: it is served as is.
    assert b"".join(store.open_range("originals/aa/doc", 0, 9)) == b"B" + b"A" * 9


def test_a_source_that_changes_during_upload_stores_nothing(store):
    class Shifting(io.BytesIO):
        """Hands out different bytes on the second pass, like a file rewritten under us."""

        passes = 0

        def seek(self, *args):
            self.passes += 1
            if self.passes == 1:  # the rewind between the hashing pass and the upload
                with self.getbuffer() as view:
                    view[0] = ord("X")
            return super().seek(*args)

    store.put("originals/cc/doc", b"old bytes, still good")
    with pytest.raises(StorageError, match="changed"):
        store.put("originals/cc/doc", Shifting(b"new bytes " * 1000))
    assert store.get("originals/cc/doc") == b"old bytes, still good"


def test_ranges_past_the_end_are_empty(store):
    store.put("digits", b"0123456789")
    assert b"".join(store.open_range("digits", 10)) == b""
    assert b"".join(store.open_range("digits", 20, 30)) == b""
    store.put("empty", b"")
    assert store.get("empty") == b""
    assert b"".join(store.open_range("empty")) == b""


def test_delete_is_idempotent_and_missing_keys_are_not_found(store):
    store.delete("never/was")
    store.put("once", b"x")
    store.delete("once")
    store.delete("once")
    assert not store.exists("once")
    with pytest.raises(ObjectNotFound):
        store.get("once")
    with pytest.raises(ObjectNotFound):
        store.open_range("once")


def test_server_down_raises_unavailable_then_recovers(s3_server, store):
    store.put("before", b"stored before the outage")
    s3_server.stop()
    try:
        with pytest.raises(StorageUnavailable, match=s3_server.endpoint):
            store.ping()
        with pytest.raises(StorageUnavailable):
            store.put("during", b"lost")
        with pytest.raises(StorageUnavailable):
            store.put("during", io.BytesIO(b"lost too"))
        with pytest.raises(StorageUnavailable):
            store.get("before")
        with pytest.raises(StorageUnavailable):
            list(store.list(""))
    finally:
        s3_server.start()
    store.ping()
    assert store.get("before") == b"stored before the outage"
    store.put("after", b"back")
    assert store.get("after") == b"back"


def test_unreachable_endpoint_fails_fast_naming_it():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"127.0.0.1:{port}"
    with pytest.raises(StorageUnavailable, match=endpoint):
        S3ObjectStore(endpoint, "key", "secret", "archive")
