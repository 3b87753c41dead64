"""Every HTTP request gets an id (the caller's `X-Request-ID` when it is a sane one, else a new one), bound to
every log line written while it is answered and sent back in the response; its time is observed per route
template (never the path itself: paths carry serial numbers and document ids) for /metrics."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive import logs, metrics

REQUEST_ID_HEADER = "x-request-id"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
log = structlog.get_logger("archive.request")


class RequestObservation:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                metrics.REQUEST_SECONDS.labels(method=scope["method"], route=template,
                                               status=f"{status // 100}xx").observe(seconds)
                if logs.request_lines:
                    log.info("request", method=scope["method"], route=template, status=status,
                             seconds=round(seconds, 4))
