/**
 * Which namespaces the platform needs for the enabled layers, and how each is locked down.
 * Pure: tested without Pulumi.
 */
/** A layer's switch, as the stack config has it. */
interface LayerSwitch {
  readonly mode: "skip" | "create";
}

/** What the plan depends on: which layers are enabled (the stack passes its parsed settings). */
export interface NamespacePlanInput {
  readonly backend: LayerSwitch;
  readonly mcp: LayerSwitch;
  readonly postgres: LayerSwitch;
  readonly redis: LayerSwitch;
  readonly ingress: LayerSwitch;
  readonly gpuOperator: LayerSwitch;
  readonly monitoring: LayerSwitch;
}

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/** Every namespace the plan may create, by role: the names other layers and tooling refer to. */
export const NAMESPACES = {
  apps: "sophia-apps",
  mcp: "sophia-mcp",
  data: "sophia-data",
  cnpg: "cnpg-system",
  certManager: "cert-manager",
  ingress: "ingress",
  gpuOperator: "gpu-operator",
  monitoring: "monitoring",
} as const;
export type NamespaceName = (typeof NAMESPACES)[keyof typeof NAMESPACES];

export interface NamespaceSpec {
  /** Namespace name (fixed, so other layers and tooling can refer to it). */
  readonly name: NamespaceName;
  /** What runs there. */
  readonly purpose: string;
  /** Pod Security Admission level enforced. */
  readonly podSecurity: PodSecurityLevel;
  /** Why the namespace is not `restricted` (required when it is not). */
  readonly exception?: string;
  /** Deny all traffic by default (workloads add their own allow policies) and allow DNS egress. */
  readonly defaultDeny: boolean;
  /**
   * For namespaces of third-party charts, whose pods carry no policies of their own: what the
   * namespace allows on top of default deny (traffic inside the namespace, the listed ports from
   * anywhere, e.g. admission webhooks called by the API server, and egress).
   */
  readonly allow?: NamespaceAllow;
}

export interface NamespaceAllow {
  /** Ports open to any source (the API server calling webhooks comes from the host network). */
  readonly ingressPorts: readonly number[];
  /** Namespaces whose pods may connect to any port (e.g. Prometheus scraping). */
  readonly ingressFromNamespaces: readonly NamespaceName[];
  /** Egress to anywhere (controllers call the API server, ACME, registries, object storage). */
  readonly egressAll: boolean;
}

/** The Kubernetes minor whose Pod Security standards we pin (matches the pinned k3s). */
export const POD_SECURITY_VERSION = "v1.33";

export function namespacePlan(s: NamespacePlanInput): NamespaceSpec[] {
  const plan: NamespaceSpec[] = [];
  if (s.backend.mode === "create") {
    plan.push({
      name: NAMESPACES.apps,
      purpose: "backend API and GPU inference services",
      podSecurity: "restricted",
      defaultDeny: true,
    });
  }
  if (s.mcp.mode === "create") {
    plan.push({
      name: NAMESPACES.mcp,
      purpose: "MCP servers and their gateway",
      podSecurity: "restricted",
      defaultDeny: true,
    });
  }
  if (s.postgres.mode === "create" || s.redis.mode === "create") {
    plan.push({ name: NAMESPACES.data, purpose: "Postgres and Redis", podSecurity: "restricted", defaultDeny: true });
  }
  const scrapers: NamespaceName[] = s.monitoring.mode === "create" ? [NAMESPACES.monitoring] : [];
  if (s.postgres.mode === "create") {
    plan.push({
      name: NAMESPACES.cnpg,
      purpose: "the CloudNativePG operator and its Barman Cloud backup plugin",
      podSecurity: "restricted",
      defaultDeny: true,
      // Admission webhooks (9443); the plugin's gRPC endpoint (9090) for the instances.
      allow: { ingressPorts: [9443, 9090], ingressFromNamespaces: scrapers, egressAll: true },
    });
  }
  if (s.ingress.mode === "create") {
    plan.push({
      name: NAMESPACES.certManager,
      purpose: "cert-manager",
      podSecurity: "restricted",
      defaultDeny: true,
      // The webhook; ACME HTTP-01 self-checks and the ACME API go out.
      allow: { ingressPorts: [10250], ingressFromNamespaces: scrapers, egressAll: true },
    });
    // Envoy listens on unprivileged ports (10080/10443) behind its Service, so restricted holds.
    plan.push({
      name: NAMESPACES.ingress,
      purpose: "the ingress controller (Envoy Gateway), the Gateway and its certificates",
      podSecurity: "restricted",
      defaultDeny: true,
      // Envoy's listeners behind the Service (80 → 10080, 443 → 10443); proxies reach any backend.
      allow: { ingressPorts: [10080, 10443], ingressFromNamespaces: scrapers, egressAll: true },
    });
  }
  if (s.gpuOperator.mode === "create") {
    plan.push({
      name: NAMESPACES.gpuOperator,
      purpose: "NVIDIA GPU operator",
      podSecurity: "privileged",
      exception: "the container toolkit, device plugin and DCGM exporter need host devices and paths",
      defaultDeny: true,
      allow: { ingressPorts: [], ingressFromNamespaces: scrapers, egressAll: true },
    });
  }
  if (s.monitoring.mode === "create") {
    plan.push({
      name: NAMESPACES.monitoring,
      purpose: "Prometheus, Grafana, AlertManager, Loki, Alloy",
      podSecurity: "privileged",
      exception: "node-exporter reads host paths and uses the host network and PID namespace",
      defaultDeny: true,
      // Grafana through the gateway; Prometheus scrapes every namespace, AlertManager pages out.
      allow: {
        ingressPorts: [],
        ingressFromNamespaces: s.ingress.mode === "create" ? [NAMESPACES.ingress] : [],
        egressAll: true,
      },
    });
  }
  return plan;
}

/** The Pod Security Admission labels for one namespace. */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"] as const) {
    // Audit and warn stay at restricted everywhere so exceptions remain visible.
    const value = mode === "enforce" ? level : "restricted";
    labels[`pod-security.kubernetes.io/${mode}`] = value;
    labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
  }
  return labels;
}
