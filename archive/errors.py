"""Service-level errors. The API maps them to HTTP statuses, the CLI to messages and exit codes.

    ArchiveError
    ├── Unauthenticated     no credentials, or wrong, expired or revoked ones (401)
    ├── Forbidden           the person's role does not allow the action (403); a document they may not
    │                       see is NotFound instead, so that its existence does not leak
    ├── NotFound            unknown document, serial, page or job (404)
    ├── InvalidRequest      bad parameters (422)
    ├── BackendUnavailable  storage or index does not answer (503)
    └── NotConfigured       the deployment cannot start as configured (e.g. no user could sign in)

Ingest failures are not exceptions at this level: they are recorded results with a reason.
"""


class ArchiveError(Exception):
    pass


class Unauthenticated(ArchiveError):
    pass


class Forbidden(ArchiveError):
    pass


class NotFound(ArchiveError):
    pass


class SerialNotFound(NotFound):
    """No equipment under exactly this serial; `candidates` are the close serials the archive holds (the CLI
    shows them in the message, the API beside it: `{"detail": message, "candidates": [...]}`)."""

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.candidates = list(candidates or [])

    def __str__(self) -> str:
        return f"{self.message}; close serials: {', '.join(self.candidates)}" if self.candidates else self.message


class InvalidRequest(ArchiveError):
    pass


class BackendUnavailable(ArchiveError):
    pass


class NotConfigured(ArchiveError):
    pass


class RecordTampered(BackendUnavailable):
    """A stored record fails its seal: edited outside the archive. It is not served (503) until a person
    looks (`archive verify` names every such record)."""
