from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, BackgroundTasks, HTTPException, UploadFile
from fastapi.responses import JSONResponse

from archive.api.deps import AppSettings, Jobs, Service
from archive.jobs import JobStore
from archive.models import IngestResult, Job
from archive.service import ArchiveService
from ingest.errors import UnsupportedType
from ingest.sniff import sniff

router = APIRouter(prefix="/api/v1", tags=["ingest"])

_CHUNK = 1 << 20


@router.post("/ingest", status_code=202)
async def ingest(
    files: list[UploadFile], service: Service, jobs: Jobs, settings: AppSettings, background: BackgroundTasks
) -> JSONResponse:
    """Accept scans for ingest. The whole request is refused (nothing kept) when any file is too large or of an
    unsupported type, so the clerk gets one clear answer."""
    spool = Path(tempfile.mkdtemp(prefix="upload-", dir=_upload_dir(settings.data_dir)))
    try:
        saved = [await _spool(upload, spool / f"{i:05d}", settings.max_upload_bytes) for i, upload in enumerate(files)]
    except HTTPException:
        shutil.rmtree(spool, ignore_errors=True)
        raise
    job_id = jobs.create([name for name, _ in saved])
    background.add_task(_run_job, service, jobs, job_id, saved, spool)
    return JSONResponse({"job_id": job_id}, status_code=202)


@router.get("/jobs/{job_id}", response_model=Job)
def job(job_id: str, jobs: Jobs) -> Job:
    return jobs.get(job_id)


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


def _run_job(service: ArchiveService, jobs: JobStore, job_id: str, saved: list[tuple[str, Path]], spool: Path) -> None:
    jobs.set_state(job_id, "running")
    try:
        for position, (name, path) in enumerate(saved):
            try:
                result = service.ingest_bytes(path.read_bytes(), name)
            except Exception as exc:  # one file's failure is recorded; the job goes on
                result = IngestResult(path=name, status="failed", sha256="", error=str(exc))
            jobs.record(job_id, position, result)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
        jobs.set_state(job_id, "done")
