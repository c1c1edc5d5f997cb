/**
 * The platform-services layer (spec sections 2, 6, 7, 10): the GPU operator, Postgres, Redis,
 * TLS and ingress, and monitoring, on the Kubernetes provider, wired to each other.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";

import type { ChartSource } from "../components/charts";
import { GpuOperator } from "../components/gpu-operator";
import { dnsRecords, GATEWAY_NAME, Ingress, type DnsRecord } from "../components/ingress";
import { Monitoring } from "../components/monitoring";
import { schedulingFor } from "../components/placement";
import { CloudNativePgOperator, POSTGRES_IMAGE, PostgresCluster } from "../components/postgres";
import { NAMESPACES, type NamespaceName, type NamespaceOutputs } from "../components/platform";
import { RedisSentinel } from "../components/redis";
import { enabledCharts } from "./config/rules";
import { postgresRestoreOf, type Settings } from "./config/schema";
import type { StackConfig } from "./config/stack-config";
import { PROJECT_ROOT } from "./local-files";

/** Namespaces whose workloads are the data services' and the gateway's clients. */
const CLIENT_NAMESPACES = [NAMESPACES.apps, NAMESPACES.mcp];

export interface PlatformServicesOutputs {
  readonly postgres?: PostgresCluster;
  readonly redis?: RedisSentinel;
  readonly ingress?: Ingress;
  readonly dnsRecords: DnsRecord[];
  readonly grafanaUrl?: string;
  /** The Prometheus operator's release (monitoring deployed): what ServiceMonitors wait for. */
  readonly prometheusOperator?: pulumi.Resource[];
}

/** Where Helm charts come from for these settings (none when rendering manifests). */
export function chartSourceFor(s: Settings): ChartSource {
  if (s.kubernetes.target === "render") return { source: "none" };
  if (s.charts.source === "mirror") return { source: "mirror", directory: resolve(PROJECT_ROOT, s.charts.directory) };
  return { source: "remote" };
}

/** A namespace of the plan by name; a layer asking for one the plan did not create is a bug. */
export function requireNamespace(namespaces: NamespaceOutputs, name: NamespaceName): pulumi.Output<string> {
  const n = namespaces[name];
  if (!n) throw new Error(`namespace ${name} is not in the namespace plan`);
  return n;
}

export function platformServices(
  config: StackConfig,
  provider: k8s.Provider,
  namespaces: NamespaceOutputs,
): PlatformServicesOutputs {
  const s = config.settings;
  const opts = { providers: [provider] };
  const chartSource = chartSourceFor(s);
  if (chartSource.source === "none" && enabledCharts(s).length > 0) {
    void pulumi.log.warn(
      `kubernetes.target is render: the Helm releases (${enabledCharts(s)
        .map((c) => c.chart)
        .join(", ")}) are not rendered (a release installs into a cluster); everything else is`,
    );
  }
  const namespace = (name: NamespaceName) => requireNamespace(namespaces, name);
  // No controller runs where objects go (dev's local API server): admission webhooks could never answer.
  const controllersRun = !s.kubernetes.skipAwait;

  const monitoring =
    s.monitoring.mode === "create"
      ? new Monitoring(
          "monitoring",
          {
            domain: s.domain,
            namespace: namespace(NAMESPACES.monitoring),
            chartSource,
            grafanaAdminPassword: config.requireSecret("grafanaAdminPassword"),
            slackChannel: s.monitoring.slackChannel,
            slackWebhookUrl: config.requireSecret("slackWebhookUrl"),
            ...(s.monitoring.pagerduty ? { pagerdutyRoutingKey: config.requireSecret("pagerdutyRoutingKey") } : {}),
            ...(s.ingress.mode === "create"
              ? { gateway: { name: GATEWAY_NAME, namespace: namespace(NAMESPACES.ingress) } }
              : {}),
            retention: s.monitoring.retention,
            prometheusStorage: s.monitoring.prometheusStorage,
          },
          opts,
        )
      : undefined;

  if (s.gpuOperator.mode === "create") {
    new GpuOperator(
      "gpu-operator",
      {
        namespace: namespace(NAMESPACES.gpuOperator),
        chartSource,
        chartVersion: s.gpuOperator.chartVersion,
        driver: s.gpuOperator.driver,
        timeSlicing: s.gpuOperator.timeSlicing,
        serviceMonitorLabels: {},
        dependsOn: monitoring?.prometheusOperator ?? [],
      },
      opts,
    );
  }

  const ingress =
    s.ingress.mode === "create"
      ? new Ingress(
          "ingress",
          {
            domain: s.domain,
            acme: s.ingress.acme,
            acmeEmail: s.ingress.acmeEmail,
            certManagerNamespace: namespace(NAMESPACES.certManager),
            ingressNamespace: namespace(NAMESPACES.ingress),
            routeNamespaces: [...CLIENT_NAMESPACES, NAMESPACES.monitoring],
            chartSource,
            ...(monitoring ? { prometheusOperator: monitoring.prometheusOperator } : {}),
          },
          opts,
        )
      : undefined;

  let postgres: PostgresCluster | undefined;
  if (s.postgres.mode === "create") {
    const backup = s.postgres.backup.mode === "s3" ? s.postgres.backup : undefined;
    const restore = postgresRestoreOf(s.postgres.restore);
    const operator = new CloudNativePgOperator(
      "cnpg",
      { namespace: namespace(NAMESPACES.cnpg), chartSource, backupPlugin: backup !== undefined, controllersRun },
      opts,
    );
    // The Cluster's name is the component's: the default `postgres` keeps every URN as it was.
    postgres = new PostgresCluster(
      s.postgres.name,
      {
        namespace: namespace(NAMESPACES.data),
        settings: {
          environment: s.environment,
          instances: s.postgres.instances,
          storageSize: s.postgres.storageSize,
          database: s.postgres.database,
          image: POSTGRES_IMAGE,
          scheduling: schedulingFor("realtime", s.placement),
          resources: { cpu: "2", memory: "8Gi" },
          ...(backup ? { backup } : {}),
          ...(restore ? { restore } : {}),
        },
        ...(backup
          ? {
              backupCredentials: {
                accessKeyId: config.requireSecret("postgresBackupAccessKeyId"),
                secretAccessKey: config.requireSecret("postgresBackupSecretAccessKey"),
              },
            }
          : {}),
        appPassword: config.requireSecret("postgresPassword"),
        clientNamespaces: CLIENT_NAMESPACES,
        podMonitor: monitoring !== undefined,
        operator: [...operator.ready, ...(monitoring?.prometheusOperator ?? [])],
      },
      opts,
    );
  }

  const redis =
    s.redis.mode === "create"
      ? new RedisSentinel(
          "redis",
          {
            namespace: namespace(NAMESPACES.data),
            replicas: s.redis.replicas,
            quorum: s.redis.sentinelQuorum,
            password: config.requireSecret("redisPassword"),
            scheduling: schedulingFor("realtime", s.placement),
            antiAffinity: s.redis.antiAffinity,
            clientNamespaces: CLIENT_NAMESPACES,
            storageSize: s.redis.storageSize,
            ...(monitoring ? { podMonitor: { dependsOn: monitoring.prometheusOperator } } : {}),
          },
          opts,
        )
      : undefined;

  return {
    ...(postgres ? { postgres } : {}),
    ...(redis ? { redis } : {}),
    ...(ingress ? { ingress } : {}),
    dnsRecords: s.ingress.mode === "create" ? dnsRecords(s.domain, s.ingress.publicAddresses) : [],
    ...(monitoring ? { grafanaUrl: monitoring.grafanaUrl, prometheusOperator: monitoring.prometheusOperator } : {}),
  };
}
