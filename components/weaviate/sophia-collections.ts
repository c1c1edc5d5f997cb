/**
 * The spec's collections (section 8), as CollectionSpecs. Pure.
 */
import type { CollectionSpec } from "./collection-spec";

export interface SophiaCollectionOptions {
  /** Replicas of each shard (Weaviate Cloud: 3 for HA; a single local server: 1). */
  readonly replicationFactor: number;
}

export function sophiaCollections(opts: SophiaCollectionOptions): CollectionSpec[] {
  const common = {
    vectorizer: { module: "text2vec-openai" },
    generative: { module: "generative-anthropic" },
    vectorIndex: { type: "hnsw", distance: "cosine" },
    replicationFactor: opts.replicationFactor,
  } as const;
  return [
    {
      name: "SophiaMemory",
      description: "Long-term memory of the Sophia AI assistant",
      properties: [
        { name: "content", dataType: "text" },
        { name: "timestamp", dataType: "date" },
        { name: "source", dataType: "text", tokenization: "field" },
        { name: "importance", dataType: "number" },
        { name: "tags", dataType: "text[]", tokenization: "field" },
        { name: "user_id", dataType: "text", tokenization: "field" },
      ],
      ...common,
    },
    {
      name: "BusinessIntelligence",
      description: "Business facts gathered from connected systems",
      properties: [
        { name: "data_type", dataType: "text", tokenization: "field" },
        { name: "content", dataType: "text" },
        { name: "source_system", dataType: "text", tokenization: "field" },
        { name: "confidence", dataType: "number" },
        { name: "created_at", dataType: "date" },
      ],
      ...common,
    },
  ];
}
