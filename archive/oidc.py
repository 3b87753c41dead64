"""Signing in through OpenID Connect (Keycloak in production): the authorization-code flow with PKCE.

No web framework here: `archive/api/routes_oidc.py` is the thin HTTP adapter. This module

- discovers the provider (`{issuer}/.well-known/openid-configuration`, with httpx) and checks that it
  names the configured issuer;
- begins a sign-in: a random `state` (binds the answer to this browser), `nonce` (binds the ID token
  to this sign-in) and PKCE verifier (S256), and the provider's authorization URL carrying them;
- seals what the browser must carry until the callback into an HMAC-signed, time-limited value (the
  route keeps it in a short-lived HttpOnly cookie), and opens it again;
- exchanges the code at the token endpoint (confidential client: HTTP Basic with the client secret,
  plus the PKCE verifier) and verifies the ID token with PyJWT: an asymmetric signature by a key of
  the provider's JWKS, `iss`, `aud` (and `azp`), `exp`, `iat` and the `nonce`;
- maps the verified claims to a `Principal` (`principal_from_claims`). A missing, ambiguous or unknown
  role or clearance refuses the sign-in: nobody gets a default role.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import quote, urlencode

import httpx
import jwt

from archive.identity import Principal
from common.vocabulary import CLASSIFICATIONS, ROLES

# Signatures the archive accepts on an ID token: public-key ones only (never "none", never HMAC with
# the client secret, which anyone holding the secret could forge).
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
LOGIN_TTL_S = 600  # how long a begun sign-in may take, from the archive's redirect to the callback
_MAX_NAME = 128


class OIDCError(Exception):
    """The sign-in could not be completed or verified. The message says why; it names no secret."""


class ProviderUnavailable(OIDCError):
    """The identity provider did not answer (discovery, keys or token endpoint)."""


class ClaimsRefused(OIDCError):
    """The provider vouched for the person, but the claims do not make an archive user (no role, an
    unknown clearance, ...). `name` is the person's user name when the token had one."""

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


# ---- the provider --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None = None
    id_token_algorithms: tuple[str, ...] = ("RS256",)

    @classmethod
    def from_document(cls, document: Mapping[str, Any], expected_issuer: str) -> ProviderMetadata:
        if not isinstance(document, Mapping):
            raise OIDCError("the discovery document is not a JSON object")
        issuer = document.get("issuer")
        if _strip_slash(issuer) != _strip_slash(expected_issuer):
            # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was asked for
            raise OIDCError(f"the discovery document names the issuer {issuer!r}, not the configured {expected_issuer!r}")
        missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
                   if not isinstance(document.get(key), str) or not document.get(key)]
        if missing:
            raise OIDCError(f"the discovery document lacks {', '.join(missing)}")
        algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        return cls(
            issuer=issuer,
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            end_session_endpoint=document.get("end_session_endpoint"),
            id_token_algorithms=tuple(a for a in algorithms if isinstance(a, str)),
        )


def _strip_slash(value: Any) -> Any:
    return value.rstrip("/") if isinstance(value, str) else value


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def discover(issuer: str, http: httpx.Client) -> ProviderMetadata:
    """The provider's endpoints, from its discovery document."""
    document = _get_json(http, discovery_url(issuer), "discovery document")
    return ProviderMetadata.from_document(document, issuer)


def _get_json(http: httpx.Client, url: str, what: str) -> Any:
    """A JSON document the provider publishes; it not answering is ProviderUnavailable, nonsense an OIDCError."""
    try:
        response = http.get(url)
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"the identity provider's {what} does not answer at {url}: {exc}") from exc
    if response.status_code != 200:
        raise ProviderUnavailable(f"the identity provider's {what} answered {response.status_code} at {url}")
    try:
        return response.json()
    except ValueError as exc:
        raise OIDCError(f"the identity provider's {what} at {url} is not JSON") from exc


# ---- one sign-in ---------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier (43 characters, 256 bits) and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(32)
    challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    return verifier, challenge


def safe_next_path(value: str | None) -> str:
    """Where to send the browser after signing in: a path of this site only (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 512:
        return "/"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return "/"
    return value


@dataclass(frozen=True)
class PendingLogin:
    """What the browser carries from the archive's redirect to the callback."""

    state: str
    nonce: str
    code_verifier: str
    created_at: float
    next_path: str = "/"


@dataclass(frozen=True)
class LoginRedirect:
    url: str  # the provider's authorization URL to send the browser to
    pending: PendingLogin


def login_cookie_key(client_secret: str) -> bytes:
    """The key that signs the sign-in cookie, derived from the client secret: every archive process
    of a deployment shares it, and nobody without the secret can forge a cookie."""
    return hmac.new(client_secret.encode(), b"equipment-archive: OpenID Connect sign-in cookie, v1", hashlib.sha256).digest()


def seal(pending: PendingLogin, key: bytes) -> str:
    payload = _b64url(json.dumps({"s": pending.state, "n": pending.nonce, "v": pending.code_verifier,
                                  "t": int(pending.created_at), "p": pending.next_path},
                                 separators=(",", ":")).encode())
    mac = _b64url(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
    return f"{payload}.{mac}"


def unseal(value: str | None, key: bytes, max_age_s: float = LOGIN_TTL_S, now: float | None = None) -> PendingLogin:
    """The pending sign-in a sealed value stands for; OIDCError when it is missing, forged or stale."""
    if not value:
        raise OIDCError("no sign-in was begun in this browser (the sign-in cookie is missing); start again")
    payload, _, mac = value.partition(".")
    expected = _b64url(hmac.new(key, payload.encode("ascii", "replace"), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac.encode("ascii", "replace"), expected.encode("ascii")):
        raise OIDCError("the sign-in cookie is not one this archive made")
    try:
        data = json.loads(_unb64url(payload))
        pending = PendingLogin(str(data["s"]), str(data["n"]), str(data["v"]), float(data["t"]),
                               safe_next_path(data.get("p")))
    except (ValueError, KeyError, TypeError) as exc:
        raise OIDCError("the sign-in cookie cannot be read") from exc
    age = (time.time() if now is None else now) - pending.created_at
    if age > max_age_s or age < -60:
        raise OIDCError("the sign-in took too long; start again")
    return pending


# ---- the client ----------------------------------------------------------------------------------


class OIDCClient:
    """One relying party (this archive) at one provider. Thread-safe; discovery and keys are cached."""

    def __init__(self, issuer: str, client_id: str, client_secret: str, redirect_url: str, *,
                 scopes: tuple[str, ...] = ("openid", "profile"), http: httpx.Client | None = None,
                 timeout_s: float = 10.0, leeway_s: float = 60.0, metadata_ttl_s: float = 3600.0) -> None:
        if not (issuer and client_id and client_secret and redirect_url):
            raise OIDCError("OpenID Connect needs an issuer, a client id, a client secret and a redirect URL")
        self.issuer = issuer
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_url = redirect_url
        self.scopes = scopes
        self.leeway_s = leeway_s
        self.metadata_ttl_s = metadata_ttl_s
        self._own_http = http is None
        self.http = http or httpx.Client(timeout=timeout_s, follow_redirects=False)
        self._lock = threading.Lock()
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys_lock = threading.Lock()
        self._keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}
        self._keys_at = 0.0

    @classmethod
    def from_settings(cls, settings: Any, *, redirect_url: str | None = None, http: httpx.Client | None = None) -> OIDCClient:
        """From the archive's settings (`oidc_issuer`, `oidc_client_id`, `oidc_client_secret`, `oidc_redirect_url`)."""
        missing = [f"ARCHIVE_{name.upper()}" for name in ("oidc_issuer", "oidc_client_id", "oidc_client_secret")
                   if not _setting(settings, name, None)]
        redirect = _setting(settings, "oidc_redirect_url", None) or redirect_url
        if not redirect:
            missing.append("ARCHIVE_OIDC_REDIRECT_URL")
        if missing:
            raise OIDCError(f"OpenID Connect is not fully configured: set {', '.join(missing)}")
        return cls(_setting(settings, "oidc_issuer", None), _setting(settings, "oidc_client_id", None),
                   _setting(settings, "oidc_client_secret", None), redirect, http=http)

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    @property
    def cookie_key(self) -> bytes:
        return login_cookie_key(self._client_secret)

    def metadata(self, refresh: bool = False) -> ProviderMetadata:
        with self._lock:
            stale = time.monotonic() - self._metadata_at > self.metadata_ttl_s
            if self._metadata is None or refresh or stale:
                self._metadata = discover(self.issuer, self.http)
                self._metadata_at = time.monotonic()
            return self._metadata

    # ---- step 1: send the browser to the provider

    def begin(self, next_path: str | None = None) -> LoginRedirect:
        metadata = self.metadata()
        verifier, challenge = pkce_pair()
        pending = PendingLogin(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                               code_verifier=verifier, created_at=time.time(), next_path=safe_next_path(next_path))
        query = urlencode({
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_url,
            "scope": " ".join(self.scopes),
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        })
        separator = "&" if "?" in metadata.authorization_endpoint else "?"
        return LoginRedirect(f"{metadata.authorization_endpoint}{separator}{query}", pending)

    # ---- step 2: the browser is back with a code

    def complete(self, pending: PendingLogin, code: str | None, state: str | None, iss: str | None = None) -> dict[str, Any]:
        """Check the state (and the `iss` of the answer, RFC 9207, when the provider sends it), exchange the
        code and verify the ID token: the verified claims."""
        if not state or not hmac.compare_digest(state.encode("utf-8", "replace"), pending.state.encode()):
            raise OIDCError("the answer from the identity provider does not belong to the sign-in begun in this browser (state)")
        if iss is not None and iss != self.metadata().issuer:
            raise OIDCError("the answer comes from another identity provider than the configured one (iss)")
        if not code:
            raise OIDCError("the identity provider sent no authorization code")
        tokens = self.exchange_code(code, pending.code_verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise OIDCError("the token endpoint returned no ID token (is the `openid` scope allowed?)")
        return self.verify_id_token(id_token, pending.nonce)

    def exchange_code(self, code: str, code_verifier: str) -> dict[str, Any]:
        metadata = self.metadata()
        # RFC 6749 §2.3.1: client id and secret are form-encoded before they are joined for HTTP Basic
        basic = base64.b64encode(f"{quote(self.client_id, safe='')}:{quote(self._client_secret, safe='')}".encode()).decode()
        try:
            response = self.http.post(metadata.token_endpoint, data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_url,
                "code_verifier": code_verifier,
            }, headers={"Authorization": f"Basic {basic}", "Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the token endpoint does not answer: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200:
            if response.status_code >= 500:
                raise ProviderUnavailable(f"the token endpoint answered {response.status_code}")
            error = body.get("error") if isinstance(body, dict) else None
            description = body.get("error_description") if isinstance(body, dict) else None
            raise OIDCError(f"the identity provider refused the code: {error or response.status_code}"
                            + (f" ({description})" if description else ""))
        if not isinstance(body, dict):
            raise OIDCError("the token endpoint's answer is not a JSON object")
        return body

    def _find_key(self, kid: str | None, algorithm: str) -> jwt.PyJWK | None:
        for key_id, (key, key_algorithm) in self._keys.items():
            if (kid is None or key_id == kid) and key_algorithm in (None, algorithm):
                return key
        return None

    def _signing_key(self, kid: str | None, algorithm: str) -> jwt.PyJWK:
        jwks_uri = self.metadata().jwks_uri
        with self._keys_lock:
            if not self._keys:
                self._keys, self._keys_at = self._fetch_keys(jwks_uri), time.monotonic()
            key = self._find_key(kid, algorithm)
            if key is None and time.monotonic() - self._keys_at > 5:
                # an unknown key id: the provider may have rotated its keys, so look once more
                self._keys, self._keys_at = self._fetch_keys(jwks_uri), time.monotonic()
                key = self._find_key(kid, algorithm)
        if key is None:
            raise OIDCError(f"the ID token is signed with a key the identity provider does not publish (kid {kid!r})")
        return key

    def _fetch_keys(self, uri: str) -> dict[str, tuple[jwt.PyJWK, str | None]]:
        document = _get_json(self.http, uri, "key set")
        keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}
        for index, data in enumerate(document.get("keys", []) if isinstance(document, dict) else []):
            if not isinstance(data, dict) or data.get("use", "sig") != "sig":
                continue  # e.g. Keycloak's RSA-OAEP encryption key
            try:
                key = jwt.PyJWK(data)
            except (jwt.PyJWKError, jwt.InvalidKeyError):
                continue  # a key type PyJWT cannot use
            keys[data.get("kid") or f"#{index}"] = (key, data.get("alg"))
        if not keys:
            raise OIDCError("the identity provider publishes no signing key")
        return keys

    def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OIDCError(f"the ID token cannot be read: {exc}") from exc
        algorithm = header.get("alg")
        if algorithm not in ASYMMETRIC_ALGORITHMS:
            raise OIDCError(f"the ID token's signature algorithm {algorithm!r} is not accepted")
        key = self._signing_key(header.get("kid"), algorithm)
        try:
            claims = jwt.decode(
                id_token, key=key.key, algorithms=[algorithm], audience=self.client_id,
                issuer=self.metadata().issuer, leeway=self.leeway_s,
                options={"require": ["iss", "aud", "exp", "iat", "sub"], "verify_signature": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OIDCError("the ID token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise OIDCError("the ID token was not issued to this archive (aud)") from exc
        except jwt.InvalidIssuerError as exc:
            raise OIDCError("the ID token was not issued by the configured identity provider (iss)") from exc
        except jwt.PyJWTError as exc:
            raise OIDCError(f"the ID token does not verify: {exc}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if ("azp" in claims or len(audiences) > 1) and claims.get("azp") != self.client_id:
            raise OIDCError("the ID token was issued to another party (azp)")
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
            raise OIDCError("the ID token does not belong to this sign-in (nonce)")
        return claims


# ---- claims → the person -------------------------------------------------------------------------


def _setting(settings: Any, name: str, default: Any) -> Any:
    if isinstance(settings, Mapping):
        return settings.get(name, default)
    return getattr(settings, name, default)


def _known_value(claims: Mapping[str, Any], claim: str, what: str, allowed: tuple[str, ...], name: str) -> str:
    """The one value of a claim that must hold one of `allowed`; missing or unknown refuses the login."""
    value = _one_value(claims, claim, what.split()[-1], name)
    if value is None:
        raise ClaimsRefused(f"{name} has no {what} (claim {claim!r}): a records officer must set one "
                            f"at the identity provider", name)
    if value not in allowed:
        raise ClaimsRefused(f"{name} has the unknown {what} {value!r} (claim {claim!r}); one of: "
                            f"{', '.join(allowed)}", name)
    return value


def _one_value(claims: Mapping[str, Any], claim: str, what: str, name: str) -> str | None:
    value = claims.get(claim)
    if isinstance(value, list):
        values = list(dict.fromkeys(v for v in value if v not in (None, "")))
        if len(values) > 1:
            raise ClaimsRefused(f"{name} has several {what}s in the claim {claim!r} ({', '.join(map(str, values))}); "
                                f"the archive needs exactly one", name)
        value = values[0] if values else None
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ClaimsRefused(f"the claim {claim!r} of {name} is not a text value", name)
    return value.strip()


def principal_from_claims(claims: Mapping[str, Any], settings: Any, address: str | None = None) -> Principal:
    """The archive person verified claims stand for.

    `settings` is the archive's `Settings` or any mapping/object with `oidc_role_claim`,
    `oidc_clearance_claim` and `oidc_units_claim`. The name is `preferred_username`; the role and the
    clearance must each be present, single and known (else ClaimsRefused: the sign-in is refused, never
    defaulted); units are optional (none = every unit, as for users of the archive's own store).
    """
    role_claim = _setting(settings, "oidc_role_claim", "archive_role")
    clearance_claim = _setting(settings, "oidc_clearance_claim", "archive_clearance")
    units_claim = _setting(settings, "oidc_units_claim", "archive_units")

    name = claims.get("preferred_username")
    if not isinstance(name, str) or not name.strip():
        raise ClaimsRefused("the ID token carries no preferred_username")
    name = unicodedata.normalize("NFC", name.strip())
    if len(name) > _MAX_NAME or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ClaimsRefused("the preferred_username in the ID token is too long or holds control characters")

    role = _known_value(claims, role_claim, "archive role", ROLES, name)
    clearance = _known_value(claims, clearance_claim, "clearance", CLASSIFICATIONS, name)

    raw_units = claims.get(units_claim)
    if raw_units is None:
        units: tuple[str, ...] = ()
    elif isinstance(raw_units, str):
        units = (raw_units.strip(),) if raw_units.strip() else ()
    elif isinstance(raw_units, list) and all(isinstance(u, str) for u in raw_units):
        units = tuple(dict.fromkeys(unicodedata.normalize("NFC", u.strip()) for u in raw_units if u.strip()))
    else:
        raise ClaimsRefused(f"the claim {units_claim!r} of {name} is not a list of unit names", name)
    return Principal(name=name, role=role, clearance=clearance, units=units, kind="oidc", address=address)
