"""The service layer: the one place that composes extraction, the object store and the index.

Write order is original → record → index, so a crash leaves at worst a stored, unindexed
record that `reindex` repairs; never an index entry without its record.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable, Iterable, Iterator

import structlog

from archive.equipment import build_equipment
from archive.manifest import Disagreement, ManifestRow, apply_manifest
from archive.errors import BackendUnavailable, InvalidRequest, NotFound, SerialNotFound
from archive.models import (
    ClassificationRequest,
    Document,
    DocumentText,
    Equipment,
    FieldRecord,
    FacetValue,
    IngestResult,
    LikelyDuplicate,
    ReviewItem,
    PageTextOut,
    SearchHitOut,
    SearchResponse,
    StoredRecord,
    VerifyReport,
)
from archive.records import (
    document_from_extraction,
    extraction_from_record,
    index_record,
    record_hash,
    record_problem,
    seal_record,
    serial_like_tokens,
    stored_record,
)
from archive.review import CORRECTABLE, apply_correction, uncertain_fields
from common.identifiers import lookalike_key, serial_key
from ingest.consensus import reconcile_serial
from ingest.errors import IngestError
from ingest.options import ExtractionOptions
from ingest.types import Extraction, FieldValue
from search.errors import IndexUnavailable, InvalidQuery
from search.ports import SearchIndex
from search.types import Access, PreparedRecord, SearchQuery, SerialMatch
from storage import layout
from storage.errors import IntegrityError, ObjectNotFound, StorageError, StorageUnavailable
from storage.ports import ObjectStore, durable_in_groups, make_durable, sweep_stray_temp_files

@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """The object store's errors as the service's: a missing object is NotFound, any other failure BackendUnavailable."""
    try:
        yield
    except ObjectNotFound as exc:
        raise NotFound(f"not found while {what}: {exc}") from exc
    except StorageError as exc:
        raise BackendUnavailable(f"storage failed while {what}: {exc}") from exc


@dataclass(frozen=True)
class ParsedIngest:
    result: IngestResult
    disagreements: list[Disagreement]  # where the manifest overrode what was read
    pages: int


# An OCR'd serial this unsure may snap to a near-miss serial that the archive already holds.
FUZZY_SNAP_BELOW = 0.9
RECOVERED_SERIAL_CONFIDENCE = 0.7  # found in the text without its label, but known to the archive
PAGE_IMAGE_WIDTH = 1240  # A4 at 150 dpi: sharp enough to read on screen

log = structlog.get_logger(__name__)


def _document_number_key(number: str | None) -> str:
    return "".join((number or "").split()).upper()


def _rescan_key(document: Document) -> tuple:
    """What a document shares with its rescans: serial, doc type, date and document number."""
    return (serial_key(document.serial_number or ""), document.doc_type, document.document_date,
            _document_number_key(document.document_number))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Records opened per spelling to find a text layer that prints it: an item's dossier holds a few text documents
# among its scans, and a serial shared by hundreds of scans must not cost hundreds of reads per scan ingested.
_PRINTED_LOOKUPS = 20


class _HeldForIndex:
    """Stored documents (and their results) waiting for one index commit, each already in the engine's form: built
    as each is stored, while the readers work, not all at the commit (at a batch's end, with nothing else to do)."""

    def __init__(self, index: SearchIndex, documents: int, seconds: float) -> None:
        self.index = index
        self.documents = documents
        self.seconds = seconds
        self.records: list[StoredRecord] = []
        self.prepared: list[PreparedRecord] = []
        self.results: list[IngestResult] = []
        self.by_rescan_key: dict[tuple, list[str]] = {}  # one lookup per document (a scan was quadratic)
        self.since = 0.0

    def hold(self, record: StoredRecord, result: IngestResult) -> None:
        prepared = self.index.prepare(index_record(record))
        if not self.records:
            self.since = time.monotonic()
        self.records.append(record)
        self.prepared.append(prepared)
        self.results.append(result)
        if record.document.serial_number:
            self.by_rescan_key.setdefault(_rescan_key(record.document), []).append(record.document.document_id)

    def full(self) -> bool:
        return len(self.records) >= self.documents or time.monotonic() - self.since >= self.seconds

    def take(self) -> tuple[list[StoredRecord], list[PreparedRecord], list[IngestResult]]:
        taken = self.records, self.prepared, self.results
        self.records, self.prepared, self.results = [], [], []
        self.by_rescan_key = {}
        return taken


class ArchiveService:
    def __init__(self, store: ObjectStore, index: SearchIndex, extraction: ExtractionOptions, *,
                 review_below: float = 0.6) -> None:
        self.store = store
        self.index = index
        self.extraction = extraction
        self.review_below = review_below  # fields less sure than this put the document on the review list
        self._pending_marked = False  # this process left documents unindexed: retry once the index answers
        self._sealed = threading.local()  # the seal of the record each thread stored last
        self._held = threading.local()  # a batch's stored documents waiting for one index commit (`index_in_groups`)

    @property
    def last_record_hash(self) -> str | None:
        """The `record_hash` of the record this thread stored last (by `store_extraction`, `correct` or
        `reconfirm_serial`), for the audit entry of that action; None before any."""
        return getattr(self._sealed, "record_hash", None)

    def _put_record(self, record: StoredRecord) -> None:
        """Store a sealed record under its document; may raise StorageError."""
        self.store.put(layout.record_key(record.document.document_id), record.model_dump_json().encode(),
                       content_type="application/json")
        self._sealed.record_hash = record.record_hash

    # ---- ingest -------------------------------------------------------------------------

    def is_stored(self, sha256: str) -> bool:
        try:
            return self.store.exists(layout.record_key(sha256))
        except StorageError as exc:
            raise BackendUnavailable(f"storage failed: {exc}") from exc

    def ingest_bytes(self, data: bytes, filename: str, *, path: str | None = None) -> IngestResult:
        """Extract in this process and store (tests, tools). Batches, queue workers and uploads parse in
        isolated processes and hand the parse to `ingest_parsed` through the use case `Archive.ingest_file`."""
        sha = sha256_hex(data)
        if self.is_stored(sha):
            return IngestResult(path=path or filename, status="duplicate", document_id=sha, sha256=sha)
        from ingest.pipeline import extract  # the readers: imported by the processes that read (archive.isolation)

        try:
            parsed: Extraction | str = extract(data, self.extraction)
        except IngestError as exc:
            parsed = str(exc)
        return self.ingest_parsed(data, filename, parsed, path=path).result

    def ingest_parsed(self, data: bytes, filename: str, parsed: Extraction | str, row: ManifestRow | None = None, *,
                      path: str | None = None, before_store: Callable[[], None] | None = None,
                      sha256: str | None = None) -> ParsedIngest:
        """The one home of ingesting a parsed file, whoever parsed it: a parse that failed (its reason) is a
        recorded failure; a manifest row's values win over what was read (the differences are returned);
        then original, record and index are stored. `before_store` runs just before anything is written.
        `sha256`: the caller's hash of these very bytes, when it has one (a batch hashed them to find duplicates)."""
        name = path or filename
        sha256 = sha256 or sha256_hex(data)
        if isinstance(parsed, str):
            return ParsedIngest(IngestResult(path=name, status="failed", sha256=sha256, error=parsed), [], 0)
        disagreements: list[Disagreement] = []
        if row is not None:
            parsed, disagreements = apply_manifest(parsed, row, name)
        if before_store is not None:
            before_store()
        result = self.store_extraction(data, filename, parsed, path=path, sha256=sha256)
        return ParsedIngest(result, disagreements if result.status == "ingested" else [], parsed.page_count)

    def store_extraction(self, data: bytes, filename: str, extraction: Extraction, *, path: str | None = None,
                         sha256: str | None = None) -> IngestResult:
        """Original, then record, then index. Storage down fails the file and indexes nothing; the index
        down leaves the document stored and marked pending, indexed as soon as the index answers again."""
        sha = sha256 or sha256_hex(data)
        if self.is_stored(sha):
            return IngestResult(path=path or filename, status="duplicate", document_id=sha, sha256=sha)
        try:
            extraction = self._confirm_serial(extraction)
        except IndexUnavailable:
            pass  # confirmation needs the index; the pending re-index confirms the serial later
        document = document_from_extraction(extraction, sha256=sha, filename=filename, size_bytes=len(data))
        document.likely_duplicate_of = self._likely_duplicates_of(document)
        record = seal_record(stored_record(document, extraction), None)
        try:
            # Markers first: a crash after one leaves a harmless marker, never an unlisted document.
            if document.likely_duplicate_of:
                self.store.put(layout.likely_duplicate_key(sha), b"", content_type="text/plain")
            if uncertain_fields(document, self.review_below):
                self.store.put(layout.review_key(sha), b"", content_type="text/plain")
            # Write-ahead: until the index has the document, it is listed as pending, so a crash
            # between record and index leaves it to be indexed by the next run, not forgotten.
            self.store.put(layout.index_pending_key(sha), b"", content_type="text/plain")
            if not self.store.exists(layout.original_key(sha)):
                self.store.put(layout.original_key(sha), data, content_type=extraction.content_type)
            self._put_record(record)
        except StorageError as exc:
            raise BackendUnavailable(f"storage failed: {exc}") from exc
        ingested = IngestResult(path=path or filename, status="ingested", document_id=sha, sha256=sha, document=document,
                                record_hash=record.record_hash,
                                ocr_page_seconds=[p.seconds for p in extraction.pages if p.source == "ocr" and p.seconds])
        held = getattr(self._held, "group", None)
        if held is not None:
            held.hold(record, ingested)
            if held.full():
                self.commit_held()
            return ingested
        try:
            self.index.add([index_record(record)])
        except IndexUnavailable as exc:
            self._mark_index_pending(sha, exc)
            ingested.index_pending = True
            return ingested
        self._unmark_index_pending(sha)
        if self._pending_marked:
            self.retry_pending()  # the index is back: catch up on what it missed
        return ingested

    # ---- index commits in groups (batches) ------------------------------------------------------

    @contextmanager
    def index_in_groups(self, documents: int = 500, seconds: float = 5.0) -> Iterator[None]:
        """Within this block (one thread), documents stored are indexed together, one commit per `documents` or
        `seconds`, and once more at the end: a Tantivy commit costs some 75 ms of CPU and holds up the storing thread
        (337 text PDFs in groups of 100 took 0.2 s more CPU than in one), while the results, the journal's marks and
        the audit entries wait for it. Each waits under its write-ahead pending mark, so a crash leaves it for the
        next run's pending pass; lookups made while storing (likely duplicates) also see the documents held; serial
        confirmation of a scan commits them first. The group's writes are made durable together just before its
        commit (`storage.ports.durable_in_groups`): a power cut inside a group may take back a pending mark with the
        rest, which the batch's rerun makes good (`BatchIngest` indexes again what its interrupted run stored)."""
        with durable_in_groups(self.store):  # the group's writes are made durable at once, before its commit
            self._held.group = _HeldForIndex(self.index, documents, seconds)
            try:
                yield
            finally:
                try:
                    self.commit_held()
                finally:
                    self._held.group = None

    def commit_held(self) -> None:
        """Index the documents held by `index_in_groups` in one commit; if the index does not answer they stay
        pending (marked, and their results say so) and are retried like any pending document."""
        held = getattr(self._held, "group", None)
        if held is None or not held.records:
            return
        records, prepared, results = held.take()
        asked = False

        def durable_first() -> None:
            nonlocal asked
            asked = True
            self.make_durable()

        try:
            # The index never lists a document a power cut could take back: the group's writes are made durable
            # before the commit, while the engine indexes the documents (some 40 ms each at a batch's end).
            self.index.add(prepared, before_commit=durable_first)
        except Exception as exc:
            if not asked:
                self.make_durable()  # the engine failed before it asked: the documents stay stored, and pending
            if not isinstance(exc, IndexUnavailable):
                raise
            self._pending_marked = True
            for result in results:
                result.index_pending = True
            log.warning("index unavailable: documents stored and left pending", documents=len(records), error=str(exc))
            return
        for record in records:
            self._unmark_index_pending(record.document.document_id)
        if self._pending_marked:
            self.retry_pending()

    def sweep_stray_temp_files(self) -> int:
        """The temp files an interrupted batch's killed process left (its group's writes never named) removed."""
        removed = sweep_stray_temp_files(self.store)
        if removed:
            log.info("temp files of an interrupted run removed", files=removed)
        return removed

    def make_durable(self) -> None:
        """What this thread stored inside `index_in_groups` so far survives a power cut from now on."""
        try:
            make_durable(self.store)
        except StorageError as exc:
            raise BackendUnavailable(f"storage failed: {exc}") from exc

    def index_again(self, document_id: str) -> None:
        """Index a stored document once more (the index replaces its entry): for one a killed batch stored, which
        may have missed its group's commit. Held with the group when there is one."""
        record = self.record(document_id)
        held = getattr(self._held, "group", None)
        if held is not None:
            held.hold(record, IngestResult(path=document_id, status="ingested", document_id=document_id, sha256=document_id))
            return
        try:
            self.index.add([index_record(record)])
        except IndexUnavailable as exc:
            self._mark_index_pending(document_id, exc)

    def held_for_index(self) -> int:
        """How many stored documents this thread holds for the next group commit."""
        held = getattr(self._held, "group", None)
        return len(held.records) if held is not None else 0

    def _held_rescans_of(self, document: Document) -> list[str]:
        """Documents this thread holds for the next group commit that share the document's rescan key."""
        held = getattr(self._held, "group", None)
        return held.by_rescan_key.get(_rescan_key(document), []) if held is not None else []

    # ---- files staged for queue workers -------------------------------------------------------

    def stage(self, sha256: str, data: bytes, name: str) -> None:
        with storage_errors(f"staging {name}"):
            self.store.put(layout.incoming_key(sha256), data)

    def staged(self, sha256: str) -> bytes:
        with storage_errors("fetching a staged file"):
            return self.store.get(layout.incoming_key(sha256))

    def is_staged(self, sha256: str) -> bool:
        with storage_errors("looking for a staged file"):
            return self.store.exists(layout.incoming_key(sha256))

    def unstage(self, sha256: str) -> None:
        with storage_errors("removing a staged file"):
            self.store.delete(layout.incoming_key(sha256))

    # ---- likely duplicates (rescans) ----------------------------------------------------------

    def _likely_duplicates_of(self, document: Document) -> list[str]:
        """Stored documents with the same serial, doc type, date and document number."""
        if not (document.serial_number and document.document_date and document.document_number) or document.doc_type == "other":
            return []
        query = SearchQuery(serial=document.serial_number, doc_type=document.doc_type, date_from=document.document_date,
                            date_to=document.document_date, limit=50, facets=())
        try:
            hits = self.index.search(query).hits
        except IndexUnavailable:
            return []  # cannot tell without the index; the document is stored unflagged
        number = _document_number_key(document.document_number)
        found = [other_id for other_id in self._held_rescans_of(document)  # stored by this batch, not yet committed
                 if other_id != document.document_id]
        for hit in hits:
            try:
                other = self.document(hit.document_id)
            except NotFound:
                continue
            if other.document_id != document.document_id and _document_number_key(other.document_number) == number:
                found.append(other.document_id)
        return sorted(set(found))

    def _marked_documents(self, prefix: str, visible: Callable[[Document], bool] | None = None) -> Iterator[Document]:
        for key in self.store.list(prefix):
            try:
                document = self.document(layout.document_id_from_marker_key(key))
            except NotFound:
                continue  # a marker written just before a crash: the document itself never landed
            if visible is None or visible(document):
                yield document

    def likely_duplicates(self, visible: Callable[[Document], bool] | None = None) -> list[LikelyDuplicate]:
        """Documents flagged as rescans; with `visible`, only those it allows, naming only originals it allows."""
        listed = []
        for document in self._marked_documents(layout.LIKELY_DUPLICATES, visible):
            entry = LikelyDuplicate(**document.model_dump(include=set(LikelyDuplicate.model_fields)))
            if visible is not None:
                entry.likely_duplicate_of = [other for other in entry.likely_duplicate_of if self._visible(other, visible)]
            listed.append(entry)
        return sorted(listed, key=lambda entry: (entry.serial_number or "", entry.document_date or date.min, entry.document_id))

    # ---- review of uncertain fields ---------------------------------------------------------

    def _visible(self, document_id: str, visible: Callable[[Document], bool]) -> bool:
        try:
            return visible(self.document(document_id))
        except NotFound:
            return False

    def review_list(self, visible: Callable[[Document], bool] | None = None) -> list[ReviewItem]:
        items = []
        for document in self._marked_documents(layout.REVIEW, visible):
            uncertain = uncertain_fields(document, self.review_below)
            if uncertain:
                items.append(ReviewItem(document_id=document.document_id, filename=document.filename,
                                        doc_type=document.doc_type, serial_number=document.serial_number,
                                        uncertain=uncertain))
        return sorted(items, key=lambda item: (item.serial_number or "", item.filename))

    def correct(self, document_id: str, changes: dict, *, by: str, note: str | None = None,
                correctable: frozenset[str] = CORRECTABLE) -> Document:
        """A reviewer's correction: the old record is kept as a version, the new one stored and indexed."""
        record = self.record(document_id)
        corrected = apply_correction(record.document, changes, by=by, note=note, correctable=correctable)
        if corrected is record.document:
            return corrected
        try:
            self.store.put(layout.record_version_key(document_id, record.document.version),
                           record.model_dump_json().encode(), content_type="application/json")
            new_record = seal_record(record.model_copy(update={"document": corrected}), record)
            self._put_record(new_record)
            if not uncertain_fields(corrected, self.review_below):
                self.store.delete(layout.review_key(document_id))
        except StorageError as exc:
            raise BackendUnavailable(f"storage failed: {exc}") from exc
        try:
            self.index.add([index_record(new_record)])
        except IndexUnavailable as exc:
            self._mark_index_pending(document_id, exc)
        return corrected

    def document_version(self, document_id: str, version: int) -> Document:
        current = self.document(document_id)
        if version == current.version:
            return current
        try:
            raw = self.store.get(layout.record_version_key(document_id, version))
        except ObjectNotFound as exc:
            raise NotFound(f"document {document_id} has no version {version} (current: {current.version})") from exc
        return StoredRecord.model_validate_json(raw).document

    # ---- classification changes waiting for a second records officer ----------------------------

    def put_classification_request(self, request: ClassificationRequest) -> None:
        with storage_errors("storing a classification request"):
            self.store.put(layout.classification_request_key(request.request_id), request.model_dump_json().encode(),
                           content_type="application/json")

    def classification_request(self, request_id: str) -> ClassificationRequest:
        try:
            with storage_errors("reading a classification request"):
                raw = self.store.get(layout.classification_request_key(request_id))
        except (NotFound, ValueError) as exc:
            raise NotFound(f"no classification request {request_id}") from exc
        return ClassificationRequest.model_validate_json(raw)

    def classification_requests(self) -> list[ClassificationRequest]:
        found = [self.classification_request(layout.classification_request_id(key))
                 for key in self.store.list(layout.CLASSIFICATION_REQUESTS)]
        return sorted(found, key=lambda request: request.requested_at)

    def delete_classification_request(self, request_id: str) -> None:
        with storage_errors("removing a classification request"):
            self.store.delete(layout.classification_request_key(request_id))

    # ---- documents the index missed ---------------------------------------------------------

    def _mark_index_pending(self, document_id: str, cause: Exception) -> None:
        try:
            self.store.put(layout.index_pending_key(document_id), str(cause).encode(), content_type="text/plain")
        except StorageError as exc:
            raise BackendUnavailable(f"stored, but neither the index nor the pending list answered: {exc}") from exc
        self._pending_marked = True
        log.warning("index unavailable: document stored and marked pending", document_id=document_id, error=str(cause))

    def _unmark_index_pending(self, document_id: str) -> None:
        try:
            self.store.delete(layout.index_pending_key(document_id))
        except StorageError as exc:  # indexed twice later at worst
            log.warning("could not clear the pending mark", document_id=document_id, error=str(exc))

    def pending_index_ids(self) -> list[str]:
        return [layout.document_id_from_marker_key(key) for key in self.store.list(layout.INDEX_PENDING)]

    def index_pending(self, progress: Callable[[int], None] | None = None, batch_size: int = 200) -> int:
        """Index the documents stored while the index was down; each loses its mark once indexed."""
        done = 0
        ids = self.pending_index_ids()
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            records = []
            for document_id in chunk:
                try:
                    records.append(self._reconfirmed_record(document_id))
                except NotFound:
                    pass  # the mark outlived its record: nothing to index
            try:
                self.index.add([index_record(record) for record in records])
            except IndexUnavailable as exc:
                raise BackendUnavailable(f"the index is still unavailable; {len(ids) - done} documents wait: {exc}") from exc
            for document_id in chunk:
                self.store.delete(layout.index_pending_key(document_id))
            done += len(chunk)
            if progress:
                progress(done)
        self._pending_marked = False
        return done

    def _reconfirmed_record(self, document_id: str) -> StoredRecord:
        # The serial confirmation was skipped while the index was down.
        try:
            self.reconfirm_serial(document_id)
        except IndexUnavailable:
            pass
        return self.record(document_id)

    def retry_pending(self) -> int:
        """Index what waits, if the index answers; how many documents still wait. Never raises."""
        try:
            self.index_pending()
            return 0
        except (BackendUnavailable, StorageError) as exc:
            log.warning("pending documents not indexed yet", error=str(exc))
        try:
            return len(self.pending_index_ids())
        except StorageError:
            return -1

    def _confirm_serial(self, extraction: Extraction, own_id: str | None = None) -> Extraction:
        """An OCR'd serial that the archive already holds in a look-alike or near-miss form snaps to it;
        when OCR lost the label, a serial the archive knows that stands anywhere in the text is taken."""
        if extraction.text_source == "text":
            return extraction
        found = extraction.fields.get("serial_number")
        if found is not None and found.source in ("manifest", "corrected"):
            return extraction  # a person said so: nothing to confirm
        self.commit_held()  # a scan's serial is weighed against every document before it
        if found is None or not isinstance(found.value, str):
            recovered = self._known_serial_in_text(extraction)
            if recovered is None:
                return extraction
            return replace(extraction, fields={**extraction.fields, "serial_number": recovered})
        matches = self._serial_candidates(found.value, own_id)
        candidates = [match.serial_number for match in matches]
        confirmed = reconcile_serial(found.value, candidates, *self._vouched(matches, found.value)) if candidates else None
        if confirmed is None:
            return extraction
        value, confidence = confirmed
        if value != found.value and confidence < 0.9 and found.confidence >= FUZZY_SNAP_BELOW:
            return extraction  # a clean read one character off is more likely a different item
        fields = {**extraction.fields, "serial_number": FieldValue(value, max(confidence, found.confidence), found.page, "confirmed")}
        return replace(extraction, fields=fields)

    def _serial_candidates(self, value: str, own_id: str | None) -> list[str]:
        """Serials other documents carry that `value` may stand for. The index answers only its best tier, so the
        document itself is left out, and the exact spelling is asked for among the look-alikes: its own misread
        serial ("K2-82-49", the Z read as 2), or another document's same misreading, would be the exact match
        hiding the look-alike its item's other documents print ("KZ-82-49")."""
        return list(self.index.find_serial(value, excluding=own_id, exact_apart=False))

    def _vouched(self, matches: Iterable[SerialMatch], value: str) -> tuple[list[str], list[str]]:
        """The spellings other than `value` that a document's text layer (or a person) gives, and those that at least
        as many documents carry as carry `value` (the reading's own document counted): what OCR read on one of the
        item's other scans may be misread as much as `value` is."""
        matches = list(matches)
        key = serial_key(value)
        own = 1 + sum(len(match.document_ids) for match in matches if serial_key(match.serial_number) == key)
        printed, outnumbering = [], []
        look = lookalike_key(value)
        for match in matches:
            if serial_key(match.serial_number) == key or lookalike_key(match.serial_number) != look:
                continue  # the reading's own spelling, or a near miss no letter rule weighs
            if len(match.document_ids) >= own:
                outnumbering.append(match.serial_number)
            for document_id in match.document_ids[:_PRINTED_LOOKUPS]:
                try:
                    document = self.document(document_id)
                except NotFound:
                    continue
                field = document.fields.get("serial_number")
                if document.text_source == "text" or (field is not None and field.source in ("manifest", "corrected")):
                    printed.append(match.serial_number)
                    break
        return printed, outnumbering

    def _known_serial_in_text(self, extraction: Extraction) -> FieldValue | None:
        for page in extraction.pages:
            for token in serial_like_tokens(page.text):
                matches = [m for m in self.index.find_serial(token) if m.match in ("exact", "lookalike")]
                if len(matches) == 1:
                    return FieldValue(matches[0].serial_number, RECOVERED_SERIAL_CONFIDENCE, page.number, "confirmed")
        return None

    def reconfirm_serial(self, document_id: str) -> bool:
        """Run serial confirmation again on a stored OCR document (serials learnt later in the batch)."""
        record = self.record(document_id)
        document = record.document
        if document.text_source == "text":
            return False
        extraction = extraction_from_record(record)
        confirmed = self._confirm_serial(extraction, own_id=document_id)
        found = confirmed.fields.get("serial_number")
        if found is None or found.value == document.serial_number:
            return False
        field = FieldRecord(value=found.value, confidence=round(found.confidence, 3), page=found.page, source=found.source)
        updated = document.model_copy(update={"serial_number": found.value, "fields": {**document.fields, "serial_number": field}})
        # The same version re-sealed: its link to the previous version (if any) stays.
        record = seal_record(record.model_copy(update={"document": updated}), self._previous_version(record))
        self._put_record(record)
        self.index.add([index_record(record)])
        return True

    def _previous_version(self, record: StoredRecord) -> StoredRecord | None:
        """The kept record of the version before this one; None for version 1 (or when it is not kept)."""
        version = record.document.version
        if version <= 1:
            return None
        try:
            return StoredRecord.model_validate_json(
                self.store.get(layout.record_version_key(record.document.document_id, version - 1)))
        except ObjectNotFound:
            return None

    # ---- reading ------------------------------------------------------------------------

    def record(self, document_id: str) -> StoredRecord:
        try:
            raw = self.store.get(layout.record_key(document_id))
        except ObjectNotFound as exc:
            raise NotFound(f"no document {document_id}") from exc
        except StorageUnavailable as exc:
            raise BackendUnavailable(str(exc)) from exc
        return StoredRecord.model_validate_json(raw)

    def document(self, document_id: str) -> Document:
        return self.record(document_id).document

    def document_ids_starting(self, prefix: str) -> list[str]:
        """Stored document ids that begin with `prefix` (at least two characters: records are filed by them)."""
        with storage_errors("list records"):
            keys = list(self.store.list(layout.records_folder(prefix)))
        ids = (layout.document_id_from_record_key(key) for key in keys if key.endswith(".json"))
        return sorted(document_id for document_id in ids if document_id.startswith(prefix))

    def document_text(self, document_id: str) -> DocumentText:
        record = self.record(document_id)
        pages = [
            PageTextOut(number=page.number, source=page.source, text=text)
            for page, text in zip(record.document.pages, record.page_texts)
        ]
        return DocumentText(document_id=document_id, pages=pages)

    def original(self, document_id: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The original's bytes `start`..`end`, hashed against its SHA-256 as they are read (`archive.fixity`)."""
        from archive.fixity import verified_original

        document = self.document(document_id)
        return verified_original(self.store, layout.original_key(document.sha256), sha256=document.sha256,
                                 size=document.size_bytes, document_id=document_id, start=start, end=end)

    def page_png(self, document_id: str, page: int, width: int | None = None) -> bytes:
        from archive.page_images import render_page_png, thumbnail_png

        document = self.document(document_id)
        if not 1 <= page <= document.page_count:
            raise NotFound(f"document {document_id} has pages 1..{document.page_count}")
        key = layout.page_image_key(document_id, page)
        try:
            full = self.store.get(key)
        except ObjectNotFound:
            original = self.store.get(layout.original_key(document.sha256))
            full = render_page_png(original, document.content_type, page, PAGE_IMAGE_WIDTH)
            self.store.put(key, full, content_type="image/png")
        return thumbnail_png(full, width) if width else full

    # ---- search and equipment -----------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResponse:
        if query.limit < 1 or query.limit > 500:
            raise InvalidRequest("limit must be between 1 and 500")
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise InvalidRequest("date_from is after date_to")
        try:
            page = self.index.search(query)
        except InvalidQuery as exc:
            raise InvalidRequest(str(exc)) from exc
        except IndexUnavailable as exc:
            raise BackendUnavailable(str(exc)) from exc
        return SearchResponse(
            total=page.total,
            hits=[
                SearchHitOut(
                    document_id=hit.document_id, serial_number=hit.serial_number, doc_type=hit.doc_type,
                    document_date=hit.document_date, designation=hit.designation, unit=hit.unit,
                    title=hit.title, score=round(hit.score, 4), highlights=list(hit.highlights),
                )
                for hit in page.hits
            ],
            facets={name: [FacetValue(value=f.value, count=f.count) for f in counts] for name, counts in page.facets.items()},
            next_cursor=page.next_cursor,
        )

    def equipment(self, serial: str, access: Access | None = None,
                  visible: Callable[[Document], bool] | None = None) -> Equipment:
        """The item and the documents of its dossier that `access` allows; unknown to it when it allows none.

        The serial must match exactly after normalisation (`serial_key`: case, spaces, dashes); otherwise
        `SerialNotFound` names the close serials (OCR look-alikes, one edit away) as candidates, so that a
        mistyped serial never answers with another item's dossier."""
        if not serial.strip():
            raise InvalidRequest("empty serial number")
        try:
            matches = self.index.find_serial(serial, access)
        except IndexUnavailable as exc:
            raise BackendUnavailable(str(exc)) from exc
        exact = [m for m in matches if m.match == "exact"]
        if not exact:
            # The message stays the same whatever is close (an item hidden from the caller must read as unknown);
            # the candidates, all among what the caller may see, travel beside it.
            raise SerialNotFound(f"no equipment with serial number {serial}", sorted({m.serial_number for m in matches}))
        # The same key under several spellings ("KB-15-84", "KB 1584") is one item.
        best = max(exact, key=lambda m: len(m.document_ids))
        document_ids = list(dict.fromkeys(doc_id for m in exact for doc_id in m.document_ids))
        documents = [self.document(document_id) for document_id in document_ids]
        if visible is not None:  # the stored records have the last word where the index lags behind a change
            documents = [document for document in documents if visible(document)]
            if not documents:
                raise SerialNotFound(f"no equipment with serial number {serial}", [])
        return build_equipment(best.serial_number, documents, matched_by=best.match)

    def export(self, serial: str, access: Access | None = None,
               visible: Callable[[Document], bool] | None = None) -> tuple[str, bytes]:
        """The dossier as a zip: originals, records, the equipment view and a SHA-256 manifest."""
        item = self.equipment(serial, access, visible)
        buffer = io.BytesIO()
        manifest: list[str] = []
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            def add(name: str, data: bytes) -> None:
                bundle.writestr(name, data)
                manifest.append(f"{sha256_hex(data)}  {name}")

            add("equipment.json", item.model_dump_json(indent=2).encode())
            for summary in item.documents:
                record = self.record(summary.document_id)
                original = self.store.get(layout.original_key(record.document.sha256))
                if sha256_hex(original) != record.document.sha256:
                    raise BackendUnavailable(f"stored original of {summary.document_id} fails its checksum")
                stem = f"{(summary.document_date or '0000-00-00')}_{summary.doc_type}_{summary.document_id[:12]}"
                add(f"documents/{stem}/{record.document.filename}", original)
                add(f"documents/{stem}/record.json", record.document.model_dump_json(indent=2).encode())
                add(f"documents/{stem}/text.txt", "\n\f\n".join(record.page_texts).encode())
            bundle.writestr("manifest-sha256.txt", "\n".join(manifest) + "\n")
        filename = f"dossier-{item.serial_number}.zip"
        return filename, buffer.getvalue()

    # ---- maintenance --------------------------------------------------------------------

    def iter_records(self) -> Iterator[StoredRecord]:
        for key in self.store.list(layout.RECORDS):
            if key.endswith(".json"):
                yield StoredRecord.model_validate_json(self.store.get(key))

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the index from storage alone; searches keep answering from the old index meanwhile."""
        waiting = set(self.pending_index_ids())
        count = self.index.rebuild((index_record(record) for record in self.iter_records()), progress)
        for document_id in waiting:  # only marks older than the rebuild: their records were read
            self._unmark_index_pending(document_id)
        self._pending_marked = False
        return count

    def verify(self, progress: Callable[[int], None] | None = None) -> VerifyReport:
        """Re-hash every original that a record points to (fixity), and check each record against its
        seal and the chain of its earlier versions (tampering)."""
        checked, ok, mismatched, missing = 0, 0, [], []
        tampered: dict[str, list[str]] = {}
        unsealed = 0
        for key, record, problems in self._records_with_seal_problems():
            if problems:
                tampered[layout.document_id_from_record_key(key)] = problems
            if record is None:
                continue
            if record.record_hash is None:
                unsealed += 1
            sha = record.document.sha256
            checked += 1
            try:
                digest = hashlib.sha256()
                for chunk in self.store.open_range(layout.original_key(sha)):
                    digest.update(chunk)
            except ObjectNotFound:
                missing.append(record.document.document_id)
                continue
            except IntegrityError:  # a store that checks its own digest noticed first
                mismatched.append(record.document.document_id)
                continue
            if digest.hexdigest() == sha:
                ok += 1
            else:
                mismatched.append(record.document.document_id)
            if progress:
                progress(checked)
        return VerifyReport(checked=checked, ok=ok, mismatched=mismatched, missing=missing,
                            tampered=sorted(tampered), tamper_details=tampered, unsealed=unsealed)

    def _records_with_seal_problems(self) -> Iterator[tuple[str, StoredRecord | None, list[str]]]:
        """Each record key, its record (None when unreadable) and what is wrong with its seal or versions."""
        for key in self.store.list(layout.RECORDS):
            if not key.endswith(".json"):
                continue
            try:
                record = StoredRecord.model_validate_json(self.store.get(key))
            except ObjectNotFound:
                continue  # removed since it was listed
            except ValueError as exc:
                yield key, None, [f"not a valid record: {str(exc).splitlines()[0]}"]
                continue
            problems = self._seal_problems(record)
            if record.document.document_id != layout.document_id_from_record_key(key):
                problems.insert(0, f"the record of document {record.document.document_id} is stored under {key}")
            yield key, record, problems

    def _seal_problems(self, record: StoredRecord) -> list[str]:
        """What is wrong with a sealed record and the chain of its kept earlier versions ([] when it was never sealed)."""
        problems = []
        document_id = record.document.document_id
        current = record
        while current.record_hash is not None:
            problem = record_problem(current)
            if problem:
                problems.append(problem)
            version = current.document.version
            if version <= 1:
                break
            if current.previous_record_hash is None:
                problems.append(f"version {version}: sealed without a link to version {version - 1}")
                break
            key = layout.record_version_key(document_id, version - 1)
            try:
                previous = StoredRecord.model_validate_json(self.store.get(key))
            except ObjectNotFound:
                problems.append(f"version {version - 1}: missing ({key}), version {version} links to it")
                break
            except ValueError as exc:
                problems.append(f"version {version - 1}: not a valid record ({key}): {str(exc).splitlines()[0]}")
                break
            if previous.document.version != version - 1 or record_hash(previous) != current.previous_record_hash:
                problems.append(f"version {version}: does not link to the stored version {version - 1} ({key})")
            current = previous
        return problems

    def readiness(self) -> dict[str, str]:
        status = {}
        for name, check in (("storage", self.store.ping), ("index", self.index.ping)):
            try:
                check()
                status[name] = "ok"
            except Exception as exc:  # readiness reports, it never raises
                status[name] = f"unavailable: {exc}"
        return status

    def close(self) -> None:
        self.index.close()
        self.store.close()

