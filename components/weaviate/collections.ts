import * as pulumi from "@pulumi/pulumi";

import type { CollectionSpec } from "./collection-spec";
import { WeaviateCollection, type WeaviateConnection } from "./collection";

export interface WeaviateCollectionsArgs {
  /** The server (a secret: it carries the API key and vectorizer keys). */
  readonly connection: pulumi.Input<WeaviateConnection>;
  /** The collections, keyed by their name (child names derive from it, never from order). */
  readonly collections: readonly CollectionSpec[];
  /** Allow changes that recreate a collection (dropping its objects). @default false */
  readonly allowReplacement?: boolean;
}

/**
 * The platform's Weaviate collections (`SophiaMemory`, `BusinessIntelligence`), managed as code.
 * @see https://weaviate.io/developers/weaviate/manage-collections
 */
export class WeaviateCollections extends pulumi.ComponentResource {
  /** Collection name by name, once created. */
  public readonly names: Record<string, pulumi.Output<string>>;
  /** The connection, resolved once every collection exists: its users depend on the collections. */
  public readonly connection: pulumi.Output<WeaviateConnection>;

  constructor(name: string, args: WeaviateCollectionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:weaviate:WeaviateCollections", name, {}, opts);
    this.names = {};
    for (const spec of args.collections) {
      const collection = new WeaviateCollection(
        `${name}-${spec.name}`,
        { connection: args.connection, spec, allowReplacement: args.allowReplacement ?? false },
        { parent: this },
      );
      this.names[spec.name] = collection.spec.apply((s) => s.name);
    }
    this.connection = pulumi.all([args.connection, pulumi.all(this.names)]).apply(([c]) => c);
    this.registerOutputs({ names: this.names });
  }
}
