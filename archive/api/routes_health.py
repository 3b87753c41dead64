from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from archive.api.auth import client_address
from archive.api.deps import IngestQueue, Service
from archive.api.openapi import PUBLIC_ERRORS, READINESS_RESPONSES

router = APIRouter(tags=["health"], responses=PUBLIC_ERRORS)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses=READINESS_RESPONSES)
def readyz(service: Service, queue: IngestQueue) -> JSONResponse:
    status = {**service.readiness(), "queue": queue.readiness()}
    ready = all(value == "ok" for value in status.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", **status}, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, 403: {}})
def metrics(request: Request) -> Response:
    """Prometheus exposition (no document content): on the loopback address as is, elsewhere with
    `Authorization: Bearer <ARCHIVE_METRICS_TOKEN>`."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    body = request.app.state.archive.metrics_text(client_address(request), token, request.app.state.settings.metrics_token)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
