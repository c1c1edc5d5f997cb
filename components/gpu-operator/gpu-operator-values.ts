/**
 * Values for NVIDIA's `gpu-operator` chart on k3s, and the device plugin's time-slicing config.
 * Pure: tested value by value.
 * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/getting-started.html
 * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/gpu-sharing.html
 */
import { stringify } from "yaml";

import { CHARTS } from "../charts/chart-release";
import { containerResources, RESOURCES } from "../charts/resources";
import { everyNodeClassTolerations, type NodeClass } from "../placement";

/** The ConfigMap the device plugin reads its per-node-class sharing config from. */
export const TIME_SLICING_CONFIG_MAP = "time-slicing-config";
/** Node label selecting a node's entry in that ConfigMap (set by the cluster layer). */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";
/** k3s runs its own containerd; the container toolkit must configure that one. */
export const K3S_CONTAINERD_SOCKET = "/run/k3s/containerd/containerd.sock";
/** The template k3s renders its containerd config from (what the toolkit edits before v26.3.0). */
export const K3S_CONTAINERD_CONFIG = "/var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl";
/** The first chart version that supports k3s officially: it finds k3s's containerd config itself. */
export const K3S_SUPPORTED_SINCE = "v26.3.0";

/**
 * The container toolkit's environment on k3s for a chart version. From v26.3.0 the socket is
 * enough; before, the toolkit must also be told k3s's config template, the runtime class to add
 * and to make it containerd's default (a string "true": the chart passes env values as strings).
 * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/getting-started.html
 */
export function k3sToolkitEnv(chartVersion: string): { name: string; value: string }[] {
  const socket = { name: "CONTAINERD_SOCKET", value: K3S_CONTAINERD_SOCKET };
  if (compareVersions(chartVersion, K3S_SUPPORTED_SINCE) >= 0) return [socket];
  return [
    { name: "CONTAINERD_CONFIG", value: K3S_CONTAINERD_CONFIG },
    socket,
    { name: "CONTAINERD_RUNTIME_CLASS", value: "nvidia" },
    { name: "CONTAINERD_SET_AS_DEFAULT", value: "true" },
  ];
}

/** Compares `vX.Y.Z` chart versions (a leading `v` optional). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => {
    const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
    if (!m) throw new Error(`gpuOperator.chartVersion: "${v}" is not a version like v25.10.1`);
    return [Number(m[1]), Number(m[2]), Number(m[3])];
  };
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

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
  /** The chart version the values are for. @default CHARTS.gpuOperator.version */
  readonly chartVersion?: string;
}

export function gpuOperatorValues(o: GpuOperatorOptions): Record<string, unknown> {
  const tolerations = [
    { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    ...everyNodeClassTolerations(),
  ];
  const sharing = Object.keys(o.timeSlicing).length > 0;
  return {
    // No `operator.defaultRuntime`: the chart stopped reading it (the operator detects the runtime).
    driver: o.driver === "host" ? { enabled: false } : { enabled: true, kernelModuleType: "open" },
    toolkit: { enabled: true, env: k3sToolkitEnv(o.chartVersion ?? CHARTS.gpuOperator.version) },
    devicePlugin: sharing ? { config: { name: TIME_SLICING_CONFIG_MAP } } : {},
    dcgmExporter: {
      enabled: true,
      serviceMonitor: { enabled: true, interval: "15s", additionalLabels: { ...o.serviceMonitorLabels } },
    },
    // Operands run on every GPU node, whatever its class taint.
    daemonsets: { tolerations },
    "node-feature-discovery": {
      // The chart sets no CPU limits; the master's also sizes the prune job it runs on uninstall.
      master: { resources: containerResources(["100m", "128Mi"], ["500m", "1Gi"]) },
      worker: { tolerations, resources: containerResources(["5m", "64Mi"], ["200m", "512Mi"]) },
      gc: { resources: RESOURCES.sidecar },
    },
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
