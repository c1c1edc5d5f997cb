/**
 * LambdaSshKey and LambdaInstance through the real engine, against the Lambda Cloud STAND-IN
 * (test/harness/lambda-standin.ts; the real API cannot be reached from tests). Every exchange is
 * checked against our OpenAPI description and the published 1.5.3 one. Pacing and polling are
 * shortened through the program's config; the request counts do not depend on them.
 */
import { join } from "node:path";
import { utils } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { LambdaContract } from "../harness/lambda-contract";
import { configureLambdaApi, LambdaStandIn } from "../harness/lambda-standin";
import { PulumiWorkspace, toolchainEnv, type RunResult } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";

const fixture = join(repoRoot, "test", "fixtures", "lambda-program");
const API_KEY = `secret_sophia-test_${Date.now().toString(16)}c0ffee`;
const sshKey = utils.generateKeyPairSync("ed25519");

/** The production shape: the plan's four nodes. */
const PRODUCTION_NODES = [
  { name: "sophia-ai-core", nodeClass: "gh200", region: "us-east-1" },
  { name: "sophia-mcp-orchestrator", nodeClass: "a6000", region: "us-east-1" },
  { name: "sophia-data-pipeline", nodeClass: "a100", region: "us-east-1" },
  { name: "sophia-production", nodeClass: "rtx6000", region: "us-east-1" },
];

let env: Record<string, string>;
let contract: LambdaContract;

beforeAll(async () => {
  env = toolchainEnv();
  contract = await LambdaContract.load();
});

const text = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

function stack(standIn: LambdaStandIn, nodes: unknown[], apiKey = API_KEY): PulumiWorkspace {
  const ws = new PulumiWorkspace(env, { passphrase: "lambda-test", projectSource: fixture });
  ws.must(["stack", "init", "test", "--secrets-provider", "passphrase"]);
  configureLambdaApi(ws, standIn, apiKey);
  ws.must(["config", "set-all", "--secret", `sshPrivateKey=${sshKey.private}`]);
  setNodes(ws, nodes);
  return ws;
}

function setNodes(ws: PulumiWorkspace, nodes: unknown[]): void {
  ws.must(["config", "set", "nodes", JSON.stringify(nodes)]);
}

// Async runs: the stand-in answers from this process while the engine works.
const up = (ws: PulumiWorkspace) => ws.run(["up", "--yes", "--skip-preview", "--suppress-progress"]);

describe("the production shape through the real engine", () => {
  let standIn: LambdaStandIn;
  let ws: PulumiWorkspace;
  beforeAll(async () => {
    standIn = await LambdaStandIn.start({ apiKey: API_KEY, contract, bootDelayMs: 1500, terminateDelayMs: 300 });
    ws = stack(standIn, PRODUCTION_NODES);
  });
  afterAll(async () => {
    ws?.cleanup();
    await standIn?.stop();
  });

  it("registers the key and launches the four nodes, each waited for until active", async () => {
    const r = await up(ws);
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/\+ 7 created/); // stack, component, key, four instances
    const live = standIn.live();
    expect(live.map((i) => i.name).sort()).toEqual(PRODUCTION_NODES.map((n) => n.name).sort());
    expect(live.every((i) => i.status === "active")).toBe(true);
    expect([...standIn.sshKeys.values()].map((k) => [k.name, k.public_key.split(" ").slice(0, 2).join(" ")])).toEqual([
      ["sophia-test", sshKey.public.split(" ").slice(0, 2).join(" ")],
    ]);
    const out = JSON.parse(ws.must(["stack", "output", "--json"]).stdout) as {
      nodes: Record<string, { address: string; arch: string }>;
    };
    expect(out.nodes["sophia-ai-core"]?.arch).toBe("arm64");
    expect(out.nodes["sophia-production"]?.arch).toBe("amd64");
    expect(
      Object.values(out.nodes)
        .map((n) => n.address)
        .sort(),
    ).toEqual(live.map((i) => i.ip).sort());
    // The API requests one production up makes (fixed part; status polls depend on boot time).
    const counts = standIn.counts();
    console.log(`lambda: requests of one production up: ${JSON.stringify(counts)} (boot ${1.5} s, poll 0.1 s)`);
    expect(counts["GET /ssh-keys"]).toBe(1);
    expect(counts["POST /ssh-keys"]).toBe(1);
    expect(counts["GET /instances"]).toBe(4);
    expect(counts["POST /instance-operations/launch"]).toBe(4);
    expect(counts["GET /instances/{id}"]).toBeGreaterThanOrEqual(4);
    expect(standIn.violations).toEqual([]);
  });

  it("a second up changes nothing and sends no request", async () => {
    const before = standIn.requests.length;
    const r = await up(ws);
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/7 unchanged/);
    expect(standIn.requests.length).toBe(before);
  });

  it("a preempted node leaves the state on refresh; the next up replaces it, and a lost launch response rents no second machine", async () => {
    const core = standIn.live("sophia-ai-core")[0]!;
    standIn.preempt(core.id);
    const refresh = await ws.run(["refresh", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(refresh.code, text(refresh)).toBe(0);
    expect(text(refresh)).toContain(`instance ${core.id} is preempted; the next up launches a new one`);
    standIn.loseNextLaunch();
    const r = await up(ws);
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/\+ 1 created/);
    const cores = standIn.live("sophia-ai-core").filter((i) => i.status !== "preempted");
    expect(cores).toHaveLength(1);
    expect(cores[0]!.id).not.toBe(core.id);
    const launches = standIn.requests.filter((q) => q.path === "/instance-operations/launch");
    expect(launches.at(-1)!.status).toBe(0); // the dropped one: found again, not sent twice
    const out = JSON.parse(ws.must(["stack", "output", "--json"]).stdout) as {
      nodes: Record<string, { instanceId: string }>;
    };
    expect(out.nodes["sophia-ai-core"]?.instanceId).toBe(cores[0]!.id);
  });

  it("no capacity: the error names the instance type and the regions that have it now", async () => {
    standIn.removeCapacity("gpu_1x_a100", "us-east-1");
    setNodes(ws, [...PRODUCTION_NODES, { name: "sophia-batch-2", nodeClass: "a100", region: "us-east-1" }]);
    const r = await up(ws);
    expect(r.code).not.toBe(0);
    expect(text(r)).toContain(
      "Lambda instance sophia-batch-2: launch failed: instance-operations/launch/insufficient-capacity: no gpu_1x_a100 capacity in us-east-1; regions with gpu_1x_a100 capacity now: us-west-1.",
    );
    expect(standIn.live("sophia-batch-2")).toEqual([]);
  });

  it("the API key and the private key never appear in plaintext in state or output", () => {
    const exported = ws.must(["stack", "export"]).stdout;
    expect(exported).not.toContain(API_KEY);
    expect(exported).not.toContain(sshKey.private.split("\n")[1]!);
    expect(exported).toContain(sshKey.public.split(" ")[1]!); // the public half is readable
    const shown = ws.must(["stack", "output", "--json"]).stdout;
    expect(shown).not.toContain(API_KEY);
  });

  it("destroy terminates every instance, waits, and removes the key", async () => {
    setNodes(ws, PRODUCTION_NODES);
    const r = await ws.run(["destroy", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(r.code, text(r)).toBe(0);
    expect(standIn.live().filter((i) => i.status !== "preempted")).toEqual([]);
    expect(standIn.sshKeys.size).toBe(0);
    expect(standIn.violations).toEqual([]);
    expect(text(r)).not.toContain(API_KEY);
  });
});

describe("account errors through the real engine", () => {
  let standIn: LambdaStandIn;
  beforeAll(async () => {
    standIn = await LambdaStandIn.start({ apiKey: API_KEY, contract, bootDelayMs: 300, quota: 1 });
  });
  afterAll(async () => standIn?.stop());

  it("a wrong API key (401) is one clear error naming the resource and the fix, without the key", async () => {
    const wrong = `secret_wrong_${Date.now().toString(16)}`;
    const ws = stack(standIn, PRODUCTION_NODES.slice(0, 1), wrong);
    try {
      const r = await up(ws);
      expect(r.code).not.toBe(0);
      expect(text(r)).toContain(
        "Lambda SSH key sophia-test: listing SSH keys failed: global/invalid-api-key (HTTP 401): API key was invalid, expired, or deleted.",
      );
      expect(text(r)).toContain("Fix: check config apiKey");
      expect(text(r)).not.toContain(wrong);
      expect(standIn.live()).toEqual([]);
    } finally {
      ws.cleanup();
    }
  });

  it("an exceeded quota is one clear error naming the node", async () => {
    const ws = stack(standIn, PRODUCTION_NODES.slice(0, 2));
    try {
      const r = await up(ws);
      expect(r.code).not.toBe(0);
      expect(text(r)).toMatch(
        /Lambda instance sophia-(ai-core|mcp-orchestrator): launch failed: global\/quota-exceeded \(HTTP 400\): Quota exceeded\./,
      );
      expect(standIn.live()).toHaveLength(1);
      expect(standIn.violations).toEqual([]);
      await ws.run(["destroy", "--yes", "--skip-preview", "--suppress-progress"]);
    } finally {
      ws.cleanup();
    }
  });
});
