/**
 * The third-party charts, rendered with our values and checked like our own objects. For production
 * and staging, a real `pulumi preview` (ESC resolved with fixtures, the charts from the local mirror
 * or their repositories) gives each Helm release as the program declares it: chart, release name,
 * namespace and values. Each is rendered by Helm (built from Go modules; `helm template` with the
 * chart's CRDs, for the pinned k3s's Kubernetes version, validating the chart's `values.schema.json`
 * where it ships one), and:
 * - every values key we set must exist in the chart's defaults (or be a documented path);
 * - every object it renders is submitted to the local API server with a server-side dry run and
 *   strict field validation, after the CRDs of every chart are installed, in the namespaces the
 *   program creates (with their Pod Security levels), and each workload's pod is checked by Pod
 *   Security admission there;
 * - the sophia-guardrails policy pack runs over all of it in the real engine
 *   (test/fixtures/chart-objects registers the rendered objects).
 * A fallback chart (the mirror lacks the pinned version) is named in the output.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type * as k8s from "@kubernetes/client-node";
import { parseAllDocuments, stringify } from "yaml";
// How `pulumi preview --json` shows a value not known until the update.
import { unknownValue as UNKNOWN } from "@pulumi/pulumi/runtime/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DOCUMENTED_VALUES_PATHS, effectiveDefaults, mirrorEntry, unknownValuesKeys } from "../../components/charts";
import { helmChartArgs, readChartDefaults, requireCharts, type ChartFrom } from "../harness/charts";
import { POLICY_EXCEPTIONS } from "../../policy/exceptions";
import { podOf, StrictObjectApi, submit, submitAll, WORKLOAD_KINDS } from "../harness/dry-run";
import { LocalKube } from "../harness/kube";
import { POLICY_PACK, previewWithPolicies } from "../harness/policy";
import { parseJson, prepareEscStack, PulumiWorkspace, toolchainEnv, type PreviewJson } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";

/** The Kubernetes version of the pinned k3s: charts render for the cluster they go to. */
const KUBE_VERSION = "v1.33.13";
/**
 * API versions the cluster serves once the platform is installed (the charts' CRDs): charts gate
 * their ServiceMonitors and the like on them, as Helm would see on the real cluster.
 */
const CLUSTER_API_VERSIONS = [
  "monitoring.coreos.com/v1",
  "monitoring.coreos.com/v1/ServiceMonitor",
  "monitoring.coreos.com/v1/PodMonitor",
  "monitoring.coreos.com/v1/PrometheusRule",
  "cert-manager.io/v1",
  "gateway.networking.k8s.io/v1",
  "nvidia.com/v1",
  "postgresql.cnpg.io/v1",
];

type Stack = "production" | "staging";

interface Release {
  readonly chart: ChartFrom;
  readonly name: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
}

interface Rendered {
  readonly release: Release;
  readonly objects: k8s.KubernetesObject[];
}

let env: Record<string, string>;
let helm: string;
let charts: ChartFrom[];
let kube: LocalKube;
let objects: StrictObjectApi;
let work: string;
const rendered = new Map<Stack, Rendered[]>();
const namespaces = new Map<Stack, k8s.KubernetesObject[]>();
const releases = new Map<Stack, Release[]>();

beforeAll(async () => {
  env = toolchainEnv();
  helm = env["SOPHIA_HELM"] ?? "";
  if (!helm) throw new Error("SOPHIA_HELM is not set (toolchain --with helm)");
  // One message naming what is missing when neither the mirror nor the repositories are there.
  charts = requireCharts(helm, env);
  // Fallbacks are named in the output by prepareEscStack (test/harness/pulumi.ts).
  work = mkdtempSync(join(tmpdir(), "sophia-charts-render-"));
  kube = await LocalKube.start(env);
  objects = StrictObjectApi.strict(kube.config());
  // The two previews run side by side.
  await Promise.all((["production", "staging"] as const).map((s) => previewReleases(s)));
});
afterAll(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  expect(await kube?.stop()).toEqual([]);
});

/** The Helm releases and namespaces of a real preview of `stack`. */
async function previewReleases(stack: Stack): Promise<void> {
  const ws = new PulumiWorkspace(env, { passphrase: `charts-${stack}` });
  try {
    prepareEscStack(ws, stack);
    // The release values do not depend on where objects go, but on a cluster this program bootstraps
    // (production's `target: cluster`) every output of an object on it is unknown until it exists,
    // and so are values derived from them: preview against the ESC kubeconfig instead.
    ws.must(["config", "rm", "--stack", stack, "sophia-infra:cluster"]);
    ws.must(["config", "set", "--stack", stack, "--path", "sophia-infra:kubernetes.target", "kubeconfig"]);
    const r = await ws.run(["preview", "--stack", stack, "--json"]);
    const preview = parseJson<PreviewJson>(r);
    if (r.code !== 0)
      throw new Error(`preview of ${stack} failed: ${JSON.stringify(preview.diagnostics)}\n${r.stderr}`);
    const steps = preview.steps ?? [];
    namespaces.set(
      stack,
      steps
        .filter((s) => s.newState?.type === "kubernetes:core/v1:Namespace")
        .map((s) => s.newState!.inputs as unknown as k8s.KubernetesObject),
    );
    releases.set(
      stack,
      steps
        .filter((s) => s.newState?.type === "kubernetes:helm.sh/v3:Release")
        .map((s) => {
          const inputs = s.newState!.inputs as { chart: string; name: string; namespace: string; values?: object };
          const chart = charts.find(
            (c) => basename(inputs.chart) === mirrorEntry(c.pin) || basename(inputs.chart) === c.pin.chart,
          );
          if (!chart) throw new Error(`${stack}: release ${inputs.name} loads ${inputs.chart}, not a pinned chart`);
          // The engine's placeholder for a value not known until the update: rendering would be a guess.
          if (JSON.stringify(inputs).includes(UNKNOWN)) {
            throw new Error(`${stack}: release ${inputs.name} has values unknown at preview time`);
          }
          return {
            chart,
            name: inputs.name,
            namespace: inputs.namespace,
            values: (inputs.values ?? {}) as Record<string, unknown>,
          };
        }),
    );
  } finally {
    ws.cleanup();
  }
}

/** `helm template` of one release with its values, CRDs included, Helm's test hooks left out. */
function template(stack: Stack, release: Release): k8s.KubernetesObject[] {
  const valuesFile = join(work, `${stack}-${release.name}.yaml`);
  writeFileSync(valuesFile, stringify(release.values));
  const args = [
    "template",
    release.name,
    ...helmChartArgs(release.chart),
    "--namespace",
    release.namespace,
    "--values",
    valuesFile,
    "--include-crds",
    "--skip-tests",
    "--kube-version",
    KUBE_VERSION,
    ...CLUSTER_API_VERSIONS.flatMap((v) => ["--api-versions", v]),
  ];
  const r = spawnSync(helm, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${stack}: helm template of ${release.chart.pin.chart} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as k8s.KubernetesObject | null)
    .filter((o): o is k8s.KubernetesObject => typeof o?.kind === "string");
}

/** Puts each namespaced object without a namespace into its release's (what `helm install` does). */
async function placeInNamespace(obj: k8s.KubernetesObject, namespace: string): Promise<k8s.KubernetesObject> {
  if (obj.metadata?.namespace) return obj;
  const namespaced = await objects.namespaced(obj.apiVersion!, obj.kind!);
  if (namespaced === undefined) throw new Error(`the API server does not serve ${obj.apiVersion} ${obj.kind}`);
  return namespaced ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
}

describe.each(["production", "staging"] as const)("%s: every chart rendered with our values", (stack) => {
  it("declares a release of every enabled chart", () => {
    const names = releases
      .get(stack)!
      .map((r) => r.chart.pin.chart)
      .sort();
    expect(names).toEqual([
      "alloy",
      "cert-manager",
      "gateway-helm",
      "gpu-operator",
      "kube-prometheus-stack",
      "loki",
      "plugin-barman-cloud",
    ]);
  });

  it("sets only values keys the charts have (or documented free-form paths)", () => {
    const problems = releases
      .get(stack)!
      .flatMap((r) =>
        unknownValuesKeys(
          r.chart.pin.chart,
          r.values,
          effectiveDefaults(readChartDefaults(r.chart.dir!)),
          DOCUMENTED_VALUES_PATHS[r.chart.key],
        ),
      );
    expect(problems).toEqual([]);
  });

  it("renders each chart (values schema validated), and the API server accepts every object", async () => {
    const templated = releases.get(stack)!.map((release) => ({ release, objects: template(stack, release) }));
    // Every chart's CRDs first: objects of one chart may need another's (ServiceMonitors).
    const crds = templated.flatMap((r) => r.objects.filter((o) => o.kind === "CustomResourceDefinition"));
    expect(await submitAll(objects, [...crds, ...namespaces.get(stack)!])).toEqual([]);
    const list: Rendered[] = [];
    for (const r of templated) {
      const placedObjects = [];
      for (const o of r.objects) placedObjects.push(await placeInNamespace(o, r.release.namespace));
      list.push({ release: r.release, objects: placedObjects });
    }
    rendered.set(stack, list);
    const placed = list.flatMap((r) => r.objects.filter((o) => o.kind !== "CustomResourceDefinition"));
    expect(await submitAll(objects, placed)).toEqual([]);
    // Pod Security: each workload's pod, as its controller would create it, in its namespace.
    const workloads = placed.filter((o) => WORKLOAD_KINDS.includes(o.kind ?? ""));
    const podRejections = [];
    for (const w of workloads) podRejections.push(await submit(objects, podOf(w)));
    expect(podRejections.filter(Boolean)).toEqual([]);
    const total = list.reduce((n, r) => n + r.objects.length, 0);
    const perChart = list.map((r) => `${r.release.chart.pin.chart} ${r.release.chart.version} ${r.objects.length}`);
    console.log(
      `${stack}: ${total} chart objects rendered and dry-run with strict validation (${crds.length} CRDs; ` +
        `${workloads.length} workload pods checked by Pod Security): ${perChart.join(", ")}`,
    );
    expect(workloads.length).toBeGreaterThan(10);
    expect(total).toBeGreaterThan(200);
  });
});

describe("the checks can fail", () => {
  it("Helm validates a chart's values.schema.json", () => {
    const certManager = charts.find((c) => c.key === "certManager")!;
    const release = { chart: certManager, name: "broken", namespace: "cert-manager", values: { replicaCount: "two" } };
    expect(() => template("production", release)).toThrow(/values don't meet the specifications of the schema/);
    expect(() => template("production", release)).toThrow(/\/replicaCount': got string, want number/);
  });

  it("a misspelled values key is named with its chart", () => {
    const gpu = charts.find((c) => c.key === "gpuOperator")!;
    const problems = unknownValuesKeys(
      gpu.pin.chart,
      { driver: { kernelModuleTypes: "open" } },
      effectiveDefaults(readChartDefaults(gpu.dir!)),
      DOCUMENTED_VALUES_PATHS.gpuOperator,
    );
    expect(problems).toEqual([
      `gpu-operator: values key "driver.kernelModuleTypes" is not in the chart's default values (did you mean "kernelModuleType"?)`,
    ]);
  });
});

describe("the policy pack over what the charts render", () => {
  it("passes, every exception it takes named in the pack", async () => {
    // Staging's objects that are the same as production's are registered once. CRDs are left out:
    // schemas run no pods and hold no values (and are most of the bytes: minutes of engine time).
    const seen = new Set<string>();
    const sets = [...rendered.entries()].flatMap(([stack, list]) =>
      list.map((r) => ({
        name: `${stack}-${r.release.name}`,
        objs: r.objects.filter((o) => {
          if (o.kind === "CustomResourceDefinition") return false;
          const key = JSON.stringify(o);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        }),
      })),
    );
    expect(sets.length).toBe(14);
    const registered = sets.reduce((n, s) => n + s.objs.length, 0);
    // Each exception of the pack names an object the charts really render (none is stale).
    const all = sets.flatMap((s) => s.objs);
    for (const e of POLICY_EXCEPTIONS) {
      const hit = all.some(
        (o) => o.kind === e.kind && o.metadata?.namespace === e.namespace && o.metadata?.name === e.name,
      );
      expect(hit, `${e.policy} ${e.kind} ${e.namespace}/${e.name}`).toBe(true);
    }
    const file = join(work, "objects.json");
    writeFileSync(file, JSON.stringify(sets));
    const ws = new PulumiWorkspace(env, {
      passphrase: "chart-objects",
      projectSource: join(repoRoot, "test", "fixtures", "chart-objects"),
    });
    try {
      ws.must(["stack", "init", "charts", "--secrets-provider", "passphrase"]);
      ws.must(["config", "set", "--stack", "charts", "objectsFile", file]);
      const p = await previewWithPolicies(ws, "charts");
      expect(p.violations.map((v) => `${v.policy} ${v.resource}: ${v.message}`)).toEqual([]);
      expect(p.run.code, p.run.stderr).toBe(0);
      expect(p.packs).toEqual({ [`sophia-guardrails|local|${POLICY_PACK}`]: "1.0.0" });
      const analysed = p.passed.get("container-resources") ?? [];
      console.log(`policy pack: ${registered} distinct chart objects of both stacks, no violations`);
      // Every registered object was analysed (and passed), the provider besides.
      expect(analysed.length).toBeGreaterThanOrEqual(registered);
    } finally {
      ws.cleanup();
    }
  });
});
