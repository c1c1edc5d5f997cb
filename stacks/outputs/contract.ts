/**
 * The stack outputs contract: every output the program exports, in one schema, versioned. Other
 * tooling reads outputs through `readStackOutputs` (reader.ts); `docs/outputs.schema.json` is the
 * same schema as JSON Schema (generated: `npx tsx scripts/gen-outputs-schema.ts`). Changing an
 * output's shape is a new contract version.
 */
import { z } from "zod";

import { LAMBDA_NODE_CLASSES } from "../../components/lambda/lambda-node";
import { NODE_CLASSES, type NodeClass } from "../../components/placement/classes";
import type { Settings } from "../config/schema";

/** Version 2: `dnsRecords` entries gained `target` and `needs` (and CNAME records); `frontendUrls` is new. */
export const OUTPUTS_CONTRACT_VERSION = 2;

/** What a gateway record without addresses waits for (the `needs` of its `dnsRecords` entry). */
export const GATEWAY_ADDRESSES_NEEDED =
  "the public addresses serving ports 80/443: set sophia-infra:ingress.publicAddresses";

/** Hourly rates from the plan (USD), per GPU node class. */
export const HOURLY_RATES: Readonly<Record<NodeClass, number>> = Object.fromEntries(
  NODE_CLASSES.map((c) => [c, LAMBDA_NODE_CLASSES[c].hourlyRate]),
) as Record<NodeClass, number>;
/** Hours in an average month (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

const name = z.string().min(1);
const url = z.url();

export const stackOutputsSchema = z
  .strictObject({
    contractVersion: z.literal(OUTPUTS_CONTRACT_VERSION).describe("Version of this contract."),
    environment: z.enum(["production", "staging", "dev"]).describe("The environment."),
    domain: z.string().describe("Base domain."),
    endpoints: z
      .strictObject({ api: url, mcp: url, monitor: url })
      .describe("Public endpoints: the backend API, the MCP gateway, Grafana."),
    layers: z.record(name, name).describe("Each layer's mode (`skip`, `create`, …)."),
    kubernetesNamespaces: z.record(name, name).describe("Namespaces created, by name."),
    weaviateCollections: z.record(name, name).describe("Weaviate collections managed, by name."),
    dataServices: z
      .strictObject({
        postgres: z
          .strictObject({ host: name, database: name, credentialsSecret: name })
          .nullable()
          .describe("Postgres primary (read-write Service) and the Secret with the app role's credentials."),
        redis: z
          .strictObject({ masterName: name, sentinels: z.array(name) })
          .nullable()
          .describe("Redis Sentinel master set and the sentinels' `host:port`."),
      })
      .describe("Connection facts of the data services (no credentials)."),
    dnsRecords: z
      .array(
        z.strictObject({
          name,
          type: z.enum(["A", "AAAA", "CNAME"]),
          ttl: z.int().positive(),
          values: z.array(z.string()),
          target: z
            .enum(["vercel", "gateway"])
            .describe("What serves the name: the frontend or the cluster's gateway."),
          needs: z
            .string()
            .nullable()
            .describe("What the registrar still needs before the record can be created (null: `values` are complete)."),
        }),
      )
      .describe("Records to create at the registrar, for the frontend's domains and the gateway's hosts."),
    frontendUrls: z
      .array(url)
      .describe("The frontend's URLs (its custom domains on Vercel); empty without a frontend."),
    grafanaUrl: url.nullable().describe("Grafana, when monitoring is deployed."),
    mcpServers: z.record(name, url).describe("Each MCP server's URL at the gateway (bearer token required)."),
    kubeconfig: z
      .string()
      .nullable()
      .meta({ secret: true })
      .describe("Kubeconfig of the cluster the stack deploys to (secret), or null without one."),
    monthlyCostEstimate: z
      .strictObject({
        currency: z.literal("USD"),
        hoursPerMonth: z.number().positive(),
        total: z.number().nonnegative(),
        byNode: z.record(
          name,
          z.strictObject({ class: z.enum(NODE_CLASSES), hourlyRate: z.number(), monthly: z.number() }),
        ),
      })
      .describe("GPU node cost per month from the plan's hourly rates, over `cluster.nodes`."),
  })
  .describe("Outputs of a sophia-infra stack (`pulumi stack output --json`).");

export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** Outputs exported as Pulumi secrets (shown as `[secret]` without `--show-secrets`). */
export const SECRET_OUTPUTS = ["kubeconfig"] as const satisfies readonly (keyof StackOutputs)[];

/** The monthly estimate for the configured nodes. Pure. */
export function monthlyCostEstimate(s: Settings): StackOutputs["monthlyCostEstimate"] {
  const nodes = s.cluster.mode === "k3s" ? s.cluster.nodes : [];
  const byNode = Object.fromEntries(
    nodes.map((n) => {
      const hourlyRate = HOURLY_RATES[n.class];
      return [n.name, { class: n.class, hourlyRate, monthly: round(hourlyRate * HOURS_PER_MONTH) }];
    }),
  );
  const total = round(Object.values(byNode).reduce((sum, n) => sum + n.monthly, 0));
  return { currency: "USD", hoursPerMonth: HOURS_PER_MONTH, total, byNode };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The JSON Schema of the contract (what docs/outputs.schema.json holds). */
export function outputsJsonSchema(): Record<string, unknown> {
  return {
    $id: `https://sophia-intel.ai/schemas/sophia-infra-outputs-v${OUTPUTS_CONTRACT_VERSION}.json`,
    ...z.toJSONSchema(stackOutputsSchema),
  };
}
