/**
 * redis.conf and sentinel.conf, rendered from the templates in `k8s/redis/`. Pure: the same
 * renderer produces the files the pods use and the files the failover test runs real servers with.
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/
 */
import { readAsset, renderTemplate } from "../assets";

/** Failover timing and write-safety settings. */
export interface SentinelTiming {
  /** Milliseconds without a valid reply before a sentinel considers the master down. */
  readonly downAfterMs: number;
  /** Milliseconds a failover may take before another sentinel may retry it. */
  readonly failoverTimeoutMs: number;
}

/** Our settings: fast failover (a few seconds) without flapping on a short network hiccup. */
export const SOPHIA_SENTINEL_TIMING: SentinelTiming = { downAfterMs: 5000, failoverTimeoutMs: 30000 };

/** The Bitnami chart's defaults, kept for the failover benchmark's comparison. */
export const BITNAMI_SENTINEL_TIMING: SentinelTiming = { downAfterMs: 60000, failoverTimeoutMs: 180000 };

export interface RedisConfOptions {
  readonly port: number;
  readonly bind: string;
  readonly dataDir: string;
  /** Host name or address this server announces to replicas and sentinels. */
  readonly announceHost: string;
  /** Replicas that must be connected and current for the master to accept writes. @default 1 */
  readonly minReplicasToWrite?: number;
  /** Seconds of replication lag after which a replica no longer counts. @default 10 */
  readonly minReplicasMaxLag?: number;
  /** `maxmemory`, e.g. `1536mb`. */
  readonly maxMemory: string;
  /** @default "allkeys-lru" */
  readonly maxMemoryPolicy?: string;
  /** When given, `requirepass`/`masterauth` are written into the file (tests); pods append them at start. */
  readonly password?: string;
  /** When given, start as a replica of this `host port`. */
  readonly replicaOf?: { readonly host: string; readonly port: number };
}

export function redisConf(o: RedisConfOptions): string {
  let conf = renderTemplate(readAsset("redis/redis.conf"), {
    port: o.port,
    bind: o.bind,
    dataDir: o.dataDir,
    announceHost: o.announceHost,
    minReplicasToWrite: o.minReplicasToWrite ?? 1,
    minReplicasMaxLag: o.minReplicasMaxLag ?? 10,
    maxMemory: o.maxMemory,
    maxMemoryPolicy: o.maxMemoryPolicy ?? "allkeys-lru",
  });
  if (o.password !== undefined) conf += authLines(o.password, ["requirepass", "masterauth"]);
  if (o.replicaOf) conf += `replicaof ${o.replicaOf.host} ${o.replicaOf.port}\n`;
  return conf;
}

export interface SentinelConfOptions extends SentinelTiming {
  readonly port: number;
  readonly bind: string;
  readonly dataDir: string;
  readonly announceHost: string;
  /** The monitored master set's name. */
  readonly masterName: string;
  readonly masterHost: string;
  readonly masterPort: number;
  /** Sentinels that must agree the master is down. */
  readonly quorum: number;
  /** When given, the sentinel's own and the master's credentials are written into the file (tests). */
  readonly password?: string;
}

export function sentinelConf(o: SentinelConfOptions): string {
  let conf = renderTemplate(readAsset("redis/sentinel.conf"), {
    port: o.port,
    bind: o.bind,
    dataDir: o.dataDir,
    announceHost: o.announceHost,
    masterName: o.masterName,
    masterHost: o.masterHost,
    masterPort: o.masterPort,
    quorum: o.quorum,
    downAfterMs: o.downAfterMs,
    failoverTimeoutMs: o.failoverTimeoutMs,
  });
  if (o.password !== undefined) {
    conf += authLines(o.password, ["requirepass", `sentinel auth-pass ${o.masterName}`, "sentinel sentinel-pass"]);
  }
  return conf;
}

/**
 * Characters a password may not contain: it is written as a quoted config value and passed through
 * a shell `printf` at pod start.
 */
export const PASSWORD_FORBIDDEN = /["\\'\s%]/;

function authLines(password: string, directives: readonly string[]): string {
  if (PASSWORD_FORBIDDEN.test(password)) {
    throw new Error("redis password: must not contain quotes, backslashes, % or whitespace");
  }
  return directives.map((d) => `${d} "${password}"\n`).join("");
}
