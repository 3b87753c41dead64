"""Fixtures for the contract suites: one parametrisation per port, one param per real adapter.

To add an engine, add its name to `SEARCH_ENGINES` and a branch to `_open_search_index` that
opens the adapter against a real server; every test in `test_search_index.py` then runs
against it too. `location` names one persistent store (a directory for Tantivy, an alias
derived from it for Elasticsearch): opening it twice must show the same documents.

Elasticsearch runs on the real server of `tests/servers.py` (`elasticsearch_server`), asked
for only by the elasticsearch param, so a Tantivy-only run never starts it. Each test gets
its own alias (and so its own indices and template), dropped afterwards.
"""

from __future__ import annotations

import hashlib
import pathlib
import uuid
from typing import Callable, Iterator

import pytest

# "tantivy" is an index in RAM, searched through the `tantivy` package alone; "tantivy-disk" one on disk, whose
# relevance-ordered searches go through the native ranked search (search/native). Both must answer alike.
SEARCH_ENGINES = ["tantivy", "tantivy-disk", "elasticsearch"]


def _es_alias(location: pathlib.Path | None) -> str:
    """A lowercase alias unique to the test (to the location when one is given)."""
    if location is None:
        return f"test-{uuid.uuid4().hex[:16]}"
    return f"test-{hashlib.sha1(str(location).encode()).hexdigest()[:16]}"


def _open_search_index(engine: str, location: pathlib.Path | None, request: pytest.FixtureRequest):
    if engine == "tantivy-disk" and location is None:
        location = request.getfixturevalue("tmp_path") / "index"
    if engine in ("tantivy", "tantivy-disk"):
        from search.tantivy_index import TantivyIndex

        return TantivyIndex(location, writer_heap_bytes=32_000_000, writer_threads=1)
    if engine == "elasticsearch":
        from search.elasticsearch_index import ElasticsearchIndex

        server = request.getfixturevalue("elasticsearch_server")
        return ElasticsearchIndex(server.url, index=_es_alias(location))
    raise NotImplementedError(engine)


def _drop(engine: str, opened: list, request: pytest.FixtureRequest) -> None:
    """Remove what an Elasticsearch test left on the shared server (indices, alias, template)."""
    if engine != "elasticsearch":
        return
    from search.elasticsearch_index import ElasticsearchIndex

    url = request.getfixturevalue("elasticsearch_server").url
    for alias in {index.alias for index in opened}:
        cleaner = ElasticsearchIndex(url, index=alias)
        try:
            cleaner.drop()
        finally:
            cleaner.close()


@pytest.fixture(params=SEARCH_ENGINES)
def search_engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def open_index(search_engine: str, tmp_path: pathlib.Path,
               request: pytest.FixtureRequest) -> Iterator[Callable[[str], object]]:
    """Factory: `open_index("name")` opens (or reopens) the persistent store called `name`."""
    opened = []

    def factory(name: str = "index"):
        index = _open_search_index(search_engine, tmp_path / name, request)
        opened.append(index)
        return index

    yield factory
    for index in opened:
        index.close()
    _drop(search_engine, opened, request)


@pytest.fixture
def index(search_engine: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh, empty index of the engine under test (in RAM for Tantivy, a new alias for Elasticsearch)."""
    index = _open_search_index(search_engine, None, request)
    if search_engine != "elasticsearch":  # a new alias is empty; its clear() (a rebuild) costs a second
        index.clear()
    yield index
    index.close()
    _drop(search_engine, [index], request)
