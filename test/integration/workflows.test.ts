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
  jobs: Record<string, { environment?: string; steps: { uses?: string; with?: Record<string, unknown> }[] }>;
};
const workflow = (name: string) =>
  parse(readFileSync(join(repoRoot, ".github", "workflows", `${name}.yml`), "utf8")) as Workflow;
const pulumiSteps = (w: Workflow) =>
  Object.values(w.jobs).flatMap((j) => j.steps.filter((s) => s.uses?.startsWith("pulumi/actions@")));

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

  it("preview every pull request per stack and comment the result", () => {
    const w = workflow("preview");
    expect(Object.keys(w.on)).toEqual(["pull_request"]);
    expect(w.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(pulumiSteps(w).map((s) => s.with)).toEqual([
      expect.objectContaining({ command: "preview", "comment-on-pr": true }),
    ]);
    expect(JSON.stringify(w)).toContain('"stack":["production","staging"]');
  });

  it("update staging on merge and production only by a manual run through its environment", () => {
    const w = workflow("deploy");
    expect(w.on).toMatchObject({ push: { branches: ["main"] }, workflow_dispatch: {} });
    expect(w.jobs["up"]!.environment).toBe(
      "${{ github.event_name == 'workflow_dispatch' && inputs.stack || 'staging' }}",
    );
    expect(pulumiSteps(w).map((s) => s.with?.["command"])).toEqual(["up"]);
  });

  it("check for drift on a schedule, expecting no changes", () => {
    const w = workflow("drift");
    expect(Object.keys(w.on)).toContain("schedule");
    expect(pulumiSteps(w).map((s) => s.with)).toEqual([
      expect.objectContaining({ command: "preview", refresh: true, "expect-no-changes": true }),
    ]);
  });

  it("run every preview and update with the policy pack and the pinned CLI", () => {
    const pinnedPulumi = (
      JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> }
    ).dependencies["@pulumi/pulumi"];
    const steps = ["preview", "deploy", "drift"].flatMap((name) => pulumiSteps(workflow(name)));
    expect(steps).toHaveLength(3);
    for (const step of steps) {
      expect(step.with).toMatchObject({
        policyPacks: "${{ github.workspace }}/policy/analyzer",
        "pulumi-version": pinnedPulumi,
      });
    }
    // The launcher the workflows name is the one the local tests run.
    expect(relative(repoRoot, POLICY_PACK)).toBe(join("policy", "analyzer"));
  });

  it("scan the whole history for secrets", () => {
    const w = workflow("secret-scan");
    const checkout = w.jobs["gitleaks"]!.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with).toEqual({ "fetch-depth": 0 });
    expect(JSON.stringify(w)).toContain("--with gitleaks");
  });
});
