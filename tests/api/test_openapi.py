"""The OpenAPI document says what the API really answers (media types, errors, credentials), and the cases
Schemathesis found (tests/api/test_schemathesis.py), each as a plain regression test."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from archive.api import create_app
from archive.api.auth import SESSION_COOKIE
from archive.bootstrap import build_archive
from archive.config import Settings
from archive.identity import local_operator
from ingest.sniff import SUPPORTED


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    """An archive served with auth on: a records officer with a password and a token, an auditor with a token."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("openapi") / "data", auth="on", serve_workers=0,
                        cookie_secure=False)
    archive = build_archive(settings, with_queue=False)
    try:
        archive.add_user(local_operator(), "officer", "records_officer", "secret", [], password="officer-password")
        token = archive.create_token(local_operator(), "officer").secret
        archive.add_user(local_operator(), "auditor", "auditor", "secret", [], password="auditor-password")
        auditor_token = archive.create_token(local_operator(), "auditor").secret
    finally:
        archive.close()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.token, client.auditor_token = token, auditor_token
        yield client


@pytest.fixture(scope="module")
def spec(people):
    return people.get("/openapi.json").json()


def _auth(client, url: str = "") -> dict[str, str]:
    token = client.auditor_token if url.startswith("/api/v1/audit") else client.token
    return {"Authorization": f"Bearer {token}"}


# ---- found by Schemathesis: numbers taken for dates ---------------------------------------------


@pytest.mark.parametrize("url", [
    "/api/v1/search?date_to=0",  # was 1970-01-01
    "/api/v1/search?date_from=86400",  # was 1970-01-02
    "/api/v1/search?date_from=2020-1-5",
    "/api/v1/audit?since=20200105",  # was 1970-08-23: the whole trail since then
    "/api/v1/audit?since=0",
])
def test_a_number_is_not_a_date(people, url):
    response = people.get(url, headers=_auth(people, url))
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"][0] == "query" and "ISO 8601" in problem["msg"]


def test_a_token_expiry_is_a_date_not_a_number(people):
    response = people.post("/api/v1/tokens", json={"expires": 20200105}, headers=_auth(people))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "expires"]
    created = people.post("/api/v1/tokens", json={"expires": "2099-01-05"}, headers=_auth(people))
    assert created.status_code == 201 and created.json()["expires_at"].startswith("2099-01-05"), created.text


@pytest.mark.parametrize("url", [
    "/api/v1/search?date_from=2020-01-05&date_to=2020-12-31",
    "/api/v1/audit?since=2020-01-05",
    "/api/v1/audit?since=2020-01-05T10:00:00Z",
    "/api/v1/audit?since=2020-01-05T10:00:00%2B07:00",
])
def test_iso_dates_still_work(people, url):
    assert people.get(url, headers=_auth(people, url)).status_code == 200


# ---- credentials: declared, and behaving as before ----------------------------------------------


def test_the_schema_declares_bearer_and_cookie_as_alternatives(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "description": schemes["bearer"]["description"]}
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", SESSION_COOKIE)
    operations = [(path, op) for path, ops in spec["paths"].items() for op in ops.values()]
    secured = {path for path, op in operations if op.get("security")}
    assert {path for path, _ in operations if path.startswith("/api/v1/")} - secured == {"/api/v1/auth/login"}
    assert all(op["security"] == [{"bearer": []}, {"session": []}] for path, op in operations if path in secured)


def test_without_credentials_401_with_www_authenticate(people):
    for headers in ({}, {"Authorization": "Basic b2ZmaWNlcjpvZmZpY2VyLXBhc3N3b3Jk"}, {"Authorization": "Bearer "}):
        response = people.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer", headers
        assert set(response.json()) == {"detail"}
    wrong = people.get("/api/v1/auth/me", headers={"Authorization": "Bearer arch_nope_nope"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "the token is unknown, expired or revoked"


def test_bearer_token_and_session_cookie_still_work(people):
    assert people.get("/api/v1/auth/me", headers=_auth(people)).json()["name"] == "officer"
    login = people.post("/api/v1/auth/login", json={"username": "officer", "password": "officer-password"})
    assert login.status_code == 200, login.text
    session = login.cookies[SESSION_COOKIE]
    try:
        people.cookies.clear()
        people.cookies.set(SESSION_COOKIE, session)
        me = people.get("/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["name"] == "officer"
        people.cookies.clear()
        people.cookies.set(SESSION_COOKIE, "not-a-session")
        ended = people.get("/api/v1/auth/me")
        assert ended.status_code == 401 and ended.json()["detail"] == "the session has ended; sign in again"
    finally:
        people.cookies.clear()


# ---- media types and errors -----------------------------------------------------------------------


def _responses(spec, path, method="get"):
    return spec["paths"][path][method]["responses"]


def test_byte_answers_declare_their_media_types_not_json(spec):
    file = _responses(spec, "/api/v1/documents/{document_id}/file")
    for status in ("200", "206"):
        assert set(file[status]["content"]) == {*SUPPORTED, "application/octet-stream"}
    assert "Content-Range" in file["206"]["headers"] and "Content-Range" in file["416"]["headers"]
    assert set(file["416"]["content"]) == {"application/json"}
    assert set(_responses(spec, "/api/v1/documents/{document_id}/pages/{page}.png")["200"]["content"]) == {"image/png"}
    assert set(_responses(spec, "/api/v1/equipment/{serial}/export")["200"]["content"]) == {"application/zip"}
    assert "415" in _responses(spec, "/api/v1/ingest", "post")


def test_every_api_operation_declares_the_errors_it_gives(spec):
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "413", "422", "503"} <= codes, (method, path, codes)
            for code in codes - {"200", "201", "202", "204", "206"}:
                [media] = operation["responses"][code]["content"]
                assert media == "application/json", (method, path, code)


def test_the_422_schema_is_what_the_handler_sends(people, spec):
    schema = _responses(spec, "/api/v1/search")["422"]["content"]["application/json"]["schema"]
    shapes = schema["properties"]["detail"]["anyOf"]
    assert {shape["type"] for shape in shapes} == {"string", "array"}
    item = next(shape for shape in shapes if shape["type"] == "array")["items"]
    invalid = people.get("/api/v1/search?limit=0", headers=_auth(people))
    assert invalid.status_code == 422
    assert all(set(problem) == set(item["required"]) == {"loc", "msg"} for problem in invalid.json()["detail"])
    refused = people.post("/api/v1/users", json={"name": "x", "role": "admiral", "clearance": "secret"}, headers=_auth(people))
    assert refused.status_code == 422 and isinstance(refused.json()["detail"], str)


def test_an_unknown_serial_declares_its_candidates(people, spec):
    schema = _responses(spec, "/api/v1/equipment/{serial}")["404"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]) == {"detail", "candidates"} and schema["required"] == ["detail"]
    response = people.get("/api/v1/equipment/NO-SUCH-1", headers=_auth(people))
    assert response.status_code == 404 and set(response.json()) <= {"detail", "candidates"}
