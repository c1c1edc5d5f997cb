/**
 * The replication factor of the collections, decided from the size of the Weaviate cluster they live
 * on. Pure.
 *
 * Each replica of a shard lives on its own node, so a factor above the node count cannot be created
 * (Weaviate refuses the collection). Three replicas keep reads and writes at QUORUM consistency while
 * one node is down; more nodes than that add capacity, not safety.
 * @see https://docs.weaviate.io/deploy/configuration/replication
 */

/** Replicas a cluster of this size gets when none is configured: one per node, at most three. */
export const DEFAULT_MAX_REPLICATION_FACTOR = 3;

export interface WeaviateReplication {
  /** Nodes of the Weaviate cluster (Weaviate Cloud: the cluster's size; the local server: 1). */
  readonly clusterNodes: number;
  /**
   * Replicas of each shard, fixed when a collection is created.
   * @default min(clusterNodes, 3)
   */
  readonly replicationFactor?: number | undefined;
}

/** Problems with a replication choice, as messages about `replicationFactor` (empty when sound). */
export function validateReplication(r: WeaviateReplication): string[] {
  if (r.replicationFactor !== undefined && r.replicationFactor > r.clusterNodes) {
    return [
      `is ${r.replicationFactor} but the Weaviate cluster has ${r.clusterNodes} node${r.clusterNodes === 1 ? "" : "s"}; ` +
        "each replica needs its own node",
    ];
  }
  return [];
}

/** The factor the collections are created with (call after `validateReplication` found nothing). */
export function replicationFactorFor(r: WeaviateReplication): number {
  const problems = validateReplication(r);
  if (problems.length > 0) throw new Error(`replicationFactor ${problems.join("; ")}`);
  return r.replicationFactor ?? Math.min(r.clusterNodes, DEFAULT_MAX_REPLICATION_FACTOR);
}
