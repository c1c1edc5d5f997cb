/**
 * Restoring Postgres from the Barman Cloud object store: a new `Cluster` bootstrapped by recovery
 * from the base backups and WAL archive another cluster left there, to the end of the archive or to
 * a point in time. CloudNativePG never recovers in place, so a restore always creates a cluster
 * under a new name, next to (or instead of) the one whose backups it reads.
 * @see https://cloudnative-pg.io/documentation/current/recovery/
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/usage/#restoring-a-cluster
 */

/** Where a new cluster's data comes from. */
export interface PostgresRestore {
  /**
   * Name of the cluster whose backups are restored: the plugin's `serverName`, the folder of its
   * base backups and WAL under the object store's destination path.
   */
  readonly source: string;
  /**
   * Stop WAL replay at this time (RFC 3339 with a zone, e.g. `2026-03-01T09:30:00Z`); the base
   * backup is the latest one completed before it. Absent: replay to the end of the archive.
   */
  readonly targetTime?: string;
}

/** One thing wrong with a restore, at a path inside the `postgres` settings. */
export interface RestoreProblem {
  readonly path: readonly string[];
  readonly message: string;
  readonly fix: string;
}

/** What a restore needs to be checked: the new cluster's name and whether an object store is set. */
export interface RestoreInput {
  readonly name: string;
  readonly restore?: PostgresRestore;
  readonly backup?: unknown;
}

/**
 * A restore reads the stack's own backup object store, and never targets the cluster it reads
 * from: recovery creates a cluster, and the new one archives under its own name, so a cluster
 * named like its source would collide with the source's WAL archive.
 */
export function validateRestore(p: RestoreInput): RestoreProblem[] {
  const problems: RestoreProblem[] = [];
  if (!p.restore) return problems;
  if (p.restore.source === p.name) {
    problems.push({
      path: ["restore", "source"],
      message: `is "${p.restore.source}", the name of the cluster being created (postgres.name): a restore never goes over the cluster it reads from`,
      fix: `set postgres.name to a name never used before (e.g. ${p.restore.source}-restore-1) and keep restore.source: ${p.restore.source}`,
    });
  }
  if (p.backup === undefined) {
    problems.push({
      path: ["restore"],
      message: "restores from the backup object store, but postgres.backup.mode is skip",
      fix: "set postgres.backup (mode s3) to the bucket holding the source cluster's backups",
    });
  }
  return problems;
}

/**
 * A target time as PostgreSQL's `recovery_target_time` accepts it: UTC with a numeric offset, e.g.
 * `2026-03-01 09:30:00.000000+00`. PostgreSQL checks the setting at startup, before the zone
 * abbreviations are loaded, so it refuses RFC 3339's `T…Z` (found by the drill,
 * test/integration/dr-drill.test.ts); CloudNativePG turns an RFC 3339 value into `… .000000Z`, which
 * fails the same way for every UTC time (cloudnative-pg issue 10819), and passes any other format
 * through untouched. Sub-millisecond digits are dropped.
 */
export function postgresTargetTime(rfc3339: string): string {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) throw new Error(`not an RFC 3339 time: ${rfc3339}`);
  const iso = new Date(ms).toISOString(); // 2026-03-01T09:30:00.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00`;
}

/** The name the recovery bootstrap refers to its source by (an `externalClusters` entry). */
export function restoreSourceName(r: PostgresRestore): string {
  return `${r.source}-origin`;
}

/**
 * The `recovery` bootstrap: the app database, role and credentials are the ones being restored; the
 * role's password is set from our Secret after recovery, so clients keep the same credentials.
 */
export function recoveryBootstrap(
  r: PostgresRestore,
  app: { database: string; secretName: string },
): Record<string, unknown> {
  return {
    recovery: {
      source: restoreSourceName(r),
      database: app.database,
      owner: app.database,
      secret: { name: app.secretName },
      ...(r.targetTime ? { recoveryTarget: { targetTime: postgresTargetTime(r.targetTime) } } : {}),
    },
  };
}

/** The source cluster as the plugin reads it: our ObjectStore, the old cluster's server name. */
export function restoreExternalClusters(
  r: PostgresRestore,
  plugin: string,
  objectStoreName: string,
): Record<string, unknown>[] {
  return [
    {
      name: restoreSourceName(r),
      plugin: { name: plugin, parameters: { barmanObjectName: objectStoreName, serverName: r.source } },
    },
  ];
}
