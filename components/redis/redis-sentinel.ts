import { createHash } from "node:crypto";

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { readAsset } from "../assets";
import type { Scheduling } from "../placement";
import { SOPHIA_SENTINEL_TIMING, type SentinelTiming } from "./redis-config";
import {
  configData,
  labels,
  networkPolicySpec,
  redisObjectNames,
  podMonitorSpec,
  podSpec,
  REDIS_IMAGE,
  REDIS_PORT,
  SENTINEL_PORT,
  type RedisSetSettings,
} from "./redis-objects";

export interface RedisSentinelArgs {
  /**
   * Namespace to deploy into (Pod Security `restricted`).
   * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
   */
  readonly namespace: pulumi.Input<string>;
  /** Redis nodes, each paired with a sentinel; the first start's master is pod 0. @default 3 */
  readonly replicas?: number;
  /**
   * Sentinels that must agree the master is down.
   * @default 2
   * @see https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/#configuring-sentinel
   */
  readonly quorum?: number;
  /** Password for Redis and Sentinel (a secret). */
  readonly password: pulumi.Input<string>;
  /** Where the pods run (from the placement table's `realtime` class). */
  readonly scheduling: Scheduling;
  /**
   * `required`: never two Redis pods on one node; `preferred`: spread when possible.
   * @default "preferred"
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
   */
  readonly antiAffinity?: "required" | "preferred";
  /** Namespaces whose pods may connect (the applications). @default [] */
  readonly clientNamespaces?: readonly string[];
  /** Volume per node. @default "10Gi" */
  readonly storageSize?: string;
  /** Sentinel's failure detection and failover timing. @default SOPHIA_SENTINEL_TIMING (down-after 5 s, failover-timeout 30 s) */
  readonly timing?: SentinelTiming;
  /** Redis image (pinned). @default REDIS_IMAGE */
  readonly image?: string;
  /**
   * Monitoring is deployed: each pod gets the exporter sidecar and a PodMonitor scrapes it; the
   * PodMonitor waits for these resources (the Prometheus operator's CRDs). @default none
   */
  readonly podMonitor?: { readonly dependsOn: pulumi.Resource[] };
}

/**
 * Redis with Sentinel as a StatefulSet of the official image: each pod runs a Redis server and a
 * sentinel; AOF persistence, authentication everywhere, `min-replicas-to-write` bounding lost writes,
 * anti-affinity, a PodDisruptionBudget and a NetworkPolicy. Kubernetes object names derive from
 * `name` (`redisObjectNames`), so two instances in one namespace do not collide.
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/
 */
export class RedisSentinel extends pulumi.ComponentResource {
  /** The Sentinel master-set name clients ask for. */
  public readonly masterName: string;
  /** `host:port` of every sentinel (for Sentinel-aware clients). */
  public readonly sentinels: pulumi.Output<string[]>;
  /** Sentinel-aware connection URL with credentials (`redis+sentinel://`), secret. */
  public readonly url: pulumi.Output<string>;
  /** Name of the Secret holding `password`. */
  public readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: RedisSentinelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:redis:RedisSentinel", name, {}, opts);
    const namespace = pulumi.output(args.namespace);
    this.masterName = "sophia";
    const names = redisObjectNames(name);
    const s: RedisSetSettings = {
      name: names.statefulSet,
      replicas: args.replicas ?? 3,
      quorum: args.quorum ?? 2,
      masterName: this.masterName,
      timing: args.timing ?? SOPHIA_SENTINEL_TIMING,
      image: args.image ?? REDIS_IMAGE,
      storageSize: args.storageSize ?? "10Gi",
      maxMemory: "1536mb",
      resources: { cpu: "500m", memory: "2Gi", memoryLimit: "2Gi" },
      scheduling: args.scheduling,
      antiAffinity: args.antiAffinity ?? "preferred",
      secretName: names.secret,
      exporter: args.podMonitor !== undefined,
    };
    const meta = (objectName: string) => ({ name: objectName, namespace, labels: labels(s) });

    const secret = new k8s.core.v1.Secret(
      `${name}-auth`,
      { metadata: meta(s.secretName), type: "Opaque", stringData: { password: pulumi.secret(args.password) } },
      { parent: this },
    );
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: meta(names.configMap), data: configData(s, readAsset("redis/start.sh")) },
      { parent: this },
    );
    const ports = [
      { name: "redis", port: REDIS_PORT, targetPort: "redis" },
      { name: "sentinel", port: SENTINEL_PORT, targetPort: "sentinel" },
    ];
    const headless = new k8s.core.v1.Service(
      `${name}-headless`,
      {
        metadata: meta(names.headlessService),
        // Peers must resolve each other before they are ready (a replica syncing, a sentinel starting).
        spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: labels(s), ports },
      },
      { parent: this },
    );
    new k8s.core.v1.Service(
      `${name}-sentinel`,
      {
        metadata: meta(names.sentinelService),
        spec: { selector: labels(s), ports: [ports[1]!] },
      },
      { parent: this },
    );
    const statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}`,
      {
        metadata: meta(s.name),
        spec: {
          replicas: s.replicas,
          serviceName: headless.metadata.name,
          selector: { matchLabels: labels(s) },
          // Pod 0 must be up first on a fresh start: it is the initial master the others replicate.
          podManagementPolicy: "OrderedReady",
          updateStrategy: { type: "RollingUpdate" },
          template: {
            metadata: {
              labels: labels(s),
              // A config change rolls the pods.
              annotations: { "sophia-intel.ai/config-hash": config.data.apply(hash) },
            },
            spec: podSpec(s, names.configMap),
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: s.storageSize } } },
            },
          ],
        },
      },
      { parent: this, dependsOn: [secret, config] },
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      // One node at a time: the remaining sentinels keep their quorum and a replica stays current.
      { metadata: meta(s.name), spec: { maxUnavailable: 1, selector: { matchLabels: labels(s) } } },
      { parent: this },
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-network`,
      { metadata: meta(s.name), spec: networkPolicySpec(s, args.clientNamespaces ?? []) },
      { parent: this },
    );

    if (args.podMonitor) {
      new k8s.apiextensions.CustomResource(
        `${name}-pod-monitor`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PodMonitor",
          metadata: meta(s.name),
          spec: podMonitorSpec(s),
        },
        { parent: this, dependsOn: [statefulSet, ...args.podMonitor.dependsOn] },
      );
    }

    // Addresses from the objects' outputs, so whatever connects through them depends on them.
    this.sentinels = pulumi
      .all([statefulSet.metadata.name, headless.metadata.name, namespace])
      .apply(([set, service, ns]) =>
        Array.from({ length: s.replicas }, (_, i) => `${set}-${i}.${service}.${ns}.svc.cluster.local:${SENTINEL_PORT}`),
      );
    this.url = pulumi.secret(
      pulumi
        .all([this.sentinels, args.password])
        .apply(
          ([hosts, password]) =>
            `redis+sentinel://:${encodeURIComponent(password)}@${hosts.join(",")}/${this.masterName}`,
        ),
    );
    this.secretName = secret.metadata.name;
    this.registerOutputs({ masterName: this.masterName, sentinels: this.sentinels, url: this.url });
  }
}

function hash(data: Record<string, string> | undefined): string {
  return createHash("sha256")
    .update(JSON.stringify(Object.entries(data ?? {}).sort()))
    .digest("hex")
    .slice(0, 16);
}
