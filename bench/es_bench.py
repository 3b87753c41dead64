"""Elasticsearch benchmark: the adapter's indexing against the raw client, then search latency.

    scripts/services up elasticsearch
    python bench/es_bench.py --url http://127.0.0.1:9200                 # both parts
    python bench/es_bench.py --index-docs 20000 --search-docs 0          # (a) only

(a) Indexing overhead. `--index-docs` records from `archive.demo.document_texts` (as in
    bench/search_bench.py) are indexed twice into fresh indices with the same template and
    mapping, in the same run, alternating the order over `--rounds` rounds:
    - raw: documents prepared beforehand (the adapter's own folding, untimed), then
      `elasticsearch.helpers.parallel_bulk` with the adapter's own concurrency (the same number of threads,
      chunks in flight and chunk size) and one refresh: the floor for the client at equal concurrency, so the
      ratio measures the adapter's overhead, not a difference in parallelism;
    - adapter: `ElasticsearchIndex.add` from the IndexRecords (folding in Python, bulk,
      refresh: searchable on return), in batches of `--batch`;
    - rebuild: `ElasticsearchIndex.rebuild` of the same records (fresh index, alias swap).
    ratio = raw seconds / adapter seconds (median of the rounds; best of each also given);
    aim ≥ 0.8. Each run also records this process's CPU seconds: the adapter's extra is the
    folding in Python, which on a 2-core machine competes with Elasticsearch for the cores.
(b) Search latency over `--search-docs` documents loaded with `rebuild`, the same query kinds
    as bench/search_bench.py (broad, broad_half, selective, browse, serial, serial_miss), each
    timed over `--queries` runs after `--warmup`, whole adapter call (hits, highlights, facets).
    The loaded alias is kept (bench-search-<N>) and reused while it holds N documents.
    Then the adapter against raw Elasticsearch for the same query bodies (`raw_pairs`): the same
    queries again (`run_queries` draws them from the same seed: same parameters, same order). For
    each kind, a capture pass (untimed) runs the adapter's call for every sample with a recording
    stand-in for its client, which keeps the keyword arguments of each `search(**kwargs)` request
    it sends (index, query, sort, size, _source, highlight, aggs, search_after, ...; a serial
    lookup can send several). The raw side of a sample sends that sample's recorded requests, all
    of them in order, through the plain `elasticsearch` client (`client.search(**kwargs)`): the
    HTTP round trip and the client's JSON encoding and decoding, none of the adapter's Python
    (query building, hit, highlight and facet shaping). Each kind is measured as A/B pairs
    (`search_bench.measure_pair`): after the same `--warmup` of both sides, per sample the
    adapter call and the raw replay of its requests back to back, which goes first drawn per
    sample (half and half, shuffled), each timed with time.perf_counter around the whole call(s).
    Reported per kind: adapter and raw p50/p99 and adapter/raw for p50 and p99; aim ≤ 1.5
    (`targets.es_over_raw`).

Results: bench/results/search_elasticsearch.json (bench.common.write_result).
"""

from __future__ import annotations

import argparse
import copy
import inspect
import json
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from elasticsearch import Elasticsearch, helpers  # noqa: E402

import bench.search_bench as search_bench  # noqa: E402
from bench.common import WORK, write_result  # noqa: E402
from bench.search_bench import TARGETS, Corpus, _loadavg, document_source, run_queries, to_record  # noqa: E402
from search.elasticsearch_index import _BULK_BYTES as BULK_BYTES, _BULK_DOCS as BULK_DOCS  # noqa: E402
from search.elasticsearch_index import ElasticsearchIndex  # noqa: E402

# The adapter's own bulk concurrency, given to the raw side too.
BULK_THREADS = inspect.signature(ElasticsearchIndex.__init__).parameters["bulk_threads"].default
ES_OVER_RAW = 1.5  # the bound: the adapter's queries within 1.5 × raw Elasticsearch, same query body
from search.types import IndexRecord  # noqa: E402


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def records(count: int, seed: int, corpus: Corpus | None = None) -> Iterator[IndexRecord]:
    _name, source = document_source(prefer_demo=True)
    for number, (truth, text) in enumerate(source(count, seed)):
        record = to_record(number, truth, text)
        if corpus is not None:
            corpus.see(record)
        yield record


def server_facts(client: Elasticsearch) -> dict[str, Any]:
    nodes = client.nodes.info(filter_path="nodes.*.version,nodes.*.jvm.mem.heap_max_in_bytes").body.get("nodes", {})
    node = next(iter(nodes.values()), {})
    return {"version": node.get("version"), "heap_mib": round(node.get("jvm", {}).get("mem", {}).get(
        "heap_max_in_bytes", 0) / 2**20), "nodes": len(nodes)}


# -- (a) indexing: adapter versus raw bulk ------------------------------------------------------


def _fresh(url: str, label: str) -> ElasticsearchIndex:
    index = ElasticsearchIndex(url, index=f"bench-{label}-{uuid.uuid4().hex[:8]}")
    index.count()  # creates the template, the first versioned index and the alias: not timed
    return index


def _drop(index: ElasticsearchIndex) -> None:
    index.drop()
    index.close()


class Timer:
    """Wall seconds and this process's CPU seconds (all threads) of the block."""

    def __enter__(self) -> "Timer":
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def time_raw(url: str, client: Elasticsearch, documents: list[dict[str, Any]]) -> Timer:
    index = _fresh(url, "raw")
    try:
        actions = ({"_index": index.alias, "_id": doc["document_id"], "_source": doc} for doc in documents)
        with Timer() as timer:
            for _ok, _item in helpers.parallel_bulk(client, actions, thread_count=BULK_THREADS, queue_size=BULK_THREADS,
                                                  chunk_size=BULK_DOCS, max_chunk_bytes=BULK_BYTES, raise_on_error=True):
                pass
            client.indices.refresh(index=index.alias)
        assert index.count() == len(documents)
    finally:
        _drop(index)
    return timer


def time_adapter(url: str, batch: list[IndexRecord], size: int) -> Timer:
    index = _fresh(url, "adapter")
    try:
        with Timer() as timer:
            for start in range(0, len(batch), size):
                index.add(batch[start : start + size])
        assert index.count() == len(batch)
    finally:
        _drop(index)
    return timer


def time_rebuild(url: str, batch: list[IndexRecord]) -> Timer:
    index = _fresh(url, "rebuild")
    try:
        with Timer() as timer:
            index.rebuild(iter(batch))
        assert index.count() == len(batch)
    finally:
        _drop(index)
    return timer


def indexing(url: str, client: Elasticsearch, args: argparse.Namespace) -> dict[str, Any]:
    log(f"(a) preparing {args.index_docs:,} records")
    batch = list(records(args.index_docs, args.seed))
    preparer = ElasticsearchIndex(url, index="bench-unused")  # only its folding: no request is sent
    started = time.perf_counter()
    documents = [preparer._document(record) for record in batch]
    prepare_seconds = time.perf_counter() - started
    preparer.close()
    payload_mib = sum(len(json.dumps(doc, ensure_ascii=False).encode()) for doc in documents) / 2**20
    times: dict[str, list[float]] = {"raw": [], "adapter": [], "rebuild": []}
    cpu: dict[str, list[float]] = {"raw": [], "adapter": [], "rebuild": []}
    for round_number in range(args.rounds):
        order = ["raw", "adapter", "rebuild"] if round_number % 2 == 0 else ["rebuild", "adapter", "raw"]
        for kind in order:
            if kind == "raw":
                timer = time_raw(url, client, documents)
            elif kind == "adapter":
                timer = time_adapter(url, batch, args.batch)
            else:
                timer = time_rebuild(url, batch)
            times[kind].append(timer.wall)
            cpu[kind].append(timer.cpu)
            log(f"  round {round_number + 1} {kind:<8} {timer.wall:7.2f} s  {len(batch) / timer.wall:8,.0f} docs/s"
                f"  (python cpu {timer.cpu:5.2f} s)  load {_loadavg()}")
    best = {kind: min(values) for kind, values in times.items()}
    median = {kind: statistics.median(values) for kind, values in times.items()}
    return {
        "docs": len(batch), "payload_mib": round(payload_mib, 1), "rounds": args.rounds, "add_batch": args.batch,
        "prepare_seconds_untimed_for_raw": round(prepare_seconds, 2),
        "seconds": {kind: [round(v, 2) for v in values] for kind, values in times.items()},
        "python_cpu_seconds": {kind: [round(v, 2) for v in values] for kind, values in cpu.items()},
        "docs_per_second_median": {kind: round(len(batch) / value, 1) for kind, value in median.items()},
        "ratio_raw_over_adapter_median": round(median["raw"] / median["adapter"], 3),
        "ratio_raw_over_adapter_best": round(best["raw"] / best["adapter"], 3),
        "ratio_raw_over_rebuild_median": round(median["raw"] / median["rebuild"], 3),
        "target_ratio": 0.8,
    }


# -- (b) search latency --------------------------------------------------------------------------


def _saved_corpus(path: Path, docs: int) -> Corpus | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if data.get("docs") != docs:
        return None
    corpus = Corpus()
    corpus.serials = data["serials"]
    corpus.pairs = {(d, u): n for d, u, n in data["pairs"]}
    return corpus


class _Recorder:
    """Stands in for the adapter's client during a capture pass: keeps the keyword arguments of every
    `search` request (a deep copy: what was sent, whatever the adapter does with its dicts later) and
    passes everything on to the real client."""

    def __init__(self, client: Elasticsearch) -> None:
        self._client = client
        self.requests: list[dict[str, Any]] = []

    def search(self, *args: Any, **kwargs: Any) -> Any:
        if args:  # a positional argument would not be replayed as sent
            raise TypeError("the adapter is expected to call search() with keywords only")
        self.requests.append(copy.deepcopy(kwargs))
        return self._client.search(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def record_requests(index: ElasticsearchIndex, call: Callable[[int], Any], samples: int) -> list[list[dict[str, Any]]]:
    """The `search` requests the adapter sends for each of `call(0)` … `call(samples - 1)` (untimed)."""
    real = index._client
    recorder = _Recorder(real)
    index._client = recorder  # type: ignore[assignment]
    requests: list[list[dict[str, Any]]] = []
    try:
        for i in range(samples):
            recorder.requests = []
            call(i)
            if not recorder.requests:
                raise RuntimeError(f"sample {i} sent no search request: nothing to replay")
            requests.append(recorder.requests)
    finally:
        index._client = real  # timed adapter calls go straight to the client, no stand-in in between
    return requests


def replay(client: Elasticsearch, requests: list[dict[str, Any]]) -> Any:
    """One raw sample: an adapter call's recorded requests, in order, through the plain client. Returns
    the total hits (as the adapter's searches do) or, without a total (serial lookups), the hits sent."""
    answers = [client.search(**kwargs) for kwargs in requests]
    hits = answers[-1]["hits"]
    return hits["total"]["value"] if "total" in hits else sum(len(answer["hits"]["hits"]) for answer in answers)


def raw_pairs(index: ElasticsearchIndex, client: Elasticsearch, corpus: Corpus, args: argparse.Namespace) -> dict[str, Any]:
    """Adapter against raw Elasticsearch per query kind, as A/B pairs over the same requests (module docstring)."""
    kinds: dict[str, dict[str, Any]] = {}

    def paired(base: Callable[[int], Any], others: dict[str, Callable[[int], Any]], queries: int, warmup: int,
               name: str, seed: int, pool: Callable[[str], bool] | None = None) -> dict[str, dict[str, Any]]:
        # In place of search_bench.measure_pairs: run_queries hands each kind's adapter call here.
        assert not others, "nobody asks in es_bench: one unfiltered query per kind"
        requests = record_requests(index, base, max(queries, warmup))
        adapter, adapter_last, raw, raw_last = search_bench.measure_pair(
            base, lambda i: replay(client, requests[i]), queries, warmup, seed * 1000 + len(kinds))
        mine, theirs = search_bench.figures(adapter, adapter_last), search_bench.figures(raw, raw_last)
        kinds[name] = {"adapter": mine, "raw": theirs,
                       "ratio_p50": round(mine["p50_ms"] / theirs["p50_ms"], 3),
                       "ratio_p99": round(mine["p99_ms"] / theirs["p99_ms"], 3),
                       "requests_per_query": {str(n): c for n, c in sorted(Counter(map(len, requests[:queries])).items())}}
        log(f"  {name:<12} adapter p50 {mine['p50_ms']:7.2f} p99 {mine['p99_ms']:7.2f} ms   raw p50 {theirs['p50_ms']:7.2f}"
            f" p99 {theirs['p99_ms']:7.2f} ms   ×{kinds[name]['ratio_p50']:.2f}/×{kinds[name]['ratio_p99']:.2f}"
            f"   last {adapter_last}/{raw_last}")
        return {name: mine}

    # run_queries draws and runs the queries; only its measuring is swapped, so the pairs run the very
    # queries of the adapter-alone pass (same seed: same parameters, same order).
    log("(b) adapter against raw Elasticsearch, A/B pairs (the unlabelled lines repeat the adapter side)")
    measure_pairs = search_bench.measure_pairs
    search_bench.measure_pairs = paired  # type: ignore[assignment]
    try:
        run_queries(index, corpus, args)
    finally:
        search_bench.measure_pairs = measure_pairs
    return {"queries": kinds,
            "worst_ratio": max((max(k["ratio_p50"], k["ratio_p99"]) for k in kinds.values()), default=None)}


def searching(url: str, client: Elasticsearch, args: argparse.Namespace) -> dict[str, Any]:
    docs = args.search_docs
    index = ElasticsearchIndex(url, index=f"bench-search-{docs}")
    saved = WORK / f"es-search-{docs}.json"
    corpus = None if args.rebuild else _saved_corpus(saved, docs)
    facts: dict[str, Any] = {"docs": docs}
    if corpus is not None and index.count() == docs:
        log(f"(b) reusing alias {index.alias} ({docs:,} docs)")
        facts.update(json.loads(saved.read_text()).get("facts", {}))
    else:
        log(f"(b) loading {docs:,} docs into {index.alias} with rebuild")
        corpus = Corpus()
        started = time.perf_counter()
        last = [started]

        def progress(done: int) -> None:
            if time.perf_counter() - last[0] > 10:
                last[0] = time.perf_counter()
                log(f"  {done:>9,} docs  {done / (last[0] - started):,.0f} docs/s")

        loaded = index.rebuild(records(docs, args.seed, corpus), progress=progress)
        seconds = time.perf_counter() - started
        facts.update(index_seconds=round(seconds, 1), docs_per_second=round(loaded / seconds, 1))
        WORK.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps({"docs": docs, "facts": facts, "serials": corpus.serials,
                                     "pairs": [[d, u, n] for (d, u), n in corpus.pairs.items()]}, ensure_ascii=False))
    try:
        facts["queries"] = run_queries(index, corpus, args)
        facts["raw_pairs"] = raw_pairs(index, client, corpus, args)
    finally:
        index.close()
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("ARCHIVE_ES_URL", "http://127.0.0.1:9200"))
    parser.add_argument("--index-docs", type=int, default=20_000, help="(a) documents; 0 skips (a)")
    parser.add_argument("--batch", type=int, default=20_000, help="(a) records per adapter add() call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--search-docs", type=int, default=100_000, help="(b) documents; 0 skips (b)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="(b) reload even when the alias holds the documents")
    parser.add_argument("--out", default="search_elasticsearch", help="results file name in bench/results/ (no .json)")
    args = parser.parse_args(argv)

    client = Elasticsearch(args.url, request_timeout=120)
    report: dict[str, Any] = {"server": server_facts(client), "loadavg_before": _loadavg(),
                              "command": " ".join([Path(sys.executable).name, *sys.argv])}
    if args.index_docs:
        report["indexing"] = indexing(args.url, client, args)
    if args.search_docs:
        report["search"] = {**searching(args.url, client, args), "targets": {**TARGETS, "es_over_raw": ES_OVER_RAW}}
    report["loadavg_after"] = _loadavg()
    client.close()
    path = write_result(args.out, report)
    log(json.dumps({k: v for k, v in report.items() if k != "search"}, indent=2, default=str))
    for name, figures in report.get("search", {}).get("queries", {}).items():
        log(f"  {name:<12} p50 {figures['p50_ms']:8.2f} ms   p99 {figures['p99_ms']:8.2f} ms   last {figures['last']}")
    for name, pair in report.get("search", {}).get("raw_pairs", {}).get("queries", {}).items():
        mine, theirs = pair["adapter"], pair["raw"]
        log(f"  {name:<12} adapter p50 {mine['p50_ms']:7.2f} p99 {mine['p99_ms']:7.2f} ms   raw p50 {theirs['p50_ms']:7.2f}"
            f" p99 {theirs['p99_ms']:7.2f} ms   adapter/raw ×{pair['ratio_p50']:.2f} p50, ×{pair['ratio_p99']:.2f} p99"
            f"  (aim ≤ {ES_OVER_RAW})")
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
