"""What only the Elasticsearch adapter promises, on the real server of `tests/servers.py`.

The shared behaviour is in `test_search_index.py`; here: the versioned index behind an alias,
rebuilds without downtime, pagination past the 10,000-hit window, the mapping (core analysis
only), and how a dead or restarted server looks from the port.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
import uuid
from datetime import date, timedelta
from typing import Iterator

import pytest
from elasticsearch import Elasticsearch
from hypothesis import given, settings
from hypothesis import strategies as st

from common.text import normalize_text
from search.elasticsearch_index import ElasticsearchIndex, _LinePrep
from search.errors import IndexUnavailable, InvalidQuery
from search.query import TextPrep, encode_cursor, match_fold
from search.types import Access, IndexRecord, SearchQuery


def rec(document_id: str, text: str = "", **fields) -> IndexRecord:
    return IndexRecord(document_id=document_id, text=text, **fields)


@pytest.fixture
def es_url(elasticsearch_server) -> str:
    return elasticsearch_server.url


@pytest.fixture
def client(es_url: str) -> Iterator[Elasticsearch]:
    raw = Elasticsearch(es_url, request_timeout=30)
    yield raw
    raw.close()


@pytest.fixture
def make_index(es_url: str) -> Iterator:
    """Factory of adapters, each on its own alias; everything they created is dropped afterwards."""
    made: list[ElasticsearchIndex] = []

    def factory(**options) -> ElasticsearchIndex:
        index = ElasticsearchIndex(es_url, index=f"test-{uuid.uuid4().hex[:16]}", **options)
        made.append(index)
        return index

    yield factory
    for index in made:
        cleaner = ElasticsearchIndex(es_url, index=index.alias)
        cleaner.drop()
        cleaner.close()
        index.close()


def behind(client: Elasticsearch, alias: str) -> list[str]:
    return sorted(client.indices.get_alias(name=alias).body)


# -- the versioned index behind the alias ------------------------------------------------------


def test_reads_and_writes_go_through_an_alias_over_a_versioned_index(make_index, client):
    index = make_index()
    index.add([rec("a", "biên bản kiểm kê")])

    first = behind(client, index.alias)
    assert len(first) == 1 and re.fullmatch(rf"{index.alias}-v\d+", first[0])
    assert client.indices.exists_alias(name=index.alias)

    index.clear()

    second = behind(client, index.alias)
    assert len(second) == 1 and second != first
    assert not client.indices.exists(index=first[0])  # the old version is deleted
    assert index.count() == 0


def test_mapping_is_explicit_and_uses_core_analysis_only(make_index, client):
    index = make_index()
    index.add([rec("a", "sửa chữa lớn", serial_number="KB-15-84", unit="Lữ đoàn 201",
                   document_date=date(2020, 1, 5))])
    name = behind(client, index.alias)[0]

    mapping = client.indices.get_mapping(index=name)[name]["mappings"]
    settings = client.indices.get_settings(index=name)[name]["settings"]["index"]
    fields = mapping["properties"]

    assert mapping["dynamic"] == "strict"
    for text_field in ("text", "title", "folded", "title_folded", "fields_folded"):
        assert fields[text_field]["type"] == "text"
        assert fields[text_field].get("analyzer", "standard") == "standard"
    for keyword in ("document_id", "doc_type", "unit", "designation", "unit_key", "designation_key",
                    "classification", "repair_level", "serial_key", "serial_lookalike", "serial_number"):
        assert fields[keyword]["type"] == "keyword", keyword
    assert fields["document_date"]["type"] == "date"
    assert "analysis" not in settings  # nothing from analysis-common (asciifolding, icu, custom filters)
    assert client.indices.exists_index_template(name=f"{index.alias}-template")


def test_reopening_finds_the_same_alias(make_index, es_url):
    index = make_index()
    index.add([rec("a", "niêm cất dài hạn")])

    again = ElasticsearchIndex(es_url, index=index.alias)
    try:
        assert again.count() == 1
        assert [h.document_id for h in again.search(SearchQuery(text="niem cat")).hits] == ["a"]
    finally:
        again.close()


# -- rebuilds ----------------------------------------------------------------------------------


def test_rebuild_loads_a_fresh_index_and_swaps_the_alias(make_index, client):
    index = make_index()
    index.add([rec(f"old-{n}", "biên bản cũ") for n in range(5)])
    before = behind(client, index.alias)
    seen: list[int] = []

    loaded = index.rebuild((rec(f"new-{n}", "biên bản mới") for n in range(1234)), progress=seen.append)

    assert loaded == 1234 and index.count() == 1234
    assert seen and seen[-1] == 1234 and seen == sorted(seen)
    assert index.search(SearchQuery(text="cu")).total == 0
    assert index.search(SearchQuery(text="moi")).total == 1234
    after = behind(client, index.alias)
    assert len(after) == 1 and after != before and not client.indices.exists(index=before[0])
    settings = client.indices.get_settings(index=after[0])[after[0]]["settings"]["index"]
    assert settings.get("refresh_interval") == "30s"  # the loading setting (-1) is undone


def test_searches_keep_answering_during_a_rebuild(make_index):
    index = make_index()
    index.add([rec(f"old-{n}", "biên bản kiểm tra", document_date=date(2020, 1, 1)) for n in range(300)])
    totals: list[int] = []
    failures: list[BaseException] = []
    rebuilding = threading.Event()
    done = threading.Event()

    def slow_records() -> Iterator[IndexRecord]:
        for n in range(3000):
            if n % 100 == 0:
                time.sleep(0.05)  # a rebuild reading from storage takes a while
            yield rec(f"new-{n}", "biên bản kiểm tra", document_date=date(2021, 1, 1))

    def searcher() -> None:
        rebuilding.wait()
        while not done.is_set():
            try:
                totals.append(index.search(SearchQuery(text="bien ban", limit=5)).total)
            except BaseException as exc:  # noqa: BLE001 - every failure is the test's business
                failures.append(exc)

    thread = threading.Thread(target=searcher)
    thread.start()
    rebuilding.set()
    try:
        index.rebuild(slow_records())
    finally:
        done.set()
        thread.join(timeout=60)

    assert failures == []
    assert len(totals) >= 10, "the searches did not overlap the rebuild"
    assert set(totals) <= {300, 3000}
    assert totals[0] == 300  # the old index answered while the new one was loading
    assert index.search(SearchQuery(text="bien ban")).total == 3000


# -- pagination past the window ----------------------------------------------------------------


def test_cursor_walks_past_ten_thousand_results(make_index):
    index = make_index()
    day = date(2000, 1, 1)
    index.add([rec(f"doc-{n:05d}", "biên bản kiểm kê kho", document_date=day + timedelta(days=n % 3000))
               for n in range(10_050)])

    for text in ("kiem ke", ""):
        seen, cursor = [], None
        while True:
            page = index.search(SearchQuery(text=text, limit=2500, cursor=cursor, facets=()))
            assert page.total == 10_050
            seen += [hit.document_id for hit in page.hits]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 10_050

    # An engine-neutral offset cursor past the window still lands on the right hits.
    walked = []
    cursor = None
    while True:
        page = index.search(SearchQuery(text="", limit=5000, cursor=cursor, facets=()))
        walked += [hit.document_id for hit in page.hits]
        if not (cursor := page.next_cursor):
            break
    query = SearchQuery(text="", limit=20, cursor=encode_cursor(10_040, SearchQuery(text="")), facets=())
    tail = index.search(query)
    assert [hit.document_id for hit in tail.hits] == walked[10_040:]
    assert tail.next_cursor is None


def _cursor_with(cursor: str, after) -> str:
    """The same cursor with other sort values in it (what a client might send back)."""
    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    payload["a"] = after
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_tampered_cursor_is_invalid(make_index):
    index = make_index()
    index.add([rec(f"d{n}", "kiểm tra xe tăng") for n in range(3)])
    cursor = index.search(SearchQuery(text="xe", limit=1)).next_cursor
    assert cursor

    for after in (["not-a-score", "d0"], "d0", [1.0]):
        with pytest.raises(InvalidQuery):
            index.search(SearchQuery(text="xe", limit=1, cursor=_cursor_with(cursor, after)))


# -- a server that does not answer -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dead_server_is_unavailable_and_named():
    url = f"http://127.0.0.1:{_free_port()}"
    index = ElasticsearchIndex(url, index="nobody-home")  # constructing does not need the server
    try:
        for call in (index.ping, index.count, lambda: index.search(SearchQuery(text="xe")),
                     lambda: index.find_serial("KB-15-84"), lambda: index.add([rec("a", "x")])):
            with pytest.raises(IndexUnavailable, match=re.escape(url)):
                call()
    finally:
        index.close()


def test_a_server_that_accepts_and_never_answers_fails_the_call_instead_of_hanging_it():
    # The request timeout bounds the wait (no wall-clock assertion here: a hang would be the failure).
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        url = f"http://127.0.0.1:{hung.getsockname()[1]}"
        index = ElasticsearchIndex(url, index="nobody-answers", timeout=0.5, max_retries=0)
        try:
            for call in (index.count, lambda: index.search(SearchQuery(text="xe"))):
                with pytest.raises(IndexUnavailable, match=re.escape(url)):
                    call()
        finally:
            index.close()


@pytest.mark.slow
def test_stopped_server_is_unavailable_then_answers_again(make_index, elasticsearch_server):
    index = make_index()
    index.add([rec("a", "lý lịch trang bị", serial_number="XT-0001")])

    elasticsearch_server.stop()
    try:
        with pytest.raises(IndexUnavailable):
            index.ping()
        with pytest.raises(IndexUnavailable):
            index.search(SearchQuery(text="ly lich"))
    finally:
        elasticsearch_server.start()

    index.ping()
    assert index.find_serial("XT-0001")[0].document_ids == ("a",)


def test_offset_cursor_within_the_window_starts_at_that_offset(make_index):
    index = make_index()
    index.add([rec(f"d{n:02d}", "kiểm tra xe tăng", document_date=date(2020, 1, 1) + timedelta(days=n))
               for n in range(30)])
    everything = [hit.document_id for hit in index.search(SearchQuery(text="", limit=30)).hits]

    page = index.search(SearchQuery(text="", limit=10, cursor=encode_cursor(7, SearchQuery(text=""))))

    assert [hit.document_id for hit in page.hits] == everything[7:17]
    assert page.next_cursor is not None
    rest = index.search(SearchQuery(text="", limit=100, cursor=page.next_cursor))
    assert [hit.document_id for hit in rest.hits] == everything[17:]


def test_records_added_during_a_rebuild_survive_the_swap(make_index):
    index = make_index()

    def records_then_an_ingest() -> Iterator[IndexRecord]:
        for n in range(600):
            if n == 300:
                index.add([rec("ingested", "biên bản giao nhận mới")])  # a clerk's upload mid-rebuild
            yield rec(f"stored-{n}", "biên bản kiểm kê")

    index.rebuild(records_then_an_ingest())

    assert index.count() == 601
    assert [hit.document_id for hit in index.search(SearchQuery(text="giao nhan")).hits] == ["ingested"]


# -- folding by lines (no server) -------------------------------------------------------------

_LINE_BITS = list("aăâeêioôơuưyAĂÂEÊOÔƠUƯđĐqgnhtcxΣσ -.,") + [
    "\n", "\n\n", "\r\n", "\r", "\t", "\x85", "\u2028", "\x0b", "\u0300", "\u0301", "\u0303", "\u0309",
    "\u0323", "oà", "uỳ", "oẻ", "hoà", "quà", "già", "İ", "\u00ad", "\u200b"]


@given(st.one_of(st.lists(st.sampled_from(_LINE_BITS), max_size=80).map("".join), st.text(max_size=80)))
@settings(max_examples=400, deadline=None)
def test_line_prep_equals_the_shared_functions(text):
    lines = _LinePrep(TextPrep(check_every=10**9), check_every=10**9)  # the sampled check would hide a difference
    lines.normalize_and_fold("warm up\nthe sampling counter")
    long_text = text + "\nvà thêm một dòng\n" + text

    normalized, folded = lines.normalize_and_fold(long_text)
    again = lines.normalize_and_fold(long_text)  # from the memo this time

    assert normalized == normalize_text(long_text)
    assert folded == match_fold(normalize_text(long_text))
    assert again == (normalized, folded)
    assert lines.line_local


# -- mapping versions ----------------------------------------------------------------------------


def test_an_index_of_mapping_version_2_is_migrated_in_place(es_url, client):
    """Version 2 (access fields, no identifier keys): it keeps answering, access-filtered queries too;
    the identifier fields are added so new records carry them; a rebuild brings the older ones up."""
    from search import elasticsearch_index as adapter

    alias = f"test-{uuid.uuid4().hex[:16]}"
    mappings = adapter._mappings()
    for name in adapter._IDENTIFIER_FIELDS:
        del mappings["properties"][name]
    mappings["_meta"] = {"mapping_version": 2}
    mappings["_source"] = {"excludes": ["title_folded", "fields_folded"]}
    client.indices.create(index=f"{alias}-v1", mappings=mappings, aliases={alias: {}})
    client.index(index=alias, id="old", refresh=True, document={
        "document_id": "old", "text": "lý lịch xe KB-I5-B4", "folded": match_fold("lý lịch xe KB-I5-B4"), "classification_rank": 0,
        "unit_keys": ["lu doan 201"]})
    index = ElasticsearchIndex(es_url, index=alias)
    person = SearchQuery(text="ly lich", access=Access(max_rank=1, unit_keys=("lu doan 201",)))
    try:
        assert [hit.document_id for hit in index.search(person).hits] == ["old"]
        assert index.behind == [f"{alias}-v1"]
        fields = client.indices.get_mapping(index=f"{alias}-v1")[f"{alias}-v1"]["mappings"]["properties"]
        assert all(fields[name]["type"] == "keyword" for name in adapter._IDENTIFIER_FIELDS)

        index.add([rec("new", "lý lịch xe PT-7б", classification_rank=0, unit_keys=("lu doan 201",))])
        assert [hit.document_id for hit in index.search(SearchQuery(text="PT-76")).hits] == ["new"]
        assert [hit.document_id for hit in index.search(SearchQuery(text="KB-15-84")).hits] == []  # not yet keyed

        index.rebuild([rec("old", "lý lịch xe KB-I5-B4", classification_rank=0, unit_keys=("lu doan 201",)),
                       rec("new", "lý lịch xe PT-7б", classification_rank=0, unit_keys=("lu doan 201",))])
        assert index.behind == []
        assert [hit.document_id for hit in index.search(SearchQuery(text="KB-15-84")).hits] == ["old"]
        name = behind(client, alias)[0]
        assert client.indices.get_mapping(index=name)[name]["mappings"]["_meta"]["mapping_version"] == 3
    finally:
        index.drop()
        index.close()
