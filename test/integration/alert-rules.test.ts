/**
 * The alert rules checked by Prometheus's own tool: `promtool check rules` on
 * k8s/monitoring/alert-rules.yaml, and `promtool test rules` on one unit-test file per alert
 * (k8s/monitoring/tests/), each with a synthetic series that makes the alert fire (labels and summary
 * asserted) and one on which it stays silent. promtool is built from Go modules by the toolchain.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";

import { alertRules } from "../../components/monitoring";
import { toolchainEnv } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";

const monitoring = join(repoRoot, "k8s", "monitoring");
const testsDir = join(monitoring, "tests");
const testFiles = readdirSync(testsDir)
  .filter((f) => f.endsWith(".test.yaml"))
  .sort();

type RuleTest = {
  rule_files: string[];
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
};

let promtool: string;
beforeAll(() => {
  promtool = toolchainEnv()["SOPHIA_PROMTOOL"]!;
  expect(promtool).toBeTruthy();
});

const run = (args: string[], cwd = monitoring) =>
  spawnSync(promtool, args, { cwd, encoding: "utf8", timeout: 120_000 });

describe("alert rules under promtool", () => {
  it("pass `promtool check rules`", () => {
    const r = run(["check", "rules", "alert-rules.yaml"]);
    expect(`${r.stdout}${r.stderr}`, r.stderr).toContain(
      `SUCCESS: ${alertRules().groups.flatMap((g) => g.rules).length} rules found`,
    );
    expect(r.status).toBe(0);
  });

  it("have one test file per alert, with a case that fires and one that stays silent", () => {
    const alerts = alertRules()
      .groups.flatMap((g) => g.rules)
      .map((r) => r["alert"] as string)
      .sort();
    const covered = testFiles.map((f) => {
      const t = parse(readFileSync(join(testsDir, f), "utf8")) as RuleTest;
      expect(t.rule_files, f).toEqual(["../alert-rules.yaml"]);
      const cases = t.tests.flatMap((c) => c.alert_rule_test);
      const names = [...new Set(cases.map((c) => c.alertname))];
      expect(names, f).toHaveLength(1);
      expect(cases.filter((c) => c.exp_alerts.length > 0).length, `${f}: a firing case`).toBeGreaterThanOrEqual(1);
      expect(cases.filter((c) => c.exp_alerts.length === 0).length, `${f}: a silent case`).toBeGreaterThanOrEqual(1);
      return names[0]!;
    });
    expect(covered.sort()).toEqual(alerts);
  });

  it("pass `promtool test rules` (every alert fires on its synthetic series and only there)", () => {
    const r = run(["test", "rules", ...testFiles.map((f) => join("tests", f))]);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    for (const f of testFiles) expect(r.stdout).toContain(`Processing test file: ${join("tests", f)}\n  SUCCESS`);
  });

  it("fail a test whose expectation is wrong (the runner can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "sophia-promtool-"));
    try {
      const text = readFileSync(join(testsDir, "target-down.test.yaml"), "utf8")
        .replace("../alert-rules.yaml", join(monitoring, "alert-rules.yaml"))
        .replace('values: "1x15"', 'values: "0x15"');
      writeFileSync(join(dir, "broken.test.yaml"), text);
      const r = run(["test", "rules", "broken.test.yaml"], dir);
      expect(r.status).toBe(1);
      expect(`${r.stdout}${r.stderr}`).toContain("alertname: SophiaTargetDown");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
