"""Service-level errors. The API maps them to HTTP statuses, the CLI to messages and exit codes.

    ArchiveError
    ├── NotFound            unknown document, serial, page or job (404)
    ├── InvalidRequest      bad parameters (422)
    └── BackendUnavailable  storage or index does not answer (503)

Ingest failures are not exceptions at this level: they are recorded results with a reason.
"""


class ArchiveError(Exception):
    pass


class NotFound(ArchiveError):
    pass


class InvalidRequest(ArchiveError):
    pass


class BackendUnavailable(ArchiveError):
    pass
