"""Server time of the web pages beside the JSON API for the same question, at N documents.

    python bench/pages_bench.py --docs 100000 --rounds 3

The archive: the sample dossiers as text PDFs (records in storage: the item pages read them), plus N
synthetic dossier documents (bench/search_bench.py's maker) added straight to its Tantivy index, so that a
search matches about half of the archive. One inspector (top secret, every unit) asks, with a bearer token:

- search: `GET /?q=sua+chua+lon` (the page) against `GET /api/v1/search?q=sua+chua+lon&limit=20` (the API),
  facets included on both sides;
- item:   `GET /equipment/KB-15-84` against `GET /api/v1/equipment/KB-15-84`.

Each sample times one request of each side back to back, which goes first drawn per sample, through the app
in this process (httpx's ASGI transport: no network, no other process); both sides pass the same middleware,
person check, use case and audit entry. p50 and p99 per side and round, and the page/API ratio of each;
the spread over rounds is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import WORK, code_version, percentile, write_result  # noqa: E402
from bench.search_bench import BATCH, synthetic_texts, to_record  # noqa: E402

QUESTIONS = {
    "search": ("/?q=sua+chua+lon", "/api/v1/search?q=sua+chua+lon&limit=20"),
    "item": ("/equipment/KB-15-84", "/api/v1/equipment/KB-15-84"),
}


def build(data_dir: Path, docs: int) -> str:
    """The archive at `data_dir` with `docs` more documents in its index; the inspector's token."""
    from archive.bootstrap import build_archive
    from archive.config import Settings
    from archive.demo import generate_dossiers
    from archive.identity import local_operator

    shutil.rmtree(data_dir, ignore_errors=True)
    archive = build_archive(Settings(data_dir=data_dir), with_queue=False)
    try:
        for sample in generate_dossiers(data_dir.parent / "samples", items=6, scans=False, featured=True):
            archive.service.ingest_bytes(sample.path.read_bytes(), sample.path.name)
        batch = []
        for number, (truth, text) in enumerate(synthetic_texts(docs, seed=11)):
            batch.append(to_record(number, truth, text))
            if len(batch) >= BATCH:
                archive.service.index.add(batch)
                batch = []
        if batch:
            archive.service.index.add(batch)
        archive.add_user(local_operator(), "inspector", "inspector", "top_secret", [], password="inspector-bench")
        return archive.create_token(local_operator(), "inspector").secret
    finally:
        archive.close()


async def measure(app, token: str, samples: int, warmup: int) -> dict[str, dict[str, list[float]]]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(5)
    times: dict[str, dict[str, list[float]]] = {name: {"page": [], "api": []} for name in QUESTIONS}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for name, (page, api) in QUESTIONS.items():
            for sample in range(warmup + samples):
                order = [("page", page), ("api", api)]
                rng.shuffle(order)
                for side, path in order:
                    started = time.perf_counter()
                    answer = await client.get(path, headers=headers)
                    elapsed = time.perf_counter() - started
                    if answer.status_code != 200:
                        raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:300]}")
                    if sample >= warmup:
                        times[name][side].append(elapsed * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--out", default="pages", help="the result's name in bench/results")
    args = parser.parse_args()

    from archive.api import create_app
    from archive.config import Settings

    data_dir = WORK / "pages" / f"data-{args.docs}"
    started = time.perf_counter()
    token = build(data_dir, args.docs)
    print(f"built the archive of {args.docs:,} + sample documents in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    app = create_app(Settings(data_dir=data_dir, serve_workers=0, index_retry_s=3600))
    rounds = []
    for round_number in range(args.rounds):
        times = asyncio.run(measure(app, token, args.samples, args.warmup))
        figures = {}
        for name, sides in times.items():
            figure = {side: {"p50_ms": round(percentile(values, 50), 2), "p99_ms": round(percentile(values, 99), 2)}
                      for side, values in sides.items()}
            figure["ratio_p50"] = round(figure["page"]["p50_ms"] / figure["api"]["p50_ms"], 3)
            figure["ratio_p99"] = round(figure["page"]["p99_ms"] / figure["api"]["p99_ms"], 3)
            figures[name] = figure
        rounds.append(figures)
        print(f"round {round_number + 1}: " + "; ".join(
            f"{name} page p50 {f['page']['p50_ms']} ms / api {f['api']['p50_ms']} ms (×{f['ratio_p50']}),"
            f" p99 {f['page']['p99_ms']} / {f['api']['p99_ms']} (×{f['ratio_p99']})" for name, f in figures.items()),
            file=sys.stderr)
    spread = {name: {key: {"min": min(r[name][key] for r in rounds), "median": statistics.median(r[name][key] for r in rounds),
                           "max": max(r[name][key] for r in rounds)} for key in ("ratio_p50", "ratio_p99")}
              for name in QUESTIONS}
    path = write_result(args.out, {"docs": args.docs, "samples_per_round": args.samples, "rounds": rounds,
                            "ratios": spread, "questions": {name: {"page": page, "api": api}
                                                            for name, (page, api) in QUESTIONS.items()},
                            "code": code_version()})
    print(f"written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
