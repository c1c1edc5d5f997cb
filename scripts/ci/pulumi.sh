#!/usr/bin/env bash
# The Pulumi work of the delivery workflows; preview.yml, deploy.yml and drift.yml only call this:
#   scripts/ci/pulumi.sh preview <stack>   pulumi preview --diff (commented on the pull request
#                                          named by SOPHIA_PR_NUMBER, when set)
#   scripts/ci/pulumi.sh up <stack>        pulumi up
#   scripts/ci/pulumi.sh drift <stack>     pulumi refresh, then a preview that must show no changes
# Every command runs the pinned engine (toolchain/ensure.mjs) with the sophia-guardrails policy pack,
# after fetching the upstream manifests the program reads at run time (the CloudNativePG install
# manifest: `--with manifests`). The backend is the one the environment names: Pulumi Cloud through
# PULUMI_ACCESS_TOKEN in the workflows (stacks `sophia/<stack>`), a file backend (PULUMI_BACKEND_URL)
# in the tests. SOPHIA_PROGRAM_DIR runs another copy of the project (the tests' throwaway workspace).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 2; }

mode="${1:-}"
stack="${2:-}"
case "$mode" in
  preview | up | drift) ;;
  *) die "usage: scripts/ci/pulumi.sh preview|up|drift <stack> (got '${mode}')" ;;
esac
[ -n "$stack" ] || die "usage: scripts/ci/pulumi.sh $mode <stack>, e.g. sophia/staging"
if [ -z "${PULUMI_ACCESS_TOKEN:-}" ] && [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  die "PULUMI_ACCESS_TOKEN is not set: the workflow passes the repository secret of that name (or set PULUMI_BACKEND_URL for another backend)"
fi
command -v pnpm >/dev/null || die "pnpm is not on PATH (the workflow installs it with pnpm/action-setup)"

say "installing dependencies (pnpm install --frozen-lockfile)"
(cd "$root" && pnpm install --frozen-lockfile --reporter=append-only >&2)

say "the pinned Pulumi engine and the manifests the program reads (toolchain/ensure.mjs --with manifests)"
env_file="$(node "$root/toolchain/ensure.mjs" --print-env-file --quiet --with manifests)"
# shellcheck disable=SC1090
source "$env_file"
[ -n "${SOPHIA_MANIFESTS:-}" ] || die "toolchain/ensure.mjs did not export SOPHIA_MANIFESTS"
# The test workflow type-checks; the engine only transpiles.
export PULUMI_NODEJS_TRANSPILE_ONLY=true

cd "${SOPHIA_PROGRAM_DIR:-$root}"
policy=(--policy-pack "$root/policy/analyzer")
case "$mode" in
  preview)
    say "pulumi preview (stack $stack, policy pack policy/analyzer)"
    out="$(mktemp)"
    trap 'rm -f "$out"' EXIT
    status=0
    pulumi preview --stack "$stack" --diff --non-interactive --suppress-progress "${policy[@]}" 2>&1 | tee "$out" \
      || status=$?
    if [ -n "${SOPHIA_PR_NUMBER:-}" ]; then
      # gh reads GH_TOKEN; the comment is the preview's own output, which never shows secret values.
      fence='```'
      { printf '### pulumi preview of %s\n\n%s\n' "$stack" "$fence"; tail -c 60000 "$out"; printf '\n%s\n' "$fence"; } \
        | gh pr comment "$SOPHIA_PR_NUMBER" --body-file -
    fi
    exit "$status"
    ;;
  up)
    say "pulumi up (stack $stack, policy pack policy/analyzer)"
    pulumi up --stack "$stack" --yes --skip-preview --non-interactive --suppress-progress "${policy[@]}"
    ;;
  drift)
    say "pulumi refresh (stack $stack)"
    pulumi refresh --stack "$stack" --yes --non-interactive --suppress-progress
    say "pulumi preview --expect-no-changes (stack $stack)"
    if ! pulumi preview --stack "$stack" --expect-no-changes --non-interactive --suppress-progress "${policy[@]}"; then
      printf 'drift: stack %s differs from the program (see the preview above)\n' "$stack" >&2
      exit 1
    fi
    ;;
esac
