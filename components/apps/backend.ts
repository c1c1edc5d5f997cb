import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { GATEWAY_PEER, hostRouteSpec, httpRoute, type GatewayRef } from "../ingress";
import type { Scheduling } from "../placement";
import { httpProbe, secretEnv, type WorkloadSpec } from "./workload";
import { registerWorkload, type ScrapeTarget } from "./workload-resources";

export const BACKEND_NAME = "sophia-backend";
export const BACKEND_PORT = 8000;
/**
 * Where the backend serves its Prometheus metrics (on its HTTP port). The API alert rules
 * (k8s/monitoring/alert-rules.yaml) read `http_request_duration_seconds` and `http_requests_total`
 * from it under `job="sophia-backend"`.
 */
export const BACKEND_METRICS_PATH = "/metrics";
const ENV_KEYS = ["DATABASE_URL", "REDIS_URL", "WEAVIATE_URL", "WEAVIATE_API_KEY"] as const;

export interface BackendSettings {
  readonly image: string;
  readonly tag: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scheduling: Scheduling;
}

export function backendWorkload(s: BackendSettings): WorkloadSpec {
  return {
    name: BACKEND_NAME,
    labels: { "app.kubernetes.io/name": BACKEND_NAME, "app.kubernetes.io/part-of": "sophia" },
    image: `${s.image}:${s.tag}`,
    port: BACKEND_PORT,
    env: [{ name: "PORT", value: String(BACKEND_PORT) }, ...secretEnv(BACKEND_NAME, ENV_KEYS)],
    resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
    scheduling: s.scheduling,
    probes: { liveness: httpProbe("/health", BACKEND_PORT, 15), readiness: httpProbe("/health", BACKEND_PORT, 5) },
    kubernetesApi: false,
    metricsPath: BACKEND_METRICS_PATH,
  };
}

/** Who may reach the backend (the gateway) and what it may reach (data services, MCP servers, HTTPS). */
export function backendNetworkPolicy(mcpPorts: readonly number[]): k8s.types.input.networking.v1.NetworkPolicySpec {
  const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
  const tcp = (port: number) => ({ protocol: "TCP", port });
  return {
    podSelector: { matchLabels: { "app.kubernetes.io/name": BACKEND_NAME } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: [GATEWAY_PEER], ports: [tcp(BACKEND_PORT)] }],
    egress: [
      { to: [ns("sophia-data")], ports: [tcp(5432), tcp(6379), tcp(26379)] },
      ...(mcpPorts.length > 0 ? [{ to: [ns("sophia-mcp")], ports: [...new Set(mcpPorts)].map(tcp) }] : []),
      { to: [{ podSelector: { matchLabels: { "app.kubernetes.io/component": "inference" } } }], ports: [tcp(8000)] },
      // Weaviate Cloud and the model APIs.
      { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp(443)] },
    ],
  };
}

export interface BackendArgs {
  /**
   * Namespace of the backend (`sophia-apps`, Pod Security `restricted`).
   * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
   */
  readonly namespace: pulumi.Input<string>;
  /** The stack's base domain: the API is `api.<domain>`. */
  readonly domain: string;
  /** Image, replica bounds and placement. */
  readonly settings: BackendSettings;
  /** Connection settings from the other layers' outputs (secrets). */
  readonly connections: Partial<Record<(typeof ENV_KEYS)[number], pulumi.Input<string>>>;
  /** Ports of the MCP servers the backend calls directly. */
  readonly mcpPorts: readonly number[];
  /**
   * The Gateway publishing `api.<domain>`.
   * @default none (not published)
   * @see https://gateway-api.sigs.k8s.io/api-types/httproute/
   */
  readonly gateway?: GatewayRef;
  /** Monitoring is deployed: the backend's metrics are scraped. @default none */
  readonly scrape?: ScrapeTarget;
}

/**
 * The backend API at `api.<domain>`: 3 to 10 replicas on 70% CPU or 80% memory, `/health` probes,
 * a PDB, and its connections (Postgres, Sentinel-aware Redis, Weaviate) in a Secret.
 */
export class Backend extends pulumi.ComponentResource {
  public readonly url: string;

  constructor(name: string, args: BackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:apps:Backend", name, {}, opts);
    const w = backendWorkload(args.settings);
    const meta = { name: BACKEND_NAME, namespace: args.namespace, labels: w.labels };
    const env = new k8s.core.v1.Secret(
      `${name}-env`,
      {
        metadata: meta,
        type: "Opaque",
        stringData: pulumi.secret(
          pulumi.output(args.connections).apply((c) => Object.fromEntries(ENV_KEYS.map((k) => [k, c[k] ?? ""]))),
        ),
      },
      { parent: this },
    );
    registerWorkload(this, {
      id: name,
      workload: w,
      namespace: args.namespace,
      autoscaling: { min: args.settings.minReplicas, max: args.settings.maxReplicas, cpu: 70, memory: 80 },
      networkPolicy: backendNetworkPolicy(args.mcpPorts),
      dependsOn: [env],
      ...(args.scrape ? { scrape: args.scrape } : {}),
    });
    if (args.gateway) {
      httpRoute(
        `${name}-route`,
        {
          metadata: meta,
          spec: hostRouteSpec(args.gateway, "api", args.domain, { name: BACKEND_NAME, port: BACKEND_PORT }),
        },
        { parent: this },
      );
    }
    this.url = `https://api.${args.domain}`;
    this.registerOutputs({ url: this.url });
  }
}
