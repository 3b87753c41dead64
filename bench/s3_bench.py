"""Cost of the S3 adapter over the bare `minio` client: storing originals, then reading them back.

The same random bytes go through `S3ObjectStore.put` (SHA-256 metadata, retries, key checks)
and through raw `Minio.put_object`, into the same versioned bucket under two prefixes, in
alternating order so neither side always runs on a warmer server. ratio = raw / adapter time
(1.0: the adapter costs nothing; the aim is >= 0.9). Reads compare `get` (which re-hashes)
with a raw `get_object().read()`.

    python bench/s3_bench.py --objects 200 --large 4

Server: ARCHIVE_S3_ENDPOINT / ARCHIVE_S3_ACCESS_KEY / ARCHIVE_S3_SECRET_KEY when set,
otherwise the one of `scripts/services up s3` (stopped again at the end if this script started it).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, summary_ms, write_result  # noqa: E402

MB = 1_000_000


def server_from_env_or_services() -> tuple[dict[str, str], bool]:
    """Connection settings, and whether this script started the server (so must stop it)."""
    if os.environ.get("ARCHIVE_S3_ENDPOINT"):
        return {k: v for k, v in os.environ.items() if k.startswith("ARCHIVE_S3_")}, False
    services = str(ROOT / "scripts" / "services")
    already_up = subprocess.run([services, "status", "s3"], capture_output=True).returncode == 0
    subprocess.run([services, "up", "s3"], check=True)
    exports = subprocess.run([services, "env", "s3"], check=True, capture_output=True, text=True).stdout
    found = dict(item.partition("=")[::2] for item in exports.removeprefix("export ").split())
    return {k: v for k, v in found.items() if k.startswith("ARCHIVE_S3_")}, not already_up


def payloads(count: int, large: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    sizes = [rng.randint(200_000, 2 * MB) for _ in range(count)] + [20 * MB] * large
    rng.shuffle(sizes)
    return [rng.randbytes(size) for size in sizes]


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def drop_bucket(client, bucket: str) -> None:
    for obj in client.list_objects(bucket, recursive=True, include_version=True):
        client.remove_object(bucket, obj.object_name, version_id=obj.version_id)
    client.remove_bucket(bucket)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=200, help="objects of 200 KB - 2 MB")
    parser.add_argument("--large", type=int, default=4, help="objects of 20 MB")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from minio import Minio

    from storage.layout import original_key
    from storage.s3 import S3ObjectStore

    env, started = server_from_env_or_services()
    endpoint, access, secret = env["ARCHIVE_S3_ENDPOINT"], env.get("ARCHIVE_S3_ACCESS_KEY"), env.get("ARCHIVE_S3_SECRET_KEY")
    secure = env.get("ARCHIVE_S3_SECURE", "false").lower() in ("1", "true", "yes")
    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    store = S3ObjectStore(endpoint, access, secret, bucket, secure=secure)
    raw = Minio(endpoint, access, secret, secure=secure)
    data = payloads(args.objects, args.large, args.seed)
    keys = [original_key(hashlib.sha256(d).hexdigest()) for d in data]
    try:
        for d, key in zip(data[:5], keys[:5]):  # warm-up: connections, server caches
            store.put(f"warm/{key}", d)
            raw.put_object(bucket, f"warm-raw/{key}", io.BytesIO(d), len(d))

        puts = {"adapter": [], "raw": []}
        gets = {"adapter": [], "raw": []}

        def adapter_put(d: bytes, key: str) -> None:
            puts["adapter"].append(timed(lambda: store.put(key, d)))

        def raw_put(d: bytes, key: str) -> None:
            puts["raw"].append(timed(lambda: raw.put_object(bucket, f"raw/{key}", io.BytesIO(d), len(d))))

        def adapter_get(key: str) -> None:
            gets["adapter"].append(timed(lambda: store.get(key)))

        def raw_get(key: str) -> None:
            def read() -> None:
                response = raw.get_object(bucket, f"raw/{key}")
                try:
                    response.read()
                finally:
                    response.close()
                    response.release_conn()

            gets["raw"].append(timed(read))

        for i, (d, key) in enumerate(zip(data, keys)):
            first, second = (adapter_put, raw_put) if i % 2 == 0 else (raw_put, adapter_put)
            first(d, key)
            second(d, key)
        for i, key in enumerate(keys):
            first, second = (adapter_get, raw_get) if i % 2 == 0 else (raw_get, adapter_get)
            first(key)
            second(key)
        assert store.get(keys[0]) == data[0]
        versioning = store.versioning
    finally:
        store.close()
        drop_bucket(raw, bucket)
        if started:
            subprocess.run([str(ROOT / "scripts" / "services"), "down", "s3"], check=False, capture_output=True)

    total_bytes = sum(len(d) for d in data)
    put_ratio = sum(puts["raw"]) / sum(puts["adapter"])
    get_ratio = sum(gets["raw"]) / sum(gets["adapter"])
    result = {
        "objects": len(data),
        "sizes": f"{args.objects} of 200 KB - 2 MB + {args.large} of 20 MB",
        "total_mb": round(total_bytes / MB, 1),
        "server": "SeaweedFS S3 gateway on 127.0.0.1 (versioned bucket)" if started else f"{endpoint} (from ARCHIVE_S3_ENDPOINT)",
        "bucket_versioning": versioning,
        "put": {
            "adapter": {**summary_ms(puts["adapter"]), "total_s": round(sum(puts["adapter"]), 3)},
            "raw_minio": {**summary_ms(puts["raw"]), "total_s": round(sum(puts["raw"]), 3)},
            "adapter_mb_per_s": round(total_bytes / MB / sum(puts["adapter"]), 1),
            "ratio_raw_over_adapter": round(put_ratio, 3),
        },
        "get": {
            "adapter": {**summary_ms(gets["adapter"]), "total_s": round(sum(gets["adapter"]), 3)},
            "raw_minio": {**summary_ms(gets["raw"]), "total_s": round(sum(gets["raw"]), 3)},
            "ratio_raw_over_adapter": round(get_ratio, 3),
        },
        "aim": "put ratio >= 0.9",
        "note": "same bytes, same bucket, alternating order; adapter put includes SHA-256 of the content "
        "and its metadata header, adapter get re-hashes and compares",
        "command": f"python bench/s3_bench.py --objects {args.objects} --large {args.large}",
    }
    print(result)
    print(f"written to {write_result('s3_store', result)}")


if __name__ == "__main__":
    main()
