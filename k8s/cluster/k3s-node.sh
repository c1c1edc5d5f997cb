#!/usr/bin/env bash
# Node operations through the Kubernetes API, run on the (first) server. Idempotent: a node that is
# gone is drained, uncordoned or removed already.
#
#   k3s-node.sh drain    <node>   cordon and evict (DaemonSet pods stay), bounded by K3S_DRAIN_TIMEOUT
#   k3s-node.sh uncordon <node>   make it schedulable again (waits for it to register)
#   k3s-node.sh remove   <node>   drain, then delete the Node object (before the machine is uninstalled)
#   k3s-node.sh forget   <node>   delete the Node object and its node-password Secret without draining:
#                                 the machine behind the name is gone, and a new one is about to join
#                                 under it (k3s refuses a known name with another machine's password)
#   k3s-node.sh labels   <node> [label=value ...] -- [key=value:Effect ...]
#       Make the node's managed labels and taints exactly these (waits for it to register). k3s reads
#       node-label/node-taint from config.yaml only when a node first registers, so later changes go
#       through the API. Managed: keys under sophia-intel.ai/ and nvidia.com/device-plugin.config;
#       labels and taints others set (the GPU operator, NFD, kubelet) are left alone.
set -euo pipefail
export SCRIPT_NAME=node
# shellcheck source=k8s/cluster/k3s-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/k3s-lib.sh"

[ $# -ge 2 ] || fail "usage: k3s-node.sh <drain|uncordon|remove|forget|labels> <node> [...]"
action=$1 node=$2
shift 2
[ -f "$KUBECONFIG_FILE" ] || fail "$KUBECONFIG_FILE is missing: is this the server?"

exists() { kube get node "$node" -o name >/dev/null 2>&1; }

wait_registered() {
  local i
  for i in $(seq 1 "${K3S_REGISTER_TIMEOUT:-300}"); do
    exists && return 0
    [ "$i" = 1 ] && log "waiting for node $node to register"
    sleep 1
  done
  fail "node $node did not register within ${K3S_REGISTER_TIMEOUT:-300}s"
}

managed() { [[ "$1" == sophia-intel.ai/* || "$1" == nvidia.com/device-plugin.config ]]; }

drain() {
  kube cordon "$node" >/dev/null
  kube drain "$node" --ignore-daemonsets --delete-emptydir-data --timeout="${K3S_DRAIN_TIMEOUT:-300s}" >/dev/null
  log "drained $node"
}

case "$action" in
  drain)
    if exists; then drain; else log "node $node is not registered; nothing to drain"; fi
    ;;
  uncordon)
    wait_registered
    kube uncordon "$node" >/dev/null
    log "uncordoned $node"
    ;;
  remove)
    if ! exists; then
      log "node $node is not in the cluster"
      exit 0
    fi
    # The machine goes away either way: a drain that cannot finish (a PodDisruptionBudget at its
    # minimum) is reported, and the node is still deleted rather than leaving destroy hanging.
    drain || log "drain of $node did not finish within ${K3S_DRAIN_TIMEOUT:-300s}; deleting it anyway"
    kube delete node "$node" --wait=true >/dev/null
    # k3s deletes a deleted node's password Secret itself; said here too, so that the name is free
    # for any machine at once.
    kube -n kube-system delete secret "$node.node-password.k3s" --ignore-not-found >/dev/null
    log "deleted node $node"
    ;;
  forget)
    kube delete node "$node" --ignore-not-found --wait=true >/dev/null
    kube -n kube-system delete secret "$node.node-password.k3s" --ignore-not-found >/dev/null
    log "forgot node $node (a new machine joins under its name)"
    ;;
  labels)
    want_labels=()
    want_taints=()
    target=labels
    for arg in "$@"; do
      if [ "$arg" = -- ]; then
        target=taints
      elif [ "$target" = labels ]; then
        want_labels+=("$arg")
      else
        want_taints+=("$arg")
      fi
    done
    wait_registered
    stale=()
    # shellcheck disable=SC2016 # a Go template, not shell
    while IFS= read -r key; do
      [ -n "$key" ] || continue
      managed "$key" || continue
      keep=0
      for l in "${want_labels[@]}"; do [ "${l%%=*}" = "$key" ] && keep=1; done
      [ "$keep" = 1 ] || stale+=("$key-")
    done < <(kube get node "$node" -o go-template='{{range $k, $v := .metadata.labels}}{{$k}}{{"\n"}}{{end}}')
    if [ ${#stale[@]} -gt 0 ] || [ ${#want_labels[@]} -gt 0 ]; then
      kube label node "$node" --overwrite "${want_labels[@]}" "${stale[@]}" >/dev/null
    fi
    while IFS= read -r taint; do
      [ -n "$taint" ] || continue
      managed "${taint%%=*}" || continue
      keep=0
      for t in "${want_taints[@]}"; do [ "$t" = "$taint" ] && keep=1; done
      [ "$keep" = 1 ] || kube taint node "$node" "$taint-" >/dev/null
    done < <(kube get node "$node" -o go-template='{{range .spec.taints}}{{.key}}={{.value}}:{{.effect}}{{"\n"}}{{end}}')
    for t in "${want_taints[@]}"; do kube taint node "$node" --overwrite "$t" >/dev/null; done
    log "node $node: ${#want_labels[@]} managed label(s), ${#want_taints[@]} managed taint(s)"
    ;;
  *) fail "unknown action $action" ;;
esac
