import { describe, expect, it } from "vitest";

import { inferenceWorkload, serviceMonitorSpec, withMetricsIngress } from "../../components/apps";
import { resolveCatalog, workload } from "../../components/mcp";

const placement = { inference: "gh200", batch: "a100", realtime: "rtx6000", mcp: "a6000" } as const;

describe("workload metrics", () => {
  it("inference services are scraped where they declare a metrics path, as job inference-<fn>", () => {
    const w = inferenceWorkload("embed", { image: "i", tag: "1.0.0", placement, metricsPath: "/metrics" });
    expect(serviceMonitorSpec(w)).toEqual({
      jobLabel: "app.kubernetes.io/name",
      selector: { matchLabels: w.labels },
      endpoints: [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
    });
    expect(w.labels["app.kubernetes.io/name"]).toBe("inference-embed");
    expect(serviceMonitorSpec(inferenceWorkload("embed", { image: "i", tag: "1.0.0", placement }))).toBeUndefined();
  });

  it("an MCP server's catalog entry can declare its metrics path; the others are not scraped", () => {
    const catalog = resolveCatalog({
      tag: "1.0.0",
      servers: [{ name: "github", metricsPath: "/prom" }],
    });
    const github = workload(
      catalog.find((s) => s.name === "github")!,
      "sophia-intel.ai",
      placement,
    );
    expect(serviceMonitorSpec(github)).toMatchObject({ endpoints: [{ port: "http", path: "/prom" }] });
    const slack = workload(
      catalog.find((s) => s.name === "slack")!,
      "sophia-intel.ai",
      placement,
    );
    expect(serviceMonitorSpec(slack)).toBeUndefined();
    const policy = { podSelector: {}, ingress: [{ from: [] }] };
    expect(withMetricsIngress(slack, policy)).toBe(policy);
    expect(withMetricsIngress(github, policy).ingress).toHaveLength(2);
  });
});
