/**
 * The resource graph a real `pulumi preview --json` registers, keyed by URN, for comparing two
 * programs (or two builds of one) step by step: operation, type, parent, provider, dependencies and
 * inputs. One input is compared by its shape only: a dynamic resource's `__provider`, the provider's
 * code as the SDK serialized it from the loaded JavaScript, whose text (helper functions, numeric
 * literals) differs between builds; the dynamic provider never diffs on it (our `diff` decides,
 * pulumi's dynamic-provider host says so).
 */
import { expect } from "vitest";

import { parseJson, type PreviewJson, type PulumiWorkspace } from "./pulumi";

/** A dynamic provider's serialized code, reduced to the methods it defines. */
export function providerShape(code: unknown): string {
  const methods = /var __provider = \{([^}]*)\}/.exec(String(code))?.[1] ?? "";
  return `provider with ${methods.replace(/: __f\d+/g, "")}`;
}

/** The graph as the engine has it, keyed by URN (the preview must succeed). */
export async function previewGraph(ws: PulumiWorkspace, stack: string): Promise<Map<string, unknown>> {
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

/** Asserts two graphs have the same URNs and, URN by URN, the same step. */
export function expectSameGraph(actual: Map<string, unknown>, expected: Map<string, unknown>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [urn, step] of actual) expect(step, urn).toEqual(expected.get(urn));
}
