/**
 * The Weaviate connection for the configured mode: the local server's URL and API key file, or
 * Weaviate Cloud with its key from secrets. Always a Pulumi secret.
 */
import * as pulumi from "@pulumi/pulumi";

import type { WeaviateConnection, WeaviateReplication } from "../components/weaviate";
import type { StackConfig } from "./config/stack-config";
import type { Settings } from "./config/schema";
import { readLocalFile } from "./local-files";

export function weaviateConnection(config: StackConfig): pulumi.Output<WeaviateConnection> | undefined {
  const w = config.settings.weaviate;
  const vectorizerHeaders = pulumi
    .all([config.secrets.openaiApiKey, config.secrets.anthropicApiKey])
    .apply(([openai, anthropic]) => ({
      ...(openai ? { "X-OpenAI-Api-Key": openai } : {}),
      ...(anthropic ? { "X-Anthropic-Api-Key": anthropic } : {}),
    }));
  switch (w.mode) {
    case "skip":
      return undefined;
    case "local": {
      const apiKey = readLocalFile(
        w.apiKeyPath,
        'weaviate.mode is "local"',
        "Weaviate server",
        "weaviate-local.sh",
      ).trim();
      return pulumi.secret(
        vectorizerHeaders.apply((headers) => ({ url: w.url, grpcPort: w.grpcPort, apiKey, headers })),
      );
    }
    case "cloud":
      return pulumi.secret(
        pulumi
          .all([config.requireSecret("weaviateApiKey"), vectorizerHeaders])
          .apply(([apiKey, headers]) => ({ url: w.url, apiKey, headers })),
      );
  }
}

/** The Weaviate cluster's size and requested factor (the local server is a single node). */
export function weaviateReplication(w: Exclude<Settings["weaviate"], { mode: "skip" }>): WeaviateReplication {
  return { clusterNodes: w.mode === "cloud" ? w.clusterNodes : 1, replicationFactor: w.replicationFactor };
}
