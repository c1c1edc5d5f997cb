#!/usr/bin/env bash
# Installs, reconfigures or upgrades k3s on this node. Idempotent: a second run with the same inputs
# changes nothing and restarts nothing.
#
#   k3s-install.sh install <server|agent> <amd64|arm64> <download|airgap>
#       First run: install the release named in $STAGE/k3s-version. Later runs keep the installed
#       binary (upgrades are ordered, one node at a time: see `upgrade`) and only write the config
#       and tokens, restarting k3s when one of them changed.
#   k3s-install.sh upgrade <server|agent> <amd64|arm64> <download|airgap> <version>
#       Replace the binary with <version> and restart; nothing when it is installed already.
#
# stdin (install only): the tokens, one a line: a server gets the cluster token then the agent
# token, an agent the agent token. They are written to files (mode 0600) that config.yaml names;
# never printed, never on a command line.
#
# The binary is verified against the release's own checksum file (sha256sum-<arch>.txt) before it
# is installed. `download` fetches both from the pinned GitHub release; `airgap` expects both in
# $STAGE/release/ (copied over SSH). If k3s does not come back after a change, the previous config
# and binary are restored and the script fails.
set -euo pipefail
export SCRIPT_NAME=install
# shellcheck source=k8s/cluster/k3s-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/k3s-lib.sh"

[ $# -ge 4 ] || fail "usage: k3s-install.sh <install|upgrade> <server|agent> <amd64|arm64> <download|airgap> [version]"
mode=$1 role=$2 arch=$3 source=$4
case "$mode" in install | upgrade) ;; *) fail "unknown mode $mode" ;; esac
case "$role" in server | agent) ;; *) fail "unknown role $role" ;; esac
case "$source" in download | airgap) ;; *) fail "unknown source $source" ;; esac
if [ "$mode" = upgrade ]; then
  [ $# -ge 5 ] || fail "upgrade needs the version"
  version=$5
else
  [ -f "$STAGE/k3s-version" ] || fail "$STAGE/k3s-version is missing (copied before the install runs)"
  version="$(cat "$STAGE/k3s-version")"
fi
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+$ ]] || fail "not a k3s release version: $version"
case "$(uname -m)" in
  x86_64) [ "$arch" = amd64 ] || fail "this machine is x86_64 but the node is configured as $arch" ;;
  aarch64 | arm64) [ "$arch" = arm64 ] || fail "this machine is arm64 but the node is configured as $arch" ;;
esac

asset="$(asset_name "$arch")"
sums="sha256sum-$arch.txt"
release="$STAGE/release"
mkdir -p "$release" "$CONF_DIR"
chmod 700 "$STAGE"

# The release binary, verified against the release's checksum file; prints its path.
verified_binary() {
  if [ "$source" = download ]; then
    local base tmp
    base="https://github.com/k3s-io/k3s/releases/download/${version//+/%2B}"
    tmp="$(mktemp -d "$release/.download.XXXXXX")"
    curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/$sums" "$base/$sums" || fail "cannot download $base/$sums"
    curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/$asset" "$base/$asset" || fail "cannot download $base/$asset"
    mv "$tmp/$sums" "$release/$sums"
    mv "$tmp/$asset" "$release/$asset"
    rmdir "$tmp"
  fi
  [ -f "$release/$sums" ] || fail "$release/$sums is missing"
  [ -f "$release/$asset" ] || fail "$release/$asset is missing"
  local expected actual
  expected="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$release/$sums")"
  [ -n "$expected" ] || fail "$sums lists no checksum for $asset"
  actual="$(sha256sum "$release/$asset" | cut -d' ' -f1)"
  [ "$expected" = "$actual" ] || fail "checksum mismatch for $asset $version: release says $expected, file is $actual"
  echo "$release/$asset"
}

installed_version() { if [ -f "$STAGE/installed-version" ]; then cat "$STAGE/installed-version"; fi; }

changed=0
backup_binary=""
backup_config=""

install_binary() {
  local from
  from="$(verified_binary)"
  if [ -x "$BIN" ]; then
    cp -p "$BIN" "$BIN.previous"
    backup_binary="$BIN.previous"
  fi
  install -m 0755 "$from" "$BIN.new"
  mv -f "$BIN.new" "$BIN"
  # k3s is a multi-call binary; like the official installer, offer kubectl when none is installed.
  command -v kubectl >/dev/null 2>&1 || ln -sf "$BIN" /usr/local/bin/kubectl
  changed=1
  log "installed k3s $version ($asset, checksum verified)"
}

# Replaces $2 with $1 when they differ (mode $3); sets changed.
put_file() {
  local from=$1 to=$2 perm=$3
  if [ -f "$to" ] && cmp -s "$from" "$to"; then
    rm -f "$from"
    return 0
  fi
  chmod "$perm" "$from"
  mv -f "$from" "$to"
  changed=1
}

write_tokens() {
  local names tmp name line
  if [ "$role" = server ]; then names="cluster-token agent-token"; else names="agent-token"; fi
  for name in $names; do
    IFS= read -r line || fail "stdin ended before the $name"
    [ -n "$line" ] || fail "the $name on stdin is empty"
    tmp="$(umask 077 && mktemp "$CONF_DIR/.$name.XXXXXX")"
    printf '%s\n' "$line" >"$tmp"
    put_file "$tmp" "$CONF_DIR/$name" 600
  done
}

write_config() {
  [ -f "$STAGE/config.yaml" ] || fail "$STAGE/config.yaml is missing (copied before the install runs)"
  if [ -f "$CONF_DIR/config.yaml" ] && ! cmp -s "$STAGE/config.yaml" "$CONF_DIR/config.yaml"; then
    cp -p "$CONF_DIR/config.yaml" "$CONF_DIR/config.yaml.previous"
    backup_config="$CONF_DIR/config.yaml.previous"
  fi
  local tmp
  tmp="$(mktemp "$CONF_DIR/.config.XXXXXX")"
  cp "$STAGE/config.yaml" "$tmp"
  put_file "$tmp" "$CONF_DIR/config.yaml" 600
}

healthy() {
  local i
  for i in $(seq 1 "${K3S_READY_TIMEOUT:-120}"); do
    if service_running "$role"; then
      if [ "$role" = agent ]; then
        # An agent that stays up for a few seconds has joined (the server side waits for its Node).
        [ "$i" -ge 3 ] && return 0
      elif [ -f "$KUBECONFIG_FILE" ] && kube get --raw=/readyz >/dev/null 2>&1; then
        return 0
      fi
    elif [ "$i" -ge 3 ]; then
      # It exited (systemd would be restarting it): waiting longer would not help.
      return 1
    fi
    sleep 1
  done
  return 1
}

restart_or_roll_back() {
  log "starting k3s $role"
  service_stop "$role"
  service_start "$role"
  if healthy; then
    echo "$version" >"$STAGE/installed-version"
    log "k3s $role is up ($version)"
    return 0
  fi
  # k3s's own log names the cause (it never logs the tokens).
  if use_systemd; then journalctl -u "$(unit_name "$role")" -n 10 --no-pager >&2 || true; else tail -n 10 "$LOG_FILE" >&2 || true; fi
  log "k3s did not become ready; restoring the previous config and binary"
  service_stop "$role"
  [ -n "$backup_config" ] && mv -f "$backup_config" "$CONF_DIR/config.yaml"
  [ -n "$backup_binary" ] && mv -f "$backup_binary" "$BIN"
  [ -n "$backup_config$backup_binary" ] && service_start "$role"
  fail "k3s $role did not become ready after the change (log: $LOG_FILE or journalctl -u $(unit_name "$role"))"
}

# The GPU operator (gpuOperator.driver: host) uses the machine image's NVIDIA driver and installs the
# container toolkit into k3s's containerd itself; the driver is the one prerequisite on the machine.
if [ ! -r /proc/driver/nvidia/version ]; then
  log "warning: no NVIDIA driver is loaded on this machine; the GPU operator will find no GPU here"
fi

if [ "$mode" = install ]; then
  write_tokens
  write_config
  [ -x "$BIN" ] || install_binary
else
  if [ "$(installed_version)" = "$version" ] && [ -x "$BIN" ]; then
    log "k3s $version is installed already"
    exit 0
  fi
  install_binary
fi

# Nothing changed and k3s answers: done. (A run interrupted after starting k3s ends up here too,
# so readiness is checked, not assumed.)
if [ "$changed" = 0 ] && service_running "$role" && healthy; then
  echo "$version" >"$STAGE/installed-version"
  log "unchanged"
  exit 0
fi
restart_or_roll_back
rm -f "$BIN.previous" "$CONF_DIR/config.yaml.previous"
