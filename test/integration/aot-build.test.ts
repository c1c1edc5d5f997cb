/**
 * The program runs from its ahead-of-time build (scripts/aot.cjs, Pulumi.yaml `main`) instead of
 * ts-node; this proves the switch changed nothing the engine sees. In one workspace (same config,
 * same paths) production and dev are previewed with the build, then with `stacks/index.ts`
 * transpiled on the fly as before: every step (URN, type, operation, inputs, parent, provider,
 * dependencies) must be the same (test/harness/graph.ts: a dynamic provider's serialized code is
 * compared by its shape).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { expectSameGraph, previewGraph } from "../harness/graph";
import { prepareDevStack, prepareEscStack, PulumiWorkspace, runFromSources, toolchainEnv } from "../harness/pulumi";

let env: Record<string, string>;
beforeAll(() => {
  env = toolchainEnv();
});

const stacks: {
  stack: string;
  minimum: number;
  passphrase?: string;
  prepare: (ws: PulumiWorkspace) => void;
}[] = [
  {
    stack: "production",
    minimum: 270,
    passphrase: "aot-production",
    prepare: (ws) => prepareEscStack(ws, "production"),
  },
  {
    stack: "dev",
    minimum: 200,
    // The repo's dev stack file with its secrets: the dev passphrase.
    // Rendered, with a placeholder Weaviate key: previews of new objects make no server calls.
    prepare: (ws) =>
      prepareDevStack(ws, {
        "sophia-infra:kubernetes.target": "render",
        "sophia-infra:kubernetes.renderDirectory": join(ws.dir, "manifests"),
        "sophia-infra:weaviate.apiKeyPath": ws.write("weaviate-api-key", "aot-test-placeholder"),
      }),
  },
];

describe.each(stacks)(
  "$stack: the prebuilt program registers the graph ts-node's did",
  ({ stack, minimum, passphrase, prepare }) => {
    let ws: PulumiWorkspace;
    beforeAll(() => {
      ws = new PulumiWorkspace(env, passphrase ? { passphrase } : {});
      prepare(ws);
    });
    afterAll(() => ws?.cleanup());

    it("same steps, types, inputs and dependencies", async () => {
      const built = await previewGraph(ws, stack);
      runFromSources(ws);
      const transpiled = await previewGraph(ws, stack);
      expect(built.size).toBeGreaterThanOrEqual(minimum);
      expectSameGraph(built, transpiled);
      // The shape check above must see a provider where there is one (production's Weaviate collections).
      const providers = [...built.values()].filter((s) => JSON.stringify(s).includes("provider with check"));
      if (stack === "production") expect(providers.length).toBeGreaterThan(0);
    });
  },
);
