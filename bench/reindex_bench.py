"""Rebuilding the search index from the stored records alone (`archive reindex`), at several sizes: wall time,
documents/s and the peak resident memory of the command's process tree, to see whether memory stays bounded as
the archive grows. Embedded deployment: local storage, Tantivy.

    python bench/reindex_bench.py --docs 10000 --docs 100000 --docs 1000000 --rounds 1

Set-up (once per size, reused while `bench/work/reindex-<N>/setup.json` says it holds N documents and the
records folder does; `--rebuild` makes it again): a data directory `bench/work/reindex-<N>/data` holding N
stored documents as the archive stores them. `archive reindex` (`ArchiveService.reindex` → `iter_records`) reads
nothing but `records/`: every `*.json` under it, parsed as a `StoredRecord`, turned into an index record by
`archive.records.index_record`; it lists `index-pending/` only to clear marks older than the rebuild. It never
opens originals, page images or the other markers, so the set-up writes records only (`archive verify` on this
directory would report every original missing). Each document is a dossier text of `archive.demo.document_texts`
(one text page, about 900 characters) with its ground truth as the extracted fields (confidence 0.95, as if read
perfectly); its id is the SHA-256 of a stand-in original (the text's bytes with the document's number), so ids
spread over the 256 record folders as real ones do. The record is built and sealed by the archive's own
functions (`document_from_extraction`, `stored_record`, `seal_record`) and serialised as `_put_record` does
(`model_dump_json().encode()`) at `storage.layout.record_key`. The first document is stored through
`ArchiveService._put_record` itself (the product path, with its fsyncs) and the bench checks that the bytes it
writes for the others are made the same way byte for byte.

The set-up bypasses fsync: the other records are written straight to their final names with plain writes (all
256 record folders made up front), not through `LocalObjectStore.put`, which writes a temporary file, fsyncs it,
renames it and fsyncs the folder for every object — 2.6 ms a record on the machine this was written on, some
45 minutes for a million — and that durability belongs to the product's ingest path, not to what is measured
here. A set-up cut short leaves no `setup.json` and is made again on the next run.

Measured, per size and round: `python -m archive reindex` as a real subprocess (ARCHIVE_DATA_DIR on the data
directory, ARCHIVE_STORAGE=local, ARCHIVE_INDEX=tantivy, every other ARCHIVE_* variable removed; no token: the
CLI acts as the local operator, no sign-in needed). Before each round the index folder is removed (the state
after a restore: nothing to read but the records), unless `--keep-index`, where rounds after the first rebuild
over the previous full index (the rebuild replaces it in one commit; searches keep the old one meanwhile).
The wall time is the whole command: start-up, reading every record, indexing, the one commit, the merges that
closing the index waits for. Start-up alone is measured once, as the same command over an empty archive.

Memory, sampled every `--interval` seconds (0.2) from /proc over the command and all its descendants (reindex
starts none today; they would be counted): at each sample the sum of VmRSS over the tree, the largest single
VmRSS, and the sum of RssAnon (VmRSS less its file-backed and shared pages: Tantivy reads its segments through mmap, and the
pages it touches count in VmRSS though the kernel can take them back). Peaks of each are reported, with the
exact peak of the largest single process from the kernel (`ru_maxrss` of `wait4`, not sampled) and a coarse
trace of (seconds, documents indexed so far, tree MiB, anon MiB) read from the command's own progress lines.

Afterwards the index is opened with the archive's own `TantivyIndex` and must count N documents, and the first
document's serial must find it (`find_serial`). The page cache is not dropped (that needs root and disturbs
other work on this machine): records written by the set-up, or read by the previous round, may still be cached
— round 1 after a fresh set-up is named as such. Results: bench/results/reindex.json.

Disk: at 20,000 documents a record took 3.1 KB (4.2 KiB allocated on ext4) and the index 1.5 KB a document;
`--keep-index` needs room for the old index and the new one at once until the commit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import WORK, code_version, write_result  # noqa: E402

SETUP_FILE = "setup.json"
FIELD_CONFIDENCE = 0.95
TRACE_POINTS = 60  # at most this many points of the memory trace kept per round
_PROGRESS = re.compile(rb"indexed (\d+)")
_REINDEXED = re.compile(r"reindexed (\d+) documents")


# -- set-up ----------------------------------------------------------------------------------------


def _settings(data_dir: Path):
    from archive.config import Settings

    return Settings(data_dir=data_dir, storage="local", index="tantivy")


def synthetic_records(docs: int, seed: int):
    """(number, sealed StoredRecord) for each synthetic document, built by the archive's own functions."""
    from archive.demo import document_texts
    from archive.records import document_from_extraction, seal_record, stored_record
    from ingest.types import FIELD_NAMES, Extraction, FieldValue, PageText

    for number, (truth, text) in enumerate(document_texts(docs, seed=seed)):
        original = f"reindex-bench {seed} {number}\n{text}".encode()  # stands in for the file; never stored
        sha = hashlib.sha256(original).hexdigest()
        fields = {name: FieldValue(truth[name], FIELD_CONFIDENCE, 1)
                  for name in FIELD_NAMES if truth.get(name) not in (None, "")}
        extraction = Extraction(content_type="application/pdf", page_count=1,
                                pages=(PageText(number=1, text=text, source="text"),), text_source="text",
                                fields=fields)
        document = document_from_extraction(extraction, sha256=sha, filename=f"doc-{number:07d}.pdf",
                                            size_bytes=len(original))
        yield number, seal_record(stored_record(document, extraction), None)


def record_bytes(record) -> bytes:
    """A record's stored bytes, made as `ArchiveService._put_record` makes them (checked on the first one)."""
    return record.model_dump_json().encode()


def count_records(storage_dir: Path) -> int:
    from storage import layout

    base = storage_dir / layout.RECORDS
    if not base.is_dir():
        return 0
    total = 0
    with os.scandir(base) as folders:
        for folder in folders:
            if folder.is_dir():
                with os.scandir(folder.path) as entries:
                    total += sum(1 for entry in entries if entry.name.endswith(".json"))
    return total


def disk_usage(folder: Path) -> tuple[int, int, int]:
    """(files, apparent bytes, allocated bytes) under `folder`."""
    files = apparent = allocated = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            info = os.lstat(os.path.join(dirpath, name))
            files += 1
            apparent += info.st_size
            allocated += info.st_blocks * 512
    return files, apparent, allocated


def build_data(folder: Path, docs: int, seed: int) -> dict:
    from archive.service import ArchiveService
    from ingest.options import ExtractionOptions
    from storage import layout
    from storage.local import LocalObjectStore

    shutil.rmtree(folder, ignore_errors=True)
    data_dir = folder / "data"
    storage_dir = _settings(data_dir).storage_dir
    records_dir = storage_dir / layout.RECORDS
    for prefix in range(256):  # every folder a SHA-256 id can land in, made once up front
        (records_dir / f"{prefix:02x}").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    last_report = started
    for number, record in synthetic_records(docs, seed):
        key = layout.record_key(record.document.document_id)
        data = record_bytes(record)
        if number == 0:  # the product path once, with its fsyncs: the bytes below must be the same
            ArchiveService(LocalObjectStore(storage_dir), None, ExtractionOptions())._put_record(record)  # type: ignore[arg-type]
            if (storage_dir / key).read_bytes() != data:
                raise SystemExit("the bench serialises records unlike ArchiveService._put_record: fix record_bytes")
        else:
            fd = os.open(storage_dir / key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        now = time.perf_counter()
        if now - last_report >= 2.0 or number + 1 == docs:
            last_report = now
            done = number + 1
            rate = done / (now - started)
            print(f"\r  set-up {docs:,}: {done:>9,} records  {rate:,.0f} docs/s  ~{(docs - done) / rate:,.0f} s left ",
                  end="", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    print(file=sys.stderr)
    written = count_records(storage_dir)
    if written != docs:
        raise SystemExit(f"set-up wrote {written} records, not {docs} (an id repeated?)")
    files, apparent, allocated = disk_usage(records_dir)
    facts = {"docs": docs, "seed": seed, "seconds": round(seconds, 1), "docs_per_s": round(docs / seconds, 1),
             "record_files": files, "records_bytes": apparent, "records_allocated_bytes": allocated,
             "mean_record_bytes": round(apparent / max(files, 1)), "code": code_version(),
             "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    (folder / SETUP_FILE).write_text(json.dumps(facts, indent=2) + "\n")
    return facts


def prepared(folder: Path, docs: int, seed: int, rebuild: bool) -> tuple[dict, bool]:
    """The set-up facts of the data for `docs` documents, and whether they were reused."""
    saved = folder / SETUP_FILE
    if not rebuild and saved.is_file():
        facts = json.loads(saved.read_text())
        if facts.get("docs") == docs and facts.get("seed") == seed and \
                count_records(_settings(folder / "data").storage_dir) == docs:
            print(f"  set-up {docs:,}: reusing {folder} (made {facts.get('date')})", file=sys.stderr, flush=True)
            return facts, True
    return build_data(folder, docs, seed), False


# -- measuring ---------------------------------------------------------------------------------------


def _status_kib(pid: int) -> tuple[int, int] | None:
    """(VmRSS, RssAnon) of a process in KiB; None once it is gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    rss = anon = None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("RssAnon:"):
            anon = int(line.split()[1])
    return (rss, anon or 0) if rss is not None else None


def tree_pids(root: int) -> list[int]:
    """`root` and every descendant of it alive now (from the parent ids in /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        parent = int(stat.rsplit(b")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


class TreeSampler:
    def __init__(self, root: int) -> None:
        self.root = root
        self.samples = 0
        self.tree_peak_kib = self.single_peak_kib = self.anon_peak_kib = self.single_anon_peak_kib = 0
        self.most_processes = 0
        self.trace: list[tuple[float, int, float, float]] = []  # seconds, docs indexed, tree MiB, tree anon MiB

    def sample(self, seconds: float, indexed: int) -> None:
        readings = [r for r in (_status_kib(pid) for pid in tree_pids(self.root)) if r is not None]
        if not readings:
            return
        self.samples += 1
        tree, anon = sum(r[0] for r in readings), sum(r[1] for r in readings)
        self.tree_peak_kib = max(self.tree_peak_kib, tree)
        self.anon_peak_kib = max(self.anon_peak_kib, anon)
        self.single_peak_kib = max(self.single_peak_kib, max(r[0] for r in readings))
        self.single_anon_peak_kib = max(self.single_anon_peak_kib, max(r[1] for r in readings))
        self.most_processes = max(self.most_processes, len(readings))
        self.trace.append((round(seconds, 2), indexed, round(tree / 1024, 1), round(anon / 1024, 1)))


def _indexed_so_far(log: Path) -> int:
    """The last "indexed <n>" progress line the command wrote."""
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - 200))
            found = _PROGRESS.findall(handle.read())
    except OSError:
        return 0
    return int(found[-1]) if found else 0


def _thin(trace: list, points: int) -> list:
    if len(trace) <= points:
        return trace
    step = (len(trace) - 1) / (points - 1)
    return [trace[round(i * step)] for i in range(points)]


def archive_env(data_dir: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ARCHIVE_")}
    return {**env, "ARCHIVE_DATA_DIR": str(data_dir), "ARCHIVE_STORAGE": "local", "ARCHIVE_INDEX": "tantivy"}


def run_reindex(data_dir: Path, log: Path, interval: float) -> dict:
    """`archive reindex` over `data_dir`, sampled; its figures and what it said."""
    command = [sys.executable, "-m", "archive", "reindex"]
    with log.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=archive_env(data_dir), cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=stderr)
        sampler = TreeSampler(process.pid)
        while True:
            # wait4 (not Popen.poll): the child's own rusage, whose ru_maxrss is the exact peak of the largest
            # single process of the tree (the command, or a descendant it waited for).
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter() - started
            sampler.sample(now, _indexed_so_far(log))
            time.sleep(max(0.0, interval - (time.perf_counter() - started - now)))
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    said = log.read_text(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"archive reindex exited {process.returncode}:\n{said[-2000:]}")
    reported = _REINDEXED.search(said)
    return {
        "seconds": seconds,
        "reported_docs": int(reported.group(1)) if reported else None,
        "peak_tree_rss_mib": round(sampler.tree_peak_kib / 1024, 1),
        "peak_single_rss_mib": round(sampler.single_peak_kib / 1024, 1),
        "max_rss_kernel_mib": round(usage.ru_maxrss / 1024, 1),
        "peak_tree_anon_mib": round(sampler.anon_peak_kib / 1024, 1),
        "peak_single_anon_mib": round(sampler.single_anon_peak_kib / 1024, 1),
        "processes_max": sampler.most_processes,
        "samples": sampler.samples,
        "user_cpu_s": round(usage.ru_utime, 1), "system_cpu_s": round(usage.ru_stime, 1),
        "trace": _thin(sampler.trace, TRACE_POINTS),
    }


def check_index(index_dir: Path, docs: int, first) -> dict:
    """The rebuilt index, opened with the archive's own adapter: it must hold `docs` documents, and the first
    document's serial must find it."""
    from search.tantivy_index import TantivyIndex

    index = TantivyIndex(index_dir, writer_threads=1)
    try:
        count = index.count()
        found = False
        if first.document.serial_number:
            found = any(first.document.document_id in match.document_ids
                        for match in index.find_serial(first.document.serial_number))
    finally:
        index.close()
    if count != docs:
        raise SystemExit(f"the rebuilt index at {index_dir} holds {count} documents, not {docs}")
    if first.document.serial_number and not found:
        raise SystemExit(f"the rebuilt index does not find serial {first.document.serial_number} of the first document")
    files, apparent, _allocated = disk_usage(index_dir)
    return {"index_docs": count, "first_serial_found": found, "index_files": files, "index_bytes": apparent}


def startup_cost(interval: float) -> dict:
    """The same command over an empty archive: what every run pays before reading a record."""
    folder = WORK / "reindex-empty"
    shutil.rmtree(folder, ignore_errors=True)
    data_dir = folder / "data"
    _settings(data_dir).storage_dir.mkdir(parents=True)
    try:
        figures = run_reindex(data_dir, folder / "reindex.log", interval)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"seconds": round(figures["seconds"], 2), "peak_tree_rss_mib": figures["peak_tree_rss_mib"],
            "max_rss_kernel_mib": figures["max_rss_kernel_mib"]}


def spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2), "max": round(max(values), 2)}


def measure_size(docs: int, args) -> dict:
    folder = WORK / f"reindex-{docs}"
    setup, reused = prepared(folder, docs, args.seed, args.rebuild)
    data_dir = folder / "data"
    index_dir = _settings(data_dir).index_dir
    first = next(record for _number, record in synthetic_records(1, args.seed))
    rounds = []
    for number in range(args.rounds):
        if not args.keep_index or number == 0:
            shutil.rmtree(index_dir, ignore_errors=True)
        index_before = "absent" if not index_dir.exists() else "kept (previous round's)"
        cache = "fresh set-up just written" if number == 0 and not reused else (
            "reused set-up" if number == 0 else "after the previous round")
        load = os.getloadavg()[0]
        figures = run_reindex(data_dir, folder / f"reindex-round-{number + 1}.log", args.interval)
        if figures["reported_docs"] != docs:
            raise SystemExit(f"archive reindex said it reindexed {figures['reported_docs']} documents, not {docs}")
        checked = check_index(index_dir, docs, first)
        seconds = figures.pop("seconds")
        trace = figures.pop("trace")
        row = {"round": number + 1, "index_before": index_before, "records_cache": cache, "load_before": load,
               "seconds": round(seconds, 2), "docs_per_s": round(docs / seconds, 1), **figures, **checked,
               "trace_s_docs_tree_anon_mib": trace}
        rounds.append(row)
        print(json.dumps({key: value for key, value in row.items() if key != "trace_s_docs_tree_anon_mib"}),
              flush=True)
    return {
        "docs": docs,
        "setup": {**setup, "reused": reused},
        "rounds": rounds,
        "seconds": spread([r["seconds"] for r in rounds]),
        "docs_per_s": spread([r["docs_per_s"] for r in rounds]),
        "peak_tree_rss_mib": spread([r["peak_tree_rss_mib"] for r in rounds]),
        "peak_single_rss_mib": spread([r["peak_single_rss_mib"] for r in rounds]),
        "max_rss_kernel_mib": spread([r["max_rss_kernel_mib"] for r in rounds]),
        "peak_tree_anon_mib": spread([r["peak_tree_anon_mib"] for r in rounds]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, action="append", help="stored documents; give it once per size")
    parser.add_argument("--rounds", type=int, default=1, help="reindex runs per size")
    parser.add_argument("--seed", type=int, default=7, help="of archive.demo.document_texts")
    parser.add_argument("--rebuild", action="store_true", help="make the data directories again even when present")
    parser.add_argument("--keep-index", action="store_true",
                        help="rounds after the first rebuild over the previous index instead of an absent one")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between memory samples")
    args = parser.parse_args()
    sizes = sorted(set(args.docs or [10_000]))
    command = " ".join(["python bench/reindex_bench.py", *(f"--docs {n}" for n in sizes), f"--rounds {args.rounds}",
                        *(["--seed", str(args.seed)] if args.seed != 7 else []),
                        *(["--rebuild"] if args.rebuild else []), *(["--keep-index"] if args.keep_index else []),
                        *([f"--interval {args.interval}"] if args.interval != 0.2 else [])])
    startup = startup_cost(args.interval)
    print(json.dumps({"startup_empty_archive": startup}), flush=True)
    results = [measure_size(docs, args) for docs in sizes]
    print(f"\n{'docs':>10} {'set-up docs/s':>14} {'reindex s':>10} {'docs/s':>9} {'tree MiB':>9} {'single MiB':>11} "
          f"{'anon MiB':>9} {'index MiB':>10}")
    for size in results:
        setup = size["setup"]
        print(f"{size['docs']:>10,} {setup['docs_per_s']:>14,.0f}{'*' if setup['reused'] else ' '}"
              f"{size['seconds']['median']:>10.2f} {size['docs_per_s']['median']:>9,.0f} "
              f"{size['peak_tree_rss_mib']['max']:>9.1f} {size['max_rss_kernel_mib']['max']:>11.1f} "
              f"{size['peak_tree_anon_mib']['max']:>9.1f} {size['rounds'][-1]['index_bytes'] / 2**20:>10.1f}")
    print("(* set-up reused from an earlier run; its figures are that run's. MiB: the largest over the rounds; tree and"
          " anon sampled, single from the kernel's ru_maxrss)")
    path = write_result("reindex", {
        "command": command,
        "code": code_version(),
        "engine": "tantivy, local storage",
        "filesystem": subprocess.run(["findmnt", "-no", "FSTYPE", "-T", str(WORK)], capture_output=True,
                                     text=True).stdout.strip() or None,
        "startup_empty_archive": startup,
        "sizes": results,
        "peak_tree_rss_mib_by_docs": {str(size["docs"]): size["peak_tree_rss_mib"]["max"] for size in results},
        "peak_tree_anon_mib_by_docs": {str(size["docs"]): size["peak_tree_anon_mib"]["max"] for size in results},
    })
    print(f"written to {path}")


if __name__ == "__main__":
    main()
