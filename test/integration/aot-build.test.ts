/**
 * The program runs from its ahead-of-time build (scripts/aot.cjs, Pulumi.yaml `main`) instead of
 * ts-node; this proves the switch changed nothing the engine sees. In one workspace (same config,
 * same paths) production and dev are previewed with the build, then with `stacks/index.ts`
 * transpiled on the fly as before: every step (URN, type, operation, inputs, parent, provider,
 * dependencies) must be the same.
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

/** The graph as the engine has it, keyed by URN. */
function graph(ws: PulumiWorkspace, stack: string): Map<string, unknown> {
  const r = ws.pulumi(["preview", "--stack", stack, "--json"]);
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
        dependencies: s.newState?.dependencies,
        inputs: s.newState?.inputs,
      },
    ]),
  );
}

const stacks: { stack: string; minimum: number; prepare: (ws: PulumiWorkspace) => void }[] = [
  { stack: "production", minimum: 270, prepare: (ws) => prepareEscStack(ws, "production") },
  {
    stack: "dev",
    minimum: 200,
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
  ({ stack, minimum, prepare }) => {
    let ws: PulumiWorkspace;
    beforeAll(() => {
      ws = new PulumiWorkspace(env, { passphrase: `aot-${stack}` });
      prepare(ws);
    });
    afterAll(() => ws?.cleanup());

    it("same steps, types, inputs and dependencies", () => {
      const built = graph(ws, stack);
      runFromSources(ws);
      const transpiled = graph(ws, stack);
      expect(built.size).toBeGreaterThanOrEqual(minimum);
      expect([...built.keys()].sort()).toEqual([...transpiled.keys()].sort());
      for (const [urn, step] of built) expect(step, urn).toEqual(transpiled.get(urn));
    });
  },
);
