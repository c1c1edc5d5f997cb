/**
 * The whole production program (stacks/index.ts) under Pulumi mocks, with production's config from
 * its stack file plus its ESC environment resolved with fixture secrets: every layer registers,
 * the frontend included (the real-engine previews leave it out: no Vercel plugin here), and the
 * outputs satisfy the contract.
 */
import * as pulumi from "@pulumi/pulumi";
import { specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";

import { GATEWAY_ADDRESSES_NEEDED, readStackOutputs } from "../../stacks/outputs";
import { resolveEscConfig } from "../harness/esc";
import { FIXTURE_K3S_YAML, setupMocks, type Registration } from "../harness/mocks";
import { readStackFile, toRawConfig } from "../harness/stack-config";

let registered: Registration[];
let outputs: Record<string, unknown>;
/** The address the mock gave each launched instance, by instance (node) name. */
const launched = new Map<string, { ip: string; instanceId: string }>();

/**
 * Stand-in for the dynamic-provider serializer: under vitest, every module is rewritten so that a
 * provider method's `import()` captures vite's loader, which Pulumi's closure serializer cannot
 * serialize. The Weaviate collections' dynamic provider is serialized for real by the real-engine
 * tests (test/integration/engine.test.ts); here its `__provider` input is this placeholder.
 */
function stubDynamicProviderSerialization(): void {
  const req = createRequire(require.resolve("@pulumi/pulumi"));
  const closure = req("@pulumi/pulumi/runtime/closure/serializeClosure") as {
    serializeFunction: (...args: unknown[]) => Promise<{ text: string; containsSecrets: boolean }>;
  };
  closure.serializeFunction = () =>
    Promise.resolve({ text: "exports.handler = undefined; // not serialized under vitest", containsSecrets: false });
}

beforeAll(async () => {
  stubDynamicProviderSerialization();
  // Production's nodes are Lambda Cloud instances (each gets a test address when "launched"), and its
  // cluster layer fetches k3s's kubeconfig from its server with a remote command.
  const mocks = await setupMocks("production", (_type, _name, inputs) => {
    if (typeof inputs["instanceType"] === "string") {
      const machine = { ip: `198.18.20.${launched.size + 1}`, instanceId: `i-${launched.size + 1}` };
      launched.set(String(inputs["name"]), machine);
      return { ...machine, privateIp: null };
    }
    return typeof inputs["create"] === "string" && inputs["create"].includes("k3s.yaml")
      ? { stdout: FIXTURE_K3S_YAML }
      : {};
  });
  const raw = toRawConfig(readStackFile("production").config, resolveEscConfig("production"));
  pulumi.runtime.setAllConfig({ ...raw.values }, [...raw.secretKeys]);
  // The language host hands the program its secret keys through the environment; loadConfig reads them there.
  process.env["PULUMI_CONFIG_SECRET_KEYS"] = JSON.stringify([...raw.secretKeys]);
  // The root stack resource, as the language host creates it: stack transformations attach to it.
  const exported = await pulumi.runtime.runInPulumiStack(async () => ({
    ...(await import("../../stacks/index")),
  }));
  await mocks.settled();
  registered = mocks.registered;
  outputs = (await resolve(exported ?? {})) as Record<string, unknown>;
}, 120_000);

describe("the production program under mocks", () => {
  it("registers every layer's component, the frontend included", () => {
    const components = registered.filter((r) => r.type.startsWith("sophia:")).map((r) => `${r.type}::${r.name}`);
    expect(components).toEqual(
      expect.arrayContaining([
        "sophia:platform:PlatformNamespaces::platform",
        "sophia:ingress:Ingress::ingress",
        "sophia:monitoring:Monitoring::monitoring",
        "sophia:frontend:Frontend::frontend",
      ]),
    );
  });

  it("the frontend: its project, production's domains and variables, through its own provider", () => {
    const vercel = registered
      .filter((r) => r.type.startsWith("vercel:") || r.type === "pulumi:providers:vercel")
      .map((r) => `${r.type}::${r.name}`)
      .sort();
    expect(vercel).toEqual([
      "pulumi:providers:vercel::frontend-vercel",
      "vercel:index/project:Project::frontend-project",
      "vercel:index/projectDomain:ProjectDomain::frontend-domain-app-sophia-intel-ai",
      "vercel:index/projectDomain:ProjectDomain::frontend-domain-sophia-intel-ai",
      "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable::frontend-env-vite-api-url",
      "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable::frontend-env-vite-environment",
    ]);
    const apiUrl = registered.find((r) => r.name === "frontend-env-vite-api-url")?.inputs["value"];
    // The same URL the endpoints output carries (the SDK keeps every variable value secret).
    expect(JSON.stringify(apiUrl)).toContain(`"value":"${(outputs["endpoints"] as { api: string }).api}"`);
  });

  it("no fixture credential appears in any input outside a secret (the Vercel token and team included)", () => {
    const visible = JSON.stringify(registered.map((r) => redact(r.inputs)));
    const fixtures = Object.entries(resolveEscConfig("production")).filter(
      ([k, v]) => v.secret && !k.endsWith("kubeconfig"),
    );
    expect(fixtures.map(([k]) => k)).toEqual(
      expect.arrayContaining(["sophia-infra:vercelApiToken", "sophia-infra:vercelTeam"]),
    );
    for (const [key, v] of fixtures) expect(visible, key).not.toContain(v.value);
  });

  it("k3s is bootstrapped on the four launched instances: each node reached at its own instance's address", () => {
    expect([...launched.keys()].sort()).toEqual(
      ["sophia-ai-core", "sophia-data-pipeline", "sophia-mcp-orchestrator", "sophia-production"].sort(),
    );
    for (const [node, machine] of launched) {
      const ssh = registered.find((r) => r.name === `cluster-${node}-ssh`);
      const connection = JSON.stringify(ssh?.inputs["connection"]);
      expect(connection, node).toContain(`"host":"${machine.ip}"`);
      expect(connection, node).toContain(`"user":"ubuntu"`);
      // The instance is the machine's identity: a replaced instance is bootstrapped again.
      expect(ssh?.inputs["triggers"], node).toEqual([machine.instanceId]);
      const install = registered.find((r) => r.name === `cluster-${node}-install`);
      expect(install?.inputs["triggers"], node).toContain(machine.instanceId);
    }
    const core = launched.get("sophia-ai-core")!;
    expect((outputs["kubeconfig"] as string) ?? "").toContain(`server: https://${core.ip}:6443`);
  });

  it("outputs satisfy contract version 2, with the frontend's URLs and every record the registrar needs", () => {
    const read = readStackOutputs(outputs, { showSecrets: true });
    expect(read.version).toBe(2);
    expect(read.values.frontendUrls).toEqual(["https://sophia-intel.ai", "https://app.sophia-intel.ai"]);
    expect(read.values.dnsRecords).toEqual([
      {
        name: "app.sophia-intel.ai",
        type: "CNAME",
        ttl: 300,
        values: ["cname.vercel-dns.com"],
        target: "vercel",
        needs: null,
      },
      { name: "sophia-intel.ai", type: "A", ttl: 300, values: ["76.76.21.21"], target: "vercel", needs: null },
      ...["api", "mcp", "monitor"].map((h) => ({
        name: `${h}.sophia-intel.ai`,
        type: "A",
        ttl: 300,
        values: [],
        target: "gateway",
        needs: GATEWAY_ADDRESSES_NEEDED,
      })),
    ]);
  });
});

function redact(value: unknown): unknown {
  if (typeof value === "object" && value !== null && specialSigKey in value) return "[secret]";
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}

/** Resolves every Output inside the exported values. */
async function resolve(value: Record<string, unknown>): Promise<unknown> {
  return new Promise((r) => {
    pulumi.output(value).apply((v) => {
      r(v);
      return v;
    });
  });
}
