/**
 * The shape every application workload shares: a restricted pod (non-root, read-only root
 * filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp), placement from the
 * workload table, spread across nodes, requests and limits, and the objects around it (Service,
 * HPA, PDB, ServiceAccount). Pure: the MCP servers, the backend and the inference services are
 * built from it.
 */
import type * as k8s from "@pulumi/kubernetes";

import type { Scheduling } from "../placement";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type Probe = k8s.types.input.core.v1.Probe;

export interface WorkloadSpec {
  readonly name: string;
  /** Labels of the pods and the selector (must include `app.kubernetes.io/name`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly image: string;
  readonly port: number;
  readonly env: readonly EnvVar[];
  readonly resources: {
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  };
  readonly scheduling: Scheduling;
  readonly probes: { readonly liveness: Probe; readonly readiness: Probe };
  /** Mount the ServiceAccount token (only for workloads that call the Kubernetes API). */
  readonly kubernetesApi: boolean;
  /** Extra pod fields (e.g. `runtimeClassName` for GPU workloads). */
  readonly podExtras?: Partial<PodSpec>;
  /**
   * Path of the Prometheus metrics the container serves on its `http` port; given, a ServiceMonitor
   * scrapes it (where monitoring is deployed), with `job` set to `app.kubernetes.io/name`.
   * @default none (not scraped)
   */
  readonly metricsPath?: string;
}

/** Prometheus's pods (the kube-prometheus-stack release in `monitoring`), as a NetworkPolicy peer. */
export const PROMETHEUS_PEER = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
  podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
};

/**
 * The ServiceMonitor of a workload that serves metrics: its Service's `http` port every 30 s. The
 * `job` label is the Service's `app.kubernetes.io/name` (the workload's name), which the alert rules
 * select on (e.g. `job="sophia-backend"`).
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitorSpec
 */
export function serviceMonitorSpec(w: WorkloadSpec): Record<string, unknown> | undefined {
  if (w.metricsPath === undefined) return undefined;
  return {
    jobLabel: "app.kubernetes.io/name",
    selector: { matchLabels: { ...w.labels } },
    endpoints: [{ port: "http", path: w.metricsPath, interval: "30s", scrapeTimeout: "10s" }],
  };
}

/** A workload's NetworkPolicy with Prometheus admitted to its `http` port (when it is scraped). */
export function withMetricsIngress(
  w: WorkloadSpec,
  policy: k8s.types.input.networking.v1.NetworkPolicySpec,
): k8s.types.input.networking.v1.NetworkPolicySpec {
  if (w.metricsPath === undefined) return policy;
  const ingress = (policy.ingress ?? []) as k8s.types.input.networking.v1.NetworkPolicyIngressRule[];
  return { ...policy, ingress: [...ingress, { from: [PROMETHEUS_PEER], ports: [{ protocol: "TCP", port: w.port }] }] };
}

export const RESTRICTED_CONTAINER_SECURITY: k8s.types.input.core.v1.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

export function podSpec(w: WorkloadSpec): PodSpec {
  return {
    serviceAccountName: w.name,
    automountServiceAccountToken: w.kubernetesApi,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    },
    affinity: w.scheduling.affinity,
    tolerations: w.scheduling.tolerations,
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { ...w.labels } },
      },
    ],
    containers: [
      {
        name: "app",
        image: w.image,
        ports: [{ name: "http", containerPort: w.port }],
        env: [...w.env],
        resources: { requests: { ...w.resources.requests }, limits: { ...w.resources.limits } },
        livenessProbe: w.probes.liveness,
        readinessProbe: w.probes.readiness,
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        securityContext: RESTRICTED_CONTAINER_SECURITY,
      },
    ],
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
    ...w.podExtras,
  };
}

export function deploymentSpec(w: WorkloadSpec, initialReplicas: number): k8s.types.input.apps.v1.DeploymentSpec {
  return {
    // The HPA owns the replica count after creation (see `ignoreChanges` in the components).
    replicas: initialReplicas,
    selector: { matchLabels: { ...w.labels } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: { metadata: { labels: { ...w.labels } }, spec: podSpec(w) },
  };
}

export function serviceSpec(w: WorkloadSpec): k8s.types.input.core.v1.ServiceSpec {
  return { selector: { ...w.labels }, ports: [{ name: "http", port: w.port, targetPort: "http" }] };
}

export interface Autoscaling {
  readonly min: number;
  readonly max: number;
  /** Target average CPU utilisation, %. */
  readonly cpu: number;
  /** Target average memory utilisation, %, if any. */
  readonly memory?: number;
}

export function hpaSpec(w: WorkloadSpec, a: Autoscaling): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  const metric = (name: "cpu" | "memory", averageUtilization: number) => ({
    type: "Resource",
    resource: { name, target: { type: "Utilization", averageUtilization } },
  });
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: w.name },
    minReplicas: a.min,
    maxReplicas: a.max,
    metrics: [metric("cpu", a.cpu), ...(a.memory !== undefined ? [metric("memory", a.memory)] : [])],
  };
}

/** One replica may be down at a time (voluntary disruptions: drains, upgrades). */
export function pdbSpec(w: WorkloadSpec): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  return { maxUnavailable: 1, selector: { matchLabels: { ...w.labels } } };
}

export function tcpProbe(port: number, initialDelaySeconds: number): Probe {
  return { tcpSocket: { port }, initialDelaySeconds, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
}

export function httpProbe(path: string, port: number, initialDelaySeconds: number): Probe {
  return { httpGet: { path, port }, initialDelaySeconds, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
}

/** Env vars read from keys of one Secret. */
export function secretEnv(secretName: string, keys: readonly string[]): EnvVar[] {
  return keys.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } }));
}
