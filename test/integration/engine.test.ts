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
import { readStackOutputs } from "../../stacks/outputs";
import { LocalKube } from "../harness/kube";
import { repoRoot } from "../harness/stack-config";
import { LocalWeaviate } from "../harness/weaviate";
import {
  parseJson,
  prepareLocalDevStack,
  prepareEscStack,
  PulumiWorkspace,
  toolchainEnv,
  type PreviewJson,
} from "../harness/pulumi";

/**
 * Resources of the dev stack: stack, provider, namespaces and their policies, Weaviate collections, Redis,
 * Postgres (operator manifest objects, Cluster, credentials, bootstrap SQL, policy), the 16 MCP
 * servers (7 or 8 objects each), the backend and the 5 inference services.
 */
const DEV_RESOURCES = 209;

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
    prepareLocalDevStack(ws, { kubeconfigPath: kube.kubeconfigPath, weaviate });
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

  it("the first up creates the namespaces, policies, Redis and Postgres on the API server and the collections in Weaviate", async () => {
    const up = await ws.mustRun(["up", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(up.stdout).toMatch(new RegExp(`Resources:\\s+\\+ ${DEV_RESOURCES} created`));
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
    expect(namespaces.map((n) => n.metadata?.name).sort()).toEqual([
      "cnpg-system",
      "sophia-apps",
      "sophia-data",
      "sophia-mcp",
    ]);
    for (const ns of namespaces) {
      expect(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      expect(ns.metadata?.annotations?.["pulumi.com/skipAwait"]).toBe("true");
      const policies = (await net.listNamespacedNetworkPolicy({ namespace: ns.metadata!.name! })).items;
      // The namespace's own two, plus one per workload that gets its own policy.
      expect(policies.map((p) => p.metadata?.name)).toEqual(expect.arrayContaining(["allow-dns", "default-deny"]));
      const deny = policies.find((p) => p.metadata?.name === "default-deny");
      expect(deny?.spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    }
  });

  it("Redis, Postgres and the applications are stored as the components define them", async () => {
    const kc = kube.config();
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const sts = await kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedStatefulSet({ name: "redis", namespace: "sophia-data" });
    expect(sts.spec?.replicas).toBe(3);
    expect(sts.spec?.template.spec?.containers.map((c) => c.image)).toEqual([
      "redis:8.2.2-alpine",
      "redis:8.2.2-alpine",
    ]);
    type CnpgCluster = k8s.KubernetesObject & {
      spec: { instances: number; bootstrap: { initdb: { database: string } } };
    };
    const cluster = await objects.read<CnpgCluster>({
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: "postgres", namespace: "sophia-data" },
    });
    expect(cluster.spec.instances).toBe(1);
    expect(cluster.spec.bootstrap.initdb.database).toBe("sophia");
    const sql = await core.readNamespacedConfigMap({ name: "postgres-bootstrap-sql", namespace: "sophia-data" });
    expect(sql.data?.["schema.sql"]).toContain("CREATE EXTENSION IF NOT EXISTS vector;");
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    expect((await apps.listNamespacedDeployment({ namespace: "sophia-mcp" })).items).toHaveLength(16);
    expect(
      (await apps.listNamespacedDeployment({ namespace: "sophia-apps" })).items.map((d) => d.metadata?.name).sort(),
    ).toEqual([
      "inference-analyze",
      "inference-classify",
      "inference-embed",
      "inference-generate",
      "inference-summarize",
      "sophia-backend",
    ]);
  });

  it("the second run reports no changes", async () => {
    const preview = await ws.run(["preview", "--stack", "dev", "--expect-no-changes", "--json"]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(parseJson<PreviewJson>(preview).changeSummary).toEqual({ same: DEV_RESOURCES });
    const up = await ws.mustRun(["up", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(up.stdout).toMatch(new RegExp(`Resources:\\s+${DEV_RESOURCES} unchanged`));
  });

  it("refresh finds the server's objects as they were created", async () => {
    const refresh = await ws.mustRun(["refresh", "--stack", "dev", "--yes", "--suppress-progress"]);
    expect(refresh.stdout).toMatch(new RegExp(`Resources:\\s+${DEV_RESOURCES} unchanged`));
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
      "cnpg-system": "cnpg-system",
    });
    expect(out["dataServices"]).toEqual({
      postgres: {
        host: "postgres-rw.sophia-data.svc.cluster.local",
        database: "sophia",
        credentialsSecret: "postgres-app-credentials",
      },
      redis: {
        masterName: "sophia",
        sentinels: [0, 1, 2].map((i) => `redis-${i}.redis-headless.sophia-data.svc.cluster.local:26379`),
      },
    });
    expect(Object.keys(out["mcpServers"] as object)).toHaveLength(16);
    expect((out["mcpServers"] as Record<string, string>)["github"]).toBe("https://mcp.sophia-dev.localhost/mcp/github");
    // The outputs contract, read by the typed reader other tooling uses, with and without secrets.
    const shown = readStackOutputs(out, { showSecrets: true });
    expect(shown.values.contractVersion).toBe(2);
    expect(shown.secrets.kubeconfig.redacted).toBe(false);
    expect(shown.values.monthlyCostEstimate).toEqual({ currency: "USD", hoursPerMonth: 730, total: 0, byNode: {} });
    const plain = parseJson<Record<string, unknown>>(ws.must(["stack", "output", "--stack", "dev", "--json"]));
    expect(plain["kubeconfig"]).toBe("[secret]");
    expect(readStackOutputs(plain, { showSecrets: false }).secrets.kubeconfig).toEqual({ redacted: true });
    const exported = ws.must(["stack", "export", "--stack", "dev"]).stdout;
    const token = ws.must(["config", "get", "--stack", "dev", "sophia-infra:mcpGatewayToken"]).stdout.trim();
    expect(token).toMatch(/^dev-gateway-token-/);
    expect(exported).not.toContain(token);
    const redisPassword = ws.must(["config", "get", "--stack", "dev", "sophia-infra:redisPassword"]).stdout.trim();
    expect(redisPassword).toMatch(/^dev-redis-/);
    expect(exported).not.toContain(redisPassword);
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
    await ws.mustRun(["destroy", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
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
  let notes: string[];

  beforeAll(() => {
    ws = new PulumiWorkspace(env, { passphrase: `throwaway-${stack}` });
    notes = prepareEscStack(ws, stack);
  });
  afterAll(() => ws.cleanup());

  it("previews every namespace and platform service, the frontend left out and said so", async () => {
    const r = await ws.run(["preview", "--stack", stack, "--json"]);
    const preview = parseJson<PreviewJson>(r);
    expect(r.code, JSON.stringify(preview.diagnostics)).toBe(0);
    const steps = (preview.steps ?? []).filter((s) => s.op === "create");
    const creates = steps.map((s) => `${s.newState?.type}::${s.urn.split("::").at(-1)}`);
    expect(creates.filter((u) => u.startsWith("kubernetes:core/v1:Namespace")).sort()).toEqual(
      [
        "cert-manager",
        "cnpg-system",
        "gpu-operator",
        "ingress",
        "monitoring",
        "sophia-apps",
        "sophia-data",
        "sophia-mcp",
      ].map((n) => `kubernetes:core/v1:Namespace::platform-${n}`),
    );
    expect(creates).toContain("pulumi:providers:kubernetes::kubernetes");
    // Every chart, pinned.
    const releases = steps.filter((s) => s.newState?.type === "kubernetes:helm.sh/v3:Release");
    expect(
      releases.map((s) => `${String(s.newState?.inputs?.["name"])}@${String(s.newState?.inputs?.["version"])}`).sort(),
    ).toEqual([
      "alloy@1.4.0",
      "cert-manager@v1.21.2",
      "envoy-gateway@v1.9.1",
      "gpu-operator@v25.10.1",
      "kube-prometheus-stack@79.5.0",
      "loki@6.46.0",
      "plugin-barman-cloud@0.8.1",
    ]);
    const gpu = releases.find((s) => s.newState?.inputs?.["name"] === "gpu-operator")?.newState?.inputs?.["values"];
    expect(gpu).toMatchObject({
      driver: { enabled: false },
      // v25.10.1 predates official k3s support: the toolkit is told k3s's config template too.
      toolkit: {
        env: [
          { name: "CONTAINERD_CONFIG", value: "/var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl" },
          { name: "CONTAINERD_SOCKET", value: "/run/k3s/containerd/containerd.sock" },
          { name: "CONTAINERD_RUNTIME_CLASS", value: "nvidia" },
          { name: "CONTAINERD_SET_AS_DEFAULT", value: "true" },
        ],
      },
      dcgmExporter: { serviceMonitor: { enabled: true } },
    });
    // Charts creating monitoring objects wait for the Prometheus operator's release (its CRDs).
    const release = (name: string) => releases.find((s) => s.newState?.inputs?.["name"] === name);
    const prometheusOperator = release("kube-prometheus-stack")?.urn;
    expect(prometheusOperator).toBeDefined();
    for (const name of ["cert-manager", "gpu-operator"]) {
      expect(release(name)?.newState?.dependencies, name).toContain(prometheusOperator);
    }
    // Postgres, Redis, TLS and ingress, monitoring.
    expect(creates).toEqual(
      expect.arrayContaining([
        "kubernetes:postgresql.cnpg.io/v1:Cluster::postgres-cluster",
        "kubernetes:barmancloud.cnpg.io/v1:ObjectStore::postgres-object-store",
        "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup::postgres-daily-backup",
        "kubernetes:monitoring.coreos.com/v1:PodMonitor::postgres-pod-monitor",
        "kubernetes:core/v1:ConfigMap::postgres-bootstrap-sql",
        "kubernetes:apps/v1:Deployment::cnpg-manifest-cnpg-system/cnpg-controller-manager",
        "kubernetes:apps/v1:StatefulSet::redis",
        "kubernetes:policy/v1:PodDisruptionBudget::redis-pdb",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy::redis-network",
        "kubernetes:cert-manager.io/v1:ClusterIssuer::ingress-issuer",
        "kubernetes:gateway.networking.k8s.io/v1:Gateway::ingress-gateway",
        "kubernetes:cert-manager.io/v1:Certificate::ingress-certificate-api",
        "kubernetes:cert-manager.io/v1:Certificate::ingress-certificate-mcp",
        "kubernetes:cert-manager.io/v1:Certificate::ingress-certificate-monitor",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule::monitoring-alert-rules",
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::monitoring-grafana-route",
        // Only production shares GPUs (gpuOperator.timeSlicing).
        ...(stack === "production" ? ["kubernetes:core/v1:ConfigMap::gpu-operator-time-slicing"] : []),
      ]),
    );
    const cluster = steps.find((s) => s.newState?.type === "kubernetes:postgresql.cnpg.io/v1:Cluster")?.newState
      ?.inputs?.["spec"] as Record<string, unknown>;
    expect(cluster["instances"]).toBe(stack === "production" ? 3 : 1);
    const issuer = steps.find((s) => s.newState?.type === "kubernetes:cert-manager.io/v1:ClusterIssuer")?.newState
      ?.inputs?.["spec"] as { acme: { server: string } } | string;
    // The objects go to the cluster this same program bootstraps: until it exists, the outputs of
    // objects on it (the namespace names the issuer's solver refers to) are unknown in a preview, so
    // the spec is too (the ACME server per environment is asserted in test/unit/ingress.test.ts).
    expect(typeof issuer).toBe("string");
    // The Lambda Cloud nodes: the stack's SSH key and one instance per node, with its instance type.
    const lambdaNodes: Record<string, string> =
      stack === "production"
        ? {
            "sophia-ai-core": "gpu_1x_gh200",
            "sophia-mcp-orchestrator": "gpu_1x_a6000",
            "sophia-data-pipeline": "gpu_1x_a100",
            "sophia-production": "gpu_1x_rtx6000",
          }
        : { "sophia-staging-core": "gpu_1x_gh200", "sophia-staging-services": "gpu_1x_a6000" };
    const dynamic = steps.filter((s) => s.newState?.type.startsWith("pulumi-nodejs:dynamic/sophia-lambda:"));
    expect(dynamic.map((s) => `${s.newState?.type.split(":").at(-1)}::${s.urn.split("::").at(-1)}`).sort()).toEqual(
      ["LambdaSshKey::lambda-ssh-key", ...Object.keys(lambdaNodes).map((n) => `LambdaInstance::lambda-${n}`)].sort(),
    );
    for (const [name, type] of Object.entries(lambdaNodes)) {
      const inputs = dynamic.find((s) => s.urn.endsWith(`::lambda-${name}`))?.newState?.inputs;
      expect(inputs?.["instanceType"], name).toBe(type);
      expect(inputs?.["name"], name).toBe(name);
      expect(inputs?.["api"], name).toBe("[secret]"); // the API key inside is never shown
    }
    const warnings = (preview.diagnostics ?? []).filter((d) => d.severity === "warning").map((d) => d.message);
    // The frontend is built (no "not built yet" warning) but left out here: no Vercel plugin.
    expect(notes).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\[harness\\] ${stack}: sophia-infra:frontend left out \\(set to \\{"mode":"skip"\\}\\): the Vercel resource plugin`,
        ),
      ),
    ]);
    expect(warnings.some((w) => w.includes("frontend"))).toBe(false);
    expect((preview.steps ?? []).filter((s) => s.urn.includes("vercel"))).toEqual([]);
    // The cluster layer: the launched machines bootstrapped into k3s, the server first, each agent
    // joining after the server has forgotten any node a previous machine registered under its name.
    const clusterSteps = steps.filter((s) => s.urn.split("::").at(-1)!.startsWith("cluster"));
    const [server, ...agents] = Object.keys(lambdaNodes);
    const perNode = ["ssh", "files", "install", "node", "labels"];
    expect(clusterSteps.map((s) => s.urn.split("::").at(-1)).sort()).toEqual(
      [
        "cluster",
        "cluster-token",
        "cluster-agent-token",
        "cluster-kubeconfig",
        "cluster-upgrade",
        ...perNode.map((p) => `cluster-${server}-${p}`),
        ...agents.flatMap((a) => [...perNode, "forget", "membership"].map((p) => `cluster-${a}-${p}`)),
      ].sort(),
    );
    const input = (name: string, key: string) =>
      clusterSteps.find((s) => s.urn.endsWith(`::${name}`))?.newState?.inputs?.[key];
    const urn = (name: string) => clusterSteps.find((s) => s.urn.endsWith(`::${name}`))?.urn;
    expect(input(`cluster-${server}-install`, "create")).toBe(
      "sudo -n bash /var/lib/rancher/sophia/k3s-install.sh install server arm64 download",
    );
    const dependsOn = (name: string) =>
      clusterSteps.find((s) => s.urn.endsWith(`::${name}`))?.newState?.dependencies ?? [];
    for (const a of agents) {
      expect(dependsOn(`cluster-${a}-install`)).toEqual(
        expect.arrayContaining([urn(`cluster-${server}-install`), urn(`cluster-${a}-forget`)]),
      );
      expect(input(`cluster-${a}-node`, "whenGone"), a).toBe("skip");
    }
    // Each node's SSH connection waits on its instance (its address is known once it runs).
    expect(dependsOn(`cluster-${server}-ssh`)).toContain(
      dynamic.find((s) => s.urn.endsWith(`::lambda-${server}`))?.urn,
    );
    expect(warnings.some((w) => w.startsWith("cluster:"))).toBe(false);
    expect(warnings.some((w) => /(postgres|mcp|backend): enabled/.test(w))).toBe(false);
    // The applications: 16 MCP servers behind the gateway, the backend, 5 GPU functions.
    const deployments = creates.filter((u) => u.startsWith("kubernetes:apps/v1:Deployment::"));
    expect(deployments.filter((u) => u.includes("::mcp-"))).toHaveLength(16);
    expect(deployments).toEqual(
      expect.arrayContaining([
        "kubernetes:apps/v1:Deployment::backend",
        ...["embed", "analyze", "generate", "summarize", "classify"].map(
          (f) => `kubernetes:apps/v1:Deployment::inference-${f}`,
        ),
      ]),
    );
    expect(creates.filter((u) => u.startsWith("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::mcp-"))).toHaveLength(
      16,
    );
    expect(creates).toContain("kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy::mcp-gateway-auth");
  });

  it("never shows a fixture secret in the preview", async () => {
    const r = await ws.run(["preview", "--stack", stack, "--diff"]);
    const text = `${r.stdout}${r.stderr}`;
    for (const [key, v] of Object.entries(resolveEscConfig(stack))) {
      if (v.secret && !key.endsWith("kubeconfig")) expect(text).not.toContain(v.value);
    }
    expect(text).not.toContain(fixtureSecret("kubernetes.kubeconfig").split("token: ")[1]!.split("\n")[0]);
  });
});

describe("production preview with a point-in-time restore of Postgres (postgres.restore)", () => {
  let ws: PulumiWorkspace;
  beforeAll(() => {
    ws = new PulumiWorkspace(env, { passphrase: "throwaway-restore" });
    prepareEscStack(ws, "production");
    for (const [path, value] of [
      ["postgres.name", "postgres-r1"],
      ["postgres.restore.mode", "pointInTime"],
      ["postgres.restore.source", "postgres"],
      ["postgres.restore.targetTime", "2026-03-01T09:30:00Z"],
    ] as const) {
      ws.must(["config", "set", "--stack", "production", "--path", `sophia-infra:${path}`, value]);
    }
  });
  afterAll(() => ws?.cleanup());

  it("creates the new cluster bootstrapped by recovery from the old one's backups, to the target time", async () => {
    const r = await ws.run(["preview", "--stack", "production", "--json"]);
    const preview = parseJson<PreviewJson>(r);
    expect(r.code, JSON.stringify(preview.diagnostics)).toBe(0);
    const steps = preview.steps ?? [];
    const inputs = (type: string) =>
      steps.find((s) => s.op === "create" && s.newState?.type === type)?.newState?.inputs as
        { metadata: { name: string }; spec: Record<string, unknown> } | undefined;
    const cluster = inputs("kubernetes:postgresql.cnpg.io/v1:Cluster");
    expect(cluster?.metadata.name).toBe("postgres-r1");
    expect(cluster?.spec["bootstrap"]).toEqual({
      recovery: {
        source: "postgres-origin",
        database: "sophia",
        owner: "sophia",
        secret: { name: "postgres-r1-app-credentials" },
        recoveryTarget: { targetTime: "2026-03-01 09:30:00.000000+00" },
      },
    });
    expect(cluster?.spec["externalClusters"]).toEqual([
      {
        name: "postgres-origin",
        plugin: {
          name: "barman-cloud.cloudnative-pg.io",
          parameters: { barmanObjectName: "postgres-r1-backups", serverName: "postgres" },
        },
      },
    ]);
    expect(inputs("kubernetes:barmancloud.cnpg.io/v1:ObjectStore")?.metadata.name).toBe("postgres-r1-backups");
    expect(inputs("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup")?.spec["cluster"]).toEqual({
      name: "postgres-r1",
    });
  });

  it("refuses a restore over the cluster it reads from, naming the key, before anything is registered", async () => {
    ws.must(["config", "set", "--stack", "production", "--path", "sophia-infra:postgres.name", "postgres"]);
    const r = await ws.run(["preview", "--stack", "production", "--json"]);
    const preview = parseJson<PreviewJson>(r);
    expect(r.code).not.toBe(0);
    const text = JSON.stringify(preview.diagnostics);
    expect(text).toContain(
      'sophia-infra:postgres.restore.source is \\"postgres\\", the name of the cluster being created',
    );
    expect(text).toContain("set postgres.name to a name never used before");
    expect((preview.steps ?? []).filter((s) => s.newState?.type?.startsWith("kubernetes:"))).toEqual([]);
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
        "  sophia-infra:weaviate: { mode: cloud, url: 'https://sophia.weaviate.cloud', clusterNodes: 3 }",
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

describe("the Vercel resource plugin is absent here (why the previews above leave the frontend out)", () => {
  it("a program with the Frontend fails its preview naming the plugin and version the SDK pins, and nothing else", async () => {
    const ws = new PulumiWorkspace(env, {
      passphrase: "vercel-fixture",
      projectSource: join(repoRoot, "test", "fixtures", "vercel-program"),
    });
    try {
      ws.must(["stack", "init", "test", "--secrets-provider", "passphrase"]);
      ws.must(["config", "set", "--stack", "test", "--secret", "apiToken", "fixture-vercel-token-value"]);
      ws.must(["config", "set", "--stack", "test", "--secret", "team", "fixture-vercel-team-value"]);
      const r = await ws.run(["preview", "--stack", "test", "--json"]);
      const preview = parseJson<{ diagnostics?: { urn?: string; message: string; severity: string }[] }>(r);
      expect(r.code).not.toBe(0);
      const errors = (preview.diagnostics ?? []).filter((d) => d.severity === "error");
      expect(errors.map((d) => [(d.urn ?? "").split("::").at(-1), d.message.trim()])).toEqual([
        [
          "frontend-vercel",
          "error: no resource plugin 'pulumi-resource-vercel' found in the workspace at version v5.4.1 or on your $PATH from github://api.github.com/pulumiverse",
        ],
      ]);
      const out = `${r.stdout}\n${r.stderr}`;
      expect(out).not.toContain("fixture-vercel-token-value");
      expect(out).not.toContain("fixture-vercel-team-value");
    } finally {
      ws.cleanup();
    }
  });
});
