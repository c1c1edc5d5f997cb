/**
 * WeaviateCollection through the real engine against a real Weaviate server on loopback (built from
 * Go modules). The vectorizer APIs are unreachable, so objects are inserted with explicit vectors.
 */
import { join } from "node:path";
import type { WeaviateClient } from "weaviate-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { CollectionSpec } from "../../components/weaviate/collection-spec";
import { sophiaCollections } from "../../components/weaviate/sophia-collections";
import { parseJson, PulumiWorkspace, toolchainEnv, type PreviewJson, type RunResult } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";
import { LocalWeaviate } from "../harness/weaviate";

const fixture = join(repoRoot, "test", "fixtures", "weaviate-program");
const [memory, bi] = sophiaCollections({ replicationFactor: 1 }) as [CollectionSpec, CollectionSpec];

let env: Record<string, string>;
let server: LocalWeaviate;

beforeAll(async () => {
  env = toolchainEnv();
  server = await LocalWeaviate.start(env);
});
afterAll(async () => {
  expect(await server?.stop()).toEqual([]);
});

/** A stack of the fixture program pointed at `url` with `apiKey`, declaring `collections`. */
function stack(opts: { collections: CollectionSpec[]; url?: string; apiKey?: string }): PulumiWorkspace {
  const ws = new PulumiWorkspace(env, { passphrase: "weaviate-test", projectSource: fixture });
  ws.must(["stack", "init", "test", "--secrets-provider", "passphrase"]);
  ws.must(["config", "set", "url", opts.url ?? server.url]);
  ws.must(["config", "set", "grpcPort", String(server.grpcPort)]);
  ws.must(["config", "set", "--secret", "apiKey", opts.apiKey ?? server.apiKey]);
  setCollections(ws, opts.collections);
  return ws;
}

function setCollections(ws: PulumiWorkspace, collections: CollectionSpec[]): void {
  ws.must(["config", "set", "collections", JSON.stringify(collections)]);
}

const up = (ws: PulumiWorkspace) => ws.pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
const text = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

async function insertWithVector(name: string, properties: Record<string, unknown>, seed: number): Promise<void> {
  const vector = Array.from({ length: 8 }, (_, i) => Math.sin(seed + i));
  await withClient((c) => c.collections.use(name).data.insert({ properties: properties as never, vectors: vector }));
}

/** Runs `f` with a fresh client: a pooled connection may have gone stale while the engine ran. */
async function withClient<T>(f: (c: WeaviateClient) => Promise<T>): Promise<T> {
  const fresh = await server.client();
  try {
    return await f(fresh);
  } finally {
    await fresh.close();
  }
}

const count = (name: string) => withClient(async (c) => (await c.collections.use(name).aggregate.overAll()).totalCount);
const exists = (name: string) => withClient((c) => c.collections.exists(name));

describe("the spec's collections through the real engine", () => {
  let ws: PulumiWorkspace;
  beforeAll(() => {
    ws = stack({ collections: [memory, bi] });
  });
  afterAll(() => ws?.cleanup());

  it("creates both collections with their properties, vectorizer and generative module", async () => {
    const r = up(ws);
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/\+ 3 created/);
    const m = await withClient((c) => c.collections.export("SophiaMemory"));
    expect(m.properties.map((p) => `${p.name}:${p.dataType}`)).toEqual([
      "content:text",
      "timestamp:date",
      "source:text",
      "importance:number",
      "tags:text[]",
      "user_id:text",
    ]);
    expect(JSON.stringify(m.vectorizers)).toContain("text2vec-openai");
    expect(m.generative?.name).toBe("generative-anthropic");
    expect(await exists("BusinessIntelligence")).toBe(true);
  });

  it("a second up changes nothing, and the API key is not in state", () => {
    const preview = ws.pulumi(["preview", "--expect-no-changes", "--json"]);
    expect(preview.code, text(preview)).toBe(0);
    expect(parseJson<PreviewJson>(preview).changeSummary).toEqual({ same: 3 });
    expect(ws.must(["stack", "export"]).stdout).not.toContain(server.apiKey);
  });

  it("adding a property updates in place and keeps the objects", async () => {
    await insertWithVector("SophiaMemory", { content: "Q3 revenue grew 12%", importance: 0.9, tags: ["finance"] }, 1);
    await insertWithVector("SophiaMemory", { content: "Churn fell in EMEA", importance: 0.7, tags: ["sales"] }, 2);
    expect(await count("SophiaMemory")).toBe(2);
    const withTopic: CollectionSpec = {
      ...memory,
      properties: [...memory.properties, { name: "topic", dataType: "text" }],
    };
    setCollections(ws, [withTopic, bi]);
    const r = up(ws);
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(/~ 1 updated/);
    expect(await count("SophiaMemory")).toBe(2);
    const m = await withClient((c) => c.collections.export("SophiaMemory"));
    expect(m.properties.map((p) => p.name)).toContain("topic");
  });

  it("changing a property's type is refused with the reason, and nothing changes", async () => {
    const retyped: CollectionSpec = {
      ...memory,
      properties: [
        ...memory.properties.map((p) => (p.name === "importance" ? { ...p, dataType: "int" as const } : p)),
        { name: "topic", dataType: "text" },
      ],
    };
    setCollections(ws, [retyped, bi]);
    const r = ws.pulumi(["preview"]);
    expect(r.code).not.toBe(0);
    expect(text(r)).toContain(
      "changing collection SophiaMemory this way needs a new collection, which drops every object in it",
    );
    expect(text(r)).toContain("SophiaMemory.properties.importance.dataType: a property's type is fixed (number → int)");
    expect(await count("SophiaMemory")).toBe(2);
  });

  it("with allowReplacement the plan replaces it and says the data will be lost", () => {
    ws.must(["config", "set", "allowReplacement", "true"]);
    const r = ws.pulumi(["preview", "--diff"]);
    ws.must(["config", "set", "allowReplacement", "false"]);
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(
      /\+-pulumi-nodejs:dynamic\/sophia-weaviate:WeaviateCollection: \(replace\)\s+\[id=SophiaMemory\]/,
    );
    expect(r.stdout).toContain('dataLoss        : "replacing collection SophiaMemory deletes all 2 objects in it"');
  });

  it("a change made out of band is detected by refresh", async () => {
    setCollections(ws, [{ ...memory, properties: [...memory.properties, { name: "topic", dataType: "text" }] }, bi]);
    await withClient((c) => c.collections.use("BusinessIntelligence").config.update({ description: "edited by hand" }));
    const r = ws.pulumi(["refresh", "--preview-only", "--diff"]);
    expect(r.code, text(r)).toBe(0);
    expect(r.stdout).toMatch(
      /~ pulumi-nodejs:dynamic\/sophia-weaviate:WeaviateCollection: \(update\)\s+\[id=BusinessIntelligence\]/,
    );
    expect(r.stdout).toContain("edited by hand");
  });

  it("destroy removes the collections", async () => {
    const r = ws.pulumi(["destroy", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(r.code, text(r)).toBe(0);
    expect(await exists("SophiaMemory")).toBe(false);
    expect(await exists("BusinessIntelligence")).toBe(false);
  });
});

describe("adopting an existing collection (the import option does not work for dynamic providers)", () => {
  it("takes over a matching collection and its objects without recreating it", async () => {
    const adopted: CollectionSpec = {
      name: "AdoptedNotes",
      properties: [{ name: "body", dataType: "text" }],
      vectorizer: { module: "none" },
    };
    const { toWeaviateClass } = await import("../../components/weaviate/weaviate-class");
    await withClient((c) => c.collections.createFromSchema(toWeaviateClass(adopted) as never));
    await insertWithVector("AdoptedNotes", { body: "kept" }, 3);
    const ws = stack({ collections: [adopted] });
    try {
      ws.must(["config", "set", "adopt", JSON.stringify(["AdoptedNotes"])]);
      const r = up(ws);
      expect(r.code, text(r)).toBe(0);
      expect(r.stdout).toMatch(/\+ 2 created/);
      expect(await count("AdoptedNotes")).toBe(1);
      expect(ws.pulumi(["preview", "--expect-no-changes"]).code).toBe(0);
    } finally {
      ws.cleanup();
      await withClient((c) => c.collections.delete("AdoptedNotes"));
    }
  });
});

describe("bad input: one clear error naming the collection and field", () => {
  const cases: [string, () => PulumiWorkspace, RegExp][] = [
    [
      "an unknown data type (rejected by check, before any request)",
      () => stack({ collections: [{ ...bi, properties: [{ name: "score", dataType: "float" as never }] }] }),
      /BusinessIntelligence\.properties\.score\.dataType: unknown data type "float"/,
    ],
    [
      "a duplicate property",
      () =>
        stack({
          collections: [{ ...bi, properties: [...bi.properties, { name: "Content", dataType: "text" }] }],
        }),
      /BusinessIntelligence\.properties\.Content: duplicate property/,
    ],
    [
      "an unreachable server",
      () => stack({ collections: [bi], url: "http://127.0.0.1:9" }),
      /Weaviate collection BusinessIntelligence: connecting failed: .*Weaviate is not reachable at http:\/\/127\.0\.0\.1:9/s,
    ],
    [
      "a wrong API key",
      () => stack({ collections: [bi], apiKey: "not-the-key" }),
      /Weaviate collection BusinessIntelligence: .*The API key was refused/s,
    ],
  ];
  for (const [label, make, message] of cases) {
    it(label, async () => {
      const ws = make();
      try {
        const r = up(ws);
        expect(r.code).not.toBe(0);
        expect(text(r)).toMatch(message);
        expect(await exists("BusinessIntelligence")).toBe(false);
      } finally {
        ws.cleanup();
      }
    });
  }

  it("adopting a collection whose definition differs is refused, naming the differences", async () => {
    const { toWeaviateClass } = await import("../../components/weaviate/weaviate-class");
    const live: CollectionSpec = {
      name: "DriftedNotes",
      properties: [{ name: "body", dataType: "text" }],
      vectorizer: { module: "none" },
    };
    await withClient((c) => c.collections.createFromSchema(toWeaviateClass(live) as never));
    const ws = stack({ collections: [{ ...live, properties: [{ name: "body", dataType: "text[]" }] }] });
    try {
      ws.must(["config", "set", "adopt", JSON.stringify(["DriftedNotes"])]);
      const r = up(ws);
      expect(r.code).not.toBe(0);
      expect(text(r)).toContain("Weaviate collection DriftedNotes: adopt failed");
      expect(text(r)).toContain("properties.body.dataType");
      expect(await exists("DriftedNotes")).toBe(true);
    } finally {
      ws.cleanup();
      await withClient((c) => c.collections.delete("DriftedNotes"));
    }
  });

  it("a create the server rejects leaves no collection behind", async () => {
    // Valid for check, refused by a single-node server: three replicas need three nodes.
    const ws = stack({ collections: [{ ...bi, replicationFactor: 3 }] });
    try {
      const r = up(ws);
      expect(r.code).not.toBe(0);
      expect(text(r)).toContain("Weaviate collection BusinessIntelligence: create failed");
      expect(await exists("BusinessIntelligence")).toBe(false);
    } finally {
      ws.cleanup();
    }
  });
});
