"""The native ranked search (search/native) answers as the `tantivy` package does.

An index on disk sends relevance-ordered searches to `archive_search_native`; an index in RAM runs
them through the package. The same records go into both, and every generated search must give the
same total, the same facet counts and the same ranked page. The corpus mixes very common words (the
dense walk of the total and facets) with rare ones (the leapfrog walk), replaced and deleted
documents (deleted ones must not count), documents of every rank and several units (the access
clauses, required and excluded), phrases, identifiers and filters.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.tantivy_index import TantivyIndex
from search.types import Access, IndexRecord, SearchQuery

COMMON = ["biên bản", "trang bị", "kiểm tra", "kỹ thuật", "xe tăng"]
RARE = ["hộp số", "ly hợp", "tháp pháo", "kính ngắm", "ắc quy", "bơm nhiên liệu"]
UNITS = ["Lữ đoàn 201", "Sư đoàn 304", "Trung đoàn 48", "Kho K12"]
DESIGNATIONS = ["T-54B", "BTR-60PB", "ZIL-131", "D-30", "P-18"]
DOC_TYPES = ["inspection", "repair", "transfer", "logbook"]
SIZE = 600


def _records() -> list[IndexRecord]:
    rng = random.Random(20261204)
    records = []
    for number in range(SIZE):
        words = [rng.choice(COMMON) for _ in range(rng.randrange(2, 6))]
        words += [rng.choice(RARE) for _ in range(rng.randrange(0, 3))]
        serial = f"KB-{number:05d}"
        if rng.random() < 0.3:
            words.append(f"số hiệu {serial}")
        unit, designation = rng.choice(UNITS), rng.choice(DESIGNATIONS)
        records.append(IndexRecord(
            document_id=f"doc-{number:04d}",
            title=rng.choice(["BIÊN BẢN KIỂM TRA", "LÝ LỊCH TRANG BỊ", ""]) or None,
            text=". ".join(words),
            # every field now and then missing: a column with holes
            doc_type=rng.choice(DOC_TYPES) if rng.random() < 0.9 else None,
            unit=unit if rng.random() < 0.85 else None,
            designation=designation if rng.random() < 0.85 else None,
            serial_number=serial,
            document_date=date(1990, 1, 1) + timedelta(days=rng.randrange(12000)) if rng.random() < 0.9 else None,
            classification=["unclassified", "restricted", "secret", "top_secret"][number % 4],
            classification_rank=number % 4,
            unit_keys=(unit,),
        ))
    return records


def _fill(index: TantivyIndex, records: list[IndexRecord]) -> None:
    for start in range(0, len(records), 150):  # several segments
        index.add(records[start:start + 150])
    index.add([replace(record, text=record.text + ". hộp số") for record in records[::7]])
    for record in records[3::11]:
        index.delete(record.document_id)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory):
    records = _records()
    on_disk = TantivyIndex(tmp_path_factory.mktemp("ranked") / "index", writer_heap_bytes=32_000_000, writer_threads=1)
    in_ram = TantivyIndex(None, writer_heap_bytes=32_000_000, writer_threads=1)
    for index in (on_disk, in_ram):
        _fill(index, records)
    yield on_disk, in_ram
    on_disk.close()
    in_ram.close()


def _page(index: TantivyIndex, query: SearchQuery):
    page = index.search(query)
    scored = [(hit.score, hit.document_id) for hit in page.hits]
    return page, scored


words = st.sampled_from(COMMON + RARE + ["KB-00042", "kb 00120", '"kiểm tra kỹ thuật"', "xe", "không có"])
accesses = st.sampled_from([None, Access(max_rank=3), Access(max_rank=1), Access(max_rank=0),
                            Access(max_rank=2, unit_keys=("Sư đoàn 304",)), Access(max_rank=3, unit_keys=())])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(words, min_size=1, max_size=3).map(" ".join), access=accesses,
       unit=st.sampled_from([None, "Lữ đoàn 201", "kho k12"]), designation=st.sampled_from([None, "T-54B"]),
       doc_type=st.sampled_from([None, "repair"]), dated=st.booleans(), limit=st.integers(1, 40),
       facets=st.sampled_from([("doc_type", "unit", "designation"), ("unit",), ()]))
def test_native_ranked_search_answers_as_the_package_does(both, text, access, unit, designation, doc_type, dated,
                                                          limit, facets):
    on_disk, in_ram = both
    query = SearchQuery(text=text, access=access, unit=unit, designation=designation, doc_type=doc_type,
                        date_from=date(1995, 1, 1) if dated else None, date_to=date(2015, 12, 31) if dated else None,
                        limit=limit, facets=facets)
    native, native_scored = _page(on_disk, query)
    package, package_scored = _page(in_ram, query)
    assert native.total == package.total
    assert dict(native.facets) == dict(package.facets)
    # The same scores (summed in another order: within float rounding) in the same order; equal scores may list
    # their documents in another order, and the page may end on another of them.
    assert [score for score, _ in native_scored] == pytest.approx([score for score, _ in package_scored], rel=1e-5)
    lowest = min((score for score, _ in package_scored), default=None)
    above = {d for s, d in package_scored if s > lowest + 1e-4} if lowest is not None else set()
    assert above <= {d for _, d in native_scored}
    marked = {hit.document_id: hit.highlights for hit in package.hits}
    assert {hit.document_id: hit.highlights for hit in native.hits if hit.document_id in marked} == \
        {d: marks for d, marks in marked.items() if d in {hit.document_id for hit in native.hits}}
    if native.next_cursor:  # and the next page too
        after = replace(query, cursor=native.next_cursor)
        assert _page(on_disk, after)[0].total == native.total


@contextmanager
def _both_holding(tmp_path, records: list[IndexRecord]):
    """An index on disk and one in RAM holding `records` in segments of 2,500, every 131st deleted."""
    on_disk = TantivyIndex(tmp_path / "index", writer_heap_bytes=32_000_000, writer_threads=1)
    in_ram = TantivyIndex(None, writer_heap_bytes=32_000_000, writer_threads=1)
    try:
        for index in (on_disk, in_ram):
            for start in range(0, len(records), 2500):
                index.add(records[start:start + 2500])
            for record in records[::131]:
                index.delete(record.document_id)
        yield on_disk, in_ram
    finally:
        on_disk.close()
        in_ram.close()


def test_the_dense_walk_counts_what_the_package_counts_at_scale(tmp_path):
    """Two words in nearly every document, a unit filter and a rank exclusion: the window walk, across
    segments with deleted documents."""
    rng = random.Random(7)
    records = [IndexRecord(document_id=f"d{n}", text=f"biên bản {'trang bị' if rng.random() < 0.9 else 'khác'}"
                                                     f"{' kiểm tra' * rng.randrange(3)}",
                           unit="Kho K99" if n % 97 == 0 else rng.choice(UNITS), doc_type=rng.choice(DOC_TYPES),
                           classification_rank=n % 4, unit_keys=(rng.choice(UNITS),)) for n in range(9000)]
    with _both_holding(tmp_path, records) as (on_disk, in_ram):
        for query in (SearchQuery(text="bien ban trang bi"),
                      SearchQuery(text="bien ban", access=Access(max_rank=2)),
                      SearchQuery(text="bien ban", access=Access(max_rank=0)),
                      SearchQuery(text="trang bi", unit="Kho K12", access=Access(max_rank=3, unit_keys=("Sư đoàn 304",))),
                      # a unit far rarer than the words: its list leads the ranking
                      SearchQuery(text="bien ban kiem tra", unit="Kho K99", access=Access(max_rank=2))):
            native, package = on_disk.search(query), in_ram.search(query)
            assert native.total == package.total > 30
            assert dict(native.facets) == dict(package.facets)
            assert [h.score for h in native.hits] == pytest.approx([h.score for h in package.hits], rel=1e-5)


def test_words_typed_with_marks_rank_as_the_package_ranks_them_at_scale(tmp_path):
    """Common words typed with their marks, in documents that hold them with those marks, with others, or without
    any: the native search prunes with the fixed score the exact spelling adds, and must still find the best."""
    rng = random.Random(11)

    def spelled(*forms: str) -> str:
        return rng.choices(forms, weights=(6, 1, 3))[0]

    records = [IndexRecord(document_id=f"d{n}",
                           text=f"{spelled('biên bản', 'biển bán', 'bien ban')} trang bị"
                                + f" {spelled('kiểm tra', 'kiêm trà', 'kiem tra')}" * rng.randrange(1, 4)
                                + " xe" * rng.randrange(4),
                           title=rng.choice(["", "", "", "Biên bản"]) or None, doc_type=rng.choice(DOC_TYPES),
                           unit="Kho K99" if n % 97 == 0 else rng.choice(UNITS),
                           classification_rank=n % 4, unit_keys=(rng.choice(UNITS),)) for n in range(9000)]
    with _both_holding(tmp_path, records) as (on_disk, in_ram):
        for query in (SearchQuery(text="biên bản"), SearchQuery(text="kiểm tra", limit=5),
                      SearchQuery(text="biên bản kiểm tra", access=Access(max_rank=1)),
                      SearchQuery(text="kiểm tra trang bị", limit=50, access=Access(max_rank=2, unit_keys=("Kho K12",))),
                      # a unit far rarer than the words: its list leads the ranking
                      SearchQuery(text="kiểm tra trang bị", unit="Kho K99")):
            native, package = on_disk.search(query), in_ram.search(query)
            assert native.total == package.total > 30
            assert [h.score for h in native.hits] == pytest.approx([h.score for h in package.hits], rel=1e-5)
            words = query.text.split()
            first = next(record for record in records if record.document_id == native.hits[0].document_id)
            assert all(word in f"{first.title} {first.text}".lower() for word in words)
