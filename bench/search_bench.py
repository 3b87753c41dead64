"""Search benchmark: index N dossier-like documents on disk with TantivyIndex, then time queries.

    python bench/search_bench.py --docs 100000 --docs 1000000 --out bench/results/search.json

Documents come from `archive.demo.document_texts(count, seed)` when it is importable, else
from the small synthetic maker below (half the corpus is a major-repair record, so the broad
query "sua chua lon" matches about half). Indexes live under bench/work/ (gitignored) and are
reused when they already hold the asked number of documents (`--rebuild` forces a fresh one).

Measured, after a warm-up, each over `--queries` runs (time.perf_counter, whole adapter call
including hit documents, highlights and facets):

- broad:     text "sua chua lon" (no diacritics), limit 20, facets doc_type/unit/designation
- broad_half: text "bien ban" (about half of the archive.demo corpus, whose major repairs are
             rarer than the synthetic maker's), limit 20, facets
- broad_half_marks: text "biên bản", the same words typed with their diacritics: the documents
             holding them exactly score higher (optional clauses on the original text), so the
             ranking cannot be pruned as an intersection of terms
- selective: text "trang bi" + designation + unit filters, limit 20, facets
- browse:    no text, designation + unit filters (newest first), facets
- serial:    find_serial on existing serials typed in varied forms ("kb 12345", "KB-12345"); when
             people ask (below), only serials every one of them may see, so that the filtered and the
             unfiltered lookup both stop at the exact tier
- serial_miss: find_serial one digit off, on a serial the index does not hold (a draw that lands on
             another existing serial is drawn again), so it walks exact → look-alike → fuzzy tiers

Access (`search.types.Access`, applied inside the engine query): every document gets a
classification rank drawn 0–3 (uniform, deterministic per document) and the unit keys of its
unit and both ends of a transfer (`common.identifiers.unit_keys`). Each query above is also run
as four people, each person as its own A/B pair with the unfiltered query (`measure_pair`): for
each sample, the unfiltered and the filtered run back to back with the same query parameters,
which goes first drawn per sample (half and half), so that load on the machine and the cache the
first run warms favour neither side; the pairs run one after another. (Not all five in one
shuffled round: the top-secret person sends the very engine query unfiltered, so whichever of
the two ran second in a round found it warm, which made the unfiltered figures of the round
faster than a person's pair alone.)

- `+top_secret`:   Access(max_rank=3, unit_keys=None): everything passes
- `+secret`:       Access(max_rank=2, unit_keys=None): three documents in four (ranks above excluded)
- `+unclassified`: Access(max_rank=0, unit_keys=None): one document in four (the rank within required)
- `+secret_unit`:  Access(max_rank=2, unit_keys=(the higher unit of the queried pair, e.g. "su doan 304"))
                   for searches; for serials, of the unit of the document carrying the serial

- `serial_hidden+<person>`: find_serial, as that person, on a serial the index holds but only on
  documents that person may not see (distinct serial/unit pairs of the corpus sample, cycled; the
  `serials` figure says how many, `hidden_serial_pairs` how many the sample holds per person; a
  person with fewer than MIN_HIDDEN, the top-secret one always, is not measured). The answer
  must look like a miss, so it walks the same tiers as one: it is measured, interleaved, beside
  `serial_miss` and compared with it, not with the unfiltered lookup of the same serial (which stops
  at the exact tier: the cost of a miss, not of the filter).

`access_ratios` in the JSON holds filtered/unfiltered p50 and p99 per query and person, each against
the unfiltered runs of its own pair (the filtered figures' `baseline`); `hidden_ratios` holds
serial_hidden+<person> / the serial_miss runs of its own pair. The unfiltered figures of a query
(`queries[<query>]`) pool the unfiltered runs of the three restricted people's pairs (`pooled_from`;
not the top-secret pair, whose identical second query finds the cache warm half the time); with
nobody asking (es_bench) the query is measured alone.

Targets: p50 ≤ 10 ms and p99 ≤ 50 ms for searches at 1M documents; serial p99 ≤ 5 ms; access
filtering p50/p99 ratio ≤ 1.2.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tantivy  # noqa: E402

from common.identifiers import keyword_key, unit_keys  # noqa: E402
from common.vocabulary import CLASSIFICATIONS  # noqa: E402
from search.errors import IndexUnavailable  # noqa: E402
from search.tantivy_index import TantivyIndex  # noqa: E402
from search.types import Access, IndexRecord, SearchQuery  # noqa: E402

WORK = ROOT / "bench" / "work"
BATCH = 20_000
TARGETS = {"search_p50_ms": 10.0, "search_p99_ms": 50.0, "serial_p99_ms": 5.0, "access_ratio": 1.2}
PEOPLE = ("top_secret", "secret", "unclassified", "secret_unit")
HIDDEN_BASELINE = {"serial_hidden": "serial_miss"}  # compared with a miss, not with itself unfiltered
MIN_HIDDEN = 20  # distinct hidden serials below which a person's serial_hidden is not measured

# -- synthetic dossier texts (used when archive.demo.document_texts is not available) ------------

_UNITS = [f"{kind} {number}" for kind in ("Lữ đoàn", "Trung đoàn", "Sư đoàn", "Tiểu đoàn", "Kho")
          for number in (201, 202, 203, 215, 241, 302, 308, 312)]
_EQUIPMENT = [("Xe tăng", "T-54B"), ("Xe tăng", "T-55"), ("Xe tăng", "T-62"), ("Xe tăng", "PT-76"),
              ("Xe thiết giáp", "BTR-60PB"), ("Xe thiết giáp", "BMP-1"), ("Xe thiết giáp", "M113"),
              ("Pháo", "D-30"), ("Pháo", "M-46"), ("Pháo", "D-74"), ("Pháo phòng không", "ZU-23-2"),
              ("Pháo phòng không", "S-60"), ("Xe vận tải", "Ural-4320"), ("Xe vận tải", "ZIL-131"),
              ("Xe vận tải", "KrAZ-255B"), ("Xe công binh", "MTU-20"), ("Súng cối", "M-43"),
              ("Đài ra đa", "P-18"), ("Máy thông tin", "R-123"), ("Máy phát điện", "AD-30"),
              ("Xe chỉ huy", "UAZ-469"), ("Xe cứu kéo", "BTS-4"), ("Xe thiết giáp", "BRDM-2"),
              ("Pháo tự hành", "2S1"), ("Súng máy", "DShK")]
_PARTS = ["động cơ", "hộp số", "ly hợp", "xích", "bánh tỳ", "bánh chủ động", "tháp pháo", "nòng pháo",
          "hệ thống điện", "hệ thống thủy lực", "kính ngắm", "máy thông tin", "bộ tản nhiệt", "bơm nhiên liệu",
          "hệ thống phanh", "khung gầm", "cơ cấu lái", "ắc quy", "bộ lọc không khí", "hệ thống làm mát"]
_STATES = ["hoạt động bình thường", "có hiện tượng rò rỉ dầu", "mòn vượt mức cho phép", "cần thay thế",
           "đã được hiệu chỉnh", "đạt yêu cầu kỹ thuật", "hư hỏng nhẹ", "đã khắc phục"]
_PREFIXES = ["KB", "XT", "TG", "PB", "HC", "VT", "TT", "CB", "PK", "RD"]
_OTHER_TYPES = [("inspection", "BIÊN BẢN KIỂM TRA KỸ THUẬT"), ("maintenance", "PHIẾU BẢO DƯỠNG ĐỊNH KỲ"),
                ("transfer", "QUYẾT ĐỊNH ĐIỀU CHUYỂN TRANG BỊ"), ("logbook", "LÝ LỊCH TRANG BỊ KỸ THUẬT"),
                ("handover", "BIÊN BẢN GIAO NHẬN"), ("inventory", "BIÊN BẢN KIỂM KÊ")]


def _item(number: int) -> tuple[str, str, str, str]:
    """(serial, name, designation, unit) of equipment item `number`."""
    rng = random.Random(number * 7919)
    name, designation = _EQUIPMENT[number % len(_EQUIPMENT)]
    serial = f"{_PREFIXES[number % len(_PREFIXES)]}-{number // len(_PREFIXES):05d}-{rng.randrange(10, 99)}"
    return serial, name, designation, rng.choice(_UNITS)


def synthetic_texts(count: int, seed: int) -> Iterator[tuple[dict[str, Any], str]]:
    rng = random.Random(seed)
    items = max(1, count // 5)
    start = date(2000, 1, 1)
    for _ in range(count):
        serial, name, designation, unit = _item(rng.randrange(items))
        day = start + timedelta(days=rng.randrange(9000))
        parts = rng.sample(_PARTS, 4)
        findings = ". ".join(f"{part.capitalize()} {rng.choice(_STATES)}" for part in parts)
        number = f"{rng.randrange(1, 999)}/BB-KT"
        header = (f"BỘ QUỐC PHÒNG\n{unit.upper()}\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                  f"Số: {number}\nHà Nội, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}\n")
        identity = (f"Tên trang bị: {name} {designation}\nSố hiệu: {serial}\nĐơn vị quản lý: {unit}\n"
                    f"Số km đã chạy: {rng.randrange(100, 90000)} km. Số giờ hoạt động: {rng.randrange(10, 9000)} giờ.\n")
        if rng.random() < 0.5:
            doc_type, repair_level = "repair", "major"
            title = "BIÊN BẢN NGHIỆM THU SAU SỬA CHỮA LỚN"
            body = (f"Cấp sửa chữa: Sửa chữa lớn (SCL). Xưởng đã tiến hành sửa chữa lớn {name.lower()} "
                    f"{designation}. {findings}. Kết luận: đạt cấp chất lượng {rng.randrange(1, 4)}.")
        else:
            doc_type, title = rng.choice(_OTHER_TYPES)
            repair_level = None
            body = (f"Hôm nay tổ kỹ thuật tiến hành công việc đối với {name.lower()} {designation}. "
                    f"{findings}. Kết luận: trang bị đạt cấp chất lượng {rng.randrange(1, 5)}.")
        truth = {"doc_type": doc_type, "serial_number": serial, "designation": designation, "name": name,
                 "unit": unit, "document_date": day, "document_number": number, "repair_level": repair_level,
                 "classification": "unclassified", "title": title}
        yield truth, f"{header}\n{title}\n{identity}{body}\n"


def document_source(prefer_demo: bool) -> tuple[str, Callable[[int, int], Iterator[tuple[dict[str, Any], str]]]]:
    if prefer_demo:
        try:
            from archive.demo import document_texts  # type: ignore[attr-defined]

            return "archive.demo.document_texts", document_texts
        except ImportError:
            pass
    return "bench synthetic", synthetic_texts


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def classification_rank_of(number: int) -> int:
    """A rank 0–3 for document `number`, uniform and deterministic (the corpora's own stamps are mostly absent)."""
    return (number * 2654435761 >> 11) % 4


def to_record(number: int, truth: dict[str, Any], text: str) -> IndexRecord:
    first_line = next((line.strip() for line in text.splitlines() if line.strip().isupper() and len(line) > 12), None)
    rank = classification_rank_of(number)
    return IndexRecord(
        document_id=f"doc-{number:08d}",
        text=text,
        title=_text(truth.get("title")) or first_line,
        doc_type=_text(truth.get("doc_type")),
        serial_number=_text(truth.get("serial_number")),
        designation=_text(truth.get("designation")),
        name=_text(truth.get("name")),
        unit=_text(truth.get("unit")),
        from_unit=_text(truth.get("from_unit")),
        to_unit=_text(truth.get("to_unit")),
        classification=CLASSIFICATIONS[rank],
        classification_rank=rank,
        unit_keys=unit_keys(_text(truth.get("unit")), _text(truth.get("from_unit")), _text(truth.get("to_unit"))),
        repair_level=_text(truth.get("repair_level")),
        document_number=_text(truth.get("document_number")),
        document_date=_as_date(truth.get("document_date")),
    )


# -- building ------------------------------------------------------------------------------------


class Corpus:
    """What the queries draw from: serials and (designation, unit) pairs seen while indexing."""

    def __init__(self) -> None:
        self.serials: list[str] = []
        self.serial_units: list[str | None] = []  # the unit of the document each serial came from
        self.pairs: dict[tuple[str, str], int] = {}

    def see(self, record: IndexRecord) -> None:
        if record.serial_number and len(self.serials) < 50_000:
            self.serials.append(record.serial_number)
            self.serial_units.append(record.unit)
        if record.designation and record.unit:
            key = (record.designation, record.unit)
            self.pairs[key] = self.pairs.get(key, 0) + 1


def build(path: Path, docs: int, seed: int, source, args) -> tuple[dict[str, Any], Corpus]:
    corpus = Corpus()
    if path.exists():
        shutil.rmtree(path)
    index = TantivyIndex(path, writer_heap_bytes=args.heap_mb * 1_000_000, writer_threads=args.writer_threads)
    started = time.perf_counter()
    batch: list[IndexRecord] = []
    for number, (truth, text) in enumerate(source(docs, seed)):
        record = to_record(number, truth, text)
        corpus.see(record)
        batch.append(record)
        if len(batch) >= BATCH:
            index.add(batch)
            batch = []
            done = number + 1
            elapsed = time.perf_counter() - started
            print(f"  indexed {done:>9,} docs  {done / elapsed:,.0f} docs/s", file=sys.stderr, flush=True)
    if batch:
        index.add(batch)
    count = index.count()
    index.close()  # waits for merges: measure the settled index
    seconds = time.perf_counter() - started
    facts = {"docs": count, "index_seconds": round(seconds, 1), "docs_per_second": round(count / seconds, 1),
             "index_bytes": sum(f.stat().st_size for f in path.iterdir() if f.is_file())}
    (path / "bench-corpus.json").write_text(json.dumps({"serials": corpus.serials, "serial_units": corpus.serial_units, "pairs": [
        [d, u, n] for (d, u), n in corpus.pairs.items()], "facts": facts}, ensure_ascii=False))
    return facts, corpus


def _opens(path: Path) -> bool:
    try:
        TantivyIndex(path, writer_threads=1).close()
    except IndexUnavailable:
        return False
    return True


def load_corpus(path: Path) -> tuple[dict[str, Any], Corpus] | None:
    saved = path / "bench-corpus.json"
    if not saved.exists():
        return None
    data = json.loads(saved.read_text())
    corpus = Corpus()
    corpus.serials = data["serials"]
    corpus.serial_units = data.get("serial_units") or [None] * len(corpus.serials)
    corpus.pairs = {(d, u): n for d, u, n in data["pairs"]}
    return data["facts"], corpus


# -- measuring -----------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def figures(samples: list[float], last: Any) -> dict[str, Any]:
    return {"n": len(samples), "p50_ms": round(percentile(samples, 50), 3), "p99_ms": round(percentile(samples, 99), 3),
            "mean_ms": round(statistics.fmean(samples), 3), "max_ms": round(max(samples), 3), "last": last}


def measure(run: Callable[[int], Any], queries: int, warmup: int) -> dict[str, Any]:
    return measure_interleaved({"run": run}, queries, warmup)["run"]


def measure_interleaved(runs: dict[str, Callable[[int], Any]], queries: int, warmup: int) -> dict[str, dict[str, Any]]:
    """Each run `queries` times, taking turns query by query in a shuffled order, so that a burst of
    load elsewhere on the machine favours none of them."""
    names = list(runs)
    for i in range(warmup):
        for name in names:
            runs[name](i)
    samples: dict[str, list[float]] = {name: [] for name in names}
    last: dict[str, Any] = {}
    order = random.Random(len(names))
    for i in range(queries):
        for name in order.sample(names, len(names)):
            started = time.perf_counter()
            last[name] = runs[name](i)
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: figures(samples[name], last[name]) for name in names}


def measure_pair(base: Callable[[int], Any], other: Callable[[int], Any], queries: int, warmup: int,
                 seed: int) -> tuple[list[float], Any, list[float], Any]:
    """An A/B pair: for each sample i, `base(i)` and `other(i)` back to back (the same query
    parameters), which one goes first drawn per sample, half and half (shuffled), so that the cache
    the first run warms, and a burst of load elsewhere, favour neither. Returns both sides' samples
    (ms) and last answers."""
    for i in range(warmup):
        base(i)
        other(i)
    firsts = [True] * (queries // 2) + [False] * (queries - queries // 2)  # True: base runs first
    random.Random(seed).shuffle(firsts)
    samples: dict[bool, list[float]] = {True: [], False: []}  # True: base, False: other
    last: dict[bool, Any] = {}
    for i, base_first in enumerate(firsts):
        for is_base in ((True, False) if base_first else (False, True)):
            started = time.perf_counter()
            last[is_base] = (base if is_base else other)(i)
            samples[is_base].append((time.perf_counter() - started) * 1000)
    return samples[True], last[True], samples[False], last[False]


def measure_pairs(base: Callable[[int], Any], others: dict[str, Callable[[int], Any]], queries: int, warmup: int,
                  base_name: str, seed: int, pool: Callable[[str], bool] = lambda name: True) -> dict[str, dict[str, Any]]:
    """Each of `others` as its own A/B pair with `base` (`measure_pair`), pair after pair. Every
    other's figures carry `baseline`: the figures of the `base` runs of its own pair, which its ratio
    is taken against. `base_name` gets `base` measured alone (interleaved with nothing) when there
    are no others, else the `base` samples of the pairs whose names `pool` accepts, pooled."""
    if not others:
        return {base_name: measure(base, queries, warmup)}
    measured: dict[str, dict[str, Any]] = {}
    pooled: list[float] = []
    base_last: Any = None
    for k, (name, other) in enumerate(others.items()):
        base_samples, base_last, other_samples, other_last = measure_pair(base, other, queries, warmup, seed * 1000 + k)
        measured[name] = {**figures(other_samples, other_last), "baseline": figures(base_samples, base_last)}
        if pool(name):
            pooled.extend(base_samples)
    return {base_name: {**figures(pooled or base_samples, base_last),
                        "pooled_from": [name for name in others if pool(name)] or [name]}, **measured}


def variants(serial: str, rng: random.Random) -> str:
    forms = [serial, serial.lower(), serial.replace("-", " "), serial.replace("-", "").lower()]
    return rng.choice(forms)


def one_off(serial: str, rng: random.Random) -> str:
    chars = list(serial)
    positions = [i for i, ch in enumerate(chars) if ch.isdigit()]
    i = rng.choice(positions)
    chars[i] = str((int(chars[i]) + rng.randrange(1, 9)) % 10)
    return "".join(chars)


def higher_unit_key(unit: str | None) -> str:
    """The key of the highest unit of a chain ("Trung đoàn 24, Sư đoàn 304" → "su doan 304"): a person
    of the division sees its regiments' documents."""
    parts = [part for part in (unit or "").split(",") if part.strip()]
    return keyword_key(parts[-1]) if parts else "khong co don vi"


def people(unit: str | None) -> dict[str, Access]:
    """The filtered variants measured beside each unfiltered query (see the module docstring)."""
    return {"top_secret": Access(max_rank=3), "secret": Access(max_rank=2), "unclassified": Access(max_rank=0),
            "secret_unit": Access(max_rank=2, unit_keys=(higher_unit_key(unit),))}


def run_queries(index: TantivyIndex, corpus: Corpus, args, who_asks: tuple[str, ...] = (),
                notes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Figures per query name; with `who_asks` (names in `PEOPLE`) each query is also run, interleaved,
    as those people (`"<query>+<person>"`), and `notes` (when given) gets how many of the corpus sample's
    serial/unit pairs are hidden from each. Any `SearchIndex` adapter will do (es_bench uses it too)."""
    rng = random.Random(args.seed)
    hidden_serials: dict[str, int] = {}
    pairs = sorted(corpus.pairs, key=lambda pair: -corpus.pairs[pair])[:200]
    count = args.queries + args.warmup
    selective_pairs = [rng.choice(pairs) for _ in range(count)]
    units_of = corpus.serial_units if len(corpus.serial_units) == len(corpus.serials) else [None] * len(corpus.serials)

    def exact(serial: str, access: Access | None) -> bool:
        return any(match.match == "exact" for match in index.find_serial(serial, access))

    def seen_by_all(at: int) -> bool:
        asking = people(units_of[at])
        return all(exact(corpus.serials[at], asking[who]) for who in who_asks)

    serial_at = [draw(rng, len(corpus.serials), seen_by_all if who_asks else None) for _ in range(count)]
    serials = [variants(corpus.serials[at], rng) for at in serial_at]
    miss_at, misses = [], []
    while len(misses) < count:
        at = rng.randrange(len(corpus.serials))
        miss = one_off(corpus.serials[at], rng)
        if not exact(miss, None):  # one digit off can be another serial that exists: that is no miss
            miss_at.append(at)
            misses.append(miss)
    # Who asks: a person of the queried unit for searches, of the serial's own unit for lookups.
    search_people = [people(unit) for _designation, unit in selective_pairs]
    serial_people = [people(units_of[at]) for at in serial_at]
    miss_people = [people(units_of[at]) for at in miss_at]
    # Serials held only on documents the person may not see: (serial, access) per run, per person.
    held = list(dict.fromkeys(zip(corpus.serials, units_of)))
    random.Random(args.seed).shuffle(held)
    hidden: dict[str, list[tuple[str, Access]]] = {}
    for who in who_asks:
        pool = [(serial, people(unit)[who]) for serial, unit in held if not exact(serial, people(unit)[who])]
        hidden_serials[who] = len(pool)
        pool = pool[:count]
        if len(pool) >= MIN_HIDDEN:
            hidden[who] = [(variants(serial, rng), access) for serial, access in (pool[i % len(pool)]
                                                                                  for i in range(count))]

    def broad(i: int, access: Access | None):
        return index.search(SearchQuery(text="sua chua lon", limit=20, access=access)).total

    def broad_half(i: int, access: Access | None):
        return index.search(SearchQuery(text="bien ban", limit=20, access=access)).total

    def broad_half_marks(i: int, access: Access | None):
        return index.search(SearchQuery(text="biên bản", limit=20, access=access)).total

    def selective(i: int, access: Access | None):
        designation, unit = selective_pairs[i % len(selective_pairs)]
        return index.search(SearchQuery(text="trang bi", designation=designation, unit=unit, limit=20,
                                        access=access)).total

    def browse(i: int, access: Access | None):
        designation, unit = selective_pairs[i % len(selective_pairs)]
        return index.search(SearchQuery(designation=designation, unit=unit, limit=20, access=access)).total

    def serial(i: int, access: Access | None):
        return sum(len(m.document_ids) for m in index.find_serial(serials[i % len(serials)], access))

    def serial_miss(i: int, access: Access | None):
        return [m.match for m in index.find_serial(misses[i % len(misses)], access)][:1]

    def serial_hidden(who: str) -> Callable[[int], Any]:
        def run(i: int):
            serial, access = hidden[who][i % len(hidden[who])]
            return [m.match for m in index.find_serial(serial, access)][:1]
        return run

    results: dict[str, Any] = {}
    for name, query, asking in (("broad", broad, search_people), ("broad_half", broad_half, search_people),
                                ("broad_half_marks", broad_half_marks, search_people),
                                ("selective", selective, search_people), ("browse", browse, search_people),
                                ("serial", serial, serial_people), ("serial_miss", serial_miss, miss_people)):
        unfiltered = lambda i, query=query: query(i, None)  # noqa: E731
        filtered = {f"{name}+{who}": (lambda i, query=query, asking=asking, who=who: query(i, asking[i % len(asking)][who]))
                    for who in who_asks}
        if name == "serial_miss":  # a hidden serial must answer like a miss: measured beside one
            filtered.update({f"serial_hidden+{who}": serial_hidden(who) for who in hidden})
        # The unfiltered figures pool the unfiltered runs of the restricted people's pairs: the
        # top-secret person's pair runs one query twice (the second finds it warm), and serial_hidden
        # pairs with serial_miss on other serials.
        measured = measure_pairs(unfiltered, filtered, args.queries, args.warmup, name, args.seed,
                                 pool=lambda label: label.startswith(f"{name}+") and not label.endswith("+top_secret"))
        for who in hidden:
            if f"serial_hidden+{who}" in measured:  # how many distinct serials the runs cycle through
                measured[f"serial_hidden+{who}"]["serials"] = min(count, hidden_serials[who])
        results.update(measured)
        for label, figures_ in measured.items():
            paired = figures_.get("baseline")
            against = (f"   (its pair's unfiltered: p50 {paired['p50_ms']:.2f}, p99 {paired['p99_ms']:.2f} ms)"
                       if paired else "")
            print(f"  {label:<26} p50 {figures_['p50_ms']:8.2f} ms   p99 {figures_['p99_ms']:8.2f} ms   {figures_['last']}"
                  + against, file=sys.stderr, flush=True)
        if who_asks:
            for query, ratios in {**access_ratios(measured), **hidden_ratios(measured)}.items():
                print(f"  {query}: " + "   ".join(f"{who} ×{r['p50']:.2f}/×{r['p99']:.2f}" for who, r in ratios.items())
                      + f"  (p50/p99, against {HIDDEN_BASELINE.get(query, 'unfiltered')} in its own pair)",
                      file=sys.stderr, flush=True)
    if who_asks:
        print(f"  serial/unit pairs only on documents hidden from each person: {hidden_serials} (of {len(held)}"
              f" in the corpus sample; serial_hidden measured with at least {MIN_HIDDEN})", file=sys.stderr, flush=True)
        if notes is not None:
            notes.update({"hidden_serial_pairs": hidden_serials, "serial_pairs_sampled": len(held),
                          "min_hidden": MIN_HIDDEN})
    return results


def draw(rng: random.Random, size: int, keep: Callable[[int], bool] | None, tries: int = 100_000) -> int:
    """A position below `size` that `keep` accepts (any when `keep` is None)."""
    for _ in range(tries):
        at = rng.randrange(size)
        if keep is None or keep(at):
            return at
    raise RuntimeError(f"no acceptable draw in {tries} tries")


def access_ratios(results: dict[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """query → person → filtered/unfiltered p50 and p99 of the same queries, from `run_queries`' figures."""
    return _ratios(results, lambda query: None if query in HIDDEN_BASELINE else query)


def hidden_ratios(results: dict[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """serial_hidden → person → its p50 and p99 over serial_miss's (unfiltered): a hidden serial against a miss."""
    return _ratios(results, HIDDEN_BASELINE.get)


def _ratios(results: dict[str, Any], baseline: Callable[[str], str | None]) -> dict[str, dict[str, dict[str, float]]]:
    ratios: dict[str, dict[str, dict[str, float]]] = {}
    for label, filtered in results.items():
        query, _, who = label.partition("+")
        base = baseline(query)
        if who and base in results:
            plain = filtered.get("baseline") or results[base]  # its own pair's base runs when paired
            ratios.setdefault(query, {})[who] = {"p50": round(filtered["p50_ms"] / plain["p50_ms"], 3),
                                                 "p99": round(filtered["p99_ms"] / plain["p99_ms"], 3)}
    return ratios


# -- reporting -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "tantivy": getattr(tantivy, "__version__", "unknown"), "platform": platform.platform(),
            "loadavg": _loadavg()}


def _loadavg() -> list[float] | None:
    """Other work on the machine skews the figures; record how busy it was."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


def table(runs: list[dict[str, Any]]) -> str:
    lines = [f"{'docs':>10} {'index s':>8} {'docs/s':>8}  {'query':<26} {'p50 ms':>8} {'p99 ms':>8} {'matches':>9}"
             f"  {'p50 ×':>6} {'p99 ×':>6}"]
    for run in runs:
        ratios = {**run.get("access_ratios", {}), **run.get("hidden_ratios", {})}
        for i, (name, figures_) in enumerate(run["queries"].items()):
            head = (f"{run['docs']:>10,} {run['index_seconds']:>8} {run['docs_per_second']:>8,.0f}" if i == 0
                    else " " * 28)
            query, _, who = name.partition("+")
            ratio = ratios.get(query, {}).get(who)
            tail = f"  {ratio['p50']:>6.2f} {ratio['p99']:>6.2f}" if ratio else ""
            lines.append(f"{head}  {name:<26} {figures_['p50_ms']:>8.2f} {figures_['p99_ms']:>8.2f}"
                         f" {str(figures_['last']):>9}{tail}")
    return "\n".join(lines)


def _worst(ratios: dict[str, dict[str, dict[str, float]]]) -> float | None:
    return max((max(r["p50"], r["p99"]) for by_person in ratios.values() for r in by_person.values()), default=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, action="append", help="corpus size; repeat for several (default 100000)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "search.json")
    parser.add_argument("--queries", type=int, default=300, help="measured runs per query kind (≥ 200)")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--heap-mb", type=int, default=256, help="writer heap")
    parser.add_argument("--writer-threads", type=int, default=1, help="indexing threads besides the Python feeder")
    parser.add_argument("--rebuild", action="store_true", help="rebuild indexes even when a matching one exists")
    parser.add_argument("--synthetic", action="store_true", help="use the bench's own texts, not archive.demo")
    args = parser.parse_args(argv)
    sizes = args.docs or [100_000]
    source_name, source = document_source(prefer_demo=not args.synthetic)
    print(f"documents from {source_name}", file=sys.stderr)

    load_before = _loadavg()
    runs = []
    for docs in sizes:
        path = WORK / f"search-{'demo' if source is not synthetic_texts else 'synthetic'}-{docs}"
        loaded = None if args.rebuild else load_corpus(path)
        if loaded and not _opens(path):
            loaded = None  # built by an older schema
        if loaded and loaded[0]["docs"] == docs:
            facts, corpus = loaded
            print(f"reusing {path} ({docs:,} docs)", file=sys.stderr)
        else:
            print(f"indexing {docs:,} docs into {path}", file=sys.stderr)
            facts, corpus = build(path, docs, args.seed, source, args)
        index = TantivyIndex(path, writer_threads=1)
        try:
            notes: dict[str, Any] = {}
            queries = run_queries(index, corpus, args, who_asks=PEOPLE, notes=notes)
            ratios = access_ratios(queries)
            hidden = hidden_ratios(queries)
        finally:
            index.close()
        runs.append({**facts, "source": source_name, "queries": queries, "access_ratios": ratios,
                     "worst_access_ratio": _worst(ratios), "hidden_ratios": hidden,
                     "hidden_baseline": HIDDEN_BASELINE, "worst_hidden_ratio": _worst(hidden), **notes})

    report = {"machine": {**machine(), "loadavg_before": load_before}, "targets": TARGETS, "runs": runs,
              "command": " ".join([Path(sys.executable).name, *sys.argv])}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(table(runs))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
