"""Ingest manifests: reading the CSV, validating values, matching inputs, overriding extraction."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.inputs import IngestInput
from archive.manifest import (
    ManifestError,
    apply_manifest,
    load_manifest,
    match_inputs,
    parse_manifest,
    parse_value,
    validation_report,
)
from ingest.types import Extraction, FieldValue, PageText


def kinds(manifest, match=None) -> list[tuple[str, int | None, str | None]]:
    report = validation_report(manifest, match, inputs=0)
    return [(p["kind"], p["row"], p["field"]) for p in report["problems"]]


# ---- reading ----------------------------------------------------------------------------------


def test_comma_separated_with_values_parsed():
    manifest = parse_manifest(b"file,serial_number,document_date,quality_grade\na.pdf,kb 15 84,05/01/2020,3\n")
    assert manifest.problems == []
    (row,) = manifest.rows
    assert row.row == 2 and row.file == "a.pdf"
    assert row.values == {"serial_number": "KB-15-84", "document_date": "2020-01-05", "quality_grade": 3}


def test_semicolon_bom_case_insensitive_header_and_vietnamese_text(tmp_path):
    path = tmp_path / "m.csv"
    content = "\ufeff File ; Đơn vị ;UNIT; Doc Type\nhồ sơ/lý lịch.pdf;x;Lữ đoàn 201, Quân khu 1;Lý lịch trang bị kỹ thuật\n"
    path.write_bytes(content.encode("utf-8"))
    manifest = load_manifest(path)
    assert [(p.kind, p.field) for p in manifest.problems] == [("unknown_column", "Đơn vị")]
    (row,) = manifest.rows
    assert row.file == "hồ sơ/lý lịch.pdf"
    assert row.values == {"unit": "Lữ đoàn 201, Quân khu 1", "doc_type": "logbook"}
    assert manifest.columns == ["unit", "doc_type"]


def test_quoted_values_with_commas_and_empty_cells():
    raw = 'file,unit,designation,document_number\n"a, b.pdf","Trung đoàn 141, Sư đoàn 312",,"125/QĐ-TM"\n,,,\n'
    manifest = parse_manifest(raw.encode())
    assert manifest.problems == []
    (row,) = manifest.rows  # the blank line is skipped
    assert row.file == "a, b.pdf"
    assert row.values == {"unit": "Trung đoàn 141, Sư đoàn 312", "document_number": "125/QĐ-TM"}


def test_tab_separated():
    manifest = parse_manifest("file\tunit\na.pdf\tLữ đoàn 201\n".encode())
    assert manifest.rows[0].values == {"unit": "Lữ đoàn 201"}


def test_missing_file_column_is_an_error_naming_what_is_there():
    with pytest.raises(ManifestError, match="no 'file' column.*'filename'.*'unit'"):
        parse_manifest(b"filename,unit\na.pdf,x\n")


def test_not_utf8_and_missing_manifest_are_errors(tmp_path):
    with pytest.raises(ManifestError, match="not UTF-8"):
        parse_manifest(b"file,unit\na.pdf,L\xea\n")  # Latin-1
    with pytest.raises(ManifestError, match="cannot read"):
        load_manifest(tmp_path / "nope.csv")
    with pytest.raises(ManifestError, match="empty"):
        parse_manifest(b"\xef\xbb\xbf  \n")


# ---- validation --------------------------------------------------------------------------------


def test_problem_kinds_with_row_numbers():
    raw = (
        "file,doc_type,document_date,classification,quality_grade,year_of_manufacture,colour\n"
        "a.pdf,inspectoin,31/02/2020,mật,7,84,red\n"
        "b.pdf,repair,ngày 5 tháng 3 năm 2021,secret,Cấp 2,1984,\n"
        "a.pdf,logbook,,,,,\n"
        ",logbook,,,,,\n"
    )
    manifest = parse_manifest(raw.encode())
    assert sorted(kinds(manifest), key=str) == sorted([
        ("unknown_doc_type", 2, "doc_type"),
        ("bad_date", 2, "document_date"),
        ("bad_value", 2, "quality_grade"),
        ("bad_value", 2, "year_of_manufacture"),
        ("duplicate_row", 4, None),
        ("bad_value", 5, "file"),
        ("unknown_column", None, "colour"),
    ], key=str)
    first, second = manifest.rows
    assert first.values == {"classification": "confidential"}  # the good cells of a row are kept
    assert second.values == {
        "doc_type": "repair", "document_date": "2021-03-05", "classification": "secret",
        "quality_grade": 2, "year_of_manufacture": 1984,
    }


@pytest.mark.parametrize(
    ("column", "cell", "expected"),
    [
        ("document_date", "2020-01-05", "2020-01-05"),
        ("document_date", "5/1/2020", "2020-01-05"),
        ("document_date", "05-01-2020", "2020-01-05"),
        ("doc_type", "Grade change", "grade_change"),
        ("doc_type", "BIÊN BẢN BÀN GIAO", "handover"),
        ("doc_type", "quyết định điều chuyển", "transfer"),
        ("classification", "Tối mật", "secret"),
        ("classification", "top secret", "top_secret"),
        ("repair_level", "Sửa chữa lớn", "major"),
        ("repair_level", "SCV", "medium"),
        ("serial_number", " kb–15.84 ", "KB-15-84"),
        ("unit", "  Lữ   đoàn 201 ", "Lữ đoàn 201"),
        ("name", "Xe tăng T-54B", "Xe tăng T-54B"),
    ],
)
def test_values(column, cell, expected):
    value, problem = parse_value(column, cell)
    assert problem is None and value == expected


@pytest.mark.parametrize(
    ("column", "cell", "kind"),
    [
        ("document_date", "2020", "bad_date"),
        ("document_date", "2020-13-01", "bad_date"),
        ("document_date", "soon", "bad_date"),
        ("doc_type", "banana split", "unknown_doc_type"),
        ("classification", "restricted", "bad_value"),
        ("quality_grade", "0", "bad_value"),
        ("repair_level", "huge", "bad_value"),
        ("serial_number", "--", "bad_value"),
    ],
)
def test_bad_values(column, cell, kind):
    value, problem = parse_value(column, cell)
    assert value is None and problem is not None and problem.kind == kind and problem.field == column


# ---- matching the inputs -----------------------------------------------------------------------


def folder_inputs(root: Path, *relative: str) -> list[IngestInput]:
    items = []
    for name in relative:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF")
        items.append(IngestInput(name=str(path), path=path, size=4))
    return items


def test_match_by_relative_path_bare_name_and_report_both_ways(tmp_path):
    root = tmp_path / "scans"
    items = folder_inputs(root, "a.pdf", "x/b.pdf", "y/b.pdf", "x/c.pdf", "extra.pdf")
    manifest = parse_manifest(b"file,unit\nA.pdf,u1\nx\\b.pdf,u2\nc.pdf,u3\nb.pdf,u4\ngone.pdf,u5\n")
    match = match_inputs(manifest, items, [root])
    assert {Path(name).relative_to(root).as_posix(): row.row for name, row in match.by_input.items()} == {
        "a.pdf": 2, "x/b.pdf": 3, "x/c.pdf": 4,
    }
    report = validation_report(manifest, match, inputs=len(items))
    problems = [(p["kind"], p["row"], Path(p["file"]).name) for p in report["problems"]]
    assert ("missing_file", 5, "b.pdf") in problems  # ambiguous: x/b.pdf or y/b.pdf
    assert ("missing_file", 6, "gone.pdf") in problems
    assert ("not_in_manifest", None, "extra.pdf") in problems
    assert ("not_in_manifest", None, "b.pdf") in problems  # y/b.pdf
    assert report["ok"] is False and report["matched"] == 3 and report["counts"]["missing_file"] == 2


def test_two_rows_naming_one_input(tmp_path):
    root = tmp_path / "scans"
    items = folder_inputs(root, "x/a.pdf")
    manifest = parse_manifest(b"file\nx/a.pdf\na.pdf\n")
    match = match_inputs(manifest, items, [root])
    assert [row.row for row in match.by_input.values()] == [2]
    assert [(p.kind, p.row) for p in match.problems] == [("duplicate_row", 3)]


def test_match_zip_members(tmp_path):
    bundle = tmp_path / "batch.zip"
    items = [
        IngestInput(name=f"{bundle}!dossier/a.pdf", path=bundle, member="dossier/a.pdf"),
        IngestInput(name=f"{bundle}!dossier/b.pdf", path=bundle, member="dossier/b.pdf"),
    ]
    manifest = parse_manifest(b"file;unit\ndossier/a.pdf;u1\nb.pdf;u2\n")
    match = match_inputs(manifest, items, [bundle])
    assert set(match.by_input) == {items[0].name, items[1].name} and match.problems == []


def test_unreadable_input_is_reported(tmp_path):
    item = IngestInput(name=str(tmp_path / "big.pdf"), path=tmp_path / "big.pdf", problem="too large")
    match = match_inputs(parse_manifest(b"file\nbig.pdf\n"), [item], [tmp_path])
    assert [p.kind for p in match.problems] == ["unreadable_file"]


# ---- applying a row ----------------------------------------------------------------------------


def extraction(**fields: FieldValue) -> Extraction:
    return Extraction("application/pdf", 2, (PageText(1, "text", "text"), PageText(2, "more", "text")), "text", fields)


def test_manifest_values_win_and_disagreements_are_recorded():
    manifest = parse_manifest(
        "file,unit,serial_number,doc_type,quality_grade,designation\na.pdf,Lữ đoàn 202,kb 15 84,repair,2,\n".encode()
    )
    found = extraction(
        unit=FieldValue("Lữ đoàn 201", 0.8, 2),
        serial_number=FieldValue("KB-15-84", 0.9, 1),
        doc_type=FieldValue("inspection", 0.85, 1),
        designation=FieldValue("T-54B", 0.9, 1),
    )
    updated, disagreements = apply_manifest(found, manifest.rows[0], "scans/a.pdf")
    assert updated.fields["unit"] == FieldValue("Lữ đoàn 202", 1.0, 2, "manifest")
    assert updated.fields["serial_number"].source == "manifest"  # same serial written differently: no disagreement
    assert updated.fields["quality_grade"] == FieldValue(2, 1.0, 1, "manifest")  # filled in, nothing to disagree with
    assert updated.fields["designation"] == FieldValue("T-54B", 0.9, 1)  # empty cell: extraction kept
    assert [(d.file, d.field, d.manifest_value, d.extracted_value, d.row) for d in disagreements] == [
        ("scans/a.pdf", "unit", "Lữ đoàn 202", "Lữ đoàn 201", 2),
        ("scans/a.pdf", "doc_type", "repair", "inspection", 2),
    ]
    assert found.fields["unit"].value == "Lữ đoàn 201"  # the original extraction is untouched


def test_case_and_spacing_are_not_disagreements():
    manifest = parse_manifest("file,unit\na.pdf,lữ  đoàn 201\n".encode())
    _, disagreements = apply_manifest(extraction(unit=FieldValue("Lữ đoàn 201", 0.8, 1)), manifest.rows[0], "a.pdf")
    assert disagreements == []


def test_stored_document_carries_manifest_source():
    from archive.records import document_from_extraction

    manifest = parse_manifest(b"file,document_date,unit\na.pdf,05/01/2020,U\n")
    updated, _ = apply_manifest(extraction(), manifest.rows[0], "a.pdf")
    document = document_from_extraction(updated, sha256="0" * 64, filename="a.pdf", size_bytes=4)
    assert str(document.document_date) == "2020-01-05" and document.unit == "U"
    assert document.fields["unit"].source == "manifest" and document.fields["unit"].confidence == 1.0
