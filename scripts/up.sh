#!/usr/bin/env bash
# The main job: deploy the local `dev` stack with the real Pulumi engine, then print its outputs.
# Does its own set-up (dependencies, the Pulumi toolchain, local targets). Safe to run again: a
# second run reports no changes. Extra arguments go to `pulumi up` (e.g. --diff).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
bootstrap
use_dev_backend
cd "$SOPHIA_ROOT" || exit 1

say "type-checking the program"
pnpm -s typecheck

start_local_servers

if ! pulumi stack select dev 2>/dev/null; then
  say "creating the dev stack (file backend in .sophia/state)"
  pulumi stack init dev --secrets-provider passphrase >/dev/null
fi

# Every update runs the sophia-guardrails policy pack (policy/); a mandatory violation stops it
# before anything changes.
say "pulumi up (stack dev, policy pack sophia-guardrails)"
pulumi up --stack dev --yes --skip-preview --suppress-progress --policy-pack "$SOPHIA_ROOT/policy/analyzer" "$@"

say "stack outputs (secrets shown as [secret])"
pulumi stack output --stack dev --json
