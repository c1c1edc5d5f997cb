import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { renderConfigDocs } from "../../stacks/config/docs";
import { settingsSchema } from "../../stacks/config/schema";
import { SECRETS } from "../../stacks/config/secrets";

describe("docs/config.md", () => {
  const committed = readFileSync(join(__dirname, "..", "..", "docs", "config.md"), "utf8");

  it("is up to date with the schema (run `pnpm docs:config`)", () => {
    expect(committed).toBe(renderConfigDocs());
  });

  it("documents every top-level key and every secret", () => {
    for (const key of Object.keys(settingsSchema.shape)) expect(committed).toContain(`## ${key}`);
    for (const s of SECRETS) expect(committed).toContain(`\`${s.key}\``);
  });

  it("gives every layer's default", () => {
    expect(committed).toContain("| `postgres.instances` |  | integer (1..9) | `3` |");
    expect(committed).toContain("| `redis.sentinelQuorum` |  | integer (1..) | `2` |");
  });
});
