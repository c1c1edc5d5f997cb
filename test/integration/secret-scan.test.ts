/**
 * No credential is ever committed (the architecture seeds once leaked one): gitleaks, built from Go
 * modules, scans the repository's whole git history. A throwaway repository with a token-shaped
 * string proves the scan can fail.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

import { toolchainEnv } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";

let gitleaks: string;
beforeAll(() => {
  gitleaks = toolchainEnv()["SOPHIA_GITLEAKS"]!;
  expect(gitleaks).toBeTruthy();
});

function scan(dir: string) {
  const r = spawnSync(gitleaks, ["git", "--no-banner", "--redact", "--exit-code", "1", dir], { encoding: "utf8" });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("secret scan", () => {
  it("finds no credential anywhere in this repository's history", () => {
    const r = scan(repoRoot);
    expect(r.output).toMatch(/commits scanned/);
    expect(r.output).toContain("no leaks found");
    expect(r.code).toBe(0);
  });

  it("catches a token committed to a repository", () => {
    const dir = mkdtempSync(join(tmpdir(), "sophia-leak-"));
    try {
      const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", ...args], { cwd: dir });
      git("init", "-q");
      // Generated at run time, so no token-shaped string is ever committed here.
      const token = `ghp_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
      writeFileSync(join(dir, "deploy.ts"), `export const githubToken = "${token}";\n`);
      git("add", ".");
      git("commit", "-q", "-m", "leak");
      const r = scan(dir);
      expect(r.code).toBe(1);
      expect(r.output).toMatch(/leaks found: 1/);
      expect(r.output).not.toContain(token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
