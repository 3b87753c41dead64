"""Errors raised by search adapters; engine errors are translated at the adapter boundary.

    SearchError
    ├── IndexUnavailable     the engine does not answer (503)
    ├── InvalidQuery         the query or cursor cannot be parsed (422)
    └── InvalidRecord        a record holds what no engine can index (a date outside INDEX_DATES)
"""


class SearchError(Exception):
    pass


class IndexUnavailable(SearchError):
    pass


class InvalidQuery(SearchError):
    pass


class InvalidRecord(SearchError):
    pass
