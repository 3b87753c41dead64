"""What `/openapi.json` says beyond each route's own answer, defined once: the error bodies that the handlers in
`archive.api.app` and the middleware in `archive.api.security` really send, the bearer and cookie credentials,
and the media types of the routes that answer with bytes.

Every router under /api/v1 takes `API_ERRORS` (`APIRouter(..., responses=API_ERRORS)`); the public health
router takes `PUBLIC_ERRORS`. A route adds only what is its own (416 for a byte range, 415 for an upload).
`tests/api/test_schemathesis.py` holds the app to all of it: every answer's status, media type, headers and
body must be declared here or by the route.

The schemas are written out inline (not as `model=`): FastAPI files a `model` under the route's own media
type, which for the byte routes would declare a JSON error as image/png.
"""

from __future__ import annotations

from typing import Any

from ingest.sniff import SUPPORTED

# ---- error bodies ---------------------------------------------------------------------------------

# `{"detail": "..."}`: every error but a request that fails validation and an unknown serial.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "what went wrong, for a person"}},
    "required": ["detail"],
    "additionalProperties": False,
}

# 404: an unknown document, page, job, user or token; an unknown serial adds the close serials the archive holds.
NOT_FOUND_SCHEMA: dict[str, Any] = {
    "title": "NotFoundProblem",
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "candidates": {"type": "array", "items": {"type": "string"},
                       "description": "an unknown serial only: close serials the archive holds (may be empty)"},
    },
    "required": ["detail"],
    "additionalProperties": False,
}

# 422: a request FastAPI could not validate gives one entry per problem; a use case that refuses the
# parameters (`InvalidRequest`), or a manifest that cannot be read, gives a sentence.
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ValidationProblem",
    "type": "object",
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                                    "description": "where: body, query, path or header, then the field"},
                            "msg": {"type": "string"},
                        },
                        "required": ["loc", "msg"],
                        "additionalProperties": False,
                    },
                },
            ],
        },
    },
    "required": ["detail"],
    "additionalProperties": False,
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(description: str, schema: dict[str, Any] = PROBLEM_SCHEMA, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": _json(schema), **extra}


_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"description": "always `Bearer`", "required": True,
                         "schema": {"type": "string", "const": "Bearer"}},
}

# Every /api/v1 route. 400, 403 (Origin) and 413 come from the middleware before any route runs; 401 from the
# credentials dependency (and a refused sign-in); 403, 404, 422 and 503 from the use cases.
API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("The Host header is not one this server answers to, the Content-Length header is invalid, or the"
                " body cannot be parsed at all (not UTF-8 JSON, a multipart body without its boundary)."),
    401: _error("No credentials, or wrong, expired or revoked ones; or the session has ended.",
                headers=_WWW_AUTHENTICATE),
    403: _error("The caller's role does not allow this, or a state-changing request came from another Origin."),
    404: _error("Unknown, or not visible to the caller: a document the caller may not see is answered as unknown.",
                NOT_FOUND_SCHEMA),
    413: _error("The request body is larger than the limit."),
    422: _error("Invalid parameters.", VALIDATION_ERROR_SCHEMA),
    503: _error("Storage, the index or the queue does not answer, or a stored record fails its seal."),
}

# /healthz and /readyz: no credentials, no body; only the Host check can refuse them.
PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {400: API_ERRORS[400]}

# ---- the routes' own JSON answers that have no model -----------------------------------------------

_READINESS_SCHEMA: dict[str, Any] = {
    "title": "Readiness",
    "type": "object",
    "properties": {"status": {"type": "string", "enum": ["ready", "unavailable"]}},
    "required": ["status", "storage", "index", "queue"],
    "additionalProperties": {"type": "string", "description": "`ok`, or `unavailable: <reason>`"},
}
READINESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Storage, the index and the queue answer.", "content": _json(_READINESS_SCHEMA)},
    503: {"description": "One of them does not; each says `ok` or `unavailable: <reason>`.",
          "content": _json(_READINESS_SCHEMA)},
}

UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Queued: follow the job at `GET /api/v1/jobs/{job_id}`.",
          "content": _json({
              "title": "IngestAccepted",
              "type": "object",
              "properties": {
                  "job_id": {"type": "string"},
                  "manifest_problems": {"type": "array", "items": {"type": "object"},
                                        "description": "with a manifest only: rows it could not use"},
              },
              "required": ["job_id"],
              "additionalProperties": False,
          })},
    415: _error("A file is of a type the archive does not ingest (PDF, TIFF, JPEG and PNG only)."),
}

# ---- byte answers ---------------------------------------------------------------------------------

_BINARY = {"schema": {"type": "string", "format": "binary"}}

# The original as it was ingested: its sniffed type (PDF, TIFF, JPEG, PNG), or octet-stream.
ORIGINAL_MEDIA_TYPES = (*SUPPORTED, "application/octet-stream")

_FILE_HEADERS = {
    "Accept-Ranges": {"required": True, "schema": {"type": "string", "const": "bytes"}},
    "Content-Disposition": {"required": True, "schema": {"type": "string"},
                            "description": "attachment with the original file name (RFC 6266)"},
    "ETag": {"required": True, "schema": {"type": "string", "pattern": '^"[0-9a-f]{64}"$'},
             "description": "the SHA-256 of the original, quoted"},
}
_CONTENT_RANGE = {"required": True, "schema": {"type": "string", "pattern": r"^bytes (\d+-\d+|\*)/\d+$"}}

FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The original bytes.", "content": {media: _BINARY for media in ORIGINAL_MEDIA_TYPES},
          "headers": _FILE_HEADERS},
    206: {"description": "One byte range of the original (`Range: bytes=first-last`).",
          "content": {media: _BINARY for media in ORIGINAL_MEDIA_TYPES},
          "headers": {**_FILE_HEADERS, "Content-Range": _CONTENT_RANGE}},
    416: _error("The range starts past the end of the original.", headers={"Content-Range": _CONTENT_RANGE}),
}

PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The page as a PNG image (a thumbnail `width` pixels wide when asked).",
          "content": {"image/png": _BINARY}},
}

EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The dossier bundle: every document the caller may see, with a checksum manifest.",
          "content": {"application/zip": _BINARY},
          "headers": {"Content-Disposition": {"required": True, "schema": {"type": "string"}}}},
}
