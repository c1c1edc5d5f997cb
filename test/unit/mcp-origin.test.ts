/**
 * MCP's `Origin` rule enforced at the gateway: the exact route rules, filter and CORS policy, and the
 * decision a Gateway API implementation makes for requests with an allowed, a foreign and no Origin
 * (rule precedence evaluated here as the Gateway API specification defines it; no Envoy runs here —
 * the objects themselves are checked against Envoy Gateway's CRDs by test/integration/dry-run.test.ts).
 */
import { describe, expect, it } from "vitest";

import {
  allowedOrigins,
  FOREIGN_ORIGIN_FILTER,
  foreignOriginFilterSpec,
  gatewayAuthSpec,
  httpRouteSpec,
  resolveCatalog,
  workload,
} from "../../components/mcp";

const domain = "sophia-intel.ai";
const server = resolveCatalog({ tag: "1.0.0" }).find((s) => s.name === "github")!;
const route = httpRouteSpec(server, domain, { name: "sophia", namespace: "ingress" });

type HeaderMatch = { type: string; name: string; value: string };
type Rule = {
  matches: { path: { value: string }; headers?: HeaderMatch[] }[];
  filters?: { type: string; extensionRef?: { kind: string; name: string } }[];
  backendRefs?: { name: string }[];
};

/** The rule a request reaches: longest path, then most header matches, then the first listed. */
function decide(path: string, headers: Record<string, string>): string {
  const candidates = (route.rules as Rule[]).flatMap((rule, index) =>
    rule.matches
      .filter((m) => path.startsWith(m.path.value))
      .filter((m) =>
        (m.headers ?? []).every((h) => {
          const v = Object.entries(headers).find(([k]) => k.toLowerCase() === h.name.toLowerCase())?.[1];
          if (v === undefined) return false;
          return h.type === "Exact" ? v === h.value : new RegExp(`^(?:${h.value})$`).test(v);
        }),
      )
      .map((m) => ({ rule, index, pathLength: m.path.value.length, headers: (m.headers ?? []).length })),
  );
  candidates.sort((a, b) => b.pathLength - a.pathLength || b.headers - a.headers || a.index - b.index);
  const winner = candidates[0];
  if (!winner) return "404";
  const filter = winner.rule.filters?.find((f) => f.type === "ExtensionRef")?.extensionRef;
  if (filter) return `${filter.kind}/${filter.name}`;
  return `backend/${winner.rule.backendRefs![0]!.name}`;
}

describe("MCP Origin validation at the gateway", () => {
  it("allows https://mcp.<domain> only, the list the servers get too", () => {
    expect(allowedOrigins(domain)).toEqual(["https://mcp.sophia-intel.ai"]);
    const env = workload(server, domain, { inference: "gh200", batch: "a100", realtime: "rtx6000", mcp: "a6000" }).env;
    expect(env).toContainEqual({ name: "MCP_ALLOWED_ORIGINS", value: "https://mcp.sophia-intel.ai" });
  });

  it("routes exactly: allowed Origin to the server, any other Origin to the 403 filter, no Origin to the server", () => {
    const path = { type: "PathPrefix", value: "/mcp/github" };
    const toServer = {
      filters: [
        { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/mcp" } } },
      ],
      backendRefs: [{ name: "mcp-github", port: server.port }],
    };
    expect(route).toEqual({
      parentRefs: [{ name: "sophia", namespace: "ingress", sectionName: "https-mcp" }],
      hostnames: ["mcp.sophia-intel.ai"],
      rules: [
        {
          matches: [{ path, headers: [{ type: "Exact", name: "Origin", value: "https://mcp.sophia-intel.ai" }] }],
          ...toServer,
        },
        {
          matches: [{ path, headers: [{ type: "RegularExpression", name: "Origin", value: ".*" }] }],
          filters: [
            {
              type: "ExtensionRef",
              extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: "mcp-foreign-origin" },
            },
          ],
        },
        { matches: [{ path }], ...toServer },
      ],
    });
    expect(FOREIGN_ORIGIN_FILTER).toBe("mcp-foreign-origin");
    expect(foreignOriginFilterSpec()).toEqual({
      directResponse: {
        statusCode: 403,
        contentType: "text/plain",
        body: { type: "Inline", inline: "Origin not allowed\n" },
      },
    });
  });

  it("a request with a foreign Origin is rejected; allowed and absent Origins reach the server", () => {
    expect(decide("/mcp/github", { Origin: "https://evil.example" })).toBe("HTTPRouteFilter/mcp-foreign-origin");
    expect(decide("/mcp/github", { origin: "null" })).toBe("HTTPRouteFilter/mcp-foreign-origin");
    expect(decide("/mcp/github", { Origin: "https://mcp.sophia-intel.ai.evil.example" })).toBe(
      "HTTPRouteFilter/mcp-foreign-origin",
    );
    expect(decide("/mcp/github", { Origin: "https://mcp.sophia-intel.ai" })).toBe("backend/mcp-github");
    expect(decide("/mcp/github", {})).toBe("backend/mcp-github");
  });

  it("browsers get CORS for the allowed Origin only, on the same policy as the bearer token", () => {
    expect(gatewayAuthSpec(domain)).toMatchObject({
      apiKeyAuth: { extractFrom: [{ headers: ["Authorization"] }], sanitize: true },
      cors: {
        allowOrigins: ["https://mcp.sophia-intel.ai"],
        allowMethods: ["GET", "POST", "DELETE"],
        exposeHeaders: ["Mcp-Session-Id"],
      },
    });
  });
});
