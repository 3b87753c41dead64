#!/usr/bin/env bash
# System packages the archive needs: Tesseract 5 with Vietnamese data, DejaVu fonts for the sample dossiers,
# and redis-server for the ingest queue across machines (the tests start their own on 127.0.0.1).
# Tesseract's headers and a compiler too: the archive reads pages with the system's own libtesseract inside
# the process (tesserocr, built from source by `make install`), the very engine `tesseract` runs.
# Installs them when run as root with apt; otherwise prints the exact command and carries on.
# Chromium (Debian's package) for the browser tests of the web pages (tests/browser, driven by Playwright).
# mmdebstrap builds the container image (`make image`, deploy/image/build.py) from Debian packages without Docker;
# Podman, with runc, is the container engine that loads and runs the built image in tests/deploy (as `docker load`
# and `docker run` would).
# Then scripts/install-compose.sh provides `docker compose` (built once, cached) for tests/deploy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

packages=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng fonts-dejavu-core redis-server
          libtesseract-dev libleptonica-dev g++ pkg-config chromium mmdebstrap
          podman runc netavark aardvark-dns iptables)

missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
if command -v tesseract >/dev/null 2>&1 && ! tesseract --list-langs 2>/dev/null | grep -qx vie; then
  missing+=(tesseract-ocr-vie)
fi
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v pkg-config >/dev/null 2>&1 && ! pkg-config --exists tesseract lept && missing+=(libtesseract-dev)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)

if [ ${#missing[@]} -eq 0 ]; then
  :
elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${packages[*]} ..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
else
  echo "Tesseract with Vietnamese data and its headers, a C++ compiler, DejaVu fonts, Chromium, mmdebstrap, Podman and runc are needed. Install them with:" >&2
  echo "  sudo apt-get install -y ${packages[*]}" >&2
fi

# Rust (cargo) builds the native ranked search (search/native) in `make install`: rustup's toolchain, as this
# machine kind has it; Debian's cargo is older than tantivy's crates need.
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  echo "Rust's cargo (1.88 or newer, tantivy's) is needed to build search/native: install it with https://rustup.rs" >&2
  exit 1
fi

bash "$here/install-compose.sh"
