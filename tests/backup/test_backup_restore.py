"""Backups on a second store and restores into an empty deployment: after `restore` and `reindex` the archive
answers as before — the same search answers, the same equipment view, the same audit chain, the same people —
on the embedded engines and on S3 + Elasticsearch (real SeaweedFS and Elasticsearch on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from archive.backup import KEPT_AREAS, NOT_KEPT, OBJECTS
from archive.bootstrap import backup_store, build_archive
from archive.config import Settings
from archive.errors import InvalidRequest
from archive.identity import local_operator
from search.types import SearchQuery
from storage import layout
from storage.local import LocalObjectStore
from tests.conftest import DOSSIER_KB_15_84, header, run_archive, text_pdf

OPERATOR = local_operator("test")
QUERIES = ("KB-15-84", "sửa chữa lớn", "kiem tra", "Lữ đoàn 201", "T-54B")


def _fill(settings: Settings) -> dict:
    """An archive with a history: a dossier, a rescan, a correction (a second version), a review item, people."""
    archive = build_archive(settings, with_queue=False)
    try:
        archive.add_user(OPERATOR, "thu-kho", "clerk", "secret", ["Lữ đoàn 201"], password="thu-kho-mat-khau")
        ids = {name: archive.service.ingest_bytes(text_pdf(lines), name).document_id
               for name, lines in DOSSIER_KB_15_84.items()}
        archive.service.ingest_bytes(text_pdf([*DOSSIER_KB_15_84["repair.pdf"], "Bản sao"]), "repair-rescan.pdf")
        archive.service.ingest_bytes(text_pdf(header("LỮ ĐOÀN 201", "12/KT", "ngày 01 tháng 02 năm 2019",
                                                     "BIÊN BẢN KIỂM TRA")), "no-serial.pdf")  # waits for review
        archive.correct(OPERATOR, ids["inspection.pdf"], {"quality_grade": "2"}, note="bản giấy")
        return _answers(archive)
    finally:
        archive.close()


def _answers(archive) -> dict:
    """What people get from the archive: searches, the item's view, the review list, the audit chain."""
    searches = {}
    for text in QUERIES:
        found = archive.search(OPERATOR, SearchQuery(text=text, limit=50))
        # An index built anew ranks alike but scores on fresh term statistics (no deleted versions counted), and
        # may return hits of equal score in another order: the answer is the hits ranked by score, then by id.
        ranked = [document_id for _, document_id in sorted((-round(hit.score, 4), hit.document_id) for hit in found.hits)]
        searches[text] = (found.total, ranked,
                          {name: [(f.value, f.count) for f in values] for name, values in found.facets.items()})
    item = archive.equipment(OPERATOR, "KB-15-84").model_dump(mode="json")
    entries = {(e.stream, e.seq, e.hash) for e in archive.audit.entries()}
    return {"searches": searches, "item": item, "review": sorted(i.document_id for i in archive.review_list(OPERATOR)),
            "versions": archive.document(OPERATOR, item["documents"][0]["document_id"]).version,
            "audit": entries}


def _restored_answers(settings: Settings) -> dict:
    archive = build_archive(settings, with_queue=False)
    try:
        assert archive.reindex(OPERATOR) == 6
        answers = _answers(archive)
        report = archive.audit_verify(OPERATOR)
        assert report.ok, report.problems
        assert archive.verify(OPERATOR).ok == 6
        assert archive.sign_in("thu-kho", "thu-kho-mat-khau", "127.0.0.1")  # the people came back too
        return answers
    finally:
        archive.close()


def _same(before: dict, after: dict) -> None:
    assert after["searches"] == before["searches"]
    assert after["item"] == before["item"]
    assert after["review"] == before["review"]
    assert after["versions"] == before["versions"]
    # The whole chain as it was; the restored archive goes on with entries of its own (the restore, the reindex).
    assert before["audit"] <= after["audit"] and len(after["audit"]) > len(before["audit"])


def test_a_backup_restored_into_an_empty_deployment_answers_as_the_archive_did(tmp_path):
    settings = Settings(data_dir=tmp_path / "site", auth="on")
    before = _fill(settings)
    target = tmp_path / "backup"

    archive = build_archive(settings, with_queue=False)
    try:
        first = archive.backup(OPERATOR, backup_store(str(target), settings), str(target))
        assert first.problems == [] and first.users and first.copied == first.objects > 12
        catalogued = _catalog(target)
        again = archive.backup(OPERATOR, backup_store(str(target), settings), str(target))
        # Only what is new: the audit entries written since (the first backup's own among them).
        assert again.problems == [] and 0 < again.copied <= 3 and again.objects >= first.objects
        changed = {key for key, entry in _catalog(target).items() if catalogued.get(key) != entry}
        assert changed and all(key.startswith(layout.AUDIT) for key in changed), changed
        checked = archive.verify_backup(OPERATOR, backup_store(str(target), settings), str(target))
        assert checked.ok == checked.checked == again.objects + 1  # and the users snapshot
    finally:
        archive.close()

    empty = Settings(data_dir=tmp_path / "elsewhere", auth="on")
    archive = build_archive(empty, with_queue=False)
    try:
        restored = archive.restore(OPERATOR, backup_store(str(target), empty), str(target))
        assert restored.problems == [] and restored.restored == again.objects and restored.users
        with pytest.raises(InvalidRequest, match="restore goes into an empty deployment"):
            archive.restore(OPERATOR, backup_store(str(target), empty), str(target))
    finally:
        archive.close()
    _same(before, _restored_answers(empty))


def test_backup_verify_finds_a_damaged_or_missing_copy_and_a_backup_run_repairs_it(tmp_path):
    settings = Settings(data_dir=tmp_path / "site")
    _fill(settings)
    target = tmp_path / "backup"
    env = {"ARCHIVE_DATA_DIR": str(settings.data_dir)}
    run_archive(env, "backup", str(target))
    copies = LocalObjectStore(target)
    record = next(key for key in copies.list(OBJECTS + layout.RECORDS))
    original = next(key for key in copies.list(OBJECTS + layout.ORIGINALS))
    copies.put(record, copies.get(record).replace(b"\"version\": 1", b"\"version\": 7").replace(b"\"version\":1", b"\"version\":7") + b" ")
    copies.delete(original)

    checked = run_archive(env, "backup", "--verify", str(target), "--json", check=False)
    assert checked.returncode == 1
    report = json.loads(checked.stdout)
    assert report["mismatched"] == [record.removeprefix(OBJECTS)] and report["missing"] == [original.removeprefix(OBJECTS)]
    # A plain run trusts its catalog (it reads only the archive); a full run compares every copy and repairs.
    repaired = json.loads(run_archive(env, "backup", "--full", str(target), "--json").stdout)
    assert repaired["problems"] == [] and repaired["copied"] >= 2
    again = json.loads(run_archive(env, "backup", "--verify", str(target), "--json").stdout)
    assert again["missing"] == again["mismatched"] == [] and again["ok"] == again["checked"]


def test_every_folder_of_the_store_is_either_kept_or_left_out_on_purpose():
    folders = {value for name, value in vars(layout).items() if name.isupper() and isinstance(value, str) and value.endswith("/")}
    assert folders - {layout.AUDIT} == set(KEPT_AREAS) | set(NOT_KEPT)


def test_a_backup_killed_midway_goes_on_where_it_stopped(tmp_path):
    settings = Settings(data_dir=tmp_path / "site")
    archive = build_archive(settings, with_queue=False)
    try:
        for number in range(120):  # enough objects that the copy is still running when it is killed
            lines = [*DOSSIER_KB_15_84["repair.pdf"], f"Phụ lục số {number}"]
            assert archive.service.ingest_bytes(text_pdf(lines), f"phu-luc-{number}.pdf").status == "ingested"
    finally:
        archive.close()
    target = tmp_path / "backup"
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    copying = subprocess.Popen([sys.executable, "-m", "archive", "backup", str(target), "--json"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Killed once the records are copied and the originals are under way: deterministic, not a wall-clock guess.
    copied_originals = target / OBJECTS / layout.ORIGINALS
    while copying.poll() is None and sum(1 for _ in copied_originals.rglob("*") if _.is_file()) < 30:
        pass
    assert copying.poll() is None, "the backup ended before it could be killed: give it more to copy"
    copying.send_signal(signal.SIGKILL)
    copying.wait()
    assert not (target / "backup.json").exists()  # no run reached its end: nothing claims to be a backup yet

    resumed = json.loads(run_archive(dict(env), "backup", str(target), "--json").stdout)
    assert resumed["problems"] == [] and resumed["objects"] >= 240
    assert resumed["copied"] < resumed["objects"] - 25  # what the killed run had copied was checked, not copied again
    verified = json.loads(run_archive(dict(env), "backup", "--verify", str(target), "--json").stdout)
    assert verified["ok"] == verified["checked"] == resumed["objects"] + 1


def _catalog(target: Path) -> dict[str, dict]:
    """Every key the backup holds, with the hash and size it was copied with."""
    store = LocalObjectStore(target)
    catalog: dict[str, dict] = {}
    for key in store.list("catalog/"):
        catalog.update(json.loads(store.get(key)))
    return catalog


def test_a_backup_on_another_bucket_restores_an_s3_and_elasticsearch_archive(tmp_path, s3_server, elasticsearch_server):
    def deployment(name: str) -> Settings:
        return Settings(data_dir=tmp_path / name, auth="on", storage="s3", index="elasticsearch",
                        s3_endpoint=s3_server.endpoint, s3_access_key=s3_server.access_key,
                        s3_secret_key=s3_server.secret_key, s3_bucket=f"t-{uuid.uuid4().hex[:12]}",
                        es_url=elasticsearch_server.env()["ARCHIVE_ES_URL"], es_index=f"t-{uuid.uuid4().hex[:12]}")

    site = deployment("site")
    before = _fill(site)
    destination = f"s3://backups-{uuid.uuid4().hex[:8]}/site-a"
    archive = build_archive(site, with_queue=False)
    try:
        made = archive.backup(OPERATOR, backup_store(destination, site), destination)
        assert made.problems == [] and made.copied == made.objects > 12 and made.users
        checked = archive.verify_backup(OPERATOR, backup_store(destination, site), destination)
        assert checked.ok == checked.checked == made.objects + 1
    finally:
        archive.close()

    empty = deployment("elsewhere")  # its own bucket, its own index, its own users file
    archive = build_archive(empty, with_queue=False)
    try:
        restored = archive.restore(OPERATOR, backup_store(destination, empty), destination)
        assert restored.problems == [] and restored.restored == made.objects
    finally:
        archive.close()
    _same(before, _restored_answers(empty))
