/**
 * The cluster rehearsal: the real engine runs `pulumi up` of the K3sCluster component (fixture
 * program test/fixtures/cluster-program) against four test hosts on this machine (network, PID and
 * mount namespaces, each with its own sshd: test/harness/hosts.ts): one server and three agents.
 * The test-only k3s stand-in (test/fixtures/k3s-standin) takes the k3s binary's place, copied over
 * SSH like an air-gapped release and verified against its checksum file; it records what it was
 * run with, and the server serves the project's real kube-apiserver and etcd on the host's :6443.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { renderK3sConfig, type K3sClusterShape, type K3sNodeSpec } from "../../components/cluster";
import type { TestHost, TestHosts } from "../harness/hosts";
import {
  clusterWorkspace,
  initClusterStack,
  rehearsalNodes,
  STANDIN_RECORDS,
  startK3sHosts,
} from "../harness/k3s-hosts";
import { parseJson, PulumiWorkspace, toolchainEnv } from "../harness/pulumi";

const STACK = "rehearsal";
const REC = STANDIN_RECORDS;

let env: Record<string, string>;
let hosts: TestHosts;
let ws: PulumiWorkspace;
let nodes: K3sNodeSpec[];
const logs: string[] = [];

const names = ["server", "agent-1", "agent-2", "agent-3"];

function host(name: string): TestHost {
  return hosts.hosts.find((h) => h.name === name)!;
}

/** A file the host wrote (its overlay), or "" when absent. */
function hostFile(name: string, path: string): string {
  const file = host(name).path(path);
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** The stand-in's events on a host: [epoch-ms, event, detail]. */
function events(name: string): { t: number; event: string }[] {
  return hostFile(name, `${REC}/events.log`)
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [t, event] = l.split(" ");
      return { t: Number(t), event: event! };
    });
}

function calls(name: string): string[] {
  return hostFile(name, `${REC}/calls.log`)
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" ").slice(1).join(" "));
}

function setNodes(list: K3sNodeSpec[]): void {
  nodes = list;
  ws.must(["config", "set", "--stack", STACK, "nodes", JSON.stringify(list)]);
}

async function up(...extra: string[]): Promise<string> {
  const r = await ws.run(["up", "--stack", STACK, "--yes", "--skip-preview", "--diff", ...extra]);
  logs.push(r.stdout, r.stderr);
  if (r.code !== 0) throw new Error(`pulumi up failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function kubeClient(kubeconfig: string): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  return kc.makeApiClient(k8s.CoreV1Api);
}

function kubeconfigOutput(): string {
  return ws.must(["stack", "output", "--stack", STACK, "kubeconfig", "--show-secrets"]).stdout.trim();
}

beforeAll(async () => {
  env = toolchainEnv();
  hosts = await startK3sHosts(env, names);
  ws = clusterWorkspace(env);
  nodes = rehearsalNodes(hosts);
  initClusterStack(ws, STACK, hosts, nodes);
}, 600_000);

afterAll(async () => {
  if (ws) {
    await ws.run(["destroy", "--stack", STACK, "--yes", "--skip-preview"]);
    ws.cleanup();
  }
  await hosts?.stop();
});

const shape = (): K3sClusterShape => ({ nodes, privateNetwork: false });

describe("k3s over SSH on four test hosts (real engine, k3s stand-in)", () => {
  it("the first up installs the server, then the agents in parallel, each with its own config", async () => {
    await up();
    for (const n of nodes) {
      // Exactly the rendered config, as k3s received it.
      expect(hostFile(n.name, `${REC}/config-0.yaml`), n.name).toBe(renderK3sConfig(shape(), n));
      expect(calls(n.name), n.name).toEqual([n.role]);
    }
    // The install returns once the API answers; the agents start after that.
    const serverReady = events("server").find((e) => e.event === "server-api-ready")!.t;
    const agentStarts = names.slice(1).map((a) => events(a).find((e) => e.event === "agent-start")!.t);
    const agentReady = names.slice(1).map((a) => events(a).find((e) => e.event === "agent-ready")!.t);
    // Server before agents; the agents' start-up windows overlap (they run in parallel).
    expect(Math.min(...agentStarts)).toBeGreaterThan(serverReady);
    expect(Math.max(...agentStarts)).toBeLessThan(Math.min(...agentReady));
  });

  it("the exported kubeconfig is a secret that reaches the real API server from outside the hosts", async () => {
    expect(ws.must(["stack", "output", "--stack", STACK, "kubeconfig"]).stdout.trim()).toBe("[secret]");
    const kubeconfig = kubeconfigOutput();
    expect(kubeconfig).toContain(`server: https://${host("server").address}:6443`);
    expect(kubeconfig).toContain("current-context: rehearsal");
    const api = kubeClient(kubeconfig);
    const list = (await api.listNode()).items;
    expect(list.map((n) => n.metadata?.name).sort()).toEqual([...names].sort());
    const agent2 = list.find((n) => n.metadata?.name === "agent-2")!;
    expect(agent2.metadata?.labels).toMatchObject({
      "sophia-intel.ai/node-class": "a100",
      "nvidia.com/device-plugin.config": "a100",
    });
    // Ours; the API server adds node.kubernetes.io/not-ready itself (no kubelet reports here).
    expect(agent2.spec?.taints?.filter((t) => t.key.startsWith("sophia-intel.ai/"))).toEqual([
      { key: "sophia-intel.ai/node-class", value: "a100", effect: "NoSchedule" },
    ]);
  });

  it("a second up changes nothing, runs nothing on the hosts, and keeps the kubeconfig byte for byte", async () => {
    const before = kubeconfigOutput();
    const callsBefore = names.map(calls);
    const out = await up();
    expect(out).not.toMatch(/[+~-]\d+ (created|updated|deleted|replaced)/);
    expect(out).toMatch(/\d+ unchanged/);
    expect(names.map(calls)).toEqual(callsBefore);
    expect(kubeconfigOutput()).toBe(before);
  });

  it("changing one node's class relabels only that node, through the API", async () => {
    const callsBefore = names.map(calls);
    setNodes(nodes.map((n) => (n.name === "agent-2" ? { ...n, class: "a6000" } : n)));
    const preview = parseJson<{ steps?: { op: string; urn: string }[] }>(
      ws.must(["preview", "--stack", STACK, "--json"]),
    );
    const touched = new Set((preview.steps ?? []).filter((s) => s.op !== "same").map((s) => s.urn.split("::").at(-1)!));
    for (const name of touched) expect(name).toMatch(/^rehearsal-agent-2-/);
    expect(touched).toContain("rehearsal-agent-2-labels");
    await up();
    // Only agent-2's k3s restarted (its config changed); the others ran nothing.
    expect(names.map(calls).map((c, i) => c.length - callsBefore[i]!.length)).toEqual([0, 0, 1, 0]);
    const node = await kubeClient(kubeconfigOutput()).readNode({ name: "agent-2" });
    expect(node.metadata?.labels?.["sophia-intel.ai/node-class"]).toBe("a6000");
    expect(node.metadata?.labels?.["nvidia.com/device-plugin.config"]).toBe("a6000");
    expect(node.spec?.taints?.filter((t) => t.key.startsWith("sophia-intel.ai/"))).toEqual([
      { key: "sophia-intel.ai/node-class", value: "a6000", effect: "NoSchedule" },
    ]);
    // k3s itself only registered it once: the new labels came through the API.
    expect(events("agent-2").filter((e) => e.event === "registered")).toHaveLength(1);
  });

  it("a version bump upgrades one node at a time, server first, draining and uncordoning agents", async () => {
    const counts = names.map((n) => calls(n).length);
    ws.must(["config", "set", "--stack", STACK, "k3sVersion", "v1.33.6+k3s1"]);
    await up();
    // Each node restarted once, and each restart finished before the next began.
    const windows = names.map((n, i) => {
      const ev = events(n);
      const start = ev.filter((e) => e.event.endsWith("-start")).at(-1)!.t;
      // Back: the first readiness after that start (for the server, its API answering).
      const ready = ev.find((e) => e.t >= start && e.event.endsWith("-ready"))!.t;
      expect(calls(n).length - counts[i]!, n).toBe(1);
      return [start, ready] as const;
    });
    for (let i = 1; i < windows.length; i++) expect(windows[i]![0]).toBeGreaterThan(windows[i - 1]![1]);
    for (const n of names) expect(hostFile(n, "/var/lib/rancher/sophia/installed-version").trim()).toBe("v1.33.6+k3s1");
    const state = ws.must(["stack", "export", "--stack", STACK]).stdout;
    expect(state).toContain("drained agent-1");
    expect(state).toContain("uncordoned agent-3");
    const list = (await kubeClient(kubeconfigOutput()).listNode()).items;
    for (const n of list) expect(n.spec?.unschedulable ?? false, n.metadata?.name).toBe(false);
  });

  it("an upgrade stops at the first failing node, naming it; the next up resumes and skips finished nodes", async () => {
    const counts = names.map((n) => calls(n).length);
    // A corrupted binary on agent-2: its upgrade fails the checksum before k3s is touched.
    const corrupt = await host("agent-2").exec("printf corrupted > /var/lib/rancher/sophia/release/k3s");
    expect(corrupt.code).toBe(0);
    ws.must(["config", "set", "--stack", STACK, "k3sVersion", "v1.33.7+k3s1"]);
    const failed = await ws.run(["up", "--stack", STACK, "--yes", "--skip-preview"]);
    logs.push(failed.stdout, failed.stderr);
    expect(failed.code).not.toBe(0);
    const text = failed.stdout + failed.stderr;
    expect(text).toContain("upgrading node agent-2 to v1.33.7+k3s1 failed (finished: server, agent-1;");
    expect(text).toContain("checksum mismatch");
    const version = (n: string) => hostFile(n, "/var/lib/rancher/sophia/installed-version").trim();
    expect(names.map(version)).toEqual(["v1.33.7+k3s1", "v1.33.7+k3s1", "v1.33.6+k3s1", "v1.33.6+k3s1"]);
    // Stopped there: agent-3 was not touched.
    expect(names.map((n, i) => calls(n).length - counts[i]!)).toEqual([1, 1, 0, 0]);
    // --refresh sees the drifted file and copies it again; the upgrade resumes at agent-2.
    await up("--refresh");
    expect(names.map(version)).toEqual(names.map(() => "v1.33.7+k3s1"));
    expect(names.map((n, i) => calls(n).length - counts[i]!)).toEqual([1, 1, 1, 1]);
    const list = (await kubeClient(kubeconfigOutput()).listNode()).items;
    for (const n of list) expect(n.spec?.unschedulable ?? false, n.metadata?.name).toBe(false);
  });

  it("no token, key or kubeconfig credential appears in plaintext in state, outputs or logs", () => {
    const token = hostFile("server", "/etc/rancher/k3s/cluster-token").trim();
    const agentToken = hostFile("server", "/etc/rancher/k3s/agent-token").trim();
    const clientKey = /client-key-data: (\S+)/.exec(hostFile("server", "/etc/rancher/k3s/k3s.yaml"))?.[1];
    const keyBody = hosts.privateKey.split("\n")[1]!;
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(agentToken).toMatch(/^[0-9a-f]{64}$/);
    expect(agentToken).not.toBe(token);
    expect(clientKey).toBeTruthy();
    const state = ws.must(["stack", "export", "--stack", STACK]).stdout;
    const outputs = ws.must(["stack", "output", "--stack", STACK, "--json"]).stdout;
    for (const text of [state, outputs, ...logs]) {
      for (const secret of [token, agentToken, clientKey!, keyBody]) expect(text).not.toContain(secret);
    }
  });

  it("removing a node drains it, deletes it from the cluster, then uninstalls k3s there", async () => {
    setNodes(nodes.filter((n) => n.name !== "agent-3"));
    await up();
    const list = (await kubeClient(kubeconfigOutput()).listNode()).items;
    expect(list.map((n) => n.metadata?.name).sort()).toEqual(["agent-1", "agent-2", "server"]);
    expect(hostFile("agent-3", "/etc/rancher/k3s/config.yaml")).toBe("");
    expect(existsSync(host("agent-3").path("/usr/local/bin/k3s"))).toBe(false);
    expect(events("agent-3").at(-1)?.event).toBe("stopped");
    expect(hostFile("agent-1", "/etc/rancher/k3s/config.yaml")).not.toBe("");
  });

  it("destroy removes k3s from every machine", async () => {
    const r = await ws.run(["destroy", "--stack", STACK, "--yes", "--skip-preview"]);
    logs.push(r.stdout, r.stderr);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const n of names) {
      expect(existsSync(host(n).path("/usr/local/bin/k3s")), n).toBe(false);
      expect(hostFile(n, "/etc/rancher/k3s/config.yaml"), n).toBe("");
    }
  });

  it("an up killed mid-bootstrap is finished by the next up", async () => {
    setNodes(rehearsalNodes(hosts));
    const starts = events("server").filter((e) => e.event === "server-start").length;
    let kill: (signal: NodeJS.Signals) => void = () => undefined;
    const run = ws.run(["up", "--stack", STACK, "--yes", "--skip-preview"], { onStart: (k) => (kill = k) });
    // Kill the engine once the server's k3s is starting (the agents have not joined yet).
    for (let i = 0; i < 600; i++) {
      if (events("server").filter((e) => e.event === "server-start").length > starts) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    kill("SIGKILL");
    const killed = await run;
    expect(killed.code).not.toBe(0);
    // A killed engine leaves its lock behind; on a file backend the operator deletes it (the
    // process is gone). The next up then finishes the bootstrap: every step is idempotent.
    rmSync(join(ws.dir, "state", ".pulumi", "locks"), { recursive: true, force: true });
    await up();
    const list = (await kubeClient(kubeconfigOutput()).listNode()).items;
    expect(list.map((n) => n.metadata?.name).sort()).toEqual([...names].sort());
    const again = await up();
    expect(again).not.toMatch(/[+~-]\d+ (created|updated|deleted|replaced)/);
    const r = await ws.run(["destroy", "--stack", STACK, "--yes", "--skip-preview"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it("an unreachable machine fails after bounded retries, naming the node and its address", async () => {
    const stack = "unreachable";
    const ghost: K3sNodeSpec = {
      name: "ghost",
      address: hosts.unreachableAddress,
      sshUser: "root",
      class: "a100",
      role: "server",
      arch: "amd64",
    };
    initClusterStack(ws, stack, hosts, [ghost], { dialErrorLimit: "3", perDialTimeout: "2" });
    const r = await ws.run(["up", "--stack", stack, "--yes", "--skip-preview"]);
    logs.push(r.stdout, r.stderr);
    expect(r.code).not.toBe(0);
    const text = r.stdout + r.stderr;
    expect(text).toContain("rehearsal-ghost-ssh");
    expect(text).toContain(hosts.unreachableAddress);
    // 3 dials of at most 2 s with backoff in between, plus the engine's start-up.
    expect(r.seconds).toBeLessThan(60);
    ws.must(["stack", "rm", "--stack", stack, "--force", "--yes"]);
  });

  it("a host presenting another key is refused, naming the host", async () => {
    setNodes([
      {
        name: "server",
        address: host("server").address,
        sshUser: "root",
        class: "rtx6000",
        role: "server",
        arch: "amd64",
      },
    ]);
    await up();
    await host("server").restart({ newHostKey: true });
    setNodes([{ ...nodes[0]!, class: "a100" }]);
    const r = await ws.run(["up", "--stack", STACK, "--yes", "--skip-preview"]);
    logs.push(r.stdout, r.stderr);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/host key/i);
    expect(r.stdout + r.stderr).toContain(host("server").address);
    // The machine goes away with the test: forget the stack's resources without contacting it.
    ws.must(["stack", "rm", "--stack", STACK, "--force", "--yes"]);
    ws.must(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
  });
});
