"""Structured logs on stderr: stdout belongs to `--json` output.

`console` (the default) is for a person at a terminal. `json` (ARCHIVE_LOG_FORMAT=json) is for a log shipper:
one JSON object per line, from the archive's own loggers and from the libraries' (uvicorn, huey) alike, each
line of an HTTP request carrying its `request_id` (archive.api.observability binds it)."""

from __future__ import annotations

import logging
import sys

import structlog

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


# One `request` line per HTTP request, in JSON logs only (at a terminal, uvicorn's access line says it already).
request_lines = False
_format: str | None = None


def configured_format() -> str | None:
    """The format `configure_logging` set in this process, None before it ran: the pool processes take it too."""
    return _format


def configure_logging(level: int = logging.INFO, fmt: str = "console") -> None:
    global request_lines, _format
    request_lines = fmt == "json"
    _format = fmt
    if fmt != "json":
        structlog.configure(
            processors=[*_SHARED, structlog.dev.ConsoleRenderer(colors=False)],
            wrapper_class=structlog.make_filtering_bound_logger(level),
            logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
            cache_logger_on_first_use=True,
        )
        return
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.add_logger_name, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
    ))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # through the one handler above, as JSON
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
