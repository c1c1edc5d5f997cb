/**
 * Every workload that runs more than one replica has a PodDisruptionBudget selecting its pods, so a
 * node drain (a k3s upgrade, a Lambda instance replaced) never takes all of them at once. A workload
 * counts as multi-replica when `spec.replicas` > 1 or an HPA may scale it above one.
 */
import type { StackValidationPolicy } from "@pulumi/policy";

import { at, isObject, kindOf, namespaceOf, objectNameOf, podLabelsOf, selects, type Resource } from "../kubernetes";

const SCALABLE = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:ReplicaSet"];

export interface StackViolation {
  /** The resource (by Pulumi name and type) the violation is about. */
  readonly resource: Resource;
  readonly message: string;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** The most replicas a workload may run: its own count, or the largest HPA maximum targeting it. */
export function maxReplicas(workload: Resource, all: readonly Resource[]): number {
  const kind = kindOf(workload.type);
  const name = objectNameOf(workload);
  const namespace = namespaceOf(workload);
  let max = num(at(workload.props, "spec", "replicas")) ?? 1;
  for (const hpa of all) {
    if (!/^kubernetes:autoscaling\/v\d+\w*:HorizontalPodAutoscaler$/.test(hpa.type)) continue;
    if (namespaceOf(hpa) !== namespace) continue;
    const target = at(hpa.props, "spec", "scaleTargetRef");
    if (!isObject(target) || target["kind"] !== kind || target["name"] !== name) continue;
    max = Math.max(max, num(at(hpa.props, "spec", "maxReplicas")) ?? 1, num(at(hpa.props, "spec", "minReplicas")) ?? 1);
  }
  return max;
}

export function checkDisruptionBudgets(all: readonly Resource[]): StackViolation[] {
  const budgets = all.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget");
  const out: StackViolation[] = [];
  for (const workload of all.filter((r) => SCALABLE.includes(r.type))) {
    const replicas = maxReplicas(workload, all);
    if (replicas <= 1) continue;
    const labels = podLabelsOf(workload);
    const namespace = namespaceOf(workload);
    const covered = budgets.some((pdb) => {
      const selector = at(pdb.props, "spec", "selector");
      return namespaceOf(pdb) === namespace && isObject(selector) && selects(selector, labels);
    });
    if (!covered) {
      out.push({
        resource: workload,
        message:
          `${kindOf(workload.type)} ${namespace ?? "default"}/${objectNameOf(workload)} runs up to ${replicas} replicas ` +
          `but no PodDisruptionBudget in its namespace selects its pods; add one (maxUnavailable: 1)`,
      });
    }
  }
  return out;
}

export const disruptionBudgets: StackValidationPolicy = {
  name: "disruption-budgets",
  description: "Every workload that may run more than one replica has a PodDisruptionBudget selecting its pods.",
  validateStack: (args, reportViolation) => {
    const resources = args.resources.map((r) => ({
      type: r.type,
      name: r.name,
      props: r.props as Record<string, unknown>,
    }));
    const urns = new Map(resources.map((r, i) => [r, args.resources[i]!.urn]));
    for (const v of checkDisruptionBudgets(resources)) reportViolation(v.message, urns.get(v.resource));
  },
};
