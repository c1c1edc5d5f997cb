/**
 * A container asking for a GPU runs on a GPU node, and every GPU node is tainted with its class:
 * without a matching toleration the pod stays Pending. A toleration matches when it names the taint
 * with `Exists`, or with `Equal` and one of the GPU classes, for the `NoSchedule` effect (or all).
 */
import { containersOf, isObject, podSpecOf, type Resource, type Toleration } from "../kubernetes";
import { GPU_NODE_CLASSES, GPU_RESOURCE, NODE_CLASS_TAINT } from "../names";
import { resourcePolicy } from "./resource-policy";

export function toleratesGpuTaint(t: Toleration): boolean {
  const keyMatches = t.key === NODE_CLASS_TAINT || (t.key === undefined && t.operator === "Exists");
  const effectMatches = t.effect === undefined || t.effect === "" || t.effect === "NoSchedule";
  const valueMatches = t.operator === "Exists" || GPU_NODE_CLASSES.includes(t.value ?? "");
  return keyMatches && effectMatches && valueMatches;
}

function asksForGpu(resources: unknown): boolean {
  if (!isObject(resources)) return false;
  return (["limits", "requests"] as const).some((section) => {
    const values = resources[section];
    if (!isObject(values)) return false;
    const n = values[GPU_RESOURCE];
    return n !== undefined && n !== 0 && n !== "0";
  });
}

export function checkGpuTolerations(r: Resource): string[] {
  const spec = podSpecOf(r);
  if (!spec) return [];
  const gpuContainers = containersOf(spec).filter(({ container }) => asksForGpu(container.resources));
  if (gpuContainers.length === 0 || (spec.tolerations ?? []).some(toleratesGpuTaint)) return [];
  return [
    `${gpuContainers.map((c) => c.where).join(", ")} ask for ${GPU_RESOURCE} but the pod does not tolerate ` +
      `the GPU nodes' taint ${NODE_CLASS_TAINT}=<class>:NoSchedule; add the toleration for its class ` +
      `(components/placement: schedulingFor)`,
  ];
}

export const gpuTolerations = resourcePolicy(
  "gpu-tolerations",
  `Pods asking for ${GPU_RESOURCE} tolerate the GPU nodes' ${NODE_CLASS_TAINT} taint.`,
  checkGpuTolerations,
);
