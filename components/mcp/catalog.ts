/**
 * The MCP server catalog: the spec's 16 servers by default, overridden or extended entry by entry
 * from config (`mcp.servers`). Every other piece of the MCP layer is generated from the resolved
 * catalog, so adding a 17th server is one entry.
 */
import type { WorkloadClass } from "../placement";

export interface EgressRule {
  /** Destination host (documentation: NetworkPolicy matches addresses). */
  readonly host?: string;
  readonly cidr: string;
  readonly port: number;
}

/** A container's CPU and memory requests and limits (Kubernetes quantities). */
export interface McpResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * A catalog entry as config gives it (`mcp.servers`): fields left out keep the spec's entry (for its
 * 16 servers) or the catalog defaults. The config schema parses exactly this shape.
 */
export interface McpServerEntry {
  /** Server name: `mcp.<domain>/mcp/<name>`; an existing name overrides that entry. */
  readonly name: string;
  /** `false` removes a default server. @default true */
  readonly enabled?: boolean;
  /** Image repository. @default `scoobyjava15/sophia-mcp-<name>` */
  readonly image?: string;
  /** Pinned image tag. @default the catalog's `tag` */
  readonly tag?: string;
  /** Container port, Streamable HTTP at `/mcp`. @default 8080 */
  readonly port?: number;
  /** HPA minimum. @default 2 */
  readonly minReplicas?: number;
  /** HPA maximum. @default 5 */
  readonly maxReplicas?: number;
  /** HPA target CPU utilisation, %. @default 60 */
  readonly cpuTarget?: number;
  /** @default 1 CPU / 2Gi, limits 2 CPU / 4Gi */
  readonly resources?: McpResources;
  /** Env vars read from the server's Secret (values from `mcpSecrets.<name>`). @default [] */
  readonly secrets?: string[];
  /** Egress beyond DNS. @default [] */
  readonly egress?: EgressRule[];
  /** Placement class. @default "mcp" */
  readonly workloadClass?: WorkloadClass;
  /** Needs `Mcp-Session-Id` affinity at the gateway. @default false */
  readonly stateful?: boolean;
  /** The backend may call this server directly. @default false */
  readonly fromBackend?: boolean;
  /** Mount a ServiceAccount token (the server calls the Kubernetes API). @default false */
  readonly kubernetesApi?: boolean;
  /** Path of the Prometheus metrics the server serves on its port. @default none (not scraped) */
  readonly metricsPath?: string;
}

/** Per-server credentials: `{ <server>: { <ENV_VAR>: <value> } }`. */
export type McpSecretValues = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** What the catalog is resolved from: the default tag and the config entries. */
export interface McpCatalogSettings {
  /** Default image tag for every server. */
  readonly tag: string;
  /** Entries overriding the spec's servers by name, or adding servers. @default [] */
  readonly servers?: readonly McpServerEntry[] | undefined;
}

/** One resolved catalog entry. */
export interface McpServer {
  readonly name: string;
  /** Image repository and pinned tag. */
  readonly image: string;
  readonly tag: string;
  readonly port: number;
  readonly transport: "streamable-http";
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuTarget: number;
  readonly resources: McpResources;
  /** Env vars read from the server's own Secret (values from `mcpSecrets.<name>`). */
  readonly secrets: readonly string[];
  readonly egress: readonly EgressRule[];
  readonly workloadClass: WorkloadClass;
  /** Replicas keep session state: the gateway pins a session (`Mcp-Session-Id`) to one replica. */
  readonly stateful: boolean;
  /** The backend may call the server directly (not only through the gateway). */
  readonly fromBackend: boolean;
  /** Needs the Kubernetes API (a ServiceAccount token is mounted). */
  readonly kubernetesApi: boolean;
  /** Path of the Prometheus metrics it serves on its port, if any (scraped by a ServiceMonitor). */
  readonly metricsPath?: string;
}

const https = (host: string): EgressRule => ({ host, cidr: "0.0.0.0/0", port: 443 });

/**
 * The spec's servers: what each needs beyond the defaults. Ports are distinct (9000 for ai-memory as
 * the plan says, then one each), so every server is addressable on its own port.
 */
const SPEC_SERVERS: Record<string, Partial<McpServerEntry> & { secrets: string[]; egress: EgressRule[] }> = {
  "ai-memory": {
    port: 9000,
    stateful: true,
    fromBackend: true,
    secrets: ["OPENAI_API_KEY"],
    egress: [https("api.openai.com")],
  },
  codacy: {
    port: 9001,
    secrets: ["CODACY_API_TOKEN"],
    egress: [https("api.codacy.com")],
  },
  github: {
    port: 9002,
    secrets: ["GITHUB_TOKEN"],
    egress: [https("api.github.com")],
  },
  linear: {
    port: 9003,
    secrets: ["LINEAR_API_KEY"],
    egress: [https("api.linear.app")],
  },
  asana: {
    port: 9004,
    secrets: ["ASANA_ACCESS_TOKEN"],
    egress: [https("app.asana.com")],
  },
  notion: {
    port: 9005,
    secrets: ["NOTION_API_KEY"],
    egress: [https("api.notion.com")],
  },
  hubspot: {
    port: 9006,
    secrets: ["HUBSPOT_ACCESS_TOKEN"],
    egress: [https("api.hubapi.com")],
  },
  slack: {
    port: 9007,
    secrets: ["SLACK_BOT_TOKEN"],
    egress: [https("slack.com")],
  },
  gong: {
    port: 9008,
    secrets: ["GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET"],
    egress: [https("api.gong.io")],
  },
  salesforce: {
    port: 9009,
    stateful: true,
    secrets: ["SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET"],
    egress: [https("login.salesforce.com")],
  },
  intercom: {
    port: 9010,
    secrets: ["INTERCOM_ACCESS_TOKEN"],
    egress: [https("api.intercom.io")],
  },
  apollo: {
    port: 9011,
    secrets: ["APOLLO_API_KEY"],
    egress: [https("api.apollo.io")],
  },
  zendesk: {
    port: 9012,
    secrets: ["ZENDESK_API_TOKEN"],
    egress: [https("zendesk.com")],
  },
  postgres: {
    port: 9013,
    fromBackend: true,
    secrets: ["DATABASE_URL"],
    egress: [{ host: "postgres-rw.sophia-data", cidr: "0.0.0.0/0", port: 5432 }],
  },
  "lambda-labs": {
    port: 9014,
    secrets: ["LAMBDA_API_KEY"],
    egress: [https("cloud.lambdalabs.com")],
  },
  pulumi: {
    port: 9015,
    secrets: ["PULUMI_ACCESS_TOKEN"],
    egress: [https("api.pulumi.com")],
  },
};

/** Names of the spec's 16 servers, in catalog order. */
export const SPEC_SERVER_NAMES: readonly string[] = Object.keys(SPEC_SERVERS);

const DEFAULTS = {
  port: 8080,
  minReplicas: 2,
  maxReplicas: 5,
  cpuTarget: 60,
  resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
  workloadClass: "mcp" as WorkloadClass,
  stateful: false,
  fromBackend: false,
  kubernetesApi: false,
};

/** The resolved catalog: the spec's servers, then config entries overriding (by name) or adding. */
export function resolveCatalog(mcp: McpCatalogSettings): McpServer[] {
  const entries = new Map<string, Partial<McpServerEntry>>();
  for (const [name, spec] of Object.entries(SPEC_SERVERS)) entries.set(name, spec);
  for (const entry of mcp.servers ?? []) {
    entries.set(entry.name, { ...(entries.get(entry.name) ?? {}), ...stripUndefined(entry) });
  }
  const servers: McpServer[] = [];
  for (const [name, e] of entries) {
    if (e.enabled === false) continue;
    servers.push({
      name,
      image: e.image ?? `scoobyjava15/sophia-mcp-${name}`,
      tag: e.tag ?? mcp.tag,
      port: e.port ?? DEFAULTS.port,
      transport: "streamable-http",
      minReplicas: e.minReplicas ?? DEFAULTS.minReplicas,
      maxReplicas: e.maxReplicas ?? DEFAULTS.maxReplicas,
      cpuTarget: e.cpuTarget ?? DEFAULTS.cpuTarget,
      resources: e.resources ?? DEFAULTS.resources,
      secrets: e.secrets ?? [],
      egress: e.egress ?? [],
      workloadClass: e.workloadClass ?? DEFAULTS.workloadClass,
      stateful: e.stateful ?? DEFAULTS.stateful,
      fromBackend: e.fromBackend ?? DEFAULTS.fromBackend,
      kubernetesApi: e.kubernetesApi ?? DEFAULTS.kubernetesApi,
      ...(e.metricsPath !== undefined ? { metricsPath: e.metricsPath } : {}),
    });
  }
  return servers;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
