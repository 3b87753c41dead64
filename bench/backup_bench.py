"""Backup and restore throughput beside a plain file copy of the same objects, on the local store.

    python bench/backup_bench.py --documents 300 --mib 2 --rounds 3

The archive's store is filled directly (no ingest, whose cost is not what is measured): `--documents` originals
of about `--mib` MiB of incompressible bytes each under their SHA-256, and a record of a few KiB for each. Per
round, cold and warm named as such:

- plain copy: `cp -r` of the store's folder, then `sync` (what a careful operator would do by hand);
- `archive backup` (the use case in process) into an empty directory: every object copied, fsynced, read back
  and hashed, catalogued;
- `archive backup` again with nothing new (the incremental run: reads the archive's mutable objects only);
- `archive restore` of that backup into an empty deployment (every object read, hashed, written, fsynced).

The page cache is not dropped between steps (that needs root and disturbs other work on this machine): the
plain copy and the backup both read from a warm cache after the first round. Reported: MB/s per step and the
ratio to the plain copy, per round, with the spread.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import WORK, write_result  # noqa: E402


def fill(store_dir: Path, documents: int, mib: float, seed: int) -> int:
    """Originals and records straight into a local store's layout; the bytes written."""
    from storage import layout
    from storage.local import LocalObjectStore

    store = LocalObjectStore(store_dir)
    rng = __import__("random").Random(seed)
    total = 0
    for number in range(documents):
        data = rng.randbytes(int(mib * (0.5 + rng.random()) * 2**20))
        sha = hashlib.sha256(data).hexdigest()
        store.put(layout.original_key(sha), data)
        record = json.dumps({"document": {"document_id": sha, "filename": f"scan-{number}.pdf",
                                          "text": "x" * rng.randrange(2000, 6000)}}).encode()
        store.put(layout.record_key(sha), record)
        total += len(data) + len(record)
    return total


def timed(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--mib", type=float, default=2.0, help="mean size of an original")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from archive.bootstrap import backup_store, build_archive
    from archive.config import Settings
    from archive.identity import local_operator

    operator = local_operator("bench")
    work = WORK / "backup"
    shutil.rmtree(work, ignore_errors=True)
    site = Settings(data_dir=work / "site")
    size = fill(site.storage_dir, args.documents, args.mib, seed=5)
    mb = size / 1e6
    rounds = []
    for number in range(args.rounds):
        copy_dir, target, elsewhere = work / f"copy-{number}", work / f"backup-{number}", work / f"restored-{number}"
        plain = timed(lambda: (subprocess.run(["cp", "-r", str(site.storage_dir), str(copy_dir)], check=True),
                               subprocess.run(["sync"], check=True)))
        archive = build_archive(site, with_queue=False)
        try:
            first = timed(lambda: archive.backup(operator, backup_store(str(target), site), str(target)))
            again = timed(lambda: archive.backup(operator, backup_store(str(target), site), str(target)))
        finally:
            archive.close()
        empty = Settings(data_dir=elsewhere)
        archive = build_archive(empty, with_queue=False)
        try:
            restored = timed(lambda: archive.restore(operator, backup_store(str(target), empty), str(target)))
        finally:
            archive.close()
        rounds.append({
            "round": number + 1, "cache": "cold" if number == 0 else "warm",
            "plain_copy_s": round(plain, 3), "plain_copy_mb_s": round(mb / plain, 1),
            "backup_s": round(first, 3), "backup_mb_s": round(mb / first, 1), "backup_ratio": round(plain / first, 3),
            "incremental_nothing_new_s": round(again, 3),
            "restore_s": round(restored, 3), "restore_mb_s": round(mb / restored, 1),
            "restore_ratio": round(plain / restored, 3),
        })
        print(json.dumps(rounds[-1]), flush=True)
        for folder in (copy_dir, target, elsewhere):
            shutil.rmtree(folder, ignore_errors=True)

    def spread(name: str) -> dict:
        values = [r[name] for r in rounds]
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    path = write_result("backup", {
        "command": f"python bench/backup_bench.py --documents {args.documents} --mib {args.mib} --rounds {args.rounds}",
        "documents": args.documents, "objects": args.documents * 2, "mb": round(mb, 1),
        "load_before": os.getloadavg()[0], "rounds": rounds,
        "backup_ratio": spread("backup_ratio"), "restore_ratio": spread("restore_ratio"),
        "backup_mb_s": spread("backup_mb_s"), "restore_mb_s": spread("restore_mb_s"),
        "plain_copy_mb_s": spread("plain_copy_mb_s"),
        "incremental_nothing_new_s": spread("incremental_nothing_new_s"),
    })
    print(path)


if __name__ == "__main__":
    main()
