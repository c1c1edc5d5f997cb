/**
 * Our redis.conf and sentinel.conf, run by real redis-server and redis-sentinel processes (Debian's
 * packages) on loopback: 3 servers + 3 sentinels, quorum 2. A crashed master is replaced by a replica
 * and no acknowledged write is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SOPHIA_SENTINEL_TIMING } from "../../components/redis/redis-config";
import { LocalRedisSentinel } from "../harness/redis";

describe("Redis with Sentinel (real servers, our rendered configs)", () => {
  let cluster: LocalRedisSentinel;
  beforeAll(async () => {
    cluster = await LocalRedisSentinel.start(SOPHIA_SENTINEL_TIMING);
  });
  afterAll(async () => {
    expect(await cluster?.stop()).toEqual([]);
  });

  it("requires the password on servers and sentinels", async () => {
    for (const port of [cluster.redisPorts[0]!, cluster.sentinelPorts[0]!]) {
      const anonymous = new (await import("ioredis")).default({ host: "127.0.0.1", port, maxRetriesPerRequest: 1 });
      anonymous.on("error", () => undefined);
      await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
      anonymous.disconnect();
    }
  });

  it("fails over to a replica after the master is killed, losing no acknowledged write", async () => {
    const [oldMaster] = cluster.redisPorts as [number];
    expect(await cluster.masterPort()).toBe(oldMaster);

    const log = await cluster.writeAcknowledged(oldMaster, "ack", 500);
    expect(log.acknowledged).toHaveLength(500);

    const killedAt = process.hrtime.bigint();
    cluster.kill(oldMaster);
    const failover = await cluster.awaitFailover(oldMaster, killedAt, 60_000);
    expect(cluster.redisPorts).toContain(failover.port);
    expect(failover.port).not.toBe(oldMaster);

    const master = cluster.connect(failover.port);
    try {
      expect(await master.call("ROLE").then((r) => (r as string[])[0])).toBe("master");
      const values = await master.mget(...log.acknowledged);
      expect(values.filter((v) => v === null)).toEqual([]);
      expect(values).toEqual(log.acknowledged.map((_, i) => String(i)));
    } finally {
      master.disconnect();
    }
    // down-after 5 s + election: well under the Bitnami defaults' minute.
    expect(failover.promotedSeconds).toBeLessThan(20);
    console.log(
      `failover: promoted after ${failover.promotedSeconds.toFixed(2)} s, writable after ${failover.writableSeconds.toFixed(2)} s`,
    );
  });

  it("a Sentinel-aware client follows the new master", async () => {
    const client = cluster.sentinelClient();
    try {
      await client.set("after-failover", "ok");
      expect(await client.get("after-failover")).toBe("ok");
      expect(await client.call("ROLE").then((r) => (r as string[])[0])).toBe("master");
    } finally {
      client.disconnect();
    }
  });
});
