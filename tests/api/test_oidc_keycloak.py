"""Signing in through OpenID Connect against a real Keycloak (started by the `keycloak_server` fixture).

The realm, its confidential client, the protocol mappers and the people are made through Keycloak's
admin REST API (httpx), with the same client/mapper/user-profile representations scripts/services
uses for its development realm and docs/deploy.md describes. The archive runs in this process under
uvicorn on a free 127.0.0.1 port; an httpx client plays the browser: it follows the archive's redirect
to Keycloak, fills in Keycloak's real login form, and comes back to the archive's callback.
"""

from __future__ import annotations

import html
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from archive.api.app import create_app
from archive.config import Settings
from archive.identity import Principal
from archive.oidc import (
    ClaimsRefused,
    OIDCClient,
    OIDCError,
    PendingLogin,
    login_cookie_key,
    principal_from_claims,
    safe_next_path,
    seal,
    unseal,
)
from common.vocabulary import CLASSIFICATIONS, ROLES
from tests.servers import KeycloakServer, services
from tests.uvicorn_app import bound_socket, serving

SESSION_COOKIE = "archive_session"
LOGIN_COOKIE = "archive_oidc_login"
PASSWORD = "Mat-khau-dung-1"
UNITS = ["Lữ đoàn 201", "Trung đoàn 141, Sư đoàn 312"]


# ---- Keycloak's admin REST API --------------------------------------------------------------------


class KeycloakAdmin:
    def __init__(self, server: KeycloakServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=60)

    def _token(self) -> str:  # admin-cli tokens live one minute: take a fresh one for every call
        response = self.http.post("/realms/master/protocol/openid-connect/token", data={
            "grant_type": "password", "client_id": "admin-cli",
            "username": self.server.admin, "password": self.server.admin_password})
        response.raise_for_status()
        return response.json()["access_token"]

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = self.http.request(method, "/admin" + path, headers={"Authorization": "Bearer " + self._token()},
                                     **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response

    def create_realm(self, realm: str, client: dict) -> None:
        self.call("POST", "/realms", json=services.keycloak_realm(realm, client))
        profile = self.call("GET", f"/realms/{realm}/users/profile").json()
        profile["attributes"] += services.keycloak_profile_attributes()
        self.call("PUT", f"/realms/{realm}/users/profile", json=profile)

    def create_user(self, realm: str, username: str, attributes: dict[str, list[str]], password: str = PASSWORD) -> None:
        self.call("POST", f"/realms/{realm}/users", json={
            "username": username, "enabled": True, "email": f"{username}@archive.test", "emailVerified": True,
            "firstName": username.capitalize(), "lastName": "Test", "attributes": attributes,
            "credentials": [{"type": "password", "value": password, "temporary": False}],
        })

    def user(self, realm: str, username: str) -> dict:
        found = self.call("GET", f"/realms/{realm}/users", params={"username": username, "exact": "true"}).json()
        assert len(found) == 1, found
        return found[0]

    def close(self) -> None:
        self.http.close()


# ---- the archive, served for real -----------------------------------------------------------------


@dataclass
class Deployment:
    keycloak: KeycloakServer
    admin: KeycloakAdmin
    realm: str
    client_id: str
    client_secret: str
    url: str  # the archive's base URL
    app: object
    settings: Settings
    users: dict[str, dict] = field(default_factory=dict)

    @property
    def callback_url(self) -> str:
        return self.url + "/api/v1/auth/oidc/callback"

    @property
    def issuer(self) -> str:
        return self.keycloak.issuer(self.realm)

    def oidc_client(self, **overrides) -> OIDCClient:
        values = dict(issuer=self.issuer, client_id=self.client_id, client_secret=self.client_secret,
                      redirect_url=self.callback_url)
        values.update(overrides)
        return OIDCClient(values.pop("issuer"), values.pop("client_id"), values.pop("client_secret"),
                          values.pop("redirect_url"), **values)


@pytest.fixture(scope="module")
def deployment(keycloak_server: KeycloakServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    admin = KeycloakAdmin(keycloak_server)
    sock, url = bound_socket()

    realm = "archive-test-" + secrets.token_hex(4)
    client_id, client_secret = "archive", secrets.token_urlsafe(24)
    admin.create_realm(realm, services.keycloak_client(client_id, client_secret, [url + "/api/v1/auth/oidc/callback"]))
    people = {
        "ky.thuat": {"archive_role": ["technician"], "archive_clearance": ["secret"], "archive_units": UNITS},
        "kiem.tra": {"archive_role": ["inspector"], "archive_clearance": ["top_secret"]},
        "khong.vai": {"archive_clearance": ["confidential"]},  # no archive role: must be refused
        "khong.mat": {"archive_role": ["clerk"]},  # no clearance: must be refused
    }
    for username, attributes in people.items():
        admin.create_user(realm, username, attributes)

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("oidc") / "data",
        oidc_issuer=keycloak_server.issuer(realm), oidc_client_id=client_id, oidc_client_secret=client_secret,
        oidc_redirect_url=url + "/api/v1/auth/oidc/callback",
        cookie_secure=True,  # the production default: browsers send Secure cookies to http://127.0.0.1 too
        serve_workers=0, index_retry_s=3600,
    )
    app = create_app(settings)
    try:
        with serving(app, sock):
            yield Deployment(keycloak_server, admin, realm, client_id, client_secret, url, app, settings, people)
    finally:
        try:
            admin.call("DELETE", f"/realms/{realm}")
        finally:
            admin.close()


# ---- a browser ------------------------------------------------------------------------------------


def _form_action(page: str) -> str:
    form = re.search(r"<form\b[^>]*\bid=\"kc-form-login\"[^>]*>", page)
    assert form, "no Keycloak login form in the page:\n" + page[:2000]
    action = re.search(r"\baction=\"([^\"]+)\"", form.group(0))
    assert action, form.group(0)
    return html.unescape(action.group(1))


@dataclass
class KeycloakAnswer:
    browser: httpx.Client
    response: httpx.Response  # Keycloak's answer to the submitted login form

    @property
    def back_to_archive(self) -> str | None:
        """The callback URL Keycloak sends the browser back to, or None when it showed a page instead."""
        location = self.response.headers.get("location")
        return location if self.response.status_code in (302, 303) and location else None


def sign_in_at_keycloak(browser: httpx.Client, authorization_url: str, username: str, password: str) -> KeycloakAnswer:
    page = browser.get(authorization_url)
    assert page.status_code == 200, (page.status_code, page.text[:500])
    answer = browser.post(_form_action(page.text), data={"username": username, "password": password, "credentialId": ""})
    return KeycloakAnswer(browser, answer)


def begin_at_archive(d: Deployment, browser: httpx.Client, next_path: str | None = None) -> str:
    """GET the archive's login; returns the Keycloak authorization URL it redirects to."""
    response = browser.get(d.url + "/api/v1/auth/oidc/login", params={"next": next_path} if next_path else None)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(d.issuer + "/protocol/openid-connect/auth?"), location
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0] and query["redirect_uri"] == [d.callback_url]
    login_cookie = response.headers["set-cookie"]
    assert login_cookie.startswith(LOGIN_COOKIE + "=") and "HttpOnly" in login_cookie
    assert "samesite=lax" in login_cookie.lower() and "Path=/api/v1/auth/oidc" in login_cookie
    return location


def browser_for(d: Deployment) -> httpx.Client:
    """A browser: a cookie jar and no automatic redirects (each hop is checked).

    As browsers do, it counts http://127.0.0.1 as a secure context, where `Secure` cookies are sent
    (Keycloak marks its own cookies Secure, and so does the archive with ARCHIVE_COOKIE_SECURE=true);
    Python's cookie jar would hold them back over plain HTTP."""
    browser = httpx.Client(timeout=60, follow_redirects=False)

    def loopback_is_secure(_: httpx.Response) -> None:
        for cookie in browser.cookies.jar:
            if cookie.domain in ("127.0.0.1", "localhost"):
                cookie.secure = False

    browser.event_hooks["response"].append(loopback_is_secure)
    return browser


def _set_cookie_headers(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def _audit(d: Deployment, name: str) -> list:
    auditor = Principal("oidc-test-auditor", "auditor", "top_secret", (), "user", "test")
    return [e for e in d.app.state.archive.audit_entries(auditor, user=name) if e.action == "login"]


# ---- the whole flow, as a browser lives it -------------------------------------------------------


def test_sign_in_through_keycloak_maps_the_claims_to_the_session(deployment: Deployment) -> None:
    d = deployment
    with browser_for(d) as browser:
        authorization_url = begin_at_archive(d, browser, next_path="/api/v1/auth/me")
        answer = sign_in_at_keycloak(browser, authorization_url, "ky.thuat", PASSWORD)
        callback = answer.back_to_archive
        assert callback and callback.startswith(d.callback_url + "?"), (answer.response.status_code, answer.response.text[:500])
        assert "code" in parse_qs(urlsplit(callback).query)

        landed = browser.get(callback)
        assert landed.status_code == 303, landed.text
        assert landed.headers["location"] == "/api/v1/auth/me"
        cookies = _set_cookie_headers(landed)
        session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
        assert "HttpOnly" in session_cookie and "samesite=lax" in session_cookie.lower()
        assert any(c.startswith(LOGIN_COOKIE + "=") and "Max-Age=0" in c for c in cookies)  # used up

        me = browser.get(d.url + "/api/v1/auth/me")
        assert me.status_code == 200, me.text
        assert me.json() == {"name": "ky.thuat", "role": "technician", "clearance": "secret", "units": UNITS,
                             "kind": "oidc"}

        # the session is the archive's: it works without Keycloak in the loop, until signed out
        session_id = browser.cookies.get(SESSION_COOKIE)
        principal = d.app.state.archive.users.principal_for_session(session_id)
        assert principal == Principal("ky.thuat", "technician", "secret", tuple(UNITS), "oidc", None)
        assert browser.post(d.url + "/api/v1/auth/logout").status_code == 204
    assert d.app.state.archive.users.principal_for_session(session_id) is None
    entries = _audit(d, "ky.thuat")
    assert (entries[-1].outcome, entries[-1].role, entries[-1].details.get("method")) == ("ok", "technician", "oidc")


def test_a_second_person_gets_their_own_claims_and_no_units_means_every_unit(deployment: Deployment) -> None:
    d = deployment
    with browser_for(d) as browser:
        answer = sign_in_at_keycloak(browser, begin_at_archive(d, browser), "kiem.tra", PASSWORD)
        landed = browser.get(answer.back_to_archive)
        assert landed.status_code == 303 and landed.headers["location"] == "/"
        me = browser.get(d.url + "/api/v1/auth/me").json()
    assert me == {"name": "kiem.tra", "role": "inspector", "clearance": "top_secret", "units": [], "kind": "oidc"}


def test_a_wrong_password_never_yields_a_session(deployment: Deployment) -> None:
    d = deployment
    with browser_for(d) as browser:
        answer = sign_in_at_keycloak(browser, begin_at_archive(d, browser), "ky.thuat", "wrong-password")
        assert answer.back_to_archive is None  # Keycloak shows its form again, with an error
        assert answer.response.status_code == 200
        assert "kc-form-login" in answer.response.text
        assert SESSION_COOKIE not in browser.cookies
        assert browser.get(d.url + "/api/v1/auth/me").status_code == 401
        # a made-up code at the callback is refused by Keycloak's token endpoint
        refused = browser.get(d.callback_url, params={"code": "made-up", "state": "made-up"})
        assert refused.status_code == 401
        assert SESSION_COOKIE not in browser.cookies


@pytest.mark.parametrize("username, missing", [("khong.vai", "archive role"), ("khong.mat", "clearance")])
def test_a_person_without_an_archive_role_or_clearance_is_refused(deployment: Deployment, username: str,
                                                                   missing: str) -> None:
    d = deployment
    with browser_for(d) as browser:
        answer = sign_in_at_keycloak(browser, begin_at_archive(d, browser), username, PASSWORD)
        assert answer.back_to_archive, "Keycloak itself lets the person in"
        refused = browser.get(answer.back_to_archive)
        assert refused.status_code == 403, refused.text
        assert missing in refused.json()["detail"]
        assert not any(c.startswith(SESSION_COOKIE + "=") for c in _set_cookie_headers(refused))
        assert SESSION_COOKIE not in browser.cookies
        assert browser.get(d.url + "/api/v1/auth/me").status_code == 401
    entries = _audit(d, username)
    assert entries and entries[-1].outcome == "denied" and missing in entries[-1].details["reason"]


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_tampered_state_is_refused(deployment: Deployment) -> None:
    d = deployment
    with browser_for(d) as browser:
        answer = sign_in_at_keycloak(browser, begin_at_archive(d, browser), "ky.thuat", PASSWORD)
        callback = answer.back_to_archive
        state = parse_qs(urlsplit(callback).query)["state"][0]
        tampered = browser.get(_with_query(callback, state=state[:-2] + ("AA" if not state.endswith("AA") else "BB")))
        assert tampered.status_code == 401 and "state" in tampered.json()["detail"]
        assert SESSION_COOKIE not in browser.cookies
        # the refusal used up the pending sign-in: the genuine answer no longer works either
        assert browser.get(callback).status_code == 401
        assert browser.get(d.url + "/api/v1/auth/me").status_code == 401


def test_an_answer_naming_another_issuer_is_refused(deployment: Deployment) -> None:
    """RFC 9207: Keycloak names itself (`iss`) in its answer; an answer naming another provider is refused."""
    d = deployment
    with browser_for(d) as browser:
        answer = sign_in_at_keycloak(browser, begin_at_archive(d, browser), "ky.thuat", PASSWORD)
        assert parse_qs(urlsplit(answer.back_to_archive).query)["iss"] == [d.issuer]
        refused = browser.get(_with_query(answer.back_to_archive, iss="https://idp.evil.example/realms/archive"))
        assert refused.status_code == 401 and "iss" in refused.json()["detail"]
        assert SESSION_COOKIE not in browser.cookies


def test_an_answer_meant_for_another_browser_is_refused(deployment: Deployment) -> None:
    """Login CSRF: a victim's browser is sent to the callback with the attacker's code and state."""
    d = deployment
    with browser_for(d) as attacker, browser_for(d) as victim:
        answer = sign_in_at_keycloak(attacker, begin_at_archive(d, attacker), "kiem.tra", PASSWORD)
        begin_at_archive(d, victim)  # the victim has a sign-in of their own under way
        refused = victim.get(answer.back_to_archive)
        assert refused.status_code == 401
        assert SESSION_COOKIE not in victim.cookies
        no_cookie = httpx.get(answer.back_to_archive, timeout=30)  # nor a browser with no sign-in begun
        assert no_cookie.status_code == 401 and "cookie" in no_cookie.json()["detail"]


def test_a_forged_login_cookie_is_refused(deployment: Deployment) -> None:
    d = deployment
    with browser_for(d) as browser:
        authorization_url = begin_at_archive(d, browser)
        answer = sign_in_at_keycloak(browser, authorization_url, "ky.thuat", PASSWORD)
        query = parse_qs(urlsplit(answer.back_to_archive).query)
        nonce = parse_qs(urlsplit(authorization_url).query)["nonce"][0]
        forged = seal(PendingLogin(query["state"][0], nonce, "x" * 43, time.time()), login_cookie_key("guessed-secret"))
        browser.cookies.set(LOGIN_COOKIE, forged, domain="127.0.0.1", path="/api/v1/auth/oidc")
        refused = browser.get(answer.back_to_archive)
        assert refused.status_code == 401 and "not one this archive made" in refused.json()["detail"]


# ---- the protocol steps of archive/oidc.py against the real Keycloak ------------------------------


def _code_for(d: Deployment, client: OIDCClient, username: str = "ky.thuat"):
    login = client.begin()
    with browser_for(d) as browser:
        answer = sign_in_at_keycloak(browser, login.url, username, PASSWORD)
    query = parse_qs(urlsplit(answer.back_to_archive).query)
    return login.pending, query["code"][0], query["state"][0]


def test_oidc_client_code_flow_and_id_token_checks(deployment: Deployment) -> None:
    d = deployment
    client = d.oidc_client()
    try:
        metadata = client.metadata()
        assert metadata.issuer == d.issuer and metadata.token_endpoint.startswith(d.issuer)

        pending, code, state = _code_for(d, client)
        claims = client.complete(pending, code, state)
        assert claims["iss"] == d.issuer and claims["aud"] in (d.client_id, [d.client_id])
        assert claims["nonce"] == pending.nonce and claims["preferred_username"] == "ky.thuat"
        assert claims["archive_role"] == "technician" and claims["archive_units"] == UNITS
        assert principal_from_claims(claims, d.settings) == Principal(
            "ky.thuat", "technician", "secret", tuple(UNITS), "oidc")
        with pytest.raises(OIDCError, match="refused the code"):  # a code works once
            client.complete(pending, code, state)

        # PKCE: a code is worth nothing without the verifier of the sign-in that asked for it
        pending, code, state = _code_for(d, client)
        with pytest.raises(OIDCError, match="refused the code"):
            client.exchange_code(code, "A" * 43)

        # the nonce binds the ID token to the sign-in that asked for it
        pending, code, state = _code_for(d, client)
        tokens = client.exchange_code(code, pending.code_verifier)
        with pytest.raises(OIDCError, match="nonce"):
            client.verify_id_token(tokens["id_token"], "another-sign-in")
        assert client.verify_id_token(tokens["id_token"], pending.nonce)["sub"]
        # a token changed by one character no longer verifies
        header, payload, signature = tokens["id_token"].split(".")
        flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
        with pytest.raises(OIDCError):
            client.verify_id_token(".".join([header, payload, flipped]), pending.nonce)
        # ... nor does an ID token shown to a client it was not issued to (aud)
        other = d.oidc_client(client_id="another-client")
        try:
            with pytest.raises(OIDCError, match="aud"):
                other.verify_id_token(tokens["id_token"], pending.nonce)
        finally:
            other.close()
        # ... nor one whose signature algorithm is "none"
        import base64, json
        unsigned = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
        with pytest.raises(OIDCError, match="not accepted"):
            client.verify_id_token(f"{unsigned}.{payload}.", pending.nonce)
    finally:
        client.close()


def test_oidc_client_refuses_a_client_secret_keycloak_does_not_know(deployment: Deployment) -> None:
    d = deployment
    client = d.oidc_client()
    wrong = d.oidc_client(client_secret="not-the-secret")
    try:
        pending, code, state = _code_for(d, client)
        with pytest.raises(OIDCError, match="refused the code"):
            wrong.complete(pending, code, state)
    finally:
        client.close()
        wrong.close()


def test_discovery_checks_the_issuer(deployment: Deployment) -> None:
    d = deployment
    # Keycloak answers the discovery of `localhost` with a `localhost` issuer: not the configured one
    client = d.oidc_client(issuer=d.issuer.replace("127.0.0.1", "localhost"))
    try:
        assert client.metadata().issuer.startswith("http://localhost:")  # itself consistent
    finally:
        client.close()
    with pytest.raises(OIDCError, match="issuer"):
        from archive.oidc import ProviderMetadata

        ProviderMetadata.from_document(httpx.get(d.issuer + "/.well-known/openid-configuration").json(),
                                       d.issuer.replace("127.0.0.1", "localhost"))


def test_the_development_realm_of_scripts_services(keycloak_server: KeycloakServer) -> None:
    """`scripts/services up keycloak` made the realm `env keycloak` points the archive at."""
    env = keycloak_server.env()
    assert env["ARCHIVE_OIDC_ISSUER"] == keycloak_server.issuer("archive")
    assert env["ARCHIVE_COOKIE_SECURE"] == "false"
    discovery = httpx.get(env["ARCHIVE_OIDC_ISSUER"] + "/.well-known/openid-configuration", timeout=30).json()
    assert discovery["issuer"] == env["ARCHIVE_OIDC_ISSUER"]
    admin = KeycloakAdmin(keycloak_server)
    try:
        clients = admin.call("GET", "/realms/archive/clients", params={"clientId": env["ARCHIVE_OIDC_CLIENT_ID"]}).json()
        assert len(clients) == 1 and not clients[0]["publicClient"]
        assert {m["config"]["claim.name"] for m in clients[0]["protocolMappers"]} == {
            "archive_role", "archive_clearance", "archive_units"}
        secret = admin.call("GET", f"/realms/archive/clients/{clients[0]['id']}/client-secret").json()["value"]
        assert secret == env["ARCHIVE_OIDC_CLIENT_SECRET"]
        profile = admin.call("GET", "/realms/archive/users/profile").json()
        declared = {a["name"]: a for a in profile["attributes"]}
        assert declared["archive_role"]["permissions"] == {"view": ["admin"], "edit": ["admin"]}
        assert declared["archive_units"]["multivalued"] is True
    finally:
        admin.close()
    # the services script runs before the venv exists, so it spells the vocabularies itself
    assert services.ARCHIVE_ROLES == ROLES and services.ARCHIVE_CLEARANCES == CLASSIFICATIONS


# ---- without a provider ---------------------------------------------------------------------------


def test_without_an_issuer_the_oidc_routes_do_not_exist(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    app = create_app(Settings(data_dir=tmp_path / "data", auth="off", serve_workers=0))
    with TestClient(app) as client:
        assert client.get("/api/v1/auth/oidc/login", follow_redirects=False).status_code == 404
        assert client.get("/api/v1/auth/oidc/callback?code=x&state=y").status_code == 404


CLAIM_NAMES = {"oidc_role_claim": "archive_role", "oidc_clearance_claim": "archive_clearance",
               "oidc_units_claim": "archive_units"}


def test_principal_from_claims() -> None:
    base = {"preferred_username": "ky.thuat", "archive_role": "technician", "archive_clearance": "secret"}
    assert principal_from_claims(base, CLAIM_NAMES) == Principal("ky.thuat", "technician", "secret", (), "oidc")
    assert principal_from_claims({**base, "archive_units": "Lữ đoàn 201"}, CLAIM_NAMES).units == ("Lữ đoàn 201",)
    assert principal_from_claims({**base, "archive_role": ["technician"]}, CLAIM_NAMES).role == "technician"
    # other claim names, from the settings
    custom = {"oidc_role_claim": "role", "oidc_clearance_claim": "clr", "oidc_units_claim": "units"}
    assert principal_from_claims({"preferred_username": "a", "role": "auditor", "clr": "unclassified",
                                  "units": ["X"]}, custom) == Principal("a", "auditor", "unclassified", ("X",), "oidc")
    refused = [
        ({**base, "archive_role": None}, "no archive role"),
        ({k: v for k, v in base.items() if k != "archive_role"}, "no archive role"),
        ({**base, "archive_role": "operator"}, "unknown archive role"),  # the local operator's every right
        ({**base, "archive_role": "general"}, "unknown archive role"),
        ({**base, "archive_role": ["clerk", "auditor"]}, "several roles"),
        ({**base, "archive_clearance": "cosmic"}, "unknown clearance"),
        ({k: v for k, v in base.items() if k != "archive_clearance"}, "no clearance"),
        ({**base, "archive_units": [1, 2]}, "not a list of unit names"),
        ({**base, "preferred_username": ""}, "preferred_username"),
        ({**base, "preferred_username": "a\x00b"}, "control characters"),
    ]
    for claims, reason in refused:
        with pytest.raises(ClaimsRefused, match=reason):
            principal_from_claims(claims, CLAIM_NAMES)


def test_login_cookie_seal() -> None:
    key = login_cookie_key("secret")
    pending = PendingLogin("s", "n", "v", float(int(time.time())), "/api/v1/search?q=x")
    assert unseal(seal(pending, key), key) == pending
    with pytest.raises(OIDCError, match="not one this archive made"):
        unseal(seal(pending, login_cookie_key("other")), key)
    sealed = seal(pending, key)
    with pytest.raises(OIDCError, match="not one this archive made"):
        unseal(sealed[:5] + ("A" if sealed[5] != "A" else "B") + sealed[6:], key)
    with pytest.raises(OIDCError, match="too long"):
        unseal(seal(PendingLogin("s", "n", "v", time.time() - 3600), key), key)
    with pytest.raises(OIDCError, match="missing"):
        unseal(None, key)
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil", "javascript:alert(1)", "/a\r\nb"):
        assert safe_next_path(evil) == "/"
    assert safe_next_path("/api/v1/equipment/KB-15-84") == "/api/v1/equipment/KB-15-84"
