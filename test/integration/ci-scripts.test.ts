/**
 * The delivery workflows' work, run for real: every workflow step is either a third-party action
 * pinned by commit SHA (with its version in a comment) or a script of this repository, and the
 * scripts run here. `scripts/ci/pulumi.sh` previews a throwaway copy of the staging stack (ESC
 * resolved with fixtures, file backend) with the real engine and the policy pack, and its drift mode
 * fails on a stack whose resources do not exist; `scripts/ci/secret-scan.sh` scans this repository.
 * What cannot run here: Pulumi Cloud (the workflows' backend) and the PR comment (`gh`).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { prepareEscStack, PulumiWorkspace, toolchainEnv } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";

const workflowDir = join(repoRoot, ".github", "workflows");
const workflows = readdirSync(workflowDir).filter((f) => f.endsWith(".yml"));

type Step = { uses?: string; run?: string };

function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, "scripts", "ci", script), args, { cwd: repoRoot, env });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

describe("workflow steps", () => {
  it("pin every third-party action by full commit SHA, with its version in a comment", () => {
    let count = 0;
    for (const file of workflows) {
      for (const line of readFileSync(join(workflowDir, file), "utf8").split("\n")) {
        const m = /^\s*-?\s*uses:\s*(\S+)(.*)$/.exec(line);
        if (!m) continue;
        count += 1;
        expect(m[1], `${file}: ${line.trim()}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
        expect(m[2], `${file}: ${line.trim()}`).toMatch(/^ # v\d+\.\d+\.\d+$/);
      }
    }
    expect(count).toBeGreaterThan(10);
  });

  it("run nothing but scripts of this repository", () => {
    const commands = workflows.flatMap((file) => {
      const w = parse(readFileSync(join(workflowDir, file), "utf8")) as { jobs: Record<string, { steps: Step[] }> };
      return Object.values(w.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? [s.run.trim()] : [])));
    });
    expect(commands.length).toBe(workflows.length);
    for (const c of commands) expect(c).toMatch(/^(scripts\/ci\/[a-z-]+\.sh( [a-z]+ "[^"]+")?|\.ci\/run)$/);
  });
});

describe("scripts/ci/pulumi.sh", () => {
  let env: Record<string, string>;
  let ws: PulumiWorkspace;

  beforeAll(() => {
    env = toolchainEnv();
    ws = new PulumiWorkspace(env, { passphrase: "ci-scripts" });
    prepareEscStack(ws, "staging");
  });
  afterAll(() => ws?.cleanup());

  const scriptEnv = () => ({ ...ws.env, SOPHIA_PROGRAM_DIR: ws.project });

  it("refuses a bad mode, a missing stack and a missing token before doing anything", () => {
    const bare = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" };
    const run = (args: string[]) =>
      spawnSync(join(repoRoot, "scripts", "ci", "pulumi.sh"), args, { env: bare, encoding: "utf8" });
    expect(run(["deploy", "sophia/staging"])).toMatchObject({ status: 2 });
    expect(run(["deploy", "sophia/staging"]).stderr).toContain("usage: scripts/ci/pulumi.sh preview|up|drift <stack>");
    expect(run(["preview"]).stderr).toContain("e.g. sophia/staging");
    const noToken = run(["preview", "sophia/staging"]);
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toContain("PULUMI_ACCESS_TOKEN is not set");
  });

  it("previews the stack with the real engine and the policy pack", async () => {
    const r = await runScript("pulumi.sh", ["preview", "staging"], scriptEnv());
    expect(r.code, r.output.slice(-3000)).toBe(0);
    expect(r.output).toContain("toolchain/ensure.mjs --with manifests");
    // The engine lists the packs it ran.
    expect(r.output).toMatch(/Policy Packs run:\s+Name\s+Version\s+sophia-guardrails\|local\|/);
    expect(r.output).toMatch(/\+ +\d+ to create/);
  });

  it("drift fails when the stack differs from the program (here: nothing deployed yet)", async () => {
    const r = await runScript("pulumi.sh", ["drift", "staging"], scriptEnv());
    expect(r.code, r.output.slice(-3000)).toBe(1);
    expect(r.output).toContain("drift: stack staging differs from the program");
  });
});

describe("scripts/ci/secret-scan.sh", () => {
  it("scans the history of this branch (a clone of it, as the workflow's checkout) and finds no leak", async () => {
    // A clone: this checkout shares its object store with other work in progress (git worktrees),
    // which a scan of every ref would include.
    const clone = mkdtempSync(join(tmpdir(), "sophia-secret-scan-"));
    try {
      const c = spawnSync("git", ["clone", "--quiet", "--single-branch", "--no-tags", repoRoot, clone], {
        encoding: "utf8",
      });
      expect(c.status, c.stderr).toBe(0);
      const r = await new Promise<{ code: number; output: string }>((resolve, reject) => {
        const child = spawn(join(clone, "scripts", "ci", "secret-scan.sh"), [], {
          cwd: clone,
          env: { ...process.env, ...toolchainEnv() },
        });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, output }));
      });
      expect(r.code, r.output.slice(-2000)).toBe(0);
      expect(r.output).toMatch(/commits scanned/);
      expect(r.output).toContain("no leaks found");
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
