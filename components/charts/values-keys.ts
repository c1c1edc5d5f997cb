/**
 * Our Helm values checked against a chart's own: Helm ignores a values key the chart does not read,
 * so a misspelled key is silently dropped. Every key path we set must exist in the chart's default
 * values (its `values.yaml`, with each dependency's defaults under the dependency's name or alias),
 * unless it is under a path listed here by chart with the reason (a free-form map such as labels or
 * a config file, or a key documented only in a comment). Pure: the caller reads the chart.
 * @see https://helm.sh/docs/chart_template_guide/values_files/
 */
import type { CHARTS } from "./chart-release";

/**
 * A values path the chart reads though its defaults do not spell it out: a free-form map passed
 * through as it is (its keys are ours to choose), or a key `values.yaml` documents only in a comment.
 */
export interface DocumentedValuesPath {
  /** Key path as `--set` writes it (`grafana.grafana\.ini`); everything beneath it is accepted. */
  readonly path: string;
  /** Why it is not in the chart's defaults, and where the chart reads it. */
  readonly reason: string;
}

const RESOURCES = "a container's requests and limits (ResourceRequirements), passed through as is";

/** The paths beyond a chart's defaults that our values set, per chart (by its key in CHARTS). */
export const DOCUMENTED_VALUES_PATHS: Readonly<Record<keyof typeof CHARTS, readonly DocumentedValuesPath[]>> = {
  gpuOperator: [
    {
      path: "dcgmExporter.serviceMonitor.additionalLabels",
      reason: "labels (default {}) copied onto the DCGM exporter's ServiceMonitor",
    },
    { path: "node-feature-discovery.master.resources", reason: RESOURCES },
    { path: "node-feature-discovery.worker.resources", reason: RESOURCES },
    { path: "node-feature-discovery.gc.resources", reason: RESOURCES },
  ],
  certManager: [
    {
      path: "config",
      reason: "the controller's ControllerConfiguration (default {}), written as YAML into its ConfigMap",
    },
    { path: "resources", reason: RESOURCES },
    { path: "cainjector.resources", reason: RESOURCES },
    { path: "webhook.resources", reason: RESOURCES },
    { path: "startupapicheck.resources", reason: RESOURCES },
  ],
  envoyGateway: [
    { path: "deployment.envoyGateway.resources", reason: RESOURCES },
    {
      path: "certgen.job.resources",
      reason: `${RESOURCES}; not in values.yaml, templates/certgen.yaml reads it`,
    },
  ],
  barmanCloud: [{ path: "resources", reason: RESOURCES }],
  kubePrometheusStack: [
    { path: "prometheus.prometheusSpec.storageSpec", reason: "the Prometheus CRD's storage spec (default {})" },
    { path: "prometheus.prometheusSpec.resources", reason: RESOURCES },
    { path: "alertmanager.alertmanagerSpec.resources", reason: RESOURCES },
    { path: "prometheusOperator.resources", reason: RESOURCES },
    { path: "prometheusOperator.admissionWebhooks.patch.resources", reason: RESOURCES },
    { path: "kube-state-metrics.resources", reason: RESOURCES },
    { path: "prometheus-node-exporter.resources", reason: RESOURCES },
    { path: "grafana.resources", reason: RESOURCES },
    { path: "grafana.sidecar.resources", reason: RESOURCES },
    {
      path: "alertmanager.alertmanagerSpec.configSecret",
      reason: "documented as a commented-out key; templates/alertmanager/alertmanager.yaml reads it",
    },
    {
      path: "grafana.grafana\\.ini",
      reason: "grafana.ini's sections and settings, written into Grafana's config file",
    },
  ],
  loki: [
    { path: "loki.schemaConfig", reason: "Loki's schema_config block (default {}), written into its config file" },
    { path: "loki.limits_config", reason: "Loki's limits_config block, written into its config file as is" },
    { path: "loki.compactor", reason: "Loki's compactor block (default {}), written into its config file as is" },
    { path: "singleBinary.resources", reason: RESOURCES },
    { path: "gateway.resources", reason: RESOURCES },
    { path: "sidecar.resources", reason: RESOURCES },
  ],
  alloy: [
    { path: "alloy.securityContext", reason: "the Alloy container's SecurityContext (default {})" },
    { path: "alloy.resources", reason: RESOURCES },
    { path: "configReloader.resources", reason: RESOURCES },
  ],
};

export interface ChartDefaults {
  /** The chart's `values.yaml`. */
  readonly values: unknown;
  /** Each dependency's defaults, by the key its values sit under (alias, else name). */
  readonly dependencies: Readonly<Record<string, ChartDefaults>>;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The chart's effective defaults: its values with each dependency's defaults beneath the
 * dependency's key (the parent's own values for that key win, as Helm coalesces them).
 */
export function effectiveDefaults(chart: ChartDefaults): Record<string, unknown> {
  const out: Record<string, unknown> = isMap(chart.values) ? { ...chart.values } : {};
  for (const [key, dep] of Object.entries(chart.dependencies)) {
    out[key] = merge(effectiveDefaults(dep), out[key]);
  }
  return out;
}

function merge(base: Record<string, unknown>, over: unknown): Record<string, unknown> {
  if (!isMap(over)) return base;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(out[k]) ? merge(out[k], v) : v;
  return out;
}

/**
 * One message per key path of `ours` that the chart's defaults do not have (and no documented path
 * covers), naming the chart and the path. Lists and scalars are leaves: their types are the chart
 * schema's business (Helm validates `values.schema.json`).
 */
export function unknownValuesKeys(
  chart: string,
  ours: Record<string, unknown>,
  defaults: Record<string, unknown>,
  documented: readonly DocumentedValuesPath[] = [],
): string[] {
  const free = new Set(documented.map((f) => f.path));
  const out: string[] = [];
  const walk = (value: Record<string, unknown>, def: unknown, path: string[]) => {
    for (const [key, v] of Object.entries(value)) {
      const at = [...path, key];
      const dotted = valuesPath(at);
      if (free.has(dotted)) continue;
      if (!isMap(def) || !(key in def)) {
        const hint =
          isMap(def) && Object.keys(def).length > 0
            ? nearest(key, Object.keys(def))
            : ` ("${valuesPath(path)}" has no keys by default)`;
        out.push(`${chart}: values key "${dotted}" is not in the chart's default values${hint}`);
        continue;
      }
      if (isMap(v)) walk(v, def[key], at);
    }
  };
  walk(ours, defaults, []);
  return out;
}

/** A key path as Helm's `--set` writes it: dots between keys, a dot inside a key escaped. */
export function valuesPath(keys: readonly string[]): string {
  return keys.map((k) => k.replace(/\./g, "\\.")).join(".");
}

/** A "did you mean" hint: a key of the same map spelled nearly alike. */
function nearest(key: string, candidates: string[]): string {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best === undefined ? "" : ` (did you mean "${best}"?)`;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
