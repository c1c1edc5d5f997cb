/**
 * Every Kubernetes object of the production and staging programs, submitted to a real API server
 * with a server-side dry run and strict field validation: built-in kinds are checked against the
 * Kubernetes OpenAPI schema, custom resources against their CRDs' schemas. The objects are rendered
 * by the real engine (the stack with its ESC environment resolved with fixtures, `kubernetes.target`
 * overridden to `render`, the Weaviate layer skipped since Weaviate Cloud is unreachable; Helm
 * releases are not rendered, see stacks/platform-services.ts). Namespaces and CRDs are created for
 * real so the objects that need them can be checked; the CRDs of charts we install (cert-manager,
 * Gateway API and Envoy Gateway, the Prometheus operator, Barman Cloud) come from the upstream
 * sources the toolchain fetches (`--with manifests`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MANIFEST_PINS, readManifest } from "../../components/manifests";
import { schedulingFor } from "../../components/placement";
import { clusterSpec, objectStoreSpec, POSTGRES_IMAGE, type PostgresSettings } from "../../components/postgres";
import { createCrd as createCrdFor, podOf, StrictObjectApi, submit as submitDryRun } from "../harness/dry-run";
import { LocalKube } from "../harness/kube";
import { prepareEscStack, PulumiWorkspace, toolchainEnv } from "../harness/pulumi";

/** Kinds whose CRDs are not installed on the local server (none: every CRD schema is obtainable). */
const CRD_KINDS_SKIPPED: readonly string[] = [];

/** Upstream CRD sets (toolchain/pieces.mjs MANIFESTS) for the charts' custom resources. */
const CRD_SETS = [
  "cert-manager-crds-v1.21.2",
  "gateway-api-crds-v1.6.1",
  "envoy-gateway-crds-v1.9.1",
  "prometheus-operator-crds-v0.89.0",
  "barman-cloud-crds-v0.15.0",
];

let env: Record<string, string>;
let kube: LocalKube;
let objects: k8s.KubernetesObjectApi;

beforeAll(async () => {
  env = toolchainEnv();
  kube = await LocalKube.start(env);
  objects = StrictObjectApi.strict(kube.config());
  const dir = env["SOPHIA_MANIFESTS"];
  if (!dir) throw new Error("SOPHIA_MANIFESTS is not set (toolchain --with manifests)");
  // The GPU operator's chart (not rendered: a Helm release) installs this RuntimeClass; GPU pods use it.
  await objects.read({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: "nvidia" } }).catch(() =>
    objects.create({
      apiVersion: "node.k8s.io/v1",
      kind: "RuntimeClass",
      metadata: { name: "nvidia" },
      handler: "nvidia",
    } as k8s.KubernetesObject),
  );
  for (const set of CRD_SETS) {
    for (const f of readdirSync(join(dir, set)).filter((n) => n.endsWith(".yaml"))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, set, f), "utf8"))) {
        const crd = doc.toJS() as k8s.KubernetesObject | null;
        if (crd?.kind === "CustomResourceDefinition") await createCrd(crd);
      }
    }
  }
});
afterAll(async () => {
  expect(await kube?.stop()).toEqual([]);
});

async function render(stack: "production" | "staging"): Promise<k8s.KubernetesObject[]> {
  const ws = new PulumiWorkspace(env, { passphrase: `dry-run-${stack}` });
  try {
    prepareEscStack(ws, stack);
    const dir = join(ws.dir, "manifests");
    ws.must(["config", "set", "--stack", stack, "--path", "sophia-infra:kubernetes.target", "render"]);
    ws.must(["config", "set", "--stack", stack, "--path", "sophia-infra:kubernetes.renderDirectory", dir]);
    // Only the Kubernetes layer is rendered: Weaviate Cloud is unreachable from here, and the
    // cluster layer's machines are real public addresses no test may dial.
    ws.must(["config", "rm", "--stack", stack, "sophia-infra:weaviate"]);
    ws.must(["config", "rm", "--stack", stack, "sophia-infra:cluster"]);
    await ws.mustRun(["up", "--stack", stack, "--yes", "--skip-preview", "--suppress-progress"]);
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
      );
    return walk(dir)
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => parseAllDocuments(readFileSync(f, "utf8")).map((d) => d.toJS() as k8s.KubernetesObject));
  } finally {
    ws.cleanup();
  }
}

const submit = (obj: k8s.KubernetesObject) => submitDryRun(objects, obj);
const createCrd = (crd: k8s.KubernetesObject) => createCrdFor(objects, crd);

describe.each(["production", "staging"] as const)("%s objects, server-side dry run", (stack) => {
  it("every rendered object is accepted", async () => {
    const rendered = await render(stack);
    const checked = rendered.filter((o) => !CRD_KINDS_SKIPPED.includes(o.kind ?? ""));
    const rejected = [];
    const first = ["Namespace", "CustomResourceDefinition", "ServiceAccount"];
    for (const kind of first) for (const o of checked.filter((x) => x.kind === kind)) rejected.push(await submit(o));
    for (const o of checked.filter((x) => !first.includes(x.kind ?? ""))) rejected.push(await submit(o));
    expect(rejected.filter(Boolean)).toEqual([]);
    // Pod Security: each workload's pod template, submitted as a Pod in its namespace, passes the
    // namespace's enforced level (the API server's own Pod Security admission).
    const workloads = checked.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind ?? ""));
    const podRejections = [];
    for (const w of workloads) podRejections.push(await submit(podOf(w)));
    expect(podRejections.filter(Boolean)).toEqual([]);
    const kinds = new Set(checked.map((o) => o.kind));
    expect(checked.filter((o) => o.kind === "Namespace")).toHaveLength(8);
    // Every platform service's objects are among them.
    for (const kind of [
      "Cluster",
      "ObjectStore",
      "ScheduledBackup",
      "PodMonitor",
      "StatefulSet",
      "PodDisruptionBudget",
      "ClusterIssuer",
      "Certificate",
      "GatewayClass",
      "Gateway",
      "HTTPRoute",
      "PrometheusRule",
      "Deployment",
      "HorizontalPodAutoscaler",
      "SecurityPolicy",
      "BackendTrafficPolicy",
      "HTTPRouteFilter",
      "ServiceMonitor",
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    console.log(
      `${stack}: ${checked.length} objects dry-run with strict validation (${rendered.length - checked.length} skipped)`,
    );
  });
});

describe("a Postgres restore, server-side dry run against the CloudNativePG and Barman Cloud CRDs", () => {
  const settings: PostgresSettings = {
    name: "postgres-r1",
    environment: "production",
    instances: 3,
    storageSize: "100Gi",
    database: "sophia",
    image: POSTGRES_IMAGE,
    scheduling: schedulingFor("realtime", { inference: "gh200", batch: "a100", realtime: "rtx6000", mcp: "a6000" }),
    backup: { endpoint: "https://s3.example.test", bucket: "pg-backups", region: "us-east-1", retention: "30d" },
    resources: { cpu: "2", memory: "8Gi" },
    restore: { source: "postgres", targetTime: "2026-03-01T09:30:00Z" },
  };
  const cluster = (spec: Record<string, unknown>) =>
    ({
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: settings.name, namespace: "sophia-data" },
      spec,
    }) as k8s.KubernetesObject;

  beforeAll(async () => {
    for (const doc of parseAllDocuments(readManifest(MANIFEST_PINS.cloudNativePg))) {
      const crd = doc.toJS() as k8s.KubernetesObject | null;
      if (crd?.kind === "CustomResourceDefinition") await createCrd(crd);
    }
    await submit({ apiVersion: "v1", kind: "Namespace", metadata: { name: "sophia-data" } });
  });

  it("the recovery Cluster (point in time, through the plugin) and its ObjectStore are accepted", async () => {
    const store = {
      apiVersion: "barmancloud.cnpg.io/v1",
      kind: "ObjectStore",
      metadata: { name: "postgres-r1-backups", namespace: "sophia-data" },
      spec: objectStoreSpec(settings, settings.backup!),
    } as k8s.KubernetesObject;
    expect([await submit(cluster(clusterSpec(settings))), await submit(store)]).toEqual([undefined, undefined]);
  });

  it("a recovery target the CRD does not know is rejected (the check can fail)", async () => {
    const spec = clusterSpec(settings);
    const bootstrap = spec["bootstrap"] as { recovery: Record<string, unknown> };
    const bad = { ...spec, bootstrap: { recovery: { ...bootstrap.recovery, recoveryTarget: { targetTme: "x" } } } };
    // The API server's Status body, as the dry-run harness returns it (quotes JSON-escaped).
    expect(await submit(cluster(bad))).toMatch(
      /unknown field \\?"spec\.bootstrap\.recovery\.recoveryTarget\.targetTme\\?"/,
    );
  });
});

describe("the dry run can fail", () => {
  it("Pod Security admission rejects a pod that is not restricted", async () => {
    await submit({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "psa-check", labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    });
    const error = await submit({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "root", namespace: "psa-check" },
      spec: {
        containers: [{ name: "c", image: "scoobyjava15/sophia-backend:1.0.0", securityContext: { privileged: true } }],
      },
    } as k8s.KubernetesObject);
    expect(error).toMatch(/^Pod\/psa-check\/root: 403 /);
    expect(error).toContain('violates PodSecurity \\"restricted:');
    expect(error).toContain("privileged");
  });

  it("rejects a custom resource that does not match its CRD schema", async () => {
    const error = await submit({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: "broken", namespace: "default" },
      spec: { secretName: "x-tls", dnsNames: "api.sophia-intel.ai", issuerRef: { name: "i" }, renewEvery: "1d" },
    } as k8s.KubernetesObject);
    // Strict validation: the unknown field is refused (400) before the schema check would (422).
    expect(error).toMatch(/^Certificate\/default\/broken: 400 /);
    expect(error).toContain('unknown field \\"spec.renewEvery\\"');
    const typed = await submit({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: "broken", namespace: "default" },
      spec: { secretName: "x-tls", dnsNames: "api.sophia-intel.ai", issuerRef: { name: "i" } },
    } as k8s.KubernetesObject);
    expect(typed).toMatch(/^Certificate\/default\/broken: 422 /);
    expect(typed).toContain("spec.dnsNames");
  });

  it("rejects a Deployment whose selector does not match its template", async () => {
    const broken = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "broken", namespace: "default" },
      spec: {
        selector: { matchLabels: { app: "api" } },
        template: {
          metadata: { labels: { app: "something-else" } },
          spec: { containers: [{ name: "c", image: "scoobyjava15/sophia-backend:1.0.0" }] },
        },
      },
    };
    const error = await submit(broken);
    expect(error).toMatch(/^Deployment\/default\/broken: 422 /);
    expect(error).toContain("`selector` does not match template `labels`");
  });
});
