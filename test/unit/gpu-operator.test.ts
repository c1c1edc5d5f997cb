import { parse } from "yaml";
import { describe, expect, it } from "vitest";

import { gpuOperatorValues, timeSlicingConfig } from "../../components/gpu-operator";

const tolerations = [
  { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
  { key: "sophia-intel.ai/node-class", operator: "Exists", effect: "NoSchedule" },
];

describe("GPU operator values", () => {
  it("leave the driver to Lambda's image, point the toolkit at k3s's containerd, export DCGM metrics", () => {
    expect(gpuOperatorValues({ driver: "host", timeSlicing: { a6000: 4 }, serviceMonitorLabels: {} })).toEqual({
      operator: { defaultRuntime: "containerd" },
      driver: { enabled: false },
      toolkit: { enabled: true, env: [{ name: "CONTAINERD_SOCKET", value: "/run/k3s/containerd/containerd.sock" }] },
      devicePlugin: { config: { name: "time-slicing-config" } },
      dcgmExporter: { enabled: true, serviceMonitor: { enabled: true, interval: "15s", additionalLabels: {} } },
      daemonsets: { tolerations },
      "node-feature-discovery": { worker: { tolerations } },
    });
  });
  it("use NVIDIA's open kernel modules where the operator manages the driver (GH200)", () => {
    const values = gpuOperatorValues({ driver: "managed", timeSlicing: {}, serviceMonitorLabels: {} });
    expect(values["driver"]).toEqual({ enabled: true, kernelModuleType: "open" });
    expect(values["devicePlugin"]).toEqual({});
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
