from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

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
