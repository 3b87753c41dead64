"""The FastAPI application factory. Services are built once per app and kept on `app.state`."""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.api import routes_auth, routes_documents, routes_health, routes_ingest, routes_search
from archive.api.routes_documents import RangeNotSatisfiable
from archive.api.security import install_security
from archive.bootstrap import build_archive
from archive.config import Settings
from archive.errors import BackendUnavailable, Forbidden, InvalidRequest, NotConfigured, NotFound, Unauthenticated
from archive.queue import QueueWorker, consumer
from archive.logs import configure_logging
from archive.service import ArchiveService
from archive.usecases import Archive

log = logging.getLogger("archive.api")


def create_app(settings: Settings | None = None, service: ArchiveService | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(fmt=settings.log_format)
    app = FastAPI(
        lifespan=_lifespan,
        title="Technical-equipment records archive",
        version="0.1.0",
        description="Scanned dossiers of military technical equipment: search, dossiers by serial number, originals.",
        docs_url=None, redoc_url=None,  # /docs is served from the package by install_security (no CDN)
    )
    app.state.settings = settings
    archive = build_archive(settings, service)
    _refuse_to_serve_nobody(settings, archive)
    app.state.archive = archive
    app.state.service = archive.service
    app.state.queue = archive.queue
    for module in (routes_health, routes_auth, routes_search, routes_documents, routes_ingest):
        app.include_router(module.router)
    app.include_router(routes_documents.classification_router)
    if settings.oidc_issuer:
        from archive.api import routes_oidc

        app.include_router(routes_oidc.router)
    _install_pages(app)
    _install_error_handlers(app)
    install_security(app, settings)
    _install_observation(app)
    return app


def _install_observation(app: FastAPI) -> None:
    """Outermost of all: refused requests are timed and carry their id too."""
    from archive.api.observability import RequestObservation

    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: RequestObservation(build_stack())  # type: ignore[method-assign]


def _install_pages(app: FastAPI) -> None:
    """The web pages and their assets (vendored into the package: nothing is fetched from elsewhere)."""
    from fastapi.staticfiles import StaticFiles

    from archive.web.pages import STATIC_DIR, SignInFirst, router, sign_in_first

    app.include_router(router)
    app.add_exception_handler(SignInFirst, sign_in_first)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _refuse_to_serve_nobody(settings: Settings, archive: Archive) -> None:
    """Secure by default: with no user to sign in (and no OpenID Connect), nobody could, so nobody is served;
    with ARCHIVE_AUTH=off everybody is, and the log says so at every start."""
    if settings.auth == "off":
        log.warning("ARCHIVE_AUTH=off: EVERY CLIENT THAT REACHES THIS SERVER READS, CHANGES AND EXPORTS EVERY DOCUMENT"
                    " OF EVERY CLASSIFICATION, unidentified. Never serve it like this on a network.")
        return
    if not settings.oidc_issuer and archive.users.count_active() == 0:
        archive.close()
        raise NotConfigured(
            "no user can sign in: add one first (`archive users add NAME --role records_officer --clearance top_secret"
            " --password-stdin`), configure OpenID Connect (ARCHIVE_OIDC_ISSUER), or set ARCHIVE_AUTH=off to serve"
            " without users (everyone reads everything)")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    retry = asyncio.create_task(_retry_pending_forever(app.state.service, settings.index_retry_s))
    workers = settings.serve_workers if settings.serve_workers >= 0 else (0 if settings.queue == "redis" else os.cpu_count() or 1)
    worker = embedded = None
    if workers > 0:  # one machine: uploads are ingested right here, no `archive worker` to start
        worker = QueueWorker(app.state.service, app.state.queue, workers, app.state.archive,
                             lease_s=settings.worker_lease_s).__enter__()
        embedded = consumer(worker, embedded=True)
        embedded.start()
    try:
        yield
    finally:
        retry.cancel()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop, True)
            worker.__exit__(None, None, None)


async def _retry_pending_forever(service: ArchiveService, every_s: float) -> None:
    """Documents stored while the index was down get indexed once it answers again, with no one asking."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await asyncio.to_thread(service.retry_pending)
        except Exception:  # a retry loop that dies would silently stop catching up
            log.exception("retrying pending documents failed")


def _error(status: int, detail, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Unauthenticated)
    async def unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return _error(403, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(InvalidRequest)
    async def invalid(_: Request, exc: InvalidRequest) -> JSONResponse:
        return _error(422, str(exc))

    @app.exception_handler(BackendUnavailable)
    async def unavailable(_: Request, exc: BackendUnavailable) -> JSONResponse:
        return _error(503, str(exc))

    @app.exception_handler(RangeNotSatisfiable)
    async def bad_range(_: Request, exc: RangeNotSatisfiable) -> JSONResponse:
        return _error(416, str(exc), {"Content-Range": f"bytes */{exc.size}"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()])

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _error(500, "internal error; see the server log")
