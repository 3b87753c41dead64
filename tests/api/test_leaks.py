"""Nothing above a person's clearance or outside their units leaks, on either pair of engines: not in totals,
facets, highlights, cursors, the equipment view and its history, review and duplicate lists, exports, page
images, versions, nor the audit trail itself. Real engines: Tantivy on a local directory, and Elasticsearch
on S3 (servers started by the tests)."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from archive.api import create_app
from archive.config import Settings
from tests.secured import IN_UNIT, ITEM_IN, ITEM_OUT, LEVELS, OUT_UNIT, build_secured, document_lines, visible_to_user

ENGINES = ["tantivy-local", "elasticsearch-s3"]


@pytest.fixture(scope="module", params=ENGINES)
def secured(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("leaks") / "data"
    if request.param == "tantivy-local":
        settings = Settings(data_dir=data_dir)
    else:
        import uuid

        s3 = request.getfixturevalue("s3_server").env()
        es = request.getfixturevalue("elasticsearch_server").env()
        name = f"leak-{uuid.uuid4().hex[:10]}"
        settings = Settings(data_dir=data_dir, storage="s3", index="elasticsearch", s3_endpoint=s3["ARCHIVE_S3_ENDPOINT"],
                            s3_access_key=s3["ARCHIVE_S3_ACCESS_KEY"], s3_secret_key=s3["ARCHIVE_S3_SECRET_KEY"],
                            s3_bucket=name, es_url=es["ARCHIVE_ES_URL"], es_index=name)
    return build_secured(settings)


@pytest.fixture(scope="module")
def client(secured):
    with TestClient(create_app(secured.settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _code(level, unit) -> str:
    return document_lines(level, unit)[-2].split()[3]  # "matrixwordNN"


def _get(client, secured, user, path, **params):
    response = client.get(path, params=params, headers=secured.headers(user))
    assert response.status_code == 200, response.text
    return response.json()


def test_totals_hits_facets_and_highlights_count_only_what_the_person_may_see(client, secured):
    visible = secured.visible_ids()
    body = _get(client, secured, "technician", "/api/v1/search", q="bao mat", limit=50)
    assert body["total"] == len(visible) == 3
    assert {hit["document_id"] for hit in body["hits"]} == visible
    assert sum(f["count"] for f in body["facets"]["doc_type"]) == len(visible)
    assert [f["value"] for f in body["facets"]["unit"]] == [IN_UNIT]
    highlighted = " ".join(h for hit in body["hits"] for h in hit["highlights"])
    for (level, unit), document_id in secured.documents.items():
        if document_id not in visible:
            assert _code(level, unit) not in highlighted
    # The top-secret reader of every unit sees every document, including the unread ones.
    assert _get(client, secured, "chief", "/api/v1/search", q="bao mat", limit=50)["total"] == len(secured.documents)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("unit", [IN_UNIT, OUT_UNIT])
def test_a_hidden_document_is_not_found_by_its_own_words(client, secured, level, unit):
    body = _get(client, secured, "technician", "/api/v1/search", q=_code(level, unit))
    assert body["total"] == (1 if visible_to_user(level, unit) else 0)
    assert len(body["hits"]) == body["total"]
    assert all(not values for values in body["facets"].values()) or body["total"] == 1


def test_filters_and_browsing_never_widen_access(client, secured):
    for classification in ("top_secret", "secret"):
        body = _get(client, secured, "technician", "/api/v1/search", classification=classification)
        expected = {d for (level, unit), d in secured.documents.items()
                    if level == classification and visible_to_user(level, unit)}
        assert {hit["document_id"] for hit in body["hits"]} == expected
    assert _get(client, secured, "technician", "/api/v1/search", unit=OUT_UNIT)["total"] == 0
    browse = _get(client, secured, "technician", "/api/v1/search", limit=50)  # no text: newest first
    assert {hit["document_id"] for hit in browse["hits"]} == secured.visible_ids()
    dated = _get(client, secured, "technician", "/api/v1/search", date_from="2020-01-01", date_to="2020-12-31", limit=50)
    assert {hit["document_id"] for hit in dated["hits"]} == secured.visible_ids()


def test_cursor_pages_walk_exactly_the_visible_documents(client, secured):
    seen, cursor = [], None
    for _ in range(20):
        params = {"q": "bao mat", "limit": 1, **({"cursor": cursor} if cursor else {})}
        body = _get(client, secured, "technician", "/api/v1/search", **params)
        seen += [hit["document_id"] for hit in body["hits"]]
        assert body["total"] == 3
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(secured.visible_ids())


def test_equipment_view_and_history_hold_only_visible_documents(client, secured):
    item = _get(client, secured, "technician", f"/api/v1/equipment/{ITEM_IN}")
    assert {d["document_id"] for d in item["documents"]} == secured.visible_ids()
    assert {event["document_id"] for event in item["history"]} == secured.visible_ids()
    assert item["document_count"] == 3
    unknown = client.get("/api/v1/equipment/ZZ-00-00", headers=secured.headers("technician"))
    assert unknown.status_code == 404
    hidden = client.get(f"/api/v1/equipment/{ITEM_OUT}", headers=secured.headers("technician"))
    assert hidden.status_code == 404
    assert hidden.json()["detail"].replace(ITEM_OUT, "X") == unknown.json()["detail"].replace("ZZ-00-00", "X")
    for typed in (ITEM_OUT.lower(), ITEM_OUT.replace("0", "O")):  # other forms: never the hidden item
        answer = client.get(f"/api/v1/equipment/{typed}", headers=secured.headers("technician"))
        assert ITEM_OUT not in answer.text
        assert not any(document_id in answer.text for document_id in set(secured.documents.values()) - secured.visible_ids())


def test_an_export_bundles_only_visible_documents(client, secured):
    response = client.get(f"/api/v1/equipment/{ITEM_IN}/export", headers=secured.headers("inspector"))
    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    exported = {name.split("/")[1].rsplit("_", 1)[-1] for name in bundle.namelist() if name.startswith("documents/")}
    assert exported == {document_id[:12] for document_id in secured.visible_ids()}
    text = b"".join(bundle.read(name) for name in bundle.namelist())
    for (level, unit), document_id in secured.documents.items():
        if document_id not in secured.visible_ids():
            assert document_id.encode() not in text
    assert client.get(f"/api/v1/equipment/{ITEM_OUT}/export", headers=secured.headers("inspector")).status_code == 404


def test_the_review_list_holds_only_visible_documents(client, secured):
    listed = _get(client, secured, "clerk", "/api/v1/review")
    assert {item["document_id"] for item in listed} <= secured.visible_ids()
    # The unread stamps are on review — for someone cleared to see them.
    chief_view = [item for item in _get(client, secured, "records_officer", "/api/v1/review")]
    assert {item["document_id"] for item in chief_view} <= secured.visible_ids()


def test_page_images_text_and_originals_of_hidden_documents_answer_404(client, secured):
    for (level, unit), document_id in secured.documents.items():
        for path in ("pages/1.png", "text", "file", "versions/1", ""):
            response = client.get(f"/api/v1/documents/{document_id}/{path}".rstrip("/"), headers=secured.headers("technician"))
            assert response.status_code == (200 if visible_to_user(level, unit) else 404), (level, unit, path)


def test_an_inspector_reads_the_audit_of_visible_documents_only(client, secured):
    hidden = secured.documents[("top_secret", IN_UNIT)]
    client.get(f"/api/v1/documents/{hidden}", headers=secured.headers("chief"))  # someone cleared reads it
    client.get("/api/v1/search", params={"q": "bao mat"}, headers=secured.headers("technician"))
    entries = _get(client, secured, "inspector", "/api/v1/audit")
    assert entries, "the inspector sees the entries about the documents they may see"
    assert all(entry["document_id"] in secured.visible_ids() for entry in entries)
    everything = _get(client, secured, "auditor", "/api/v1/audit")
    assert any(entry["document_id"] == hidden for entry in everything)
    assert any(entry["action"] == "search" and entry["target"] == "bao mat" for entry in everything)
    asked = _get(client, secured, "inspector", "/api/v1/audit", document=hidden)
    assert asked == []


def test_likely_duplicates_list_only_visible_rescans(tmp_path):
    secured = build_secured(Settings(data_dir=tmp_path / "data"))
    from archive.bootstrap import build_services
    from tests.conftest import text_pdf

    service = build_services(secured.settings)
    try:
        rescans = {}
        for key in (("confidential", IN_UNIT), ("confidential", OUT_UNIT)):
            lines = document_lines(*key) + ["(bản quét lại)"]
            result = service.ingest_bytes(text_pdf(lines), f"rescan-{key[1][-3:]}.pdf")
            assert result.document.likely_duplicate_of == [secured.documents[key]]
            rescans[key] = result.document_id
    finally:
        service.close()
    with TestClient(create_app(secured.settings)) as client:
        listed = client.get("/api/v1/duplicates", headers=secured.headers("clerk")).json()
    assert [entry["document_id"] for entry in listed] == [rescans[("confidential", IN_UNIT)]]
