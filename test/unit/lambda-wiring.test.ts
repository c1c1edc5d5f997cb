/**
 * Lambda nodes in the stack config: the component's checks reported at their config paths, the
 * launch plan of the committed stack files, and the cost estimate over them.
 */
import { describe, expect, it } from "vitest";

import { parseConfig, type ConfigProblem } from "../../stacks/config/load";
import { monthlyCostEstimate } from "../../stacks/outputs";
import { lambdaNodePlan } from "../../stacks/lambda";
import { stackSettings } from "../harness/esc";

const secrets = ["sophia-infra:sshPrivateKey", "sophia-infra:lambdaApiKey"];
const lambdaNode = (name: string, cls: string, machine: Record<string, unknown> = {}, role = "agent") => ({
  name,
  class: cls,
  role,
  machine: { source: "lambda", ...machine },
});

/** A staging config with only the cluster layer, on `nodes` (the SSH key set, the API key not). */
function clusterOnly(nodes: unknown[]): Record<string, string> {
  return {
    "sophia-infra:environment": "staging",
    "sophia-infra:domain": "staging.sophia-intel.ai",
    "sophia-infra:kubernetes": JSON.stringify({ target: "render" }),
    "sophia-infra:monitoring": JSON.stringify({ mode: "skip" }),
    "sophia-infra:mcp": JSON.stringify({ mode: "skip" }),
    "sophia-infra:redis": JSON.stringify({ mode: "skip" }),
    "sophia-infra:postgres": JSON.stringify({ mode: "skip" }),
    "sophia-infra:placement": JSON.stringify({ batch: "gh200", realtime: "gh200", mcp: "gh200" }),
    "sophia-infra:cluster": JSON.stringify({ mode: "k3s", nodes }),
    "sophia-infra:sshPrivateKey": "k",
  };
}

function problemsFor(nodes: unknown[]): ConfigProblem[] {
  const values = { ...clusterOnly(nodes), "sophia-infra:lambdaApiKey": "x" };
  const r = parseConfig({ values, secretKeys: new Set(secrets) });
  return r.ok ? [] : r.problems;
}

describe("lambda nodes in config", () => {
  it("accepts a GH200 with its defaults", () => {
    expect(problemsFor([lambdaNode("core", "gh200", {}, "server")])).toEqual([]);
  });

  it("reports a bad region, an instance type of another class and an x86 image on a GH200 at their paths", () => {
    const found = problemsFor([
      lambdaNode("core", "gh200", { region: "us-nowhere-1", image: { family: "ubuntu-22-04-x86_64" } }, "server"),
      lambdaNode("etl", "gh200", { instanceType: "gpu_1x_a100" }),
    ]);
    expect(found.map((p) => p.path)).toEqual([
      "sophia-infra:cluster.nodes.0.machine.region",
      "sophia-infra:cluster.nodes.0.machine.image",
      "sophia-infra:cluster.nodes.1.machine.instanceType",
    ]);
    expect(found[1]!.message).toBe(
      '(node "core"): image family "ubuntu-22-04-x86_64" is built for amd64, but a gh200 node is arm64',
    );
  });

  it("a missing API key is named with the reason", () => {
    const values = clusterOnly([lambdaNode("core", "gh200", {}, "server")]);
    const r = parseConfig({ values, secretKeys: new Set(["sophia-infra:sshPrivateKey"]) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(["sophia-infra:lambdaApiKey"]);
    expect(r.problems[0]!.message).toContain("a cluster node has machine.source lambda");
  });
});

describe("the committed stacks", () => {
  it("production launches the plan's four machines in us-east-1, the GH200 server first", () => {
    const plan = lambdaNodePlan(stackSettings("production").cluster);
    expect(plan.map((n) => [n.name, n.nodeClass, n.region, n.tags?.[1]?.value])).toEqual([
      ["sophia-ai-core", "gh200", "us-east-1", "server"],
      ["sophia-mcp-orchestrator", "a6000", "us-east-1", "agent"],
      ["sophia-data-pipeline", "a100", "us-east-1", "agent"],
      ["sophia-production", "rtx6000", "us-east-1", "agent"],
    ]);
  });

  it("staging launches a smaller set, GH200 server first, tagged with class and role", () => {
    const plan = lambdaNodePlan(stackSettings("staging").cluster);
    expect(plan.map((n) => [n.name, n.nodeClass, n.region])).toEqual([
      ["sophia-staging-core", "gh200", "us-east-1"],
      ["sophia-staging-services", "a6000", "us-east-1"],
    ]);
    expect(plan[0]!.tags).toEqual([
      { key: "sophia-node-class", value: "gh200" },
      { key: "sophia-k3s-role", value: "server" },
    ]);
  });

  it("the monthly estimate counts the nodes from their classes' hourly rates", () => {
    const production = monthlyCostEstimate(stackSettings("production"));
    // (1.85 + 0.65 + 1.10 + 0.80) $/h × 730 h
    expect(production.total).toBe(3212);
    expect(production.byNode["sophia-ai-core"]).toEqual({ class: "gh200", hourlyRate: 1.85, monthly: 1350.5 });
    expect(monthlyCostEstimate(stackSettings("staging")).total).toBe(1825);
    expect(monthlyCostEstimate(stackSettings("dev")).total).toBe(0);
  });
});
