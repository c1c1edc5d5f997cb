import * as pulumi from "@pulumi/pulumi";

import {
  adoptServerDefaults,
  diffCollections,
  normalize,
  replacementRefusal,
  validateCollection,
  type CollectionDiff,
  type CollectionSpec,
} from "./collection-spec";
import { fromWeaviateClass, toWeaviateClass, type WeaviateClassJson } from "./weaviate-class";

/** How to reach a Weaviate server. The API key and vectorizer keys are secrets. */
export interface WeaviateConnection {
  /** REST endpoint, e.g. `https://<cluster>.weaviate.cloud` or `http://127.0.0.1:18080`. */
  readonly url: string;
  /** gRPC port for a self-hosted server (Weaviate Cloud uses `grpc-<host>:443`). @default REST port + 1 */
  readonly grpcPort?: number;
  /** API key, when the server requires one. */
  readonly apiKey?: string;
  /** Extra headers, e.g. `X-OpenAI-Api-Key` for the vectorizer. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WeaviateCollectionArgs {
  /** The server. Stored as a secret. */
  readonly connection: pulumi.Input<WeaviateConnection>;
  /** The collection. @see ./collection-spec.ts */
  readonly spec: pulumi.Input<CollectionSpec>;
  /**
   * Allow a change that needs a new collection (dropping every object in it). Without it such a
   * change fails at preview with an explanation. @default false
   */
  readonly allowReplacement?: pulumi.Input<boolean>;
  /**
   * Take over an existing collection of this name instead of creating it; its live definition must
   * match `spec`. (The `import` resource option does not work with dynamic providers:
   * pulumi/pulumi#16175.) @default false
   */
  readonly adopt?: pulumi.Input<boolean>;
}

interface Inputs {
  connection: WeaviateConnection;
  spec: CollectionSpec;
  allowReplacement?: boolean;
  adopt?: boolean;
  /** Set by `check` when a replacement is allowed: says in the plan what will be lost. */
  dataLoss?: string;
}

/** A refusal to adopt an existing collection (reported as "adopt failed"). A plain Error with a
 * flag: a subclass does not survive the provider's closure serialization as an Error. */
function adoptError(message: string): Error {
  return Object.assign(new Error(message), { adopt: true });
}

/** Connects with weaviate-client v3; loaded inside provider methods (the provider is serialized). */
async function connect(c: WeaviateConnection) {
  const weaviate = (await import("weaviate-client")).default;
  const url = new URL(c.url);
  const headers = { ...(c.headers ?? {}) };
  const authCredentials = c.apiKey ? new weaviate.ApiKey(c.apiKey) : undefined;
  const timeout = { init: 10, query: 30, insert: 60 };
  if (url.hostname.endsWith(".weaviate.cloud") || url.hostname.endsWith(".weaviate.network")) {
    return weaviate.connectToWeaviateCloud(c.url, { authCredentials, headers, timeout });
  }
  const secure = url.protocol === "https:";
  const port = Number(url.port || (secure ? 443 : 80));
  return weaviate.connectToCustom({
    httpHost: url.hostname,
    httpPort: port,
    httpSecure: secure,
    grpcHost: url.hostname,
    grpcPort: c.grpcPort ?? port + 1,
    grpcSecure: secure,
    authCredentials,
    headers,
    timeout,
  });
}

/** One clear message for a failed call: which collection, which server, and what to do. */
function explain(name: string, c: WeaviateConnection, action: string, err: unknown): Error {
  const msg = typeof (err as { message?: unknown })?.message === "string" ? (err as Error).message : String(err);
  let hint = "";
  if (/401|403|unauthori[sz]ed|forbidden|anonymous access/i.test(msg)) {
    hint = " The API key was refused: check sophia-infra:weaviateApiKey.";
  } else if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|fetch failed|UNAVAILABLE|timed? ?out/i.test(msg)) {
    hint = ` Weaviate is not reachable at ${c.url}: check weaviate.url (for local mode, scripts/weaviate-local.sh start).`;
  }
  return new Error(`Weaviate collection ${name}: ${action} failed: ${msg}.${hint}`);
}

/** The live class definition, or undefined when the collection does not exist. */
async function fetchClass(c: WeaviateConnection, name: string): Promise<WeaviateClassJson | undefined> {
  const get = () =>
    fetch(new URL(`/v1/schema/${encodeURIComponent(name)}`, c.url), {
      headers: { ...(c.apiKey ? { Authorization: `Bearer ${c.apiKey}` } : {}) },
      signal: AbortSignal.timeout(30_000),
    });
  // An idempotent GET: retried once when a pooled keep-alive connection was closed by the server.
  const res = await get().catch((err: unknown) => {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (/other side closed|ECONNRESET|UND_ERR_SOCKET/.test(`${cause?.code ?? ""} ${cause?.message ?? ""}`))
      return get();
    throw err;
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /v1/schema/${name} returned ${res.status} ${await res.text()}`);
  return (await res.json()) as WeaviateClassJson;
}

/** Objects in an existing collection, or undefined when it does not exist. */
async function countObjects(c: WeaviateConnection, name: string): Promise<number | undefined> {
  if (!(await fetchClass(c, name))) return undefined;
  const client = await connect(c);
  try {
    return (await client.collections.use(name).aggregate.overAll()).totalCount;
  } finally {
    await client.close();
  }
}

function describeDiff(d: CollectionDiff): string {
  return d.replaces.map((r) => `${r.field} (${r.why})`).join("; ");
}

const provider: pulumi.dynamic.ResourceProvider<Inputs, Inputs> = {
  // Validates before any request; refuses changes that would drop data unless allowed.
  async check(olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = validateCollection(news.spec).map((reason) => ({
      property: "spec",
      reason,
    }));
    const inputs: Inputs = {
      connection: news.connection,
      spec: news.spec,
      allowReplacement: news.allowReplacement ?? false,
      adopt: news.adopt ?? false,
    };
    if (failures.length === 0 && olds?.spec) {
      const d = diffCollections(olds.spec, news.spec);
      if (d.replaces.length > 0 && !inputs.allowReplacement) {
        failures.push({ property: "spec", reason: replacementRefusal(olds.spec.name, d) });
      } else if (d.replaces.length > 0) {
        inputs.dataLoss = `replacing collection ${olds.spec.name} deletes all of its objects: ${describeDiff(d)}`;
      }
    } else if (failures.length === 0 && inputs.allowReplacement) {
      // On a replacement the engine checks the new resource again without its old inputs; the plan
      // shows this result, so say here what the replacement deletes (only when replacement is allowed).
      const existing = await countObjects(news.connection, news.spec.name).catch(() => undefined);
      if (existing !== undefined) {
        inputs.dataLoss = `replacing collection ${news.spec.name} deletes all ${existing} objects in it`;
      }
    }
    return { inputs, failures };
  },

  async diff(_id, olds, news) {
    const d = diffCollections(olds.spec, news.spec);
    const connectionChanged = JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
    return Promise.resolve({
      changes:
        d.replaces.length > 0 ||
        d.updates.length > 0 ||
        connectionChanged ||
        olds.allowReplacement !== news.allowReplacement,
      replaces: d.replaces.length > 0 ? ["spec"] : [],
      // A collection's name is unique on the server: the old one must go before the new one exists.
      deleteBeforeReplace: true,
    });
  },

  async create(inputs) {
    const { spec, connection } = inputs;
    let client: Awaited<ReturnType<typeof connect>>;
    try {
      client = await connect(connection);
    } catch (err) {
      throw explain(spec.name, connection, "connecting", err);
    }
    try {
      const existing = await fetchClass(connection, spec.name);
      if (existing && inputs.adopt) {
        const d = diffCollections(fromWeaviateClass(existing), spec);
        if (d.replaces.length > 0 || d.updates.length > 0) {
          const fields = [...d.replaces.map((r) => r.field), ...d.updates];
          throw adoptError(`the live collection differs from the declared one in: ${fields.join(", ")}`);
        }
        return { id: spec.name, outs: { ...inputs, spec: mergeLive(spec, existing) } };
      }
      if (existing) {
        throw new Error(`it already exists on ${connection.url}; set adopt: true to take it over`);
      }
      try {
        await client.collections.createFromSchema(toWeaviateClass(spec) as never);
      } catch (err) {
        // Nothing half-created: remove whatever the failed request left behind.
        if (await client.collections.exists(spec.name).catch(() => false)) await client.collections.delete(spec.name);
        throw err;
      }
      const live = await fetchClass(connection, spec.name);
      if (!live) throw new Error("it was not found right after creation");
      return { id: spec.name, outs: { ...inputs, spec: mergeLive(spec, live) } };
    } catch (err) {
      throw explain(spec.name, connection, (err as { adopt?: boolean }).adopt ? "adopt" : "create", err);
    } finally {
      await client.close();
    }
  },

  // Refresh and import: report the collection as it is on the server.
  async read(id, props) {
    if (!props?.connection) {
      throw new Error(
        `Weaviate collection ${id}: read needs the connection; import it with the resource option import`,
      );
    }
    try {
      const live = await fetchClass(props.connection, id);
      if (!live) return { id: undefined as unknown as string, props: props };
      const spec = props.spec ? mergeLive(props.spec, live) : fromWeaviateClass(live);
      return { id, props: { ...props, spec } };
    } catch (err) {
      throw explain(id, props.connection, "read", err);
    }
  },

  async update(id, olds, news) {
    const d = diffCollections(olds.spec, news.spec);
    const client = await connect(news.connection).catch((err: unknown) => {
      throw explain(id, news.connection, "connecting", err);
    });
    try {
      const weaviate = (await import("weaviate-client")).default;
      const collection = client.collections.use(id);
      const n = normalize(news.spec);
      const update: Record<string, unknown> = {};
      if (d.updates.includes("description")) update["description"] = n.description;
      if (d.updates.includes("invertedIndex")) {
        update["invertedIndex"] = weaviate.reconfigure.invertedIndex({
          bm25b: n.invertedIndex.bm25?.b,
          bm25k1: n.invertedIndex.bm25?.k1,
          cleanupIntervalSeconds: n.invertedIndex.cleanupIntervalSeconds,
        });
      }
      if (d.updates.includes("multiTenancy.autoTenantCreation")) {
        update["multiTenancy"] = weaviate.reconfigure.multiTenancy({
          autoTenantCreation: n.multiTenancy.autoTenantCreation,
        });
      }
      if (d.updates.includes("generative") && n.generative) {
        update["generative"] = {
          name: n.generative.module,
          config: n.generative.model ? { model: n.generative.model } : {},
        };
      }
      if (d.updates.includes("propertyDescriptions")) {
        update["propertyDescriptions"] = Object.fromEntries(n.properties.map((p) => [p.name, p.description]));
      }
      if (d.updates.includes("vectorIndex")) {
        update["vectorizers"] = weaviate.reconfigure.vectors.update({
          vectorIndexConfig: weaviate.reconfigure.vectorIndex.hnsw({
            ef: n.vectorIndex.ef,
            vectorCacheMaxObjects: n.vectorIndex.vectorCacheMaxObjects,
          }),
        });
      }
      if (Object.keys(update).length > 0) await collection.config.update(update);
      for (const name of d.addedProperties) {
        const p = toWeaviateClass(news.spec).properties!.find((q) => q.name === name)!;
        await collection.config.addProperty({
          name: p.name,
          dataType: p.dataType[0] as never,
          description: p.description,
          ...(p.tokenization ? { tokenization: p.tokenization as never } : {}),
          indexFilterable: p.indexFilterable,
          indexSearchable: p.indexSearchable,
        });
      }
      const live = await fetchClass(news.connection, id);
      if (!live) throw new Error("it disappeared during the update");
      return { outs: { ...news, spec: mergeLive(news.spec, live) } };
    } catch (err) {
      throw explain(id, news.connection, "update", err);
    } finally {
      await client.close();
    }
  },

  async delete(id, props) {
    const client = await connect(props.connection).catch((err: unknown) => {
      throw explain(id, props.connection, "connecting", err);
    });
    try {
      if (await client.collections.exists(id)) await client.collections.delete(id);
    } catch (err) {
      throw explain(id, props.connection, "delete", err);
    } finally {
      await client.close();
    }
  },
};

/**
 * The spec as stored in state: the declared one where the server agrees, the server's value where it
 * differs (so refresh shows out-of-band changes as a diff against the program).
 */
function mergeLive(declared: CollectionSpec, live: WeaviateClassJson): CollectionSpec {
  const actual = fromWeaviateClass(live);
  const agrees = JSON.stringify(normalize(actual)) === JSON.stringify(normalize(adoptServerDefaults(declared, actual)));
  return agrees ? declared : actual;
}

/**
 * A Weaviate collection managed as code (dynamic provider over weaviate-client v3).
 * Changes that Weaviate applies in place (description, inverted index, generative module, mutable
 * vector index settings, added properties) are updates; anything else needs a new collection, which
 * drops its data, so it is refused unless `allowReplacement` is set.
 * @see https://weaviate.io/developers/weaviate/manage-collections/collection-operations
 */
export class WeaviateCollection extends pulumi.dynamic.Resource {
  /** The collection as stored: the declared spec, or the live one where the server differs (after refresh). */
  declare public readonly spec: pulumi.Output<CollectionSpec>;
  declare public readonly dataLoss: pulumi.Output<string | undefined>;

  constructor(name: string, args: WeaviateCollectionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        connection: pulumi.secret(args.connection),
        spec: args.spec,
        allowReplacement: args.allowReplacement,
        adopt: args.adopt,
        dataLoss: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
      "sophia-weaviate",
      "WeaviateCollection",
    );
  }
}
