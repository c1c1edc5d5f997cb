/**
 * The pack's exceptions: each one object (kind, namespace, name) and the one part of it (a container,
 * a field) that a policy lets through, with the reason. Nothing is skipped by namespace or by kind:
 * an object not listed here is checked in full, and a listed object only loses the named part.
 * Objects of third-party charts, as they render with the program's release names (checked by
 * test/integration/charts-render.test.ts, which runs the pack over everything the charts render).
 */
import { kindOf, namespaceOf, objectNameOf, type Resource } from "./kubernetes";

export interface PolicyException {
  /** The policy that lets it through. */
  readonly policy: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The parts let through: each the start of the policy's message for it (`containers[0] "x"`, a field path). */
  readonly subjects: readonly string[];
  /** Why it cannot comply, and why that is acceptable. */
  readonly reason: string;
}

export const POLICY_EXCEPTIONS: readonly PolicyException[] = [
  {
    policy: "container-resources",
    kind: "Job",
    namespace: "gpu-operator",
    name: "gpu-operator-upgrade-crd",
    subjects: ['containers[0] "upgrade-crd"'],
    reason:
      "the GPU operator chart's pre-upgrade hook (kubectl apply of its CRDs, seconds long) has no resources value " +
      "in chart v25.10.1",
  },
  {
    policy: "container-resources",
    kind: "Job",
    namespace: "gpu-operator",
    name: "gpu-operator-node-feature-discovery-prune",
    subjects: ['containers[0] "nfd-master"'],
    reason:
      "node-feature-discovery's post-delete hook (runs once, on uninstall): its chart writes master.resources at " +
      "the pod level instead of on the container, so no value reaches the container",
  },
  {
    policy: "no-plaintext-credentials",
    kind: "Service",
    namespace: "cnpg-system",
    name: "barman-cloud",
    subjects: ["metadata.annotations.cnpg.io/pluginClientSecret "],
    reason:
      "the annotation names the Secret holding the plugin's client certificate (CNPG-I discovery), not a credential",
  },
  {
    policy: "no-host-access",
    kind: "DaemonSet",
    namespace: "monitoring",
    name: "kube-prometheus-stack-prometheus-node-exporter",
    subjects: ["hostNetwork", "hostPID", ...["proc", "sys", "root"].map((v) => `hostPath volume "${v}" `)],
    reason:
      "node-exporter reports the node itself: it reads /proc, /sys and the root filesystem read-only, and listens " +
      "on the node's network so Prometheus scrapes each node once (the monitoring namespace is Pod Security privileged for it)",
  },
  {
    policy: "no-host-access",
    kind: "DaemonSet",
    namespace: "gpu-operator",
    name: "gpu-operator-node-feature-discovery-worker",
    subjects: [
      "host-boot",
      "host-os-release",
      "host-sys",
      "host-usr-lib",
      "host-lib",
      "host-proc-swaps",
      "features-d",
    ].map((v) => `hostPath volume "${v}" `),
    reason:
      "node-feature-discovery labels each node from its kernel, OS release, PCI devices and libraries (read-only " +
      "mounts), which is how the GPU operator finds the GPU nodes",
  },
  {
    policy: "no-host-access",
    kind: "Deployment",
    namespace: "gpu-operator",
    name: "gpu-operator",
    subjects: ['hostPath volume "host-os-release" '],
    reason: "the GPU operator reads the node's /etc/os-release (read-only) to pick the driver and toolkit images",
  },
];

/** The exception that lets `message` of `policy` through for `r`, if any. */
export function exceptionFor(policy: string, r: Resource, message: string): PolicyException | undefined {
  const kind = kindOf(r.type);
  const namespace = namespaceOf(r);
  const name = objectNameOf(r);
  return POLICY_EXCEPTIONS.find(
    (e) =>
      e.policy === policy &&
      e.kind === kind &&
      e.namespace === namespace &&
      e.name === name &&
      e.subjects.some((subject) => message.startsWith(subject)),
  );
}
