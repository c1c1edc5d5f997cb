import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { schedulingFor, type PlacementTable, type WorkloadClass } from "../placement";
import { httpProbe, type WorkloadSpec } from "./workload";
import { registerWorkload, type ScrapeTarget } from "./workload-resources";

/** The plan's GPU functions and the workload class (hence node class) each runs on. */
export const INFERENCE_FUNCTIONS: Readonly<Record<string, WorkloadClass>> = {
  embed: "inference",
  analyze: "inference",
  generate: "inference",
  summarize: "batch",
  classify: "realtime",
};
export const INFERENCE_PORT = 8000;

export function inferenceWorkload(
  fn: string,
  s: { image: string; tag: string; placement: PlacementTable; metricsPath?: string | undefined },
): WorkloadSpec {
  const workloadClass = INFERENCE_FUNCTIONS[fn];
  if (!workloadClass) throw new Error(`unknown inference function ${fn}`);
  return {
    name: `inference-${fn}`,
    labels: {
      "app.kubernetes.io/name": `inference-${fn}`,
      "app.kubernetes.io/component": "inference",
      "app.kubernetes.io/part-of": "sophia",
    },
    image: `${s.image}:${s.tag}`,
    port: INFERENCE_PORT,
    env: [
      { name: "FUNCTION", value: fn },
      { name: "PORT", value: String(INFERENCE_PORT) },
    ],
    resources: {
      requests: { cpu: "2", memory: "16Gi", "nvidia.com/gpu": "1" },
      limits: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "1" },
    },
    scheduling: schedulingFor(workloadClass, s.placement),
    probes: { liveness: httpProbe("/health", INFERENCE_PORT, 60), readiness: httpProbe("/health", INFERENCE_PORT, 30) },
    kubernetesApi: false,
    // Containers see the GPU through the NVIDIA runtime the GPU operator installs.
    podExtras: { runtimeClassName: "nvidia" },
    ...(s.metricsPath !== undefined ? { metricsPath: s.metricsPath } : {}),
  };
}

/**
 * The NetworkPolicy of one inference service: only the backend's pods may call it, on its port; no
 * egress (the model weights are in the image).
 */
export function inferenceNetworkPolicy(w: WorkloadSpec): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: w.labels },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "sophia-backend" } } }],
        ports: [{ protocol: "TCP", port: INFERENCE_PORT }],
      },
    ],
    egress: [],
  };
}

export interface InferenceArgs {
  /**
   * Namespace of the services (the backend's, Pod Security `restricted`).
   * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
   */
  readonly namespace: pulumi.Input<string>;
  /** Image repository (one image serves every function, chosen by `FUNCTION`). */
  readonly image: string;
  /** Pinned image tag. */
  readonly tag: string;
  /**
   * HPA maximum per function (the minimum is 1; the target 70% CPU).
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  readonly maxReplicas: number;
  /** Workload class to node class: where each function's GPU class is. */
  readonly placement: PlacementTable;
  /** Where the services serve Prometheus metrics on their HTTP port. @default none (not scraped) */
  readonly metricsPath?: string;
  /** Monitoring is deployed: services with `metricsPath` are scraped. @default none */
  readonly scrape?: ScrapeTarget;
}

/** The GPU functions as Deployments requesting `nvidia.com/gpu`, placed by the workload table, autoscaled. */
export class Inference extends pulumi.ComponentResource {
  constructor(name: string, args: InferenceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:apps:Inference", name, {}, opts);
    for (const fn of Object.keys(INFERENCE_FUNCTIONS)) {
      const w = inferenceWorkload(fn, args);
      registerWorkload(this, {
        id: `${name}-${fn}`,
        workload: w,
        namespace: args.namespace,
        autoscaling: { min: 1, max: args.maxReplicas, cpu: 70 },
        networkPolicy: inferenceNetworkPolicy(w),
        ...(args.scrape ? { scrape: args.scrape } : {}),
      });
    }
    this.registerOutputs({});
  }
}
