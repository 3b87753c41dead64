"""The `archive` command, run as a real process against a real data directory."""

from __future__ import annotations

import json
import getpass
import subprocess
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import CORPUS, DOSSIER_KB_15_84, run_archive, text_pdf


FILES_FAILED = 6  # `archive ingest` ran to the end, but some files failed


def run(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run_archive({"ARCHIVE_DATA_DIR": str(data_dir)}, *args, check=check)


def ingest_with_failures(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """An ingest whose inputs include files that cannot be ingested: it says so in its exit status."""
    result = run(data_dir, "ingest", *args, check=False)
    assert result.returncode == FILES_FAILED, result.stderr
    return result


@pytest.fixture
def scans(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    (folder / "nested").mkdir(parents=True)
    for index, (name, lines) in enumerate(DOSSIER_KB_15_84.items()):
        target = folder / ("nested" if index % 2 else "") / name
        target.write_bytes(text_pdf(lines))
    (folder / "notes.txt").write_text("not a scan")
    return folder


def test_ingest_json_lines_then_duplicates(tmp_path, scans):
    data = tmp_path / "data"
    first = ingest_with_failures(data, str(scans), "--json")
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    assert sorted(r["status"] for r in lines) == ["failed", "ingested", "ingested", "ingested", "ingested"]
    failed = next(r for r in lines if r["status"] == "failed")
    assert failed["path"].endswith("notes.txt") and "unsupported" in failed["error"]
    ingested = [r for r in lines if r["status"] == "ingested"]
    assert all(r["document"]["serial_number"] == "KB-15-84" for r in ingested)
    assert all(len(r["sha256"]) == 64 and r["document_id"] for r in ingested)
    assert "ingested 4, duplicate 0, failed 1" in first.stderr

    again = ingest_with_failures(data, str(scans), "--json")
    statuses = sorted(json.loads(line)["status"] for line in again.stdout.splitlines())
    assert statuses == ["duplicate", "duplicate", "duplicate", "duplicate", "failed"]


def test_zip_input_and_search_show_export_verify_reindex(tmp_path, scans):
    data = tmp_path / "data"
    bundle = tmp_path / "batch.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for path in scans.rglob("*.pdf"):
            archive.write(path, f"dossier/{path.name}")
    run(data, "ingest", str(bundle))

    found = json.loads(run(data, "search", "sua chua lon T-54B", "--json").stdout)
    assert found["hits"][0]["doc_type"] == "repair"
    filtered = json.loads(run(data, "search", "", "--doc-type", "transfer", "--json").stdout)
    assert filtered["total"] == 1

    item = json.loads(run(data, "show", "KB-15-84", "--json").stdout)
    assert item["document_count"] == 4 and item["current_unit"] == "Trung đoàn 141, Sư đoàn 312"
    human = run(data, "show", "kb1584").stdout
    assert "KB-15-84" in human and "transfer" in human

    out = tmp_path / "dossier.zip"
    run(data, "export", "KB-15-84", "-o", str(out))
    assert "manifest-sha256.txt" in zipfile.ZipFile(out).namelist()

    assert json.loads(run(data, "verify", "--json").stdout) == {"checked": 4, "ok": 4, "mismatched": [], "missing": [],
                                                                "tampered": [], "tamper_details": {}, "unsealed": 0}

    index_dir = data / "index"
    for child in index_dir.iterdir():
        child.unlink()
    run(data, "reindex")
    assert json.loads(run(data, "search", "sua chua lon T-54B", "--json").stdout)["hits"] == found["hits"]


def test_verify_reports_a_corrupted_original(tmp_path, scans):
    data = tmp_path / "data"
    ingest_with_failures(data, str(scans))
    original = next((data / "objects" / "originals").rglob("*"))
    while original.is_dir():
        original = next(original.iterdir())
    original.write_bytes(original.read_bytes() + b"tampered")
    result = run(data, "verify", "--json", check=False)
    assert result.returncode == 1
    assert json.loads(result.stdout)["mismatched"] == [original.name]


def test_verify_names_a_record_edited_by_hand(tmp_path, scans):
    data = tmp_path / "data"
    ingest_with_failures(data, str(scans))
    record = next(path for path in (data / "objects" / "records").rglob("*.json"))
    content = json.loads(record.read_text())
    content["document"]["unit"] = "Lữ đoàn 999"
    record.write_text(json.dumps(content, ensure_ascii=False))
    document_id = record.stem

    result = run(data, "verify", "--json", check=False)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["tampered"] == [document_id] and report["mismatched"] == [] and report["missing"] == []
    human = run(data, "verify", check=False)
    assert human.returncode == 1
    assert f"tampered {document_id}" in human.stderr and "tampered 1" in human.stderr
    run(data, "reindex")  # a tampered record does not stop a rebuild


def test_unknown_serial_exits_non_zero_with_a_message(tmp_path):
    (tmp_path / "empty").mkdir()
    run(tmp_path / "data", "ingest", str(tmp_path / "empty"))  # a new, empty archive
    result = run(tmp_path / "data", "show", "NO-SUCH-1", check=False)
    assert result.returncode == 4 and "no equipment" in result.stderr


def test_a_mistyped_data_directory_is_an_error_not_an_empty_archive(tmp_path):
    data = tmp_path / "data"
    (tmp_path / "empty").mkdir()
    run(data, "ingest", str(tmp_path / "empty"))
    mistyped = tmp_path / "dta"
    for command in (["search", "x"], ["show", "KB-15-84"], ["review"], ["verify"], ["audit", "show"]):
        result = run(mistyped, *command, check=False)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.strip() == (f"error: no archive at {mistyped} (ARCHIVE_DATA_DIR): check the path;"
                                         " `archive ingest` starts a new archive there")
    assert not mistyped.exists()
    assert run(data, "search", "x", "--json").returncode == 0


def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path):
    result = run_archive({"ARCHIVE_DATA_DIR": str(tmp_path), "ARCHIVE_STORAGE": "s3x"}, "search", "x", check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: ARCHIVE_STORAGE='s3x': Input should be 'local' or 's3'"


def test_bad_date_is_a_usage_error(tmp_path):
    result = run(tmp_path / "data", "search", "x", "--date-from", "yesterday", check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: --date-from: 'yesterday' is not a date (use 2020-01-05 or 05/01/2020,"
                                     " day first)")


def test_help_and_version():
    listed = run_archive({}, "--help").stdout
    assert "Exit statuses: 0 done" in listed and "6 ingest finished, but some files failed" in listed
    searching = run_archive({}, "search", "--help").stdout
    assert "--repair-level" in searching and "--classification" in searching
    flags = [line.split() for line in searching.splitlines() if line.split()[:1] in (["--json"], ["--help"])]
    assert [line[0] for line in flags] == ["--json", "--help"] and "<bool>" not in searching
    assert run_archive({}, "--version").stdout.strip() == f"archive {version('equipment-archive')}"


def test_every_corpus_file_ends_ingested_or_failed_with_a_reason(tmp_path):
    if not CORPUS.exists():
        pytest.fail(f"the shared corpus is missing at {CORPUS}")
    result = ingest_with_failures(tmp_path / "data", str(CORPUS), "--json", "--workers", "2")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    files = [p for p in CORPUS.iterdir() if p.is_file()]
    assert len(lines) == len(files)
    by_name = {Path(r["path"]).name: r for r in lines}
    for record in lines:
        assert record["status"] in {"ingested", "failed", "duplicate"}
        if record["status"] == "failed":
            assert record["error"], record
    assert by_name["005-libreoffice-writer-password_libreoffice-writer-password.pdf"]["status"] == "failed"
    assert "password" in by_name["005-libreoffice-writer-password_libreoffice-writer-password.pdf"]["error"]
    assert by_name["004-pdflatex-4-pages_pdflatex-4-pages.pdf"]["document"]["page_count"] == 4
    assert by_name["007-imagemagick-images_smile.tiff"]["status"] == "ingested"
    assert sum(r["status"] == "ingested" for r in lines) >= 40


def test_json_line_of_a_scan_carries_the_serial_confirmed_at_the_end_of_the_batch(tmp_path):
    """The scan comes first and its serial label is illegible; the clean logbook later in the same
    batch makes the serial known, and the scan's printed line already says so."""
    from tests.conftest import image_bytes, render_text_image

    folder = tmp_path / "batch"
    folder.mkdir()
    garbled = [line if not line.startswith("Số hiệu") else "S. h.ệu ...... KB-I5-84" for line in DOSSIER_KB_15_84["inspection.pdf"]]
    (folder / "a-inspection-scan.png").write_bytes(image_bytes(render_text_image(garbled), "PNG"))
    (folder / "b-logbook.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["logbook.pdf"]))

    result = run(tmp_path / "data", "ingest", str(folder), "--json", "--workers", "1")

    lines = {Path(entry["path"]).name: entry for entry in map(json.loads, result.stdout.splitlines())}
    assert set(lines) == {"a-inspection-scan.png", "b-logbook.pdf"}
    assert lines["a-inspection-scan.png"]["document"]["serial_number"] == "KB-15-84"
    item = json.loads(run(tmp_path / "data", "show", "KB-15-84", "--json").stdout)
    assert item["document_count"] == 2


def test_review_correct_and_duplicates_from_the_command_line(tmp_path):
    from tests.conftest import image_bytes, render_text_image

    scans, folder = tmp_path / "scans", tmp_path / "inbox"
    scans.mkdir()
    folder.mkdir()
    # The first batch: a scan whose serial label is illegible, and nothing yet to recognise it by.
    garbled = [line if not line.startswith("Số hiệu") else "S. h.ệu ...... KB-I5-84" for line in DOSSIER_KB_15_84["inspection.pdf"]]
    (scans / "inspection-scan.png").write_bytes(image_bytes(render_text_image(garbled), "PNG"))
    (folder / "repair.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"]))
    (folder / "repair-rescan.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["repair.pdf"] + ["Bản sao"]))
    data = tmp_path / "data"
    run(data, "ingest", str(scans))
    run(data, "ingest", str(folder))

    def unsure_serials():  # no stamp on these papers: every one also waits for a classification decision
        listed = json.loads(run(data, "review", "--json").stdout)
        assert all("classification" in item["uncertain"] for item in listed)
        return [item for item in listed if "serial_number" in item["uncertain"]]

    to_review = unsure_serials()
    assert [Path(item["filename"]).name for item in to_review] == ["inspection-scan.png"]

    # The id as `archive review` prints it (twelve characters) is enough to correct the document.
    printed = to_review[0]["document_id"][:12]
    assert printed in run(data, "review").stdout
    corrected = json.loads(run(data, "correct", printed, "serial_number=KB-15-84",
                               "--by", "Đại úy Lê Văn Bình", "--json").stdout)
    assert corrected["document_id"] == to_review[0]["document_id"]
    # The acting person (the local operator, without a token) signs; who checked the paper is noted.
    assert corrected["version"] == 2 and corrected["corrections"][0]["by"] == f"local:{getpass.getuser()}"
    assert corrected["corrections"][0]["note"] == "checked by Đại úy Lê Văn Bình"
    assert unsure_serials() == []
    assert json.loads(run(data, "show", "KB-15-84", "--json").stdout)["document_count"] == 3
    refused = run(data, "correct", printed, "doc_type=nonsense", "--by", "An", check=False)
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("error: invalid correction: unknown document type 'nonsense' (known: logbook,"
                                      " handover, inspection, maintenance, repair, transfer, grade_change, storage,"
                                      " inventory, decommission, other)")
    # A date as the manifest takes it (day first), and a grade as it is written on paper.
    dated = json.loads(run(data, "correct", printed, "document_date=05/01/2020", "quality_grade=cấp 2", "--json").stdout)
    assert dated["document_date"] == "2020-01-05" and dated["quality_grade"] == 2 and dated["version"] == 3
    too_short = run(data, "correct", printed[:4], "quality_grade=3", check=False)
    assert too_short.returncode == 2 and "at least 6 characters" in too_short.stderr
    # The audit trail names the whole id, and is found by the printed one.
    entries = [json.loads(line) for line in run(data, "audit", "show", "--document", printed, "--json").stdout.splitlines()]
    assert {entry["document_id"] for entry in entries} == {to_review[0]["document_id"]}
    assert [entry["outcome"] for entry in entries if entry["action"] == "correct"] == ["ok", "failed", "ok"]

    # Whichever of the two papers came second is flagged as a likely rescan of the first.
    listed = json.loads(run(data, "duplicates", "--json").stdout)
    assert len(listed) == 1 and listed[0]["filename"] in {"repair.pdf", "repair-rescan.pdf"}
    assert len(listed[0]["likely_duplicate_of"]) == 1
