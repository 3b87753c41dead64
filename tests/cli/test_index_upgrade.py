"""An index written by an older version of the archive is derived data: it is set aside and built again
from storage, and searches answer as before."""

from __future__ import annotations

import json
import shutil

import tantivy

from tests.conftest import DOSSIER_KB_15_84, run_archive, text_pdf


def test_an_index_with_an_older_schema_is_rebuilt_from_storage(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    for name, lines in DOSSIER_KB_15_84.items():
        (scans / name).write_bytes(text_pdf(lines))
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_TOKEN": ""}
    run_archive(env, "ingest", str(scans))
    before = json.loads(run_archive(env, "search", "T-54B", "--json").stdout)

    index_dir = tmp_path / "data" / "index"
    shutil.rmtree(index_dir)
    index_dir.mkdir()
    old = tantivy.SchemaBuilder()
    old.add_text_field("document_id", stored=True)
    tantivy.Index(old.build(), path=str(index_dir), reuse=True).writer().commit()

    after = json.loads(run_archive(env, "search", "T-54B", "--json").stdout)
    assert after["total"] == before["total"] == len(DOSSIER_KB_15_84)
    assert sorted(hit["document_id"] for hit in after["hits"]) == sorted(hit["document_id"] for hit in before["hits"])
    assert [p.name.split("-")[0] for p in (tmp_path / "data").glob("index.incompatible-*")] == ["index.incompatible"]
