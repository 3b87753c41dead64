"""`archive ingest --manifest`, run as a real process against a real data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import DOSSIER_KB_15_84, text_pdf


@pytest.fixture
def three_scans(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    (folder / "nested").mkdir(parents=True)
    for name in ("logbook.pdf", "inspection.pdf", "repair.pdf"):
        target = folder / ("nested" if name == "inspection.pdf" else "") / name
        target.write_bytes(text_pdf(DOSSIER_KB_15_84[name]))
    return folder


def stored_records(data: Path) -> list[Path]:
    return [p for p in data.rglob("*.json") if "records" in p.parts] if data.exists() else []


def test_manifest_values_win_and_disagreements_are_reported(tmp_path, three_scans):
    manifest = tmp_path / "manifest.csv"
    manifest.write_bytes(
        "\ufefffile;Serial Number;doc_type;document_date;unit\n"
        'logbook.pdf;kb 15 84;logbook;10/03/1985;"Lữ đoàn 202; Quân khu 1"\n'
        "nested/inspection.pdf;KB-15-84;Biên bản kiểm tra kỹ thuật;2015-01-05;\n"
        "repair.pdf;;repair;;\n".encode()
    )
    data, summary, report = tmp_path / "data", tmp_path / "summary.json", tmp_path / "report.json"
    done = run(data, "ingest", str(three_scans), "--manifest", str(manifest), "--json",
               "--summary", str(summary), "--report", str(report))
    lines = {Path(r["path"]).name: r for r in map(json.loads, done.stdout.splitlines())}
    assert sorted(r["status"] for r in lines.values()) == ["ingested"] * 3

    logbook = lines["logbook.pdf"]
    assert logbook["document"]["unit"] == "Lữ đoàn 202; Quân khu 1"
    assert logbook["document"]["fields"]["unit"]["source"] == "manifest"
    assert logbook["document"]["fields"]["unit"]["confidence"] == 1.0
    assert logbook["document"]["document_date"] == "1985-03-10"
    expected = {"field": "unit", "manifest_value": "Lữ đoàn 202; Quân khu 1", "extracted_value": "Lữ đoàn 201", "row": 2}
    assert [{k: d[k] for k in expected} for d in logbook["manifest_disagreements"]] == [expected]
    assert lines["inspection.pdf"]["manifest_disagreements"] == []
    assert lines["inspection.pdf"]["document"]["fields"]["serial_number"]["source"] == "manifest"
    assert lines["repair.pdf"]["document"]["fields"]["unit"]["source"] == "extracted"  # empty cell: extraction kept

    assert "disagree on 1 values" in done.stderr and "Lữ đoàn 201" in done.stderr
    assert "ingested 3, duplicate 0, failed 0" in done.stderr
    saved = json.loads(summary.read_text())
    assert [d["field"] for d in saved["manifest_disagreements"]] == ["unit"] and saved["manifest_problems"] == []
    assert json.loads(report.read_text())["ok"] is True

    # the stored truth, read back through another command
    shown = json.loads(run(data, "search", "", "--doc-type", "logbook", "--json").stdout)
    assert shown["hits"][0]["unit"] == "Lữ đoàn 202; Quân khu 1"


def test_dry_run_reports_every_problem_and_stores_nothing(tmp_path, three_scans, monkeypatch):
    (three_scans / "extra.pdf").write_bytes(text_pdf(DOSSIER_KB_15_84["transfer.pdf"]))
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,doc_type,document_date\n"
        "logbook.pdf,logbook,31/02/2020\n"
        "nested/inspection.pdf,inspectoin,05/01/2015\n"
        "repair.pdf,repair,\n"
        "missing.pdf,repair,\n",
        encoding="utf-8",
    )
    data, report = tmp_path / "data", tmp_path / "report.json"
    done = run(data, "ingest", str(three_scans), "--manifest", str(manifest), "--dry-run", "--report", str(report), check=False)
    assert done.returncode == 1, done.stderr
    found = json.loads(report.read_text())
    problems = {(p["kind"], p["row"], Path(p["file"]).name) for p in found["problems"]}
    assert problems == {
        ("bad_date", 2, "logbook.pdf"),
        ("unknown_doc_type", 3, "inspection.pdf"),
        ("missing_file", 5, "missing.pdf"),
        ("not_in_manifest", None, "extra.pdf"),
    }
    assert found["ok"] is False and found["matched"] == 3 and found["inputs"] == 4
    assert "nothing was ingested" in done.stderr and "missing.pdf" in done.stderr
    assert stored_records(data) == []
    assert not data.exists() or not any(data.rglob("*"))  # the dry run never opened the archive

    # a clean manifest passes with exit 0; the report lands in the current directory by default
    manifest.write_text("file,doc_type\nlogbook.pdf,logbook\nnested/inspection.pdf,inspection\nrepair.pdf,repair\n"
                        "extra.pdf,transfer\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    clean = run(data, "ingest", str(three_scans), "--manifest", str(manifest), "--dry-run", "--json")
    assert json.loads(clean.stdout)["ok"] is True
    assert json.loads((tmp_path / "manifest-report.json").read_text())["problems"] == []
    assert not data.exists() or not any(data.rglob("*"))


def test_manifest_usage_errors(tmp_path, three_scans):
    data = tmp_path / "data"
    bad = tmp_path / "bad.csv"
    bad.write_text("name,unit\na.pdf,x\n", encoding="utf-8")
    refused = run(data, "ingest", str(three_scans), "--manifest", str(bad), check=False)
    assert refused.returncode == 2 and "no 'file' column" in refused.stderr
    alone = run(data, "ingest", str(three_scans), "--dry-run", check=False)
    assert alone.returncode == 2 and "--manifest" in alone.stderr
    assert not data.exists() or not any(data.rglob("*"))
