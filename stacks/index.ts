/**
 * The Sophia AI platform, one stack per environment. Config is read and validated once, before any
 * resource is registered; then each layer's component is created and their outputs wired together.
 */
import * as pulumi from "@pulumi/pulumi";

import { namespacePlan, PlatformNamespaces } from "../components/platform";
import { sophiaCollections, WeaviateCollections } from "../components/weaviate";
import { loadConfig } from "./config/load";
import { createKubernetesProvider } from "./kubernetes-provider";
import { layerModes, pendingLayers } from "./layers";
import { registerTransforms } from "./transforms";
import { weaviateConnection } from "./weaviate";

const config = loadConfig();
const { settings } = config;
registerTransforms({ skipAwait: settings.kubernetes.skipAwait });

for (const layer of pendingLayers(settings)) {
  void pulumi.log.warn(`${layer.key}: enabled in config but ${layer.reason}; nothing is deployed for it`);
}

const k8sProvider = createKubernetesProvider("kubernetes", config, undefined);
const namespaces = k8sProvider
  ? new PlatformNamespaces(
      "platform",
      { namespaces: namespacePlan(settings), labels: { "app.kubernetes.io/part-of": "sophia" } },
      { providers: [k8sProvider] },
    )
  : undefined;

const weaviate = weaviateConnection(config);
const collections =
  weaviate && settings.weaviate.mode !== "skip"
    ? new WeaviateCollections("weaviate", {
        connection: weaviate,
        collections: sophiaCollections({ replicationFactor: settings.weaviate.replicationFactor }),
        allowReplacement: settings.weaviate.allowReplacement,
      })
    : undefined;

export const environment = settings.environment;
export const domain = settings.domain;
export const endpoints = {
  api: `https://api.${settings.domain}`,
  mcp: `https://mcp.${settings.domain}`,
  monitor: `https://monitor.${settings.domain}`,
};
export const layers = layerModes(settings);
export const kubernetesNamespaces = namespaces ? pulumi.all(namespaces.names) : {};
export const weaviateCollections = collections ? pulumi.all(collections.names) : {};
