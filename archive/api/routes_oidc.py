"""Signing in through OpenID Connect (Keycloak): the browser's two stops at the archive.

    GET /api/v1/auth/oidc/login[?next=/path]   302 to the identity provider; the pending sign-in (state,
                                               nonce, PKCE verifier) rides in a signed, HttpOnly,
                                               SameSite=Lax cookie valid for ten minutes
    GET /api/v1/auth/oidc/callback?code=&state= checks the state, exchanges the code, verifies the ID
                                               token, maps its claims to a person, opens the archive
                                               session (303 to `next`, session cookie set)

A refused sign-in answers 401 (nothing could be verified) or 403 (verified, but the claims give no
archive role or clearance), sets no session, and is audited. The app includes this router only when
ARCHIVE_OIDC_ISSUER is set; without it the paths do not exist (404). The protocol lives in
`archive.oidc`; the session and its audit entry come from the use cases (`app.state.archive`).
"""

from __future__ import annotations

import logging
import threading
import weakref

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from archive.api.auth import client_address, set_session_cookie
from archive.errors import BackendUnavailable
from archive.oidc import (
    LOGIN_TTL_S,
    ClaimsRefused,
    OIDCClient,
    OIDCError,
    ProviderUnavailable,
    principal_from_claims,
    seal,
    unseal,
)

log = logging.getLogger("archive.api.oidc")

PREFIX = "/api/v1/auth/oidc"
LOGIN_COOKIE = "archive_oidc_login"
router = APIRouter(prefix=PREFIX, tags=["people"])
_build_lock = threading.Lock()


def _client(request: Request) -> OIDCClient:
    """The app's OpenID Connect client, built on first use (the provider need not answer at start-up)."""
    settings = request.app.state.settings
    if not settings.oidc_issuer:
        raise HTTPException(404, "Not Found")
    client = getattr(request.app.state, "oidc_client", None)
    if client is not None:
        return client
    with _build_lock:
        client = getattr(request.app.state, "oidc_client", None)
        if client is None:
            try:
                client = OIDCClient.from_settings(settings, redirect_url=str(request.url_for("oidc_callback")))
            except OIDCError as exc:
                raise HTTPException(503, str(exc)) from exc
            weakref.finalize(request.app, client.close)
            request.app.state.oidc_client = client
    return client


def _drop_login_cookie(response: Response, secure: bool) -> None:
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX, httponly=True, secure=secure, samesite="lax")


@router.get("/login", status_code=302, response_class=RedirectResponse)
def oidc_login(request: Request, next_path: str | None = Query(default=None, alias="next", max_length=512)) -> Response:
    """Send the browser to the identity provider to sign in; afterwards it lands on `next` (a path of this site)."""
    settings = request.app.state.settings
    client = _client(request)
    try:
        redirect = client.begin(next_path)
    except ProviderUnavailable as exc:
        raise BackendUnavailable(f"the identity provider does not answer: {exc}") from exc
    except OIDCError as exc:
        raise BackendUnavailable(f"the identity provider is misconfigured: {exc}") from exc
    response = RedirectResponse(redirect.url, status_code=302, headers={"Cache-Control": "no-store"})
    response.set_cookie(LOGIN_COOKIE, seal(redirect.pending, client.cookie_key), max_age=LOGIN_TTL_S, path=PREFIX,
                        httponly=True, secure=settings.cookie_secure, samesite="lax")
    return response


@router.get("/callback", name="oidc_callback", status_code=303, response_class=RedirectResponse,
            responses={401: {"description": "the sign-in could not be verified"},
                       403: {"description": "the person has no valid archive role or clearance"}})
def oidc_callback(
    request: Request,
    code: str | None = Query(default=None, max_length=4096),
    state: str | None = Query(default=None, max_length=512),
    iss: str | None = Query(default=None, max_length=1024),
    error: str | None = Query(default=None, max_length=256),
    error_description: str | None = Query(default=None, max_length=1024),
) -> Response:
    """Where the identity provider sends the browser back: verify, map the claims, open the session."""
    settings = request.app.state.settings
    archive = request.app.state.archive
    address = client_address(request)
    client = _client(request)

    def refuse(status: int, name: str, reason: str) -> Response:
        archive.record_failed_sign_in(name, address, f"OpenID Connect: {reason}")
        log.info("OpenID Connect sign-in refused for %s from %s: %s", name, address, reason)
        response = JSONResponse({"detail": f"sign-in refused: {reason}"}, status_code=status,
                                headers={"Cache-Control": "no-store"})
        _drop_login_cookie(response, settings.cookie_secure)
        return response

    try:
        if error:
            raise OIDCError(f"the identity provider answered {error}" + (f": {error_description}" if error_description else ""))
        pending = unseal(request.cookies.get(LOGIN_COOKIE), client.cookie_key)
        claims = client.complete(pending, code, state, iss)
        principal = principal_from_claims(claims, settings, address)
    except ProviderUnavailable as exc:
        archive.record_failed_sign_in("unknown", address, f"OpenID Connect: {exc}")
        raise BackendUnavailable(str(exc)) from exc
    except ClaimsRefused as exc:
        return refuse(403, exc.name or "unknown", str(exc))
    except OIDCError as exc:
        return refuse(401, "unknown", str(exc))

    session = archive.sign_in_external(principal, address)
    response = RedirectResponse(pending.next_path, status_code=303, headers={"Cache-Control": "no-store"})
    set_session_cookie(response, session, settings)
    _drop_login_cookie(response, settings.cookie_secure)
    return response
