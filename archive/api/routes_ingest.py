from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, File, HTTPException, UploadFile
from fastapi.responses import JSONResponse

from archive.api.auth import Actor
from archive.api.deps import AppSettings, UseCases
from archive.api.openapi import API_ERRORS, UPLOAD_RESPONSES
from archive.inputs import IngestInput
from archive.manifest import ManifestError, match_inputs, parse_manifest
from archive.models import Job
from archive.queue import QueuedInput
from ingest.errors import UnsupportedType
from ingest.sniff import sniff

router = APIRouter(prefix="/api/v1", tags=["ingest"], responses=API_ERRORS)

_CHUNK = 1 << 20
_MAX_MANIFEST_BYTES = 16 << 20


@router.post("/ingest", status_code=202, responses=UPLOAD_RESPONSES)
async def ingest(
    files: list[UploadFile], settings: AppSettings, archive: UseCases, actor: Actor,
    manifest: UploadFile | None = File(None, description="CSV: a `file` column and Document fields whose values win"),
) -> JSONResponse:
    """Queue scans for ingest. The whole request is refused (nothing kept) when any file is too large or of an
    unsupported type, or the manifest cannot be read, so the clerk gets one clear answer."""
    job_id, problems = await queue_upload(files, manifest, settings, archive, actor)
    body: dict = {"job_id": job_id}
    if manifest is not None:
        body["manifest_problems"] = problems
    return JSONResponse(body, status_code=202)


async def queue_upload(files: list[UploadFile], manifest: UploadFile | None, settings, archive, actor) -> tuple[str, list[dict]]:
    """An upload's files spooled, checked and queued as one job (the API's and the upload page's); an
    HTTPException names the first file that stops the whole upload."""
    # Before a byte is spooled: a person who may not ingest is refused at once.
    await asyncio.to_thread(archive.authorize_ingest, actor, ", ".join(f.filename or "?" for f in files[:20]), len(files))
    if not files:
        raise HTTPException(422, "no file to ingest")
    if len(files) > settings.max_upload_files:
        raise HTTPException(413, f"{len(files)} files: more than the limit of {settings.max_upload_files} in one upload")
    rows, problems = {}, []
    spool = Path(tempfile.mkdtemp(prefix="upload-", dir=_upload_dir(settings.data_dir)))
    try:
        saved = [await _spool(upload, spool / f"{i:05d}", settings.max_upload_bytes) for i, upload in enumerate(files)]
        if manifest is not None:
            rows, problems = await _manifest_rows(manifest, [name for name, _ in saved])
        inputs = [QueuedInput(name=name, read=path.read_bytes, row=rows.get(name)) for name, path in saved]
        job_id = await asyncio.to_thread(archive.enqueue, actor, inputs)  # staged in the object store
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    return job_id, problems


@router.get("/jobs/{job_id}", response_model=Job)
def job(job_id: str, archive: UseCases, actor: Actor) -> Job:
    return archive.job(actor, job_id)


def _upload_dir(data_dir: Path) -> Path:
    path = data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def _spool(upload: UploadFile, target: Path, max_bytes: int) -> tuple[str, Path]:
    name = Path(upload.filename or target.name).name
    size, head = 0, b""
    with target.open("wb") as out:
        while chunk := await upload.read(_CHUNK):
            if not head:
                head = chunk[:1024]
            size += len(chunk)
            if size > max_bytes:
                raise HTTPException(413, f"{name}: larger than the limit of {max_bytes:,} bytes")
            out.write(chunk)
    try:
        sniff(head)
    except UnsupportedType as exc:
        raise HTTPException(415, f"{name}: {exc}") from exc
    return name, target


async def _manifest_rows(upload: UploadFile, names: list[str]) -> tuple[dict, list[dict]]:
    """Each uploaded file's manifest row (matched by file name), and the manifest's problems."""
    raw = await upload.read(_MAX_MANIFEST_BYTES + 1)
    if len(raw) > _MAX_MANIFEST_BYTES:
        raise HTTPException(413, f"manifest: larger than the limit of {_MAX_MANIFEST_BYTES:,} bytes")
    try:  # in a thread: a manifest of many rows must not stall the event loop (and every other request)
        manifest = await asyncio.to_thread(parse_manifest, raw, name=upload.filename or "manifest.csv")
    except ManifestError as exc:
        raise HTTPException(422, f"manifest: {exc}") from exc
    items = [IngestInput(name=name, path=Path(name)) for name in names]
    match = await asyncio.to_thread(match_inputs, manifest, items, [])
    return match.by_input, [problem.as_dict() for problem in manifest.problems + match.problems]
