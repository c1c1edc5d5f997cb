#!/usr/bin/env bash
# A real Weaviate server on loopback (built by `toolchain/ensure.mjs --with weaviate`), with API-key
# authentication and the modules the collections name (text2vec-openai, generative-anthropic)
# enabled. The vectorizer APIs are unreachable offline: objects are inserted with explicit vectors.
#
#   scripts/weaviate-local.sh start  [--dir DIR]   start (or reuse); prints the REST URL
#   scripts/weaviate-local.sh stop   [--dir DIR]   stop; nothing is left listening
#   scripts/weaviate-local.sh status [--dir DIR]
#   scripts/weaviate-local.sh purge  [--dir DIR]   stop, then delete DIR (data and API key)
#
# DIR (default .sophia/weaviate) holds the data and the generated API key (DIR/api-key, mode 600).
# Ports: SOPHIA_WEAVIATE_PORT (REST, default 18080); gRPC, gossip, data and raft ports follow it
# (+1..+5). Binary: SOPHIA_WEAVIATE (exported by the toolchain env file).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=scripts/proc.sh
source "$here/proc.sh"
parse_server_args weaviate-local "$root/.sophia/weaviate" "$@"
rest_port="${SOPHIA_WEAVIATE_PORT:-18080}"
grpc_port=$((rest_port + 1))
gossip_port=$((rest_port + 2))
data_port=$((rest_port + 3))
raft_port=$((rest_port + 4))
raft_rpc_port=$((rest_port + 5))

log() { printf '[weaviate-local] %s\n' "$*" >&2; }
fail() { printf '[weaviate-local] error: %s\n' "$*" >&2; exit 1; }

ready() {
  curl -sf --max-time 2 "http://127.0.0.1:$rest_port/v1/.well-known/ready" >/dev/null 2>&1
}

start() {
  if [ ! -x "${SOPHIA_WEAVIATE:-}" ]; then
    fail "weaviate-server binary not found (SOPHIA_WEAVIATE); run: node toolchain/ensure.mjs --with weaviate"
  fi
  mkdir -p "$dir/data"
  chmod 700 "$dir"
  if [ ! -s "$dir/api-key" ]; then
    (umask 077 && openssl rand -hex 24 > "$dir/api-key")
  fi
  if running "$dir/weaviate.pid" && ready; then
    log "already running on http://127.0.0.1:$rest_port"
    echo "http://127.0.0.1:$rest_port"
    return 0
  fi
  stop_pid weaviate "$dir/weaviate.pid"
  require_ports free "$rest_port" "$grpc_port" "$gossip_port" "$data_port" "$raft_port" "$raft_rpc_port" \
    || fail "set SOPHIA_WEAVIATE_PORT to a free range (REST port and the five above it)"

  log "starting weaviate on http://127.0.0.1:$rest_port (gRPC $grpc_port, data: $dir/data)"
  # The key is read from the file by the environment of this process only; it is never printed.
  PERSISTENCE_DATA_PATH="$dir/data" \
    AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=false \
    AUTHENTICATION_APIKEY_ENABLED=true \
    AUTHENTICATION_APIKEY_ALLOWED_KEYS="$(cat "$dir/api-key")" \
    AUTHENTICATION_APIKEY_USERS=sophia-admin \
    AUTHORIZATION_ADMINLIST_ENABLED=true \
    AUTHORIZATION_ADMINLIST_USERS=sophia-admin \
    DEFAULT_VECTORIZER_MODULE=none \
    ENABLE_MODULES=text2vec-openai,generative-anthropic ENABLE_API_BASED_MODULES=false \
    CLUSTER_HOSTNAME=node1 CLUSTER_IN_LOCALHOST=true CLUSTER_ADVERTISE_ADDR=127.0.0.1 \
    CLUSTER_GOSSIP_BIND_PORT="$gossip_port" CLUSTER_DATA_BIND_PORT="$data_port" \
    RAFT_PORT="$raft_port" RAFT_INTERNAL_RPC_PORT="$raft_rpc_port" RAFT_BOOTSTRAP_EXPECT=1 \
    GRPC_PORT="$grpc_port" \
    DISABLE_TELEMETRY=true LOG_LEVEL=warning \
    "$SOPHIA_WEAVIATE" --scheme http --host 127.0.0.1 --port "$rest_port" \
    > "$dir/weaviate.log" 2>&1 &
  echo $! > "$dir/weaviate.pid"

  local waited=0
  until ready; do
    running "$dir/weaviate.pid" || { tail -20 "$dir/weaviate.log" >&2; fail "weaviate exited (log: $dir/weaviate.log)"; }
    if [ "$waited" -ge 120 ]; then
      tail -20 "$dir/weaviate.log" >&2
      stop_pid weaviate "$dir/weaviate.pid"
      fail "weaviate not ready after 120s (log: $dir/weaviate.log)"
    fi
    if [ $((waited % 10)) -eq 0 ] && [ "$waited" -gt 0 ]; then log "waiting for /v1/.well-known/ready (${waited}s)"; fi
    sleep 1
    waited=$((waited + 1))
  done
  log "ready after ${waited}s; API key in $dir/api-key"
  echo "http://127.0.0.1:$rest_port"
}

stop() {
  stop_pid weaviate "$dir/weaviate.pid"
  require_ports closed "$rest_port" "$grpc_port" || fail "stop left a port open"
  log "stopped"
}

run_server_command "$dir/weaviate.pid" "http://127.0.0.1:$rest_port"
