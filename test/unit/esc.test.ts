import { describe, expect, it } from "vitest";

import { parseConfig } from "../../stacks/config/load";
import { settingsSchema } from "../../stacks/config/schema";
import { SECRETS } from "../../stacks/config/secrets";
import { loadEscDefinition, resolveEscConfig, secretPaths } from "../harness/esc";
import { readStackFile, toRawConfig } from "../harness/stack-config";

const readable = new Set([
  ...SECRETS.map((s) => s.key),
  ...Object.keys(settingsSchema.shape).map((k) => `sophia-infra:${k}`),
]);

describe.each(["production", "staging"])("esc/%s.yaml", (stack) => {
  const resolved = resolveEscConfig(stack);

  it("maps only keys the program reads", () => {
    for (const key of Object.keys(resolved)) expect(readable, key).toContain(key);
  });

  it("names every secret the program can read, each as fn::secret", () => {
    expect(Object.keys(resolved).sort()).toEqual(SECRETS.map((s) => s.key).sort());
    for (const [key, v] of Object.entries(resolved)) expect(v.secret, key).toBe(true);
    // Every fn::secret in the definition is used by pulumiConfig (no orphan secrets).
    const used = Object.values(loadEscDefinition(stack)["pulumiConfig"] as Record<string, string>).map((r) =>
      r.slice(2, -1),
    );
    const orphans = secretPaths(stack).filter((p) => !used.some((u) => p === u || p.startsWith(`${u}.`)));
    expect(orphans).toEqual([]);
  });

  it("holds placeholders, never values", () => {
    const walk = (node: unknown): string[] =>
      typeof node === "object" && node !== null
        ? Object.entries(node).flatMap(([k, v]) => (k === "fn::secret" ? [String(v)] : walk(v)))
        : [];
    for (const placeholder of walk(loadEscDefinition(stack))) expect(placeholder).toMatch(/^<[^>]+>$/);
  });

  it("together with the stack file satisfies every secret requirement", () => {
    const result = parseConfig(toRawConfig(readStackFile(stack).config, resolved));
    expect(result.ok).toBe(true);
  });
});

describe("the ESC resolver", () => {
  it("refuses ESC features it does not implement", async () => {
    const { resolveEscConfig: resolve } = await import("../harness/esc");
    expect(() => resolve("does-not-exist")).toThrow();
  });
});
