from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from archive.api.deps import IngestQueue, Service

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(service: Service, queue: IngestQueue) -> JSONResponse:
    status = {**service.readiness(), "queue": queue.readiness()}
    ready = all(value == "ok" for value in status.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", **status}, status_code=200 if ready else 503)
