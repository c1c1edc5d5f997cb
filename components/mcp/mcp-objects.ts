/**
 * Everything one MCP server gets, from its catalog entry: the workload, its NetworkPolicy, and its
 * route at the gateway (`mcp.<domain>/mcp/<name>`, Streamable HTTP, session affinity when stateful).
 * Pure.
 * @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#streamable-http
 */
import type * as k8s from "@pulumi/kubernetes";

import { secretEnv, tcpProbe, type WorkloadSpec } from "../apps/workload";
import { GATEWAY_PEER, type GatewayRef } from "../ingress";
import { schedulingFor, type PlacementTable } from "../placement";
import type { McpServer } from "./catalog";

/** Header Streamable HTTP carries the session in; stateful servers are pinned by it. */
export const SESSION_HEADER = "Mcp-Session-Id";
/** Label selecting the routes the gateway's authentication applies to. */
export const MCP_ROUTE_LABEL = "sophia-intel.ai/mcp-route";

/**
 * Origins a browser may reach the MCP servers from. Streamable HTTP servers must validate `Origin`
 * (DNS rebinding): the servers get the list (`MCP_ALLOWED_ORIGINS`) and the gateway enforces it.
 * @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#security-warning
 */
export function allowedOrigins(domain: string): string[] {
  return [`https://mcp.${domain}`];
}

/** The Envoy Gateway filter answering a request from a foreign Origin with 403. */
export const FOREIGN_ORIGIN_FILTER = "mcp-foreign-origin";

/**
 * `HTTPRouteFilter` spec: a direct 403, never reaching a server.
 * @see https://gateway.envoyproxy.io/docs/api/extension_types/#httproutefilter
 */
export function foreignOriginFilterSpec() {
  return {
    directResponse: {
      statusCode: 403,
      contentType: "text/plain",
      body: { type: "Inline", inline: "Origin not allowed\n" },
    },
  };
}

/** The backend API's pods. */
export const BACKEND_PEER = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "sophia-apps" } },
  podSelector: { matchLabels: { "app.kubernetes.io/name": "sophia-backend" } },
};

export function objectName(server: McpServer): string {
  return `mcp-${server.name}`;
}

export function labels(server: McpServer): Record<string, string> {
  return {
    "app.kubernetes.io/name": objectName(server),
    "app.kubernetes.io/component": "mcp-server",
    "app.kubernetes.io/part-of": "sophia",
  };
}

export function workload(server: McpServer, domain: string, placement: PlacementTable): WorkloadSpec {
  const name = objectName(server);
  return {
    name,
    labels: labels(server),
    image: `${server.image}:${server.tag}`,
    port: server.port,
    env: [
      { name: "MCP_TRANSPORT", value: server.transport },
      { name: "MCP_PORT", value: String(server.port) },
      // Servers must validate Origin (DNS rebinding) themselves too; the gateway enforces the same list.
      { name: "MCP_ALLOWED_ORIGINS", value: allowedOrigins(domain).join(",") },
      ...secretEnv(name, server.secrets),
    ],
    resources: server.resources,
    scheduling: schedulingFor(server.workloadClass, placement),
    // MCP defines no health endpoint: the port accepting connections is the signal.
    probes: { liveness: tcpProbe(server.port, 15), readiness: tcpProbe(server.port, 5) },
    kubernetesApi: server.kubernetesApi,
    ...(server.metricsPath !== undefined ? { metricsPath: server.metricsPath } : {}),
  };
}

/** Ingress only from the gateway (and the backend where the entry says so); egress only what it declares. */
export function networkPolicySpec(server: McpServer): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: labels(server) },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: [GATEWAY_PEER, ...(server.fromBackend ? [BACKEND_PEER] : [])],
        ports: [{ protocol: "TCP", port: server.port }],
      },
    ],
    // DNS comes from the namespace's allow-dns policy.
    egress: server.egress.map((e) => ({
      to: [{ ipBlock: { cidr: e.cidr } }],
      ports: [{ protocol: "TCP", port: e.port }],
    })),
  };
}

/**
 * `/mcp/<name>` on the gateway's `mcp.` listener, rewritten to the server's `/mcp` endpoint, with
 * `Origin` enforced: an allowed Origin and no Origin (non-browser clients send none) reach the server;
 * any other Origin gets the 403 filter. Gateway API precedence: rules with a header match come before
 * the rule without one, and between the two header rules (one match each) the first listed wins, so
 * an allowed Origin never reaches the 403 rule.
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httprouterule
 */
export function httpRouteSpec(server: McpServer, domain: string, gateway: GatewayRef) {
  const path = { type: "PathPrefix", value: `/mcp/${server.name}` };
  const toServer = {
    filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/mcp" } } }],
    backendRefs: [{ name: objectName(server), port: server.port }],
  };
  return {
    parentRefs: [{ name: gateway.name, namespace: gateway.namespace, sectionName: "https-mcp" }],
    hostnames: [`mcp.${domain}`],
    rules: [
      {
        matches: allowedOrigins(domain).map((origin) => ({
          path,
          headers: [{ type: "Exact", name: "Origin", value: origin }],
        })),
        ...toServer,
      },
      {
        matches: [{ path, headers: [{ type: "RegularExpression", name: "Origin", value: ".*" }] }],
        filters: [
          {
            type: "ExtensionRef",
            extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: FOREIGN_ORIGIN_FILTER },
          },
        ],
      },
      { matches: [{ path }], ...toServer },
    ],
  };
}

/** Stateful servers: hash on the session header so a session stays on one replica. */
export function sessionAffinitySpec(server: McpServer) {
  return {
    targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: objectName(server) }],
    loadBalancer: { type: "ConsistentHash", consistentHash: { type: "Header", header: { name: SESSION_HEADER } } },
  };
}

/** Secret holding the accepted `Authorization` header value, as Envoy Gateway's API-key auth reads it. */
export const GATEWAY_CLIENTS_SECRET = "mcp-gateway-clients";

/**
 * Every MCP route requires `Authorization: Bearer <mcpGatewayToken>`; browsers may call it only from
 * an allowed Origin (CORS, so a preflight from elsewhere is refused; the route rules reject the
 * request itself).
 * @see https://gateway.envoyproxy.io/docs/api/extension_types/#securitypolicy
 */
export function gatewayAuthSpec(domain: string) {
  return {
    targetSelectors: [
      { group: "gateway.networking.k8s.io", kind: "HTTPRoute", matchLabels: { [MCP_ROUTE_LABEL]: "true" } },
    ],
    apiKeyAuth: {
      credentialRefs: [{ group: "", kind: "Secret", name: GATEWAY_CLIENTS_SECRET }],
      extractFrom: [{ headers: ["Authorization"] }],
      // The credential is not passed on to the servers.
      sanitize: true,
    },
    cors: {
      allowOrigins: allowedOrigins(domain),
      allowMethods: ["GET", "POST", "DELETE"],
      allowHeaders: [
        "Authorization",
        "Content-Type",
        "Accept",
        "Last-Event-ID",
        SESSION_HEADER,
        "MCP-Protocol-Version",
      ],
      exposeHeaders: [SESSION_HEADER],
      maxAge: "10m",
    },
  };
}
