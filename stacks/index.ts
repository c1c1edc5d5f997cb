/**
 * The Sophia AI platform, one stack per environment. Config is read and validated once, before any
 * resource is registered; then each layer function creates its components and returns its outputs,
 * which are wired into the next layers and exported as the outputs contract (stacks/outputs).
 */
import * as pulumi from "@pulumi/pulumi";

import { namespacePlan, PlatformNamespaces } from "../components/platform";
import { replicationFactorFor, sophiaCollections, WeaviateCollections } from "../components/weaviate";
import { createCluster } from "./cluster";
import { loadConfig } from "./config/load";
import type { Assignable, DeepReadonly, Expect, SameShape } from "./config/same-shape";
import { endpointsFor } from "./endpoints";
import { createKubernetesProvider, kubeconfigFor } from "./kubernetes-provider";
import { registrarRecords } from "./dns-records";
import { frontendLayer } from "./frontend";
import { applications } from "./applications";
import { lambdaMachines } from "./lambda";
import { layerModes } from "./layers";
import { monthlyCostEstimate as costEstimate, OUTPUTS_CONTRACT_VERSION, type StackOutputs } from "./outputs";
import { platformServices } from "./platform-services";
import { registerTransforms } from "./transforms";
import { weaviateConnection, weaviateReplication } from "./weaviate";

const config = loadConfig();
const { settings } = config;
registerTransforms({ skipAwait: settings.kubernetes.skipAwait });

// GPU nodes rented from Lambda Cloud (`machine.source: lambda`), then the cluster layer: k3s over SSH
// on them and on `existing` machines. `kubernetes.target: cluster` applies the Kubernetes layer to it.
const machines = lambdaMachines(config);
const cluster = createCluster(config, machines?.nodes);
const targetKubeconfig = kubeconfigFor(config, cluster?.kubeconfig);
const k8sProvider = createKubernetesProvider("kubernetes", config, targetKubeconfig);
const namespaces = k8sProvider
  ? new PlatformNamespaces(
      "platform",
      { namespaces: namespacePlan(settings), labels: { "app.kubernetes.io/part-of": "sophia" } },
      { providers: [k8sProvider] },
    )
  : undefined;

const services =
  k8sProvider && namespaces ? platformServices(config, k8sProvider, namespaces.names) : { dnsRecords: [] };

const weaviate = weaviateConnection(config);
const collections =
  weaviate && settings.weaviate.mode !== "skip"
    ? new WeaviateCollections("weaviate", {
        connection: weaviate,
        collections: sophiaCollections({
          replicationFactor: replicationFactorFor(weaviateReplication(settings.weaviate)),
        }),
        allowReplacement: settings.weaviate.allowReplacement,
      })
    : undefined;

const apps =
  k8sProvider && namespaces
    ? applications(config, k8sProvider, namespaces.names, services, collections?.connection ?? weaviate)
    : { mcpServers: {} };

const publicEndpoints = endpointsFor(settings.domain);
const frontend = frontendLayer(config, publicEndpoints.api);

// Outputs: the contract in stacks/outputs/contract.ts (versioned; README "Stack outputs").
const outputs = {
  // The literal version, not `number` (the contract's type is the literal).
  contractVersion: OUTPUTS_CONTRACT_VERSION as typeof OUTPUTS_CONTRACT_VERSION,
  environment: settings.environment,
  domain: settings.domain,
  endpoints: publicEndpoints,
  layers: layerModes(settings),
  kubernetesNamespaces: namespaces ? pulumi.all(namespaces.names) : {},
  weaviateCollections: collections ? pulumi.all(collections.names) : {},
  /** Connection facts for the applications (credentials stay in Secrets in the cluster). */
  dataServices: {
    postgres: services.postgres
      ? {
          host: services.postgres.host,
          database: services.postgres.database,
          credentialsSecret: services.postgres.appSecretName,
        }
      : null,
    redis: services.redis ? { masterName: services.redis.masterName, sentinels: services.redis.sentinels } : null,
  },
  /** Records to create at the registrar: the frontend's domains and the gateway's hosts, each with what it still needs. */
  dnsRecords: registrarRecords(frontend?.dnsRecords ?? [], services.dnsRecords),
  /** The frontend's URLs (its custom domains on Vercel). */
  frontendUrls: frontend?.urls ?? [],
  grafanaUrl: services.grafanaUrl ?? null,
  /** Public URL of each MCP server (`mcp.<domain>/mcp/<name>`, bearer token required). */
  mcpServers: apps.mcpServers,
  /** The kubeconfig objects go to (secret), or null. */
  kubeconfig: targetKubeconfig ?? null,
  monthlyCostEstimate: costEstimate(settings),
};

export const {
  contractVersion,
  environment,
  domain,
  endpoints,
  layers,
  kubernetesNamespaces,
  weaviateCollections,
  dataServices,
  dnsRecords,
  frontendUrls,
  grafanaUrl,
  mcpServers,
  kubeconfig,
  monthlyCostEstimate,
} = outputs;

/**
 * Compile-time checks: the outputs are exactly the contract's, and each resolves to the contract's
 * type (`pnpm typecheck` fails on a missing, extra or mistyped output; test/unit/outputs.test.ts
 * checks the module's exports are these).
 */
export type OutputsMatchContract = [
  Expect<SameShape<keyof typeof outputs, keyof StackOutputs>>,
  // Outputs are only read: readonly arrays (as the components return them) fit the contract.
  Expect<Assignable<pulumi.Unwrap<typeof outputs>, DeepReadonly<StackOutputs>>>,
];
