/**
 * The program runs from its ahead-of-time build (scripts/aot.cjs, Pulumi.yaml `main`) instead of
 * ts-node; this proves the switch changed nothing the engine sees. In one workspace (same config,
 * same paths) production and dev are previewed with the build, then with `stacks/index.ts`
 * transpiled on the fly as before: every step (URN, type, operation, inputs, parent, provider,
 * dependencies) must be the same. One input is compared by its shape only: a dynamic resource's
 * `__provider`, the provider's code as the SDK serialized it from the loaded JavaScript, whose text
 * (helper functions, numeric literals) differs between ts-node's in-memory output and the build; the
 * dynamic provider never diffs on it (our `diff` decides, pulumi's dynamic-provider host says so).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  parseJson,
  prepareDevStack,
  prepareEscStack,
  PulumiWorkspace,
  runFromSources,
  toolchainEnv,
  type PreviewJson,
} from "../harness/pulumi";

let env: Record<string, string>;
beforeAll(() => {
  env = toolchainEnv();
});

/** A dynamic provider's serialized code, reduced to the methods it defines. */
function providerShape(code: unknown): string {
  const methods = /var __provider = \{([^}]*)\}/.exec(String(code))?.[1] ?? "";
  return `provider with ${methods.replace(/: __f\d+/g, "")}`;
}

/** The graph as the engine has it, keyed by URN. */
async function graph(ws: PulumiWorkspace, stack: string): Promise<Map<string, unknown>> {
  // Not blocking the event loop: the test worker keeps answering its runner meanwhile.
  const r = await ws.run(["preview", "--stack", stack, "--json"]);
  const preview = parseJson<PreviewJson>(r);
  expect(r.code, JSON.stringify(preview.diagnostics)).toBe(0);
  return new Map(
    (preview.steps ?? []).map((s) => [
      s.urn,
      {
        op: s.op,
        type: s.newState?.type,
        parent: s.newState?.parent,
        provider: s.newState?.provider,
        // The order of dependencies follows which input resolved first: not part of the graph.
        dependencies: [...(s.newState?.dependencies ?? [])].sort(),
        inputs:
          s.newState?.inputs && "__provider" in s.newState.inputs
            ? { ...s.newState.inputs, __provider: providerShape(s.newState.inputs["__provider"]) }
            : s.newState?.inputs,
      },
    ]),
  );
}

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
      const built = await graph(ws, stack);
      runFromSources(ws);
      const transpiled = await graph(ws, stack);
      expect(built.size).toBeGreaterThanOrEqual(minimum);
      expect([...built.keys()].sort()).toEqual([...transpiled.keys()].sort());
      for (const [urn, step] of built) expect(step, urn).toEqual(transpiled.get(urn));
      // The shape check above must see a provider where there is one (production's Weaviate collections).
      const providers = [...built.values()].filter((s) => JSON.stringify(s).includes("provider with check"));
      if (stack === "production") expect(providers.length).toBeGreaterThan(0);
    });
  },
);
