/**
 * Three real `redis-server` processes and three `redis-sentinel` processes on loopback, configured by
 * the same renderer the pods use (components/redis/redis-config.ts), for the failover test and the
 * failover benchmark.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";

import { redisConf, sentinelConf, type SentinelTiming } from "../../components/redis/redis-config";
import { freePortRange, portFree } from "./ports";

export const MASTER_NAME = "sophia";

interface Proc {
  readonly port: number;
  readonly child: ChildProcess;
}

export interface WriteLog {
  /** Keys whose write the master acknowledged with at least one replica (`WAIT 1`). */
  readonly acknowledged: string[];
  /** Keys whose write failed or was not replicated in time. */
  readonly unacknowledged: string[];
}

export class LocalRedisSentinel {
  readonly password = randomBytes(18).toString("base64url");
  private readonly servers = new Map<number, Proc>();
  private readonly sentinels: Proc[] = [];

  private constructor(
    readonly dir: string,
    readonly basePort: number,
  ) {}

  /** Ports of the three Redis servers; the first starts as master. */
  get redisPorts(): number[] {
    return [0, 1, 2].map((i) => this.basePort + i);
  }

  get sentinelPorts(): number[] {
    return [3, 4, 5].map((i) => this.basePort + i);
  }

  static async start(timing: SentinelTiming, quorum = 2): Promise<LocalRedisSentinel> {
    const dir = mkdtempSync(join(tmpdir(), "sophia-redis-"));
    const cluster = new LocalRedisSentinel(dir, await freePortRange(6));
    const [masterPort] = cluster.redisPorts as [number, number, number];
    for (const port of cluster.redisPorts) {
      const data = join(dir, `redis-${port}`);
      mkdirSync(data);
      const conf = redisConf({
        port,
        bind: "127.0.0.1",
        dataDir: data,
        announceHost: "127.0.0.1",
        maxMemory: "64mb",
        password: cluster.password,
        ...(port === masterPort ? {} : { replicaOf: { host: "127.0.0.1", port: masterPort } }),
      });
      cluster.servers.set(port, cluster.launch("redis-server", join(data, "redis.conf"), conf, port));
    }
    for (const port of cluster.sentinelPorts) {
      const data = join(dir, `sentinel-${port}`);
      mkdirSync(data);
      const conf = sentinelConf({
        port,
        bind: "127.0.0.1",
        dataDir: data,
        announceHost: "127.0.0.1",
        masterName: MASTER_NAME,
        masterHost: "127.0.0.1",
        masterPort,
        quorum,
        password: cluster.password,
        ...timing,
      });
      cluster.sentinels.push(cluster.launch("redis-sentinel", join(data, "sentinel.conf"), conf, port));
    }
    await cluster.waitForTopology();
    return cluster;
  }

  private launch(binary: string, file: string, conf: string, port: number): Proc {
    writeFileSync(file, conf, { mode: 0o600 });
    const child = spawn(binary, [file], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.resume();
    return { port, child };
  }

  /** A direct connection to one server or sentinel. */
  connect(port: number): Redis {
    const c = new Redis({ host: "127.0.0.1", port, password: this.password, maxRetriesPerRequest: 1 });
    // Refused connections are expected while servers start or after a kill; callers see the failed command.
    c.on("error", () => undefined);
    return c;
  }

  /** A Sentinel-aware client, as the applications use. */
  sentinelClient(): Redis {
    const c = new Redis({
      sentinels: this.sentinelPorts.map((port) => ({ host: "127.0.0.1", port })),
      name: MASTER_NAME,
      password: this.password,
      sentinelPassword: this.password,
    });
    c.on("error", () => undefined);
    return c;
  }

  /** The master's port as the sentinels report it, or undefined when they disagree or do not answer. */
  async masterPort(): Promise<number | undefined> {
    const answers = await Promise.all(
      this.sentinelPorts.map(async (port) => {
        const c = this.connect(port);
        try {
          const r = (await c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)) as string[] | null;
          return r ? Number(r[1]) : undefined;
        } catch {
          return undefined;
        } finally {
          c.disconnect();
        }
      }),
    );
    const live = answers.filter((a) => a !== undefined);
    return live.length > 0 && live.every((a) => a === live[0]) ? live[0] : undefined;
  }

  /** Waits until both replicas are online and every sentinel sees them and the other two sentinels. */
  private async waitForTopology(timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let ready = true;
      const master = this.connect(this.redisPorts[0]!);
      try {
        // ROLE on a master: ["master", offset, [[host, port, offset], ...]] with online replicas only.
        const role = (await master.call("ROLE")) as [string, number, unknown[]];
        if (role[2].length < 2) ready = false;
      } catch {
        ready = false;
      } finally {
        master.disconnect();
      }
      for (const port of this.sentinelPorts) {
        const c = this.connect(port);
        try {
          const replicas = (await c.call("SENTINEL", "REPLICAS", MASTER_NAME)) as unknown[];
          const sentinels = (await c.call("SENTINEL", "SENTINELS", MASTER_NAME)) as unknown[];
          if (replicas.length < 2 || sentinels.length < 2) ready = false;
        } catch {
          ready = false;
        } finally {
          c.disconnect();
        }
      }
      if (ready) return;
      if (Date.now() > deadline) throw new Error("sentinels did not discover the replicas and each other in time");
      await sleep(200);
    }
  }

  /** Writes `count` keys to the master, each acknowledged by at least one replica within 1 s. */
  async writeAcknowledged(masterPort: number, prefix: string, count: number): Promise<WriteLog> {
    const c = this.connect(masterPort);
    const log: WriteLog = { acknowledged: [], unacknowledged: [] };
    try {
      for (let i = 0; i < count; i++) {
        const key = `${prefix}:${i}`;
        try {
          await c.set(key, String(i));
          const replicas = (await c.call("WAIT", "1", "1000")) as number;
          (replicas >= 1 ? log.acknowledged : log.unacknowledged).push(key);
        } catch {
          log.unacknowledged.push(key);
        }
      }
    } finally {
      c.disconnect();
    }
    return log;
  }

  /** Kills a server with SIGKILL (no chance to hand over): a crashed master. */
  kill(port: number): void {
    const p = this.servers.get(port);
    if (!p) throw new Error(`no redis-server on ${port}`);
    p.child.kill("SIGKILL");
    this.servers.delete(port);
  }

  /**
   * Polls until the sentinels agree on a master other than `oldPort` that answers as master and
   * accepts a write (its remaining replica attached, as min-replicas-to-write requires).
   * Returns the new master's port and the seconds from `since` to promotion and to the first write.
   */
  async awaitFailover(
    oldPort: number,
    since: bigint,
    timeoutMs: number,
  ): Promise<{ port: number; promotedSeconds: number; writableSeconds: number }> {
    const deadline = Date.now() + timeoutMs;
    const elapsed = () => Number(process.hrtime.bigint() - since) / 1e9;
    let port: number | undefined;
    let promotedSeconds = 0;
    while (Date.now() < deadline) {
      const m = await this.masterPort();
      if (m !== undefined && m !== oldPort) {
        port = m;
        promotedSeconds = elapsed();
        break;
      }
      await sleep(100);
    }
    if (port === undefined) throw new Error(`no failover within ${timeoutMs} ms`);
    const c = this.connect(port);
    try {
      while (Date.now() < deadline) {
        try {
          await c.set("failover:probe", "1");
          return { port, promotedSeconds, writableSeconds: elapsed() };
        } catch {
          await sleep(100);
        }
      }
    } finally {
      c.disconnect();
    }
    throw new Error(`new master ${port} did not accept writes within ${timeoutMs} ms`);
  }

  /** Stops every process and removes the directory; returns ports still listening (expected: none). */
  async stop(): Promise<number[]> {
    const procs = [...this.servers.values(), ...this.sentinels];
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
            p.child.once("exit", () => resolve());
            p.child.kill("SIGTERM");
          }),
      ),
    );
    this.servers.clear();
    this.sentinels.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
    const still: number[] = [];
    for (const port of [...this.redisPorts, ...this.sentinelPorts]) if (!(await portFree(port))) still.push(port);
    return still;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
