"""Ingest manifests: a CSV a clerk fills in a spreadsheet, one row per file, values that beat extraction.

The CSV is UTF-8 (a BOM is dropped), comma-, semicolon- or tab-separated (as spreadsheets export it),
with a `file` column and any Document field as further columns. Header names are case-insensitive
and trimmed ("Serial Number" = `serial_number`). Empty cells mean "no value".

Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.

Rows are keyed by the file's path relative to the ingested folder (or the zip member name); a row
also matches by bare file name when exactly one input carries that name.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Literal

from archive.inputs import IngestInput
from archive.field_values import InvalidFieldValue, parse_field_value
from common.identifiers import serial_key
from ingest.types import FIELD_NAMES, Extraction, FieldScalar, FieldValue
from common.text import fold, normalize_text

__all__ = [
    "ManifestError", "ManifestProblem", "ManifestRow", "Manifest", "ManifestMatch", "Disagreement",
    "load_manifest", "parse_manifest", "match_inputs", "apply_manifest", "validation_report",
]

ProblemKind = Literal[
    "missing_file",  # a row whose file is not among the inputs
    "not_in_manifest",  # an input with no row
    "bad_date",
    "unknown_doc_type",
    "bad_value",
    "duplicate_row",  # the same file twice: the first row is used
    "unknown_column",  # ignored
    "unreadable_file",  # an input that cannot be ingested at all (too large, missing, bad zip)
]

MANIFEST_SOURCE = "manifest"



class ManifestError(ValueError):
    """The manifest cannot be read at all (missing, not UTF-8, no `file` column)."""


@dataclass(frozen=True)
class ManifestProblem:
    kind: ProblemKind
    message: str
    row: int | None = None
    file: str | None = None
    field: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ManifestRow:
    row: int  # spreadsheet row number (header = 1)
    file: str  # as written, slashes normalised
    values: dict[str, FieldScalar]  # valid values only, by Document field


@dataclass(frozen=True)
class Disagreement:
    file: str
    field: str
    manifest_value: FieldScalar
    extracted_value: FieldScalar
    row: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Manifest:
    path: str
    columns: list[str]  # the recognised field columns, in header order
    rows: list[ManifestRow] = field(default_factory=list)  # one per file (duplicates dropped)
    problems: list[ManifestProblem] = field(default_factory=list)


@dataclass
class ManifestMatch:
    """The manifest laid over the inputs: each input's row, and what did not meet."""

    by_input: dict[str, ManifestRow]  # IngestInput.name -> row
    problems: list[ManifestProblem]


# ---- reading --------------------------------------------------------------------------------


def load_manifest(path: Path | str) -> Manifest:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest {path}: {exc.strerror or exc}") from exc
    return parse_manifest(raw, name=str(path))


def parse_manifest(raw: bytes | str, *, name: str = "manifest.csv") -> Manifest:
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ManifestError(f"the manifest {name} is not UTF-8 (byte {exc.start}): save it as 'CSV UTF-8'") from exc
    else:
        text = raw.removeprefix("\ufeff")
    if not text.strip():
        raise ManifestError(f"the manifest {name} is empty: it needs a header row with a 'file' column")
    reader = _csv_rows(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)), name)
    header = next(reader, None) or []
    names = [_column_name(cell) for cell in header]
    if "file" not in names:
        found = ", ".join(repr(cell.strip()) for cell in header if cell.strip()) or "nothing"
        raise ManifestError(f"the manifest {name} has no 'file' column (the header row holds {found})")
    manifest = Manifest(path=name, columns=[])
    used: dict[int, str] = {}
    for index, column in enumerate(names):
        if column == "file":
            if "file" not in used.values():
                used[index] = "file"
        elif column in FIELD_NAMES and column not in used.values():
            used[index] = column
            manifest.columns.append(column)
        elif column in FIELD_NAMES:
            manifest.problems.append(ManifestProblem("unknown_column", f"column {header[index].strip()!r} appears twice: the second is ignored", field=column))
        elif column:
            manifest.problems.append(ManifestProblem(
                "unknown_column", f"unknown column {header[index].strip()!r}: ignored (known: file, {', '.join(FIELD_NAMES)})",
                field=header[index].strip(),
            ))
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines spreadsheets leave at the end
        cells_by_name = {used[i]: cells[i] for i in used if i < len(cells)}
        file = _file_key(cells_by_name.get("file", ""))
        if not file:
            manifest.problems.append(ManifestProblem("bad_value", "the row has no file name: ignored", row=number, field="file"))
            continue
        if file in seen:
            manifest.problems.append(ManifestProblem(
                "duplicate_row", f"{file} already appears on row {seen[file]}: this row is ignored", row=number, file=file,
            ))
            continue
        seen[file] = number
        values: dict[str, FieldScalar] = {}
        for column, cell in cells_by_name.items():
            if column == "file" or not cell.strip():
                continue
            value, problem = parse_value(column, cell)
            if problem is not None:
                manifest.problems.append(replace(problem, row=number, file=file))
            else:
                values[column] = value
        manifest.rows.append(ManifestRow(row=number, file=file, values=values))
    return manifest


def _csv_rows(reader, name: str) -> Iterator[list[str]]:
    """The reader's rows; what the csv module cannot read (a cell over its field size limit, 128 KiB) is a
    `ManifestError` naming the spreadsheet row, never a crash."""
    row = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                reason = f"a cell is longer than {csv.field_size_limit():,} characters (is this the right file?)"
            else:
                reason = str(exc)
            raise ManifestError(f"the manifest {name} cannot be read as CSV at row {row + 1}: {reason}") from exc
        row += 1
        yield cells


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab, judged on the header line (outside quotes)."""
    header = text.splitlines()[0] if text else ""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _column_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", normalize_text(cell).strip().lower())


def _file_key(cell: str) -> str:
    key = normalize_text(cell).strip().replace("\\", "/")
    while key.startswith("./"):
        key = key[2:]
    return key


# ---- values ---------------------------------------------------------------------------------


def parse_value(column: str, cell: str) -> tuple[FieldScalar, ManifestProblem | None]:
    """One cell as the Document field's value, or the problem that makes it unusable."""
    try:
        return parse_field_value(column, cell), None
    except InvalidFieldValue as exc:
        return None, ManifestProblem(exc.kind, str(exc), field=column)


# ---- matching the inputs --------------------------------------------------------------------


def input_keys(item: IngestInput, roots: Iterable[Path]) -> list[str]:
    """The names a manifest row may use for an input, most specific first."""
    keys: list[str] = []
    if item.member is not None:
        keys.append(_file_key(item.member))
        keys.append(_file_key(item.name))
    else:
        for root in roots:
            if root.is_dir():
                try:
                    keys.append(item.path.relative_to(root).as_posix())
                except ValueError:
                    continue
        keys.append(_file_key(str(item.path)))
        keys.append(item.path.name)
    return list(dict.fromkeys(normalize_text(k) for k in keys))


def match_inputs(manifest: Manifest, items: list[IngestInput], roots: Iterable[Path]) -> ManifestMatch:
    roots = list(roots)
    keyed: dict[str, list[IngestInput]] = {}
    by_bare: dict[str, list[IngestInput]] = {}
    for item in items:
        for key in input_keys(item, roots):
            keyed.setdefault(key, []).append(item)
            if key.casefold() != key:
                keyed.setdefault(key.casefold(), []).append(item)
        bare = PurePosixPath(_file_key(item.member or item.path.name)).name
        by_bare.setdefault(bare.casefold(), []).append(item)
    by_input: dict[str, ManifestRow] = {}
    problems: list[ManifestProblem] = []
    for row in manifest.rows:
        candidates = _unique(keyed.get(row.file) or keyed.get(row.file.casefold()) or [])
        if not candidates:
            candidates = _unique(by_bare.get(PurePosixPath(row.file).name.casefold(), []))
        if len(candidates) == 1 and candidates[0].name in by_input:
            other = by_input[candidates[0].name]
            problems.append(ManifestProblem(
                "duplicate_row", f"{row.file} is the same input as {other.file} on row {other.row}: this row is ignored",
                row=row.row, file=row.file,
            ))
        elif len(candidates) == 1:
            by_input[candidates[0].name] = row
        elif not candidates:
            problems.append(ManifestProblem("missing_file", f"{row.file} is in the manifest but not among the inputs", row=row.row, file=row.file))
        else:
            names = ", ".join(item.name for item in candidates[:3])
            problems.append(ManifestProblem(
                "missing_file", f"{row.file} matches several inputs ({names}): give its path relative to the folder",
                row=row.row, file=row.file,
            ))
    for item in items:
        if item.problem:
            problems.append(ManifestProblem("unreadable_file", f"{item.name}: {item.problem}", file=item.name))
        if item.name not in by_input:
            problems.append(ManifestProblem("not_in_manifest", f"{item.name} has no row in the manifest", file=item.name))
    return ManifestMatch(by_input=by_input, problems=problems)


def _unique(items: list[IngestInput]) -> list[IngestInput]:
    return list({item.name: item for item in items}.values())


# ---- applying a row -------------------------------------------------------------------------


def apply_manifest(extraction: Extraction, row: ManifestRow, file: str) -> tuple[Extraction, list[Disagreement]]:
    """The extraction with every manifest value in place (confidence 1.0, source `manifest`), and where
    the extraction had read something else."""
    if not row.values:
        return extraction, []
    fields = dict(extraction.fields)
    disagreements: list[Disagreement] = []
    for name, value in row.values.items():
        found = fields.get(name)
        if found is not None and found.value is not None and not same_value(name, value, found.value):
            disagreements.append(Disagreement(file=file, field=name, manifest_value=value, extracted_value=found.value, row=row.row))
        fields[name] = FieldValue(value, 1.0, found.page if found is not None else 1, MANIFEST_SOURCE)
    return replace(extraction, fields=fields), disagreements


def same_value(name: str, a: FieldScalar, b: FieldScalar) -> bool:
    if name == "serial_number":
        return serial_key(str(a)) == serial_key(str(b))
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(normalize_text(a).casefold().split()) == " ".join(normalize_text(b).casefold().split())
    return str(a) == str(b)


# ---- reporting ------------------------------------------------------------------------------


def validation_report(manifest: Manifest, match: ManifestMatch | None, *, inputs: int) -> dict:
    """The JSON report: every problem with its row, file and field, and counts by kind."""
    problems = manifest.problems + (match.problems if match else [])
    problems.sort(key=lambda p: (p.row is None, p.row or 0, p.file or "", p.kind))
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.kind] = counts.get(problem.kind, 0) + 1
    return {
        "manifest": manifest.path,
        "ok": not problems,
        "inputs": inputs,
        "rows": len(manifest.rows),
        "matched": len(match.by_input) if match else 0,
        "columns": manifest.columns,
        "counts": counts,
        "problems": [p.as_dict() for p in problems],
    }
