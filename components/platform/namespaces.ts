import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { podSecurityLabels, type NamespaceAllow, type NamespaceName, type NamespaceSpec } from "./namespace-plan";

/** The namespaces created, by name (only those the plan had). */
export type NamespaceOutputs = { readonly [N in NamespaceName]?: pulumi.Output<string> };

export interface PlatformNamespacesArgs {
  /** The namespaces to create, from `namespacePlan`. */
  readonly namespaces: readonly NamespaceSpec[];
  /** Labels added to every namespace. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The platform's namespaces with Pod Security Admission labels, and for isolated ones a default-deny
 * NetworkPolicy plus DNS egress.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export class PlatformNamespaces extends pulumi.ComponentResource {
  /** Namespace name by name, resolved once the namespace exists. */
  public readonly names: NamespaceOutputs;

  constructor(name: string, args: PlatformNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:platform:PlatformNamespaces", name, {}, opts);
    const names: { [N in NamespaceName]?: pulumi.Output<string> } = {};
    for (const spec of args.namespaces) {
      const ns = new k8s.core.v1.Namespace(
        `${name}-${spec.name}`,
        {
          metadata: {
            name: spec.name,
            labels: { ...args.labels, ...podSecurityLabels(spec.podSecurity) },
            annotations: {
              "sophia-intel.ai/purpose": spec.purpose,
              ...(spec.exception ? { "sophia-intel.ai/pod-security-exception": spec.exception } : {}),
            },
          },
        },
        { parent: this },
      );
      names[spec.name] = ns.metadata.name;
      if (spec.defaultDeny) {
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${spec.name}-default-deny`,
          {
            metadata: { name: "default-deny", namespace: ns.metadata.name },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
          },
          { parent: this },
        );
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${spec.name}-allow-dns`,
          {
            metadata: { name: "allow-dns", namespace: ns.metadata.name },
            spec: {
              podSelector: {},
              policyTypes: ["Egress"],
              egress: [
                {
                  to: [
                    {
                      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                      podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                    },
                  ],
                  ports: [
                    { protocol: "UDP", port: 53 },
                    { protocol: "TCP", port: 53 },
                  ],
                },
              ],
            },
          },
          { parent: this },
        );
      }
      if (spec.allow) {
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${spec.name}-allow-platform`,
          { metadata: { name: "allow-platform", namespace: ns.metadata.name }, spec: allowPolicySpec(spec.allow) },
          { parent: this },
        );
      }
    }
    this.names = names;
    this.registerOutputs({ names: this.names });
  }
}

/** The policy a third-party chart's namespace gets on top of default deny. */
export function allowPolicySpec(allow: NamespaceAllow): k8s.types.input.networking.v1.NetworkPolicySpec {
  const fromNamespaces = allow.ingressFromNamespaces.map((n) => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } },
  }));
  return {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      // Inside the namespace, and from the listed namespaces, anything.
      { from: [{ podSelector: {} }, ...fromNamespaces] },
      ...(allow.ingressPorts.length > 0
        ? [{ ports: allow.ingressPorts.map((port) => ({ protocol: "TCP", port })) }]
        : []),
    ],
    egress: allow.egressAll ? [{}] : [{ to: [{ podSelector: {} }] }],
  };
}
