#!/usr/bin/env bash
# Shared by the k3s node scripts (sourced, never run). Paths and the service wrapper: systemd where
# it runs, otherwise a supervised background process with a pid file (hosts without an init system,
# such as the rehearsal's network-namespace hosts).
# shellcheck disable=SC2034 # variables are used by the scripts that source this file

STAGE="${SOPHIA_K3S_STAGE:-/var/lib/rancher/sophia}"
BIN=/usr/local/bin/k3s
CONF_DIR=/etc/rancher/k3s
KUBECONFIG_FILE="$CONF_DIR/k3s.yaml"
RUN_DIR="${SOPHIA_K3S_RUN:-/run/k3s/sophia}"
LOG_FILE="$STAGE/k3s.log"

log() { printf '[k3s %s] %s\n' "${SCRIPT_NAME:-node}" "$*" >&2; }
fail() {
  printf '[k3s %s] error: %s\n' "${SCRIPT_NAME:-node}" "$*" >&2
  exit 1
}

# The release asset of the k3s binary for an architecture, as named on the release page.
asset_name() {
  case "$1" in
    amd64) echo k3s ;;
    arm64) echo k3s-arm64 ;;
    *) fail "unsupported architecture $1 (amd64 or arm64)" ;;
  esac
}

use_systemd() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

unit_name() { if [ "$1" = server ]; then echo k3s; else echo k3s-agent; fi; }

service_running() {
  local role=$1
  if use_systemd; then
    systemctl is-active --quiet "$(unit_name "$role")"
  else
    [ -f "$RUN_DIR/k3s.pid" ] && kill -0 "$(cat "$RUN_DIR/k3s.pid")" 2>/dev/null
  fi
}

service_stop() {
  local role=$1 pid i
  if use_systemd; then
    systemctl stop "$(unit_name "$role")" 2>/dev/null || true
    return 0
  fi
  [ -f "$RUN_DIR/k3s.pid" ] || return 0
  pid="$(cat "$RUN_DIR/k3s.pid")"
  # k3s was started in its own session: stop its whole process group (everything it started),
  # so nothing it spawned keeps a port or a data directory.
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do
      kill -0 -- "-$pid" 2>/dev/null || break
      [ "$i" = 150 ] && kill -KILL -- "-$pid" 2>/dev/null
      sleep 0.2
    done
  fi
  rm -f "$RUN_DIR/k3s.pid"
}

service_start() {
  local role=$1 unit
  if use_systemd; then
    unit="$(unit_name "$role")"
    cat >"/etc/systemd/system/$unit.service.tmp" <<UNIT
[Unit]
Description=Lightweight Kubernetes ($role), managed by sophia-infra
Wants=network-online.target
After=network-online.target

[Service]
Type=$([ "$role" = server ] && echo notify || echo exec)
ExecStart=$BIN $role
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s

[Install]
WantedBy=multi-user.target
UNIT
    mv "/etc/systemd/system/$unit.service.tmp" "/etc/systemd/system/$unit.service"
    systemctl daemon-reload
    systemctl enable "$unit" >/dev/null 2>&1
    systemctl restart "$unit"
    return 0
  fi
  mkdir -p "$RUN_DIR"
  # A new session, no terminal, no inherited descriptors: it outlives the SSH channel.
  setsid "$BIN" "$role" >>"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/k3s.pid"
}

# kubectl against this server's API (k3s installs itself as kubectl when none is on the PATH).
kube() { KUBECONFIG="$KUBECONFIG_FILE" kubectl "$@"; }
