/**
 * No access to the node from a pod: no host network, PID or IPC namespace and no hostPath volume.
 * A pod with any of them sees (or changes) the machine under every other tenant of a shared GPU
 * node. System agents that must (node-exporter reading /proc and /sys, node-feature-discovery
 * reading the kernel and OS) are named in exceptions.ts, each namespace and path by name.
 */
import { isObject, podSpecOf, type Resource } from "../kubernetes";
import { resourcePolicy } from "./resource-policy";

export function checkNoHostAccess(r: Resource): string[] {
  const spec = podSpecOf(r) as Record<string, unknown> | undefined;
  if (!spec) return [];
  const out: string[] = [];
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (spec[field] === true) out.push(`${field} is true; pods use their own namespaces`);
  }
  const volumes = Array.isArray(spec["volumes"]) ? (spec["volumes"] as unknown[]) : [];
  for (const v of volumes) {
    if (!isObject(v) || !isObject(v["hostPath"])) continue;
    out.push(
      `hostPath volume "${String(v["name"])}" mounts ${String(v["hostPath"]["path"])} from the node; use a ConfigMap, Secret or PersistentVolumeClaim`,
    );
  }
  return out;
}

export const noHostAccess = resourcePolicy(
  "no-host-access",
  "No host network, PID or IPC namespace and no hostPath volume (except objects named in the pack's exceptions).",
  checkNoHostAccess,
);
