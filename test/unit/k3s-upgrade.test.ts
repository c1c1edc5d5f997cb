import { utils } from "ssh2";
import { describe, expect, it } from "vitest";

import { checkUpgrade, diffUpgrade, nodeActions, type K3sUpgradeStep } from "../../components/cluster/k3s-upgrade";
import { UNKNOWN } from "../../components/remote";

const parseKey = (key: string, passphrase?: string) => utils.parseKey(key, passphrase) as { type?: string } | Error;
const server: K3sUpgradeStep = { name: "core", role: "server", versionCommand: "v", upgradeCommand: "up core" };
const agent = (name: string): K3sUpgradeStep => ({
  name,
  role: "agent",
  versionCommand: "v",
  upgradeCommand: `up ${name}`,
  drainCommand: `drain ${name}`,
  uncordonCommand: `uncordon ${name}`,
});
const conn = { host: "198.18.0.10" };
const plan = (over: Record<string, unknown> = {}) =>
  checkUpgrade(
    {
      label: "u",
      version: "v1.33.5+k3s1",
      steps: [server, agent("a1"), agent("a2")],
      connections: { core: conn, a1: conn, a2: conn },
      operator: "core",
      ...over,
    },
    parseKey,
  );

describe("K3sUpgrade plan", () => {
  it("accepts a plan with servers first and a connection per node, defaults the timeout", () => {
    const r = plan();
    expect(r.failures).toEqual([]);
    expect(r.inputs.timeout).toBe(900);
    expect(r.inputs.connections["a1"]).toMatchObject({ host: "198.18.0.10", port: 22, user: "root" });
  });

  it("reports every problem: version, order, missing commands and connections, operator", () => {
    const noDrain: K3sUpgradeStep = { ...agent("a2"), drainCommand: undefined };
    const r = plan({
      version: "1.33",
      steps: [agent("a1"), server, noDrain],
      connections: { core: conn, a1: { host: "bad host" } },
      operator: "a1",
    });
    expect(r.failures.map((f) => f.property)).toEqual([
      "version",
      "steps[1]",
      "steps[2]",
      "operator",
      "connections.a1.host",
      "connections.a2",
    ]);
    expect(r.failures[1]!.reason).toContain("servers first");
    // Unknown during a preview: no failure.
    expect(plan({ version: UNKNOWN, connections: UNKNOWN }).failures).toEqual([]);
  });

  it("upgrades only on a version change; other changes are recorded without running", () => {
    const a = plan().inputs;
    expect(diffUpgrade(a, plan().inputs)).toEqual({ changes: false, upgrade: false });
    expect(diffUpgrade(a, plan({ version: "v1.33.6+k3s1" }).inputs)).toEqual({ changes: true, upgrade: true });
    expect(diffUpgrade(a, plan({ steps: [server, agent("a1")] }).inputs)).toEqual({ changes: true, upgrade: false });
  });

  it("drains, upgrades and uncordons an agent; skips what is at the version already", () => {
    const v = "v1.33.6+k3s1";
    const steps = (s: K3sUpgradeStep, installed: string) =>
      nodeActions(s, "core", installed, v).map((a) => `${a.step}@${a.on}: ${a.command}`);
    expect(steps(agent("a1"), "v1.33.5+k3s1")).toEqual([
      "drain@core: drain a1",
      "upgrade@a1: up a1",
      "uncordon@core: uncordon a1",
    ]);
    expect(steps(server, "v1.33.5+k3s1")).toEqual(["upgrade@core: up core"]);
    expect(steps(server, v)).toEqual([]);
    // A run that stopped after this agent's upgrade may have left it cordoned.
    expect(steps(agent("a1"), v)).toEqual(["uncordon@core: uncordon a1"]);
  });
});
