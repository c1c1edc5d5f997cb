import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import { hostName, type PublicHost } from "./ingress-objects";

/** The Gateway routes attach to. */
export interface GatewayRef {
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
}

/** A Gateway API HTTPRoute (the CRD comes with the ingress controller). */
export function httpRoute(
  name: string,
  args: { metadata: k8s.types.input.meta.v1.ObjectMeta; spec: pulumi.Input<Record<string, unknown>> },
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    name,
    { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", ...args },
    opts,
  );
}

/** All of `<host>.<domain>`, on that host's HTTPS listener, to one Service port. */
export function hostRouteSpec(
  gateway: GatewayRef,
  host: PublicHost,
  domain: string,
  backend: { readonly name: string; readonly port: number },
): Record<string, unknown> {
  return {
    parentRefs: [{ name: gateway.name, namespace: gateway.namespace, sectionName: `https-${host}` }],
    hostnames: [hostName(host, domain)],
    rules: [{ backendRefs: [{ name: backend.name, port: backend.port }] }],
  };
}
