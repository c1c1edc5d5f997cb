import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { registerWorkload, type ScrapeTarget } from "../apps/workload-resources";
import { httpRoute, type GatewayRef } from "../ingress";
import type { PlacementTable } from "../placement";
import type { McpSecretValues, McpServer } from "./catalog";
import {
  FOREIGN_ORIGIN_FILTER,
  foreignOriginFilterSpec,
  GATEWAY_CLIENTS_SECRET,
  gatewayAuthSpec,
  httpRouteSpec,
  labels,
  MCP_ROUTE_LABEL,
  networkPolicySpec,
  objectName,
  sessionAffinitySpec,
  workload,
} from "./mcp-objects";

export interface McpServersArgs {
  /** The resolved catalog (`resolveCatalog`). */
  readonly servers: readonly McpServer[];
  /** The `sophia-mcp` namespace. */
  readonly namespace: pulumi.Input<string>;
  /** The stack's base domain: servers are at `mcp.<domain>/mcp/<name>`. */
  readonly domain: string;
  /** Workload class to node class: where each server's class runs. */
  readonly placement: PlacementTable;
  /**
   * Per-server credentials `{ <server>: { <VAR>: <value> } }` (a secret), for the servers that read some.
   * @default {} (each declared variable empty)
   */
  readonly secrets?: pulumi.Input<McpSecretValues>;
  /**
   * The Gateway to route `mcp.<domain>/mcp/<name>` through, and the bearer token it requires.
   * @default none (no routes)
   * @see https://gateway.envoyproxy.io/docs/tasks/security/basic-auth/
   */
  readonly gateway?: GatewayRef & { readonly token: pulumi.Input<string> };
  /** Monitoring is deployed: servers whose entry has `metricsPath` are scraped. @default none */
  readonly scrape?: ScrapeTarget;
}

/**
 * The MCP servers of the catalog, each with its Deployment, Service, HPA, PDB, ServiceAccount,
 * Secret and NetworkPolicy, and (with a gateway) its authenticated route at `mcp.<domain>`.
 */
export class McpServers extends pulumi.ComponentResource {
  /** Public URL of each server, by name. */
  public readonly urls: Record<string, string>;

  constructor(name: string, args: McpServersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:mcp:McpServers", name, {}, opts);
    const ns = args.namespace;
    this.urls = {};
    for (const server of args.servers) {
      const id = `${name}-${server.name}`;
      const w = workload(server, args.domain, args.placement);
      const meta = { name: objectName(server), namespace: ns, labels: labels(server) };
      const dependsOn: pulumi.Resource[] = [];
      if (server.secrets.length > 0) {
        const values = pulumi.output(args.secrets ?? {}).apply((all) => {
          const mine = all[server.name] ?? {};
          return Object.fromEntries(server.secrets.map((v) => [v, mine[v] ?? ""]));
        });
        dependsOn.push(
          new k8s.core.v1.Secret(
            `${id}-secret`,
            { metadata: meta, type: "Opaque", stringData: pulumi.secret(values) },
            { parent: this },
          ),
        );
      }
      registerWorkload(this, {
        id,
        workload: w,
        namespace: ns,
        autoscaling: { min: server.minReplicas, max: server.maxReplicas, cpu: server.cpuTarget },
        networkPolicy: networkPolicySpec(server),
        dependsOn,
        ...(args.scrape ? { scrape: args.scrape } : {}),
      });
      if (args.gateway) {
        httpRoute(
          `${id}-route`,
          {
            metadata: { ...meta, labels: { ...labels(server), [MCP_ROUTE_LABEL]: "true" } },
            spec: httpRouteSpec(server, args.domain, args.gateway),
          },
          { parent: this },
        );
        if (server.stateful) {
          new k8s.apiextensions.CustomResource(
            `${id}-session-affinity`,
            {
              apiVersion: "gateway.envoyproxy.io/v1alpha1",
              kind: "BackendTrafficPolicy",
              metadata: meta,
              spec: sessionAffinitySpec(server),
            },
            { parent: this },
          );
        }
      }
      this.urls[server.name] = `https://mcp.${args.domain}/mcp/${server.name}`;
    }
    if (args.gateway) {
      // The routes' answer to a foreign Origin.
      new k8s.apiextensions.CustomResource(
        `${name}-foreign-origin`,
        {
          apiVersion: "gateway.envoyproxy.io/v1alpha1",
          kind: "HTTPRouteFilter",
          metadata: { name: FOREIGN_ORIGIN_FILTER, namespace: ns },
          spec: foreignOriginFilterSpec(),
        },
        { parent: this },
      );
      const token = args.gateway.token;
      new k8s.core.v1.Secret(
        `${name}-gateway-clients`,
        {
          metadata: { name: GATEWAY_CLIENTS_SECRET, namespace: ns },
          type: "Opaque",
          // Envoy Gateway compares the whole header value.
          stringData: { sophia: pulumi.secret(pulumi.interpolate`Bearer ${token}`) },
        },
        { parent: this },
      );
      new k8s.apiextensions.CustomResource(
        `${name}-gateway-auth`,
        {
          apiVersion: "gateway.envoyproxy.io/v1alpha1",
          kind: "SecurityPolicy",
          metadata: { name: "mcp-bearer-token", namespace: ns },
          spec: gatewayAuthSpec(args.domain),
        },
        { parent: this },
      );
    }
    this.registerOutputs({ urls: this.urls });
  }
}
