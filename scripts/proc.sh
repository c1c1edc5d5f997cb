# shellcheck shell=bash
# Process helpers shared by the local-server scripts (kube-local.sh, weaviate-local.sh).

# running PIDFILE: the process recorded in PIDFILE is alive.
running() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# listening PORT: something listens on the TCP port.
listening() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# stop_pid NAME PIDFILE: SIGTERM, wait up to 10 s, then SIGKILL; removes PIDFILE.
stop_pid() {
  local pid
  [ -f "$2" ] || return 0
  pid="$(cat "$2")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      printf '%s did not stop in 10s; killing\n' "$1" >&2
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$2"
}

# require_ports free|closed PORT...: fail, naming the port, unless every port is free (before a
# start) or no longer listening (after a stop).
require_ports() {
  local want="$1" port
  shift
  for port in "$@"; do
    if listening "$port"; then
      if [ "$want" = free ]; then printf 'port %s is already in use\n' "$port" >&2; else printf 'port %s is still listening after stop\n' "$port" >&2; fi
      return 1
    fi
  done
}

# parse_server_args NAME DEFAULT_DIR "$@": sets `cmd` (start|stop|status|purge) and `dir` (--dir DIR)
# for the calling script.
# shellcheck disable=SC2034
parse_server_args() {
  local name="$1"
  dir="$2"
  shift 2
  cmd="${1:-}"
  shift || true
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir="$2"; shift 2 ;;
      *) printf '%s: unknown argument %s\n' "$name" "$1" >&2; exit 2 ;;
    esac
  done
}

# run_server_command PIDFILE URL: runs `cmd` with the calling script's start, stop, ready and log.
run_server_command() {
  case "$cmd" in
    start) start ;;
    stop) stop ;;
    status)
      if running "$1" && ready; then echo "running $2"; else echo "stopped"; exit 3; fi
      ;;
    purge) stop; rm -rf "$dir"; log "removed $dir" ;;
    *) echo "usage: $0 start|stop|status|purge [--dir DIR]" >&2; exit 2 ;;
  esac
}
