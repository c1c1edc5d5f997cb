/**
 * Every alert rule reads series that production actually scrapes: the platform services and the
 * applications under Pulumi mocks (production config), then each metric of each rule's expression is
 * traced to the monitor or exporter that produces it, and each `job="…"` selector to a
 * ServiceMonitor whose job label takes that value.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { alertRules } from "../../components/monitoring";
import { NODE_CLASS_LABEL } from "../../components/placement";
import { REDIS_EXPORTER_IMAGE } from "../../components/redis";
import { loadConfig } from "../../stacks/config/load";
import { resolveEscConfig } from "../harness/esc";
import type { Registration } from "../harness/mocks";
import { mockedPlatform } from "../harness/platform";
import { readStackFile, toRawConfig } from "../harness/stack-config";

let registered: Registration[];

beforeAll(async () => {
  registered = await mockedPlatform(() =>
    loadConfig(toRawConfig(readStackFile("production").config, resolveEscConfig("production")), "production"),
  );
  // The whole production platform and applications layers under mocks: seconds on a busy machine.
}, 120_000);

type Meta = { name: string; namespace: string; labels?: Record<string, string> };
const of = (kind: string) => registered.filter((r) => r.type.startsWith("kubernetes:") && r.type.endsWith(`:${kind}`));
const meta = (r: Registration) => r.inputs["metadata"] as Meta;
const release = (chart: string) =>
  of("Release").find((r) => r.inputs["chart"] === chart || String(r.inputs["chart"]).endsWith(`/${chart}`));
const values = (chart: string) => (release(chart)?.inputs["values"] ?? {}) as Record<string, unknown>;
const dig = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o);

/** Metric names an expression reads (label matchers, ranges, strings and grouping lists removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, "")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const keywords = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"]);
  const names = [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !keywords.has(n)))];
}

/** The jobs ServiceMonitors give their targets: the selected Service's value of `jobLabel`. */
function serviceMonitorJobs(): Map<string, string> {
  const jobs = new Map<string, string>();
  for (const sm of of("ServiceMonitor")) {
    const spec = sm.inputs["spec"] as { jobLabel?: string; selector: { matchLabels: Record<string, string> } };
    const ns = meta(sm).namespace;
    for (const svc of of("Service").filter((s) => meta(s).namespace === ns)) {
      const labels = meta(svc).labels ?? {};
      const selected = Object.entries(spec.selector.matchLabels).every(([k, v]) => labels[k] === v);
      if (!selected) continue;
      const job = spec.jobLabel ? labels[spec.jobLabel] : meta(svc).name;
      if (job) jobs.set(job, ns);
    }
  }
  return jobs;
}

/** Where each family of metrics comes from in production, and whether that source is deployed. */
const SOURCES: { metrics: RegExp; source: string; deployed: () => boolean }[] = [
  {
    metrics: /^http_request/,
    source: "the backend's ServiceMonitor",
    deployed: () => serviceMonitorJobs().get("sophia-backend") === "sophia-apps",
  },
  {
    metrics: /^up$/,
    source: "any ServiceMonitor or PodMonitor in a sophia-* namespace",
    deployed: () => [...of("ServiceMonitor"), ...of("PodMonitor")].some((m) => meta(m).namespace.startsWith("sophia-")),
  },
  {
    metrics: /^DCGM_FI_/,
    source: "the GPU operator's DCGM exporter ServiceMonitor",
    deployed: () => dig(values("gpu-operator"), "dcgmExporter", "serviceMonitor", "enabled") === true,
  },
  {
    metrics: /^cnpg_/,
    source: "the Postgres cluster's PodMonitor",
    deployed: () => of("PodMonitor").some((m) => meta(m).namespace === "sophia-data" && meta(m).name === "postgres"),
  },
  {
    metrics: /^barman_cloud_cloudnative_pg_io_/,
    source: "the Barman Cloud plugin, through the Postgres PodMonitor",
    deployed: () =>
      of("PodMonitor").some((m) => meta(m).name === "postgres") &&
      of("ObjectStore").length === 1 &&
      release("plugin-barman-cloud") !== undefined,
  },
  {
    metrics: /^redis_/,
    source: "the redis_exporter sidecars and their PodMonitor",
    deployed: () => {
      const set = of("StatefulSet").find((s) => meta(s).name === "redis");
      const containers = dig(set?.inputs, "spec", "template", "spec", "containers") as { image: string }[];
      return (
        containers.some((c) => c.image === REDIS_EXPORTER_IMAGE) &&
        of("PodMonitor").some((m) => meta(m).namespace === "sophia-data" && meta(m).name === "redis")
      );
    },
  },
  {
    metrics: /^certmanager_/,
    source: "cert-manager's ServiceMonitor",
    deployed: () => dig(values("cert-manager"), "prometheus", "servicemonitor", "enabled") === true,
  },
  {
    metrics: /^kube_node_/,
    source: "kube-state-metrics (kube-prometheus-stack), with the node-class label allowed",
    deployed: () =>
      dig(values("kube-prometheus-stack"), "kubeStateMetrics", "enabled") !== false &&
      (dig(values("kube-prometheus-stack"), "kube-state-metrics", "metricLabelsAllowlist") as string[]).includes(
        `nodes=[${NODE_CLASS_LABEL}]`,
      ),
  },
];

const rules = alertRules().groups.flatMap((g) => g.rules) as { alert: string; expr: string }[];

describe("every alert rule has a series in production", () => {
  it("reads metric names the extraction finds (the check itself works)", () => {
    expect(
      metricNames(
        'time() - max by (namespace) (x_total{a="b"}[5m]) > 2 * 3600 and on (node) group_left (l) y_info{c!=""}',
      ),
    ).toEqual(["x_total", "y_info"]);
  });

  for (const rule of rules) {
    it(rule.alert, () => {
      const metrics = metricNames(rule.expr);
      expect(metrics.length, "metrics").toBeGreaterThan(0);
      for (const metric of metrics) {
        const source = SOURCES.find((s) => s.metrics.test(metric));
        expect(source, `${metric}: no known source`).toBeDefined();
        expect(source!.deployed(), `${metric}: ${source!.source} is not deployed`).toBe(true);
      }
      for (const [, job] of rule.expr.matchAll(/\bjob="([^"]+)"/g)) {
        expect(serviceMonitorJobs().has(job!), `job="${job}" has no ServiceMonitor`).toBe(true);
      }
    });
  }

  it("the backend's ServiceMonitor is exactly its metrics endpoint, labelled job=sophia-backend", () => {
    const sm = of("ServiceMonitor").find((m) => meta(m).name === "sophia-backend")!;
    expect(meta(sm).namespace).toBe("sophia-apps");
    expect(sm.inputs["spec"]).toEqual({
      jobLabel: "app.kubernetes.io/name",
      selector: { matchLabels: { "app.kubernetes.io/name": "sophia-backend", "app.kubernetes.io/part-of": "sophia" } },
      endpoints: [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
    });
    // Prometheus is admitted to the port (the namespace denies by default).
    const policy = of("NetworkPolicy").find((p) => meta(p).name === "sophia-backend")!;
    expect((policy.inputs["spec"] as { ingress: unknown[] }).ingress).toContainEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
          podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
        },
      ],
      ports: [{ protocol: "TCP", port: 8000 }],
    });
    // MCP servers and inference services declare no metrics endpoint by default: none is scraped.
    expect(of("ServiceMonitor").map((m) => meta(m).name)).toEqual(["sophia-backend"]);
  });
});
