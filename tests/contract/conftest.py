"""Fixtures for the contract suites: one parametrisation per port, one param per real adapter.

To add an engine (e.g. Elasticsearch), add its name to `SEARCH_ENGINES` and a branch to
`_open_search_index` that opens the adapter against a real server; every test in
`test_search_index.py` then runs against it too. `location` names one persistent store (a
directory for Tantivy, an index name for Elasticsearch): opening it twice must show the same
documents.
"""

from __future__ import annotations

import pathlib
from typing import Callable, Iterator

import pytest

SEARCH_ENGINES = ["tantivy"]


def _open_search_index(engine: str, location: pathlib.Path | None):
    if engine == "tantivy":
        from search.tantivy_index import TantivyIndex

        return TantivyIndex(location, writer_heap_bytes=32_000_000, writer_threads=1)
    raise NotImplementedError(engine)


@pytest.fixture(params=SEARCH_ENGINES)
def search_engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def open_index(search_engine: str, tmp_path: pathlib.Path) -> Iterator[Callable[[str], object]]:
    """Factory: `open_index("name")` opens (or reopens) the persistent store called `name`."""
    opened = []

    def factory(name: str = "index"):
        index = _open_search_index(search_engine, tmp_path / name)
        opened.append(index)
        return index

    yield factory
    for index in opened:
        index.close()


@pytest.fixture
def index(search_engine: str) -> Iterator[object]:
    """A fresh, empty index of the engine under test (in RAM for Tantivy)."""
    index = _open_search_index(search_engine, None)
    index.clear()
    yield index
    index.close()
