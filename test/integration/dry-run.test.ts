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

/**
 * The object API, creating with `fieldValidation=Strict` (unknown or duplicate fields are errors, not
 * warnings) and sending objects untouched.
 */
class StrictObjectApi extends k8s.KubernetesObjectApi {
  static strict(kc: k8s.KubeConfig): StrictObjectApi {
    const client = kc.makeApiClient(StrictObjectApi);
    client.setDefaultNamespace(kc);
    return client;
  }

  // Send objects exactly as rendered: the typed models drop fields they do not know
  // (`x-kubernetes-preserve-unknown-fields` in CRD schemas, for one).
  protected override getSerializationType(): Promise<string> {
    return Promise.resolve("KubernetesObject");
  }

  protected override async specUriPath(
    spec: k8s.KubernetesObject,
    action: Parameters<k8s.KubernetesObjectApi["specUriPath"]>[1],
  ): Promise<string> {
    const path = await super.specUriPath(spec, action);
    return action === "create" ? `${path}?fieldValidation=Strict` : path;
  }
}

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
    // Only the Kubernetes layer is rendered: Weaviate Cloud is unreachable from here.
    ws.must(["config", "rm", "--stack", stack, "sophia-infra:weaviate"]);
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

/** Creates a CRD for real (once) and waits until the API server serves it. */
async function createCrd(crd: k8s.KubernetesObject): Promise<void> {
  const ref = { apiVersion: crd.apiVersion!, kind: crd.kind!, metadata: { name: crd.metadata!.name! } };
  await objects.read(ref).catch(() => objects.create(crd));
  for (let i = 0; i < 100; i++) {
    const live = (await objects.read(ref)) as { status?: { conditions?: { type: string; status: string }[] } };
    if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${crd.metadata!.name} not established`);
}

async function submit(obj: k8s.KubernetesObject): Promise<string | undefined> {
  try {
    if (obj.kind === "CustomResourceDefinition") {
      await createCrd(obj);
    } else if (obj.kind === "Namespace" || obj.kind === "ServiceAccount") {
      // Created for real (and reused): a dry run of a namespaced object needs its namespace, and a
      // Pod its service account. No controller creates a namespace's `default` account here.
      const ref = {
        apiVersion: "v1",
        kind: obj.kind,
        metadata: { name: obj.metadata!.name!, namespace: obj.metadata?.namespace },
      };
      await objects.read(ref).catch(() => objects.create(obj));
      if (obj.kind === "Namespace") {
        const sa = {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "default", namespace: obj.metadata!.name! },
        };
        await objects.read(sa).catch(() => objects.create(sa));
      }
    } else {
      await objects.create(obj, undefined, "All");
    }
    return undefined;
  } catch (err) {
    const e = err as k8s.ApiException<unknown>;
    return `${obj.kind}/${obj.metadata?.namespace ?? ""}/${obj.metadata?.name}: ${e.code} ${typeof e.body === "string" ? e.body : JSON.stringify(e.body)}`;
  }
}

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

/** A Pod from a workload's template, as its controller would create it. */
function podOf(workload: k8s.KubernetesObject): k8s.KubernetesObject {
  const spec = (
    workload as {
      spec: {
        template: { metadata?: object; spec: { volumes?: object[] } };
        volumeClaimTemplates?: { metadata: { name: string } }[];
      };
    }
  ).spec;
  const name = workload.metadata!.name!;
  // A StatefulSet's controller adds one volume per claim template.
  const claims = (spec.volumeClaimTemplates ?? []).map((c) => ({
    name: c.metadata.name,
    persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}-0` },
  }));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { ...spec.template.metadata, name: `${name}-pod`, namespace: workload.metadata!.namespace },
    spec: { ...spec.template.spec, volumes: [...(spec.template.spec.volumes ?? []), ...claims] },
  } as k8s.KubernetesObject;
}

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
