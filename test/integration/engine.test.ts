/**
 * The real engine end to end: the pinned CLI, the Node.js language host and the Kubernetes plugin,
 * on throwaway file backends. dev goes up twice against a real local API server (the second run
 * changes nothing) and is destroyed;
 * production and staging are previewed from their stack files plus their ESC definitions resolved
 * with fixture secrets.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { fixtureSecret, resolveEscConfig } from "../harness/esc";
import { LocalKube } from "../harness/kube";
import { LocalWeaviate } from "../harness/weaviate";
import {
  parseJson,
  prepareDevStack,
  prepareEscStack,
  PulumiWorkspace,
  toolchainEnv,
  type PreviewJson,
} from "../harness/pulumi";

let env: Record<string, string>;
beforeAll(() => {
  env = toolchainEnv();
});

describe("dev stack on the local Kubernetes API server: up, up again, destroy", () => {
  let ws: PulumiWorkspace;
  let kube: LocalKube;
  let weaviate: LocalWeaviate;
  let core: k8s.CoreV1Api;
  let net: k8s.NetworkingV1Api;

  beforeAll(async () => {
    kube = await LocalKube.start(env);
    weaviate = await LocalWeaviate.start(env);
    ws = new PulumiWorkspace(env);
    prepareDevStack(ws, {
      "sophia-infra:kubernetes.kubeconfigPath": kube.kubeconfigPath,
      "sophia-infra:weaviate.url": weaviate.url,
      "sophia-infra:weaviate.apiKeyPath": join(weaviate.dir, "api-key"),
    });
    ws.must([
      "config",
      "set",
      "--stack",
      "dev",
      "--path",
      "sophia-infra:weaviate.grpcPort",
      String(weaviate.grpcPort),
      "--type",
      "int",
    ]);
    core = kube.config().makeApiClient(k8s.CoreV1Api);
    net = kube.config().makeApiClient(k8s.NetworkingV1Api);
  });
  afterAll(async () => {
    ws?.cleanup();
    expect(await kube?.stop()).toEqual([]);
    expect(await weaviate?.stop()).toEqual([]);
  });

  it("the API server reports the Kubernetes version matching the pinned k3s minor", async () => {
    const version = await kube.config().makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toBe("v1.33.13");
    expect(`${version.major}.${version.minor}`).toBe("1.33");
  });

  it("the first up creates the namespaces and policies on the API server and the collections in Weaviate", async () => {
    const up = ws.must(["up", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(up.stdout).toMatch(/Resources:\s+\+ 15 created/);
    const client = await weaviate.client();
    try {
      expect((await client.collections.listAll()).map((c) => c.name).sort()).toEqual([
        "BusinessIntelligence",
        "SophiaMemory",
      ]);
    } finally {
      await client.close();
    }
    const namespaces = (await core.listNamespace({ labelSelector: "app.kubernetes.io/part-of=sophia" })).items;
    expect(namespaces.map((n) => n.metadata?.name).sort()).toEqual(["sophia-apps", "sophia-data", "sophia-mcp"]);
    for (const ns of namespaces) {
      expect(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      expect(ns.metadata?.annotations?.["pulumi.com/skipAwait"]).toBe("true");
      const policies = (await net.listNamespacedNetworkPolicy({ namespace: ns.metadata!.name! })).items;
      expect(policies.map((p) => p.metadata?.name).sort()).toEqual(["allow-dns", "default-deny"]);
      const deny = policies.find((p) => p.metadata?.name === "default-deny");
      expect(deny?.spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    }
  });

  it("the second run reports no changes", () => {
    const preview = ws.pulumi(["preview", "--stack", "dev", "--expect-no-changes", "--json"]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(parseJson<PreviewJson>(preview).changeSummary).toEqual({ same: 15 });
    const up = ws.must(["up", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(up.stdout).toMatch(/Resources:\s+15 unchanged/);
  });

  it("refresh finds the server's objects as they were created", () => {
    const refresh = ws.must(["refresh", "--stack", "dev", "--yes", "--suppress-progress"]);
    expect(refresh.stdout).toMatch(/Resources:\s+15 unchanged/);
  });

  it("outputs name the endpoints and layers, and state never holds a secret in plaintext", () => {
    const out = parseJson<Record<string, unknown>>(
      ws.must(["stack", "output", "--stack", "dev", "--json", "--show-secrets"]),
    );
    expect(out["environment"]).toBe("dev");
    expect(out["endpoints"]).toEqual({
      api: "https://api.sophia-dev.localhost",
      mcp: "https://mcp.sophia-dev.localhost",
      monitor: "https://monitor.sophia-dev.localhost",
    });
    expect(out["weaviateCollections"]).toEqual({
      SophiaMemory: "SophiaMemory",
      BusinessIntelligence: "BusinessIntelligence",
    });
    expect(out["kubernetesNamespaces"]).toEqual({
      "sophia-apps": "sophia-apps",
      "sophia-mcp": "sophia-mcp",
      "sophia-data": "sophia-data",
    });
    const exported = ws.must(["stack", "export", "--stack", "dev"]).stdout;
    const token = ws.must(["config", "get", "--stack", "dev", "sophia-infra:mcpGatewayToken"]).stdout.trim();
    expect(token).toMatch(/^dev-gateway-token-/);
    expect(exported).not.toContain(token);
    // The kubeconfig (with the admin client key) is a secret input of the provider.
    const key = readFileSync(kube.kubeconfigPath, "utf8").match(/client-key-data: (\S+)/)?.[1];
    expect(key).toBeTruthy();
    expect(exported).not.toContain(key!);
    expect(exported).not.toContain(weaviate.apiKey);
  });

  it("a wrong passphrase says so and changes nothing", () => {
    const r = ws.pulumi(["preview", "--stack", "dev"], {
      env: { PULUMI_CONFIG_PASSPHRASE_FILE: "", PULUMI_CONFIG_PASSPHRASE: "not-the-dev-passphrase" },
    });
    expect(r.code).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/incorrect passphrase/i);
  });

  it("destroy deletes every object and collection it created", async () => {
    ws.must(["destroy", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
    const client = await weaviate.client();
    try {
      expect(await client.collections.listAll()).toEqual([]);
    } finally {
      await client.close();
    }
    // No namespace controller runs here to finalize a deletion, so a deleted namespace may remain
    // Terminating; it must at least be marked for deletion, and its policies must be gone.
    const left = (await core.listNamespace({ labelSelector: "app.kubernetes.io/part-of=sophia" })).items;
    for (const ns of left) expect(ns.metadata?.deletionTimestamp, ns.metadata?.name).toBeTruthy();
    for (const name of ["sophia-apps", "sophia-data", "sophia-mcp"]) {
      expect((await net.listNamespacedNetworkPolicy({ namespace: name })).items).toEqual([]);
    }
  });
});

describe.each(["production", "staging"] as const)("%s preview (ESC resolved with fixtures)", (stack) => {
  let ws: PulumiWorkspace;

  beforeAll(() => {
    ws = new PulumiWorkspace(env, { passphrase: `throwaway-${stack}` });
    prepareEscStack(ws, stack);
  });
  afterAll(() => ws.cleanup());

  it("previews every namespace of the platform, warning about layers not built yet", () => {
    const r = ws.pulumi(["preview", "--stack", stack, "--json"]);
    const preview = parseJson<PreviewJson>(r);
    expect(r.code, r.stderr).toBe(0);
    const creates = (preview.steps ?? [])
      .filter((s) => s.op === "create")
      .map((s) => `${s.newState?.type}::${s.urn.split("::").at(-1)}`);
    expect(creates.filter((u) => u.startsWith("kubernetes:core/v1:Namespace")).sort()).toEqual(
      ["cert-manager", "gpu-operator", "ingress", "monitoring", "sophia-apps", "sophia-data", "sophia-mcp"].map(
        (n) => `kubernetes:core/v1:Namespace::platform-${n}`,
      ),
    );
    expect(creates).toContain("pulumi:providers:kubernetes::kubernetes");
    const warnings = (preview.diagnostics ?? []).filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings.some((w) => w.includes("postgres: enabled in config but not built yet"))).toBe(true);
  });

  it("never shows a fixture secret in the preview", () => {
    const r = ws.pulumi(["preview", "--stack", stack, "--diff"]);
    const text = `${r.stdout}${r.stderr}`;
    for (const [key, v] of Object.entries(resolveEscConfig(stack))) {
      if (v.secret && !key.endsWith("kubeconfig")) expect(text).not.toContain(v.value);
    }
    expect(text).not.toContain(fixtureSecret("kubernetes.kubeconfig").split("token: ")[1]!.split("\n")[0]);
  });
});

describe("bad config through the real engine", () => {
  let ws: PulumiWorkspace;
  afterAll(() => ws?.cleanup());

  it("one error lists a misspelled key, a wrong type and a missing secret, and nothing is registered", () => {
    ws = new PulumiWorkspace(env, { passphrase: "throwaway-bad" });
    ws.write(
      "Pulumi.bad.yaml",
      [
        "config:",
        "  sophia-infra:environment: staging",
        "  sophia-infra:domain: staging.sophia-intel.ai",
        "  sophia-infra:kubernetes: { target: render }",
        "  sophia-infra:monitoring: { mode: skip }",
        "  sophia-infra:mcp: { mode: skip }",
        "  sophia-infra:postgres: { instancez: 3 }",
        "  sophia-infra:redis: { replicas: three }",
        "  sophia-infra:weaviate: { mode: cloud, url: 'https://sophia.weaviate.cloud' }",
        "",
      ].join("\n"),
    );
    ws.must(["stack", "init", "bad", "--secrets-provider", "passphrase"]);
    const r = ws.pulumi(["up", "--stack", "bad", "--yes", "--skip-preview"]);
    expect(r.code).not.toBe(0);
    const text = `${r.stdout}${r.stderr}`;
    expect(text).toContain('Stack "bad" has 3 configuration problems; nothing was registered or changed.');
    expect(text).toContain('sophia-infra:postgres has unknown key "instancez"');
    expect(text).toContain('sophia-infra:redis.replicas must be number, got string "three"');
    expect(text).toContain("sophia-infra:weaviateApiKey is a required secret (weaviate.mode is cloud) and is not set");
    // Only the stack resource itself exists: no provider, no namespace.
    const state = JSON.parse(ws.must(["stack", "export", "--stack", "bad"]).stdout) as {
      deployment: { resources?: { type: string }[] };
    };
    expect((state.deployment.resources ?? []).map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack")).toEqual(
      [],
    );
  });
});
