/**
 * Which nodes a pod can be scheduled on, by the scheduler's node-level rules that placement uses:
 * the required node affinity (`In`, `NotIn`, `Exists`, `DoesNotExist`), the node selector, and
 * NoSchedule/NoExecute taints against tolerations. Pure; used to check the placement table end to
 * end (cluster-layer labels and taints against application affinities and tolerations).
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
 */
export interface NodeFacts {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly { key: string; value?: string; effect: string }[];
}

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}
interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}
export interface PodPlacement {
  nodeSelector?: Record<string, string>;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchExpressions?: Requirement[] }[] };
    };
  };
  tolerations?: Toleration[];
}

function matches(req: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = req.key in labels;
  const value = labels[req.key];
  switch (req.operator) {
    case "In":
      return has && (req.values ?? []).includes(value!);
    case "NotIn":
      return !has || !(req.values ?? []).includes(value!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      throw new Error(`unsupported node selector operator ${req.operator}`);
  }
}

function tolerates(tolerations: readonly Toleration[], taint: NodeFacts["taints"][number]): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return t.key === undefined || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

export function schedulableNodes(pod: PodPlacement, nodes: readonly NodeFacts[]): string[] {
  return nodes
    .filter((node) => {
      for (const [k, v] of Object.entries(pod.nodeSelector ?? {})) if (node.labels[k] !== v) return false;
      const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      // Terms are ORed; the expressions of a term are ANDed.
      if (terms && !terms.some((t) => (t.matchExpressions ?? []).every((r) => matches(r, node.labels)))) return false;
      return node.taints
        .filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute")
        .every((t) => tolerates(pod.tolerations ?? [], t));
    })
    .map((n) => n.name);
}
