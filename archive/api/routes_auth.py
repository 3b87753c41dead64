"""Signing in and out, people and tokens, and the audit trail. Each route names the actor and calls one use case."""

from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from archive.api.auth import Actor, clear_session_cookie, client_address, set_session_cookie, SESSION_COOKIE
from archive.api.deps import AppSettings, IsoDate, IsoDateTime, UseCases
from archive.api.openapi import API_ERRORS
from archive.audit import AuditEntry
from common.vocabulary import CLASSIFICATIONS, ROLES

router = APIRouter(prefix="/api/v1", tags=["people"], responses=API_ERRORS)


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    name: str
    role: str
    clearance: str
    units: list[str]
    kind: str


class UserOut(BaseModel):
    name: str
    role: str
    clearance: str
    units: list[str]
    disabled: bool
    created_at: str


class NewUser(BaseModel):
    # The use case checks name, role and clearance (422 naming what is allowed); the schema says the same.
    name: str = Field(min_length=1, max_length=64, json_schema_extra={"pattern": "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"})
    role: str = Field(json_schema_extra={"enum": list(ROLES)})
    clearance: str = Field(json_schema_extra={"enum": list(CLASSIFICATIONS)})
    units: list[str] = Field(default_factory=list, max_length=100)
    password: str | None = Field(default=None, min_length=8, max_length=1024)


class NewToken(BaseModel):
    user: str | None = Field(default=None, description="records officers may make tokens for others; default: yourself")
    expires: IsoDate | None = Field(default=None, description="the last day the token works")


class TokenOut(BaseModel):
    token_id: str
    user: str
    token: str = Field(description="shown once: only its hash is kept")
    expires_at: datetime | None


def _me(actor) -> Me:
    return Me(name=actor.name, role=actor.role, clearance=actor.clearance, units=list(actor.units), kind=actor.kind)


@router.post("/auth/login", response_model=Me)
def login(credentials: Credentials, request: Request, response: Response, archive: UseCases, settings: AppSettings) -> Me:
    """Username and password → the session cookie (secure, HttpOnly, SameSite=Lax)."""
    session = archive.sign_in(credentials.username, credentials.password, client_address(request))
    set_session_cookie(response, session, settings)
    return _me(session.principal)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, archive: UseCases, actor: Actor, settings: AppSettings) -> Response:
    archive.sign_out(actor, request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    clear_session_cookie(response, settings)
    return response


@router.get("/auth/me", response_model=Me)
def me(actor: Actor) -> Me:
    return _me(actor)


@router.get("/users", response_model=list[UserOut])
def list_users(archive: UseCases, actor: Actor) -> list[UserOut]:
    return [UserOut(**user.as_dict()) for user in archive.list_users(actor)]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(new: NewUser, archive: UseCases, actor: Actor) -> UserOut:
    user = archive.add_user(actor, new.name, new.role, new.clearance, new.units, password=new.password)
    return UserOut(**user.as_dict())


@router.post("/users/{name}/disable", response_model=UserOut)
def disable_user(name: str, archive: UseCases, actor: Actor) -> UserOut:
    return UserOut(**archive.disable_user(actor, name).as_dict())


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(new: NewToken, archive: UseCases, actor: Actor) -> TokenOut:
    expires_at = datetime.combine(new.expires, time.max, tzinfo=timezone.utc) if new.expires else None
    issued = archive.create_token(actor, new.user, expires_at)
    return TokenOut(token_id=issued.token_id, user=issued.user, token=issued.secret, expires_at=issued.expires_at)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, archive: UseCases, actor: Actor) -> Response:
    archive.revoke_token(actor, token_id)
    return Response(status_code=204)


@router.get("/audit", response_model=list[AuditEntry])
def audit(
    archive: UseCases, actor: Actor,
    user: Annotated[str | None, Query(max_length=128)] = None,
    document: Annotated[str | None, Query(max_length=64)] = None,
    since: IsoDateTime | None = None,
) -> list[AuditEntry]:
    """Auditors: the whole trail; inspectors: the entries about documents they may see."""
    return archive.audit_entries(actor, user=user, document=document, since=since)
