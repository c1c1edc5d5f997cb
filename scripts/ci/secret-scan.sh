#!/usr/bin/env bash
# The secret scan of .github/workflows/secret-scan.yml: gitleaks (the pinned build the tests use) over
# every commit of the repository. Needs the full history (the workflow checks out with fetch-depth 0).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# ensure.mjs reads the installed SDK versions to pin the engine.
(cd "$root" && pnpm install --frozen-lockfile --prefer-offline --reporter=append-only >&2)
env_file="$(node "$root/toolchain/ensure.mjs" --print-env-file --quiet --with gitleaks)"
# shellcheck disable=SC1090
source "$env_file"
cd "$root"
"$SOPHIA_GITLEAKS" git --no-banner --redact --exit-code 1 .
