#!/usr/bin/env bash
# A real Kubernetes API server on this machine: etcd and kube-apiserver (built by
# `toolchain/ensure.mjs --with kube`) on loopback, with generated certificates, a service-account key
# pair, RBAC and an admin kubeconfig. No scheduler or controllers run: objects are stored and
# validated, pods never start.
#
#   scripts/kube-local.sh start  [--dir DIR]   start (or reuse) the server; prints the kubeconfig path
#   scripts/kube-local.sh stop   [--dir DIR]   stop both processes; nothing is left listening
#   scripts/kube-local.sh status [--dir DIR]
#   scripts/kube-local.sh purge  [--dir DIR]   stop, then delete DIR (certificates and etcd data)
#
# Everything lives under DIR (default .sophia/kube: the dev stack's cluster, kept between runs so the
# kubeconfig and the stored objects stay stable). Ports: SOPHIA_KUBE_PORT (default 16443),
# SOPHIA_ETCD_PORT (default 12379; the peer port is one above). Binaries: SOPHIA_KUBE_APISERVER and
# SOPHIA_ETCD (exported by the toolchain env file).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=scripts/proc.sh
source "$here/proc.sh"
parse_server_args kube-local "$root/.sophia/kube" "$@"
api_port="${SOPHIA_KUBE_PORT:-16443}"
etcd_port="${SOPHIA_ETCD_PORT:-12379}"
peer_port=$((etcd_port + 1))

log() { printf '[kube-local] %s\n' "$*" >&2; }
fail() { printf '[kube-local] error: %s\n' "$*" >&2; exit 1; }

pki() {
  local p="$dir/pki"
  [ -f "$p/admin.crt" ] && return 0
  mkdir -p "$p"
  chmod 700 "$dir" "$p"
  log "generating certificates in $p"
  (
    cd "$p"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=sophia-local-ca" 2>/dev/null
    cat > apiserver.ext <<EOF
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth
EOF
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt \
      -days 3650 -extfile apiserver.ext 2>/dev/null
    # system:masters is bound to cluster-admin by the API server's bootstrap RBAC policy.
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=sophia-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt \
      -days 3650 -extfile client.ext 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
    chmod 600 ./*.key
  )
}

kubeconfig() {
  local p="$dir/pki" b64="base64 -w0"
  cat > "$dir/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: sophia-local
    cluster:
      server: https://127.0.0.1:$api_port
      certificate-authority-data: $($b64 < "$p/ca.crt")
users:
  - name: sophia-admin
    user:
      client-certificate-data: $($b64 < "$p/admin.crt")
      client-key-data: $($b64 < "$p/admin.key")
contexts:
  - name: sophia-local
    context:
      cluster: sophia-local
      user: sophia-admin
current-context: sophia-local
EOF
  chmod 600 "$dir/admin.kubeconfig"
}

ready() {
  curl -sf --max-time 2 --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" \
    "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1
}

start() {
  if [ ! -x "${SOPHIA_KUBE_APISERVER:-}" ]; then
    fail "kube-apiserver binary not found (SOPHIA_KUBE_APISERVER); run: node toolchain/ensure.mjs --with kube"
  fi
  if [ ! -x "${SOPHIA_ETCD:-}" ]; then
    fail "etcd binary not found (SOPHIA_ETCD); run: node toolchain/ensure.mjs --with kube"
  fi
  command -v openssl >/dev/null || fail "openssl is required to generate the certificates"
  mkdir -p "$dir"
  pki
  kubeconfig
  if running "$dir/apiserver.pid" && ready; then
    log "already running on https://127.0.0.1:$api_port"
    echo "$dir/admin.kubeconfig"
    return 0
  fi
  stop_quiet
  require_ports free "$api_port" "$etcd_port" "$peer_port" || fail "set SOPHIA_KUBE_PORT / SOPHIA_ETCD_PORT to free ports"

  log "starting etcd on 127.0.0.1:$etcd_port (data: $dir/etcd)"
  "$SOPHIA_ETCD" --name sophia-local --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "sophia-local=http://127.0.0.1:$peer_port" --listen-metrics-urls "" \
    > "$dir/etcd.log" 2>&1 &
  echo $! > "$dir/etcd.pid"

  log "starting kube-apiserver on https://127.0.0.1:$api_port"
  "$SOPHIA_KUBE_APISERVER" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --authorization-mode RBAC \
    --allow-privileged=true \
    --profiling=false \
    > "$dir/apiserver.log" 2>&1 &
  echo $! > "$dir/apiserver.pid"

  local waited=0
  until ready; do
    running "$dir/etcd.pid" || { tail -20 "$dir/etcd.log" >&2; fail "etcd exited (log: $dir/etcd.log)"; }
    running "$dir/apiserver.pid" || { tail -20 "$dir/apiserver.log" >&2; fail "kube-apiserver exited (log: $dir/apiserver.log)"; }
    [ "$waited" -ge 120 ] && { tail -20 "$dir/apiserver.log" >&2; stop_quiet; fail "kube-apiserver not ready after 120s (log: $dir/apiserver.log)"; }
    [ $((waited % 10)) -eq 0 ] && [ "$waited" -gt 0 ] && log "waiting for /readyz (${waited}s)"
    sleep 1
    waited=$((waited + 1))
  done
  log "ready after ${waited}s; kubeconfig: $dir/admin.kubeconfig"
  echo "$dir/admin.kubeconfig"
}

stop_quiet() {
  stop_pid kube-apiserver "$dir/apiserver.pid"
  stop_pid etcd "$dir/etcd.pid"
}

stop() {
  stop_quiet
  require_ports closed "$api_port" "$etcd_port" "$peer_port" || fail "stop left a port open"
  log "stopped"
}

run_server_command "$dir/apiserver.pid" "https://127.0.0.1:$api_port"
