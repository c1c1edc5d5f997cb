import { describe, expect, it } from "vitest";

import {
  CHARTS,
  DOCUMENTED_VALUES_PATHS,
  effectiveDefaults,
  unknownValuesKeys,
  valuesPath,
  type ChartDefaults,
} from "../../components/charts";

const chart: ChartDefaults = {
  values: {
    driver: { enabled: true, kernelModuleType: "auto" },
    toolkit: { env: [], resources: {} },
    serviceMonitor: { additionalLabels: {} },
    "grafana.ini": { server: { domain: "" } },
    sub: { image: { tag: "parent-override" } },
  },
  dependencies: {
    sub: { values: { image: { tag: "1.0", repository: "r" }, worker: { tolerations: [] } }, dependencies: {} },
  },
};

describe("values keys checked against a chart's defaults", () => {
  const defaults = effectiveDefaults(chart);

  it("accepts keys the defaults have, lists and scalars as leaves", () => {
    const ours = { driver: { enabled: false }, toolkit: { env: [{ name: "X", value: "1" }] } };
    expect(unknownValuesKeys("gpu-operator", ours, defaults)).toEqual([]);
  });

  it("names the chart and the key path of a misspelled key, with the nearest key", () => {
    const ours = { driver: { enabled: false, kernelModuleTyp: "open" }, toolkitt: { enabled: true } };
    expect(unknownValuesKeys("gpu-operator", ours, defaults)).toEqual([
      `gpu-operator: values key "driver.kernelModuleTyp" is not in the chart's default values (did you mean "kernelModuleType"?)`,
      `gpu-operator: values key "toolkitt" is not in the chart's default values (did you mean "toolkit"?)`,
    ]);
  });

  it("reports a key with no near neighbour without a hint", () => {
    expect(unknownValuesKeys("c", { operator: { defaultRuntime: "containerd" } }, defaults)).toEqual([
      `c: values key "operator" is not in the chart's default values`,
    ]);
  });

  it("flags keys under a map that is empty by default unless a documented path covers it", () => {
    const ours = { serviceMonitor: { additionalLabels: { release: "kps" } }, toolkit: { resources: { limits: {} } } };
    expect(unknownValuesKeys("c", ours, defaults)).toEqual([
      `c: values key "serviceMonitor.additionalLabels.release" is not in the chart's default values ("serviceMonitor.additionalLabels" has no keys by default)`,
      `c: values key "toolkit.resources.limits" is not in the chart's default values ("toolkit.resources" has no keys by default)`,
    ]);
    const documented = [
      { path: "serviceMonitor.additionalLabels", reason: "labels" },
      { path: "toolkit.resources", reason: "ResourceRequirements" },
    ];
    expect(unknownValuesKeys("c", ours, defaults, documented)).toEqual([]);
  });

  it("checks a dependency's keys against its own defaults, the parent's overrides merged in", () => {
    expect(defaults["sub"]).toEqual({
      image: { tag: "parent-override", repository: "r" },
      worker: { tolerations: [] },
    });
    expect(
      unknownValuesKeys("c", { sub: { worker: { tolerations: [] }, image: { repository: "x" } } }, defaults),
    ).toEqual([]);
    expect(unknownValuesKeys("c", { sub: { workers: {} } }, defaults)).toEqual([
      `c: values key "sub.workers" is not in the chart's default values (did you mean "worker"?)`,
    ]);
  });

  it("escapes dots inside keys the way --set does", () => {
    expect(valuesPath(["grafana", "grafana.ini", "server"])).toBe("grafana.grafana\\.ini.server");
    expect(unknownValuesKeys("c", { "grafana.ini": { serverr: {} } }, defaults)).toEqual([
      `c: values key "grafana\\.ini.serverr" is not in the chart's default values (did you mean "server"?)`,
    ]);
  });

  it("has a reason for every documented path, for every pinned chart", () => {
    expect(Object.keys(DOCUMENTED_VALUES_PATHS).sort()).toEqual(Object.keys(CHARTS).sort());
    for (const paths of Object.values(DOCUMENTED_VALUES_PATHS)) {
      for (const p of paths) expect(p.reason.length, p.path).toBeGreaterThan(10);
    }
  });
});
