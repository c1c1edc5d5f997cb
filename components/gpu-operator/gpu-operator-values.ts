/**
 * Values for NVIDIA's `gpu-operator` chart on k3s, and the device plugin's time-slicing config.
 * Pure: tested value by value.
 * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/getting-started.html
 * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/gpu-sharing.html
 */
import { stringify } from "yaml";

import type { NodeClass } from "../../stacks/config/schema";
import { everyNodeClassTolerations } from "../placement";

/** The ConfigMap the device plugin reads its per-node-class sharing config from. */
export const TIME_SLICING_CONFIG_MAP = "time-slicing-config";
/** Node label selecting a node's entry in that ConfigMap (set by the cluster layer). */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";
/** k3s runs its own containerd; the container toolkit must configure that one. */
export const K3S_CONTAINERD_SOCKET = "/run/k3s/containerd/containerd.sock";

export interface GpuOperatorOptions {
  /**
   * `host`: the machine image ships the driver (Lambda Stack), so the operator leaves it alone;
   * `managed`: the operator installs it, with NVIDIA's open kernel modules (required on GH200).
   */
  readonly driver: "host" | "managed";
  /** Time-slicing replicas per node class (absent: no sharing on that class). */
  readonly timeSlicing: Partial<Record<NodeClass, number>>;
  /** Label the Prometheus operator selects ServiceMonitors by (`release: <name>`), if any. */
  readonly serviceMonitorLabels: Readonly<Record<string, string>>;
}

export function gpuOperatorValues(o: GpuOperatorOptions): Record<string, unknown> {
  const tolerations = [
    { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    ...everyNodeClassTolerations(),
  ];
  const sharing = Object.keys(o.timeSlicing).length > 0;
  return {
    operator: { defaultRuntime: "containerd" },
    driver: o.driver === "host" ? { enabled: false } : { enabled: true, kernelModuleType: "open" },
    toolkit: { enabled: true, env: [{ name: "CONTAINERD_SOCKET", value: K3S_CONTAINERD_SOCKET }] },
    devicePlugin: sharing ? { config: { name: TIME_SLICING_CONFIG_MAP } } : {},
    dcgmExporter: {
      enabled: true,
      serviceMonitor: { enabled: true, interval: "15s", additionalLabels: { ...o.serviceMonitorLabels } },
    },
    // Operands run on every GPU node, whatever its class taint.
    daemonsets: { tolerations },
    "node-feature-discovery": { worker: { tolerations } },
  };
}

/** The device plugin's config per node class, as ConfigMap data (one YAML document per class). */
export function timeSlicingConfig(timeSlicing: Partial<Record<NodeClass, number>>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [nodeClass, replicas] of Object.entries(timeSlicing).sort(([a], [b]) => a.localeCompare(b))) {
    data[nodeClass] = stringify({
      version: "v1",
      sharing: {
        timeSlicing: {
          // Advertise shared GPUs as `nvidia.com/gpu` so workloads need no change; renameByDefault
          // would make them `nvidia.com/gpu.shared`.
          renameByDefault: false,
          failRequestsGreaterThanOne: true,
          resources: [{ name: "nvidia.com/gpu", replicas }],
        },
      },
    });
  }
  return data;
}
