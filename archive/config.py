"""The one settings object. Read from `ARCHIVE_*` environment variables; nothing else reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARCHIVE_", extra="ignore")

    data_dir: Path = Path("./archive-data")
    storage: Literal["local", "s3"] = "local"
    index: Literal["tantivy", "elasticsearch"] = "tantivy"

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = "archive"
    s3_secure: bool = False
    s3_region: str | None = None

    # A backup's S3 server (`archive backup s3://bucket/prefix`), when it is not the archive's own: a second copy
    # belongs on an independent store. Unset, the archive's own endpoint and keys are used.
    backup_s3_endpoint: str | None = None
    backup_s3_access_key: str | None = None
    backup_s3_secret_key: str | None = None
    backup_s3_secure: bool | None = None

    es_url: str = "http://127.0.0.1:9200"
    es_index: str = "archive-documents"

    ocr_lang: str = "vie+eng"
    ocr_reading: Literal["adaptive", "plain"] = Field(
        default="adaptive", description="adaptive: a second, prepared reading of pages whose plain reading is weak"
        " (faded, sideways, sealed); plain: one Tesseract pass per page as is")
    workers: int = Field(default=0, description="ingest processes; 0 = one per core")
    max_upload_bytes: int = 512 * 1024 * 1024
    max_upload_files: int = Field(default=200, ge=1, description="files one upload request may carry")
    max_request_bytes: int = Field(default=4 * 1024**3, ge=1, description="a whole request body (an upload with all"
                                   " its files); uploads are also held to max_upload_files × max_upload_bytes")
    max_json_bytes: int = Field(default=64 * 1024, ge=1, description="the body of any other API request"
                                " (a correction, a sign-in)")
    max_pages: int = 2000
    max_pixels: int = 150_000_000
    ocr_timeout_s: float = 180.0
    file_timeout_s: float = 1800.0  # one file's whole parse; past it the parsing process is killed
    worker_memory_mb: int = 3072  # memory limit of each parsing process
    review_below: float = Field(default=0.6, ge=0, le=1, description="fields less sure than this go to review")
    index_retry_s: float = 30.0  # how often the API retries documents stored while the index was down

    # The ingest queue (Huey): SQLite in the data directory on one machine, Redis for workers on many.
    queue: Literal["sqlite", "redis"] = "sqlite"
    redis_url: str = "redis://127.0.0.1:6379/0"
    queue_name: str = "archive"
    worker_lease_s: float = Field(default=60.0, gt=0, description="a worker that has not renewed its lease for this"
                                  " long is taken for dead, and the files it held are queued again")
    serve_workers: int = Field(
        default=-1, description="ingest workers inside `archive serve`: -1 = one per core on the sqlite queue and"
        " none on redis (run `archive worker` there); 0 = none")

    # People and access. `auth=off` serves without users (loudly); never on a network others reach.
    auth: Literal["on", "off"] = "on"
    token: str | None = Field(default=None, description="the API token the CLI acts with (ARCHIVE_TOKEN)")
    session_hours: float = 12.0  # a browser session's life
    cookie_secure: bool = True  # the session cookie only over HTTPS (set false for plain-HTTP development)
    allowed_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.1", "localhost", "testserver"],
                                     description="Host header values the API answers; [\"*\"] for any")
    metrics_token: str | None = Field(default=None, description="the bearer token /metrics asks of scrapers not on"
                                      " the loopback address (ARCHIVE_METRICS_TOKEN); unset: loopback only")
    log_format: Literal["console", "json"] = Field(default="console", description="json: one JSON object per line,"
                                                   " with the request id on every line of a request")
    # OpenID Connect (Keycloak in production): issuer URL, client, and the claims that carry role and clearance.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_redirect_url: str | None = None  # this archive's callback, e.g. https://archive.example/api/v1/auth/oidc/callback
    oidc_role_claim: str = "archive_role"
    oidc_clearance_claim: str = "archive_clearance"
    oidc_units_claim: str = "archive_units"

    @property
    def users_db(self) -> Path:
        """Users, API tokens and browser sessions of the embedded deployment."""
        return self.data_dir / "users.sqlite3"

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def batches_db(self) -> Path:
        """Progress of `archive ingest` batches, so that running the same command again resumes one."""
        return self.data_dir / "batches.sqlite3"

    @property
    def queue_db(self) -> Path:
        return self.data_dir / "queue.sqlite3"
