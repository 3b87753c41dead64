"""The scale-out `SearchIndex` adapter: Elasticsearch through the official `elasticsearch` client.

Layout: the adapter reads and writes through an alias (`index`, "archive-documents"); the
real indices are `<index>-v<N>` (the first one `-v1`, rebuilds `-v<nanosecond timestamp>`),
all shaped by one composable index template (`<index>-template`, pattern `<index>-v*`).
`rebuild` loads a fresh versioned index while the alias keeps answering from the old one,
then swaps the alias in one `update_aliases` call (remove + add) and deletes the old index:
no downtime. While it loads, `add` and `delete` of the same adapter also go to the new index,
so a record ingested meanwhile survives the swap (another process's writes in that window
reach only the old index: the next `reindex` repairs them, as for any crash between store
and index). `clear` is a rebuild from nothing (delete-by-query needs the reindex module,
which a minimal server lacks).

Mapping (explicit, `dynamic: strict`), only core analysis (the built-in `standard`
analyzer: Unicode word split + lowercase; no analysis-common, no ICU, no asciifolding):

- original text: `text`, `title` hold the normalised original (`normalize_text`).
- folded copy, folded in Python with the very `TextPrep` the Tantivy adapter uses
  (`match_fold`: marks stripped, đ→d, y→i): `folded` is the folded text (kept in `_source`,
  the highlighter reads it); `title_folded` (indexed, for its boost) and `fields_folded`
  (the record's fields as text, serial and designation also written whole: "KB1584", "T54B";
  not indexed itself) are copied into `folded` by `copy_to`, so `folded` is the one field that
  holds every match the original could give, as in Tantivy. Both stay out of `_source`.
- keywords: `document_id`, `doc_type`, `unit`, `designation` (display values, facets),
  `unit_key`, `designation_key` (`keyword_key`, filters), `classification`, `repair_level`,
  `serial_number`, `serial_key`, `serial_lookalike`, `document_number`.
- identifiers forgiven what OCR does (`search.lookalike`, as in Tantivy): `designation_ident`,
  `designation_lookalike` (the designation field's exact and look-alike keys), `ident_exact`,
  `ident_lookalike` (the keys of every serial- or designation-shaped stretch of the title and text).
- dates: `document_date`, `ingested_at`; `quality_grade` an integer.
- access (`search.types.Access`): `classification_rank` an integer (an unread classification
  is 3, the highest), `unit_keys` a multi-valued keyword (every unit key the document answers
  to: its unit and both ends of a transfer, each whole and each part of a chain).

The mapping carries `_meta.mapping_version` (`MAPPING_VERSION`). An alias over an index of an
older version is migrated on first use the only way core allows without the source records: the
fields added since are put into its mapping (so writes go on and carry them). Before version 2
(no access fields) it is also marked stale: every access-filtered `search` / `find_serial` raises
`IndexUnavailable` ("run `archive reindex`") rather than answer from documents that lack the
fields, until a rebuild (from this or another process) swaps in an index of the current version.
Unrestricted calls (the archive's bookkeeping) keep working meanwhile. A version-2 index answers
every query; its older documents lack only the identifier keys (found by their words, not by a
look-alike) until `archive reindex` (`behind` names such indices).

Query semantics (the same as `search.tantivy_index`, see `search.query`): AND. Every typed
term must match `folded` (`match_phrase`, so a word that analyses into several tokens such as
"T-54B" is a phrase); `should` clauses only add score: the title (×3), the designation / serial
keyword (×4), and for terms typed with marks the original field's exact spelling (`constant_score`
of `EXACT_MARKS_SCORE`, ×3 in the title). Identifier-shaped
stretches of the typed words make the text part a union (`bool.should`, one at least) of the words
and, per stretch, its tiered keys (`constant_score` with `IDENTIFIER_SCORES`) with the other words. Filters go in
`bool.filter` (unscored), and so does access: `range` on `classification_rank` and, when the
person has units, `terms` on `unit_keys`, inside the one query that also gives the total,
the aggregations, the highlights and the `search_after` pages; `find_serial`'s `dis_max` of
tiers runs under the same filter. Empty text browses newest `document_date` first (undated last).
Facets are terms aggregations, ordered by `search.query.sort_facets`. Highlights: the unified
highlighter with private-use tags over `text` (terms typed with marks) and over `folded`
(mapped back onto the original characters, `common.text.fold_map` when folding changed
the length), rendered HTML-escaped with `<mark>`. Pagination: `search_after` on (score or
date, document_id), the sort values carried in the engine-neutral cursor (`search.query`'s
format plus an "a" key), so there is no 10,000 cap; a cursor without them (an offset) still
works. A page holds at most 10,000 hits (`index.max_result_window`): a larger `limit` gets
10,000 and a cursor. Totals are exact (`track_total_hits`). Serials: exact `serial_key`, then
`serial_lookalike`, then one edit on `serial_lookalike`; all tiers in one search (`dis_max` of
constant scores 3/2/1), and only the documents of the best tier that matched are returned.

Writes: `add` bulk-loads with `helpers.parallel_bulk` (two chunks in flight while the next is
folded), then one explicit refresh, so documents are searchable on return without paying a
refresh per chunk; an id given twice in one call keeps the last record.

Connection: short timeouts and bounded retries (a dead server fails within seconds, as
`IndexUnavailable` naming the URL); `ping` is `cluster.health` (never `GET /`).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from contextlib import contextmanager, suppress
from datetime import date
from typing import Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from common.identifiers import lookalike_key, normalize_serial, serial_key
from common.vocabulary import CLASSIFICATIONS
from search.errors import IndexUnavailable, InvalidQuery, SearchError
from search.highlight import CLOSE_SENTINEL, OPEN_SENTINEL, render, render_folded
from search.lookalike import (
    IDENTIFIER_SCORES,
    QueryIdentifier,
    field_identifiers,
    identifier_highlight,
    identifier_is_whole_query,
    marks_identifier,
    query_identifiers,
    text_identifiers,
)
from search.query import (
    EXACT_MARKS_SCORE,
    FUZZY_MIN_KEY,
    KEYWORD_BOOST,
    SERIAL_FETCH,
    SNIPPET_CHARS,
    TITLE_BOOST,
    QueryTerm,
    TextPrep,
    clamp_date,
    decode_cursor,
    encode_cursor,
    enum_value,
    fields_text,
    indexable_date,
    typed_with_marks,
    keyword_key,
    parse_text,
    sort_facets,
    validate_query,
)
from search.types import Access, IndexRecord, PreparedRecord, SearchHit, SearchPage, SearchQuery, SerialMatch

__all__ = ["ElasticsearchIndex"]

ANALYZER = "standard"  # core Lucene: UAX#29 words, lowercase; present in every distribution
_MAX_ANALYZED = 1_000_000  # highlight at most this far into a text instead of failing on long ones
_WINDOW = 10_000  # index.max_result_window: from + size above it is refused
_BULK_DOCS = 500
_BULK_BYTES = 16 * 1024 * 1024
_TAGS = re.compile(f"([{OPEN_SENTINEL}{CLOSE_SENTINEL}])")
_NO_SENTINELS = str.maketrans("", "", OPEN_SENTINEL + CLOSE_SENTINEL)
_HIT_SOURCE = ["document_id", "serial_number", "doc_type", "document_date", "designation", "unit", "title"]
_UNAVAILABLE_STATUS = frozenset({408, 429, 502, 503, 504})
# Bump with every mapping change; an index of an older version is migrated in `_ensure`.
# 1: the first mapping (no `_meta`); 2: access fields `classification_rank`, `unit_keys`; 3: identifier keys.
MAPPING_VERSION = 3
_ACCESS_VERSION = 2  # below it, access-filtered calls are refused until reindexed
_MAX_RANK = len(CLASSIFICATIONS) - 1
_ACCESS_FIELDS = {"classification_rank": {"type": "integer"}, "unit_keys": {"type": "keyword"}}
_IDENTIFIER_FIELDS = {name: {"type": "keyword"} for name in ("designation_ident", "designation_lookalike",
                                                             "ident_exact", "ident_lookalike")}


def _settings() -> dict[str, Any]:
    # One shard: BM25 statistics are then exact (scores as in Tantivy's single index), and
    # an archive of a few million dossiers fits one shard. One replica when there is a node
    # for it, none on a single node (green either way). Every write of the adapter ends with
    # an explicit refresh, so the periodic one is only a safety net: rare, it does not cut a
    # bulk load into many small segments.
    return {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1", "refresh_interval": "30s"}}


def _mappings() -> dict[str, Any]:
    text = {"type": "text", "analyzer": ANALYZER}
    keyword = {"type": "keyword"}
    return {
        "dynamic": "strict",
        "_meta": {"mapping_version": MAPPING_VERSION},
        "_source": {"excludes": ["title_folded", "fields_folded", *_IDENTIFIER_FIELDS]},  # derived, never read back
        "properties": {
            "document_id": keyword,
            "text": text,
            "title": text,
            "folded": text,
            "title_folded": {**text, "copy_to": "folded"},
            "fields_folded": {**text, "index": False, "copy_to": "folded"},
            **{name: keyword for name in ("doc_type", "unit", "designation", "unit_key", "designation_key",
                                          "classification", "repair_level", "serial_number", "serial_key",
                                          "serial_lookalike", "document_number")},
            "document_date": {"type": "date", "format": "strict_date"},
            "ingested_at": {"type": "date", "index": False},
            "quality_grade": {"type": "integer"},
            **_ACCESS_FIELDS,
            **_IDENTIFIER_FIELDS,
        },
    }


def _safe_url(url: str) -> str:
    """The URL without credentials, for messages."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class ElasticsearchIndex:
    """`SearchIndex` over Elasticsearch, through the alias `index`. Creates what it needs on first use."""

    def __init__(
        self,
        url: str,
        index: str = "archive-documents",
        *,
        timeout: float = 5.0,
        admin_timeout: float = 30.0,
        bulk_timeout: float = 120.0,
        max_retries: int = 2,
        facet_size: int = 50,
        bulk_threads: int = 2,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self._url = _safe_url(url)
        self._alias = index
        self._facet_size = facet_size
        self._bulk_threads = max(1, bulk_threads)
        self._prep = TextPrep()
        self._lines = _LinePrep(self._prep)
        self._lock = threading.Lock()
        self._rebuilding = threading.Lock()  # one rebuild at a time from this process
        self._loading: str | None = None  # the index that rebuild is filling, if any
        self._ready = False
        self._stale: list[str] = []  # indices behind the alias without the access fields (version < 2)
        self.behind: list[str] = []  # indices behind the alias of an older MAPPING_VERSION (reindex to catch up)
        self._closed = False
        try:
            self._client = Elasticsearch(
                url,
                request_timeout=timeout,
                max_retries=max_retries,
                retry_on_timeout=False,  # a hung server should fail in `timeout`, not in 3 × `timeout`
                retry_on_status=(502, 503, 504),
                **(client_options or {}),
            )
        except (ValueError, TypeError) as exc:
            raise IndexUnavailable(f"invalid elasticsearch URL {self._url!r}: {exc}") from exc
        # The client's product check reads the `X-Elastic-Product` header, which core
        # Elasticsearch (the minimal integ-test-zip too) sends on every answer: nothing to turn off.
        self._bulk_client = self._client.options(request_timeout=bulk_timeout)
        # Creating an index or moving an alias is a cluster-state update: seconds on a busy node.
        self._admin = self._client.options(request_timeout=admin_timeout)
        self._admin_lenient = self._admin.options(ignore_status=404)

    @property
    def alias(self) -> str:
        return self._alias

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._client.close()

    def ping(self) -> None:
        self._check_open()
        with self._translated("ping"):
            self._client.cluster.health()

    def _check_open(self) -> None:
        if self._closed:
            raise IndexUnavailable(f"the elasticsearch index {self._alias!r} at {self._url} is closed")

    def _ensure(self) -> None:
        """Template and alias, once per process (both idempotent; concurrent starters agree on `-v1`)."""
        self._check_open()
        if self._ready:
            return
        with self._lock, self._translated("open"):
            if self._ready:
                return
            self._admin.indices.put_index_template(
                name=f"{self._alias}-template", index_patterns=[f"{self._alias}-v*"], priority=500,
                template={"settings": _settings(), "mappings": _mappings()},
                meta={"managed_by": "equipment-archive"})
            if not self._admin.indices.exists_alias(name=self._alias):
                if self._admin.indices.exists(index=self._alias):
                    raise SearchError(f"{self._alias!r} at {self._url} is an index, not an alias; "
                                      "delete it and run `archive reindex`")
                first = f"{self._alias}-v1"
                try:
                    self._admin.indices.create(index=first, aliases={self._alias: {}})
                except ApiError as exc:
                    if _error_type(exc) != "resource_already_exists_exception":
                        raise
                    if not self._admin.indices.exists_alias(name=self._alias):
                        self._admin.indices.update_aliases(actions=[{"add": {"index": first, "alias": self._alias}}])
            self.behind = self._indices_before(MAPPING_VERSION)
            if self.behind:
                # Additive, so records added before `archive reindex` carry the new fields too.
                self._admin.indices.put_mapping(index=self.behind, properties={**_ACCESS_FIELDS, **_IDENTIFIER_FIELDS})
                logging.getLogger(__name__).warning(
                    "elasticsearch indices %s predate mapping version %d: documents indexed before `archive reindex` "
                    "are not found by look-alike serial or designation queries", self.behind, MAPPING_VERSION)
            self._stale = self._stale_indices()
            self._ready = True

    def _stale_indices(self) -> list[str]:
        """The indices behind the alias whose documents lack the access fields (version 1 had no `_meta`)."""
        return self._indices_before(_ACCESS_VERSION)

    def _indices_before(self, version: int) -> list[str]:
        """The indices behind the alias whose mapping predates `version`."""
        answer = self._admin_lenient.indices.get_mapping(index=self._alias)
        if answer.meta.status == 404:
            return []
        return sorted(name for name, body in answer.body.items()
                      if int(((body.get("mappings") or {}).get("_meta") or {}).get("mapping_version", 1)) < version)

    def _check_access_fields(self, access: Access | None) -> None:
        """An index of an older mapping has documents without the access fields: refuse to filter on
        them (answering from the few that have them would silently hide the rest) until reindexed.
        Re-read while stale, so a rebuild by another process is seen at once."""
        if access is None or not self._stale:
            return
        self._stale = self._stale_indices()
        if self._stale:
            raise IndexUnavailable(
                f"the elasticsearch index {self._alias!r} at {self._url} ({', '.join(self._stale)}) was built by an "
                f"older mapping without the access fields (version < {_ACCESS_VERSION}); run `archive reindex`")

    def drop(self) -> None:
        """Delete the alias, every versioned index and the template (tests, benchmarks, uninstall)."""
        self._check_open()
        with self._lock, self._translated("drop"):
            self._ready = False
            # Deleting by wildcard is refused (action.destructive_requires_name): name them.
            listed = self._admin_lenient.indices.get(index=f"{self._alias}-v*", expand_wildcards="all")
            ours = re.compile(rf"{re.escape(self._alias)}-v\d+")
            for name in [name for name in listed.body if ours.fullmatch(name)]:
                self._admin_lenient.indices.delete(index=name)
            self._admin_lenient.indices.delete_index_template(name=f"{self._alias}-template")

    # -- writes ----------------------------------------------------------------------

    def add(self, records: Sequence[IndexRecord | PreparedRecord], *,
            before_commit: Callable[[], None] | None = None) -> None:
        if not records:
            return
        # Last one wins for an id given twice; chunks may be sent in parallel, so keep one.
        latest = {_checked_id(record): record for record in records}
        if before_commit is not None:
            before_commit()  # a bulk request is searchable as it lands: nothing can be sent ahead
        self._ensure()
        with self._translated("add"):
            for target in self._targets():
                self._load(target, latest.values(), None)
            self._admin.indices.refresh(index=self._alias)

    def delete(self, document_id: str) -> None:
        self._ensure()
        with self._translated("delete"):
            for target in self._targets():
                self._admin_lenient.delete(index=target, id=document_id, refresh=target == self._alias)

    def _targets(self) -> list[str]:
        """The alias, and the index a rebuild in this process is loading: a record stored and
        added while the rebuild streams from storage must not be lost at the swap."""
        loading = self._loading
        return [self._alias] + ([loading] if loading else [])

    def clear(self) -> None:
        self.rebuild(())

    def count(self) -> int:
        self._ensure()
        with self._translated("count"):
            return int(self._client.count(index=self._alias)["count"])

    def rebuild(self, records: Iterable[IndexRecord], progress: Callable[[int], None] | None = None) -> int:
        """Load `records` into a fresh versioned index, then point the alias at it; searches keep
        answering from the old index until the swap. Returns the number of documents loaded."""
        self._ensure()
        with self._rebuilding, self._translated("rebuild"):
            fresh = f"{self._alias}-v{time.time_ns()}"
            # Loading settings: no periodic refresh, no replica to copy every document to.
            self._admin.indices.create(index=fresh, settings={"index": {
                "refresh_interval": "-1", "auto_expand_replicas": "false", "number_of_replicas": 0}})
            self._loading = fresh
            try:
                loaded = self._load(fresh, (r for r in records if _checked_id(r)), progress)
                serving = _settings()["index"]
                self._admin.indices.put_settings(index=fresh, settings={"index": {
                    "refresh_interval": serving["refresh_interval"], "auto_expand_replicas": serving["auto_expand_replicas"]}})
                self._admin.indices.refresh(index=fresh)
                old = self._aliased_indices()
                # One cluster-state update: every search sees either the old index or the new one.
                self._admin.indices.update_aliases(
                    actions=[{"remove": {"index": name, "alias": self._alias}} for name in old]
                    + [{"add": {"index": fresh, "alias": self._alias}}])
                self._stale = self.behind = []  # the fresh index has the template's (current) mapping
            except BaseException:
                with suppress(ApiError, TransportError):
                    self._admin_lenient.indices.delete(index=fresh)
                raise
            finally:
                self._loading = None
            for name in old:
                self._admin_lenient.indices.delete(index=name)
        return loaded

    def _aliased_indices(self) -> list[str]:
        answer = self._admin_lenient.indices.get_alias(name=self._alias)
        return [] if answer.meta.status == 404 else list(answer.body)

    def prepare(self, record: IndexRecord) -> PreparedRecord:
        return PreparedRecord(_checked_id(record), self._document(record))

    def _load(self, target: str, records: Iterable[IndexRecord | PreparedRecord],
              progress: Callable[[int], None] | None) -> int:
        """Bulk-index into `target`; documents are prepared lazily, so folding the next chunk in
        Python overlaps with Elasticsearch indexing the previous ones (two chunks in flight)."""
        actions = ({"_index": target, "_id": record.document_id,
                    "_source": record.engine_form if isinstance(record, PreparedRecord) else self._document(record)}
                   for record in records)
        done = 0
        try:
            results = helpers.parallel_bulk(self._bulk_client, actions, thread_count=self._bulk_threads,
                                            queue_size=self._bulk_threads, chunk_size=_BULK_DOCS,
                                            max_chunk_bytes=_BULK_BYTES, raise_on_error=True)
            for _ok, _item in results:
                done += 1
                if progress is not None and done % _BULK_DOCS == 0:
                    progress(done)
        except helpers.BulkIndexError as exc:
            first = exc.errors[0] if exc.errors else {}
            hint = ("; the index was made by another version of the mapping: run `archive reindex`"
                    if "strict_dynamic_mapping_exception" in str(first) else "")
            raise SearchError(f"elasticsearch refused {len(exc.errors)} document(s) in {target}: {first}{hint}") from exc
        if progress is not None and done % _BULK_DOCS:
            progress(done)
        return done

    def _document(self, record: IndexRecord) -> dict[str, Any]:
        prep = self._prep
        text, folded = self._lines.normalize_and_fold(_no_sentinels(record.text))
        title, title_folded = prep.normalize_and_fold(_no_sentinels(record.title))
        _, fields_folded = prep.normalize_and_fold(fields_text(record))
        doc: dict[str, Any] = {
            "document_id": record.document_id, "text": text, "folded": folded, "title": title,
            "title_folded": title_folded, "fields_folded": fields_folded,
            "doc_type": enum_value(record.doc_type), "unit": prep.display(record.unit or ""),
            "designation": prep.display(record.designation or ""), "unit_key": prep.keyword(record.unit or ""),
            "designation_key": prep.keyword(record.designation or ""),
            "classification": enum_value(record.classification), "repair_level": enum_value(record.repair_level),
            "document_number": record.document_number,
            "document_date": day.isoformat() if (day := indexable_date(record)) else None,
            "ingested_at": record.ingested_at.isoformat() if record.ingested_at else None,
            "quality_grade": record.quality_grade,
            # Within 0..3 as in Tantivy: a rank past the vocabulary counts as the highest.
            "classification_rank": min(max(int(record.classification_rank), 0), _MAX_RANK),
            "unit_keys": list(dict.fromkeys(key for key in map(prep.keyword, record.unit_keys) if key)) or None,
        }
        if record.serial_number and serial_key(record.serial_number):
            doc.update(serial_number=record.serial_number, serial_key=serial_key(record.serial_number),
                       serial_lookalike=lookalike_key(record.serial_number))
        designation = field_identifiers(record.designation)
        in_text = text_identifiers(f"{title}\n{text}")
        doc.update(designation_ident=sorted(designation.exact) or None,
                   designation_lookalike=sorted(designation.lookalike) or None,
                   ident_exact=sorted(in_text.exact) or None, ident_lookalike=sorted(in_text.lookalike) or None)
        return {name: value for name, value in doc.items() if value is not None and value != ""}

    # -- search ----------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchPage:
        self._check_open()
        validate_query(query)
        offset = decode_cursor(query.cursor, query)
        after = _cursor_after(query.cursor)
        terms = parse_text(query.text)
        identifiers = query_identifiers([term.text if not term.phrase else "" for term in terms])
        has_text = any(term.folded for term in terms)
        has_marks = any(typed_with_marks(term.text) for term in terms)
        size = min(query.limit, _WINDOW)
        body: dict[str, Any] = {
            "query": self._query(terms, query, identifiers),
            "sort": ([{"_score": "desc"}] if has_text and query.sort == "relevance" else
                     [{"document_date": {"order": "desc", "missing": "_last"}}]) + [{"document_id": "asc"}],
            "track_total_hits": True,
            "_source": _HIT_SOURCE + (["text"] if has_text else []),
        }
        if has_text:
            body["highlight"] = _highlight(terms, has_marks)
        if query.facets:
            size_hint = self._facet_size
            body["aggs"] = {name: {"terms": {"field": name, "size": size_hint, "shard_size": max(10 * size_hint, 1000)}}
                            for name in dict.fromkeys(query.facets)}
        self._ensure()
        with self._translated("search"):
            self._check_access_fields(query.access)
            if after is None and offset:
                if offset + size <= _WINDOW:
                    body["from"] = offset
                else:  # an offset cursor past the window: walk there by search_after
                    after = self._seek({"query": body["query"], "sort": body["sort"]}, offset)
                    if after is None:
                        size = 0
            if after:
                body["search_after"] = after
            answer = self._client.search(index=self._alias, size=size, **body)
        total = int(answer["hits"]["total"]["value"])
        found = answer["hits"]["hits"]
        identifier_first = identifier_is_whole_query(identifiers, len(terms))
        hits = tuple(self._hit(found_hit, has_marks, identifiers, identifier_first) for found_hit in found)
        facets = {name: sort_facets(((b["key"], int(b["doc_count"])) for b in answer["aggregations"][name]["buckets"]),
                                    self._facet_size) for name in body.get("aggs", {})}
        reached = offset + len(found)
        next_cursor = None
        if query.limit and found and reached < total:
            next_cursor = _encode_cursor(reached, query, found[-1]["sort"])
        return SearchPage(total=total, hits=hits, facets=facets, next_cursor=next_cursor)

    def _query(self, terms: Sequence[QueryTerm], query: SearchQuery,
               identifiers: Sequence[QueryIdentifier] = ()) -> dict[str, Any]:
        per_term = [_term_clauses(term) for term in terms]
        must = [clause for required, _optional in per_term for clause in required]
        should = [clause for _required, optional in per_term for clause in optional]
        filters = self._filters(query)
        if identifiers:
            # The words, or one identifier stretch by its keys with the other words: one required union.
            alternatives = [{"bool": {"must": must, "should": should}}]
            for ident in identifiers:
                outside = [clauses for position, clauses in enumerate(per_term)
                           if not ident.start <= position < ident.end]
                alternatives.append({"bool": {
                    "must": [_identifier_query(ident)] + [c for required, _optional in outside for c in required],
                    "should": [c for _required, optional in outside for c in optional]}})
            must, should = [{"bool": {"should": alternatives, "minimum_should_match": 1}}], []
        if not must and not filters:
            return {"match_all": {}}
        return {"bool": {"must": must, "should": should, "filter": filters}}

    def _filters(self, query: SearchQuery) -> list[dict[str, Any]]:
        exact = [
            ("doc_type", query.doc_type, enum_value(query.doc_type)),
            ("unit_key", query.unit, keyword_key(query.unit) if query.unit else None),
            ("serial_key", query.serial, serial_key(query.serial) if query.serial else None),
            ("designation_key", query.designation, keyword_key(query.designation) if query.designation else None),
            ("classification", query.classification, enum_value(query.classification)),
            ("repair_level", query.repair_level, enum_value(query.repair_level)),
        ]
        filters: list[dict[str, Any]] = []
        for field, asked, value in exact:
            if value:
                filters.append({"term": {field: value}})
            elif asked is not None and asked.strip():
                filters.append({"match_none": {}})  # asked for something no record can carry
        if query.date_from or query.date_to:
            bounds = {}
            if query.date_from:
                bounds["gte"] = clamp_date(query.date_from).isoformat()
            if query.date_to:
                bounds["lte"] = clamp_date(query.date_to).isoformat()
            filters.append({"range": {"document_date": bounds}})
        return filters + self._access_filters(query.access)

    def _access_filters(self, access: Access | None) -> list[dict[str, Any]]:
        """What a person may see, as `bool.filter` clauses: rank within clearance, and (need to know) at
        least one of their unit keys. None is the archive's own unrestricted bookkeeping."""
        if access is None:
            return []
        filters: list[dict[str, Any]] = [{"range": {"classification_rank": {"lte": int(access.max_rank)}}}]
        if access.unit_keys is not None:
            keys = list(dict.fromkeys(key for key in map(self._prep.keyword, access.unit_keys) if key))
            # Units asked but none usable: nothing is within them.
            filters.append({"terms": {"unit_keys": keys}} if keys else {"match_none": {}})
        return filters

    def _seek(self, body: dict[str, Any], offset: int) -> list[Any] | None:
        """Sort values of the hit just before `offset` (None when the results end before it)."""
        after, walked = None, 0
        while walked < offset:
            step = min(_WINDOW, offset - walked)
            page = self._client.search(index=self._alias, size=step, _source=False, track_total_hits=False,
                                       **body, **({"search_after": after} if after else {}))
            found = page["hits"]["hits"]
            if len(found) < step:
                return None
            after, walked = found[-1]["sort"], walked + step
        return after

    def _hit(self, hit: dict[str, Any], has_marks: bool, identifiers: Sequence[QueryIdentifier] = (),
             identifier_first: bool = False) -> SearchHit:
        source = hit.get("_source", {})
        day = source.get("document_date")
        return SearchHit(
            document_id=source.get("document_id") or hit["_id"],
            score=float(hit.get("_score") or 0.0),
            serial_number=source.get("serial_number"),
            doc_type=source.get("doc_type"),
            document_date=date.fromisoformat(day) if day else None,
            designation=source.get("designation"),
            unit=source.get("unit"),
            title=source.get("title"),
            highlights=self._highlights(hit.get("highlight") or {}, source.get("text") or "", has_marks,
                                        identifiers, identifier_first),
        )

    def _highlights(self, found: dict[str, list[str]], text: str, has_marks: bool,
                    identifiers: Sequence[QueryIdentifier] = (), identifier_first: bool = False) -> tuple[str, ...]:
        """The original field's fragment when the query had marks and it marked something, else
        the folded fragment drawn on the original characters (as the Tantivy adapter does). A query that is
        one identifier is marked where its keys stand; so is a document no word of the query marks."""
        words = self._word_highlights(found, text, has_marks)
        if text and identifiers and (not words or identifier_first and not marks_identifier(words, identifiers)):
            return identifier_highlight(text, identifiers) or words
        return words

    def _word_highlights(self, found: dict[str, list[str]], text: str, has_marks: bool) -> tuple[str, ...]:
        if has_marks and found.get("text"):
            fragment, spans = _untag(found["text"][0])
            if spans:
                return (render(fragment, spans),)
        if not found.get("folded") or not text:
            return ()
        fragment, spans = _untag(found["folded"][0])
        if not spans:
            return ()
        return (_map_back(text, self._prep.fold(text), fragment, spans),)

    # -- serials ---------------------------------------------------------------------

    def find_serial(self, serial: str, access: Access | None = None, *,
                    excluding: str | None = None, exact_apart: bool = True) -> tuple[SerialMatch, ...]:
        self._check_open()
        key = serial_key(serial)
        if not key:
            return ()
        tiers = [("exact", {"term": {"serial_key": key}}),
                 ("lookalike", {"term": {"serial_lookalike": lookalike_key(serial)}})]
        if len(key) >= FUZZY_MIN_KEY:
            # constant_score rewrite: every term within one edit, like Tantivy's automaton (no top-N cut).
            tiers.append(("fuzzy", {"fuzzy": {"serial_lookalike": {
                "value": lookalike_key(serial), "fuzziness": 1, "transpositions": True, "prefix_length": 0,
                "rewrite": "constant_score"}}}))
        if not exact_apart:
            tiers = tiers[1:]  # the look-alike tier holds the exact spelling too
        # One search: each tier a constant score (exact 3, look-alike 2, near miss 1), `dis_max`
        # keeps a document's best; sorted by score, the best tier comes first.
        tier_of = {float(len(tiers) - rank): match for rank, (match, _query) in enumerate(tiers)}
        query: dict[str, Any] = {"dis_max": {"queries": [
            {"constant_score": {"filter": tier_query, "boost": len(tiers) - rank}}
            for rank, (_match, tier_query) in enumerate(tiers)]}}
        if access is not None:  # unscored: every tier only among the documents the person may see
            query = {"bool": {"must": [query], "filter": self._access_filters(access)}}
        if excluding is not None:
            query = {"bool": {"must": [query], "must_not": [{"term": {"document_id": excluding}}]}}
        self._ensure()
        with self._translated("find_serial"):
            self._check_access_fields(access)
            found = self._client.search(index=self._alias, **_serial_body(query, None))["hits"]["hits"]
            if not found:
                return ()
            best = found[0]["_score"]
            # A full page that still ends in the best tier: there may be more (complete dossiers).
            while len(found) % SERIAL_FETCH == 0 and found[-1]["_score"] == best:
                more = self._client.search(index=self._alias, **_serial_body(query, found[-1]["sort"]))["hits"]["hits"]
                if not more:
                    break
                found += more
        return _group_serials([hit for hit in found if hit["_score"] == best], tier_of[float(best)])

    # -- errors ----------------------------------------------------------------------

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        try:
            yield
        except SearchError:
            raise
        except ApiError as exc:
            raise self._api_error(action, exc) from exc
        except TransportError as exc:  # connection refused, timeout, TLS: the server does not answer
            raise IndexUnavailable(f"elasticsearch at {self._url} does not answer ({action}): {exc}") from exc

    def _api_error(self, action: str, exc: ApiError) -> SearchError:
        status, kind = exc.meta.status, _error_type(exc)
        if kind == "index_not_found_exception":
            self._ready = False  # recreated (empty) on next use; the documents need `archive reindex`
            return IndexUnavailable(f"the elasticsearch index {self._alias!r} at {self._url} is missing ({action}); "
                                    "run `archive reindex`")
        if status in _UNAVAILABLE_STATUS:
            return IndexUnavailable(f"elasticsearch at {self._url} is not ready ({action}, HTTP {status}): {exc}")
        if status == 400 and action in ("search", "find_serial"):
            return InvalidQuery(f"elasticsearch cannot run this query: {_error_reason(exc)}")
        return SearchError(f"elasticsearch {action} failed (HTTP {status}): {_error_reason(exc)}")


class _LinePrep:
    """`TextPrep.normalize_and_fold` of a whole text, assembled from its lines, memoised.

    Folding the text is most of the Python work of indexing (the raw client gets it done
    beforehand), and dossiers repeat whole lines: headers, the national motto, table rows.
    Both shared functions keep newlines and act within a line (the tone rule and NFC never
    reach across one), so the lines' results joined by newlines are the whole text's. As in
    `TextPrep`, the first call and one in `check_every` are also computed whole and compared;
    on a difference this falls back to whole texts for good.
    """

    def __init__(self, prep: TextPrep, *, max_lines: int = 50_000, check_every: int = 500) -> None:
        self._prep = prep
        self._memo: dict[str, tuple[str, str]] = {}
        self._max_lines = max_lines
        self._check_every = check_every
        self._calls = 0
        self.line_local = True

    def normalize_and_fold(self, text: str) -> tuple[str, str]:
        whole = self._prep.normalize_and_fold
        if not self.line_local or "\n" not in text:
            return whole(text)
        memo, normalized, folded = self._memo, [], []
        for line in text.split("\n"):
            done = memo.get(line)
            if done is None:
                if len(memo) >= self._max_lines:
                    memo.clear()
                done = memo[line] = whole(line)
            normalized.append(done[0])
            folded.append(done[1])
        result = "\n".join(normalized), "\n".join(folded)
        self._calls += 1
        if self._calls % self._check_every == 1 and result != whole(text):
            self.line_local = False
            return whole(text)
        return result


# -- query pieces --------------------------------------------------------------------------


def _term_clauses(term: QueryTerm) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The required clause on the folded copy, and the optional ones that only add score.

    `match_phrase` analyses like the index: one token is a term query, several a phrase;
    a term that analyses to nothing is skipped (`zero_terms_query: all`), as in Tantivy.
    """
    if not term.folded:
        return [], []
    required = [_phrase("folded", term.folded, None, zero_terms="all")]
    optional = [_phrase("title_folded", term.folded, TITLE_BOOST)]
    if typed_with_marks(term.text):
        # The folded copy already matches everything the original does; the original adds a fixed
        # score to exact-diacritic matches, as in Tantivy. A term typed without marks skips it.
        optional += [{"constant_score": {"filter": _phrase(field, term.text, None), "boost": score}}
                     for field, score in (("text", EXACT_MARKS_SCORE), ("title", EXACT_MARKS_SCORE * TITLE_BOOST))]
    if not term.phrase:
        if key := keyword_key(term.text):
            optional.append({"term": {"designation_key": {"value": key, "boost": KEYWORD_BOOST}}})
        key = serial_key(term.text)
        if len(key) >= 3 and any(ch.isdigit() for ch in key):
            optional.append({"term": {"serial_key": {"value": key, "boost": KEYWORD_BOOST}}})
    return required, optional


def _identifier_query(ident: QueryIdentifier) -> dict[str, Any]:
    """Documents carrying the stretch's keys; each tier adds its constant score (as in Tantivy)."""
    tiers = [("serial_key", (ident.exact,), "field_exact"), ("designation_ident", (ident.exact,), "field_exact"),
             ("serial_lookalike", ident.lookalike, "field_lookalike"),
             ("designation_lookalike", ident.lookalike, "field_lookalike"),
             ("ident_exact", (ident.exact,), "text_exact"), ("ident_lookalike", ident.lookalike, "text_lookalike")]
    return {"bool": {"should": [{"constant_score": {"filter": {"term": {field: key}}, "boost": IDENTIFIER_SCORES[tier]}}
                                for field, keys, tier in tiers for key in keys], "minimum_should_match": 1}}


def _phrase(field: str, text: str, boost: float | None, *, zero_terms: str = "none") -> dict[str, Any]:
    clause: dict[str, Any] = {"query": text, "zero_terms_query": zero_terms}
    if boost is not None:
        clause["boost"] = boost
    return {"match_phrase": {field: clause}}


def _highlight(terms: Sequence[QueryTerm], has_marks: bool) -> dict[str, Any]:
    folded = [_phrase("folded", term.folded, None) for term in terms if term.folded]
    fields: dict[str, Any] = {}
    if has_marks:
        original = [_phrase("text", term.text, None) for term in terms if typed_with_marks(term.text)]
        fields["text"] = {"highlight_query": {"bool": {"should": original}}}
    fields["folded"] = {"highlight_query": {"bool": {"should": folded}}}
    return {"type": "unified", "pre_tags": [OPEN_SENTINEL], "post_tags": [CLOSE_SENTINEL],
            "fragment_size": SNIPPET_CHARS, "number_of_fragments": 1, "no_match_size": 0,
            "max_analyzed_offset": _MAX_ANALYZED, "require_field_match": True, "fields": fields}


def _serial_body(query: dict[str, Any], after: list[Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "query": query, "size": SERIAL_FETCH, "_source": False,
        "docvalue_fields": ["document_id", "serial_number", {"field": "document_date", "format": "strict_date"}],
        "sort": [{"_score": "desc"}, {"document_id": "asc"}], "track_total_hits": False,
    }
    if after:
        body["search_after"] = after
    return body


def _group_serials(found: list[dict[str, Any]], match: str) -> tuple[SerialMatch, ...]:
    groups: dict[str, list[tuple[date, str]]] = {}
    for hit in found:
        fields = hit.get("fields", {})
        day = fields.get("document_date")
        groups.setdefault(normalize_serial((fields.get("serial_number") or [""])[0]), []).append(
            (date.fromisoformat(day[0]) if day else date.max, (fields.get("document_id") or [hit["_id"]])[0]))
    return tuple(
        SerialMatch(serial_number=number, document_ids=tuple(doc_id for _day, doc_id in sorted(members)), match=match)
        for number, members in sorted(groups.items())
    )


# -- cursors -------------------------------------------------------------------------------


def _encode_cursor(offset: int, query: SearchQuery, after: list[Any]) -> str:
    """`search.query`'s cursor (offset + query fingerprint) with the last hit's sort values added."""
    payload = _cursor_payload(encode_cursor(offset, query))
    payload["a"] = after
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _cursor_payload(cursor: str) -> dict[str, Any]:
    padded = cursor + "=" * (-len(cursor) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def _cursor_after(cursor: str | None) -> list[Any] | None:
    """The sort values an (already validated) cursor carries; None for a plain offset cursor."""
    if not cursor:
        return None
    after = _cursor_payload(cursor).get("a")
    if after is None:
        return None
    if (not isinstance(after, list) or len(after) != 2
            or not all(value is None or isinstance(value, (int, float, str)) and not isinstance(value, bool)
                       for value in after)):
        raise InvalidQuery("invalid cursor")
    return after


# -- highlights ----------------------------------------------------------------------------


def _untag(tagged: str) -> tuple[str, list[tuple[int, int]]]:
    """A highlighter fragment with sentinel tags → (plain fragment, character spans)."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    length, start = 0, None
    for piece in _TAGS.split(tagged):
        if piece == OPEN_SENTINEL:
            start = length
        elif piece == CLOSE_SENTINEL:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        elif piece:
            plain.append(piece)
            length += len(piece)
    return "".join(plain), spans


def _map_back(text: str, folded: str, fragment: str, spans: Sequence[tuple[int, int]]) -> str:
    """A fragment of the folded copy, drawn on the original characters it came from."""
    start = folded.find(fragment)
    if start < 0:
        return render(fragment, spans)
    return render_folded(text, folded, start, fragment, spans)


# -- small helpers -------------------------------------------------------------------------


def _no_sentinels(text: str | None) -> str:
    """The highlighter's tags are two private-use characters: keep them out of the indexed text."""
    if not text:
        return ""
    return text.translate(_NO_SENTINELS) if OPEN_SENTINEL in text or CLOSE_SENTINEL in text else text


def _checked_id(record: IndexRecord | PreparedRecord) -> str:
    if not record.document_id:
        raise SearchError("an IndexRecord needs a document_id")
    return record.document_id


def _error_type(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    return error.get("type", "") if isinstance(error, dict) else ""


def _error_reason(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        root = (error.get("root_cause") or [error])[0]
        return f"{root.get('type', error.get('type'))}: {root.get('reason', error.get('reason'))}"
    return str(exc.message)
