import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import {
  bootstrapSql,
  clusterSpec,
  objectNames,
  objectStoreSpec,
  podMonitorSpec,
  networkPolicySpec,
  scheduledBackupSpec,
  type PostgresSettings,
} from "./postgres-objects";
import { validateRestore } from "./restore";

/** The cluster's settings; its name is the component's `name`. */
export type PostgresClusterSettings = Omit<PostgresSettings, "name">;

export interface PostgresClusterArgs {
  /**
   * Namespace of the cluster (Pod Security `restricted`).
   * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
   */
  readonly namespace: pulumi.Input<string>;
  /**
   * Cluster settings (instances, storage, image, placement, backup target, restore source).
   * @see https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-ClusterSpec
   */
  readonly settings: PostgresClusterSettings;
  /** Credentials for `settings.backup` (secrets). Required when it is set. @default none */
  readonly backupCredentials?: {
    readonly accessKeyId: pulumi.Input<string>;
    readonly secretAccessKey: pulumi.Input<string>;
  };
  /** Password of the application role (a secret). */
  readonly appPassword: pulumi.Input<string>;
  /** Namespaces whose pods may connect. @default [] */
  readonly clientNamespaces?: readonly string[];
  /**
   * Create a PodMonitor (needs the Prometheus operator's CRDs).
   * @default false
   * @see https://cloudnative-pg.io/documentation/current/monitoring/
   */
  readonly podMonitor?: boolean;
  /** The operator (CRDs, webhooks, backup plugin) the custom resources wait for. @default [] */
  readonly operator?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A CloudNativePG `Cluster` with pgvector, its bootstrap SQL, and (with a backup target) continuous
 * WAL archiving and daily base backups through the Barman Cloud plugin. With `settings.restore`, the
 * Cluster is bootstrapped from another cluster's backups (latest or a point in time) instead. `name`
 * is the Cluster's name (its Services are `<name>-rw`, `<name>-ro`; the other objects `<name>-…`).
 * @see https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-Cluster
 */
export class PostgresCluster extends pulumi.ComponentResource {
  /** Read-write Service host (the primary). */
  public readonly host: pulumi.Output<string>;
  /** Read-only Service host (the replicas). */
  public readonly readOnlyHost: pulumi.Output<string>;
  public readonly database: string;
  /** Secret with the app role's credentials (`username`, `password`). */
  public readonly appSecretName: string;
  /** `postgresql://` URL of the primary with the app role's credentials (secret). */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:postgres:PostgresCluster", name, {}, opts);
    const s: PostgresSettings = { ...args.settings, name };
    const restoreProblems = validateRestore(s);
    if (restoreProblems.length > 0) {
      throw new Error(`${name}: ${restoreProblems.map((p) => `settings.${p.path.join(".")} ${p.message}`).join("; ")}`);
    }
    const names = objectNames(s);
    const namespace = pulumi.output(args.namespace);
    const labels = { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/part-of": "sophia" };
    const meta = (objectName: string) => ({ name: objectName, namespace, labels });

    const sql = new k8s.core.v1.ConfigMap(
      `${name}-bootstrap-sql`,
      {
        metadata: meta(names.bootstrapConfigMap),
        data: Object.fromEntries(bootstrapSql(s.database).map((f) => [f.name, f.sql])),
      },
      { parent: this },
    );
    const credentials = new k8s.core.v1.Secret(
      `${name}-app-credentials`,
      {
        metadata: meta(names.appCredentials),
        type: "kubernetes.io/basic-auth",
        stringData: { username: s.database, password: pulumi.secret(args.appPassword) },
      },
      { parent: this },
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-network`,
      { metadata: meta(s.name), spec: networkPolicySpec(s, args.clientNamespaces ?? []) },
      { parent: this },
    );
    const dependsOn: pulumi.Input<pulumi.Resource>[] = [sql, credentials, ...(args.operator ?? [])];
    if (s.backup) {
      const creds = args.backupCredentials;
      if (!creds) throw new Error(`${name}: settings.backup is set but backupCredentials are missing`);
      const secret = new k8s.core.v1.Secret(
        `${name}-backup-s3`,
        {
          metadata: meta(names.backupSecret),
          type: "Opaque",
          stringData: {
            ACCESS_KEY_ID: pulumi.secret(creds.accessKeyId),
            SECRET_ACCESS_KEY: pulumi.secret(creds.secretAccessKey),
            REGION: s.backup.region,
          },
        },
        { parent: this },
      );
      const store = new k8s.apiextensions.CustomResource(
        `${name}-object-store`,
        {
          apiVersion: "barmancloud.cnpg.io/v1",
          kind: "ObjectStore",
          metadata: meta(names.objectStore),
          spec: objectStoreSpec(s, s.backup),
        },
        { parent: this, dependsOn: [secret, ...(args.operator ?? [])] },
      );
      dependsOn.push(store);
    }
    const cluster = new k8s.apiextensions.CustomResource(
      `${name}-cluster`,
      { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: meta(s.name), spec: clusterSpec(s) },
      { parent: this, dependsOn },
    );
    if (s.backup) {
      new k8s.apiextensions.CustomResource(
        `${name}-daily-backup`,
        {
          apiVersion: "postgresql.cnpg.io/v1",
          kind: "ScheduledBackup",
          metadata: meta(names.scheduledBackup),
          spec: scheduledBackupSpec(s),
        },
        { parent: this, dependsOn: [cluster] },
      );
    }
    if (args.podMonitor) {
      new k8s.apiextensions.CustomResource(
        `${name}-pod-monitor`,
        { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: meta(s.name), spec: podMonitorSpec(s) },
        { parent: this, dependsOn: [cluster] },
      );
    }

    // Hosts from the Cluster's outputs, so whatever connects through them depends on the Cluster.
    this.host = pulumi.interpolate`${cluster.metadata.name}-rw.${namespace}.svc.cluster.local`;
    this.readOnlyHost = pulumi.interpolate`${cluster.metadata.name}-ro.${namespace}.svc.cluster.local`;
    this.database = s.database;
    this.appSecretName = names.appCredentials;
    this.url = pulumi.secret(
      pulumi
        .all([this.host, args.appPassword])
        .apply(
          ([host, password]) =>
            `postgresql://${s.database}:${encodeURIComponent(password)}@${host}:5432/${s.database}?sslmode=require`,
        ),
    );
    this.registerOutputs({ host: this.host, readOnlyHost: this.readOnlyHost, database: this.database });
  }
}
