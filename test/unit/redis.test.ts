import { describe, expect, it } from "vitest";

import { renderTemplate } from "../../components/assets";
import { schedulingFor } from "../../components/placement";
import {
  BITNAMI_SENTINEL_TIMING,
  configData,
  networkPolicySpec,
  podMonitorSpec,
  podSpec,
  redisConf,
  REDIS_EXPORTER_IMAGE,
  REDIS_IMAGE,
  sentinelConf,
  SOPHIA_SENTINEL_TIMING,
  type RedisSetSettings,
} from "../../components/redis";
import { readAsset } from "../../components/assets";

const settings: RedisSetSettings = {
  name: "redis",
  replicas: 3,
  quorum: 2,
  masterName: "sophia",
  timing: SOPHIA_SENTINEL_TIMING,
  image: REDIS_IMAGE,
  storageSize: "10Gi",
  maxMemory: "1536mb",
  resources: { cpu: "500m", memory: "2Gi", memoryLimit: "2Gi" },
  scheduling: schedulingFor("realtime", { inference: "gh200", batch: "a100", realtime: "rtx6000", mcp: "a6000" }),
  antiAffinity: "required",
  secretName: "redis-auth",
};

/** Config directives (comments and blank lines dropped). */
function directives(conf: string): string[] {
  return conf.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
}

describe("renderTemplate", () => {
  it("fills placeholders", () => {
    expect(renderTemplate("a {{x}} b {{ y }}", { x: 1, y: "two" })).toBe("a 1 b two");
  });
  it("refuses a missing value and an unused one, naming them", () => {
    expect(() => renderTemplate("{{x}} {{z}}", { x: 1, y: 2 })).toThrow(
      "template: no value for z; values not in the template: y",
    );
  });
});

describe("redis.conf", () => {
  const conf = redisConf({
    port: 6379,
    bind: "0.0.0.0",
    dataDir: "/data",
    announceHost: "redis-0.redis-headless",
    maxMemory: "1536mb",
  });
  it("has exactly the durability, write-safety, replication and memory settings", () => {
    expect(directives(conf)).toEqual([
      "port 6379",
      "bind 0.0.0.0",
      "protected-mode yes",
      "dir /data",
      "appendonly yes",
      "appendfsync everysec",
      'appendfilename "appendonly.aof"',
      "save 3600 1 300 100 60 10000",
      "min-replicas-to-write 1",
      "min-replicas-max-lag 10",
      "replica-read-only yes",
      "repl-diskless-sync yes",
      "replica-announce-ip redis-0.redis-headless",
      "replica-announce-port 6379",
      "maxmemory 1536mb",
      "maxmemory-policy allkeys-lru",
    ]);
  });
  it("holds no credential unless one is given (pods append it at start)", () => {
    expect(conf).not.toMatch(/requirepass|masterauth/);
    const withAuth = redisConf({
      port: 1,
      bind: "127.0.0.1",
      dataDir: "/d",
      announceHost: "h",
      maxMemory: "1mb",
      password: "pw",
      replicaOf: { host: "h", port: 2 },
    });
    expect(directives(withAuth).slice(-3)).toEqual(['requirepass "pw"', 'masterauth "pw"', "replicaof h 2"]);
  });
  it("refuses a password that would break the quoted config value", () => {
    expect(() =>
      redisConf({ port: 1, bind: "b", dataDir: "d", announceHost: "h", maxMemory: "1mb", password: 'a"b' }),
    ).toThrow(/must not contain quotes/);
  });
});

describe("sentinel.conf", () => {
  const base = {
    port: 26379,
    bind: "0.0.0.0",
    dataDir: "/data/conf",
    announceHost: "me",
    masterName: "sophia",
    masterHost: "redis-0",
    masterPort: 6379,
    quorum: 2,
  };
  it("monitors the master with quorum 2 and our timing", () => {
    expect(directives(sentinelConf({ ...base, ...SOPHIA_SENTINEL_TIMING }))).toEqual([
      "port 26379",
      "bind 0.0.0.0",
      "dir /data/conf",
      "sentinel resolve-hostnames yes",
      "sentinel announce-hostnames yes",
      "sentinel announce-ip me",
      "sentinel announce-port 26379",
      "sentinel monitor sophia redis-0 6379 2",
      "sentinel down-after-milliseconds sophia 5000",
      "sentinel failover-timeout sophia 30000",
      "sentinel parallel-syncs sophia 1",
    ]);
  });
  it("writes Bitnami's timing when asked (the benchmark's baseline)", () => {
    const conf = sentinelConf({ ...base, ...BITNAMI_SENTINEL_TIMING });
    expect(conf).toContain("sentinel down-after-milliseconds sophia 60000\n");
    expect(conf).toContain("sentinel failover-timeout sophia 180000\n");
  });
  it("authenticates to the master, to peers and its own clients when a password is given", () => {
    expect(directives(sentinelConf({ ...base, ...SOPHIA_SENTINEL_TIMING, password: "pw" })).slice(-3)).toEqual([
      'requirepass "pw"',
      'sentinel auth-pass sophia "pw"',
      'sentinel sentinel-pass "pw"',
    ]);
  });
});

describe("Redis pods", () => {
  const data = configData(settings, readAsset("redis/start.sh"));
  it("ship templates with host placeholders and no credential", () => {
    expect(Object.keys(data).sort()).toEqual(["redis.conf", "sentinel.conf", "start.sh"]);
    expect(data["redis.conf"]).toContain("replica-announce-ip @ANNOUNCE_HOST@\n");
    expect(data["sentinel.conf"]).toContain("sentinel monitor sophia @MASTER_HOST@ 6379 2\n");
    expect(data["redis.conf"]! + data["sentinel.conf"]!).not.toMatch(/requirepass|auth-pass/);
    // The start script fills exactly the placeholders the templates use.
    expect(data["start.sh"]).toContain("s|@ANNOUNCE_HOST@|");
    expect(data["start.sh"]).toContain("s|@MASTER_HOST@|");
  });

  const pod = podSpec(settings, "redis-config");
  it("run a Redis server and a sentinel on the runtime configs the init step writes", () => {
    const containers = pod.containers as { name: string; command: string[]; ports: { containerPort: number }[] }[];
    expect(containers.map((c) => [c.name, c.command, c.ports[0]?.containerPort])).toEqual([
      ["redis", ["redis-server", "/data/conf/redis.conf"], 6379],
      ["sentinel", ["redis-sentinel", "/data/conf/sentinel.conf"], 26379],
    ]);
  });
  it("run the official pinned image, never Bitnami or latest", () => {
    const images = [...(pod.initContainers as { image: string }[]), ...(pod.containers as { image: string }[])].map(
      (c) => c.image,
    );
    expect(new Set(images)).toEqual(new Set(["redis:8.2.2-alpine"]));
  });
  it("are non-root with read-only root filesystems, no escalation and no capabilities", () => {
    const containers = [...(pod.initContainers as object[]), ...(pod.containers as object[])] as {
      securityContext: Record<string, unknown>;
      resources: { requests: object; limits: object };
    }[];
    expect(containers).toHaveLength(3);
    for (const c of containers) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits).toBeDefined();
    }
    expect(pod.automountServiceAccountToken).toBe(false);
  });
  it("read the password from the Secret, never from a literal", () => {
    const json = JSON.stringify(pod);
    expect(json).toContain('"secretKeyRef":{"name":"redis-auth","key":"password"}');
    expect(json).not.toMatch(/"name":"(REDIS_PASSWORD|REDISCLI_AUTH)","value"/);
  });
  it("run on realtime nodes only, never two on one node when anti-affinity is required", () => {
    const affinity = pod.affinity as Record<string, Record<string, unknown>>;
    expect(JSON.stringify(affinity["nodeAffinity"])).toContain('"values":["rtx6000"]');
    expect(affinity["podAntiAffinity"]).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: {
            matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "redis-sentinel" },
          },
          topologyKey: "kubernetes.io/hostname",
        },
      ],
    });
    expect(pod.tolerations).toEqual([
      { key: "sophia-intel.ai/node-class", operator: "Equal", value: "rtx6000", effect: "NoSchedule" },
    ]);
  });
  it("accept connections only from the set and the client namespaces", () => {
    const policy = networkPolicySpec(settings, ["sophia-apps"]);
    expect(policy.ingress).toEqual([
      {
        from: [
          {
            podSelector: {
              matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "redis-sentinel" },
            },
          },
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "sophia-apps" } } },
        ],
        ports: [
          { protocol: "TCP", port: 6379 },
          { protocol: "TCP", port: 26379 },
        ],
      },
    ]);
  });

  it("with monitoring: a pinned redis_exporter sidecar, scraped for Redis and its sentinel, and admitted to Prometheus only", () => {
    const monitored = { ...settings, exporter: true };
    const containers = podSpec(monitored, "redis-config").containers as {
      name: string;
      image: string;
      env: unknown[];
      ports: { name: string; containerPort: number }[];
      securityContext: Record<string, unknown>;
    }[];
    expect(containers.map((c) => c.name)).toEqual(["redis", "sentinel", "metrics"]);
    const exporter = containers[2]!;
    expect(exporter.image).toBe(REDIS_EXPORTER_IMAGE);
    expect(REDIS_EXPORTER_IMAGE).toMatch(/^oliver006\/redis_exporter:v\d+\.\d+\.\d+$/);
    expect(exporter.ports).toEqual([{ name: "metrics", containerPort: 9121 }]);
    expect(exporter.env).toEqual([
      { name: "REDIS_ADDR", value: "redis://localhost:6379" },
      { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } } },
    ]);
    expect(exporter.securityContext["readOnlyRootFilesystem"]).toBe(true);
    expect(podMonitorSpec(monitored)).toEqual({
      selector: { matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "redis-sentinel" } },
      podMetricsEndpoints: [
        { port: "metrics", path: "/metrics", interval: "30s" },
        { port: "metrics", path: "/scrape", params: { target: ["redis://localhost:26379"] }, interval: "30s" },
      ],
    });
    expect((networkPolicySpec(monitored, []).ingress as unknown[])[1]).toEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
          podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
        },
      ],
      ports: [{ protocol: "TCP", port: 9121 }],
    });
    // Without monitoring, no sidecar and no extra ingress.
    expect((podSpec(settings, "redis-config").containers as object[]).length).toBe(2);
    expect(networkPolicySpec(settings, []).ingress).toHaveLength(1);
  });
});
