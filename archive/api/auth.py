"""Who is asking: a bearer token (scripts, the CLI) or the browser's session cookie. No credentials → 401.

With `ARCHIVE_AUTH=off` every request acts as one unauthenticated operator with every right; the app
says so loudly at start and in a response header.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from archive.config import Settings
from archive.errors import Unauthenticated
from archive.identity import Principal, Session, unauthenticated_operator
from archive.usecases import Archive

SESSION_COOKIE = "archive_session"


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


# Declared for the OpenAPI document only (alternatives: a bearer token or the session cookie), so clients and
# Schemathesis send credentials where the schema says; `current_actor` reads the request itself, as before.
_BEARER = HTTPBearer(auto_error=False, scheme_name="bearer", description="an API token (`archive tokens create`)")
_COOKIE = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="session",
                       description="the session cookie set by `POST /api/v1/auth/login`")


def current_actor(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)] = None,
    _cookie: Annotated[str | None, Security(_COOKIE)] = None,
) -> Principal:
    settings: Settings = request.app.state.settings
    archive: Archive = request.app.state.archive
    address = client_address(request)
    if settings.auth == "off":
        return unauthenticated_operator(address)
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return archive.identify_token(credentials.strip(), address)
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        principal = archive.users.principal_for_session(session_id, address)
        if principal is not None:
            return principal
        raise Unauthenticated("the session has ended; sign in again")
    raise Unauthenticated("sign in: send `Authorization: Bearer <token>` or the session cookie")


Actor = Annotated[Principal, Depends(current_actor)]


def set_session_cookie(response: Response, session: Session, settings: Settings) -> None:
    max_age = max(0, int((session.expires_at - session.expires_at.now(session.expires_at.tzinfo)).total_seconds()))
    response.set_cookie(SESSION_COOKIE, session.session_id, max_age=max_age, httponly=True,
                        secure=settings.cookie_secure, samesite="lax", path="/")


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=settings.cookie_secure, samesite="lax")
