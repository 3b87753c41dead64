"""The `SearchIndex` port: the one interface the service layer uses for every search engine."""

from __future__ import annotations

from typing import Callable, Iterable, Protocol, Sequence

from search.types import Access, IndexRecord, PreparedRecord, SearchPage, SearchQuery, SerialMatch


class SearchIndex(Protocol):
    def add(self, records: Sequence[IndexRecord | PreparedRecord], *,
            before_commit: Callable[[], None] | None = None) -> None:
        """Insert or replace (by document_id); searchable when this returns. Takes records as they are or as this
        engine's `prepare` made them. `before_commit` runs before any of them can be searched, while the engine
        may already be indexing them; what it raises is raised as it is, and then none of them is added."""

    def prepare(self, record: IndexRecord) -> PreparedRecord:
        """`record` in this engine's own form (folded text, identifier keys): the work of `add` that needs no
        engine, done ahead, so that a batch does it file by file while its files are read rather than all at once
        at its group's commit, when nothing else runs."""

    def delete(self, document_id: str) -> None: ...

    def search(self, query: SearchQuery) -> SearchPage: ...

    def find_serial(self, serial: str, access: Access | None = None, *,
                    excluding: str | None = None, exact_apart: bool = True) -> tuple[SerialMatch, ...]:
        """Serials matching after normalisation; only the best tier (exact, then OCR look-alike, then near miss).
        With `access`, only documents it allows count: a serial carried by none of them is not found.
        `excluding`: a document left out of every tier (the one whose own reading is being confirmed: its own
        misread serial must not hide the look-alike others print). `exact_apart=False`: the exact spelling is one
        of the look-alikes, not a tier of its own (other documents that share a misreading must not hide the
        spelling the rest of the item's documents print)."""

    def count(self) -> int: ...

    def clear(self) -> None:
        """Drop every document."""

    def rebuild(self, records: Iterable[IndexRecord], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with `records` (reindex); searches go on answering from the old
        contents until the new ones are complete. Returns how many were indexed."""

    def ping(self) -> None:
        """Raise `search.errors.IndexUnavailable` when the engine does not answer."""

    def close(self) -> None: ...
