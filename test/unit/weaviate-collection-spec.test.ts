import { describe, expect, it } from "vitest";

import {
  diffCollections,
  replacementRefusal,
  validateCollection,
  type CollectionSpec,
} from "../../components/weaviate/collection-spec";

const memory: CollectionSpec = {
  name: "SophiaMemory",
  description: "Long-term memory",
  properties: [
    { name: "content", dataType: "text" },
    { name: "timestamp", dataType: "date" },
    { name: "importance", dataType: "number" },
    { name: "tags", dataType: "text[]" },
  ],
  vectorizer: { module: "text2vec-openai" },
  generative: { module: "generative-anthropic" },
};

describe("validateCollection", () => {
  it("accepts the spec's collections", () => {
    expect(validateCollection(memory)).toEqual([]);
  });

  it("names the collection and field of every problem", () => {
    const bad: CollectionSpec = {
      ...memory,
      name: "sophiaMemory",
      properties: [
        { name: "content", dataType: "text" },
        { name: "Content", dataType: "text" },
        { name: "score", dataType: "float" as never },
        { name: "id", dataType: "uuid" },
        { name: "count", dataType: "int", tokenization: "word" },
        { name: "flag", dataType: "boolean", indexSearchable: true },
        { name: "1st", dataType: "text" },
      ],
      vectorizer: { module: "text2vec-magic" as never },
      generative: { module: "generative-magic" as never },
      vectorIndex: { distance: "euclid" as never, ef: 0 },
      replicationFactor: 0,
      shards: 1.5,
    };
    expect(validateCollection(bad)).toEqual([
      'sophiaMemory.name: "sophiaMemory" must start with an upper-case letter and use only letters, digits and _',
      "sophiaMemory.properties.Content: duplicate property (names are case-insensitive)",
      'sophiaMemory.properties.score.dataType: unknown data type "float" (one of: text, text[], int, int[], number, number[], boolean, boolean[], date, date[], uuid, uuid[], geoCoordinates, phoneNumber, blob)',
      'sophiaMemory.properties.id: "id" is reserved by Weaviate',
      "sophiaMemory.properties.count.tokenization: only text properties are tokenized (dataType is int)",
      "sophiaMemory.properties.flag.indexSearchable: only text properties have a searchable index",
      "sophiaMemory.properties.1st: invalid property name (letters, digits, _; not starting with a digit)",
      'sophiaMemory.vectorizer.module: unknown vectorizer "text2vec-magic" (one of: none, text2vec-openai, text2vec-cohere, text2vec-huggingface)',
      'sophiaMemory.generative.module: unknown generative module "generative-magic"',
      'sophiaMemory.vectorIndex.distance: unknown distance "euclid"',
      "sophiaMemory.vectorIndex.ef: must be -1 or at least 1",
      "sophiaMemory.replicationFactor: must be a whole number >= 1",
      "sophiaMemory.shards: must be a whole number >= 1",
    ]);
  });
});

describe("diffCollections: each field, mutable or not", () => {
  const diff = (change: Partial<CollectionSpec>) => diffCollections(memory, { ...memory, ...change });
  const replaced = (change: Partial<CollectionSpec>) => diff(change).replaces.map((r) => r.field);

  it("a model left unset is the server's choice, not a change", () => {
    const live = { ...memory, vectorizer: { module: "text2vec-openai" as const, model: "text-embedding-3-small" } };
    expect(diffCollections(live, memory)).toEqual({ replaces: [], updates: [], addedProperties: [] });
    const pinned = { ...memory, vectorizer: { module: "text2vec-openai" as const, model: "text-embedding-3-large" } };
    expect(diffCollections(live, pinned).replaces.map((r) => r.field)).toEqual(["vectorizer"]);
  });

  it("no change is no diff, defaults included", () => {
    expect(
      diffCollections(memory, { ...memory, vectorIndex: { type: "hnsw", distance: "cosine" }, shards: 1 }),
    ).toEqual({
      replaces: [],
      updates: [],
      addedProperties: [],
    });
  });

  it.each<[string, Partial<CollectionSpec>, string]>([
    ["name", { name: "SophiaMemory2" }, "name"],
    ["vectorizer module", { vectorizer: { module: "text2vec-cohere" } }, "vectorizer"],
    ["vectorizer model", { vectorizer: { module: "text2vec-openai", model: "text-embedding-3-large" } }, "vectorizer"],
    ["vector index type", { vectorIndex: { type: "flat" } }, "vectorIndex.type"],
    ["distance", { vectorIndex: { distance: "dot" } }, "vectorIndex.distance"],
    ["multi-tenancy", { multiTenancy: { enabled: true } }, "multiTenancy.enabled"],
    ["replication factor", { replicationFactor: 3 }, "replicationFactor"],
    ["sharding", { shards: 2 }, "shards"],
  ])("%s needs a new collection", (_label, change, field) => {
    expect(replaced(change)).toEqual([field]);
    expect(diff(change).updates).toEqual([]);
  });

  it.each<[string, (p: CollectionSpec["properties"][number]) => CollectionSpec["properties"][number], string]>([
    ["a property's type", (p) => ({ ...p, dataType: "text[]" }), "properties.content.dataType"],
    ["a property's tokenization", (p) => ({ ...p, tokenization: "field" }), "properties.content.tokenization"],
    ["a property's filterable index", (p) => ({ ...p, indexFilterable: false }), "properties.content.index"],
    ["a property's searchable index", (p) => ({ ...p, indexSearchable: false }), "properties.content.index"],
    ["a property's name case", (p) => ({ ...p, name: "Content" }), "properties.content"],
  ])("%s needs a new collection", (_label, edit, field) => {
    const properties = memory.properties.map((p) => (p.name === "content" ? edit(p) : p));
    expect(replaced({ properties })).toEqual([field]);
  });

  it("removing a property needs a new collection", () => {
    expect(replaced({ properties: memory.properties.filter((p) => p.name !== "tags") })).toEqual(["properties.tags"]);
  });

  it.each<[string, Partial<CollectionSpec>, string]>([
    ["description", { description: "Memory" }, "description"],
    ["generative module", { generative: { module: "generative-openai" } }, "generative"],
    ["generative removed", { generative: undefined }, "generative"],
    ["bm25", { invertedIndex: { bm25: { b: 0.5, k1: 1.2 } } }, "invertedIndex"],
    ["cleanup interval", { invertedIndex: { cleanupIntervalSeconds: 120 } }, "invertedIndex"],
    ["ef", { vectorIndex: { ef: 128 } }, "vectorIndex"],
    ["vector cache", { vectorIndex: { vectorCacheMaxObjects: 10_000 } }, "vectorIndex"],
    [
      "auto tenant creation",
      { multiTenancy: { enabled: false, autoTenantCreation: true } },
      "multiTenancy.autoTenantCreation",
    ],
  ])("%s changes in place", (_label, change, field) => {
    expect(diff(change)).toEqual({ replaces: [], updates: [field], addedProperties: [] });
  });

  it("a property's description changes in place", () => {
    const properties = memory.properties.map((p) => (p.name === "content" ? { ...p, description: "The memory" } : p));
    expect(diff({ properties })).toEqual({ replaces: [], updates: ["propertyDescriptions"], addedProperties: [] });
  });

  it("adding a property changes in place", () => {
    const properties = [...memory.properties, { name: "user_id", dataType: "text" as const }];
    expect(diff({ properties })).toEqual({ replaces: [], updates: ["properties"], addedProperties: ["user_id"] });
  });

  it("the refusal explains the data loss and the way out", () => {
    const d = diff({
      properties: memory.properties.map((p) => (p.name === "importance" ? { ...p, dataType: "int" as const } : p)),
    });
    expect(replacementRefusal("SophiaMemory", d)).toBe(
      "changing collection SophiaMemory this way needs a new collection, which drops every object in it:\n" +
        "  - SophiaMemory.properties.importance.dataType: a property's type is fixed (number → int)\n" +
        "Export the data and re-import it into a new collection (aliases allow a blue/green swap), or set " +
        "allowReplacement: true on this collection to delete and recreate it.",
    );
  });
});
