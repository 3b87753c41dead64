# The equipment archive: API server and ingest worker (docker-compose.yml runs both from this image).

# The native ranked search (search/native), built as an abi3 wheel with the crates Cargo.lock names.
FROM rust:1.95-slim-bookworm AS native
RUN cargo install --locked maturin@1.16.0
WORKDIR /build
COPY search/native ./
RUN maturin build --release --locked -o /wheels

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ARCHIVE_DATA_DIR=/data

# OCR: Tesseract 5 with Vietnamese and English data; DejaVu for rendered pages and the demo dossiers.
# Headers and a compiler build tesserocr against this very libtesseract (removed again after pip install).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng fonts-dejavu-core \
        libtesseract-dev libleptonica-dev g++ pkg-config \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 archive \
    && useradd --system --uid 10001 --gid archive --home-dir /srv/archive --create-home \
        --shell /usr/sbin/nologin archive \
    && mkdir -p /data && chown archive:archive /data

WORKDIR /srv/archive
# Dependencies: every package and file as requirements.lock says (versions and SHA-256 hashes); installed before
# the code is copied, so the layer caches across code changes.
COPY pyproject.toml requirements.lock ./
ENV PIP_NO_BINARY=tesserocr
RUN pip install --require-hashes -r requirements.lock
COPY archive ./archive
COPY common ./common
COPY ingest ./ingest
COPY search ./search
COPY storage ./storage
COPY --from=native /wheels /wheels
RUN pip install --no-deps . /wheels/*.whl && rm -rf build *.egg-info /wheels \
    && apt-get purge -y --auto-remove libtesseract-dev libleptonica-dev g++ pkg-config

USER archive
VOLUME ["/data"]
EXPOSE 8000

# Liveness of the API process; docker-compose.yml checks /readyz (storage and index answer) instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["archive", "serve", "--host", "0.0.0.0", "--port", "8000"]
