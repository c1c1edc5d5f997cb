/**
 * The applications layer (spec sections 3, 4, 5): the MCP servers behind their gateway, the backend
 * API and the GPU inference services, wired to the platform services' outputs.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { Backend, Inference } from "../components/apps";
import { McpServers } from "../components/mcp";
import { schedulingFor } from "../components/placement";
import { NAMESPACES, type NamespaceOutputs } from "../components/platform";
import type { WeaviateConnection } from "../components/weaviate";
import type { StackConfig } from "./config/stack-config";
import { requireNamespace, type PlatformServicesOutputs } from "./platform-services";

export interface ApplicationsOutputs {
  /** Public URL of each MCP server, by name (empty without the MCP layer). */
  readonly mcpServers: Record<string, string>;
}

export function applications(
  config: StackConfig,
  provider: k8s.Provider,
  namespaces: NamespaceOutputs,
  services: PlatformServicesOutputs,
  weaviate: pulumi.Output<WeaviateConnection> | undefined,
): ApplicationsOutputs {
  const s = config.settings;
  const opts = { providers: [provider] };
  const gateway = services.ingress?.gateway;
  const scrape = services.prometheusOperator ? { scrape: { dependsOn: services.prometheusOperator } } : {};
  const catalog = config.mcpCatalog;
  let mcpServers: Record<string, string> = {};
  if (s.mcp.mode === "create") {
    const mcp = new McpServers(
      "mcp",
      {
        servers: catalog,
        namespace: requireNamespace(namespaces, NAMESPACES.mcp),
        domain: s.domain,
        placement: s.placement,
        ...(config.mcpSecrets ? { secrets: config.mcpSecrets } : {}),
        ...(gateway ? { gateway: { ...gateway, token: config.requireSecret("mcpGatewayToken") } } : {}),
        ...scrape,
      },
      opts,
    );
    mcpServers = mcp.urls;
  }
  if (s.backend.mode === "create") {
    new Backend(
      "backend",
      {
        namespace: requireNamespace(namespaces, NAMESPACES.apps),
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
  }
  if (s.inference.mode === "create") {
    new Inference(
      "inference",
      {
        namespace: requireNamespace(namespaces, NAMESPACES.apps),
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
  return { mcpServers };
}
