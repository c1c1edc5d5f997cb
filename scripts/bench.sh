#!/usr/bin/env bash
# Benchmark (not a test): prints the toolchain build time (cold with --cold, and warm), `pulumi
# preview` wall time and resource count per stack, the engine's floor and the unit suite's time.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
bootstrap
cd "$SOPHIA_ROOT" || exit 1
exec node_modules/.bin/tsx scripts/bench.ts "$@"
