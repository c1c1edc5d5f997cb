import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { CHARTS, helmRelease, type ChartSource } from "../charts";
import { httpRoute, type GatewayRef } from "./http-route";
import {
  certificateSpec,
  certManagerValues,
  clusterIssuerSpec,
  ENVOY_GATEWAY_CONTROLLER,
  envoyGatewayValues,
  GATEWAY_CLASS,
  GATEWAY_NAME,
  gatewaySpec,
  hostName,
  httpsRedirectRouteSpec,
  issuerName,
  PUBLIC_HOSTS,
  type PublicHost,
} from "./ingress-objects";

export interface IngressArgs {
  /** The stack's base domain: the Gateway serves `api.`, `mcp.` and `monitor.<domain>`. */
  readonly domain: string;
  /** Let's Encrypt server: `staging` (untrusted test certificates) or `production`. */
  readonly acme: "staging" | "production";
  /** ACME account email. */
  readonly acmeEmail: string;
  /** Namespace of cert-manager. */
  readonly certManagerNamespace: pulumi.Input<string>;
  /** Namespace of the ingress controller, the Gateway and the certificates. */
  readonly ingressNamespace: pulumi.Input<string>;
  /** Namespaces whose HTTPRoutes may attach to the Gateway. */
  readonly routeNamespaces: readonly string[];
  /**
   * Where the Helm charts come from (their repositories, a local mirror, or none when rendering).
   * @see https://helm.sh/docs/topics/charts/
   */
  readonly chartSource: ChartSource;
  /**
   * The Prometheus operator (monitoring's release). Given: cert-manager gets a ServiceMonitor, and its
   * release waits for the operator, whose CRDs the ServiceMonitor needs. @default none
   */
  readonly prometheusOperator?: pulumi.Resource[];
}

/**
 * cert-manager with a Let's Encrypt ClusterIssuer, Envoy Gateway as the one ingress controller,
 * and a Gateway terminating TLS for `api.`, `mcp.` and `monitor.<domain>`.
 */
export class Ingress extends pulumi.ComponentResource {
  /** Public host names by key (`api`, `mcp`, `monitor`). */
  public readonly hosts: Record<PublicHost, string>;
  /** The Gateway routes attach to: `{ name, namespace }`. */
  public readonly gateway: GatewayRef;

  constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:ingress:Ingress", name, {}, opts);
    const ingressNs = pulumi.output(args.ingressNamespace);
    const certManager = helmRelease(
      `${name}-cert-manager`,
      CHARTS.certManager,
      args.chartSource,
      {
        name: "cert-manager",
        namespace: args.certManagerNamespace,
        values: certManagerValues({ serviceMonitor: args.prometheusOperator !== undefined }),
      },
      { parent: this, dependsOn: args.prometheusOperator ?? [] },
    );
    const envoyGateway = helmRelease(
      `${name}-envoy-gateway`,
      CHARTS.envoyGateway,
      args.chartSource,
      { name: "envoy-gateway", namespace: args.ingressNamespace, values: envoyGatewayValues() },
      { parent: this },
    );
    const issuer = new k8s.apiextensions.CustomResource(
      `${name}-issuer`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: issuerName(args.acme) },
        spec: ingressNs.apply((ns) => clusterIssuerSpec(args.acme, args.acmeEmail, ns)),
      },
      { parent: this, dependsOn: certManager ? [certManager] : [] },
    );
    const gatewayClass = new k8s.apiextensions.CustomResource(
      `${name}-gateway-class`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GatewayClass",
        metadata: { name: GATEWAY_CLASS },
        spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
      },
      { parent: this, dependsOn: envoyGateway ? [envoyGateway] : [] },
    );
    const certificates = PUBLIC_HOSTS.map(
      (host) =>
        new k8s.apiextensions.CustomResource(
          `${name}-certificate-${host}`,
          {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: hostName(host, args.domain).replace(/\./g, "-"), namespace: args.ingressNamespace },
            spec: certificateSpec(host, args.domain, args.acme),
          },
          { parent: this, dependsOn: [issuer] },
        ),
    );
    const gateway = new k8s.apiextensions.CustomResource(
      `${name}-gateway`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: GATEWAY_NAME, namespace: args.ingressNamespace },
        spec: gatewaySpec(args.domain, args.routeNamespaces),
      },
      // Certificates first: a listener without its Secret stays unprogrammed until it exists.
      { parent: this, dependsOn: [gatewayClass, ...certificates] },
    );
    httpRoute(
      `${name}-https-redirect`,
      {
        metadata: { name: "https-redirect", namespace: args.ingressNamespace },
        spec: ingressNs.apply((ns) => httpsRedirectRouteSpec(ns)),
      },
      { parent: this, dependsOn: [gateway] },
    );

    this.hosts = Object.fromEntries(PUBLIC_HOSTS.map((h) => [h, hostName(h, args.domain)])) as Record<
      PublicHost,
      string
    >;
    // The namespace from the Gateway's outputs: routes and policies attaching to it depend on it.
    this.gateway = { name: GATEWAY_NAME, namespace: gateway.metadata.namespace };
    this.registerOutputs({ hosts: this.hosts });
  }
}
