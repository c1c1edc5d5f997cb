# shellcheck shell=bash
# Shared set-up for the README commands. Source it; it leaves the shell ready to run the pinned
# Pulumi engine offline against the local dev stack:
#   - pnpm (pinned in package.json) installed under the cache if missing, dependencies installed;
#   - the Pulumi CLI, language host and plugins (toolchain/ensure.mjs), cached by version;
#   - PULUMI_BACKEND_URL: a file backend under .sophia/state; the dev passphrase.
set -euo pipefail

SOPHIA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SOPHIA_CACHE_DIR="${SOPHIA_CACHE_DIR:-$HOME/.cache/sophia-infra}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "Node.js 20+ is required (node not on PATH)"
command -v go >/dev/null || die "Go is required to build the Pulumi engine (go not on PATH)"

ensure_pnpm() {
  local version
  version="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$SOPHIA_ROOT/package.json")"
  local dir="$SOPHIA_CACHE_DIR/pnpm/$version"
  if [ ! -x "$dir/node_modules/.bin/pnpm" ]; then
    say "installing pnpm $version into $dir"
    mkdir -p "$dir"
    npm install --silent --no-save --prefix "$dir" "pnpm@$version" >/dev/null 2>&1 \
      || die "could not install pnpm $version from the npm registry (npm install pnpm@$version)"
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

ensure_deps() {
  say "installing dependencies (pnpm install --frozen-lockfile)"
  (cd "$SOPHIA_ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2) \
    || die "pnpm install --frozen-lockfile failed (see above); if package.json changed, run pnpm install and commit pnpm-lock.yaml"
}

# SOPHIA_TOOL_SET names the toolchain's group set (toolchain/pieces.mjs GROUP_SETS): `main` for the
# main job, `test` (set by scripts/test.sh) adds the tools only the tests use.
ensure_toolchain() {
  say "making sure the pinned Pulumi engine and the local servers are present (toolchain/ensure.mjs)"
  local env_file
  env_file="$(node "$SOPHIA_ROOT/toolchain/ensure.mjs" --print-env-file --with "${SOPHIA_TOOL_SET:-main}")" || exit 1
  # shellcheck disable=SC1090
  source "$env_file"
  # Type errors are caught by `pnpm typecheck`; the engine only transpiles.
  export PULUMI_NODEJS_TRANSPILE_ONLY=true
}

# The dev stack's local servers: the Kubernetes API server (.sophia/kube) and Weaviate
# (.sophia/weaviate). Both are stopped again when the calling script exits; their data stays, so the
# next run sees the same cluster and collections.
stop_local_servers() {
  "$SOPHIA_ROOT/scripts/weaviate-local.sh" stop || true
  "$SOPHIA_ROOT/scripts/kube-local.sh" stop || true
}

start_local_servers() {
  trap stop_local_servers EXIT
  say "starting the local Kubernetes API server (scripts/kube-local.sh)"
  "$SOPHIA_ROOT/scripts/kube-local.sh" start >/dev/null
  say "starting the local Weaviate server (scripts/weaviate-local.sh)"
  "$SOPHIA_ROOT/scripts/weaviate-local.sh" start >/dev/null
}

# The dev stack: file backend inside the clone, dev-only passphrase (stacks/dev.passphrase) unless
# the caller brings their own PULUMI_CONFIG_PASSPHRASE(_FILE).
use_dev_backend() {
  mkdir -p "$SOPHIA_ROOT/.sophia/state"
  export PULUMI_BACKEND_URL="file://$SOPHIA_ROOT/.sophia/state"
  if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    export PULUMI_CONFIG_PASSPHRASE_FILE="$SOPHIA_ROOT/stacks/dev.passphrase"
  fi
}

# System tools the scripts and tests use, installed from Debian's packages when missing.
ensure_system_tools() {
  local missing=()
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  command -v ss >/dev/null || missing+=(iproute2)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  command -v redis-sentinel >/dev/null || missing+=(redis-server redis-sentinel)
  if [ "${SOPHIA_TOOL_SET:-main}" = test ]; then
    # The test hosts (test/harness/hosts.ts) each run their own sshd.
    [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
    # The disaster-recovery drill: a PostgreSQL server and the Barman Cloud tools the CNPG plugin runs.
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
    command -v barman-cloud-wal-restore >/dev/null || missing+=(barman-cli-cloud)
    # The k3s stand-in on those hosts (test/fixtures/k3s-standin) builds Node objects with jq.
    command -v jq >/dev/null || missing+=(jq)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]} (apt-get)"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1 \
    || die "apt-get install ${missing[*]} failed"
}

# The program and the policy pack run from their ahead-of-time builds in .sophia/build (Pulumi.yaml
# `main` and policy/analyzer check them before every run and rebuild what changed); built here so
# the first engine run does not wait for it.
ensure_builds() {
  say "building the program and the policy pack (scripts/aot.cjs)"
  node "$SOPHIA_ROOT/scripts/aot.cjs" build || die "the ahead-of-time build failed (see above)"
}

bootstrap() {
  ensure_system_tools
  ensure_pnpm
  ensure_deps
  ensure_toolchain
  ensure_builds
}
