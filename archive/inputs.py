"""What a clerk hands to `archive ingest`: files, folders (recursive) and zip files, flattened to inputs.

Zip members are read in memory, never extracted to disk, so hostile member names cannot escape.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


@dataclass(frozen=True)
class IngestInput:
    name: str  # what the clerk sees: a path, or "archive.zip!member.pdf"
    path: Path  # the file on disk (the zip itself for members)
    member: str | None = None
    size: int = 0
    problem: str | None = None  # known before reading: unreadable, too large, ...


def expand_inputs(paths: list[Path], *, max_bytes: int) -> Iterator[IngestInput]:
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                yield from _file_inputs(child, max_bytes)
        elif path.exists():
            yield from _file_inputs(path, max_bytes)
        else:
            yield IngestInput(name=str(path), path=path, problem="no such file or folder")


def _file_inputs(path: Path, max_bytes: int) -> Iterator[IngestInput]:
    if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        yield from _zip_inputs(path, max_bytes)
        return
    size = path.stat().st_size
    problem = f"{size:,} bytes, more than the limit of {max_bytes:,}" if size > max_bytes else None
    yield IngestInput(name=str(path), path=path, size=size, problem=problem)


def _zip_inputs(path: Path, max_bytes: int) -> Iterator[IngestInput]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        yield IngestInput(name=str(path), path=path, problem=f"unreadable zip file: {exc}")
        return
    for info in members:
        name = f"{path}!{info.filename}"
        problem = None
        if _unsafe_member_path(info.filename):
            problem = f"unsafe path in the zip file ({info.filename!r}: absolute or climbing out with '..'); refused"
        elif info.file_size > max_bytes:
            problem = f"zip member of {info.file_size:,} bytes, more than the limit of {max_bytes:,}"
        elif info.compress_size and info.file_size / info.compress_size > 200 and info.file_size > 50 * 1024 * 1024:
            problem = "zip member expands more than 200-fold (zip bomb?)"
        yield IngestInput(name=name, path=path, member=info.filename, size=info.file_size, problem=problem)


def _unsafe_member_path(name: str) -> bool:
    # Never extracted to disk, but a name that would escape an extraction folder marks a crafted archive.
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts


def read_input(item: IngestInput, max_bytes: int) -> bytes:
    if item.member is None:
        return item.path.read_bytes()
    with zipfile.ZipFile(item.path) as archive, archive.open(item.member) as member:
        data = member.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"zip member larger than the limit of {max_bytes:,} bytes")
    return data


def display_name(item: IngestInput) -> str:
    return Path(item.member).name if item.member else item.path.name
