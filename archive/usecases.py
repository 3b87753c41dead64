"""The use cases: the one layer every entrypoint (HTTP route, CLI command, queue worker) calls.

Each method takes the acting person first, checks the policy (`archive.policy`) once, does the work
through the service layer, and appends one audit entry — also when the answer is a refusal or a
"not found". A document a person may not see does not exist for them: every path answers
`NotFound`, exactly as for an unknown id, and the index queries they cause carry their access filter.
"""

from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterator

import structlog

from archive import metrics
from archive.errors import ArchiveError, BackendUnavailable, Forbidden, InvalidRequest, NotFound, RecordTampered, Unauthenticated
from archive.field_values import parse_classification, parse_doc_type, parse_repair_level
from archive.identity import OPERATOR_ROLE, IssuedToken, Principal, Session, User, UserStore, validate_user_fields
from archive.models import (
    ClassificationChange,
    ClassificationRequest,
    Document,
    DocumentText,
    Equipment,
    IngestResult,
    Job,
    LikelyDuplicate,
    ReviewItem,
    SearchResponse,
    VerifyReport,
)
from archive.policy import Action, access_for, allowed, may_see, require
from archive.records import record_problem
from archive.service import ArchiveService, ParsedIngest, storage_errors
from common.vocabulary import CLASSIFICATIONS, classification_rank
from search.types import SearchQuery
from storage.errors import StorageError

if TYPE_CHECKING:
    from archive.backup import BackupReport, RestoreReport, VerifyBackupReport
    from archive.queue import QueuedInput
    from storage.ports import ObjectStore

log = structlog.get_logger(__name__)

DOCUMENT_ID_LENGTH = 64  # a document's id is the SHA-256 of its original, in hex
SHORTEST_ID_PREFIX = 6
MIN_PASSWORD_LENGTH = 8
_HEX = re.compile(r"[0-9a-f]+")


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    if isinstance(exc, (Forbidden, Unauthenticated)):
        return "denied"
    if isinstance(exc, NotFound):
        return "not_found"
    return "failed"


def _known_choices(query: SearchQuery) -> SearchQuery:
    """Filters on a field with a fixed set of values, as their stored value ("Tối mật" = secret); a value that
    is none of them is refused with the list, not answered with nothing found."""
    return replace(
        query,
        doc_type=parse_doc_type(query.doc_type) if query.doc_type else None,
        classification=parse_classification(query.classification) if query.classification else None,
        repair_level=parse_repair_level(query.repair_level) if query.repair_level else None,
    )


class Archive:
    def __init__(self, service: ArchiveService, users: UserStore, audit, *, queue=None, session_hours: float = 12.0) -> None:
        self.service = service
        self.queue = queue  # archive.queue.ArchiveQueue, where uploads wait for workers
        self.users = users
        self.audit = audit  # archive.audit.AuditTrail
        self.session_hours = session_hours
        self._state_registry = None  # the deployment's gauges for /metrics, made on the first scrape

    # ---- the gate -------------------------------------------------------------------------

    @contextmanager
    def _audited(self, actor: Principal, action: str, *, document_id: str | None = None, target: str | None = None,
                 details: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Append one audit entry for what happens inside, whatever its outcome; the body may add details."""
        noted: dict[str, Any] = dict(details or {})
        failure: BaseException | None = None
        try:
            yield noted
        except BaseException as exc:
            failure = exc
            if isinstance(exc, ArchiveError) and not isinstance(exc, (Forbidden, NotFound, Unauthenticated)):
                noted.setdefault("error", str(exc)[:500])
            raise
        finally:
            self._record(actor=actor.name, role=actor.role, action=action, outcome=_outcome(failure),
                         address=actor.address, document_id=noted.pop("_document_id", document_id),
                         target=target, details=noted)

    def _record(self, **entry: Any) -> None:
        """Append to the audit trail, or fail the action: nothing happens unrecorded (fails closed)."""
        try:
            self.audit.record(**entry)
        except StorageError as exc:
            raise _audit_write_failed(exc, entry.get("action")) from exc

    @contextmanager
    def audit_in_groups(self) -> Iterator[None]:
        """A batch's entries (one per file) are stored a group at a time, by `store_audit_group` as each group of
        files is committed and before the files are reported, and at the block's end."""
        with self.audit.in_groups():
            yield
            self.store_audit_group()

    def store_audit_group(self) -> None:
        try:
            self.audit.store_held()
        except StorageError as exc:
            raise _audit_write_failed(exc, "ingest") from exc

    def _visible_document(self, actor: Principal, document_id: str, noted: dict[str, Any] | None = None) -> Document:
        """The document `document_id` names, in full or by a unique start of it among those the person may see
        (`archive review` prints twelve characters); `noted` gets the full id for the audit entry."""
        document_id = self._full_document_id(actor, document_id)
        if noted is not None:
            noted["_document_id"] = document_id
        record = self.service.record(document_id)
        if not may_see(actor, record.document):
            raise NotFound(f"no document {document_id}")
        problem = record_problem(record)
        if problem is not None:  # edited by hand behind the archive's back: never served as genuine
            raise RecordTampered(f"the stored record of {document_id} fails its seal ({problem}); run `archive verify`")
        return record.document

    def _full_document_id(self, actor: Principal, given: str) -> str:
        given = given.strip().lower()
        if len(given) == DOCUMENT_ID_LENGTH or not _HEX.fullmatch(given):
            return given  # a whole id, or no id at all: looked up as it is, and not found
        if len(given) < SHORTEST_ID_PREFIX:
            raise InvalidRequest(f"{given!r} is too short to name a document: give at least {SHORTEST_ID_PREFIX}"
                                 " characters of its id")
        # Only what this person may see counts: a prefix shared with a hidden document is not "ambiguous".
        matches = [found for found in self.service.document_ids_starting(given) if self._may_see_id(actor, found)]
        if not matches:
            raise NotFound(f"no document {given}")
        if len(matches) > 1:
            raise InvalidRequest(f"{len(matches)} documents have ids starting {given}: give more characters")
        return matches[0]

    def _visible(self, actor: Principal) -> Callable[[Document], bool]:
        return lambda document: may_see(actor, document)

    # ---- signing in -----------------------------------------------------------------------

    def sign_in(self, username: str, password: str, address: str | None) -> Session:
        user = self.users.authenticate(username, password)
        if user is None:
            self.record_failed_sign_in(username, address, "wrong user name or password, or the user is disabled")
            raise Unauthenticated("wrong user name or password")
        return self.sign_in_external(user.principal(address), address, method="password")

    def sign_in_external(self, principal: Principal, address: str | None, *, method: str = "oidc") -> Session:
        principal = principal.at(address)
        with self._audited(principal, "login", details={"method": method}):
            return self.users.create_session(principal, self.session_hours)

    def record_failed_sign_in(self, name: str, address: str | None, reason: str) -> None:
        self._record(actor=str(name)[:128], role="", action="login", outcome="denied", address=address,
                     details={"reason": reason})

    def sign_out(self, actor: Principal, session_id: str | None) -> None:
        with self._audited(actor, "logout"):
            if session_id:
                self.users.end_session(session_id)

    def identify_token(self, token: str, address: str | None) -> Principal:
        """The person a bearer token stands for; refusals are audited (someone is trying tokens)."""
        principal = self.users.principal_for_token(token, address)
        if principal is None:
            self._record(actor="unknown", role="", action="token", outcome="denied", address=address,
                         details={"reason": "unknown, expired or revoked token"})
            raise Unauthenticated("the token is unknown, expired or revoked")
        return principal

    # ---- finding and reading --------------------------------------------------------------

    def search(self, actor: Principal, query: SearchQuery) -> SearchResponse:
        filters = {name: str(value) for name in ("doc_type", "unit", "serial", "designation", "classification",
                                                  "repair_level", "date_from", "date_to", "cursor")
                   if (value := getattr(query, name)) is not None}
        with self._audited(actor, "search", target=query.text[:1000], details=filters) as noted:
            require(actor, Action.SEARCH)
            query = _known_choices(query)
            with metrics.SEARCH_SECONDS.time():
                found = self.service.search(replace(query, access=access_for(actor)))
            noted["total"] = found.total
            return found

    def equipment(self, actor: Principal, serial: str) -> Equipment:
        with self._audited(actor, "view_equipment", target=serial[:200]) as noted:
            require(actor, Action.READ)
            item = self.service.equipment(serial, access_for(actor), self._visible(actor))
            noted["documents"] = [summary.document_id for summary in item.documents]
            return item

    def export(self, actor: Principal, serial: str) -> tuple[str, bytes]:
        with self._audited(actor, "export", target=serial[:200]) as noted:
            require(actor, Action.EXPORT)
            filename, data = self.service.export(serial, access_for(actor), self._visible(actor))
            noted["bytes"] = len(data)
            return filename, data

    def document(self, actor: Principal, document_id: str) -> Document:
        with self._audited(actor, "view", document_id=document_id) as noted:
            require(actor, Action.READ)
            return self._visible_document(actor, document_id, noted)

    def document_version(self, actor: Principal, document_id: str, version: int) -> Document:
        with self._audited(actor, "view_version", document_id=document_id, details={"version": version}) as noted:
            require(actor, Action.READ)
            document_id = self._visible_document(actor, document_id, noted).document_id
            older = self.service.document_version(document_id, version)
            if not may_see(actor, older):  # an older version may have been more secret than the document is now
                raise NotFound(f"document {document_id} has no version {version} you may see")
            return older

    def document_text(self, actor: Principal, document_id: str) -> DocumentText:
        with self._audited(actor, "view_text", document_id=document_id) as noted:
            require(actor, Action.READ)
            document_id = self._visible_document(actor, document_id, noted).document_id
            return self.service.document_text(document_id)

    def page_png(self, actor: Principal, document_id: str, page: int, width: int | None = None) -> bytes:
        with self._audited(actor, "page_view", document_id=document_id, details={"page": page}) as noted:
            require(actor, Action.READ)
            document_id = self._visible_document(actor, document_id, noted).document_id
            return self.service.page_png(document_id, page, width)

    def original(self, actor: Principal, document_id: str, span: str | None = None
                 ) -> tuple[Document, Callable[[int, int | None], Iterator[bytes]]]:
        """The document and a way to stream its original from byte `start` to `end` (inclusive); the
        download is audited when it is granted, with the range asked (`span`)."""
        with self._audited(actor, "download", document_id=document_id, details={"range": span[:100]} if span else None) as noted:
            require(actor, Action.DOWNLOAD)
            document = self._visible_document(actor, document_id, noted)
            return document, lambda start=0, end=None: self.service.original(document.document_id, start, end)

    # ---- review, corrections and classification ---------------------------------------------

    def review_list(self, actor: Principal) -> list[ReviewItem]:
        with self._audited(actor, "review_list") as noted:
            require(actor, Action.REVIEW)
            items = self.service.review_list(self._visible(actor))
            noted["count"] = len(items)
            return items

    def likely_duplicates(self, actor: Principal) -> list[LikelyDuplicate]:
        with self._audited(actor, "duplicates_list") as noted:
            require(actor, Action.REVIEW)
            listed = self.service.likely_duplicates(self._visible(actor))
            noted["count"] = len(listed)
            return listed

    def correct(self, actor: Principal, document_id: str, changes: dict, note: str | None = None) -> Document:
        with self._audited(actor, "correct", document_id=document_id,
                           details={"fields": sorted(map(str, changes))[:50], "note": (note or "")[:500]}) as noted:
            require(actor, Action.CORRECT)
            document_id = self._visible_document(actor, document_id, noted).document_id
            corrected = self.service.correct(document_id, changes, by=actor.name, note=note)
            noted.update(version=corrected.version, record_hash=self.service.last_record_hash)
            return corrected

    def change_classification(self, actor: Principal, document_id: str, level: str, reason: str) -> ClassificationChange:
        """An upgrade is applied at once; a downgrade waits for a second records officer."""
        with self._audited(actor, "classify", document_id=document_id, details={"to": level, "reason": reason[:500]}) as noted:
            require(actor, Action.CLASSIFY)
            if level not in CLASSIFICATIONS:
                raise InvalidRequest(f"unknown classification {level!r}; one of {', '.join(CLASSIFICATIONS)}")
            if not reason or not reason.strip():
                raise InvalidRequest("a classification change needs a reason")
            document = self._visible_document(actor, document_id, noted)
            document_id = document.document_id
            noted["from"] = document.classification
            if level == document.classification:
                return ClassificationChange(document_id=document_id, status="applied", classification=level)
            if classification_rank(level) > classification_rank(document.classification) or (
                    document.classification is None and level == "top_secret"):
                changed = self._apply_classification(document_id, level, reason, by=actor.name)
                noted.update(status="applied", record_hash=self.service.last_record_hash)
                return ClassificationChange(document_id=document_id, status="applied", classification=changed.classification)
            request = ClassificationRequest(
                request_id=uuid.uuid4().hex, document_id=document_id, from_level=document.classification, to_level=level,
                reason=reason.strip(), requested_by=actor.name, requested_at=datetime.now(timezone.utc))
            self.service.put_classification_request(request)
            noted.update(status="pending_approval", request_id=request.request_id)
            return ClassificationChange(document_id=document_id, status="pending_approval",
                                        classification=document.classification, request=request)

    def classification_requests(self, actor: Principal) -> list[ClassificationRequest]:
        with self._audited(actor, "classification_requests"):
            require(actor, Action.CLASSIFY)
            return [request for request in self.service.classification_requests()
                    if self._may_see_id(actor, request.document_id)]

    def approve_classification(self, actor: Principal, request_id: str) -> ClassificationChange:
        with self._audited(actor, "approve_classification", target=request_id) as noted:
            require(actor, Action.CLASSIFY)
            request = self.service.classification_request(request_id)
            noted["_document_id"] = request.document_id
            document = self._visible_document(actor, request.document_id)
            if request.requested_by == actor.name:
                raise Forbidden("a downgrade needs a second records officer: you asked for this one")
            if document.classification != request.from_level:
                raise InvalidRequest(f"the document is {document.classification} now, not {request.from_level}: ask again")
            note = f"{request.reason} (asked by {request.requested_by}, approved by {actor.name})"
            changed = self._apply_classification(request.document_id, request.to_level, note, by=actor.name)
            self.service.delete_classification_request(request_id)
            noted.update(to=request.to_level, requested_by=request.requested_by, record_hash=self.service.last_record_hash)
            return ClassificationChange(document_id=request.document_id, status="applied",
                                        classification=changed.classification, request=request)

    def _apply_classification(self, document_id: str, level: str, reason: str, *, by: str) -> Document:
        return self.service.correct(document_id, {"classification": level}, by=by, note=reason,
                                    correctable=frozenset({"classification"}))


    def _may_see_id(self, actor: Principal, document_id: str) -> bool:
        try:
            return may_see(actor, self.service.document(document_id))
        except NotFound:
            return False

    # ---- ingest ---------------------------------------------------------------------------

    def authorize_ingest(self, actor: Principal, what: str, count: int) -> None:
        """Before files are read or queued: may this person ingest? (Audited as the start of an upload.)"""
        with self._audited(actor, "upload", target=what[:200], details={"files": count}):
            require(actor, Action.INGEST)

    def ingest_file(self, actor: Principal, data: bytes, filename: str, parsed, row=None, *, path: str | None = None,
                    before_store: Callable[[], None] | None = None, sha256: str | None = None) -> ParsedIngest:
        """Ingest one parsed file as `actor` (a batch, a queue worker on behalf of an upload): stored or failed
        with its reason, and audited either way."""
        require(actor, Action.INGEST)
        outcome = self.service.ingest_parsed(data, filename, parsed, row, path=path, before_store=before_store,
                                             sha256=sha256)
        self.note_ingested(actor, outcome.result)
        return outcome

    def note_ingested(self, actor: Principal, result: IngestResult) -> None:
        """One audit entry per file an ingest settled, stored or not (files settled before parsing, such as
        duplicates, are noted by their entrypoint through this); counted for /metrics."""
        metrics.observe_ingest(result)
        self._record(actor=actor.name, role=actor.role, action="ingest",
                     outcome="ok" if result.status != "failed" else "failed", address=actor.address,
                     document_id=result.document_id, target=result.path[:500],
                     details={"status": result.status, **({"error": result.error[:500]} if result.error else {}),
                              **({"record_hash": result.record_hash} if result.record_hash else {})})

    def note_recovered(self, worker: str, dead_worker: str, files: list[tuple[str, int]]) -> None:
        """A worker queued again the files a dead worker held (archive.leases): no person asked, so it is noted."""
        self._record(actor=f"worker:{worker}"[:128], role=OPERATOR_ROLE, action="job_requeue", outcome="ok",
                     address=None, target=dead_worker[:100],
                     details={"automatic": True, "files": [f"{job_id}:{position}" for job_id, position in files[:200]]})

    def enqueue(self, actor: Principal, inputs: list[QueuedInput]) -> str:
        """Stage and queue files for the workers, who ingest (and audit) each one as `actor`."""
        from archive.queue import enqueue

        with self._audited(actor, "queue", target=", ".join(entry.name for entry in inputs[:20])[:500],
                           details={"files": len(inputs)}) as noted:
            require(actor, Action.INGEST)
            noted["job_id"] = job_id = enqueue(self.service, self._queue(), inputs, actor)
            return job_id

    def job(self, actor: Principal, job_id: str) -> Job:
        """A job, for the person who queued it (and the operator); nobody else learns of it."""
        from archive.queue import QueueJobs

        with self._audited(actor, "job", target=job_id[:100]):
            require(actor, Action.JOBS)
            jobs = QueueJobs(self._queue().huey)
            self._own_job(actor, jobs, job_id)
            return jobs.get(job_id)

    def poll_job(self, actor: Principal, job_id: str) -> Job:
        """A job its owner queued and follows (`archive watch` every few seconds): the same rule as `job`, but no
        audit entry per look — the queueing was audited, and so is each file's ingest."""
        from archive.queue import QueueJobs

        require(actor, Action.JOBS)
        jobs = QueueJobs(self._queue().huey)
        self._own_job(actor, jobs, job_id)
        return jobs.get(job_id)

    def watch_job(self, actor: Principal, job_id: str, poll_s: float = 0.5) -> Iterator[Job]:
        """The job as it progresses, until done; allowed and audited once, then polled."""
        import time

        found = self.job(actor, job_id)
        yield found
        from archive.queue import QueueJobs

        jobs = QueueJobs(self._queue().huey)
        while found.state != "done":
            time.sleep(poll_s)
            found = jobs.get(job_id)
            yield found

    def requeue(self, actor: Principal, job_id: str) -> int:
        from archive.queue import QueueJobs, requeue

        with self._audited(actor, "job_requeue", target=job_id[:100]) as noted:
            require(actor, Action.INGEST)
            self._own_job(actor, QueueJobs(self._queue().huey), job_id)
            noted["files"] = again = requeue(self.service, self._queue(), job_id)
            return again

    @staticmethod
    def _own_job(actor: Principal, jobs, job_id: str) -> None:
        owner = jobs.owner(job_id)
        if actor.role != OPERATOR_ROLE and (owner is None or owner.name != actor.name):
            raise NotFound(f"no job {job_id}")

    def _queue(self):
        if self.queue is None:
            raise InvalidRequest("no ingest queue is configured here")
        return self.queue

    # ---- people -----------------------------------------------------------------------------

    def add_user(self, actor: Principal, name: str, role: str, clearance: str, units: list[str],
                 password: str | None = None) -> User:
        with self._audited(actor, "user_add", target=name[:100], details={"role": role, "clearance": clearance, "units": units}):
            require(actor, Action.MANAGE_USERS)
            validate_user_fields(name, role, clearance)
            if password is not None:
                _check_password(password)
            return self.users.add_user(name, role, clearance, units, password=password)

    def list_users(self, actor: Principal) -> list[User]:
        with self._audited(actor, "user_list"):
            require(actor, Action.MANAGE_USERS)
            return self.users.users()

    def disable_user(self, actor: Principal, name: str) -> User:
        with self._audited(actor, "user_disable", target=name[:100]):
            require(actor, Action.MANAGE_USERS)
            return self.users.set_disabled(name, True)

    def set_password(self, actor: Principal, name: str, password: str) -> None:
        with self._audited(actor, "user_password", target=name[:100]):
            if name != actor.name or actor.kind != "user":
                require(actor, Action.MANAGE_USERS)
            _check_password(password)
            self.users.set_password(name, password)

    def create_token(self, actor: Principal, for_user: str | None = None, expires_at: datetime | None = None) -> IssuedToken:
        owner = for_user or actor.name
        with self._audited(actor, "token_create", target=owner[:100],
                           details={"expires_at": expires_at.isoformat() if expires_at else None}) as noted:
            if owner != actor.name or actor.kind != "user":
                require(actor, Action.MANAGE_USERS)
            else:
                require(actor, Action.TOKEN_OWN)
            if expires_at is not None and expires_at <= datetime.now(timezone.utc):
                raise InvalidRequest("the expiry is in the past")
            issued = self.users.create_token(owner, expires_at)
            noted["token_id"] = issued.token_id
            return issued

    def revoke_token(self, actor: Principal, token_id: str) -> None:
        with self._audited(actor, "token_revoke", target=token_id[:40]):
            owned = {t["token_id"] for t in self.users.tokens(actor.name)} if actor.kind == "user" else set()
            if token_id not in owned:
                require(actor, Action.MANAGE_USERS)
            self.users.revoke_token(token_id)

    # ---- the audit trail ----------------------------------------------------------------------

    def audit_entries(self, actor: Principal, *, user: str | None = None, document: str | None = None,
                      since: datetime | None = None) -> list:
        """The whole trail for auditors; for inspectors, the entries about documents they may see."""
        with self._audited(actor, "audit_read", details={"user": user, "document": document,
                                                         "since": since.isoformat() if since else None}) as noted:
            if not allowed(actor, Action.AUDIT_ALL):
                require(actor, Action.AUDIT_DOCUMENTS)
            entries = self.audit.entries(user=user, document=document, since=since)
            if not allowed(actor, Action.AUDIT_ALL):
                seen: dict[str, bool] = {}
                entries = [entry for entry in entries if entry.document_id and seen.setdefault(
                    entry.document_id, self._may_see_id(actor, entry.document_id))]
            noted["count"] = len(entries)
            return entries

    def audit_verify(self, actor: Principal):
        with self._audited(actor, "audit_verify") as noted:
            require(actor, Action.AUDIT_ALL)
            report = self.audit.verify()
            noted["ok"] = report.ok
            return report

    # ---- the operator's work ------------------------------------------------------------------

    def verify(self, actor: Principal, progress: Callable[[int], None] | None = None) -> VerifyReport:
        with self._audited(actor, "verify") as noted:
            require(actor, Action.MAINTAIN)
            report = self.service.verify(progress)
            noted.update(checked=report.checked, ok=report.ok)
            return report

    def reindex(self, actor: Principal, progress: Callable[[int], None] | None = None, *, pending_only: bool = False) -> int:
        with self._audited(actor, "reindex", details={"pending_only": pending_only}) as noted:
            require(actor, Action.MAINTAIN)
            count = self.service.index_pending(progress=progress) if pending_only else self.service.reindex(progress)
            noted["count"] = count
            return count

    # ---- what operators watch (archive.metrics) ----------------------------------------------------

    def metrics_text(self, address: str | None, token: str | None, expected_token: str | None) -> bytes:
        """The Prometheus exposition: to anyone on the loopback address, elsewhere only with ARCHIVE_METRICS_TOKEN.
        Scrapes are not audited (one every few seconds would drown the trail); a refusal is."""
        import hmac

        loopback = address in ("127.0.0.1", "::1") or (address or "").startswith("127.")
        if not loopback and not (expected_token and token and hmac.compare_digest(token, expected_token)):
            self._record(actor="", role="", action="metrics", outcome="denied", address=address,
                         details={"reason": "token missing or wrong" if expected_token else "no ARCHIVE_METRICS_TOKEN"})
            raise Forbidden("metrics are served to the loopback address, or with ARCHIVE_METRICS_TOKEN")
        return metrics.exposition(self._deployment_state())

    def _deployment_state(self):
        if self._state_registry is None:
            from prometheus_client import CollectorRegistry

            self._state_registry = CollectorRegistry()
            self._state_registry.register(metrics.DeploymentState(self))
        return self._state_registry

    def queue_state(self) -> tuple[int, float | None]:
        return self._queue().state()

    # ---- backups (archive.backup) ----------------------------------------------------------------

    def backup(self, actor: Principal, target: ObjectStore, destination: str,
               progress: Callable[[int], None] | None = None, *, full: bool = False) -> BackupReport:
        from archive.backup import back_up

        with self._audited(actor, "backup", target=destination[:200], details={"full": full}) as noted:
            require(actor, Action.MAINTAIN)
            with storage_errors(f"copying to {destination}"):
                report = back_up(self.service.store, target, self.users.path, destination, progress, full=full)
            noted.update(objects=report.objects, copied=report.copied, bytes_copied=report.bytes_copied,
                         problems=len(report.problems))
            return report

    def verify_backup(self, actor: Principal, target: ObjectStore, destination: str,
                      progress: Callable[[int], None] | None = None) -> VerifyBackupReport:
        from archive.backup import verify_backup

        with self._audited(actor, "backup_verify", target=destination[:200]) as noted:
            require(actor, Action.MAINTAIN)
            with storage_errors(f"reading the backup at {destination}"):
                report = verify_backup(target, destination, progress)
            noted.update(checked=report.checked, ok=report.ok)
            return report

    def restore(self, actor: Principal, source: ObjectStore, origin: str,
                progress: Callable[[int], None] | None = None) -> RestoreReport:
        """A backup into this (empty) deployment; its search index is then rebuilt with `reindex`."""
        from archive.backup import ensure_empty, restore

        with self._audited(actor, "restore", target=origin[:200]) as noted:
            require(actor, Action.MAINTAIN)
            with storage_errors(f"copying from {origin}"):
                ensure_empty(self.service.store, self.users.path)
                report = restore(source, self.service.store, self.users.path, origin, progress)
            noted.update(restored=report.restored, bytes_restored=report.bytes_restored, problems=len(report.problems))
            return report

    def close(self) -> None:
        self.audit.close()
        self.users.close()
        self.service.close()


def _check_password(password: str) -> None:
    """The same rule when a person is added with a password as when one is set later."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


def _audit_write_failed(exc: StorageError, action: str | None) -> BackendUnavailable:
    metrics.AUDIT_WRITE_FAILURES.inc()
    log.error("audit write failed: the action is refused", action=action, error=str(exc))
    return BackendUnavailable(f"the audit trail cannot be written, so nothing is done: {exc}")
