/**
 * A Weaviate collection as data, and the pure rules the WeaviateCollection provider applies: what is
 * valid (`validateCollection`, run by `check` before any request) and, between two specs, what can
 * change in place and what needs a new collection (`diffCollections`).
 * @see https://weaviate.io/developers/weaviate/config-refs/schema
 */

export const DATA_TYPES = [
  "text",
  "text[]",
  "int",
  "int[]",
  "number",
  "number[]",
  "boolean",
  "boolean[]",
  "date",
  "date[]",
  "uuid",
  "uuid[]",
  "geoCoordinates",
  "phoneNumber",
  "blob",
] as const;
export type DataType = (typeof DATA_TYPES)[number];

export const TOKENIZATIONS = ["word", "lowercase", "whitespace", "field", "trigram"] as const;
export type Tokenization = (typeof TOKENIZATIONS)[number];

/** Vectorizer modules this provider knows; `none` means vectors are supplied by the client. */
export const VECTORIZERS = ["none", "text2vec-openai", "text2vec-cohere", "text2vec-huggingface"] as const;
export const GENERATIVE_MODULES = ["generative-anthropic", "generative-openai", "generative-cohere"] as const;
export const DISTANCES = ["cosine", "dot", "l2-squared", "hamming", "manhattan"] as const;

export interface PropertySpec {
  readonly name: string;
  readonly dataType: DataType;
  readonly description?: string;
  /** Only for text types. @default "word" */
  readonly tokenization?: Tokenization;
  /** @default true */
  readonly indexFilterable?: boolean;
  /** Only for text types. @default true */
  readonly indexSearchable?: boolean;
}

export interface CollectionSpec {
  /** Collection (class) name: starts with an upper-case letter. Immutable. */
  readonly name: string;
  readonly description?: string;
  readonly properties: readonly PropertySpec[];
  /** Immutable. */
  readonly vectorizer: { readonly module: (typeof VECTORIZERS)[number]; readonly model?: string };
  readonly vectorIndex?: {
    /** Immutable. @default "hnsw" */
    readonly type?: "hnsw" | "flat";
    /** Immutable. @default "cosine" */
    readonly distance?: (typeof DISTANCES)[number];
    /** Mutable: query-time search depth (-1: dynamic). */
    readonly ef?: number;
    /** Mutable. */
    readonly vectorCacheMaxObjects?: number;
  };
  /** Mutable (Weaviate 1.26.8+). */
  readonly generative?: { readonly module: (typeof GENERATIVE_MODULES)[number]; readonly model?: string };
  /** Mutable. */
  readonly invertedIndex?: {
    readonly bm25?: { readonly b: number; readonly k1: number };
    readonly cleanupIntervalSeconds?: number;
  };
  /** `enabled` is immutable; `autoTenantCreation` is mutable. */
  readonly multiTenancy?: { readonly enabled: boolean; readonly autoTenantCreation?: boolean };
  /** Immutable. @default 1 */
  readonly replicationFactor?: number;
  /** Immutable. @default 1 */
  readonly shards?: number;
}

const collectionName = /^[A-Z][_0-9A-Za-z]{0,230}$/;
const propertyName = /^[_A-Za-z][_0-9A-Za-z]{0,230}$/;
// Plain arrays, not Sets: the dynamic provider's closure serialization does not preserve Sets.
const reservedProperties: readonly string[] = ["id", "_id", "_additional", "vector", "_vector"];
const isText = (t: DataType) => t === "text" || t === "text[]";

/** Every problem with a spec, each naming the collection and field (empty: valid). */
export function validateCollection(spec: CollectionSpec): string[] {
  const at = (field: string) => `${spec.name || "<unnamed>"}.${field}`;
  const problems: string[] = [];
  if (!collectionName.test(spec.name)) {
    problems.push(
      `${at("name")}: "${spec.name}" must start with an upper-case letter and use only letters, digits and _`,
    );
  }
  const seen = new Set<string>();
  for (const p of spec.properties) {
    const where = at(`properties.${p.name}`);
    if (!propertyName.test(p.name))
      problems.push(`${where}: invalid property name (letters, digits, _; not starting with a digit)`);
    if (reservedProperties.includes(p.name.toLowerCase()))
      problems.push(`${where}: "${p.name}" is reserved by Weaviate`);
    if (seen.has(p.name.toLowerCase())) problems.push(`${where}: duplicate property (names are case-insensitive)`);
    seen.add(p.name.toLowerCase());
    if (!(DATA_TYPES as readonly string[]).includes(p.dataType)) {
      problems.push(`${where}.dataType: unknown data type "${p.dataType}" (one of: ${DATA_TYPES.join(", ")})`);
      continue;
    }
    if (p.tokenization !== undefined && !isText(p.dataType)) {
      problems.push(`${where}.tokenization: only text properties are tokenized (dataType is ${p.dataType})`);
    }
    if (p.tokenization !== undefined && !(TOKENIZATIONS as readonly string[]).includes(p.tokenization)) {
      problems.push(`${where}.tokenization: unknown tokenization "${p.tokenization}"`);
    }
    if (p.indexSearchable === true && !isText(p.dataType)) {
      problems.push(`${where}.indexSearchable: only text properties have a searchable index`);
    }
  }
  if (!(VECTORIZERS as readonly string[]).includes(spec.vectorizer.module)) {
    problems.push(
      `${at("vectorizer.module")}: unknown vectorizer "${spec.vectorizer.module}" (one of: ${VECTORIZERS.join(", ")})`,
    );
  }
  if (spec.generative && !(GENERATIVE_MODULES as readonly string[]).includes(spec.generative.module)) {
    problems.push(`${at("generative.module")}: unknown generative module "${spec.generative.module}"`);
  }
  const vi = spec.vectorIndex;
  if (vi?.distance !== undefined && !(DISTANCES as readonly string[]).includes(vi.distance)) {
    problems.push(`${at("vectorIndex.distance")}: unknown distance "${vi.distance}"`);
  }
  if (vi?.ef !== undefined && vi.ef !== -1 && vi.ef < 1)
    problems.push(`${at("vectorIndex.ef")}: must be -1 or at least 1`);
  for (const [field, n] of [
    ["replicationFactor", spec.replicationFactor],
    ["shards", spec.shards],
  ] as const) {
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) problems.push(`${at(field)}: must be a whole number >= 1`);
  }
  return problems;
}

/** A spec with every default filled in, so specs compare by value. */
export type NormalizedSpec = Required<Omit<CollectionSpec, "generative">> & Pick<CollectionSpec, "generative">;

export function normalize(spec: CollectionSpec): NormalizedSpec {
  return {
    name: spec.name,
    description: spec.description ?? "",
    properties: spec.properties.map((p) => ({
      name: p.name,
      dataType: p.dataType,
      description: p.description ?? "",
      tokenization: isText(p.dataType) ? (p.tokenization ?? "word") : undefined,
      indexFilterable: p.indexFilterable ?? true,
      indexSearchable: isText(p.dataType) ? (p.indexSearchable ?? true) : false,
    })),
    vectorizer: { module: spec.vectorizer.module, model: spec.vectorizer.model ?? "" },
    vectorIndex: {
      type: spec.vectorIndex?.type ?? "hnsw",
      distance: spec.vectorIndex?.distance ?? "cosine",
      ef: spec.vectorIndex?.ef ?? -1,
      vectorCacheMaxObjects: spec.vectorIndex?.vectorCacheMaxObjects ?? 1_000_000_000_000,
    },
    generative: spec.generative ? { module: spec.generative.module, model: spec.generative.model ?? "" } : undefined,
    invertedIndex: {
      bm25: spec.invertedIndex?.bm25 ?? { b: 0.75, k1: 1.2 },
      cleanupIntervalSeconds: spec.invertedIndex?.cleanupIntervalSeconds ?? 60,
    },
    multiTenancy: {
      enabled: spec.multiTenancy?.enabled ?? false,
      autoTenantCreation: spec.multiTenancy?.autoTenantCreation ?? false,
    },
    replicationFactor: spec.replicationFactor ?? 1,
    shards: spec.shards ?? 1,
  };
}

/**
 * `declared` with the fields it leaves to the server (the vectorizer's and generative module's model)
 * taken from `reference` when the modules match: the server fills in defaults (text2vec-openai picks
 * text-embedding-3-small), and an unset model means "the server's choice", not a change.
 */
export function adoptServerDefaults(declared: CollectionSpec, reference: CollectionSpec): CollectionSpec {
  const vectorizer =
    declared.vectorizer.model === undefined && reference.vectorizer.module === declared.vectorizer.module
      ? { ...declared.vectorizer, ...(reference.vectorizer.model ? { model: reference.vectorizer.model } : {}) }
      : declared.vectorizer;
  const generative =
    declared.generative &&
    declared.generative.model === undefined &&
    reference.generative?.module === declared.generative.module
      ? { ...declared.generative, ...(reference.generative.model ? { model: reference.generative.model } : {}) }
      : declared.generative;
  return { ...declared, vectorizer, ...(generative ? { generative } : {}) };
}

export interface CollectionDiff {
  /** Fields whose change needs a new collection (dropping its data), with the reason. */
  readonly replaces: { readonly field: string; readonly why: string }[];
  /** Fields that change in place. */
  readonly updates: string[];
  /** Properties to add in place. */
  readonly addedProperties: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What changes between `olds` and `news`, split into in-place updates and replacements. */
export function diffCollections(olds: CollectionSpec, news: CollectionSpec): CollectionDiff {
  const o = normalize(olds);
  const n = normalize(adoptServerDefaults(news, olds));
  const replaces: CollectionDiff["replaces"] = [];
  const updates: string[] = [];
  const addedProperties: string[] = [];
  const replace = (field: string, why: string) => replaces.push({ field, why });
  let descriptionChanged = false;

  if (o.name !== n.name) replace("name", "a collection cannot be renamed");
  if (!same(o.vectorizer, n.vectorizer)) replace("vectorizer", "the vectorizer is fixed at creation");
  if (o.vectorIndex.type !== n.vectorIndex.type)
    replace("vectorIndex.type", "the vector index type is fixed at creation");
  if (o.vectorIndex.distance !== n.vectorIndex.distance)
    replace("vectorIndex.distance", "the distance metric is fixed at creation");
  if (o.multiTenancy.enabled !== n.multiTenancy.enabled)
    replace("multiTenancy.enabled", "multi-tenancy is fixed at creation");
  if (o.replicationFactor !== n.replicationFactor)
    replace("replicationFactor", "the replication factor is fixed at creation");
  if (o.shards !== n.shards) replace("shards", "sharding is fixed at creation");

  const oldProps = new Map(o.properties.map((p) => [p.name.toLowerCase(), p]));
  const newProps = new Map(n.properties.map((p) => [p.name.toLowerCase(), p]));
  for (const [key, p] of oldProps) {
    const q = newProps.get(key);
    if (!q) {
      replace(`properties.${p.name}`, "removing a property is not supported in place (its data would be dropped)");
      continue;
    }
    if (p.name !== q.name)
      replace(`properties.${p.name}`, `renaming a property (${p.name} → ${q.name}) is not supported`);
    if (p.dataType !== q.dataType)
      replace(`properties.${p.name}.dataType`, `a property's type is fixed (${p.dataType} → ${q.dataType})`);
    if (p.tokenization !== q.tokenization)
      replace(`properties.${p.name}.tokenization`, "a property's tokenization is fixed");
    if (p.indexFilterable !== q.indexFilterable || p.indexSearchable !== q.indexSearchable) {
      replace(`properties.${p.name}.index`, "a property's index flags are fixed");
    }
    if (p.description !== q.description) descriptionChanged = true;
  }
  for (const [key, q] of newProps) if (!oldProps.has(key)) addedProperties.push(q.name);

  if (o.description !== n.description) updates.push("description");
  if (!same(o.generative, n.generative)) updates.push("generative");
  if (!same(o.invertedIndex, n.invertedIndex)) updates.push("invertedIndex");
  if (
    o.vectorIndex.ef !== n.vectorIndex.ef ||
    o.vectorIndex.vectorCacheMaxObjects !== n.vectorIndex.vectorCacheMaxObjects
  ) {
    updates.push("vectorIndex");
  }
  if (o.multiTenancy.autoTenantCreation !== n.multiTenancy.autoTenantCreation)
    updates.push("multiTenancy.autoTenantCreation");
  if (descriptionChanged) updates.push("propertyDescriptions");
  if (addedProperties.length > 0) updates.push("properties");
  return { replaces, updates, addedProperties };
}

/** The explanation `check` gives when a change needs a new collection and replacement is not allowed. */
export function replacementRefusal(name: string, diff: CollectionDiff): string {
  const lines = diff.replaces.map((r) => `  - ${name}.${r.field}: ${r.why}`);
  return (
    `changing collection ${name} this way needs a new collection, which drops every object in it:\n${lines.join("\n")}\n` +
    "Export the data and re-import it into a new collection (aliases allow a blue/green swap), or set " +
    "allowReplacement: true on this collection to delete and recreate it."
  );
}
