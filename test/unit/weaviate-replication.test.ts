import { describe, expect, it } from "vitest";

import { replicationFactorFor, validateReplication } from "../../components/weaviate";

describe("Weaviate replication", () => {
  it("defaults to one replica per node, at most three", () => {
    expect([1, 2, 3, 4, 6].map((clusterNodes) => replicationFactorFor({ clusterNodes }))).toEqual([1, 2, 3, 3, 3]);
  });

  it("keeps a factor the cluster can hold", () => {
    expect(replicationFactorFor({ clusterNodes: 5, replicationFactor: 5 })).toBe(5);
    expect(replicationFactorFor({ clusterNodes: 3, replicationFactor: 1 })).toBe(1);
    expect(validateReplication({ clusterNodes: 3, replicationFactor: 3 })).toEqual([]);
  });

  it("refuses a factor above the node count", () => {
    expect(validateReplication({ clusterNodes: 2, replicationFactor: 3 })).toEqual([
      "is 3 but the Weaviate cluster has 2 nodes; each replica needs its own node",
    ]);
    expect(() => replicationFactorFor({ clusterNodes: 1, replicationFactor: 2 })).toThrow(
      "replicationFactor is 2 but the Weaviate cluster has 1 node; each replica needs its own node",
    );
  });
});
