/**
 * The delivery workflows (.github/workflows), linted with actionlint (built from Go modules, with
 * shellcheck for `run:` scripts), and checked for what delivery relies on.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";

import { POLICY_PACK } from "../harness/policy";
import { toolchainEnv } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";

let actionlint: string;
beforeAll(() => {
  actionlint = toolchainEnv()["SOPHIA_ACTIONLINT"]!;
  expect(actionlint).toBeTruthy();
});

function lint(dir: string, files: string[] = []) {
  return spawnSync(actionlint, ["-no-color", "-oneline", ...files], { cwd: dir, encoding: "utf8" });
}

type Workflow = {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<
    string,
    { environment?: string; steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }
  >;
};
const workflow = (name: string) =>
  parse(readFileSync(join(repoRoot, ".github", "workflows", `${name}.yml`), "utf8")) as Workflow;

describe("delivery workflows", () => {
  it("pass actionlint", () => {
    const r = lint(repoRoot);
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
  });

  it("actionlint catches a broken workflow", () => {
    const dir = mkdtempSync(join(tmpdir(), "sophia-actionlint-"));
    try {
      mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
      writeFileSync(
        join(dir, ".github", "workflows", "bad.yml"),
        [
          "on: pull_request",
          "jobs:",
          "  preview:",
          "    runs-on: ubuntu-latest",
          "    steps:",
          "      - uses: actions/setup-node@v4",
          "        with:",
          "          node-versoin: 20",
          "      - run: echo ${{ matrix.stack }}",
          "",
        ].join("\n"),
      );
      const r = lint(dir, [join(".github", "workflows", "bad.yml")]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stdout).toContain('input "node-versoin" is not defined');
      expect(r.stdout).toContain('property "stack" is not defined');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const runs = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? [s.run] : [])));

  it("preview every pull request per stack and comment the result", () => {
    const w = workflow("preview");
    expect(Object.keys(w.on)).toEqual(["pull_request"]);
    expect(w.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(runs(w)).toEqual(['scripts/ci/pulumi.sh preview "sophia/${{ matrix.stack }}"']);
    expect(JSON.stringify(w)).toContain('"stack":["production","staging"]');
    expect(JSON.stringify(w)).toContain('"SOPHIA_PR_NUMBER":"${{ github.event.pull_request.number }}"');
  });

  it("update staging on merge and production only by a manual run through its environment", () => {
    const w = workflow("deploy");
    expect(w.on).toMatchObject({ push: { branches: ["main"] }, workflow_dispatch: {} });
    expect(w.jobs["up"]!.environment).toBe(
      "${{ github.event_name == 'workflow_dispatch' && inputs.stack || 'staging' }}",
    );
    expect(runs(w)).toEqual([
      "scripts/ci/pulumi.sh up \"sophia/${{ github.event_name == 'workflow_dispatch' && inputs.stack || 'staging' }}\"",
    ]);
  });

  it("check for drift on a schedule, expecting no changes", () => {
    const w = workflow("drift");
    expect(Object.keys(w.on)).toContain("schedule");
    expect(runs(w)).toEqual(['scripts/ci/pulumi.sh drift "sophia/${{ matrix.stack }}"']);
  });

  it("run every preview and update with the policy pack and the pinned engine, after fetching the manifests", () => {
    const script = readFileSync(join(repoRoot, "scripts", "ci", "pulumi.sh"), "utf8");
    expect(script).toContain('policy=(--policy-pack "$root/policy/analyzer")');
    expect(script).toContain('toolchain/ensure.mjs" --print-env-file --quiet --with manifests');
    // The launcher the script names is the one the local tests run.
    expect(relative(repoRoot, POLICY_PACK)).toBe(join("policy", "analyzer"));
  });

  it("run the README's test command on every pull request", () => {
    const w = workflow("test");
    expect(Object.keys(w.on)).toContain("pull_request");
    expect(runs(w)).toEqual([".ci/run"]);
    expect(readFileSync(join(repoRoot, ".ci", "run"), "utf8")).toContain("exec bash scripts/test.sh");
    // The whole history: architecture-state.test.ts runs the program at a baseline commit.
    const checkout = w.jobs["test"]!.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with).toEqual({ "fetch-depth": 0 });
  });

  it("scan the whole history for secrets", () => {
    const w = workflow("secret-scan");
    const checkout = w.jobs["gitleaks"]!.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with).toEqual({ "fetch-depth": 0 });
    expect(runs(w)).toEqual(["scripts/ci/secret-scan.sh"]);
  });
});
