/**
 * No privileged containers. None of what the program and its charts render needs one: the GPU
 * operator's privileged operands (driver, container toolkit, device plugin) are created by the
 * operator at run time from its ClusterPolicy, where the `gpu-operator` namespace's Pod Security
 * level (privileged) admits them. An object that must is named in exceptions.ts.
 */
import { containersOf, podSpecOf, type Resource } from "../kubernetes";
import { resourcePolicy } from "./resource-policy";

export function checkNoPrivilegedContainers(r: Resource): string[] {
  const spec = podSpecOf(r);
  if (!spec) return [];
  return containersOf(spec)
    .filter(({ container }) => container.securityContext?.privileged === true)
    .map(({ where }) => `${where} is privileged; run it unprivileged, or name it in the pack's exceptions with why`);
}

export const noPrivilegedContainers = resourcePolicy(
  "no-privileged-containers",
  "No privileged containers (except objects named in the pack's exceptions).",
  checkNoPrivilegedContainers,
);
