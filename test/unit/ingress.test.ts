import { describe, expect, it } from "vitest";

import {
  certificateSpec,
  clusterIssuerSpec,
  dnsRecords,
  gatewaySpec,
  httpsRedirectRouteSpec,
} from "../../components/ingress";

describe("TLS", () => {
  it("uses Let's Encrypt production for production and staging for staging, solving through the Gateway", () => {
    expect(clusterIssuerSpec("production", "ops@sophia-intel.ai", "ingress")).toEqual({
      acme: {
        server: "https://acme-v02.api.letsencrypt.org/directory",
        email: "ops@sophia-intel.ai",
        privateKeySecretRef: { name: "letsencrypt-production-account" },
        solvers: [
          {
            http01: {
              gatewayHTTPRoute: { parentRefs: [{ name: "sophia", namespace: "ingress", sectionName: "http" }] },
            },
          },
        ],
      },
    });
    expect(clusterIssuerSpec("staging", "a@b.c", "ingress").acme.server).toBe(
      "https://acme-staging-v02.api.letsencrypt.org/directory",
    );
  });
  it("issues one certificate per host", () => {
    expect(certificateSpec("api", "sophia-intel.ai", "production")).toEqual({
      secretName: "api-tls",
      dnsNames: ["api.sophia-intel.ai"],
      issuerRef: { kind: "ClusterIssuer", name: "letsencrypt-production" },
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    });
  });
});

describe("Gateway", () => {
  const spec = gatewaySpec("sophia-intel.ai", ["sophia-apps", "monitoring"]);
  it("listens on 80 and on 443 for api., mcp. and monitor. with their certificates", () => {
    expect(spec.gatewayClassName).toBe("sophia");
    expect(spec.listeners.map((l) => [l.name, l.protocol, l.port, "hostname" in l ? l.hostname : undefined])).toEqual([
      ["http", "HTTP", 80, undefined],
      ["https-api", "HTTPS", 443, "api.sophia-intel.ai"],
      ["https-mcp", "HTTPS", 443, "mcp.sophia-intel.ai"],
      ["https-monitor", "HTTPS", 443, "monitor.sophia-intel.ai"],
    ]);
    expect(spec.listeners[3]).toMatchObject({
      tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "monitor-tls" }] },
    });
  });
  it("accepts routes only from the listed namespaces", () => {
    for (const l of spec.listeners) {
      expect(l.allowedRoutes).toEqual({
        namespaces: {
          from: "Selector",
          selector: {
            matchExpressions: [
              { key: "kubernetes.io/metadata.name", operator: "In", values: ["sophia-apps", "monitoring"] },
            ],
          },
        },
      });
    }
  });
  it("redirects plain HTTP to HTTPS", () => {
    expect(httpsRedirectRouteSpec("ingress").rules).toEqual([
      { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] },
    ]);
  });
});

describe("DNS records for the registrar", () => {
  it("point every public host at the ingress addresses, v4 and v6 separately", () => {
    expect(dnsRecords("sophia-intel.ai", ["203.0.113.10", "2001:db8::1"])).toEqual([
      { name: "api.sophia-intel.ai", type: "A", ttl: 300, values: ["203.0.113.10"] },
      { name: "api.sophia-intel.ai", type: "AAAA", ttl: 300, values: ["2001:db8::1"] },
      { name: "mcp.sophia-intel.ai", type: "A", ttl: 300, values: ["203.0.113.10"] },
      { name: "mcp.sophia-intel.ai", type: "AAAA", ttl: 300, values: ["2001:db8::1"] },
      { name: "monitor.sophia-intel.ai", type: "A", ttl: 300, values: ["203.0.113.10"] },
      { name: "monitor.sophia-intel.ai", type: "AAAA", ttl: 300, values: ["2001:db8::1"] },
    ]);
  });
  it("list the names with no values while the addresses are unknown", () => {
    expect(dnsRecords("sophia-intel.ai", []).map((r) => [r.name, r.type, r.values])).toEqual([
      ["api.sophia-intel.ai", "A", []],
      ["mcp.sophia-intel.ai", "A", []],
      ["monitor.sophia-intel.ai", "A", []],
    ]);
  });
});
