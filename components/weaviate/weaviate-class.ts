/**
 * Converts between a CollectionSpec and Weaviate's REST class definition (`/v1/schema`), the shape
 * `collections.createFromSchema` takes and `GET /v1/schema/{class}` returns. Pure.
 * @see https://weaviate.io/developers/weaviate/api/rest#tag/schema
 */
import { normalize, type CollectionSpec, type DataType, type PropertySpec } from "./collection-spec";

export interface WeaviateClassJson {
  class: string;
  description?: string;
  properties?: {
    name: string;
    dataType: string[];
    description?: string;
    tokenization?: string;
    indexFilterable?: boolean;
    indexSearchable?: boolean;
  }[];
  vectorizer?: string;
  moduleConfig?: Record<string, Record<string, unknown>>;
  vectorIndexType?: string;
  vectorIndexConfig?: Record<string, unknown>;
  invertedIndexConfig?: { bm25?: { b: number; k1: number }; cleanupIntervalSeconds?: number } & Record<string, unknown>;
  multiTenancyConfig?: { enabled?: boolean; autoTenantCreation?: boolean } & Record<string, unknown>;
  replicationConfig?: { factor?: number } & Record<string, unknown>;
  shardingConfig?: { desiredCount?: number } & Record<string, unknown>;
}

export function toWeaviateClass(spec: CollectionSpec): WeaviateClassJson {
  const n = normalize(spec);
  const moduleConfig: Record<string, Record<string, unknown>> = {};
  if (n.vectorizer.module !== "none") {
    moduleConfig[n.vectorizer.module] = {
      vectorizeClassName: false,
      ...(n.vectorizer.model ? { model: n.vectorizer.model } : {}),
    };
  }
  if (n.generative) moduleConfig[n.generative.module] = n.generative.model ? { model: n.generative.model } : {};
  return {
    class: n.name,
    description: n.description,
    properties: n.properties.map((p) => ({
      name: p.name,
      dataType: [p.dataType],
      description: p.description,
      ...(p.tokenization ? { tokenization: p.tokenization } : {}),
      indexFilterable: p.indexFilterable,
      indexSearchable: p.indexSearchable,
    })),
    vectorizer: n.vectorizer.module,
    moduleConfig,
    vectorIndexType: n.vectorIndex.type,
    vectorIndexConfig: {
      distance: n.vectorIndex.distance,
      ef: n.vectorIndex.ef,
      vectorCacheMaxObjects: n.vectorIndex.vectorCacheMaxObjects,
    },
    invertedIndexConfig: { bm25: n.invertedIndex.bm25, cleanupIntervalSeconds: n.invertedIndex.cleanupIntervalSeconds },
    multiTenancyConfig: { enabled: n.multiTenancy.enabled, autoTenantCreation: n.multiTenancy.autoTenantCreation },
    replicationConfig: { factor: n.replicationFactor },
    shardingConfig: { desiredCount: n.shards },
  };
}

const GENERATIVE_PREFIX = "generative-";

/** The spec a live class corresponds to (what `read` reports, for refresh and import). */
export function fromWeaviateClass(cls: WeaviateClassJson): CollectionSpec {
  const modules = cls.moduleConfig ?? {};
  const vectorizer = (cls.vectorizer ?? "none") as CollectionSpec["vectorizer"]["module"];
  const vectorizerModel = modules[vectorizer]?.["model"];
  const generativeName = Object.keys(modules).find((m) => m.startsWith(GENERATIVE_PREFIX));
  const generativeModel = generativeName ? modules[generativeName]?.["model"] : undefined;
  const vic = cls.vectorIndexConfig ?? {};
  return {
    name: cls.class,
    description: cls.description ?? "",
    properties: (cls.properties ?? []).map((p): PropertySpec => ({
      name: p.name,
      dataType: p.dataType[0] as DataType,
      description: p.description ?? "",
      ...(p.tokenization ? { tokenization: p.tokenization as PropertySpec["tokenization"] } : {}),
      indexFilterable: p.indexFilterable ?? true,
      indexSearchable: p.indexSearchable ?? false,
    })),
    vectorizer: { module: vectorizer, ...(typeof vectorizerModel === "string" ? { model: vectorizerModel } : {}) },
    vectorIndex: {
      type: (cls.vectorIndexType ?? "hnsw") as "hnsw" | "flat",
      distance: (vic["distance"] ?? "cosine") as NonNullable<CollectionSpec["vectorIndex"]>["distance"],
      ef: (vic["ef"] as number | undefined) ?? -1,
      vectorCacheMaxObjects: (vic["vectorCacheMaxObjects"] as number | undefined) ?? 1_000_000_000_000,
    },
    ...(generativeName
      ? {
          generative: {
            module: generativeName as NonNullable<CollectionSpec["generative"]>["module"],
            ...(typeof generativeModel === "string" ? { model: generativeModel } : {}),
          },
        }
      : {}),
    invertedIndex: {
      bm25: cls.invertedIndexConfig?.bm25 ?? { b: 0.75, k1: 1.2 },
      cleanupIntervalSeconds: cls.invertedIndexConfig?.cleanupIntervalSeconds ?? 60,
    },
    multiTenancy: {
      enabled: cls.multiTenancyConfig?.enabled ?? false,
      autoTenantCreation: cls.multiTenancyConfig?.autoTenantCreation ?? false,
    },
    replicationFactor: cls.replicationConfig?.factor ?? 1,
    shards: cls.shardingConfig?.desiredCount ?? 1,
  };
}
