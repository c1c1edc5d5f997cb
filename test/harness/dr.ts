/**
 * The disaster-recovery drill, with real parts: Debian's PostgreSQL server archiving WAL and taking a
 * base backup with Barman Cloud's own tools (Debian's `barman-cli-cloud`: the `barman-cloud-*`
 * commands the CloudNativePG plugin runs in its sidecar) to SeaweedFS's S3 API on loopback (built by
 * the toolchain); a writer committing rows and recording each acknowledged commit; the primary
 * SIGKILLed and its data directory deleted; new servers restored from the object store with
 * `barman-cloud-restore` and WAL replay through `barman-cloud-wal-restore`, to the end of the archive
 * and to a point in time. Used by test/integration/dr-drill.test.ts (small) and scripts/bench.ts
 * (`--only dr`, larger).
 *
 * Settings as our Cluster and ObjectStore have them (components/postgres/postgres-objects.ts): gzip
 * for WAL and data, 2 upload jobs, `archive_timeout` (5min there; the drill takes a short one, given
 * by the caller), the bucket prefix `<environment>` and the server name `postgres`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";

import { postgresTargetTime } from "../../components/postgres/restore";
import { freePortRange } from "./ports";

const BUCKET = "sophia-drill";
/** As the ObjectStore's destinationPath (`s3://<bucket>/<environment>`) and the Cluster's name. */
export const DESTINATION = `s3://${BUCKET}/production`;
export const SOURCE_SERVER = "postgres";
/** The Cluster's parameters that recovery compares with the source's (components/postgres clusterSpec). */
const CLUSTER_PARAMETERS = { max_connections: "200" };

export interface DrillOptions {
  /** Rows of ~300 bytes loaded before the drill (the database's size). */
  readonly payloadRows: number;
  /** `archive_timeout` of the primary, in seconds (production: 300). */
  readonly archiveTimeoutSeconds: number;
  /** Seconds the writer commits before the base backup. */
  readonly writeBeforeBackupSeconds: number;
  /** Seconds the writer commits after the base backup, before the primary is killed. */
  readonly writeAfterBackupSeconds: number;
  /** Pause between the writer's commits (ms). */
  readonly commitIntervalMs: number;
  readonly log?: (line: string) => void;
}

/** One commit the server acknowledged to the writer. */
export interface Ack {
  readonly id: number;
  /** When the acknowledgement arrived (ms since the epoch, the machine's clock, as the server's). */
  readonly at: number;
}

export interface RestoreFigures {
  /** Data directory bytes `barman-cloud-restore` wrote. */
  readonly restoredBytes: number;
  /** `barman-cloud-restore` wall time (download and decompression of the base backup). */
  readonly baseRestoreSeconds: number;
  /** From server start to the promoted server answering (WAL replay, end of recovery). */
  readonly replaySeconds: number;
  /** Ids present in the restored `drill_commits`. */
  readonly ids: ReadonlySet<number>;
  /** Largest `committed_at` among the restored rows (ms). */
  readonly lastCommittedAt: number;
}

export interface DrillResult {
  readonly databaseBytes: number;
  readonly backupSeconds: number;
  readonly acks: readonly Ack[];
  readonly killedAt: number;
  /** From SIGKILL to the restored server answering queries (no detection time: the drill knows). */
  readonly rtoSeconds: number;
  readonly latest: RestoreFigures;
  readonly pitr: RestoreFigures & {
    readonly targetTime: string;
    /** Rows whose statement ran after the target (so committed after it): must not be there. */
    readonly rowsPastTarget: number;
    /** Acknowledged before the target but missing: must be none. */
    readonly missingBeforeTarget: number;
  };
}

/** Figures of a restore to the latest point: what the acknowledged commits say was lost. */
export function lossFigures(acks: readonly Ack[], restored: ReadonlySet<number>) {
  const lost = acks.filter((a) => !restored.has(a.id));
  const kept = acks.filter((a) => restored.has(a.id));
  const lastKept = kept.at(-1);
  const lastAck = acks.at(-1);
  // A restore replays a prefix of the history: a lost commit followed by a kept one is a hole.
  const holes = lastKept ? lost.filter((a) => a.id < lastKept.id).length : 0;
  const rpoSeconds = lastAck && lost.length > 0 ? (lastAck.at - (lastKept?.at ?? acks[0]!.at)) / 1000 : 0;
  return { lost: lost.length, kept: kept.length, holes, rpoSeconds };
}

export interface CloudBackup {
  readonly backup_id: string;
  readonly end_time: string;
  readonly status: string;
}

/**
 * The base backup a restore starts from, as CloudNativePG picks it: the latest completed one, or with
 * a target time the latest one that ended before it.
 */
export function chooseBackup(backups: readonly CloudBackup[], targetTime?: string): CloudBackup {
  const done = backups
    .filter((b) => b.status === "DONE")
    .filter((b) => targetTime === undefined || Date.parse(b.end_time) < Date.parse(targetTime))
    .sort((a, b) => Date.parse(a.end_time) - Date.parse(b.end_time));
  const chosen = done.at(-1);
  if (!chosen) throw new Error(`no completed backup${targetTime ? ` ended before ${targetTime}` : ""}`);
  return chosen;
}

/** The newest PostgreSQL server binaries Debian's packages installed. */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) throw new Error("no PostgreSQL server in /usr/lib/postgresql (apt-get install postgresql)");
  return join(root, versions[0], "bin");
}

/** PostgreSQL refuses to run as root: as root, its processes run as the `postgres` account. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (from: number) => (Date.now() - from) / 1000;

/** SeaweedFS (`weed server` with its S3 gateway) on loopback, with one access key. */
export class LocalS3 {
  readonly accessKey = `drill${randomBytes(6).toString("hex")}`;
  readonly secretKey = randomBytes(24).toString("base64url");
  private child?: ChildProcess;

  private constructor(
    readonly dir: string,
    readonly basePort: number,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.basePort}`;
  }

  /** Credentials for the Barman Cloud tools (boto3 reads them from the environment). */
  get env(): Record<string, string> {
    return {
      AWS_ACCESS_KEY_ID: this.accessKey,
      AWS_SECRET_ACCESS_KEY: this.secretKey,
      AWS_DEFAULT_REGION: "us-east-1",
    };
  }

  static async start(weed: string, dir: string): Promise<LocalS3> {
    // S3, master, volume, filer, each with its gRPC port: eight ports in a row.
    const s3 = new LocalS3(dir, await freePortRange(8));
    const p = s3.basePort;
    mkdirSync(join(dir, "data"), { recursive: true });
    const config = join(dir, "s3.json");
    writeFileSync(
      config,
      JSON.stringify({
        identities: [
          {
            name: "drill",
            credentials: [{ accessKey: s3.accessKey, secretKey: s3.secretKey }],
            actions: ["Admin", "Read", "Write", "List", "Tagging"],
          },
        ],
      }),
    );
    const args = [
      "server",
      `-dir=${join(dir, "data")}`,
      "-ip=127.0.0.1",
      "-ip.bind=127.0.0.1",
      `-master.port=${p + 1}`,
      `-master.port.grpc=${p + 2}`,
      `-volume.port=${p + 3}`,
      `-volume.port.grpc=${p + 4}`,
      "-filer",
      `-filer.port=${p + 5}`,
      `-filer.port.grpc=${p + 6}`,
      "-s3",
      `-s3.port=${p}`,
      `-s3.port.grpc=${p + 7}`,
      `-s3.config=${config}`,
      // Small volumes: the drill writes megabytes, not the 30 GB a default volume may grow to.
      "-master.volumeSizeLimitMB=256",
    ];
    s3.child = spawn(weed, args, { stdio: ["ignore", "ignore", "ignore"] });
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      if (s3.child.exitCode !== null) throw new Error(`weed server exited with ${s3.child.exitCode}`);
      // Any HTTP answer from the S3 port (403 without credentials) means the gateway is serving.
      const ok = await fetch(`${s3.endpoint}/`).then(
        (r) => r.status > 0,
        () => false,
      );
      if (ok) return s3;
      await sleep(200);
    }
    await s3.stop();
    throw new Error("SeaweedFS's S3 gateway did not answer within 60 s");
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** One PostgreSQL server process (its own process group, so SIGKILL takes every child with it). */
class Server {
  private constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly socketDir: string,
    readonly child: ChildProcess,
  ) {}

  static async start(
    bin: string,
    dataDir: string,
    settings: Record<string, string>,
    env: Record<string, string>,
    logFile: string,
  ): Promise<Server> {
    const port = await freePortRange(1);
    const socketDir = join(dataDir, "..", `socket-${port}`);
    mkdirSync(socketDir, { recursive: true });
    const user = serverUser();
    if (user) chownSync(socketDir, user.uid, user.gid);
    const all: Record<string, string> = {
      listen_addresses: "127.0.0.1",
      port: String(port),
      unix_socket_directories: socketDir,
      ...settings,
    };
    const args = ["-D", dataDir, ...Object.entries(all).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
    const child = spawn("sh", ["-c", `exec "$0" "$@" >>"${logFile}" 2>&1`, join(bin, "postgres"), ...args], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, ...env },
      ...(user ?? {}),
    });
    return new Server(dataDir, port, socketDir, child);
  }

  connection(): pg.ClientConfig {
    return { host: "127.0.0.1", port: this.port, user: "postgres", database: "postgres" };
  }

  /** Waits until the server answers as a primary (recovery finished and promoted). */
  async waitPrimary(timeoutMs: number, logFile: string): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (this.child.exitCode !== null) {
        const tail = readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-8).join("\n");
        throw new Error(`postgres exited with ${this.child.exitCode}; its log ends:\n${tail}`);
      }
      const client = new pg.Client(this.connection());
      try {
        await client.connect();
        const r = await client.query<{ rec: boolean }>("SELECT pg_is_in_recovery() AS rec");
        if (r.rows[0]?.rec === false) return;
      } catch {
        // Starting up or still in recovery: try again.
      } finally {
        await client.end().catch(() => undefined);
      }
      await sleep(50);
    }
    throw new Error(`postgres did not answer as a primary within ${timeoutMs} ms (log: ${logFile})`);
  }

  kill(): void {
    if (this.child.pid && this.child.exitCode === null) process.kill(-this.child.pid, "SIGKILL");
  }

  async stop(): Promise<void> {
    if (!this.child.pid || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    process.kill(-this.child.pid, "SIGINT");
    await Promise.race([exited, sleep(15_000)]);
    this.kill();
  }
}

/** Commits one row at a time, recording each acknowledged commit, until stopped or the server dies. */
class Writer {
  readonly acks: Ack[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(conn: pg.ClientConfig, intervalMs: number, firstId: number) {
    this.done = (async () => {
      const client = new pg.Client(conn);
      client.on("error", () => undefined);
      await client.connect();
      let id = firstId;
      try {
        while (this.running) {
          await client.query("INSERT INTO drill_commits (id) VALUES ($1)", [id]);
          this.acks.push({ id, at: Date.now() });
          id++;
          await sleep(intervalMs);
        }
      } catch {
        // The server went away: the commit in flight was not acknowledged.
      } finally {
        await client.end().catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** Resolves once the server is gone and the writer has given up. */
  finished(): Promise<void> {
    return this.done;
  }
}

export class Drill {
  private readonly bin = postgresBinDir();
  private readonly user = serverUser();
  private readonly servers: Server[] = [];
  private s3?: LocalS3;

  private constructor(readonly dir: string) {}

  static create(): Drill {
    const dir = mkdtempSync(join(tmpdir(), "sophia-dr-"));
    return new Drill(dir);
  }

  private log(o: DrillOptions, line: string): void {
    o.log?.(line);
  }

  /** Runs a command as the server's account, with the object store's credentials. */
  private exec(cmd: string, args: string[]): string {
    try {
      return execFileSync(cmd, args, {
        encoding: "utf8",
        env: { ...process.env, ...this.s3!.env },
        stdio: ["ignore", "pipe", "pipe"],
        ...(this.user ?? {}),
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${cmd} ${args.join(" ")} failed: ${e.stderr || e.message}`);
    }
  }

  private mkdirOwned(path: string): string {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    if (this.user) chownSync(path, this.user.uid, this.user.gid);
    return path;
  }

  private cloudArgs(): string[] {
    return ["--endpoint-url", this.s3!.endpoint];
  }

  /** The whole drill: load, write, back up, write, kill, restore twice, compare. */
  async run(o: DrillOptions, weed: string): Promise<DrillResult> {
    if (this.user) chownSync(this.dir, this.user.uid, this.user.gid);
    this.s3 = await LocalS3.start(weed, join(this.dir, "s3"));
    this.log(o, `SeaweedFS S3 on ${this.s3.endpoint}`);

    // The primary, archiving every WAL segment as the plugin does (gzip), at least every
    // archive_timeout.
    const primaryDir = this.mkdirOwned(join(this.dir, "primary"));
    this.exec(join(this.bin, "initdb"), ["-D", primaryDir, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
    const archive = ["barman-cloud-wal-archive", ...this.cloudArgs(), "--gzip", DESTINATION, SOURCE_SERVER, "%p"].join(
      " ",
    );
    const primaryLog = join(this.dir, "primary.log");
    const primary = await Server.start(
      this.bin,
      primaryDir,
      {
        ...CLUSTER_PARAMETERS,
        wal_level: "replica",
        archive_mode: "on",
        archive_command: archive,
        archive_timeout: `${o.archiveTimeoutSeconds}s`,
      },
      this.s3.env,
      primaryLog,
    );
    this.servers.push(primary);
    await primary.waitPrimary(30_000, primaryLog);

    const admin = new pg.Client(primary.connection());
    await admin.connect();
    await admin.query(
      "CREATE TABLE drill_commits (id bigint PRIMARY KEY, committed_at timestamptz NOT NULL DEFAULT clock_timestamp())",
    );
    await admin.query("CREATE TABLE drill_payload (id bigint PRIMARY KEY, body text NOT NULL)");
    // ~300 bytes of hex per row: compresses about as well as ordinary text (gzip roughly halves it).
    const chunk = 50_000;
    for (let from = 1; from <= o.payloadRows; from += chunk) {
      const to = Math.min(o.payloadRows, from + chunk - 1);
      await admin.query(
        `INSERT INTO drill_payload SELECT g, ${Array.from({ length: 9 }, (_, i) => `md5((g * 9 + ${i})::text)`).join(" || ")} FROM generate_series($1::bigint, $2::bigint) g`,
        [from, to],
      );
    }
    const size = await admin.query<{ bytes: string }>("SELECT pg_database_size('postgres')::text AS bytes");
    const databaseBytes = Number(size.rows[0]!.bytes);
    await admin.end();
    this.log(o, `database: ${(databaseBytes / 1e6).toFixed(1)} MB (${o.payloadRows} payload rows)`);

    const writer = new Writer(primary.connection(), o.commitIntervalMs, 1);
    await sleep(o.writeBeforeBackupSeconds * 1000);

    const backupStarted = Date.now();
    this.exec("barman-cloud-backup", [
      ...this.cloudArgs(),
      "--gzip",
      "--jobs",
      "2",
      "--immediate-checkpoint",
      "-h",
      primary.socketDir,
      "-p",
      String(primary.port),
      "-U",
      "postgres",
      DESTINATION,
      SOURCE_SERVER,
    ]);
    const backupSeconds = seconds(backupStarted);
    this.log(o, `base backup: ${backupSeconds.toFixed(1)} s`);

    const backupEndedAt = Date.now();
    await sleep(o.writeAfterBackupSeconds * 1000);

    // The disaster: the primary and every child (archiver included) killed, its data gone.
    primary.kill();
    const killedAt = Date.now();
    await writer.finished();
    rmSync(primaryDir, { recursive: true, force: true });
    this.log(o, `primary SIGKILLed after ${writer.acks.length} acknowledged commits; data directory deleted`);

    const latest = await this.restore(o, "latest");
    const rtoSeconds = seconds(killedAt);
    this.log(o, `restored to the latest point: ${rtoSeconds.toFixed(1)} s after the kill`);
    // The point in time: halfway between the end of the base backup and the last commit the
    // archive holds (as an operator picks one inside the recoverable window).
    if (latest.lastCommittedAt <= backupEndedAt) throw new Error("no commit after the base backup was archived");
    const targetTime = new Date(Math.round((backupEndedAt + latest.lastCommittedAt) / 2)).toISOString();
    const pitr = await this.restore(o, "pitr", targetTime);
    const target = Date.parse(targetTime);
    const pitrClient = new pg.Client(this.servers.at(-1)!.connection());
    await pitrClient.connect();
    const past = await pitrClient.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM drill_commits WHERE committed_at > $1",
      [targetTime],
    );
    await pitrClient.end();
    const missingBeforeTarget = writer.acks.filter((a) => a.at < target && !pitr.ids.has(a.id)).length;
    return {
      databaseBytes,
      backupSeconds,
      acks: writer.acks,
      killedAt,
      rtoSeconds,
      latest,
      pitr: { ...pitr, targetTime, rowsPastTarget: past.rows[0]!.n, missingBeforeTarget },
    };
  }

  /** A new server from the object store: base backup, then WAL replay to the end or to `targetTime`. */
  private async restore(o: DrillOptions, name: string, targetTime?: string): Promise<RestoreFigures> {
    const list = JSON.parse(
      this.exec("barman-cloud-backup-list", [...this.cloudArgs(), "--format", "json", DESTINATION, SOURCE_SERVER]),
    ) as { backups_list: CloudBackup[] };
    const backup = chooseBackup(list.backups_list, targetTime);
    const dataDir = join(this.dir, `restore-${name}`);
    const started = Date.now();
    this.exec("barman-cloud-restore", [...this.cloudArgs(), DESTINATION, SOURCE_SERVER, backup.backup_id, dataDir]);
    const baseRestoreSeconds = seconds(started);
    const restoredBytes = dirBytes(dataDir);
    writeFileSync(join(dataDir, "recovery.signal"), "");
    if (this.user) chownSync(join(dataDir, "recovery.signal"), this.user.uid, this.user.gid);
    const restoreCommand = [
      "barman-cloud-wal-restore",
      ...this.cloudArgs(),
      DESTINATION,
      SOURCE_SERVER,
      "%f",
      "%p",
    ].join(" ");
    const logFile = join(this.dir, `restore-${name}.log`);
    const replayStarted = Date.now();
    const server = await Server.start(
      this.bin,
      dataDir,
      {
        // Recovery refuses settings lower than the primary's (max_connections among them): the
        // restored Cluster carries the same parameters, as ours does (clusterSpec).
        ...CLUSTER_PARAMETERS,
        restore_command: restoreCommand,
        // The new server is a new cluster: it does not archive into the source's server name.
        archive_mode: "off",
        recovery_target_action: "promote",
        // As the Cluster spec gives it (components/postgres postgresTargetTime).
        ...(targetTime ? { recovery_target_time: postgresTargetTime(targetTime) } : {}),
      },
      this.s3!.env,
      logFile,
    );
    this.servers.push(server);
    await server.waitPrimary(120_000, logFile);
    const replaySeconds = seconds(replayStarted);
    const client = new pg.Client(server.connection());
    await client.connect();
    const rows = await client.query<{ id: string; at: Date }>("SELECT id::text, committed_at AS at FROM drill_commits");
    await client.end();
    const ids = new Set(rows.rows.map((r) => Number(r.id)));
    const lastCommittedAt = Math.max(0, ...rows.rows.map((r) => r.at.getTime()));
    this.log(
      o,
      `${name}: base backup ${backup.backup_id} restored (${(restoredBytes / 1e6).toFixed(1)} MB in ${baseRestoreSeconds.toFixed(1)} s), WAL replayed and promoted in ${replaySeconds.toFixed(1)} s`,
    );
    return { restoredBytes, baseRestoreSeconds, replaySeconds, ids, lastCommittedAt };
  }

  async cleanup(): Promise<void> {
    for (const s of this.servers) await s.stop().catch(() => undefined);
    await this.s3?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
