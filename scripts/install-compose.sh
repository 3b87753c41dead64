#!/usr/bin/env bash
# `docker compose` (the Compose v2+ CLI plugin) for tests/deploy/test_compose.py, which runs
# `docker compose config` on docker-compose.yml (no Docker engine is needed for that).
#
# Debian bookworm has no compose plugin (its `docker-compose` is the old Python v1), so the plugin is built
# once from the Go module proxy and cached in ~/.cache/equipment-archive/compose-<version>/docker-compose,
# then linked where the docker client looks for plugins: /usr/local/lib/docker/cli-plugins as root,
# ~/.docker/cli-plugins otherwise. Reruns only check that `docker compose version` answers (milliseconds).
# The first build takes about 2 minutes on 2 cores (modules ~360 MB, build cache ~430 MB, peak RSS ~0.5 GB).
#
# Missing prerequisites (the docker client, Go) are reported with what to install, and the script carries
# on: the compose tests then skip for a developer and fail under CI=true. A failed build is an error.
set -euo pipefail

# The newest release whose go.mod asks for no newer Go than the machines have (go 1.26.8, GOTOOLCHAIN=local):
# v5.7.x needs go 1.26.10. `go install …/cmd@version` refuses this module (its go.mod has exclude
# directives), so it is downloaded with `go mod download` and built as the main module, as upstream does.
COMPOSE_MODULE=github.com/docker/compose/v5
COMPOSE_VERSION=v5.6.0

cache="${ARCHIVE_SERVICES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/equipment-archive}"
out_dir="$cache/compose-$COMPOSE_VERSION"
bin="$out_dir/docker-compose"
if [ "$(id -u)" = "0" ]; then
  plugin_dir=/usr/local/lib/docker/cli-plugins
else
  plugin_dir="$HOME/.docker/cli-plugins"
fi

say() { echo "install-compose: $*" >&2; }

# The tests run docker with a clean environment (no DOCKER_CONFIG), so check the same way.
compose_works() { env -u DOCKER_CONFIG docker compose version >/dev/null 2>&1; }

if ! command -v docker >/dev/null 2>&1; then
  say "the docker client is not installed, so \`docker compose\` cannot be provided (the compose tests need it;"
  say "  install a docker CLI, e.g. Docker's docker-ce-cli, then rerun make install)"
  exit 0
fi
if compose_works; then
  exit 0
fi

link_plugin() {
  mkdir -p "$plugin_dir"
  ln -sfn "$bin" "$plugin_dir/docker-compose"
}

if [ ! -x "$bin" ] || ! "$bin" version >/dev/null 2>&1; then
  go=$(command -v go || true)
  [ -n "$go" ] || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; } || true
  if [ -z "$go" ]; then
    say "Go (1.26.8+) is needed to build the docker compose plugin $COMPOSE_VERSION once; install it from"
    say "  https://go.dev/dl or your package manager, then rerun make install"
    exit 0
  fi
  mkdir -p "$out_dir"
  log="$out_dir/build.log"
  exec 9>"$out_dir/.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  if [ ! -x "$bin" ] || ! "$bin" version >/dev/null 2>&1; then
    say "building the docker compose plugin $COMPOSE_VERSION with $go (once, about 2 minutes; log: $log)"
    start=$SECONDS
    export CGO_ENABLED=0
    if ! json=$("$go" mod download -json "$COMPOSE_MODULE@$COMPOSE_VERSION" 2>"$log"); then
      echo "$json" >>"$log"
      say "go mod download $COMPOSE_MODULE@$COMPOSE_VERSION failed:"; tail -n 20 "$log" >&2; exit 1
    fi
    src=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
    if [ -z "$src" ] || [ ! -d "$src" ]; then
      echo "$json" >>"$log"
      say "go mod download gave no source directory (see $log)"; exit 1
    fi
    # The flags of upstream's Makefile (build tag e2e, version stamped), stripped.
    if ! (cd "$src" && "$go" build -trimpath -tags e2e \
            -ldflags "-w -s -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" \
            -o "$bin.tmp" ./cmd) >>"$log" 2>&1; then
      say "building the docker compose plugin failed:"; tail -n 20 "$log" >&2; exit 1
    fi
    mv -f "$bin.tmp" "$bin"
    say "built $("$bin" version) in $((SECONDS - start)) s"
  fi
fi

link_plugin
if ! compose_works; then
  say "\`docker compose version\` still fails with $plugin_dir/docker-compose -> $bin:"
  env -u DOCKER_CONFIG docker compose version >&2 || true
  exit 1
fi
