"""Tantivy queries built twice at once: the `tantivy` package's object and the JSON form that
`archive_search_native.RankedSearch` builds the same query from (see search/native/src/lib.rs).

The package runs every search of a RAM index, serial lookups, date-ordered browsing and highlights;
the native ranked search runs relevance-ordered searches of an index on disk. Both must mean the
same query, so each one is made here from one call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

import tantivy

Occur = tantivy.Occur
_OCCUR_NAMES = {Occur.Must: "must", Occur.Should: "should", Occur.MustNot: "must_not"}


@dataclass(frozen=True, slots=True)
class EngineQuery:
    engine: tantivy.Query
    spec: Any  # the native form; None when the native search has no such query (fuzzy terms)

    def spec_json(self) -> str | None:
        return None if self.spec is None else json.dumps(self.spec, ensure_ascii=False)


Clause = tuple[tantivy.Occur, EngineQuery]


def clauses_json(clauses: list[Clause]) -> str | None:
    """`[[occur, query], ...]`, the native form of filter clauses; None when one has no native form."""
    if any(query.spec is None for _occur, query in clauses):
        return None
    return json.dumps([[_OCCUR_NAMES[occur], query.spec] for occur, query in clauses], ensure_ascii=False)


def _spec(kind: str, *parts: Any, children: Sequence[EngineQuery] = ()) -> Any:
    if any(child.spec is None for child in children):
        return None
    return [kind, *parts]


def term(schema: tantivy.Schema, field: str, value: str | int) -> EngineQuery:
    return EngineQuery(tantivy.Query.term_query(schema, field, value), ["term", field, value])


def phrase(schema: tantivy.Schema, field: str, tokens: list[str]) -> EngineQuery:
    return EngineQuery(tantivy.Query.phrase_query(schema, field, tokens), ["phrase", field, list(tokens)])


def fuzzy(schema: tantivy.Schema, field: str, value: str, distance: int) -> EngineQuery:
    return EngineQuery(tantivy.Query.fuzzy_term_query(schema, field, value, distance=distance,
                                                      transposition_cost_one=True), None)


def boost(query: EngineQuery, factor: float) -> EngineQuery:
    return EngineQuery(tantivy.Query.boost_query(query.engine, factor),
                       _spec("boost", query.spec, factor, children=[query]))


def const_score(query: EngineQuery, score: float) -> EngineQuery:
    return EngineQuery(tantivy.Query.const_score_query(query.engine, score),
                       _spec("const", query.spec, score, children=[query]))


def everything() -> EngineQuery:
    return EngineQuery(tantivy.Query.all_query(), ["all"])


def nothing() -> EngineQuery:
    return EngineQuery(tantivy.Query.empty_query(), ["empty"])


def date_range(schema: tantivy.Schema, field: str, start: datetime | None, end: datetime | None) -> EngineQuery:
    """Both ends included; at least one is given."""
    engine = tantivy.Query.range_query(schema, field, tantivy.FieldType.Date, start, end,
                                       include_lower=True, include_upper=True)
    seconds = [int(day.timestamp()) if day is not None else None for day in (start, end)]
    return EngineQuery(engine, ["date_range", field, *seconds])


def boolean(clauses: list[Clause]) -> EngineQuery:
    if not clauses:
        return everything()
    if all(occur == Occur.MustNot for occur, _query in clauses):  # exclusions alone match nothing in tantivy
        clauses = [(Occur.Must, everything()), *clauses]
    engine = tantivy.Query.boolean_query([(occur, query.engine) for occur, query in clauses])
    spec = _spec("bool", [[_OCCUR_NAMES[occur], query.spec] for occur, query in clauses],
                 children=[query for _occur, query in clauses])
    return EngineQuery(engine, spec)


def any_of(queries: list[EngineQuery]) -> EngineQuery:
    """Documents matching one of `queries`, unscored; none when there are none."""
    if not queries:
        return nothing()
    either = queries[0] if len(queries) == 1 else boolean([(Occur.Should, query) for query in queries])
    return const_score(either, 0.0)
