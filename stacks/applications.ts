/**
 * The applications layer (spec sections 3, 4, 5): the MCP servers behind their gateway, the backend
 * API and the GPU inference services, wired to the platform services' outputs.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { Backend, Inference } from "../components/apps";
import { McpServers, resolveCatalog } from "../components/mcp";
import { schedulingFor } from "../components/placement";
import type { WeaviateConnection } from "../components/weaviate";
import type { StackConfig } from "./config/load";
import { requireNamespace, type PlatformServicesOutputs } from "./platform-services";

const ns = "sophia-infra";

export interface ApplicationsOutputs {
  readonly mcpServers: Record<string, string>;
  readonly apiUrl?: string;
}

export function applications(
  config: StackConfig,
  provider: k8s.Provider,
  namespaces: Record<string, pulumi.Output<string>>,
  services: PlatformServicesOutputs,
  weaviate: pulumi.Output<WeaviateConnection> | undefined,
): ApplicationsOutputs {
  const s = config.settings;
  const opts = { providers: [provider] };
  const gateway = services.ingress?.gateway;
  const scrape = services.prometheusOperator ? { scrape: { dependsOn: services.prometheusOperator } } : {};
  const catalog = s.mcp.mode === "create" ? resolveCatalog(s.mcp) : [];
  let mcpServers: Record<string, string> = {};
  if (s.mcp.mode === "create") {
    const secretsJson = config.secret(`${ns}:mcpSecrets`);
    const mcp = new McpServers(
      "mcp",
      {
        servers: catalog,
        namespace: requireNamespace(namespaces, "sophia-mcp"),
        domain: s.domain,
        placement: s.placement,
        ...(secretsJson
          ? { secrets: secretsJson.apply((j) => JSON.parse(j) as Record<string, Record<string, string>>) }
          : {}),
        ...(gateway ? { gateway: { ...gateway, token: config.requireSecret(`${ns}:mcpGatewayToken`) } } : {}),
        ...scrape,
      },
      opts,
    );
    mcpServers = mcp.urls;
  }
  let apiUrl: string | undefined;
  if (s.backend.mode === "create") {
    const backend = new Backend(
      "backend",
      {
        namespace: requireNamespace(namespaces, "sophia-apps"),
        domain: s.domain,
        settings: {
          image: s.backend.image,
          tag: s.backend.tag,
          minReplicas: s.backend.minReplicas,
          maxReplicas: s.backend.maxReplicas,
          scheduling: schedulingFor("realtime", s.placement),
        },
        connections: {
          ...(services.postgres ? { DATABASE_URL: services.postgres.url } : {}),
          ...(services.redis ? { REDIS_URL: services.redis.url } : {}),
          ...(weaviate
            ? { WEAVIATE_URL: weaviate.apply((w) => w.url), WEAVIATE_API_KEY: weaviate.apply((w) => w.apiKey ?? "") }
            : {}),
        },
        mcpPorts: catalog.filter((m) => m.fromBackend).map((m) => m.port),
        ...(gateway ? { gateway } : {}),
        ...scrape,
      },
      opts,
    );
    apiUrl = backend.url;
  }
  if (s.inference.mode === "create") {
    new Inference(
      "inference",
      {
        namespace: requireNamespace(namespaces, "sophia-apps"),
        image: s.inference.image,
        tag: s.inference.tag,
        maxReplicas: s.inference.maxReplicas,
        placement: s.placement,
        ...(s.inference.metricsPath !== undefined ? { metricsPath: s.inference.metricsPath } : {}),
        ...scrape,
      },
      opts,
    );
  }
  return { mcpServers, ...(apiUrl ? { apiUrl } : {}) };
}
