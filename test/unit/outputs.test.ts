import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import {
  GATEWAY_ADDRESSES_NEEDED,
  monthlyCostEstimate,
  outputsJsonSchema,
  readStackOutputs,
  stackOutputsSchema,
  StackOutputsError,
} from "../../stacks/outputs";
import type { Settings } from "../../stacks/config/schema";
import type { Expect, SameShape } from "../../stacks/config/same-shape";
// Type-only: loading the module would run the program.
import type * as program from "../../stacks/index";
import type { StackOutputs } from "../../stacks/outputs";
import { repoRoot } from "../harness/stack-config";

/**
 * Compile-time (`pnpm typecheck`): the program's module exports exactly the contract's outputs;
 * stacks/index.ts checks each one's type.
 */
export type ProgramExportsAreTheContract = Expect<SameShape<keyof typeof program, keyof StackOutputs>>;

/** A valid set of outputs, as `pulumi stack output --json --show-secrets` prints them. */
const outputs = {
  contractVersion: 2,
  environment: "dev",
  domain: "sophia-dev.localhost",
  endpoints: {
    api: "https://api.sophia-dev.localhost",
    mcp: "https://mcp.sophia-dev.localhost",
    monitor: "https://monitor.sophia-dev.localhost",
  },
  layers: { redis: "create" },
  kubernetesNamespaces: { "sophia-data": "sophia-data" },
  weaviateCollections: {},
  dataServices: { postgres: null, redis: { masterName: "sophia", sentinels: ["redis-0:26379"] } },
  dnsRecords: [
    {
      name: "app.sophia-dev.localhost",
      type: "CNAME",
      ttl: 300,
      values: ["cname.vercel-dns.com"],
      target: "vercel",
      needs: null,
    },
    {
      name: "api.sophia-dev.localhost",
      type: "A",
      ttl: 300,
      values: [],
      target: "gateway",
      needs: GATEWAY_ADDRESSES_NEEDED,
    },
  ],
  frontendUrls: ["https://app.sophia-dev.localhost"],
  grafanaUrl: null,
  mcpServers: { github: "https://mcp.sophia-dev.localhost/mcp/github" },
  kubeconfig: "apiVersion: v1\nkind: Config\n",
  monthlyCostEstimate: { currency: "USD", hoursPerMonth: 730, total: 0, byNode: {} },
};

describe("the outputs contract", () => {
  it("docs/outputs.schema.json is up to date (run `npx tsx scripts/gen-outputs-schema.ts`)", () => {
    const onDisk = readFileSync(join(repoRoot, "docs", "outputs.schema.json"), "utf8");
    expect(onDisk).toBe(`${JSON.stringify(outputsJsonSchema(), null, 2)}\n`);
  });

  it("marks the secret outputs in the JSON Schema and carries the version", () => {
    const schema = outputsJsonSchema() as { $id: string; properties: Record<string, { secret?: boolean }> };
    expect(schema.$id).toBe("https://sophia-intel.ai/schemas/sophia-infra-outputs-v2.json");
    expect(
      Object.entries(schema.properties)
        .filter(([, p]) => p.secret)
        .map(([k]) => k),
    ).toEqual(["kubeconfig"]);
  });

  it("estimates the monthly cost from the plan's hourly rates", () => {
    const node = (name: string, cls: string) => ({ name, class: cls, role: "agent", machine: { source: "lambda" } });
    const s = {
      cluster: {
        mode: "k3s",
        nodes: [node("core", "gh200"), node("mcp", "a6000"), node("etl", "a100"), node("api", "rtx6000")],
      },
    } as unknown as Settings;
    const estimate = monthlyCostEstimate(s);
    expect(estimate.byNode["core"]).toEqual({ class: "gh200", hourlyRate: 1.85, monthly: 1350.5 });
    // (1.85 + 0.65 + 1.10 + 0.80) × 730 h
    expect(estimate.total).toBe(3212);
    expect(monthlyCostEstimate({ cluster: { mode: "skip" } } as Settings).total).toBe(0);
  });
});

describe("readStackOutputs", () => {
  it("reads outputs with --show-secrets, secrets included", () => {
    const read = readStackOutputs(outputs, { showSecrets: true });
    expect(read.values.dataServices.redis?.masterName).toBe("sophia");
    expect(read.secrets.kubeconfig).toEqual({ redacted: false, value: "apiVersion: v1\nkind: Config\n" });
  });

  it("reports a secret read without --show-secrets as redacted, not as a value", () => {
    const read = readStackOutputs({ ...outputs, kubeconfig: "[secret]" }, { showSecrets: false });
    expect(read.secrets.kubeconfig).toEqual({ redacted: true });
    expect(JSON.stringify(read)).not.toContain("[secret]");
  });

  it("refuses an older contract version, naming it", () => {
    expect(() => readStackOutputs({ ...outputs, contractVersion: 0 }, { showSecrets: true })).toThrow(
      new StackOutputsError(
        "stack outputs use contract version 0; this reader reads versions 1 and 2: update the reader or read an up-to-date stack",
      ),
    );
    expect(() => readStackOutputs({ environment: "dev" }, { showSecrets: true })).toThrow(/carry no contractVersion/);
  });

  it("reads version 1 outputs (before the frontend) in the current shape", () => {
    const v1: Record<string, unknown> = {
      ...outputs,
      contractVersion: 1,
      dnsRecords: [
        { name: "api.sophia-intel.ai", type: "A", ttl: 300, values: ["203.0.113.10"] },
        { name: "mcp.sophia-intel.ai", type: "A", ttl: 300, values: [] },
      ],
    };
    delete v1["frontendUrls"];
    const read = readStackOutputs(v1, { showSecrets: true });
    expect(read.version).toBe(1);
    expect(read.values.contractVersion).toBe(2);
    expect(read.values.frontendUrls).toEqual([]);
    expect(read.values.dnsRecords).toEqual([
      { name: "api.sophia-intel.ai", type: "A", ttl: 300, values: ["203.0.113.10"], target: "gateway", needs: null },
      {
        name: "mcp.sophia-intel.ai",
        type: "A",
        ttl: 300,
        values: [],
        target: "gateway",
        needs: GATEWAY_ADDRESSES_NEEDED,
      },
    ]);
    // Version 2 outputs must carry the new fields: a v2 record without `needs` breaks the contract.
    const broken = { ...outputs, dnsRecords: [{ name: "a.b", type: "A", ttl: 300, values: [], target: "gateway" }] };
    expect(() => readStackOutputs(broken, { showSecrets: true })).toThrow(/dnsRecords\.0\.needs/);
    expect(readStackOutputs(outputs, { showSecrets: true }).version).toBe(2);
  });

  it("names every output that breaks the contract", () => {
    expect(() =>
      readStackOutputs({ ...outputs, endpoints: { api: "not a url" }, extra: 1 }, { showSecrets: true }),
    ).toThrow(
      /endpoints\.api: .*\n.*endpoints\.mcp: .*\n.*endpoints\.monitor: .*\n.*\(root\): Unrecognized key: "extra"/,
    );
  });

  it("accepts exactly the schema's keys", () => {
    expect(Object.keys(stackOutputsSchema.shape).sort()).toEqual(Object.keys(outputs).sort());
  });
});
