"""Relevance of the free-text search box on OCRed dossiers: P@5, recall@20 and MRR.

Generated dossiers (`archive.demo.generate_dossiers(..., scans=True)`: text PDFs and damaged scans) are read
by the real pipeline (`ingest.pipeline.extract`, Tesseract with OMP_THREAD_LIMIT=1), cached per seed under
bench/work/relevance/, indexed in an in-RAM Tantivy index as the service would index them
(`archive.records.index_record` fields: page texts, title, extracted fields) and asked, per dossier:

- `serial`: the serial as printed on the forms ("KB-15-84");
- `serial_lookalike`: the serial typed with look-alike letters for up to two digits (1→I, 0→O, 8→B, 5→S,
  6→G, 2→Z), as it is read off a worn plate;
- `serial_spaced`: the serial's groups separated by spaces ("KB 15 84"; one group is cut in two);
- `designation`: the model ("PT-76"), every document of every dossier of that model relevant;
- `name`: the equipment's name without diacritics ("may vo tuyen dien prc-25"), same relevance as designation;
- `name_marks`: the same name typed with its diacritics ("máy vô tuyến điện prc-25"), same relevance.

A serial query's relevant documents are those of its dossier. P@5 is the relevant share of the first five
hits, out of min(5, relevant) so that a dossier of three documents can score 1; recall@20 the share of the
relevant documents in the first 20; MRR the mean of 1 / rank of the first relevant hit (0 when none in 20).

`--code DIR` imports `search` and `common` from DIR first (e.g. `git archive <commit> search common | tar -x
-C DIR`), to measure an older version on the very same extracted texts.

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/relevance_bench.py --seed 7 --items 4
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK_DIR = ROOT / "bench" / "work" / "relevance"
_LOOKALIKE_TYPING = {"1": "I", "0": "O", "8": "B", "5": "S", "6": "G", "2": "Z"}


def extracted_corpus(seed: int, items: int) -> list[dict[str, Any]]:
    """Generate and extract once per (seed, items); later runs read the cache."""
    cache = WORK_DIR / f"seed{seed}-items{items}.json"
    if cache.exists():
        return json.loads(cache.read_text("utf-8"))
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from archive.demo import generate_dossiers
    from ingest.errors import IngestError
    from ingest.pipeline import extract

    out_dir = WORK_DIR / f"seed{seed}-items{items}"
    files = generate_dossiers(out_dir, items=items, seed=seed, scans=True, workers=1)
    corpus = []
    for number, sample in enumerate(files, 1):
        started = time.perf_counter()
        try:
            extraction = extract(sample.path.read_bytes())
        except IngestError as exc:
            print(f"  {sample.path.name}: failed ({exc})", file=sys.stderr)
            continue
        fields = {name: value.value for name, value in extraction.fields.items()}
        corpus.append({"file": sample.path.name, "dossier": sample.dossier, "scan_class": sample.scan_class,
                       "title": sample.title, "truth": dict(sample.truth),
                       "text": "\n".join(page.text for page in extraction.pages),
                       "fields": {k: (v if isinstance(v, (str, int, float)) or v is None else str(v))
                                  for k, v in fields.items()}})
        print(f"  {number}/{len(files)} {sample.path.name} ({sample.scan_class}) {time.perf_counter() - started:.1f}s",
              file=sys.stderr)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(corpus, ensure_ascii=False), "utf-8")
    return corpus


def index_records(corpus: list[dict[str, Any]]):
    from search.types import IndexRecord

    def text_or_none(value: Any) -> str | None:
        return str(value) if value not in (None, "") else None

    records = []
    for entry in corpus:
        fields = entry["fields"]
        records.append(IndexRecord(
            document_id=entry["file"], text=entry["text"], title=text_or_none(fields.get("title")),
            filename=entry["file"], doc_type=text_or_none(fields.get("doc_type")),
            serial_number=text_or_none(fields.get("serial_number")),
            designation=text_or_none(fields.get("designation")), name=text_or_none(fields.get("name")),
            unit=text_or_none(fields.get("unit")), document_number=text_or_none(fields.get("document_number"))))
    return records


def typed_lookalike(serial: str) -> str | None:
    """The serial with up to two digits typed as the letters they look like; None when none can be."""
    typed, changed = [], 0
    for ch in serial:
        if changed < 2 and ch in _LOOKALIKE_TYPING:
            typed.append(_LOOKALIKE_TYPING[ch])
            changed += 1
        else:
            typed.append(ch)
    return "".join(typed) if changed else None


def typed_spaced(serial: str) -> str:
    groups = [group for group in serial.replace("/", "-").replace(".", "-").split("-") if group]
    if len(groups) == 1:
        middle = len(groups[0]) // 2
        groups = [groups[0][:middle], groups[0][middle:]]
    return " ".join(groups)


def queries(corpus: list[dict[str, Any]]) -> list[tuple[str, str, set[str]]]:
    """(kind, typed text, relevant document ids) for every dossier."""
    from common.identifiers import serial_key
    from common.text import fold

    by_dossier: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry in corpus:
        by_dossier[entry["dossier"]].append(entry)
    asked: list[tuple[str, str, set[str]]] = []
    by_model: dict[str, set[str]] = defaultdict(set)
    by_name: dict[str, set[str]] = defaultdict(set)
    by_name_marks: dict[str, set[str]] = defaultdict(set)
    for entries in by_dossier.values():
        members = {entry["file"] for entry in entries}
        truths = [entry["truth"] for entry in entries]
        serial = next((t["serial_number"] for t in truths if t.get("serial_number")), None)
        if serial:
            asked.append(("serial", serial, members))
            if lookalike := typed_lookalike(serial):
                asked.append(("serial_lookalike", lookalike, members))
            asked.append(("serial_spaced", typed_spaced(serial), members))
        if designation := next((t["designation"] for t in truths if t.get("designation")), None):
            by_model[designation] |= members
        if name := next((t["name"] for t in truths if t.get("name")), None):
            by_name[fold(name)] |= members
            by_name_marks[name.lower()] |= members
    asked += [("designation", model, members) for model, members in sorted(by_model.items())]
    asked += [("name", name, members) for name, members in sorted(by_name.items())]
    asked += [("name_marks", name, members) for name, members in sorted(by_name_marks.items())]
    assert all(serial_key(text) or kind.startswith("name") for kind, text, _m in asked)
    return asked


def measure(index, asked: list[tuple[str, str, set[str]]]) -> dict[str, dict[str, float]]:
    from search.types import SearchQuery

    per_kind: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for kind, text, relevant in asked:
        found = [hit.document_id for hit in index.search(SearchQuery(text=text, limit=20, facets=())).hits]
        precision = sum(doc in relevant for doc in found[:5]) / min(5, len(relevant))
        recall = sum(doc in relevant for doc in found[:20]) / len(relevant)
        first = next((rank for rank, doc in enumerate(found, 1) if doc in relevant), None)
        per_kind[kind].append((precision, recall, 1 / first if first else 0.0))
        per_kind["all"].append(per_kind[kind][-1])
    return {kind: {"queries": len(rows), "p_at_5": round(sum(r[0] for r in rows) / len(rows), 3),
                   "recall_at_20": round(sum(r[1] for r in rows) / len(rows), 3),
                   "mrr": round(sum(r[2] for r in rows) / len(rows), 3)}
            for kind, rows in sorted(per_kind.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, action="append", help="one or more seeds (default 7 and 11)")
    parser.add_argument("--items", type=int, default=4, help="dossiers per seed (3-8 documents each)")
    parser.add_argument("--code", type=Path, help="import search/ and common/ from here (an older version)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    seeds = args.seed or [7, 11]
    corpora = {seed: extracted_corpus(seed, args.items) for seed in seeds}  # the product's own extraction
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
        for name in [name for name in sys.modules if name.split(".")[0] in ("search", "common")]:
            del sys.modules[name]
    from search.tantivy_index import TantivyIndex

    results: dict[str, Any] = {"code": str(args.code or ROOT), "items": args.items, "seeds": {}}
    for seed, corpus in corpora.items():
        index = TantivyIndex(None, writer_heap_bytes=32_000_000, writer_threads=1)
        try:
            index.add(index_records(corpus))
            figures = measure(index, queries(corpus))
        finally:
            index.close()
        results["seeds"][str(seed)] = {"documents": len(corpus),
                                       "scans": sum(entry["scan_class"] != "text" for entry in corpus),
                                       "figures": figures}
        print(f"seed {seed}: {len(corpus)} documents")
        for kind, row in figures.items():
            print(f"  {kind:17} n={row['queries']:3}  P@5 {row['p_at_5']:.3f}  recall@20 {row['recall_at_20']:.3f}"
                  f"  MRR {row['mrr']:.3f}")
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
