"""People: users with a role, a clearance and their units; API tokens; browser sessions.

The embedded store is one SQLite file in the data directory (`users.sqlite3`). Passwords are hashed
with argon2; tokens and session ids are random secrets of which only a SHA-256 is kept (they carry
256 bits of entropy, so a fast hash is enough and lets every request be checked cheaply). A token is
shown once, when it is made. Changes take effect on the next request: nothing is cached.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from archive.errors import InvalidRequest, NotFound
from common.vocabulary import CLASSIFICATIONS, ROLES

PrincipalKind = Literal["user", "local", "oidc", "anonymous"]
OPERATOR_ROLE = "operator"  # the local operator and an unauthenticated archive (ARCHIVE_AUTH=off): every right
TOKEN_PREFIX = "arch_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """Who acts: a user of the store, the local operator, or a person signed in through OpenID Connect."""

    name: str
    role: str  # one of common.vocabulary.ROLES, or OPERATOR_ROLE
    clearance: str  # one of common.vocabulary.CLASSIFICATIONS
    units: tuple[str, ...] = ()  # need to know: empty = every unit
    kind: PrincipalKind = "user"
    address: str | None = None  # where the request came from, for the audit

    def at(self, address: str | None) -> Principal:
        return Principal(self.name, self.role, self.clearance, self.units, self.kind, address)


def local_operator(address: str | None = "local") -> Principal:
    """Whoever can open the data directory can read every file in it: the CLI without a token acts as them."""
    return Principal(f"local:{getpass.getuser()}", OPERATOR_ROLE, "top_secret", (), "local", address)


def unauthenticated_operator(address: str | None = None) -> Principal:
    """The one person of an archive served with ARCHIVE_AUTH=off."""
    return Principal("anonymous", OPERATOR_ROLE, "top_secret", (), "anonymous", address)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    clearance: str
    units: tuple[str, ...] = ()
    disabled: bool = False
    created_at: str = ""

    def principal(self, address: str | None = None) -> Principal:
        return Principal(self.name, self.role, self.clearance, self.units, "user", address)

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "clearance": self.clearance, "units": list(self.units),
                "disabled": self.disabled, "created_at": self.created_at}


@dataclass(frozen=True)
class IssuedToken:
    """A token as made: `secret` is shown once and never stored."""

    token_id: str
    user: str
    secret: str
    expires_at: datetime | None


@dataclass
class Session:
    session_id: str  # the cookie value, shown once
    principal: Principal
    expires_at: datetime
    extra: dict = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def validate_user_fields(name: str, role: str, clearance: str) -> None:
    if not _NAME.match(name or ""):
        raise InvalidRequest("a user name is 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
    if role not in ROLES:
        raise InvalidRequest(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if clearance not in CLASSIFICATIONS:
        raise InvalidRequest(f"unknown clearance {clearance!r}; clearances: {', '.join(CLASSIFICATIONS)}")


class UserStore:
    """Users, tokens and sessions in one SQLite file; safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS users (
                name TEXT PRIMARY KEY, role TEXT NOT NULL, clearance TEXT NOT NULL, units TEXT NOT NULL,
                password_hash TEXT, disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS tokens (
                token_id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name), digest TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL, expires_at TEXT, revoked INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS sessions (
                digest TEXT PRIMARY KEY, principal TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
            """
        )

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ---- users ------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, clearance: str, units: list[str] | tuple[str, ...] = (),
                 password: str | None = None) -> User:
        validate_user_fields(name, role, clearance)
        units = tuple(u.strip() for u in units if u and u.strip())
        password_hash = _hasher.hash(password) if password else None
        created = _now().isoformat()
        try:
            self._query("INSERT INTO users (name, role, clearance, units, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (name, role, clearance, json.dumps(units, ensure_ascii=False), password_hash, created))
        except sqlite3.IntegrityError as exc:
            raise InvalidRequest(f"a user named {name!r} already exists") from exc
        return User(name, role, clearance, units, False, created)

    def user(self, name: str) -> User:
        rows = self._query("SELECT name, role, clearance, units, disabled, created_at FROM users WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"no user {name}")
        return self._user(rows[0])

    @staticmethod
    def _user(row: tuple) -> User:
        name, role, clearance, units, disabled, created = row
        return User(name, role, clearance, tuple(json.loads(units)), bool(disabled), created)

    def users(self) -> list[User]:
        rows = self._query("SELECT name, role, clearance, units, disabled, created_at FROM users ORDER BY name")
        return [self._user(row) for row in rows]

    def count_active(self) -> int:
        return self._query("SELECT count(*) FROM users WHERE disabled = 0")[0][0]

    def set_disabled(self, name: str, disabled: bool = True) -> User:
        self.user(name)
        self._query("UPDATE users SET disabled = ? WHERE name = ?", (int(disabled), name))
        if disabled:  # a disabled person's sessions end now; tokens are refused by the user check
            for digest, principal in self._query("SELECT digest, principal FROM sessions"):
                if json.loads(principal)["name"] == name:
                    self._query("DELETE FROM sessions WHERE digest = ?", (digest,))
        return self.user(name)

    def set_password(self, name: str, password: str) -> None:
        self.user(name)
        self._query("UPDATE users SET password_hash = ? WHERE name = ?", (_hasher.hash(password), name))

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, when the password is theirs and they are not disabled; None otherwise."""
        rows = self._query("SELECT password_hash, disabled FROM users WHERE name = ?", (name,))
        if not rows or rows[0][0] is None:
            _hasher.hash(password or "x")  # the same work whether or not the user exists
            return None
        stored, disabled = rows[0]
        try:
            _hasher.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if disabled:
            return None
        if _hasher.check_needs_rehash(stored):
            self._query("UPDATE users SET password_hash = ? WHERE name = ?", (_hasher.hash(password), name))
        return self.user(name)

    # ---- API tokens -------------------------------------------------------------------------

    def create_token(self, user: str, expires_at: datetime | None = None) -> IssuedToken:
        self.user(user)
        token_id = secrets.token_hex(6)
        secret = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        self._query("INSERT INTO tokens (token_id, user, digest, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    (token_id, user, _digest(secret), _now().isoformat(), expires_at.isoformat() if expires_at else None))
        return IssuedToken(token_id, user, secret, expires_at)

    def tokens(self, user: str | None = None) -> list[dict]:
        sql = "SELECT token_id, user, created_at, expires_at, revoked FROM tokens"
        rows = self._query(sql + " WHERE user = ? ORDER BY created_at", (user,)) if user else self._query(sql + " ORDER BY created_at")
        return [{"token_id": t, "user": u, "created_at": c, "expires_at": e, "revoked": bool(r)} for t, u, c, e, r in rows]

    def revoke_token(self, token_id: str) -> None:
        if not self._query("SELECT 1 FROM tokens WHERE token_id = ?", (token_id,)):
            raise NotFound(f"no token {token_id}")
        self._query("UPDATE tokens SET revoked = 1 WHERE token_id = ?", (token_id,))

    def principal_for_token(self, secret: str, address: str | None = None) -> Principal | None:
        rows = self._query("SELECT user, expires_at, revoked FROM tokens WHERE digest = ?", (_digest(secret),))
        if not rows:
            return None
        user_name, expires_at, revoked = rows[0]
        if revoked or (expires_at and datetime.fromisoformat(expires_at) <= _now()):
            return None
        user = self.user(user_name)
        return None if user.disabled else user.principal(address)

    # ---- browser sessions -------------------------------------------------------------------

    def create_session(self, principal: Principal, hours: float) -> Session:
        session_id = secrets.token_urlsafe(32)
        expires = _now() + timedelta(hours=hours)
        snapshot = {"name": principal.name, "role": principal.role, "clearance": principal.clearance,
                    "units": list(principal.units), "kind": principal.kind}
        self._query("INSERT INTO sessions (digest, principal, created_at, expires_at) VALUES (?, ?, ?, ?)",
                    (_digest(session_id), json.dumps(snapshot, ensure_ascii=False), _now().isoformat(), expires.isoformat()))
        return Session(session_id, principal, expires)

    def principal_for_session(self, session_id: str, address: str | None = None) -> Principal | None:
        rows = self._query("SELECT principal, expires_at FROM sessions WHERE digest = ?", (_digest(session_id),))
        if not rows:
            return None
        snapshot, expires_at = rows[0]
        if datetime.fromisoformat(expires_at) <= _now():
            self.end_session(session_id)
            return None
        found = json.loads(snapshot)
        if found["kind"] == "user":  # a store user: role, clearance and units as they are now
            try:
                user = self.user(found["name"])
            except NotFound:
                return None
            return None if user.disabled else user.principal(address)
        return Principal(found["name"], found["role"], found["clearance"], tuple(found["units"]), found["kind"], address)

    def end_session(self, session_id: str) -> None:
        self._query("DELETE FROM sessions WHERE digest = ?", (_digest(session_id),))

    def close(self) -> None:
        with self._lock:
            self._db.close()
