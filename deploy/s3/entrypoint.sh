#!/bin/bash
# SeaweedFS as scripts/services runs it for the tests: master, volume server, filer and S3 in one process, no
# bucket made by itself; the S3 identity comes from the environment (nothing secret in the image or the volume).
set -euo pipefail
: "${S3_ACCESS_KEY:?set in .env}" "${S3_SECRET_KEY:?set in .env}"
if [[ "$S3_ACCESS_KEY$S3_SECRET_KEY" == *[\"\\]* ]]; then
  echo 'S3_ACCESS_KEY and S3_SECRET_KEY may not hold " or \' >&2
  exit 2
fi
data="${S3_DATA_DIR:-/data}"
config="$HOME/s3-identities.json"
umask 077
printf '{"identities": [{"name": "archive", "credentials": [{"accessKey": "%s", "secretKey": "%s"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" > "$config"
# S3 on S3_PORT, the master, volume server and filer on the next ports as scripts/services lays them out (gRPC on
# each port + 10000); only S3 is published by compose. S3_BIND narrows the listening address (tests: 127.0.0.1).
port="${S3_PORT:-8333}"
mkdir -p "$data/weed"
exec weed server -dir="$data/weed" -ip=127.0.0.1 -ip.bind="${S3_BIND:-0.0.0.0}" \
  -master.port=$((port + 1000)) -master.port.grpc=$((port + 11000)) \
  -master.volumeSizeLimitMB="${S3_VOLUME_SIZE_MB:-1024}" -master.telemetry=false -master.electionTimeout=1s \
  -volume.port=$((port + 1001)) -volume.port.grpc=$((port + 11001)) -volume.max=0 -volume.preStopSeconds=0 \
  -filer -filer.port=$((port + 1002)) -filer.port.grpc=$((port + 11002)) \
  -s3 -s3.port="$port" -s3.port.grpc=$((port + 10000)) -s3.port.iceberg=0 -s3.port.lance=0 \
  -s3.autoCreateBucket=false -s3.config="$config"
