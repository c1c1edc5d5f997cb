/**
 * Redraws the architecture diagram in README.md from the production stack's resource graph: a real
 * `pulumi preview --json` (ESC resolved with fixture secrets, offline toolchain), rendered by
 * scripts/diagram.ts. test/integration/diagram.test.ts fails while the README's copy is stale.
 *   pnpm docs:diagram
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { previewSteps } from "../test/harness/pulumi";
import { renderArchitecture, withDiagram } from "./diagram";

async function main(): Promise<void> {
  console.error("previewing the production stack (real engine, fixture secrets) …");
  const diagram = renderArchitecture(await previewSteps("production"));
  const file = join(__dirname, "..", "README.md");
  writeFileSync(file, withDiagram(readFileSync(file, "utf8"), diagram));
  console.log(`wrote the architecture diagram into ${file}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
