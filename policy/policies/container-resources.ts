/**
 * Every container declares CPU and memory requests (what the scheduler reserves) and limits (what
 * one container may take from its neighbours on a shared GPU node).
 */
import { containersOf, isObject, podSpecOf, type Resource } from "../kubernetes";
import { resourcePolicy } from "./resource-policy";

const REQUIRED = [
  ["requests", "cpu"],
  ["requests", "memory"],
  ["limits", "cpu"],
  ["limits", "memory"],
] as const;

export function checkContainerResources(r: Resource): string[] {
  const spec = podSpecOf(r);
  if (!spec) return [];
  const out: string[] = [];
  for (const { where, container } of containersOf(spec)) {
    const resources = isObject(container.resources) ? container.resources : {};
    const missing = REQUIRED.filter(([section, name]) => {
      const values = resources[section];
      return !isObject(values) || values[name] === undefined || values[name] === "";
    }).map(([section, name]) => `${section}.${name}`);
    if (missing.length > 0) out.push(`${where} sets no ${missing.join(", ")}`);
  }
  return out;
}

export const containerResources = resourcePolicy(
  "container-resources",
  "Every container sets CPU and memory requests and limits.",
  checkContainerResources,
);
