import { describe, expect, it } from "vitest";

import { schedulingFor } from "../../components/placement";
import {
  bootstrapSql,
  clusterSpec,
  objectStoreSpec,
  operatorObjects,
  postgresTargetTime,
  POSTGRES_IMAGE,
  scheduledBackupSpec,
  validateRestore,
  type PostgresSettings,
} from "../../components/postgres";
import { MANIFEST_PINS, readManifestDocuments } from "../../components/manifests";

const placement = { inference: "gh200", batch: "a100", realtime: "rtx6000", mcp: "a6000" } as const;
const backup = { endpoint: "https://s3.example.test", bucket: "pg-backups", region: "us-east-1", retention: "30d" };
const production: PostgresSettings = {
  name: "postgres",
  environment: "production",
  instances: 3,
  storageSize: "100Gi",
  database: "sophia",
  image: POSTGRES_IMAGE,
  scheduling: schedulingFor("realtime", placement),
  backup,
  resources: { cpu: "2", memory: "8Gi" },
};

describe("CloudNativePG Cluster", () => {
  const spec = clusterSpec(production);
  it("runs 3 instances of the pgvector image with synchronous replication", () => {
    expect(spec["instances"]).toBe(3);
    expect(spec["imageName"]).toBe("ghcr.io/cloudnative-pg/postgresql:18.1-standard-trixie");
    expect(spec["postgresql"]).toEqual({
      parameters: { archive_timeout: "5min", max_connections: "200" },
      synchronous: { method: "any", number: 1, dataDurability: "required" },
    });
    expect(spec["enableSuperuserAccess"]).toBe(false);
    expect(spec["enablePDB"]).toBe(true);
  });
  it("has no synchronous replication with one instance (nothing to wait for)", () => {
    const single = clusterSpec({ ...production, instances: 1 });
    expect(single["postgresql"]).toEqual({ parameters: { archive_timeout: "5min", max_connections: "200" } });
  });
  it("bootstraps the app database and role and runs the SQL from k8s/postgres in order", () => {
    expect(spec["bootstrap"]).toEqual({
      initdb: {
        database: "sophia",
        owner: "sophia",
        secret: { name: "postgres-app-credentials" },
        postInitApplicationSQLRefs: {
          configMapRefs: [
            { name: "postgres-bootstrap-sql", key: "schema.sql" },
            { name: "postgres-bootstrap-sql", key: "grants.sql" },
          ],
        },
      },
    });
    const sql = bootstrapSql("sophia");
    expect(sql[0]?.sql).toContain("CREATE EXTENSION IF NOT EXISTS vector;");
    expect(sql[1]?.sql).toContain("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sophia;");
  });
  it("archives WAL through the Barman Cloud plugin when a backup target is set, and not otherwise", () => {
    expect(spec["plugins"]).toEqual([
      {
        name: "barman-cloud.cloudnative-pg.io",
        isWALArchiver: true,
        parameters: { barmanObjectName: "postgres-backups" },
      },
    ]);
    const withoutBackup: PostgresSettings = { ...production, backup: undefined };
    expect(clusterSpec(withoutBackup)["plugins"]).toBeUndefined();
  });
  it("is placed on realtime nodes, spread across them", () => {
    expect(spec["affinity"]).toEqual({
      enablePodAntiAffinity: true,
      topologyKey: "kubernetes.io/hostname",
      podAntiAffinityType: "preferred",
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "sophia-intel.ai/node-class", operator: "In", values: ["rtx6000"] }] },
          ],
        },
      },
      tolerations: [{ key: "sophia-intel.ai/node-class", operator: "Equal", value: "rtx6000", effect: "NoSchedule" }],
    });
  });
});

describe("restore from the object store", () => {
  const restored: PostgresSettings = {
    ...production,
    name: "postgres-r1",
    restore: { source: "postgres", targetTime: "2026-03-01T09:30:00Z" },
  };
  const spec = clusterSpec(restored);

  it("bootstraps by recovery from the old cluster's server name through the plugin, to the target time", () => {
    expect(spec["bootstrap"]).toEqual({
      recovery: {
        source: "postgres-origin",
        database: "sophia",
        owner: "sophia",
        secret: { name: "postgres-r1-app-credentials" },
        recoveryTarget: { targetTime: "2026-03-01 09:30:00.000000+00" },
      },
    });
    expect(spec["externalClusters"]).toEqual([
      {
        name: "postgres-origin",
        plugin: {
          name: "barman-cloud.cloudnative-pg.io",
          parameters: { barmanObjectName: "postgres-r1-backups", serverName: "postgres" },
        },
      },
    ]);
  });

  it("archives the new cluster's WAL under its own name, with the same settings as the old one", () => {
    expect(spec["plugins"]).toEqual([
      {
        name: "barman-cloud.cloudnative-pg.io",
        isWALArchiver: true,
        parameters: { barmanObjectName: "postgres-r1-backups" },
      },
    ]);
    expect(spec["postgresql"]).toEqual(clusterSpec(production)["postgresql"]);
    // The same bucket and prefix: the source's backups are found under its server name there.
    const config = (x: PostgresSettings) =>
      (objectStoreSpec(x, backup) as { configuration: Record<string, unknown> }).configuration;
    expect(config(restored)["destinationPath"]).toBe("s3://pg-backups/production");
    expect(config(restored)["endpointURL"]).toBe(config(production)["endpointURL"]);
    expect(config(restored)["s3Credentials"]).toMatchObject({
      accessKeyId: { name: "postgres-r1-backup-s3", key: "ACCESS_KEY_ID" },
    });
  });

  it("gives the target time as PostgreSQL accepts it at startup: UTC, numeric offset, no T or Z", () => {
    expect(postgresTargetTime("2026-03-01T09:30:00Z")).toBe("2026-03-01 09:30:00.000000+00");
    expect(postgresTargetTime("2026-03-01T11:30:00.25+02:00")).toBe("2026-03-01 09:30:00.250000+00");
    expect(() => postgresTargetTime("yesterday")).toThrow("not an RFC 3339 time: yesterday");
  });

  it("replays to the end of the archive without a target time", () => {
    const latest = clusterSpec({ ...restored, restore: { source: "postgres" } });
    expect(latest["bootstrap"]).toEqual({
      recovery: {
        source: "postgres-origin",
        database: "sophia",
        owner: "sophia",
        secret: { name: "postgres-r1-app-credentials" },
      },
    });
  });

  it("is refused over the cluster it reads from, and without an object store", () => {
    expect(validateRestore(restored)).toEqual([]);
    expect(validateRestore(production)).toEqual([]);
    expect(validateRestore({ ...restored, name: "postgres" }).map((p) => p.path)).toEqual([["restore", "source"]]);
    expect(validateRestore({ ...restored, backup: undefined }).map((p) => p.path)).toEqual([["restore"]]);
  });
});

describe("backups", () => {
  it("store base backups and WAL in the bucket with credentials from the Secret", () => {
    expect(objectStoreSpec(production, backup)).toEqual({
      retentionPolicy: "30d",
      configuration: {
        destinationPath: "s3://pg-backups/production",
        endpointURL: "https://s3.example.test",
        s3Credentials: {
          accessKeyId: { name: "postgres-backup-s3", key: "ACCESS_KEY_ID" },
          secretAccessKey: { name: "postgres-backup-s3", key: "SECRET_ACCESS_KEY" },
          region: { name: "postgres-backup-s3", key: "REGION" },
        },
        wal: { compression: "gzip", maxParallel: 4 },
        data: { compression: "gzip", jobs: 2 },
      },
    });
  });
  it("take a base backup daily at 03:00 and one at creation", () => {
    expect(scheduledBackupSpec(production)).toEqual({
      schedule: "0 0 3 * * *",
      immediate: true,
      backupOwnerReference: "self",
      cluster: { name: "postgres" },
      method: "plugin",
      pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
    });
  });
});

describe("CloudNativePG operator manifest", () => {
  const manifest = readManifestDocuments(MANIFEST_PINS.cloudNativePg);
  it("is applied without its Namespace (created with Pod Security labels by the platform)", () => {
    const objs = operatorObjects(manifest, { controllersRun: true });
    expect(objs.some((o) => o.kind === "Namespace")).toBe(false);
    expect(objs.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name)).toContain(
      "clusters.postgresql.cnpg.io",
    );
    expect(objs.filter((o) => /WebhookConfiguration$/.test(o.kind))).toHaveLength(2);
    expect(objs.find((o) => o.kind === "Deployment")?.metadata).toMatchObject({
      name: "cnpg-controller-manager",
      namespace: "cnpg-system",
    });
  });
  it("drops the webhooks and readiness waits where no controller runs", () => {
    const objs = operatorObjects(manifest, { controllersRun: false });
    expect(objs.filter((o) => /WebhookConfiguration$/.test(o.kind))).toEqual([]);
    for (const o of objs) {
      expect(o.metadata.annotations).toMatchObject({
        "pulumi.com/skipAwait": "true",
        "pulumi.com/deletionPropagationPolicy": "background",
      });
    }
  });
});
