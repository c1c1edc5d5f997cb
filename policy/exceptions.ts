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
  /** The part let through: the start of the policy's message for it (`containers[0] "x"`, a field path). */
  readonly subject: string;
  /** Why it cannot comply, and why that is acceptable. */
  readonly reason: string;
}

export const POLICY_EXCEPTIONS: readonly PolicyException[] = [
  {
    policy: "container-resources",
    kind: "Job",
    namespace: "gpu-operator",
    name: "gpu-operator-upgrade-crd",
    subject: 'containers[0] "upgrade-crd"',
    reason:
      "the GPU operator chart's pre-upgrade hook (kubectl apply of its CRDs, seconds long) has no resources value " +
      "in chart v25.10.1",
  },
  {
    policy: "container-resources",
    kind: "Job",
    namespace: "gpu-operator",
    name: "gpu-operator-node-feature-discovery-prune",
    subject: 'containers[0] "nfd-master"',
    reason:
      "node-feature-discovery's post-delete hook (runs once, on uninstall): its chart writes master.resources at " +
      "the pod level instead of on the container, so no value reaches the container",
  },
  {
    policy: "no-plaintext-credentials",
    kind: "Service",
    namespace: "cnpg-system",
    name: "barman-cloud",
    subject: "metadata.annotations.cnpg.io/pluginClientSecret ",
    reason:
      "the annotation names the Secret holding the plugin's client certificate (CNPG-I discovery), not a credential",
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
      message.startsWith(e.subject),
  );
}
