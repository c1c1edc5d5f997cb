/**
 * Kubernetes object names derive from each component's `name` (issue 14): the stack's instances
 * keep exactly the names they had, and a second instance in the same namespace collides with
 * nothing. Under Pulumi mocks.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { inferenceNetworkPolicy, inferenceWorkload } from "../../components/apps/inference";
import { schedulingFor, type PlacementTable } from "../../components/placement";
import { redisObjectNames } from "../../components/redis";
import { setupMocks, type Registration } from "../harness/mocks";

const placement: PlacementTable = { inference: "gh200", batch: "a100", realtime: "rtx6000", mcp: "a6000" };

/** `metadata.name` of every Kubernetes object registered under the component named `name`. */
function objectNames(registered: readonly Registration[], name: string): string[] {
  return registered
    .filter((r) => r.type.startsWith("kubernetes:") && r.name.startsWith(`${name}`))
    .map((r) => (r.inputs["metadata"] as { name: string }).name)
    .sort();
}

describe("redisObjectNames", () => {
  it("gives the stack's instance (`redis`) the names it always had", () => {
    expect(redisObjectNames("redis")).toEqual({
      statefulSet: "redis",
      secret: "redis-auth",
      configMap: "redis-config",
      headlessService: "redis-headless",
      sentinelService: "redis-sentinel",
    });
  });
});

describe("two RedisSentinel and two PostgresCluster instances in one namespace (mocks)", () => {
  let registered: Registration[];
  beforeAll(async () => {
    const mocks = await setupMocks();
    const { RedisSentinel } = await import("../../components/redis");
    const { PostgresCluster, POSTGRES_IMAGE } = await import("../../components/postgres");
    for (const name of ["redis", "cache"]) {
      new RedisSentinel(name, {
        namespace: "sophia-data",
        password: "fixture-password",
        scheduling: schedulingFor("realtime", placement),
        podMonitor: { dependsOn: [] },
      });
    }
    for (const name of ["postgres", "analytics"]) {
      new PostgresCluster(name, {
        namespace: "sophia-data",
        settings: {
          environment: "test",
          instances: 1,
          storageSize: "1Gi",
          database: "sophia",
          image: POSTGRES_IMAGE,
          scheduling: schedulingFor("realtime", placement),
          resources: { cpu: "1", memory: "1Gi" },
        },
        appPassword: "fixture-password",
      });
    }
    await mocks.settled();
    registered = mocks.registered;
  });

  it("the `redis` instance keeps its object names", () => {
    expect(objectNames(registered, "redis")).toEqual([
      "redis",
      "redis",
      "redis",
      "redis",
      "redis-auth",
      "redis-config",
      "redis-headless",
      "redis-sentinel",
    ]);
  });

  it("a second Redis set's objects are all its own", () => {
    const names = objectNames(registered, "cache");
    expect(names).toHaveLength(8);
    for (const n of names) expect(n).toMatch(/^cache(-|$)/);
  });

  it("each Postgres cluster is named by its component's name, and so are its objects", () => {
    expect(objectNames(registered, "postgres")).toEqual([
      "postgres",
      "postgres",
      "postgres-app-credentials",
      "postgres-bootstrap-sql",
    ]);
    expect(objectNames(registered, "analytics")).toEqual([
      "analytics",
      "analytics",
      "analytics-app-credentials",
      "analytics-bootstrap-sql",
    ]);
  });
});

describe("inferenceNetworkPolicy", () => {
  it("admits only the backend on the service's port and allows no egress", () => {
    const w = inferenceWorkload("embed", { image: "i", tag: "1", placement });
    expect(inferenceNetworkPolicy(w)).toEqual({
      podSelector: { matchLabels: w.labels },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "sophia-backend" } } }],
          ports: [{ protocol: "TCP", port: 8000 }],
        },
      ],
      egress: [],
    });
  });
});
