#!/usr/bin/env bash
# Every test: static checks, unit tests (Pulumi mocks) and integration tests (the real engine).
# Does its own set-up, like scripts/up.sh. `.ci/run` calls this script.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# The test set adds the tools only the tests use (toolchain/pieces.mjs GROUP_SETS).
export SOPHIA_TOOL_SET=test
bootstrap
cd "$SOPHIA_ROOT" || exit 1

say "static checks: tsc, eslint (with Pulumi's rules), prettier, layering (dependency-cruiser), shellcheck"
pnpm -s typecheck
pnpm -s exec eslint --max-warnings 0 .
pnpm -s exec prettier --check --log-level warn .
pnpm -s lint:deps
shellcheck -x scripts/*.sh k8s/*/*.sh policy/analyzer .ci/run

say "unit tests"
pnpm -s exec vitest run --project unit

say "integration tests (real Pulumi engine)"
pnpm -s exec vitest run --project integration
