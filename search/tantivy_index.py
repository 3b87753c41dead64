"""The embedded `SearchIndex` adapter: Tantivy (tantivy-py), on disk or in RAM.

Schema, in short:

- original text: `text` and `title` hold the normalised original (`normalize_text`),
  tokenised by `vi_text` (tantivy's simple tokenizer: Unicode-aware split on
  non-alphanumerics, then lowercase, so "sửa" stays one token; text is NFC first).
- folded copy: `folded` holds `match_fold` (marks stripped, đ→d, y→i) of the text, the title
  and the record's fields (name, designation, units, numbers, serial; serial and designation
  also written whole, "KB1584", "T54B"); `title_folded` the folded title alone, for its boost.
- keywords (raw tokenizer): `document_id`, `doc_type`, `unit`, `designation` (display values,
  fast fields, used for facets), `unit_key`, `designation_key` (`keyword_key`, used for
  filters), `classification`, `repair_level`, `serial_key`, `serial_lookalike`.
- identifiers forgiven what OCR does (`search.lookalike`): `designation_ident` / `designation_lookalike`
  (the designation field's exact and look-alike keys, the catalogue form's too), `ident_exact` /
  `ident_lookalike` (the keys of every serial- or designation-shaped stretch of the text: "KB 15 84",
  "PT-7б").
- `schema_v<SCHEMA_VERSION>`, an empty field: the schema names its version, so that an index written by
  another version no longer matches and is set aside and rebuilt (`replace_incompatible`), even when a
  change is only in how keys are computed.
- `document_date` is a tantivy date (UTC midnight), indexed and fast for ranges and sorting.
- access (`search.types.Access`): `classification_rank` an indexed fast integer (an unread
  classification is 3, the highest), `unit_keys` raw keywords, one per unit key the document
  answers to (`common.identifiers.unit_keys` of its unit and both ends of a transfer), and
  `unit_access`, both at once: "<clearance>|<unit key>" for every unit key and every clearance
  that may see the document (its rank up to 3), so that "secret, in Sư đoàn 304" is one term.

Query semantics (see `search.query`): AND. Every typed term must match the folded copy (which
holds every match the original field could give: "OR within a term" comes for free); optional
clauses only add score: the title (×3), the designation / serial keyword (×4), and for terms
typed with marks a fixed `EXACT_MARKS_SCORE` where the original field holds the exact spelling
(×3 in the title), so exact diacritics rank first. A word that
tokenises into several tokens ("T-54B" → t, 54b) is a phrase. Filters are unscored. Empty text
browses the filtered set, newest `document_date` first (undated last).

Identifiers: when stretches of the typed words are serial- or designation-shaped
(`search.lookalike.query_identifiers`), the text part of the query is a union of alternatives: the words as
above, or, for each such stretch, its keys (the field exact, the field by look-alike, the text exact, the text
by look-alike, each a constant score of `IDENTIFIER_SCORES`) together with the other words. The same filters
and access clauses apply to the whole union.

Access is one or a few more unscored clauses of that same boolean query, never a post-filter:
totals, facets, highlights, offsets and `find_serial`'s tiers only ever see the documents the
person may see (see `_access_clauses`).

Two engines run these queries, on the same index files. Relevance-ordered searches of an index on
disk go to the native ranked search (`archive_search_native`, search/native; queries built by
`search.tantivy_query` in both forms): it prunes the ranking and checks the unscored clauses on its
candidates (the same documents, never a post-filter of a page), and counts the total and the facets
in one walk of the whole match set on other threads. Everything else goes through tantivy-py: an
index in RAM, the newest-first order, serial lookups, highlights. There, facets are one
`Searcher.aggregate` call with a terms aggregation per asked field over the full match set, run on a
second thread while the top hits are ranked. Highlights: `SnippetGenerator` over the original text; for queries typed without
diacritics, or when the original highlights nothing, over the folded text, mapped back onto
the original characters. Marks are `<mark>…</mark>`, the rest HTML-escaped. Cursors are
offsets (`search.query.encode_cursor`): tantivy-py has no search_after.
"""

from __future__ import annotations

import functools
import os
import pathlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Sequence

import archive_search_native
import tantivy

from common.identifiers import lookalike_key, normalize_serial, serial_key
from common.vocabulary import CLASSIFICATIONS
from search import tantivy_query as tq
from search.errors import IndexUnavailable, InvalidQuery, SearchError
from search.highlight import render, render_folded
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
from search.types import (
    Access, FacetCount, IndexRecord, PreparedRecord, SearchHit, SearchPage, SearchQuery, SerialMatch,
)

__all__ = ["TantivyIndex"]

TOKENIZER = "vi_text"
_OCCUR = tantivy.Occur
MAX_RANK = len(CLASSIFICATIONS) - 1  # top secret; an unread classification counts as this
# Bump with every change of the schema or of what its fields hold. 3: identifier keys (search.lookalike).
SCHEMA_VERSION = 3


# Threads that count a search's total and facets, segments in parallel (the ranking runs beside them).
_SEARCH_THREADS = max(1, min(8, os.cpu_count() or 1))

# The stored fields the native ranked search returns for each hit, in its order (HIT_FIELDS in search/native).
_HIT_FIELDS = ("document_id", "serial_number", "doc_type", "designation", "unit", "title", "text")

# Tokens longer than this many bytes are dropped, on both sides. Tantivy's "default" drops past 40, which left
# a typed word of 41 letters with no token and so no clause: it matched every document. 255 as Elasticsearch's
# standard analyzer (past it ES cuts the word, Tantivy drops it and the term matches nothing).
MAX_TOKEN_BYTES = 255


def _analyzer() -> tantivy.TextAnalyzer:
    """tantivy's "default" (simple split, drop long tokens, lowercase) but keeping tokens up to MAX_TOKEN_BYTES,
    registered by name so query-side tokenisation in Python is the very analyzer the index used."""
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    return builder.filter(tantivy.Filter.remove_long(MAX_TOKEN_BYTES)).filter(tantivy.Filter.lowercase()).build()


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=True, tokenizer_name=TOKENIZER)
    builder.add_text_field("title", stored=True, tokenizer_name=TOKENIZER)
    builder.add_text_field("folded", stored=False, tokenizer_name=TOKENIZER)
    builder.add_text_field("title_folded", stored=False, tokenizer_name=TOKENIZER)
    for name in ("document_id", "doc_type", "unit", "designation"):
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    for name in ("unit_key", "designation_key", "classification", "repair_level", "serial_key", "serial_lookalike",
                 "designation_ident", "designation_lookalike", "ident_exact", "ident_lookalike"):
        builder.add_text_field(name, stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("serial_number", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_date_field("document_date", stored=True, indexed=True, fast=True)
    builder.add_integer_field("classification_rank", stored=False, indexed=True, fast=True)
    builder.add_text_field("unit_keys", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("unit_access", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field(f"schema_v{SCHEMA_VERSION}", stored=False, indexed=False)
    return builder.build()


def _is_fatal(exc: BaseException) -> bool:
    return isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


class TantivyIndex:
    """`SearchIndex` over Tantivy. `path=None` keeps the index in RAM (tests)."""

    def __init__(
        self,
        path: pathlib.Path | None = None,
        *,
        writer_heap_bytes: int = 128_000_000,
        writer_threads: int | None = None,
        facet_size: int = 50,
        replace_incompatible: bool = False,
    ) -> None:
        self._path = pathlib.Path(path) if path is not None else None
        # An index written by an older version of the schema is derived data: with `replace_incompatible` it is
        # moved aside (`<path>.incompatible-<time>`) and a new, empty one is made; `replaced` tells the caller to
        # rebuild it from storage.
        self._replace_incompatible = replace_incompatible
        self.replaced: pathlib.Path | None = None
        self._heap = writer_heap_bytes
        self._threads = writer_threads or max(1, min(2, os.cpu_count() or 1))
        self._facet_size = facet_size
        self._schema = _schema()
        self._analyzer = _analyzer()
        self._prep = TextPrep()
        self._lock = threading.Lock()
        self._writer: tantivy.IndexWriter | None = None
        self._closed = False
        self._facet_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tantivy-facets")
        self._index = self._open()
        # Relevance-ordered searches of an index on disk go through the native ranked search (search/native),
        # opened at the first one: a process that only writes (a batch) keeps neither its reader nor its threads.
        self._ranked: archive_search_native.RankedSearch | None = None
        self._ranked_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        try:
            if self._path is None:
                index = tantivy.Index(self._schema)
            else:
                self._path.mkdir(parents=True, exist_ok=True)
                index = self._open_on_disk()
            index.register_tokenizer(TOKENIZER, self._analyzer)
            index.config_reader(reload_policy="OnCommit")
        except BaseException as exc:
            if _is_fatal(exc):
                raise
            raise _unopenable(self._path or "RAM", exc) from exc
        return index

    def _open_on_disk(self) -> tantivy.Index:
        try:
            return tantivy.Index(self._schema, path=str(self._path), reuse=True)
        except ValueError as exc:
            if not (self._replace_incompatible and "schema does not match" in str(exc)):
                raise
        self.replaced = self._path.with_name(f"{self._path.name}.incompatible-{time.strftime('%Y%m%d-%H%M%S')}")
        self._path.rename(self.replaced)
        self._path.mkdir(parents=True)
        return tantivy.Index(self._schema, path=str(self._path), reuse=True)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._facet_pool.shutdown(wait=True)
            with self._ranked_lock:
                self._ranked = None  # its reader and threads go with it
            writer, self._writer = self._writer, None
            if writer is not None:
                with _translated("close"):
                    writer.wait_merging_threads()

    def ping(self) -> None:
        self._check_open()
        with _translated("ping"):
            self._index.searcher().num_docs

    def _check_open(self) -> None:
        if self._closed:
            raise IndexUnavailable("the tantivy index is closed")

    def _writer_locked(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._index.writer(heap_size=self._heap, num_threads=self._threads)
        return self._writer

    @contextmanager
    def _writing(self, action: str) -> Iterator[tantivy.IndexWriter]:
        """Writer under the lock; commits and reloads the reader so changes are visible on return."""
        with self._lock:
            self._check_open()
            with _translated(action):
                writer = self._writer_locked()
                try:
                    yield writer
                    writer.commit()
                except BaseException:
                    writer.rollback()
                    raise
                self._index.reload()
                if self._ranked is not None:
                    self._ranked.reload()

    # -- writes ----------------------------------------------------------------------

    def add(self, records: Sequence[IndexRecord | PreparedRecord], *,
            before_commit: Callable[[], None] | None = None) -> None:
        if not records:
            return
        documents = [(prepared.document_id, prepared.engine_form) for prepared in map(self._prepared, records)]
        try:
            with self._writing("add") as writer:
                for document_id, document in documents:
                    writer.delete_documents_by_term("document_id", document_id)
                    writer.add_document(document)
                if before_commit is not None:
                    # The writer's threads index the documents meanwhile; nothing is searchable before the commit.
                    try:
                        before_commit()
                    except BaseException as exc:
                        raise _CallerFailed(exc) from exc  # through the engine's translation, then rolled back
        except _CallerFailed as failed:
            raise failed.cause from None

    def delete(self, document_id: str) -> None:
        with self._writing("delete") as writer:
            writer.delete_documents_by_term("document_id", document_id)

    def clear(self) -> None:
        with self._writing("clear") as writer:
            writer.delete_all_documents()

    def rebuild(self, records: Iterable[IndexRecord], progress: Callable[[int], None] | None = None,
                batch_size: int = 2000) -> int:
        """Replace every document with `records` in one commit: readers see the old index until it lands."""
        count = 0
        with self._writing("rebuild") as writer:
            writer.delete_all_documents()
            for batch in _batched(records, batch_size):
                for record in batch:
                    writer.add_document(self._document(record))
                count += len(batch)
                if progress:
                    progress(count)
        return count

    def count(self) -> int:
        self._check_open()
        with _translated("count"):
            return self._index.searcher().num_docs

    def prepare(self, record: IndexRecord) -> PreparedRecord:
        return PreparedRecord(record.document_id, self._document(record))

    def _prepared(self, record: IndexRecord | PreparedRecord) -> PreparedRecord:
        return record if isinstance(record, PreparedRecord) else self.prepare(record)

    def _document(self, record: IndexRecord) -> tantivy.Document:
        if not record.document_id:
            raise SearchError("an IndexRecord needs a document_id")
        doc = tantivy.Document()
        doc.add_text("document_id", record.document_id)
        prep = self._prep
        for name, value in (("text", record.text), ("title", record.title)):
            value, folded = prep.normalize_and_fold(value or "")
            if value:
                doc.add_text(name, value)
                doc.add_text("folded", folded)
                if name == "title":
                    doc.add_text("title_folded", folded)
        _, folded_fields = prep.normalize_and_fold(fields_text(record))
        if folded_fields:
            doc.add_text("folded", folded_fields)
        for name, value in (("doc_type", enum_value(record.doc_type)), ("unit", prep.display(record.unit or "")),
                            ("designation", prep.display(record.designation or "")),
                            ("unit_key", prep.keyword(record.unit or "")),
                            ("designation_key", prep.keyword(record.designation or "")),
                            ("classification", enum_value(record.classification)),
                            ("repair_level", enum_value(record.repair_level))):
            if value:
                doc.add_text(name, value)
        if record.serial_number and serial_key(record.serial_number):
            doc.add_text("serial_number", record.serial_number)
            doc.add_text("serial_key", serial_key(record.serial_number))
            doc.add_text("serial_lookalike", lookalike_key(record.serial_number))
        for prefix, keys in (("designation", field_identifiers(record.designation)),
                             ("ident", text_identifiers(f"{record.title or ''}\n{record.text or ''}"))):
            for key in sorted(keys.exact):
                doc.add_text("designation_ident" if prefix == "designation" else "ident_exact", key)
            for key in sorted(keys.lookalike):
                doc.add_text(f"{prefix}_lookalike", key)
        if day := indexable_date(record):
            doc.add_date("document_date", _as_datetime(day))
        # Within 0..MAX_RANK, so that excluding the ranks above a clearance excludes all of them.
        rank = min(max(int(record.classification_rank), 0), MAX_RANK)
        doc.add_integer("classification_rank", rank)
        for key in dict.fromkeys(prep.keyword(key) for key in record.unit_keys):
            if key:
                doc.add_text("unit_keys", key)
                for clearance in range(rank, MAX_RANK + 1):
                    doc.add_text("unit_access", _unit_access(clearance, key))
        return doc

    # -- search ----------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchPage:
        self._check_open()
        validate_query(query)
        offset = decode_cursor(query.cursor, query)
        terms = parse_text(query.text)
        identifiers = query_identifiers([term.text if not term.phrase else "" for term in terms])
        text_clauses = self._text_clauses(terms, identifiers)
        filters = [(_OCCUR.Must, tq.const_score(f, 0.0)) for f in self._filters(query)]
        text_query = _boolean(text_clauses) if text_clauses else None
        with _translated("search"):
            searcher = self._index.searcher()
            filters += self._access_clauses(query.access, searcher)
            # Same documents without the score-only clauses: what facets need, and cheaper.
            matching = _boolean([clause for clause in text_clauses if clause[0] == _OCCUR.Must] + filters)
            hits_of = functools.partial(self._hits, searcher, text_query=text_query, terms=terms,
                                        has_marks=any(typed_with_marks(t.text) for t in terms),
                                        identifiers=identifiers, scored=query.sort == "relevance")
            ranked = self._ranked_engine()
            filters_json = tq.clauses_json(filters)
            if ranked is not None and text_query is not None and query.sort != "date" \
                    and text_query.spec is not None and filters_json is not None and matching.spec is not None:
                total, found, hits, facets = self._ranked_search(ranked, text_query, filters_json, matching, query,
                                                                 offset, hits_of)
            else:
                total, found, facets = self._package_search(searcher, _boolean(text_clauses + filters), matching,
                                                            query, offset,
                                                            by_date=text_query is None or query.sort == "date")
                hits = hits_of(found)
            if not total:
                facets = {name: () for name in query.facets}
        after = offset + len(found)
        next_cursor = encode_cursor(after, query) if query.limit and after < total else None
        return SearchPage(total=total, hits=hits, facets=facets, next_cursor=next_cursor)

    def _ranked_engine(self) -> archive_search_native.RankedSearch | None:
        if self._path is None or self._ranked is not None:
            return self._ranked
        with self._ranked_lock:
            if self._ranked is None and not self._closed:
                with _opening(self._path):
                    self._ranked = archive_search_native.RankedSearch(str(self._path), threads=_SEARCH_THREADS)
            return self._ranked

    def _ranked_search(self, ranked: archive_search_native.RankedSearch, scoring: tq.EngineQuery,
                       filters_json: str, matching: tq.EngineQuery, query: SearchQuery, offset: int,
                       hits_of: Callable[[list[tuple[Any, tantivy.Document]]], tuple[SearchHit, ...]],
                       ) -> tuple[int, list[tuple[Any, tantivy.Document]], tuple[SearchHit, ...],
                                  dict[str, tuple[FacetCount, ...]]]:
        """Relevance order on an index on disk: the native ranked search (search/native). Tantivy prunes the
        ranking there by the words' clauses alone (`scoring`), the filters checked on the candidates; the total
        and the facets are counted in one walk on its threads while the hits are made here."""
        held = ranked.num_docs()
        limit = min(query.limit, held) if offset < held else 0  # Tantivy sizes its top-k heap by offset + limit
        pending, top = ranked.start(scoring.spec_json(), filters_json, matching.spec_json(), limit, offset,
                                    list(dict.fromkeys(query.facets)))
        found = []
        for score, fields, seconds in top:
            doc = tantivy.Document()
            for name, value in zip(_HIT_FIELDS, fields):
                if value is not None:
                    doc.add_text(name, value)
            if seconds is not None:
                doc.add_date("document_date", datetime.fromtimestamp(seconds, tz=timezone.utc))
            found.append((score, doc))
        hits = hits_of(found)
        total, values = pending.wait()
        return total, found, hits, {name: sort_facets(counts, self._facet_size) for name, counts in values}

    def _package_search(self, searcher: tantivy.Searcher, full: tq.EngineQuery, matching: tq.EngineQuery,
                        query: SearchQuery, offset: int, *, by_date: bool,
                        ) -> tuple[int, list[tuple[Any, tantivy.Document]], dict[str, tuple[FacetCount, ...]]]:
        """Through the `tantivy` package: a RAM index, and the newest-first order."""
        # Facets walk the whole match set a second time: do it on the other core meanwhile
        # (tantivy releases the GIL), which takes a third off a broad query's latency.
        pending_facets = self._facet_pool.submit(self._facets, searcher, matching.engine, query.facets) \
            if query.facets else None
        # Tantivy sizes its top-k heap by offset + limit: keep both within the index.
        limit = max(1, min(query.limit, searcher.num_docs))
        if offset >= searcher.num_docs:
            result = searcher.search(full.engine, 1, count=True)
            found = []
        elif by_date:
            result = searcher.search(full.engine, limit, count=True, offset=offset,
                                     order_by_field="document_date", order=tantivy.Order.Desc)
            found = result.hits[: query.limit]
        else:
            result = searcher.search(full.engine, limit, count=True, offset=offset)
            found = result.hits[: query.limit]
        facets = pending_facets.result() if pending_facets else {}
        return result.count, [(key, searcher.doc(address)) for key, address in found], facets

    def _tokens(self, text: str) -> list[str]:
        return self._analyzer.analyze(text)

    def _field_query(self, field: str, tokens: list[str]) -> tq.EngineQuery | None:
        if not tokens:
            return None
        if len(tokens) == 1:
            return tq.term(self._schema, field, tokens[0])
        return tq.phrase(self._schema, field, tokens)

    def _term_clauses(self, term: QueryTerm) -> list[tq.Clause]:
        """One required clause on the folded copy, plus optional ones that only add score.

        Optional clauses are scored on the documents the required ones found, so they cost
        little; a union per term would have to be walked whole and made filtered queries slow.
        """
        required = self._field_query("folded", self._tokens(term.folded))
        if required is None:  # a term the analyzer drops whole (too long) is in no document: it matches none
            return [(_OCCUR.Must, tq.nothing())]
        clauses = [(_OCCUR.Must, required)]
        optional = [(self._field_query("title_folded", self._tokens(term.folded)), TITLE_BOOST)]
        if not term.phrase:
            if key := keyword_key(term.text):
                optional.append((tq.term(self._schema, "designation_key", key), KEYWORD_BOOST))
            key = serial_key(term.text)
            if len(key) >= 3 and any(ch.isdigit() for ch in key):
                optional.append((tq.term(self._schema, "serial_key", key), KEYWORD_BOOST))
        clauses += [(_OCCUR.Should, tq.boost(sub, boost)) for sub, boost in optional if sub]
        if typed_with_marks(term.text):
            # The folded copy already matches everything the original does, and scores how often; the
            # original adds a fixed score to exact-diacritic matches (which the native ranked search
            # prunes with). A term typed without marks skips it.
            original = self._tokens(term.text)
            exact = [(self._field_query("text", original), EXACT_MARKS_SCORE),
                     (self._field_query("title", original), EXACT_MARKS_SCORE * TITLE_BOOST)]
            clauses += [(_OCCUR.Should, tq.const_score(sub, score)) for sub, score in exact if sub]
        return clauses

    def _text_clauses(self, terms: Sequence[QueryTerm],
                      identifiers: Sequence[QueryIdentifier] = ()) -> list[tq.Clause]:
        # No bonus for the words found side by side: an optional phrase clause reads positions
        # for every match and made broad queries five times slower.
        try:
            per_term = [self._term_clauses(term) for term in terms]
            words = [clause for clauses in per_term for clause in clauses]
            if not identifiers:
                return words
            # The words, or one identifier stretch by its keys with the other words: one required union.
            alternatives = [_boolean(words)]
            for ident in identifiers:
                others = [clause for position, clauses in enumerate(per_term)
                          if not ident.start <= position < ident.end for clause in clauses]
                alternatives.append(_boolean([(_OCCUR.Must, self._identifier_query(ident))] + others))
            return [(_OCCUR.Must, _boolean([(_OCCUR.Should, alternative) for alternative in alternatives]))]
        except ValueError as exc:
            raise InvalidQuery(f"cannot build a query from {[t.text for t in terms]}: {exc}") from exc

    def _identifier_query(self, ident: QueryIdentifier) -> tq.EngineQuery:
        """Documents carrying the stretch's keys; each tier adds its constant score."""
        tiers = [("serial_key", (ident.exact,), "field_exact"), ("designation_ident", (ident.exact,), "field_exact"),
                 ("serial_lookalike", ident.lookalike, "field_lookalike"),
                 ("designation_lookalike", ident.lookalike, "field_lookalike"),
                 ("ident_exact", (ident.exact,), "text_exact"), ("ident_lookalike", ident.lookalike, "text_lookalike")]
        return _boolean([(_OCCUR.Should, tq.const_score(
            tq.term(self._schema, field, key), IDENTIFIER_SCORES[tier]))
            for field, keys, tier in tiers for key in keys])

    def _filters(self, query: SearchQuery) -> list[tq.EngineQuery]:
        exact = [
            ("doc_type", enum_value(query.doc_type)),
            ("unit_key", keyword_key(query.unit) if query.unit else None),
            ("serial_key", serial_key(query.serial) if query.serial else None),
            ("designation_key", keyword_key(query.designation) if query.designation else None),
            ("classification", enum_value(query.classification)),
            ("repair_level", enum_value(query.repair_level)),
        ]
        asked = {"doc_type": query.doc_type, "unit_key": query.unit, "serial_key": query.serial,
                 "designation_key": query.designation, "classification": query.classification,
                 "repair_level": query.repair_level}
        filters = []
        for field, value in exact:
            if value:
                filters.append(tq.term(self._schema, field, value))
            elif asked[field] is not None and asked[field].strip():
                filters.append(tq.nothing())  # asked for something no record can carry
        if query.date_from or query.date_to:
            filters.append(tq.date_range(
                self._schema, "document_date",
                _as_datetime(clamp_date(query.date_from)) if query.date_from else None,
                _as_datetime(clamp_date(query.date_to)) if query.date_to else None))
        return filters

    def _access_clauses(self, access: Access | None,
                        searcher: tantivy.Searcher) -> list[tq.Clause]:
        """What a person may see, as unscored clauses of the engine query run on `searcher`. None is the
        archive's own unrestricted bookkeeping.

        With units (need to know): one required clause, any of the `unit_access` terms
        "<clearance>|<their unit key>": a document carries that term exactly when its rank is within
        the clearance and it answers to that unit. One posting list per unit, shorter than the
        unit's own, cost half of a rank clause plus a unit clause.

        Clearance alone: the highest adds nothing; otherwise the smaller side is named, by the
        documents each rank holds in this searcher (`doc_freq`, microseconds): `MustNot` the ranks
        above the clearance when they are the fewer (skipping a few secret documents is a
        posting-list seek per candidate, cheaper on a broad query than testing every candidate
        against a range), else `Must` one of the ranks within it (that short list then leads the
        intersection). Both are exact: ranks are indexed within 0..MAX_RANK.

        Measured in bench/search_bench.py (filtered beside unfiltered, 100k and 1M documents).
        """
        if access is None:
            return []
        if access.max_rank < 0:
            return [(_OCCUR.Must, tq.nothing())]
        if access.unit_keys is not None:
            clearance = min(int(access.max_rank), MAX_RANK)
            keys = dict.fromkeys(key for key in map(self._prep.keyword, access.unit_keys) if key)
            # Term queries, not `term_set_query`: that one builds an automaton and walks the term
            # dictionary on every search (a fixed ~0.2 ms, more than a whole selective search).
            return [(_OCCUR.Must, _any_of([tq.term(self._schema, "unit_access", _unit_access(clearance, key))
                                           for key in keys]))]
        if access.max_rank >= MAX_RANK:
            return []
        held = {rank: searcher.doc_freq("classification_rank", rank) for rank in range(MAX_RANK + 1)}
        within = [rank for rank in held if rank <= access.max_rank and held[rank]]
        above = [rank for rank in held if rank > access.max_rank and held[rank]]
        rank_term = lambda rank: tq.term(self._schema, "classification_rank", rank)  # noqa: E731
        if sum(held[rank] for rank in above) <= sum(held[rank] for rank in within):
            return [(_OCCUR.MustNot, rank_term(rank)) for rank in above]
        return [(_OCCUR.Must, _any_of([rank_term(rank) for rank in within]))]

    def _hits(self, searcher: tantivy.Searcher, found: list[tuple[Any, tantivy.Document]], *,
              text_query: tq.EngineQuery | None, has_marks: bool, terms: Sequence[QueryTerm] = (),
              identifiers: Sequence[QueryIdentifier] = (), scored: bool = True) -> tuple[SearchHit, ...]:
        """`found`: (key, stored document); keys are scores, or dates when the hits were ordered by date (`scored` False)."""
        if not found:
            return ()
        snippets = None
        if text_query is not None:
            snippets = _Highlighter(searcher, text_query.engine, self._schema, self._prep, folded_first=not has_marks,
                                    identifiers=identifiers, terms=terms)
        hits = []
        for key, doc in found:
            document_date = doc.get_first("document_date")
            hits.append(SearchHit(
                document_id=doc.get_first("document_id"),
                score=float(key) if text_query is not None and scored else 0.0,
                serial_number=doc.get_first("serial_number"),
                doc_type=doc.get_first("doc_type"),
                document_date=document_date.date() if document_date else None,
                designation=doc.get_first("designation"),
                unit=doc.get_first("unit"),
                title=doc.get_first("title"),
                highlights=snippets.highlight(doc) if snippets else (),
            ))
        return tuple(hits)

    def _facets(self, searcher: tantivy.Searcher, query: tantivy.Query,
                names: Sequence[str]) -> dict[str, tuple[FacetCount, ...]]:
        size = self._facet_size
        request = {name: {"terms": {"field": name, "size": size, "segment_size": max(10 * size, 1000)}}
                   for name in dict.fromkeys(names)}
        answer = searcher.aggregate(query, request)
        return {name: sort_facets(((b["key"], int(b["doc_count"])) for b in answer[name]["buckets"]), size)
                for name in request}

    # -- serials ---------------------------------------------------------------------

    def find_serial(self, serial: str, access: Access | None = None, *,
                    excluding: str | None = None, exact_apart: bool = True) -> tuple[SerialMatch, ...]:
        self._check_open()
        key = serial_key(serial)
        if not key:
            return ()
        tiers = [
            ("exact", tq.term(self._schema, "serial_key", key)),
            ("lookalike", tq.term(self._schema, "serial_lookalike", lookalike_key(serial))),
        ]
        if len(key) >= FUZZY_MIN_KEY:
            tiers.append(("fuzzy", tq.fuzzy(self._schema, "serial_lookalike", lookalike_key(serial), distance=1)))
        if not exact_apart:
            tiers = tiers[1:]  # the look-alike tier holds the exact spelling too
        with _translated("find_serial"):
            searcher = self._index.searcher()
            allowed = self._access_clauses(access, searcher)
            if excluding is not None:
                allowed = allowed + [(_OCCUR.MustNot, tq.term(self._schema, "document_id", excluding))]
            for match, tier_query in tiers:
                if allowed:  # each tier only among the documents the person may see (and not the one left out)
                    tier_query = _boolean([(_OCCUR.Must, tier_query)] + allowed)
                result = searcher.search(tier_query.engine, SERIAL_FETCH, count=True)
                if result.count > SERIAL_FETCH:
                    result = searcher.search(tier_query.engine, result.count, count=True)
                if result.hits:
                    return _group_serials(searcher, result.hits, match)
        return ()


class _Highlighter:
    """`<mark>` snippets from the original text, else from the folded copy mapped back.

    A query typed without any diacritics goes straight to the folded copy: there it
    highlights everything the original would, and more.
    """

    def __init__(self, searcher: tantivy.Searcher, query: tantivy.Query, schema: tantivy.Schema, prep: TextPrep,
                 *, folded_first: bool, identifiers: Sequence[QueryIdentifier] = (),
                 terms: Sequence[QueryTerm] = ()) -> None:
        self._prep = prep
        self._identifiers = identifiers
        # A query that is one identifier ("KB-I5-B4") is marked where its keys stand, not word by word.
        self._identifier_first = identifier_is_whole_query(identifiers, len(terms))
        self._folded_first = folded_first
        self._original = tantivy.SnippetGenerator.create(searcher, query, schema, "text")
        self._folded = tantivy.SnippetGenerator.create(searcher, query, schema, "folded")
        self._original.set_max_num_chars(SNIPPET_CHARS)
        self._folded.set_max_num_chars(SNIPPET_CHARS)

    def highlight(self, doc: tantivy.Document) -> tuple[str, ...]:
        text = doc.get_first("text") or ""
        if not text:
            return ()
        found = self._words(doc, text)
        if self._identifiers and (not found or self._identifier_first
                                  and not marks_identifier(found, self._identifiers)):
            return identifier_highlight(text, self._identifiers) or found
        return found

    def _words(self, doc: tantivy.Document, text: str) -> tuple[str, ...]:
        if not self._folded_first:
            snippet = self._original.snippet_from_doc(doc)
            if snippet.highlighted():
                return (render(snippet.fragment(), _char_spans(snippet.fragment(), snippet.highlighted())),)
        folded = self._prep.fold(text)
        snippet = self._folded.snippet_from_doc(tantivy.Document(folded=folded))
        if not snippet.highlighted():
            return ()
        return (_map_back(text, folded, snippet),)


def _map_back(text: str, folded: str, snippet: tantivy.Snippet) -> str:
    """A snippet of the folded copy, drawn on the original characters it came from."""
    start = snippet.fragment_range().start
    if not folded.isascii():  # tantivy's offsets are bytes
        start = len(folded.encode("utf-8")[:start].decode("utf-8", "ignore"))
    spans = _char_spans(snippet.fragment(), snippet.highlighted())
    return render_folded(text, folded, start, snippet.fragment(), spans)


def _char_spans(fragment: str, ranges: Sequence[Any]) -> list[tuple[int, int]]:
    """Tantivy's highlight ranges are byte offsets into the fragment; turn them into characters."""
    if fragment.isascii():
        return sorted((span.start, span.end) for span in ranges)
    encoded = fragment.encode("utf-8")
    spans = []
    for span in ranges:
        start = len(encoded[: span.start].decode("utf-8", "ignore"))
        end = len(encoded[: span.end].decode("utf-8", "ignore"))
        spans.append((start, end))
    return sorted(spans)


def _group_serials(searcher: tantivy.Searcher, hits: list[tuple[Any, Any]], match: str) -> tuple[SerialMatch, ...]:
    groups: dict[str, list[tuple[date, str]]] = {}
    for _score, address in hits:
        doc = searcher.doc(address)
        stored_date = doc.get_first("document_date")
        day = stored_date.date() if stored_date else date.max
        groups.setdefault(normalize_serial(doc.get_first("serial_number") or ""), []).append(
            (day, doc.get_first("document_id")))
    return tuple(
        SerialMatch(serial_number=number, document_ids=tuple(doc_id for _day, doc_id in sorted(members)), match=match)
        for number, members in sorted(groups.items())
    )


def _batched(records: Iterable[IndexRecord], size: int) -> Iterator[list[IndexRecord]]:
    batch: list[IndexRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _unit_access(clearance: int, unit_key: str) -> str:
    """The `unit_access` term of a document in `unit_key` that people of `clearance` may see."""
    return f"{clearance}|{unit_key}"


_any_of = tq.any_of
_boolean = tq.boolean


def _as_datetime(day: date) -> datetime:
    if isinstance(day, datetime):
        day = day.date()
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def _unopenable(where: object, exc: BaseException) -> IndexUnavailable:
    return IndexUnavailable(f"cannot open the tantivy index at {where} ({exc}); remove it and run `archive reindex`")


@contextmanager
def _opening(where: pathlib.Path) -> Iterator[None]:
    try:
        yield
    except BaseException as exc:
        if _is_fatal(exc):
            raise
        raise _unopenable(where, exc) from exc


class _CallerFailed(Exception):
    """What a caller's code run inside a write raised, carried past `_translated` unchanged."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


@contextmanager
def _translated(action: str) -> Iterator[None]:
    """Tantivy raises ValueError (and pyo3 PanicException, a BaseException) for engine failures."""
    try:
        yield
    except (SearchError, _CallerFailed):
        raise
    except BaseException as exc:
        if _is_fatal(exc):
            raise
        raise IndexUnavailable(f"tantivy {action} failed: {exc}") from exc
