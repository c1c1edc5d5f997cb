/**
 * CloudNativePG resources for Sophia's Postgres, as pure functions of the settings: the `Cluster`
 * (pgvector image, streaming replication, bootstrap SQL from `k8s/postgres/`), the Barman Cloud
 * `ObjectStore` for base backups and WAL archiving, and the daily `ScheduledBackup`.
 * @see https://cloudnative-pg.io/documentation/current/
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/
 */
import type * as k8s from "@pulumi/kubernetes";

import { readAsset, renderTemplate } from "../assets";
import type { Scheduling } from "../placement";
import { recoveryBootstrap, restoreExternalClusters, type PostgresRestore } from "./restore";

/** CloudNativePG `standard` image: Postgres 18 with pgvector, amd64 and arm64 (GH200). */
export const POSTGRES_IMAGE = "ghcr.io/cloudnative-pg/postgresql:18.1-standard-trixie";
/** The Barman Cloud CNPG-I plugin's name, as the Cluster and ScheduledBackup refer to it. */
export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";
/**
 * A WAL segment is archived at least this often, even when it is not full: with continuous
 * archiving this bounds the data lost with the whole cluster (RPO) well under the 15-minute target.
 */
export const ARCHIVE_TIMEOUT = "5min";

export interface S3Backup {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly retention: string;
}

export interface PostgresSettings {
  /** Cluster name (also the prefix of the Services CloudNativePG creates: `<name>-rw`, `<name>-ro`). */
  readonly name: string;
  readonly environment: string;
  readonly instances: number;
  readonly storageSize: string;
  readonly database: string;
  readonly image: string;
  readonly scheduling: Scheduling;
  /** Where backups go, or undefined for none. */
  readonly backup?: S3Backup;
  /**
   * Bootstrap from another cluster's backups in `backup`'s object store instead of an empty
   * database (see `validateRestore`). Undefined: a new, empty database.
   */
  readonly restore?: PostgresRestore;
  readonly resources: { readonly cpu: string; readonly memory: string };
}

/** Names of the objects the component creates next to the Cluster. */
export function objectNames(s: PostgresSettings) {
  return {
    bootstrapConfigMap: `${s.name}-bootstrap-sql`,
    backupSecret: `${s.name}-backup-s3`,
    appCredentials: `${s.name}-app-credentials`,
    objectStore: `${s.name}-backups`,
    scheduledBackup: `${s.name}-daily`,
  };
}

/** The bootstrap SQL files, in the order they run. */
export function bootstrapSql(owner: string): { name: string; sql: string }[] {
  return [
    { name: "schema.sql", sql: readAsset("postgres/schema.sql") },
    { name: "grants.sql", sql: renderTemplate(readAsset("postgres/grants.sql"), { owner }) },
  ];
}

export function clusterSpec(s: PostgresSettings): Record<string, unknown> {
  const names = objectNames(s);
  const replicated = s.instances > 1;
  return {
    description: `Sophia ${s.environment} Postgres with pgvector`,
    instances: s.instances,
    imageName: s.image,
    // Restart replicas first, then switch over: no manual step during an operator-driven update.
    primaryUpdateStrategy: "unsupervised",
    postgresql: {
      parameters: { archive_timeout: ARCHIVE_TIMEOUT, max_connections: "200" },
      // With replicas, a commit waits for one of them: a failover loses no committed transaction.
      ...(replicated ? { synchronous: { method: "any", number: 1, dataDurability: "required" } } : {}),
    },
    bootstrap: s.restore
      ? recoveryBootstrap(s.restore, { database: s.database, secretName: names.appCredentials })
      : {
          initdb: {
            database: s.database,
            owner: s.database,
            // Our credentials (from secrets), so other layers get the connection URL from outputs.
            secret: { name: names.appCredentials },
            postInitApplicationSQLRefs: {
              configMapRefs: bootstrapSql(s.database).map(({ name }) => ({
                name: names.bootstrapConfigMap,
                key: name,
              })),
            },
          },
        },
    ...(s.restore && s.backup
      ? { externalClusters: restoreExternalClusters(s.restore, BARMAN_PLUGIN, names.objectStore) }
      : {}),
    enableSuperuserAccess: false,
    storage: { size: s.storageSize },
    resources: {
      requests: { cpu: s.resources.cpu, memory: s.resources.memory },
      limits: { cpu: s.resources.cpu, memory: s.resources.memory },
    },
    affinity: {
      enablePodAntiAffinity: true,
      topologyKey: "kubernetes.io/hostname",
      // Required would leave instances pending where the realtime class has fewer nodes than instances.
      podAntiAffinityType: "preferred",
      nodeAffinity: s.scheduling.affinity.nodeAffinity,
      tolerations: s.scheduling.tolerations,
    },
    enablePDB: true,
    ...(s.backup
      ? { plugins: [{ name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: names.objectStore } }] }
      : {}),
  };
}

export function objectStoreSpec(s: PostgresSettings, backup: S3Backup): Record<string, unknown> {
  const secret = objectNames(s).backupSecret;
  return {
    retentionPolicy: backup.retention,
    configuration: {
      destinationPath: `s3://${backup.bucket}/${s.environment}`,
      endpointURL: backup.endpoint,
      s3Credentials: {
        accessKeyId: { name: secret, key: "ACCESS_KEY_ID" },
        secretAccessKey: { name: secret, key: "SECRET_ACCESS_KEY" },
        region: { name: secret, key: "REGION" },
      },
      wal: { compression: "gzip", maxParallel: 4 },
      data: { compression: "gzip", jobs: 2 },
    },
  };
}

export function scheduledBackupSpec(s: PostgresSettings): Record<string, unknown> {
  return {
    // Six fields (seconds first): every day at 03:00 UTC, plus one right after creation.
    schedule: "0 0 3 * * *",
    immediate: true,
    backupOwnerReference: "self",
    cluster: { name: s.name },
    method: "plugin",
    pluginConfiguration: { name: BARMAN_PLUGIN },
  };
}

/** PodMonitor scraping every instance's metrics exporter (port `metrics`). */
export function podMonitorSpec(s: PostgresSettings): Record<string, unknown> {
  return {
    selector: { matchLabels: { "cnpg.io/cluster": s.name } },
    podMetricsEndpoints: [{ port: "metrics" }],
  };
}

/**
 * Ingress to the instances from the applications and the operator, replication between instances;
 * egress to the other instances, the Kubernetes API (the instance manager) and object storage.
 */
export function networkPolicySpec(
  s: PostgresSettings,
  clientNamespaces: readonly string[],
): k8s.types.input.networking.v1.NetworkPolicySpec {
  const instances = { podSelector: { matchLabels: { "cnpg.io/cluster": s.name } } };
  const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
  const tcp = (port: number) => ({ protocol: "TCP", port });
  return {
    podSelector: { matchLabels: { "cnpg.io/cluster": s.name } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      { from: [instances, ...clientNamespaces.map(ns)], ports: [tcp(5432)] },
      // The operator reaches each instance manager's status endpoint; Prometheus the exporter.
      { from: [ns("cnpg-system"), ns("monitoring")], ports: [tcp(8000), tcp(9187)] },
    ],
    egress: [
      { to: [instances], ports: [tcp(5432), tcp(8000)] },
      { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp(443), tcp(6443)] },
    ],
  };
}
