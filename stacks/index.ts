/**
 * The Sophia AI platform, one stack per environment. Config is read and validated once, before any
 * resource is registered; then each layer's component is created and their outputs wired together.
 */
import * as pulumi from "@pulumi/pulumi";

import { namespacePlan, PlatformNamespaces } from "../components/platform";
import { replicationFactorFor, sophiaCollections, WeaviateCollections } from "../components/weaviate";
import { createCluster } from "./cluster";
import { loadConfig } from "./config/load";
import { createKubernetesProvider, kubeconfigFor } from "./kubernetes-provider";
import { registrarRecords } from "./dns-records";
import { frontendLayer } from "./frontend";
import { applications } from "./applications";
import { lambdaMachines } from "./lambda";
import { layerModes } from "./layers";
import { monthlyCostEstimate as costEstimate, OUTPUTS_CONTRACT_VERSION } from "./outputs";
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

// Outputs: the contract in stacks/outputs/contract.ts (versioned; README "Stack outputs").
export const contractVersion = OUTPUTS_CONTRACT_VERSION;
export const environment = settings.environment;
export const domain = settings.domain;
export const endpoints = {
  api: `https://api.${settings.domain}`,
  mcp: `https://mcp.${settings.domain}`,
  monitor: `https://monitor.${settings.domain}`,
};
const frontend = frontendLayer(config, endpoints.api);
export const layers = layerModes(settings);
export const kubernetesNamespaces = namespaces ? pulumi.all(namespaces.names) : {};
export const weaviateCollections = collections ? pulumi.all(collections.names) : {};
/** Connection facts for the applications (credentials stay in Secrets in the cluster). */
export const dataServices = {
  postgres: services.postgres
    ? {
        host: services.postgres.host,
        database: services.postgres.database,
        credentialsSecret: services.postgres.appSecretName,
      }
    : null,
  redis: services.redis ? { masterName: services.redis.masterName, sentinels: services.redis.sentinels } : null,
};
/** Records to create at the registrar: the frontend's domains and the gateway's hosts, each with what it still needs. */
export const dnsRecords = registrarRecords(frontend?.dnsRecords ?? [], services.dnsRecords);
/** The frontend's URLs (its custom domains on Vercel). */
export const frontendUrls = frontend?.urls ?? [];
export const grafanaUrl = services.grafanaUrl ?? null;
/** Public URL of each MCP server (`mcp.<domain>/mcp/<name>`, bearer token required). */
export const mcpServers = apps.mcpServers;
/** The kubeconfig objects go to (secret), or null. */
export const kubeconfig = targetKubeconfig ?? null;
export const monthlyCostEstimate = costEstimate(settings);
