/**
 * End to end: one `pulumi up` goes launch → SSH → k3s → kubeconfig. The real engine runs the stack's
 * own wiring (stacks/lambda.ts's launch plan, stacks/cluster.ts's `clusterNodes`) in a fixture program
 * (test/fixtures/lambda-cluster-program) against the Lambda Cloud API STAND-IN
 * (test/harness/lambda-standin.ts), whose instances get the addresses of test hosts on this machine
 * (network namespaces with their own sshd: test/harness/hosts.ts). On them the k3s STAND-IN
 * (test/fixtures/k3s-standin) takes k3s's place and serves a real kube-apiserver, so the fetched
 * kubeconfig must reach a real API server. Then Lambda takes an agent's machine back (preemption)
 * and that machine disappears: a refresh notices, and the next `up` launches a new instance and joins
 * it to the cluster under the same node name.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { TestHost, TestHosts } from "../harness/hosts";
import { K3S_STANDIN, STANDIN_RECORDS, startK3sHosts } from "../harness/k3s-hosts";
import { LambdaContract } from "../harness/lambda-contract";
import { configureLambdaApi, LambdaStandIn } from "../harness/lambda-standin";
import { PulumiWorkspace, toolchainEnv, type RunResult } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";

const fixture = join(repoRoot, "test", "fixtures", "lambda-cluster-program");
const API_KEY = `secret_sophia-test_${Date.now().toString(16)}c1a5e7`;
/** The stand-in's machines are amd64 test hosts: amd64 classes only (a GH200 is arm64). */
const CLUSTER = {
  mode: "k3s",
  name: "e2e",
  k3sVersion: "v1.33.5+k3s1",
  privateNetwork: false,
  tlsSans: [],
  install: { mode: "airgap", directory: K3S_STANDIN },
  nodes: [
    {
      name: "e2e-core",
      class: "rtx6000",
      role: "server",
      machine: { source: "lambda", region: "us-east-1", sshUser: "root" },
    },
    {
      name: "e2e-mcp",
      class: "a6000",
      role: "agent",
      machine: { source: "lambda", region: "us-east-1", sshUser: "root" },
    },
    {
      name: "e2e-batch",
      class: "a100",
      role: "agent",
      machine: { source: "lambda", region: "us-east-1", sshUser: "root" },
    },
  ],
};
/** Three machines for the first launch, a fourth for the instance that replaces a preempted one. */
const HOSTS = ["m1", "m2", "m3", "m4"];

let env: Record<string, string>;
let hosts: TestHosts;
let standIn: LambdaStandIn;
let ws: PulumiWorkspace;
const timings: Record<string, number> = {};

const text = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

async function timed(label: string, args: string[]): Promise<RunResult> {
  const started = Date.now();
  const r = await ws.run(args);
  timings[label] = (Date.now() - started) / 1000;
  if (r.code !== 0) throw new Error(`pulumi ${args[0]} failed (${r.code}):\n${text(r)}`);
  return r;
}

const hostAt = (ip: string): TestHost => hosts.hosts.find((h) => h.address === ip)!;

function hostFile(h: TestHost, path: string): string {
  const file = h.path(path);
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

function instances(): Record<string, { ip: string; id: string }> {
  return JSON.parse(ws.must(["stack", "output", "instances", "--json"]).stdout) as Record<
    string,
    { ip: string; id: string }
  >;
}

function core(): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(ws.must(["stack", "output", "kubeconfig", "--show-secrets"]).stdout.trim());
  return kc.makeApiClient(k8s.CoreV1Api);
}

beforeAll(async () => {
  env = toolchainEnv();
  hosts = await startK3sHosts(env, HOSTS);
  const contract = await LambdaContract.load();
  standIn = await LambdaStandIn.start({
    apiKey: API_KEY,
    contract,
    bootDelayMs: 500,
    terminateDelayMs: 200,
    addresses: hosts.hosts.map((h) => h.address),
  });
  ws = new PulumiWorkspace(env, { passphrase: "lambda-cluster-test", projectSource: fixture });
  ws.must(["stack", "init", "e2e", "--secrets-provider", "passphrase"]);
  configureLambdaApi(ws, standIn, API_KEY);
  ws.must(["config", "set", "privateKeyFile", join(hosts.dir, "id_ed25519")]);
  ws.must(["config", "set", "standin", K3S_STANDIN]);
  ws.must(["config", "set", "cluster", JSON.stringify(CLUSTER)]);
}, 600_000);

afterAll(async () => {
  console.log(`[lambda-cluster] seconds: ${JSON.stringify(timings)}`);
  ws?.cleanup();
  await standIn?.stop();
  await hosts?.stop();
});

describe("Lambda Cloud machines bootstrapped into k3s (real engine, API and k3s stand-ins, test hosts)", () => {
  it("one up launches the instances, bootstraps k3s on their addresses and yields a working kubeconfig", async () => {
    const before = standIn.requests.length;
    await timed("first up", ["up", "--yes", "--skip-preview", "--suppress-progress"]);
    timings["API requests of the first up"] = standIn.requests.length - before;
    const launched = instances();
    expect(Object.keys(launched).sort()).toEqual(["e2e-batch", "e2e-core", "e2e-mcp"]);
    const used = new Set(Object.values(launched).map((i) => i.ip));
    expect(used.size).toBe(3);
    for (const [name, { ip }] of Object.entries(launched)) {
      const h = hostAt(ip);
      expect(h, `${name} at ${ip}`).toBeDefined();
      // The machine at the instance's address got this node's config and ran k3s with its role.
      const config = hostFile(h, `${STANDIN_RECORDS}/config-0.yaml`);
      expect(config, name).toContain(`node-name: ${name}\n`);
      expect(config, name).toContain(`node-external-ip: ${ip}\n`);
      if (name !== "e2e-core") expect(config, name).toContain(`server: https://${launched["e2e-core"]!.ip}:6443\n`);
    }
    // The kubeconfig reaches the real API server on the launched server, from outside the host.
    expect(ws.must(["stack", "output", "serverAddress"]).stdout.trim()).toBe(
      `https://${launched["e2e-core"]!.ip}:6443`,
    );
    const nodes = await core().listNode();
    expect(nodes.items.map((n) => n.metadata!.name).sort()).toEqual(["e2e-batch", "e2e-core", "e2e-mcp"]);
    expect(nodes.items.find((n) => n.metadata!.name === "e2e-batch")!.metadata!.labels).toMatchObject({
      "nvidia.com/device-plugin.config": "a100",
    });
    expect(standIn.violations).toEqual([]);
  });

  it("a second up changes nothing", async () => {
    const r = await timed("second up", ["up", "--yes", "--skip-preview", "--expect-no-changes", "--suppress-progress"]);
    expect(r.stdout).not.toMatch(/[+~-] \d+ (created|updated|deleted|replaced)/);
  });

  it("a preempted agent whose machine is gone is replaced and re-joined under its name by refresh + up", async () => {
    const old = instances()["e2e-batch"]!;
    const oldHost = hostAt(old.ip);
    standIn.preempt(old.id);
    await oldHost.kill(); // the machine is gone: nothing answers SSH at its address any more
    await timed("refresh", ["refresh", "--yes", "--skip-preview", "--suppress-progress"]);
    const r = await timed("up after preemption", ["up", "--yes", "--skip-preview", "--suppress-progress"]);
    const now = instances()["e2e-batch"]!;
    expect(now.id).not.toBe(old.id);
    expect(now.ip).not.toBe(old.ip);
    const fresh = hostAt(now.ip);
    // The new machine joined under the node's name: the server forgot the old node first, since
    // k3s (and the stand-in) refuse a known name from a machine with another node password.
    const events = hostFile(fresh, `${STANDIN_RECORDS}/events.log`);
    expect(events).toContain("registered e2e-batch");
    expect(events).not.toContain("error");
    const password = createHash("sha256").update(hostFile(fresh, "/etc/rancher/node/password")).digest("hex");
    const secret = await core().readNamespacedSecret({ name: "e2e-batch.node-password.k3s", namespace: "kube-system" });
    expect(Buffer.from(secret.data!["hash"]!, "base64").toString()).toBe(password);
    const node = await core().readNode({ name: "e2e-batch" });
    expect(node.metadata!.labels).toMatchObject({ "nvidia.com/device-plugin.config": "a100" });
    // Only that node was touched: the others' machines ran k3s once.
    for (const name of ["e2e-core", "e2e-mcp"]) {
      const calls = hostFile(hostAt(instances()[name]!.ip), `${STANDIN_RECORDS}/calls.log`).trim().split("\n");
      expect(calls, name).toHaveLength(1);
    }
    expect(text(r)).not.toContain(API_KEY);
    await timed("up after the replacement", [
      "up",
      "--yes",
      "--skip-preview",
      "--expect-no-changes",
      "--suppress-progress",
    ]);
  });

  it("no API key, SSH key, token or kubeconfig is in plaintext in the state", () => {
    const state = ws.must(["stack", "export"]).stdout;
    expect(state).not.toContain(API_KEY);
    expect(state).not.toContain(readFileSync(join(hosts.dir, "id_ed25519"), "utf8").split("\n")[1]!);
    expect(state).not.toContain("client-key-data");
  });

  it("destroy uninstalls k3s, then terminates every instance and removes the key", async () => {
    await timed("destroy", ["destroy", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(standIn.live().filter((i) => i.status !== "preempted")).toEqual([]);
    expect(standIn.sshKeys.size).toBe(0);
    expect(standIn.violations).toEqual([]);
  });
});
