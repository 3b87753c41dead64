"""What the archive counts for its operators, in Prometheus' terms. No label ever carries document content: routes
are templates (`/api/v1/documents/{document_id}`), failures are kinds (`corrupt`, `encrypted`), never file names.

Counters and histograms live in the process that does the work (`archive serve` with its embedded workers; an
`archive worker` serves its own with `--metrics-port`). What belongs to the deployment rather than to a process —
the queue's depth and age, the documents waiting for the index — is read when `/metrics` is asked."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from archive.models import IngestResult
    from archive.usecases import Archive

REGISTRY = CollectorRegistry(auto_describe=True)

INGEST_FILES = Counter("archive_ingest_files", "Files settled by ingest, by outcome and, for failures, their kind.",
                       ["outcome", "reason"], registry=REGISTRY)
INGEST_PAGES = Counter("archive_ingest_pages", "Pages of the files ingested (rate() of it: pages per second).",
                       registry=REGISTRY)
OCR_SECONDS = Histogram("archive_ocr_seconds_per_page", "Wall seconds spent reading one page image (OCR pages only).",
                        buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 180), registry=REGISTRY)
SEARCH_SECONDS = Histogram("archive_search_seconds", "Seconds a search took in the use case (API, pages, CLI).",
                           buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), registry=REGISTRY)
REQUEST_SECONDS = Histogram("archive_http_request_seconds", "Seconds to answer an HTTP request, by route template.",
                            ["method", "route", "status"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10), registry=REGISTRY)
AUDIT_WRITE_FAILURES = Counter("archive_audit_write_failures", "Audit entries that could not be written (the action "
                               "was refused).", registry=REGISTRY)

# Kinds of ingest failure, from the reasons ingest gives (ingest/errors.py, archive/queue.py): a bounded label.
_FAILURE_KINDS = (
    ("empty", re.compile(r"empty file")),
    ("unsupported_type", re.compile(r"(.*: )?unsupported file type")),
    ("encrypted", re.compile(r"the PDF is password-protected")),
    ("too_large", re.compile(r"[\d,]+ bytes, more than the limit|.*larger than the limit")),
    ("limit_exceeded", re.compile(r"[\d,]+ pages, more than|image too large|the page tree goes past")),
    ("corrupt", re.compile(r"unreadable|not a readable image|page \d+ cannot be|the PDF (has no page|is readable)")),
    ("ocr_failed", re.compile(r"OCR timed out|tesseract|Tesseract|no Tesseract")),
    ("backend_unavailable", re.compile(r"storage|index|stored, but|the staged copy")),
)


def failure_kind(error: str | None) -> str:
    for kind, pattern in _FAILURE_KINDS:
        if error and pattern.match(error):
            return kind
    return "other"


def observe_ingest(result: IngestResult) -> None:
    reason = failure_kind(result.error) if result.status == "failed" else ""
    INGEST_FILES.labels(outcome=result.status, reason=reason).inc()
    if result.status == "ingested" and result.document is not None:
        INGEST_PAGES.inc(result.document.page_count)
    for seconds in result.ocr_page_seconds:
        OCR_SECONDS.observe(seconds)


class DeploymentState(Collector):
    """Read at each scrape: the queue's depth and the age of its oldest file, the documents waiting for the index."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def collect(self) -> Iterable[GaugeMetricFamily]:
        pending = GaugeMetricFamily("archive_index_pending_documents",
                                    "Documents stored while the index was down, not yet indexed.")
        pending.add_metric([], len(self.archive.service.pending_index_ids()))
        yield pending
        if self.archive.queue is None:
            return
        depth, oldest = self.archive.queue_state()
        yield GaugeMetricFamily("archive_queue_depth", "Files queued and not yet taken by a worker.", value=depth)
        yield GaugeMetricFamily("archive_queue_oldest_age_seconds",
                                "Age of the oldest file still waiting in the queue (0 when none waits).",
                                value=max(time.time() - oldest, 0.0) if oldest is not None else 0.0)


def exposition(state: CollectorRegistry) -> bytes:
    """The process's metrics and the deployment's, in the Prometheus text format."""
    return generate_latest(REGISTRY) + generate_latest(state)
