"""HTTP hardening in one place: request checks before any route runs, headers on every answer, the one
document-id validator, Content-Disposition, and the API docs served from the package.

`install_security(app, settings)` puts `SecurityMiddleware` outside everything else (even the handler that
turns an unexpected error into a 500), so every response carries the headers. In order, per request:

1. Host allow-list (`ARCHIVE_ALLOWED_HOSTS`; `*` any, `*.example.org` a domain and its subdomains):
   another Host header is 400 (DNS rebinding).
2. Origin: a POST, PUT, PATCH or DELETE whose `Origin` header is not this server's own is 403 (cross-site
   requests riding on a signed-in browser). Requests without the header (scripts, the CLI) pass.
3. Body size, before a byte of the body is read: a declared `Content-Length` over the limit is 413 at once,
   and a body streamed without one is cut off (413) as soon as it passes the limit. Limits: an upload
   (`POST /api/v1/ingest`) `min(ARCHIVE_MAX_REQUEST_BYTES, ARCHIVE_MAX_UPLOAD_FILES × ARCHIVE_MAX_UPLOAD_BYTES
   + the manifest)`; any other API request `ARCHIVE_MAX_JSON_BYTES` (64 KiB: a correction, a sign-in); other
   paths `ARCHIVE_MAX_REQUEST_BYTES`.
4. Headers on the answer (unless the route set its own): `X-Content-Type-Options: nosniff`,
   `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`, a Content-Security-Policy (`default-src 'none'`
   for data, `'self'` only for HTML pages, scripts only from the archive for /docs), `Cache-Control:
   no-store` on everything but the docs' static assets.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Callable
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.config import Settings
from archive.errors import NotFound, SerialNotFound

log = logging.getLogger("archive.api.security")

STATIC_DIR = Path(__file__).parent / "static"
DOCS_PATH = "/docs"
DOCS_ASSETS = "/docs/assets"
INGEST_PATH = "/api/v1/ingest"
MULTIPART_PART_OVERHEAD = 16 * 1024  # a part's headers and boundary, generously
MAX_CONTENT_LENGTH_DIGITS = 20

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BASE_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self';"
            " frame-ancestors 'none'")
# Swagger UI: its own script and stylesheet from DOCS_ASSETS, the schema from this server. React sets inline
# style attributes, hence 'unsafe-inline' for styles only; no inline script runs (swagger-init.js starts it).
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
            " connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


# ---- document ids ---------------------------------------------------------------------------------

DOCUMENT_ID_PATTERN = "^[0-9a-f]{64}$"
_DOCUMENT_ID = re.compile(r"[0-9a-f]{64}")


def valid_document_id(
    document_id: Annotated[str, PathParam(description="the document's id: its SHA-256, 64 lowercase hex digits",
                                          examples=["0" * 64])],
) -> str:
    """Every `/api/v1/documents/{document_id}` route takes its id through here: anything but 64 lowercase hex
    digits is an unknown document (404), never a storage key, and the answer does not echo it."""
    if not _DOCUMENT_ID.fullmatch(document_id):
        raise NotFound("no such document (a document id is 64 lowercase hexadecimal digits)")
    return document_id


DocumentId = Annotated[str, Depends(valid_document_id)]


# ---- Content-Disposition -------------------------------------------------------------------------


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """RFC 6266: `filename*` (RFC 8187, UTF-8) with the real name, and an ASCII `filename` for clients that
    know no better ("ĐK-12345" → "DK-12345"). Header values are Latin-1 on the wire: this never fails."""
    name = "".join(ch for ch in unicodedata.normalize("NFC", filename) if ch.isprintable()).strip() or "download"
    return f"{disposition}; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def ascii_filename(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    text = "".join(ch for ch in text if ch.isascii() and not unicodedata.combining(ch))
    text = re.sub(r"[^A-Za-z0-9._\-+()]+", "_", text).strip("._") or "download"
    return text[:150]


# ---- the middleware ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyLimits:
    ingest: int  # POST /api/v1/ingest: every file and the manifest
    api: int  # any other /api/ request
    other: int  # anything else (web pages)

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        from archive.api.routes_ingest import _MAX_MANIFEST_BYTES

        files = settings.max_upload_files * (settings.max_upload_bytes + MULTIPART_PART_OVERHEAD)
        ingest = min(settings.max_request_bytes, files + _MAX_MANIFEST_BYTES + MULTIPART_PART_OVERHEAD)
        return cls(ingest=ingest, api=settings.max_json_bytes, other=settings.max_request_bytes)

    def for_path(self, path: str) -> int:
        if path == INGEST_PATH:
            return self.ingest
        if path.startswith("/api/"):
            return self.api
        return self.other


class BodyTooLarge(StarletteHTTPException):
    """Raised from `receive` once a body passes its limit; FastAPI passes HTTP exceptions on to the handlers."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than the limit of {limit:,} bytes")


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hosts = [host.strip().lower().strip("[]").rstrip(".") for host in settings.allowed_hosts if host.strip()]
        self.limits = BodyLimits.from_settings(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        send = _with_security_headers(send, path)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not self._host_allowed(host):
            await _error(400, "this server does not answer to that Host header")(scope, receive, send)
            return
        origin = headers.get("origin")
        if scope["method"] in STATE_CHANGING and origin is not None and not same_origin(origin, host):
            await _error(403, "cross-origin request refused: the Origin is not this server")(scope, receive, send)
            return
        limit = self.limits.for_path(path)
        declared = headers.get("content-length")
        if declared is not None:
            declared = declared.strip()
            if not declared.isdigit() or len(declared) > MAX_CONTENT_LENGTH_DIGITS:
                await _error(400, "invalid Content-Length header")(scope, receive, send)
                return
            if int(declared) > limit:
                await _error(413, f"request body larger than the limit of {limit:,} bytes")(scope, receive, send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def noting_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, noting_send)
        except BodyTooLarge as exc:  # when no handler inside answered it
            if started:
                raise
            await _error(413, exc.detail)(scope, receive, send)

    def _host_allowed(self, host: str) -> bool:
        name = host_name(host)
        for allowed in self.hosts:
            if allowed == "*" or name == allowed:
                return True
            if allowed.startswith("*.") and (name == allowed[2:] or name.endswith(allowed[1:])):
                return True
        return False


def split_host(host: str) -> tuple[str, int | None]:
    """A Host header as (name, port): lowercase, without brackets or a trailing dot; "[::1]:8000" → ("::1", 8000)."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        name, sep, port = host.rpartition(":")
        if not sep or not port.isdigit():
            name, port = host, ""
    return name.rstrip("."), int(port) if port.isdigit() and len(port) <= 5 else None


def host_name(host: str) -> str:
    return split_host(host)[0]


_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(origin: str, host: str) -> bool:
    """Whether an Origin header names this server: the host and port it was reached at (Host). The scheme is
    not compared: a proxy that ends TLS changes it, and a foreign site cannot choose the Host it reaches."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return False  # "null" (a sandboxed page, a file) and other opaque origins
    default = _DEFAULT_PORTS[parts.scheme]
    name, host_port = split_host(host)
    return (parts.hostname.rstrip("."), port or default) == (name, host_port or default)


def _with_security_headers(send: Send, path: str) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = list(message.get("headers", []))
            headers = MutableHeaders(scope=message)
            for name, value in _BASE_HEADERS:
                headers.setdefault(name, value)
            if path == DOCS_PATH:
                csp = DOCS_CSP
            elif headers.get("content-type", "").startswith("text/html"):
                csp = PAGE_CSP
            else:
                csp = API_CSP
            headers.setdefault("content-security-policy", csp)
            if not path.startswith(DOCS_ASSETS + "/"):
                headers.setdefault("cache-control", "no-store")
        await send(message)

    return send_with_headers


def _error(status: int, detail) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


# ---- installing it -------------------------------------------------------------------------------


def install_security(app: FastAPI, settings: Settings) -> None:
    """The middleware (outermost), the docs from the package, and the answer for an inexact serial."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=STATIC_DIR), name="docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return HTMLResponse(docs_page(request.scope.get("root_path", ""), app.openapi_url or "/openapi.json", app.title))

    @app.exception_handler(SerialNotFound)
    async def serial_not_found(_: Request, exc: SerialNotFound) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "candidates": exc.candidates}, status_code=404)

    build_stack: Callable[[], ASGIApp] = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityMiddleware(build_stack(), settings)  # type: ignore[method-assign]


def docs_page(root: str, openapi_url: str, title: str) -> str:
    """Swagger UI with every asset from DOCS_ASSETS and no inline script."""
    assets = html.escape(root + DOCS_ASSETS)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – API</title>
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{html.escape(root + openapi_url)}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""


__all__ = [
    "DocumentId", "valid_document_id", "content_disposition", "ascii_filename", "SecurityMiddleware",
    "BodyLimits", "install_security", "same_origin", "host_name", "split_host",
]
