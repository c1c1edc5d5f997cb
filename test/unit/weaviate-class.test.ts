import { describe, expect, it } from "vitest";

import { normalize } from "../../components/weaviate/collection-spec";
import { sophiaCollections } from "../../components/weaviate/sophia-collections";
import { fromWeaviateClass, toWeaviateClass } from "../../components/weaviate/weaviate-class";

describe("the REST class mapping", () => {
  const [memory] = sophiaCollections({ replicationFactor: 3 });

  it("renders the class definition Weaviate expects", () => {
    const cls = toWeaviateClass(memory!);
    expect(cls.class).toBe("SophiaMemory");
    expect(cls.vectorizer).toBe("text2vec-openai");
    expect(cls.moduleConfig).toEqual({ "text2vec-openai": { vectorizeClassName: false }, "generative-anthropic": {} });
    expect(cls.properties?.find((p) => p.name === "tags")).toEqual({
      name: "tags",
      dataType: ["text[]"],
      description: "",
      tokenization: "field",
      indexFilterable: true,
      indexSearchable: true,
    });
    expect(cls.properties?.find((p) => p.name === "importance")).toEqual({
      name: "importance",
      dataType: ["number"],
      description: "",
      indexFilterable: true,
      indexSearchable: false,
    });
    expect(cls.replicationConfig).toEqual({ factor: 3 });
    expect(cls.vectorIndexType).toBe("hnsw");
  });

  it("reads back to the same spec (what refresh compares)", () => {
    for (const spec of sophiaCollections({ replicationFactor: 1 })) {
      expect(normalize(fromWeaviateClass(toWeaviateClass(spec)))).toEqual(normalize(spec));
    }
  });

  it("reads a class with a different generative module and no vectorizer", () => {
    const spec = fromWeaviateClass({
      class: "Notes",
      vectorizer: "none",
      moduleConfig: { "generative-openai": { model: "gpt-4o" } },
      properties: [{ name: "body", dataType: ["text"], tokenization: "word", indexSearchable: true }],
    });
    expect(spec.vectorizer).toEqual({ module: "none" });
    expect(spec.generative).toEqual({ module: "generative-openai", model: "gpt-4o" });
  });
});
