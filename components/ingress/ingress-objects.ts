/**
 * TLS and ingress as pure functions: cert-manager's values, the Let's Encrypt ClusterIssuer, the
 * Gateway API objects (one Gateway for `api.`, `mcp.` and `monitor.<domain>`), each host's
 * Certificate, and the DNS records the registrar needs.
 * @see https://cert-manager.io/docs/configuration/acme/
 * @see https://gateway.envoyproxy.io/docs/
 */
import { RESOURCES } from "../charts/resources";

/** The public hosts, by the name other layers use. */
export const PUBLIC_HOSTS = ["api", "mcp", "monitor"] as const;
export type PublicHost = (typeof PUBLIC_HOSTS)[number];

export const GATEWAY_CLASS = "sophia";
export const GATEWAY_NAME = "sophia";
/** Envoy Gateway's controller name. */
export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

/** The ingress namespace's Envoy proxies (Envoy Gateway's data plane): what routed traffic comes from. */
export const GATEWAY_PEER = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } },
  podSelector: { matchLabels: { "app.kubernetes.io/name": "envoy" } },
};

export const ACME_SERVERS = {
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
  production: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

export function issuerName(acme: keyof typeof ACME_SERVERS): string {
  return `letsencrypt-${acme}`;
}

export function hostName(host: PublicHost, domain: string): string {
  return `${host}.${domain}`;
}

/** The Secret holding a host's certificate (in the Gateway's namespace). */
export function tlsSecretName(host: PublicHost): string {
  return `${host}-tls`;
}

export function certManagerValues(opts: { serviceMonitor: boolean }): Record<string, unknown> {
  return {
    resources: RESOURCES.busyController,
    cainjector: { resources: RESOURCES.busyController },
    webhook: { resources: RESOURCES.controller },
    startupapicheck: { resources: RESOURCES.job },
    crds: { enabled: true, keep: true },
    // Solve HTTP-01 challenges through the Gateway (HTTPRoutes) rather than an Ingress.
    config: {
      apiVersion: "controller.config.cert-manager.io/v1alpha1",
      kind: "ControllerConfiguration",
      enableGatewayAPI: true,
    },
    prometheus: { enabled: true, servicemonitor: { enabled: opts.serviceMonitor } },
  };
}

export function envoyGatewayValues(): Record<string, unknown> {
  return {
    deployment: {
      envoyGateway: {
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
      },
    },
    certgen: { job: { resources: RESOURCES.job } },
  };
}

export function clusterIssuerSpec(acme: keyof typeof ACME_SERVERS, email: string, gatewayNamespace: string) {
  return {
    acme: {
      server: ACME_SERVERS[acme],
      email,
      privateKeySecretRef: { name: `${issuerName(acme)}-account` },
      solvers: [
        {
          http01: {
            gatewayHTTPRoute: {
              parentRefs: [{ name: GATEWAY_NAME, namespace: gatewayNamespace, sectionName: "http" }],
            },
          },
        },
      ],
    },
  };
}

/**
 * The Gateway: port 80 for ACME challenges and the HTTPS redirect, one HTTPS listener per host.
 * Routes may attach from `routeNamespaces` only.
 */
export function gatewaySpec(domain: string, routeNamespaces: readonly string[]) {
  const allowedRoutes = {
    namespaces: {
      from: "Selector",
      selector: {
        matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...routeNamespaces] }],
      },
    },
  };
  return {
    gatewayClassName: GATEWAY_CLASS,
    listeners: [
      { name: "http", protocol: "HTTP", port: 80, allowedRoutes },
      ...PUBLIC_HOSTS.map((host) => ({
        name: `https-${host}`,
        protocol: "HTTPS",
        port: 443,
        hostname: hostName(host, domain),
        tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: tlsSecretName(host) }] },
        allowedRoutes,
      })),
    ],
  };
}

/** Redirects plain HTTP to HTTPS (cert-manager's challenge routes are more specific and win). */
export function httpsRedirectRouteSpec(gatewayNamespace: string) {
  return {
    parentRefs: [{ name: GATEWAY_NAME, namespace: gatewayNamespace, sectionName: "http" }],
    rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
  };
}

export function certificateSpec(host: PublicHost, domain: string, acme: keyof typeof ACME_SERVERS) {
  return {
    secretName: tlsSecretName(host),
    dnsNames: [hostName(host, domain)],
    issuerRef: { kind: "ClusterIssuer", name: issuerName(acme) },
    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
  };
}

export interface DnsRecord {
  readonly name: string;
  readonly type: "A" | "AAAA";
  readonly ttl: number;
  readonly values: readonly string[];
}

/** The records to create at the registrar: each public host to the ingress's public addresses. */
export function dnsRecords(domain: string, addresses: readonly string[]): DnsRecord[] {
  const v4 = addresses.filter((a) => !a.includes(":"));
  const v6 = addresses.filter((a) => a.includes(":"));
  return PUBLIC_HOSTS.flatMap((host) => [
    ...(v4.length > 0 || v6.length === 0
      ? [{ name: hostName(host, domain), type: "A" as const, ttl: 300, values: v4 }]
      : []),
    ...(v6.length > 0 ? [{ name: hostName(host, domain), type: "AAAA" as const, ttl: 300, values: v6 }] : []),
  ]);
}
