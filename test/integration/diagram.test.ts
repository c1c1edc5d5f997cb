/**
 * The README's architecture diagram is the one the real production preview's resource graph gives
 * today (regenerate with `pnpm docs:diagram`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { diagramIn, renderArchitecture } from "../../scripts/diagram";
import { previewSteps } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";

describe("README architecture diagram", () => {
  it("matches the production stack's resource graph (run `pnpm docs:diagram`)", async () => {
    const committed = diagramIn(readFileSync(join(repoRoot, "README.md"), "utf8"));
    expect(committed, "README.md has no generated diagram block").toBeDefined();
    const steps = await previewSteps("production");
    expect(committed).toBe(renderArchitecture(steps));
    // The graph is the real one: every component of the program and the wiring between layers.
    for (const component of ["platform", "postgres", "redis", "mcp", "backend", "inference", "weaviate"]) {
      expect(committed).toContain(`<b>${component}</b>`);
    }
    for (const edge of ["postgres --> backend", "redis --> backend", "weaviate --> backend", "cnpg --> postgres"]) {
      expect(committed).toContain(edge);
    }
  });
});
