/**
 * The spec's workload-placement table turned into Kubernetes terms: the labels and taints a node of
 * each GPU class carries, and the node affinity and tolerations a workload of each class gets.
 * One table (`placement` in config) feeds both sides, so they cannot disagree. Pure.
 */
import type * as k8s from "@pulumi/kubernetes";

import type { NodeClass, PlacementTable, WorkloadClass } from "./classes";

/** Node label naming the node's GPU class. */
export const NODE_CLASS_LABEL = "sophia-intel.ai/node-class";
/** Taint keeping other classes' workloads off a node; its value is the node's GPU class. */
export const NODE_CLASS_TAINT = "sophia-intel.ai/node-class";

type Affinity = k8s.types.input.core.v1.Affinity;
type Toleration = k8s.types.input.core.v1.Toleration;

export interface Scheduling {
  /** Node affinity (required) to the workload class's GPU class. */
  readonly affinity: Affinity;
  readonly tolerations: Toleration[];
}

/** Where workloads of `workload` run: required affinity to its class's nodes, tolerating their taint. */
export function schedulingFor(workload: WorkloadClass, placement: PlacementTable): Scheduling {
  const nodeClass = placement[workload];
  return {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_CLASS_LABEL, operator: "In", values: [nodeClass] }] }],
        },
      },
    },
    tolerations: [{ key: NODE_CLASS_TAINT, operator: "Equal", value: nodeClass, effect: "NoSchedule" }],
  };
}

/** Tolerations for node agents (GPU operator, monitoring, log shipping) that run on every class. */
export function everyNodeClassTolerations(): Toleration[] {
  return [{ key: NODE_CLASS_TAINT, operator: "Exists", effect: "NoSchedule" }];
}

/** The labels and taints of a node of `nodeClass` (applied by the cluster layer). */
export function nodeLabelsAndTaints(nodeClass: NodeClass): {
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: "NoSchedule" }[];
} {
  return {
    labels: { [NODE_CLASS_LABEL]: nodeClass },
    taints: [{ key: NODE_CLASS_TAINT, value: nodeClass, effect: "NoSchedule" }],
  };
}
