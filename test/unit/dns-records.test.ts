/**
 * The `dnsRecords` output (issue 16, point 8): the frontend's records and the gateway's, each saying
 * what the registrar still needs.
 */
import { describe, expect, it } from "vitest";

import { frontendDnsRecords } from "../../components/frontend";
import { dnsRecords } from "../../components/ingress";
import { gatewayRecords, registrarRecords } from "../../stacks/dns-records";
import { GATEWAY_ADDRESSES_NEEDED } from "../../stacks/outputs";

describe("registrarRecords", () => {
  it("staging: the frontend's CNAME, then the gateway's hosts waiting for their addresses", () => {
    const records = registrarRecords(
      frontendDnsRecords(["staging.sophia-intel.ai"]),
      dnsRecords("staging.sophia-intel.ai", []),
    );
    expect(records).toEqual([
      {
        name: "staging.sophia-intel.ai",
        type: "CNAME",
        ttl: 300,
        values: ["cname.vercel-dns.com"],
        target: "vercel",
        needs: null,
      },
      ...["api", "mcp", "monitor"].map((h) => ({
        name: `${h}.staging.sophia-intel.ai`,
        type: "A",
        ttl: 300,
        values: [],
        target: "gateway",
        needs: GATEWAY_ADDRESSES_NEEDED,
      })),
    ]);
    expect(GATEWAY_ADDRESSES_NEEDED).toContain("sophia-infra:ingress.publicAddresses");
  });

  it("with public addresses the gateway's records are complete, IPv4 and IPv6", () => {
    const records = gatewayRecords(dnsRecords("sophia-intel.ai", ["203.0.113.10", "2001:db8::1"]));
    expect(records.map((r) => [r.name, r.type, r.values, r.needs])).toEqual([
      ["api.sophia-intel.ai", "A", ["203.0.113.10"], null],
      ["api.sophia-intel.ai", "AAAA", ["2001:db8::1"], null],
      ["mcp.sophia-intel.ai", "A", ["203.0.113.10"], null],
      ["mcp.sophia-intel.ai", "AAAA", ["2001:db8::1"], null],
      ["monitor.sophia-intel.ai", "A", ["203.0.113.10"], null],
      ["monitor.sophia-intel.ai", "AAAA", ["2001:db8::1"], null],
    ]);
    expect(records.every((r) => r.target === "gateway")).toBe(true);
  });

  it("without a frontend or an ingress, nothing", () => {
    expect(registrarRecords([], [])).toEqual([]);
  });
});
