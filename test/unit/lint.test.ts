import { join } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

describe("lint", () => {
  it("Pulumi's rule rejects an Output inside a plain template literal (and accepts pulumi.interpolate)", async () => {
    const root = join(__dirname, "..", "..");
    const eslint = new ESLint({ cwd: root, ignore: false });
    const [result] = await eslint.lintFiles([join(root, "test", "fixtures", "lint", "output-in-template.ts")]);
    const pulumiErrors = (result?.messages ?? []).filter((m) => m.ruleId?.startsWith("pulumi/"));
    expect(pulumiErrors.map((m) => [m.ruleId, m.line])).toEqual([["pulumi/no-output-in-template-literal", 6]]);
  }, 60_000); // type-aware linting loads the whole TypeScript program
});
