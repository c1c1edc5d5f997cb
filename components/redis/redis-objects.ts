/**
 * The Kubernetes object specs of the Redis + Sentinel set, as pure functions of its settings (the
 * component only registers them). Secure defaults: non-root, read-only root filesystem, no
 * privilege escalation, every capability dropped, requests and limits.
 */
import type * as k8s from "@pulumi/kubernetes";

import type { Scheduling } from "../placement";
import { redisConf, sentinelConf, type SentinelTiming } from "./redis-config";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/** Official image (Docker Official Images), pinned. Bitnami images are no longer updated. */
export const REDIS_IMAGE = "redis:8.2.2-alpine";
/** The redis user and group of the official Alpine image. */
const REDIS_UID = 999;
const REDIS_GID = 1000;

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;

/**
 * The standard Prometheus exporter for Redis, pinned, as a sidecar of each pod: `/metrics` reports
 * the pod's Redis server (`redis_up`, `redis_instance_info{role}`), `/scrape?target=` its sentinel
 * (`redis_sentinel_master_status`, `redis_sentinel_master_config_epoch`), which the alert rules read.
 * @see https://github.com/oliver006/redis_exporter
 */
export const REDIS_EXPORTER_IMAGE = "oliver006/redis_exporter:v1.80.2";
export const EXPORTER_PORT = 9121;

export interface RedisSetSettings {
  /** Object name prefix and `app.kubernetes.io/name`. */
  readonly name: string;
  readonly replicas: number;
  readonly quorum: number;
  readonly masterName: string;
  readonly timing: SentinelTiming;
  readonly image: string;
  readonly storageSize: string;
  /** Redis `maxmemory`; the container's memory limit leaves headroom above it. */
  readonly maxMemory: string;
  readonly resources: { readonly cpu: string; readonly memory: string; readonly memoryLimit: string };
  readonly scheduling: Scheduling;
  /** `required`: never two Redis pods on one node (needs as many nodes as replicas); `preferred`: spread when possible. */
  readonly antiAffinity: "required" | "preferred";
  /** Name of the Secret holding `password`. */
  readonly secretName: string;
  /** Run the metrics exporter sidecar (monitoring is deployed). @default false */
  readonly exporter?: boolean;
}

/**
 * The Kubernetes names of one Redis set's objects, all derived from the component's `name` (two sets
 * never collide): the StatefulSet, its PodDisruptionBudget, NetworkPolicy and PodMonitor are `<name>`.
 */
export function redisObjectNames(name: string) {
  return {
    statefulSet: name,
    secret: `${name}-auth`,
    configMap: `${name}-config`,
    headlessService: `${name}-headless`,
    sentinelService: `${name}-sentinel`,
  };
}

export function headlessServiceName(s: RedisSetSettings): string {
  return redisObjectNames(s.name).headlessService;
}

export function labels(s: RedisSetSettings): Record<string, string> {
  return { "app.kubernetes.io/name": s.name, "app.kubernetes.io/component": "redis-sentinel" };
}

/** The ConfigMap's data: the two templates (hosts filled in at start) and the start script. */
export function configData(s: RedisSetSettings, startScript: string): Record<string, string> {
  return {
    "redis.conf": redisConf({
      port: REDIS_PORT,
      bind: "0.0.0.0",
      dataDir: "/data",
      announceHost: "@ANNOUNCE_HOST@",
      maxMemory: s.maxMemory,
    }),
    "sentinel.conf": sentinelConf({
      port: SENTINEL_PORT,
      bind: "0.0.0.0",
      dataDir: "/data/conf",
      announceHost: "@ANNOUNCE_HOST@",
      masterName: s.masterName,
      masterHost: "@MASTER_HOST@",
      masterPort: REDIS_PORT,
      quorum: s.quorum,
      ...s.timing,
    }),
    "start.sh": startScript,
  };
}

const restrictedContainer: Pick<Container, "securityContext"> = {
  securityContext: {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
};

function passwordEnv(s: RedisSetSettings, name: string): k8s.types.input.core.v1.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: s.secretName, key: "password" } } };
}

function probe(port: number, command: string): k8s.types.input.core.v1.Probe {
  return {
    exec: { command: ["sh", "-c", `redis-cli -p ${port} ${command} | grep -q -E '^(PONG|master|slave)'`] },
    initialDelaySeconds: 5,
    periodSeconds: 5,
    timeoutSeconds: 3,
    failureThreshold: 3,
  };
}

export function podSpec(s: RedisSetSettings, configMapName: string): PodSpec {
  const resources = {
    requests: { cpu: s.resources.cpu, memory: s.resources.memory },
    limits: { cpu: s.resources.cpu, memory: s.resources.memoryLimit },
  };
  const mounts = [
    { name: "data", mountPath: "/data" },
    { name: "tmp", mountPath: "/tmp" },
  ];
  /** A Redis server or sentinel: same image, its runtime config from /data/conf, probed with redis-cli. */
  const server = (
    name: string,
    binary: string,
    port: number,
    readinessCommand: string,
    res: k8s.types.input.core.v1.ResourceRequirements,
  ): Container => ({
    name,
    image: s.image,
    command: [binary, `/data/conf/${name}.conf`],
    ports: [{ name, containerPort: port }],
    env: [passwordEnv(s, "REDISCLI_AUTH")],
    livenessProbe: probe(port, "ping"),
    readinessProbe: probe(port, readinessCommand),
    volumeMounts: mounts,
    resources: res,
    ...restrictedContainer,
  });
  const podLabels = labels(s);
  const antiAffinityTerm = { labelSelector: { matchLabels: podLabels }, topologyKey: "kubernetes.io/hostname" };
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: REDIS_UID,
      runAsGroup: REDIS_GID,
      fsGroup: REDIS_GID,
      seccompProfile: { type: "RuntimeDefault" },
    },
    affinity: {
      ...s.scheduling.affinity,
      podAntiAffinity:
        s.antiAffinity === "required"
          ? { requiredDuringSchedulingIgnoredDuringExecution: [antiAffinityTerm] }
          : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: antiAffinityTerm }] },
    },
    tolerations: s.scheduling.tolerations,
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: podLabels },
      },
    ],
    terminationGracePeriodSeconds: 30,
    initContainers: [
      {
        name: "config",
        image: s.image,
        command: ["sh", "/templates/start.sh"],
        env: [
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "HEADLESS_SERVICE", value: headlessServiceName(s) },
          { name: "MASTER_NAME", value: s.masterName },
          { name: "REPLICAS", value: String(s.replicas) },
          passwordEnv(s, "REDIS_PASSWORD"),
        ],
        volumeMounts: [...mounts, { name: "templates", mountPath: "/templates", readOnly: true }],
        resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        ...restrictedContainer,
      },
    ],
    containers: [
      server("redis", "redis-server", REDIS_PORT, "role", resources),
      server("sentinel", "redis-sentinel", SENTINEL_PORT, "ping", {
        requests: { cpu: "50m", memory: "64Mi" },
        limits: { cpu: "200m", memory: "128Mi" },
      }),
      ...(s.exporter ? [exporterContainer(s)] : []),
    ],
    volumes: [
      { name: "templates", configMap: { name: configMapName, defaultMode: 0o444 } },
      { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    ],
  };
}

/** The exporter sidecar: Redis and the sentinel over loopback, the password from the Secret. */
function exporterContainer(s: RedisSetSettings): Container {
  return {
    name: "metrics",
    image: REDIS_EXPORTER_IMAGE,
    env: [
      { name: "REDIS_ADDR", value: `redis://localhost:${REDIS_PORT}` },
      // The exporter also authenticates to the /scrape targets (the sentinel) with it.
      passwordEnv(s, "REDIS_PASSWORD"),
    ],
    ports: [{ name: "metrics", containerPort: EXPORTER_PORT }],
    livenessProbe: { httpGet: { path: "/health", port: EXPORTER_PORT }, periodSeconds: 10, timeoutSeconds: 3 },
    resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    ...restrictedContainer,
  };
}

/**
 * PodMonitor for the exporter: each pod's Redis server, and its sentinel through the exporter's
 * multi-target endpoint.
 * @see https://github.com/oliver006/redis_exporter#prometheus-configuration-to-scrape-multiple-redis-hosts
 */
export function podMonitorSpec(s: RedisSetSettings): Record<string, unknown> {
  return {
    selector: { matchLabels: labels(s) },
    podMetricsEndpoints: [
      { port: "metrics", path: "/metrics", interval: "30s" },
      {
        port: "metrics",
        path: "/scrape",
        params: { target: [`redis://localhost:${SENTINEL_PORT}`] },
        interval: "30s",
      },
    ],
  };
}

/** Ingress from the set itself (replication, sentinels) and from client namespaces; egress to the set. */
export function networkPolicySpec(
  s: RedisSetSettings,
  clientNamespaces: readonly string[],
): k8s.types.input.networking.v1.NetworkPolicySpec {
  const ports = [
    { protocol: "TCP", port: REDIS_PORT },
    { protocol: "TCP", port: SENTINEL_PORT },
  ];
  const peers = { podSelector: { matchLabels: labels(s) } };
  return {
    podSelector: { matchLabels: labels(s) },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: [
          peers,
          ...clientNamespaces.map((ns) => ({
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
          })),
        ],
        ports,
      },
      ...(s.exporter
        ? [
            {
              from: [
                {
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                  podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
                },
              ],
              ports: [{ protocol: "TCP", port: EXPORTER_PORT }],
            },
          ]
        : []),
    ],
    egress: [{ to: [peers], ports }],
  };
}
