"""The permission matrix: every endpoint × every role × every classification × in-unit / out-of-unit.

Each user holds clearance `secret` and the unit Lữ đoàn 201. The expected answer follows from two rules
only, the policy's: a role that may not do the action gets 403 for every document alike; a role that may
gets the document when it is at most `secret` and in the unit, and 404 — as for an unknown id — otherwise.
Without credentials every endpoint answers 401. The CLI goes through the same use cases: its matrix is at
the end.
"""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from archive.api import create_app
from archive.policy import PERMISSIONS, Action
from common.vocabulary import ROLES
from tests.conftest import SAMPLE_LINES, text_pdf
from tests.secured import IN_UNIT, ITEM_IN, LEVELS, OUT_UNIT, build_secured, visible_to_user

# (method, path, json body, action) for the endpoints about one document; {id} is filled in.
DOCUMENT_ENDPOINTS = [
    ("GET", "/api/v1/documents/{id}", None, Action.READ),
    ("GET", "/api/v1/documents/{id}/text", None, Action.READ),
    ("GET", "/api/v1/documents/{id}/versions/1", None, Action.READ),
    ("GET", "/api/v1/documents/{id}/pages/1.png?width=64", None, Action.READ),
    ("GET", "/api/v1/documents/{id}/file", None, Action.DOWNLOAD),
    ("PATCH", "/api/v1/documents/{id}", {"fields": {"document_number": "99/BB-KT"}, "note": "matrix"}, Action.CORRECT),
    ("POST", "/api/v1/documents/{id}/classification", {"classification": "top_secret", "reason": "matrix"}, Action.CLASSIFY),
]

# Endpoints not about one document: (method, path, json body, the actions any of which allows it).
GLOBAL_ENDPOINTS = [
    ("GET", "/api/v1/search?q=kiem+tra", None, {Action.SEARCH}),
    ("GET", f"/api/v1/equipment/{ITEM_IN}", None, {Action.READ}),
    ("GET", f"/api/v1/equipment/{ITEM_IN}/export", None, {Action.EXPORT}),
    ("GET", "/api/v1/review", None, {Action.REVIEW}),
    ("GET", "/api/v1/duplicates", None, {Action.REVIEW}),
    ("GET", "/api/v1/classification-requests", None, {Action.CLASSIFY}),
    ("GET", "/api/v1/users", None, {Action.MANAGE_USERS}),
    ("POST", "/api/v1/users", {"name": "new-{role}", "role": "technician", "clearance": "unclassified"}, {Action.MANAGE_USERS}),
    ("POST", "/api/v1/tokens", {}, {Action.TOKEN_OWN}),
    ("GET", "/api/v1/audit", None, {Action.AUDIT_ALL, Action.AUDIT_DOCUMENTS}),
    ("GET", "/api/v1/auth/me", None, None),  # anyone signed in
    ("POST", "/api/v1/auth/logout", None, None),
    # Allowed, these find nothing to act on: 404 (a refusal is 403 before anything is looked up).
    ("POST", "/api/v1/users/ghost/disable", None, {Action.MANAGE_USERS}),
    ("DELETE", "/api/v1/tokens/000000000000", None, {Action.MANAGE_USERS}),
    ("POST", "/api/v1/classification-requests/0123abcd/approve", None, {Action.CLASSIFY}),
]
# The web pages: (path, the action that allows it). They act as the person of the session cookie (or token);
# a page nobody signed in for sends the browser to /login instead of answering 401.
PAGES = [("/?q=kiem+tra", {Action.SEARCH}), (f"/equipment/{ITEM_IN}", {Action.READ}), ("/review", {Action.REVIEW}),
         ("/duplicates", {Action.REVIEW}), ("/audit", {Action.AUDIT_ALL, Action.AUDIT_DOCUMENTS}),
         ("/users", {Action.MANAGE_USERS}), ("/upload", {Action.INGEST})]
DOCUMENT_PAGES = [("/documents/{id}", Action.READ)]
FINDS_NOTHING = {"/api/v1/users/ghost/disable", "/api/v1/tokens/000000000000",
                 "/api/v1/classification-requests/0123abcd/approve"}


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    from archive.config import Settings

    return build_secured(Settings(data_dir=tmp_path_factory.mktemp("secured") / "data"))


@pytest.fixture(scope="module")
def client(secured):
    with TestClient(create_app(secured.settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _call(client, method: str, path: str, body, headers=None):
    return client.request(method, path, json=body, headers=headers or {})


def _expected(role: str, action: Action, level, unit) -> int:
    if action not in PERMISSIONS[role]:
        return 403
    return 200 if visible_to_user(level, unit) else 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path,body,action", DOCUMENT_ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in DOCUMENT_ENDPOINTS])
def test_document_endpoints_by_role_classification_and_unit(client, secured, role, method, path, body, action):
    answers = {}
    for level in LEVELS:
        for unit in (IN_UNIT, OUT_UNIT):
            document_id = secured.documents[(level, unit)]
            if action is Action.CLASSIFY and level is not None:
                body = {"classification": level, "reason": "matrix: confirmed as stamped"}  # changes nothing
            response = _call(client, method, path.format(id=document_id), body, secured.headers(role))
            answers[(level, unit)] = response.status_code
            if response.status_code == 404:  # word for word what an unknown id gets
                assert response.json() == {"detail": f"no document {document_id}"}
    expected = {(level, unit): _expected(role, action, level, unit) for level in LEVELS for unit in (IN_UNIT, OUT_UNIT)}
    assert answers == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path,body,actions", GLOBAL_ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in GLOBAL_ENDPOINTS])
def test_global_endpoints_by_role(client, secured, role, method, path, body, actions):
    if body and "name" in body:
        body = {**body, "name": body["name"].format(role=role)}
    response = _call(client, method, path, body, secured.headers(role))
    allowed = actions is None or bool(actions & PERMISSIONS[role])
    expected = ((404,) if path in FINDS_NOTHING else (200, 201, 204)) if allowed else (403,)
    assert response.status_code in expected, (role, path, response.status_code, response.text)


@pytest.mark.parametrize("role", ROLES)
def test_upload_and_jobs_by_role(client, secured, role):
    files = {"files": ("scan.pdf", io.BytesIO(text_pdf(SAMPLE_LINES)), "application/pdf")}
    response = client.post("/api/v1/ingest", files=files, headers=secured.headers(role))
    if Action.INGEST not in PERMISSIONS[role]:
        assert response.status_code == 403
        return
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert client.get(f"/api/v1/jobs/{job_id}", headers=secured.headers(role)).status_code == 200
    # A job is its owner's: another person does not learn of it.
    assert client.get(f"/api/v1/jobs/{job_id}", headers=secured.headers("officer2")).status_code in (403, 404)


@pytest.mark.parametrize("method,path,body,action", DOCUMENT_ENDPOINTS + [(m, p, b, None) for m, p, b, _ in GLOBAL_ENDPOINTS],
                         ids=[f"{m} {p}" for m, p, _, _ in DOCUMENT_ENDPOINTS + GLOBAL_ENDPOINTS])
def test_every_endpoint_wants_credentials(client, secured, method, path, body, action):
    document_id = secured.documents[("unclassified", IN_UNIT)]
    response = _call(client, method, path.format(id=document_id, role="x"), body)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bad = _call(client, method, path.format(id=document_id, role="x"), body, {"Authorization": "Bearer arch_nope_nope"})
    assert bad.status_code == 401


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path,action", PAGES)
def test_pages_by_role(client, secured, role, path, action):
    response = client.get(path, headers=secured.headers(role), follow_redirects=False)
    assert response.status_code == (200 if action & PERMISSIONS[role] else 403), (role, path)
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path,action", DOCUMENT_PAGES)
def test_document_pages_by_role_classification_and_unit(client, secured, role, path, action):
    answers = {(level, unit): client.get(path.format(id=secured.documents[(level, unit)]), headers=secured.headers(role),
                                         follow_redirects=False).status_code
               for level in LEVELS for unit in (IN_UNIT, OUT_UNIT)}
    assert answers == {(level, unit): _expected(role, action, level, unit) for level in LEVELS for unit in (IN_UNIT, OUT_UNIT)}


# The pages' forms: (path, form, the actions any of which allows it, the answer when allowed).
PAGE_FORMS = [
    ("/users", {"name": "form-{role}", "role": "technician", "clearance": "unclassified", "password": "form-password"},
     {Action.MANAGE_USERS}, 303),
    ("/users/ghost/disable", {}, {Action.MANAGE_USERS}, 404),  # allowed, and nobody of that name
    ("/review/" + "0" * 64, {"serial_number": "KB-00-00"}, {Action.CORRECT}, 404),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path,form,actions,answer", PAGE_FORMS, ids=[path for path, *_ in PAGE_FORMS])
def test_page_forms_by_role(client, secured, role, path, form, actions, answer):
    form = {name: value.format(role=role) for name, value in form.items()}
    response = client.post(path, data=form, headers=secured.headers(role), follow_redirects=False)
    assert response.status_code == (answer if actions & PERMISSIONS[role] else 403), (role, path, response.text[:300])


@pytest.mark.parametrize("path,action", PAGES + DOCUMENT_PAGES)
def test_every_page_wants_a_signed_in_person(client, secured, path, action):
    path = path.format(id=secured.documents[("unclassified", IN_UNIT)])
    for headers in ({}, {"Authorization": "Bearer arch_nope_nope"}, {"Cookie": "archive_session=ended"}):
        response = client.get(path, headers=headers, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), headers


def test_upload_and_job_without_credentials(client):
    files = {"files": ("scan.pdf", io.BytesIO(text_pdf(SAMPLE_LINES)), "application/pdf")}
    assert client.post("/api/v1/ingest", files=files).status_code == 401
    assert client.get("/api/v1/jobs/0123").status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_no_role_opens_the_metrics_from_elsewhere_than_the_loopback(client, secured, role):
    # The metrics are the operators' (scraped from the loopback address, or with ARCHIVE_METRICS_TOKEN); a user's
    # token, whatever the role, is not a metrics token. tests/api/test_metrics.py: loopback and token.
    assert client.get("/metrics", headers=secured.headers(role)).status_code == 403
