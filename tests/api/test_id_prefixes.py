"""A document named by the start of its id, as listings print it (twelve characters): found when the start is
unique among what the person may see, refused in one line when it is not, and never a way to learn that a
hidden document exists. Real Tantivy index and local store. (The HTTP API's paths take whole ids only:
a link is permanent; tests/api/test_hardening.py.)"""

from __future__ import annotations

import hashlib
import itertools

import pytest
from archive.bootstrap import build_archive
from archive.config import Settings
from archive.errors import InvalidRequest, NotFound
from archive.identity import local_operator
from tests.conftest import text_pdf
from tests.secured import IN_UNIT, document_lines


def _sharing_a_prefix(first: bytes, second: bytes, length: int = 6) -> tuple[bytes, bytes]:
    """Variants of two PDFs (a trailing comment line, which readers ignore) whose ids start alike."""
    seen: dict[str, bytes] = {}
    for n in itertools.count():
        variant = first + b"\n%" + str(n).encode() + b"\n"
        seen.setdefault(hashlib.sha256(variant).hexdigest()[:length], variant)
        other = second + b"\n%" + str(n).encode() + b"\n"
        if (start := hashlib.sha256(other).hexdigest()[:length]) in seen and seen[start] != other:
            return seen[start], other
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def archive_with_twins(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("prefix") / "data", auth="on", serve_workers=0,
                        cookie_secure=False)
    archive = build_archive(settings, with_queue=False)
    operator = local_operator()
    public, secret = _sharing_a_prefix(text_pdf(document_lines("unclassified", IN_UNIT)),
                                       text_pdf(document_lines("secret", IN_UNIT)))
    ids = {}
    for level, data in (("unclassified", public), ("secret", secret)):
        result = archive.service.ingest_bytes(data, f"{level}.pdf")
        assert result.status == "ingested", result.error
        assert result.document.classification == level
        ids[level] = result.document_id
    assert ids["unclassified"][:6] == ids["secret"][:6] and ids["unclassified"] != ids["secret"]
    archive.add_user(operator, "tech", "technician", "confidential", [], password="tech-password")
    archive.add_user(operator, "chief", "technician", "top_secret", [], password="chief-password")
    people = {name: archive.identify_token(archive.create_token(operator, name).secret, "127.0.0.1")
              for name in ("tech", "chief")}
    yield archive, ids, people
    archive.close()


def test_a_unique_start_names_the_document_and_the_audit_records_the_whole_id(archive_with_twins):
    archive, ids, people = archive_with_twins
    whole = ids["secret"]
    start = next(whole[:n] for n in range(7, 64) if not ids["unclassified"].startswith(whole[:n]))
    assert archive.document(people["chief"], start).document_id == whole
    assert archive.document(people["chief"], start.upper()).document_id == whole
    viewed = [entry for entry in archive.audit.entries(document=whole) if entry.action == "view"]
    assert [entry.document_id for entry in viewed][-2:] == [whole, whole]


def test_a_start_shared_by_two_visible_documents_is_refused_in_one_line(archive_with_twins):
    archive, ids, people = archive_with_twins
    shared = ids["secret"][:6]
    with pytest.raises(InvalidRequest) as refused:
        archive.document_text(people["chief"], shared)
    assert str(refused.value) == f"2 documents have ids starting {shared}: give more characters"
    with pytest.raises(InvalidRequest, match="at least 6 characters"):
        archive.document(people["chief"], shared[:5])


def test_a_hidden_document_neither_matches_nor_makes_a_start_ambiguous(archive_with_twins):
    archive, ids, people = archive_with_twins
    shared = ids["secret"][:6]
    # The confidential-cleared technician sees one document with this start: it is theirs, unambiguous.
    assert archive.document(people["tech"], shared).document_id == ids["unclassified"]
    hidden_start = next(ids["secret"][:n] for n in range(7, 64) if not ids["unclassified"].startswith(ids["secret"][:n]))
    with pytest.raises(NotFound) as missing:
        archive.document(people["tech"], hidden_start)
    assert str(missing.value) == f"no document {hidden_start}"
