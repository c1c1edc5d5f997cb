#!/usr/bin/env bash
# Removes k3s from this node (run after the node was drained and deleted from the cluster, so a
# reinstall registers afresh instead of failing on the old node password). Idempotent.
#
#   k3s-uninstall.sh <server|agent>
set -euo pipefail
export SCRIPT_NAME=uninstall
# shellcheck source=k8s/cluster/k3s-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/k3s-lib.sh"

[ $# -ge 1 ] || fail "usage: k3s-uninstall.sh <server|agent>"
role=$1

service_stop "$role"
if use_systemd; then
  unit="$(unit_name "$role")"
  systemctl disable "$unit" >/dev/null 2>&1 || true
  rm -f "/etc/systemd/system/$unit.service"
  systemctl daemon-reload
fi
# Interfaces flannel and the CNI created, if any.
for link in flannel-wg flannel-wg-v6 flannel.1 cni0; do
  ip link delete "$link" >/dev/null 2>&1 || true
done
if [ -L /usr/local/bin/kubectl ] && [ "$(readlink /usr/local/bin/kubectl)" = "$BIN" ]; then
  rm -f /usr/local/bin/kubectl
fi
rm -rf "$BIN" "$BIN.previous" "$CONF_DIR" /var/lib/rancher/k3s "$RUN_DIR"
# The stage directory holds these scripts: removed last, by the shell that already read this file.
rm -rf "$STAGE"
log "k3s removed"
