/**
 * The Pulumi program's entry (Pulumi.yaml `main`): `stacks/index.ts` from its ahead-of-time build,
 * brought up to date first when any source under `stacks/` or `components/` changed
 * (scripts/aot.cjs), so the engine never runs a stale build and never waits for ts-node.
 */
"use strict";

const path = require("node:path");

const { ensureBuilt } = require("./aot.cjs");

// The stack's outputs are the exports of stacks/index.ts.
module.exports = require(path.join(ensureBuilt("program").out, "stacks", "index.js"));
