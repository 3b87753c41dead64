"""The scale-out object store: one versioned S3 bucket (SeaweedFS, MinIO, AWS) through `minio`.

Fixity. Every object carries the SHA-256 of its bytes as user metadata (`x-amz-meta-sha256`),
sent with the PUT itself: an object is never visible without its digest, and a write stays one
S3 PUT or one completed multipart upload, atomic for readers. S3 wants that header before the
first byte, so the digest is computed before the upload:

- bytes are hashed in memory;
- a seekable file object is hashed (and measured) in a first pass, rewound and streamed as a
  multipart upload, one part in memory at a time. The upload pass is hashed again; if the source
  changed in between, the reader raises on the last byte, which minio reads before it sends the
  last part and completes the upload, so nothing is stored;
- any other stream is first copied, while hashing, to an anonymous temporary file (constant
  memory, disk bounded by the object) and uploaded from there.

The first pass gives the length too, so minio gets it instead of `length=-1`: with an unknown
length minio reads one byte ahead and copies every part twice (3 parts' worth of memory instead
of 2), and part sizes can grow with the object instead of capping it at 10,000 parts.

Rejected: upload first, then copy-with-metadata. The object would be visible without its digest,
and in a versioned bucket the bare version would be kept forever.

`get` re-hashes and raises `IntegrityError` on mismatch. `open_range` checks only when the
range covers the whole object, once the last chunk is read; a partial range cannot be checked
against a whole-object digest. Objects without the metadata (written by other tools) are
returned unchecked.

Failures. urllib3 gets short connect/read timeouts and no retries of its own; the adapter
retries transport errors only (refused, reset, timeouts) with tenacity, a few attempts with
exponential backoff and a cap on the total delay, so a dead server fails in well under a second
and a hung one in about one read timeout. Transport errors become `StorageUnavailable`, naming
the endpoint; S3 `NoSuchKey` becomes `ObjectNotFound`.

Versioning is switched on when the bucket is opened: an overwrite or a delete keeps the older
bytes as a noncurrent version (`versions` lists them and the delete markers, `get_version` reads
one). A server that refuses is an error unless the caller passes `require_versioning=False`.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import time
from typing import BinaryIO, Callable, Iterator, TypeVar

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import MinioException, S3Error, ServerError
from minio.versioningconfig import VersioningConfig
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay, wait_exponential
from urllib3.util import Retry, Timeout

from storage.errors import IntegrityError, ObjectNotFound, StorageError, StorageUnavailable
from storage.ports import ObjectInfo, ObjectVersion

SHA256_HEADER = "x-amz-meta-sha256"
_CHUNK = 1 << 20
_MIN_PART = 5 << 20
_MAX_PARTS = 10_000
_TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)
_NOT_FOUND = {"NoSuchKey", "NoSuchVersion", "ResourceNotFound"}
_T = TypeVar("_T")


class S3ObjectStore:
    def __init__(
        self,
        endpoint: str,
        access_key: str | None,
        secret_key: str | None,
        bucket: str,
        secure: bool = False,
        region: str | None = None,
        *,
        require_versioning: bool = True,
        part_size: int = 8 << 20,
        parallel_uploads: int = 1,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        attempts: int = 3,
        max_retry_delay: float = 5.0,
        spool_dir: str | None = None,
        max_connections: int = 10,
        ca_certs: str | None = None,
    ) -> None:
        if part_size < _MIN_PART:
            raise ValueError(f"part_size must be at least {_MIN_PART} bytes (S3 minimum)")
        self.endpoint = endpoint
        self.bucket = bucket
        self._region = region
        self._part_size = part_size
        self._parallel_uploads = parallel_uploads
        self._attempts = attempts
        self._spool_dir = spool_dir
        # One retry policy, ours: urllib3 retrying too would multiply the attempts.
        self._http = urllib3.PoolManager(
            timeout=Timeout(connect=connect_timeout, read=read_timeout),
            retries=Retry(total=0, raise_on_redirect=False, raise_on_status=False),
            maxsize=max_connections,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs or certifi.where(),
        )
        self._client = Minio(endpoint, access_key, secret_key, secure=secure, region=region, http_client=self._http)
        self._retrying = Retrying(
            stop=stop_after_attempt(attempts) | stop_after_delay(max_retry_delay),
            wait=wait_exponential(multiplier=0.1, max=1.0),
            retry=retry_if_exception_type(_TRANSPORT_ERRORS),
            reraise=True,
        )
        try:
            self.versioning = self._call(self._open_bucket, f"bucket {bucket}")  # as the server reports it
            if self.versioning != ENABLED and require_versioning:
                raise StorageError(
                    f"S3 server {endpoint} does not enable versioning on bucket {bucket} ({self.versioning}); "
                    "pass require_versioning=False to use it anyway"
                )
        except BaseException:
            self._http.clear()
            raise

    def _open_bucket(self) -> str:
        """Create the bucket if needed and switch versioning on; return what the server reports."""
        if not self._client.bucket_exists(self.bucket):
            try:
                self._client.make_bucket(self.bucket, location=self._region)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        try:
            status = self._client.get_bucket_versioning(self.bucket).status_string
            if status == ENABLED:
                return status
            self._client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
            return self._client.get_bucket_versioning(self.bucket).status_string
        except S3Error as exc:
            return f"refused: {exc.code}: {exc.message}"

    def _name(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"invalid object key: {key!r}")
        return key

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream") -> None:
        name = self._name(key)
        if isinstance(data, (bytes, bytearray, memoryview)):
            payload = bytes(data)
            metadata = {SHA256_HEADER: hashlib.sha256(payload).hexdigest()}
            self._call(
                lambda: self._client.put_object(
                    self.bucket, name, io.BytesIO(payload), len(payload), content_type=content_type,
                    metadata=metadata, part_size=self._part_size, num_parallel_uploads=self._parallel_uploads,
                ),
                key,
            )
            return
        if _seekable(data):
            origin = data.tell()
            digest, length = _hash_source(data, key)
            self._put_stream(name, data, origin, digest, length, content_type)
            return
        with tempfile.TemporaryFile(dir=self._spool_dir, prefix="s3-spool-") as spool:
            digest, length = _spool_source(data, spool, key)
            self._put_stream(name, spool, 0, digest, length, content_type)

    def _put_stream(self, name: str, source: BinaryIO, origin: int, digest: str, length: int, content_type: str) -> None:
        part_size = max(self._part_size, -(-length // _MAX_PARTS))

        def upload() -> None:
            source.seek(origin)
            self._client.put_object(
                self.bucket, name, _VerifyingReader(source, digest, length, name), length,
                content_type=content_type, metadata={SHA256_HEADER: digest}, part_size=part_size,
                num_parallel_uploads=self._parallel_uploads,
            )

        self._call(upload, name)

    def get(self, key: str) -> bytes:
        return self.get_version(key, None)

    def get_version(self, key: str, version_id: str | None) -> bytes:
        name = self._name(key)

        def read() -> tuple[bytes, str | None]:
            response = self._client.get_object(self.bucket, name, version_id=version_id)
            try:
                return response.read(), response.headers.get(SHA256_HEADER)
            finally:
                response.close()
                response.release_conn()

        data, expected = self._call(read, key if version_id is None else f"{key} version {version_id}")
        _check_digest(key, expected, hashlib.sha256(data).hexdigest())
        return data

    def open_range(self, key: str, start: int = 0, end: int | None = None, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        name = self._name(key)
        if end is not None and end < start:
            return iter(())
        length = 0 if end is None else end - start + 1
        try:
            response = self._call(lambda: self._client.get_object(self.bucket, name, offset=start, length=length), key)
        except StorageError as exc:
            if isinstance(exc.__cause__, S3Error) and exc.__cause__.code == "InvalidRange":
                return iter(())  # start past the end: empty, as a file read there would be
            raise
        expected = response.headers.get(SHA256_HEADER) if _is_whole_object(response) else None
        return _Download(response, key, expected, chunk_size, self.endpoint)

    def stat(self, key: str) -> ObjectInfo:
        name = self._name(key)
        info = self._call(lambda: self._client.stat_object(self.bucket, name), key)
        return ObjectInfo(key=key, size=int(info.size or 0))

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        """In the versioned bucket this adds a delete marker; older versions stay recoverable."""
        name = self._name(key)
        self._call(lambda: self._client.remove_object(self.bucket, name), key)

    def list(self, prefix: str) -> Iterator[str]:
        """A listing cut by a transport error resumes after the last key it yielded."""
        last: str | None = None
        for attempt in range(1, self._attempts + 1):
            try:
                for obj in self._client.list_objects(self.bucket, prefix=prefix or None, recursive=True, start_after=last):
                    last = obj.object_name
                    yield last
                return
            except _TRANSPORT_ERRORS as exc:
                if attempt == self._attempts:
                    raise self._unavailable(exc, f"list {prefix!r}") from exc
                time.sleep(min(1.0, 0.1 * 2**attempt))
            except MinioException as exc:
                raise self._translate(exc, f"list {prefix!r}") from exc

    def versions(self, prefix: str) -> Iterator[ObjectVersion]:
        """Every version and delete marker under a prefix (ListObjectVersions)."""
        try:
            for obj in self._client.list_objects(self.bucket, prefix=prefix or None, recursive=True, include_version=True):
                yield ObjectVersion(
                    key=obj.object_name, version_id=obj.version_id, size=int(obj.size or 0), etag=obj.etag,
                    is_latest=str(obj.is_latest).lower() == "true", is_delete_marker=bool(obj.is_delete_marker),
                    modified=obj.last_modified,
                )
        except _TRANSPORT_ERRORS as exc:
            raise self._unavailable(exc, f"list versions {prefix!r}") from exc
        except MinioException as exc:
            raise self._translate(exc, f"list versions {prefix!r}") from exc

    def ping(self) -> None:
        if not self._call(lambda: self._client.bucket_exists(self.bucket), "ping"):
            raise StorageUnavailable(f"S3 bucket {self.bucket} does not exist on {self.endpoint}")

    def close(self) -> None:
        self._http.clear()

    def _call(self, operation: Callable[[], _T], what: str) -> _T:
        try:
            return self._retrying(operation)
        except StorageError:
            raise
        except _TRANSPORT_ERRORS as exc:
            raise self._unavailable(exc, what) from exc
        except MinioException as exc:
            raise self._translate(exc, what) from exc

    def _unavailable(self, exc: BaseException, what: str) -> StorageUnavailable:
        return StorageUnavailable(f"S3 endpoint {self.endpoint} does not answer ({what}): {exc}")

    def _translate(self, exc: MinioException, what: str) -> StorageError:
        if isinstance(exc, S3Error):
            if exc.code in _NOT_FOUND:
                return ObjectNotFound(what)
            return StorageError(f"S3 {exc.code} on {what}: {exc.message}")
        if isinstance(exc, ServerError) and exc.status_code in (502, 503, 504):
            return self._unavailable(exc, what)
        return StorageError(f"S3 server {self.endpoint} failed on {what}: {exc}")


class _VerifyingReader:
    """Hashes the upload pass. It raises on the last byte or at a premature end, which minio
    reaches before it sends the last part: a changed source is never stored."""

    def __init__(self, source: BinaryIO, digest: str, length: int, name: str) -> None:
        self._source = source
        self._digest = digest
        self._remaining = length
        self._name = name
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        wanted = self._remaining if size < 0 else min(size, self._remaining)
        chunk = _read_source(self._source, wanted, self._name)
        self._hash.update(chunk)
        self._remaining -= len(chunk)
        if not chunk or (self._remaining == 0 and self._hash.hexdigest() != self._digest):
            raise StorageError(f"source of {self._name} changed while it was being uploaded")
        return chunk


class _Download:
    """Chunks of a GET response; releases the connection at the end, on error, on close or on GC."""

    def __init__(self, response, key: str, expected: str | None, chunk_size: int, endpoint: str) -> None:
        self._response = response
        self._chunks = response.stream(chunk_size)
        self._key = key
        self._expected = expected
        self._hash = hashlib.sha256() if expected else None
        self._endpoint = endpoint

    def __iter__(self) -> _Download:
        return self

    def __next__(self) -> bytes:
        if self._response is None:
            raise StopIteration
        try:
            chunk = next(self._chunks)
        except StopIteration:
            self.close()
            if self._hash is not None:
                _check_digest(self._key, self._expected, self._hash.hexdigest())
            raise
        except _TRANSPORT_ERRORS as exc:
            self.close()
            raise StorageUnavailable(f"S3 endpoint {self._endpoint} broke off reading {self._key}: {exc}") from exc
        if self._hash is not None:
            self._hash.update(chunk)
        return chunk

    def close(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()
            response.release_conn()

    def __del__(self) -> None:
        self.close()


def _seekable(data: BinaryIO) -> bool:
    try:
        return bool(data.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _read_source(source: BinaryIO, size: int, key: str) -> bytes:
    """Source errors are the caller's, not the server's: never retried, never 'unavailable'."""
    try:
        return source.read(size)
    except Exception as exc:
        raise StorageError(f"cannot read the data for {key}: {exc}") from exc


def _hash_source(source: BinaryIO, key: str) -> tuple[str, int]:
    digest, length = hashlib.sha256(), 0
    while chunk := _read_source(source, _CHUNK, key):
        digest.update(chunk)
        length += len(chunk)
    return digest.hexdigest(), length


def _spool_source(source: BinaryIO, spool: BinaryIO, key: str) -> tuple[str, int]:
    digest, length = hashlib.sha256(), 0
    while chunk := _read_source(source, _CHUNK, key):
        digest.update(chunk)
        length += len(chunk)
        spool.write(chunk)
    spool.flush()
    return digest.hexdigest(), length


def _check_digest(key: str, expected: str | None, actual: str) -> None:
    if expected is not None and expected != actual:
        raise IntegrityError(f"{key}: stored SHA-256 {expected}, content hashes to {actual}")


def _is_whole_object(response) -> bool:
    """200, or a 206 whose Content-Range is 0..size-1: only then can the digest be checked."""
    if response.status == 200:
        return True
    content_range = response.headers.get("Content-Range", "")
    span, _, total = content_range.removeprefix("bytes ").partition("/")
    first, _, last = span.partition("-")
    return first == "0" and total.isdigit() and last.isdigit() and int(last) == int(total) - 1
