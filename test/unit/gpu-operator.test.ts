import { parse } from "yaml";
import { describe, expect, it } from "vitest";

import { compareVersions, gpuOperatorValues, k3sToolkitEnv, timeSlicingConfig } from "../../components/gpu-operator";

const tolerations = [
  { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
  { key: "sophia-intel.ai/node-class", operator: "Exists", effect: "NoSchedule" },
];

describe("GPU operator values", () => {
  it("leave the driver to Lambda's image, point the toolkit at k3s's containerd, export DCGM metrics", () => {
    expect(gpuOperatorValues({ driver: "host", timeSlicing: { a6000: 4 }, serviceMonitorLabels: {} })).toEqual({
      driver: { enabled: false },
      toolkit: {
        enabled: true,
        env: [
          { name: "CONTAINERD_CONFIG", value: "/var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl" },
          { name: "CONTAINERD_SOCKET", value: "/run/k3s/containerd/containerd.sock" },
          { name: "CONTAINERD_RUNTIME_CLASS", value: "nvidia" },
          { name: "CONTAINERD_SET_AS_DEFAULT", value: "true" },
        ],
      },
      devicePlugin: { config: { name: "time-slicing-config" } },
      dcgmExporter: { enabled: true, serviceMonitor: { enabled: true, interval: "15s", additionalLabels: {} } },
      daemonsets: { tolerations },
      "node-feature-discovery": {
        master: { resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "1Gi" } } },
        worker: {
          tolerations,
          resources: { requests: { cpu: "5m", memory: "64Mi" }, limits: { cpu: "200m", memory: "512Mi" } },
        },
        gc: { resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } } },
      },
    });
  });
  it("use NVIDIA's open kernel modules where the operator manages the driver (GH200)", () => {
    const values = gpuOperatorValues({ driver: "managed", timeSlicing: {}, serviceMonitorLabels: {} });
    expect(values["driver"]).toEqual({ enabled: true, kernelModuleType: "open" });
    expect(values["devicePlugin"]).toEqual({});
  });
});

describe("the container toolkit on k3s", () => {
  it("before v26.3.0 (the pinned v25.10.1) is told k3s's config template, runtime class and default", () => {
    expect(k3sToolkitEnv("v25.10.1").map((e) => e.name)).toEqual([
      "CONTAINERD_CONFIG",
      "CONTAINERD_SOCKET",
      "CONTAINERD_RUNTIME_CLASS",
      "CONTAINERD_SET_AS_DEFAULT",
    ]);
    expect(k3sToolkitEnv("v26.2.9")).toHaveLength(4);
  });
  it("from v26.3.0 (k3s supported officially) needs only the socket", () => {
    for (const v of ["v26.3.0", "v26.7.0", "27.0.0"]) {
      expect(k3sToolkitEnv(v)).toEqual([{ name: "CONTAINERD_SOCKET", value: "/run/k3s/containerd/containerd.sock" }]);
    }
    const values = gpuOperatorValues({
      driver: "host",
      timeSlicing: {},
      serviceMonitorLabels: {},
      chartVersion: "v26.7.0",
    });
    expect(values["toolkit"]).toEqual({ enabled: true, env: k3sToolkitEnv("v26.7.0") });
  });
  it("compares versions numerically and names the config key of a malformed one", () => {
    expect(compareVersions("v25.10.1", "v25.3.0")).toBeGreaterThan(0);
    expect(compareVersions("v25.10.1", "25.10.1")).toBe(0);
    expect(() => compareVersions("latest", "v26.3.0")).toThrow(
      'gpuOperator.chartVersion: "latest" is not a version like v25.10.1',
    );
  });
});

describe("time-slicing", () => {
  it("gives each configured node class its own replica count", () => {
    const data = timeSlicingConfig({ rtx6000: 2, a6000: 4 });
    expect(Object.keys(data)).toEqual(["a6000", "rtx6000"]);
    expect(parse(data["a6000"]!)).toEqual({
      version: "v1",
      sharing: {
        timeSlicing: {
          renameByDefault: false,
          failRequestsGreaterThanOne: true,
          resources: [{ name: "nvidia.com/gpu", replicas: 4 }],
        },
      },
    });
    const rtx = parse(data["rtx6000"]!) as { sharing: { timeSlicing: { resources: unknown[] } } };
    expect(rtx.sharing.timeSlicing.resources).toEqual([{ name: "nvidia.com/gpu", replicas: 2 }]);
  });
  it("is empty without sharing", () => {
    expect(timeSlicingConfig({})).toEqual({});
  });
});
