/**
 * What the policies read from a Kubernetes object as the engine hands it to the pack: plain JSON
 * (the policy SDK unwraps secrets and outputs), typed loosely because any object can arrive. Pure.
 */

/** One resource as a policy sees it. */
export interface Resource {
  /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** The resource's Pulumi name (the last URN segment). */
  readonly name: string;
  readonly props: Record<string, unknown>;
}

/** A container of a pod template, with where it sits (for messages). */
export interface ContainerAt {
  /** e.g. `containers[0] "redis"`. */
  readonly where: string;
  readonly container: Container;
}

export interface Container {
  readonly name?: string;
  readonly image?: string;
  readonly env?: readonly { name?: string; value?: unknown; valueFrom?: unknown }[];
  readonly resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  readonly securityContext?: { privileged?: unknown };
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly ephemeralContainers?: readonly Container[];
  readonly tolerations?: readonly Toleration[];
}

export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** `kubernetes:apps/v1:Deployment` → `Deployment`; other providers' types → undefined. */
export function kindOf(type: string): string | undefined {
  const m = /^kubernetes:[^:]+:([A-Za-z0-9]+)$/.exec(type);
  return m?.[1];
}

/** Where each pod-bearing kind keeps its pod template's spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:core/v1:PodTemplate": ["template", "spec"],
  "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** The pod spec a workload object runs, or undefined for objects that run no pods. */
export function podSpecOf(r: Resource): PodSpec | undefined {
  const path = POD_SPEC_PATHS[r.type];
  if (!path) return undefined;
  const spec = at(r.props, ...path);
  return isObject(spec) ? spec : undefined;
}

/** The labels a workload's pods carry. */
export function podLabelsOf(r: Resource): Record<string, string> {
  const path = POD_SPEC_PATHS[r.type];
  if (!path) return {};
  const labels = at(r.props, ...path.slice(0, -1), "metadata", "labels");
  return isObject(labels) ? (labels as Record<string, string>) : {};
}

/** Every container of a pod spec: regular, init and ephemeral. */
export function containersOf(spec: PodSpec): ContainerAt[] {
  const out: ContainerAt[] = [];
  for (const field of ["containers", "initContainers", "ephemeralContainers"] as const) {
    (spec[field] ?? []).forEach((container, i) => {
      out.push({ where: `${field}[${i}] "${container.name ?? "?"}"`, container });
    });
  }
  return out;
}

/** The object's namespace (`metadata.namespace`; a Helm release's `namespace`); undefined if unset. */
export function namespaceOf(r: Resource): string | undefined {
  const ns = at(r.props, "metadata", "namespace") ?? r.props["namespace"];
  return typeof ns === "string" ? ns : undefined;
}

/** The object's Kubernetes name (`metadata.name`), falling back to the Pulumi name. */
export function objectNameOf(r: Resource): string {
  const name = at(r.props, "metadata", "name");
  return typeof name === "string" ? name : r.name;
}

/** Whether a label selector selects an object with `labels` (an empty selector selects everything). */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === "In"
        ? has && values.includes(value ?? "")
        : e.operator === "NotIn"
          ? !has || !values.includes(value ?? "")
          : e.operator === "Exists"
            ? has
            : e.operator === "DoesNotExist"
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}
