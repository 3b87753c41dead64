"""People over HTTP: signing in and out, tokens that expire, are revoked or outlive their user, the
two-person rule on downgrades, and an archive that refuses to serve nobody."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from archive.api import create_app
from archive.bootstrap import build_archive
from archive.config import Settings
from archive.errors import NotConfigured
from archive.identity import local_operator
from tests.secured import IN_UNIT, build_secured


@pytest.fixture
def secured(tmp_path):
    return build_secured(Settings(data_dir=tmp_path / "data"))


@pytest.fixture
def client(secured):
    with TestClient(create_app(secured.settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _audit(client, secured, **params):
    return client.get("/api/v1/audit", params=params, headers=secured.headers("auditor")).json()


def test_password_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(client, secured):
    answer = client.post("/api/v1/auth/login", json={"username": "technician", "password": "technician-password"})
    assert answer.status_code == 200
    assert answer.json() == {"name": "technician", "role": "technician", "clearance": "secret", "units": [IN_UNIT], "kind": "user"}
    cookie = answer.headers["set-cookie"].lower()
    assert "archive_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/api/v1/auth/me").json()["name"] == "technician"  # the cookie alone signs the requests
    assert client.get("/api/v1/search", params={"q": "bao mat"}).json()["total"] == 3
    assert client.post("/api/v1/auth/logout").status_code == 204
    client.cookies.clear()
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_logged_out_session_cookie_no_longer_works(client, secured):
    client.post("/api/v1/auth/login", json={"username": "clerk", "password": "clerk-password"})
    stolen = client.cookies.get("archive_session")
    client.post("/api/v1/auth/logout")
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", cookies={"archive_session": stolen}).status_code == 401


def test_the_session_cookie_is_secure_by_default(tmp_path):
    secured = build_secured(Settings(data_dir=tmp_path / "data"))
    settings = secured.settings.model_copy(update={"cookie_secure": True})
    with TestClient(create_app(settings)) as client:
        answer = client.post("/api/v1/auth/login", json={"username": "clerk", "password": "clerk-password"})
    assert "secure" in answer.headers["set-cookie"].lower()


def test_a_wrong_password_is_refused_and_audited(client, secured):
    for name, password in (("technician", "wrong-password"), ("nobody", "whatever-it-is")):
        answer = client.post("/api/v1/auth/login", json={"username": name, "password": password})
        assert answer.status_code == 401 and "set-cookie" not in answer.headers
        assert answer.json() == {"detail": "wrong user name or password"}  # the same for a user who does not exist
    failed = [e for e in _audit(client, secured) if e["action"] == "login" and e["outcome"] == "denied"]
    assert [e["actor"] for e in failed] == ["technician", "nobody"]
    assert all(e["address"] for e in failed)


def test_disabling_a_user_stops_their_token_and_sessions_at_once(client, secured):
    client.post("/api/v1/auth/login", json={"username": "technician", "password": "technician-password"})
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/users/technician/disable", headers=secured.headers("records_officer")).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers=secured.headers("technician")).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "technician", "password": "technician-password"}).status_code == 401


def test_tokens_expire_and_are_revoked(client, secured):
    archive = build_archive(secured.settings, with_queue=False)
    try:
        expired = archive.create_token(local_operator(), "inspector", datetime.now(timezone.utc) + timedelta(seconds=1))
        kept = archive.create_token(local_operator(), "inspector")
    finally:
        archive.close()
    import time

    time.sleep(1.2)
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired.secret}"}).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {kept.secret}"}).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{kept.token_id}", headers={"Authorization": f"Bearer {kept.secret}"})
    assert revoked.status_code == 204
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {kept.secret}"}).status_code == 401


def test_a_person_makes_a_token_for_themselves_shown_once_and_not_for_others(client, secured):
    made = client.post("/api/v1/tokens", json={"expires": "2099-12-31"}, headers=secured.headers("technician"))
    assert made.status_code == 201
    token = made.json()["token"]
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "technician"
    other = client.post("/api/v1/tokens", json={"user": "inspector"}, headers=secured.headers("technician"))
    assert other.status_code == 403
    # Only a hash is kept: the token's text is nowhere in the users' database.
    assert token.encode() not in secured.settings.users_db.read_bytes()


def test_an_upgrade_applies_at_once_and_hides_the_document(client, secured):
    document_id = secured.documents[("confidential", IN_UNIT)]
    assert client.get(f"/api/v1/documents/{document_id}", headers=secured.headers("technician")).status_code == 200
    answer = client.post(f"/api/v1/documents/{document_id}/classification",
                         json={"classification": "top_secret", "reason": "QĐ 12/2024 nâng độ mật"},
                         headers=secured.headers("records_officer"))
    assert answer.status_code == 200 and answer.json()["status"] == "applied"
    assert client.get(f"/api/v1/documents/{document_id}", headers=secured.headers("technician")).status_code == 404
    assert client.get("/api/v1/search", params={"q": "bao mat"}, headers=secured.headers("technician")).json()["total"] == 2
    chief = client.get(f"/api/v1/documents/{document_id}", headers=secured.headers("chief")).json()
    assert chief["classification"] == "top_secret"
    assert chief["corrections"][-1]["by"] == "records_officer" and "QĐ 12/2024" in chief["corrections"][-1]["note"]


def test_a_downgrade_needs_a_second_records_officer(client, secured):
    document_id = secured.documents[("secret", IN_UNIT)]
    asked = client.post(f"/api/v1/documents/{document_id}/classification",
                        json={"classification": "unclassified", "reason": "giải mật theo QĐ 7"},
                        headers=secured.headers("records_officer")).json()
    assert asked["status"] == "pending_approval" and asked["classification"] == "secret"
    request_id = asked["request"]["request_id"]
    listed = client.get("/api/v1/classification-requests", headers=secured.headers("officer2")).json()
    assert [r["request_id"] for r in listed] == [request_id]
    # The one who asked cannot approve; a technician cannot either.
    assert client.post(f"/api/v1/classification-requests/{request_id}/approve",
                       headers=secured.headers("records_officer")).status_code == 403
    assert client.post(f"/api/v1/classification-requests/{request_id}/approve",
                       headers=secured.headers("technician")).status_code == 403
    assert client.get(f"/api/v1/documents/{document_id}", headers=secured.headers("chief")).json()["classification"] == "secret"
    approved = client.post(f"/api/v1/classification-requests/{request_id}/approve", headers=secured.headers("officer2"))
    assert approved.status_code == 200 and approved.json()["classification"] == "unclassified"
    assert client.get("/api/v1/classification-requests", headers=secured.headers("officer2")).json() == []
    # Both officers are in the trail, and the version from before the downgrade stays as secret as it was.
    entries = _audit(client, secured, document=document_id)
    assert {(e["actor"], e["action"], e["outcome"]) for e in entries} >= {
        ("records_officer", "classify", "ok"), ("records_officer", "approve_classification", "denied"),
        ("officer2", "approve_classification", "ok")}
    archive = build_archive(secured.settings, with_queue=False)
    try:
        archive.add_user(local_operator(), "reader", "technician", "unclassified", [IN_UNIT])
        reader = archive.create_token(local_operator(), "reader").secret
    finally:
        archive.close()
    headers = {"Authorization": f"Bearer {reader}"}
    assert client.get(f"/api/v1/documents/{document_id}", headers=headers).status_code == 200
    current_version = client.get(f"/api/v1/documents/{document_id}", headers=headers).json()["version"]
    assert client.get(f"/api/v1/documents/{document_id}/versions/{current_version - 1}", headers=headers).status_code == 404


def test_an_unread_classification_goes_to_review_and_counts_as_top_secret(client, secured):
    unread = secured.documents[(None, IN_UNIT)]
    assert client.get(f"/api/v1/documents/{unread}", headers=secured.headers("technician")).status_code == 404
    assert client.get(f"/api/v1/documents/{unread}", headers=secured.headers("chief")).json()["classification"] is None
    archive = build_archive(secured.settings, with_queue=False)
    try:
        listed = archive.review_list(local_operator())
    finally:
        archive.close()
    assert "classification" in next(item for item in listed if item.document_id == unread).uncertain


def test_every_request_is_attributed_in_the_audit_trail(client, secured):
    document_id = secured.documents[("unclassified", IN_UNIT)]
    headers = secured.headers("inspector")
    client.get("/api/v1/search", params={"q": "xe tang"}, headers=headers)
    client.get(f"/api/v1/documents/{document_id}", headers=headers)
    client.get(f"/api/v1/documents/{document_id}/pages/1.png", headers=headers)
    client.get(f"/api/v1/documents/{document_id}/file", headers=headers)
    client.get("/api/v1/equipment/KB-77-01/export", headers=headers)
    entries = [e for e in _audit(client, secured, user="inspector")]
    assert [e["action"] for e in entries] == ["search", "view", "page_view", "download", "export"]
    assert entries[0]["target"] == "xe tang" and entries[0]["details"]["total"] >= 1
    assert all(e["outcome"] == "ok" and e["address"] and e["role"] == "inspector" for e in entries)


def test_serve_refuses_to_start_with_no_user_unless_auth_is_off(tmp_path):
    with pytest.raises(NotConfigured, match="no user can sign in"):
        create_app(Settings(data_dir=tmp_path / "empty"))
    with TestClient(create_app(Settings(data_dir=tmp_path / "open", auth="off"))) as client:
        assert client.get("/api/v1/auth/me").json()["kind"] == "anonymous"


def test_a_record_edited_by_hand_is_not_served_as_genuine(client, secured):
    document_id = secured.documents[("confidential", IN_UNIT)]
    path = secured.settings.data_dir / "objects" / "records" / document_id[:2] / f"{document_id}.json"
    path.write_text(path.read_text().replace('"confidential"', '"unclassified"', 1))
    answer = client.get(f"/api/v1/documents/{document_id}", headers=secured.headers("technician"))
    assert answer.status_code == 503 and "fails its seal" in answer.json()["detail"]
    assert client.get(f"/api/v1/documents/{document_id}/file", headers=secured.headers("technician")).status_code == 503


def test_nothing_is_served_when_the_audit_trail_cannot_be_written(client, secured):
    import shutil

    audit_dir = secured.settings.data_dir / "objects" / "audit"
    shutil.rmtree(audit_dir)
    audit_dir.write_text("a file where the trail's folder was: every append fails")
    answer = client.get("/api/v1/search", params={"q": "bao mat"}, headers=secured.headers("technician"))
    assert answer.status_code == 503 and "audit trail cannot be written" in answer.json()["detail"]
    assert "hits" not in answer.json()
    document_id = secured.documents[("unclassified", IN_UNIT)]
    assert client.get(f"/api/v1/documents/{document_id}/file", headers=secured.headers("technician")).status_code == 503


def test_the_stored_record_has_the_last_word_when_the_index_lags_behind(client, secured):
    """An upgrade stored while the index missed it (it was down: the document waits as pending) hides the
    document from the equipment view and the export at once, not only after the index catches up."""
    from archive.bootstrap import build_services
    from archive.records import seal_record

    document_id = secured.documents[("confidential", IN_UNIT)]
    service = build_services(secured.settings)
    try:
        record = service.record(document_id)
        upgraded = record.model_copy(update={"document": record.document.model_copy(update={"classification": "top_secret"})})
        service._put_record(seal_record(upgraded, record))  # as `correct` stores it, minus the index update
    finally:
        service.close()
    item = client.get("/api/v1/equipment/KB-77-01", headers=secured.headers("technician")).json()
    assert document_id not in {d["document_id"] for d in item["documents"]}
    assert item["document_count"] == 2
    assert client.get(f"/api/v1/documents/{document_id}", headers=secured.headers("technician")).status_code == 404
