import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import {
  deploymentSpec,
  hpaSpec,
  pdbSpec,
  serviceMonitorSpec,
  serviceSpec,
  withMetricsIngress,
  type Autoscaling,
  type WorkloadSpec,
} from "./workload";

/** Scraping by the Prometheus operator, for the workloads that serve metrics. */
export interface ScrapeTarget {
  /** What the ServiceMonitor waits for: the release installing the Prometheus operator's CRDs. */
  readonly dependsOn: pulumi.Resource[];
}

export interface WorkloadResourcesArgs {
  /** Prefix of the child resource names: `<id>`, `<id>-sa`, `<id>-service`, `<id>-hpa`, … */
  readonly id: string;
  /** The workload: image, ports, probes, resources, placement (built by a pure function). */
  readonly workload: WorkloadSpec;
  /** Namespace of every object. */
  readonly namespace: pulumi.Input<string>;
  /** The HPA's bounds; the Deployment starts at the minimum and the HPA owns the count afterwards. */
  readonly autoscaling: Autoscaling;
  /**
   * The workload's NetworkPolicy (built by a pure function; Prometheus is admitted on top when scraped).
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
   */
  readonly networkPolicy: k8s.types.input.networking.v1.NetworkPolicySpec;
  /** Resources the Deployment waits for besides its ServiceAccount (e.g. the Secret it reads). @default [] */
  readonly dependsOn?: pulumi.Resource[];
  /**
   * Monitoring is deployed: a workload with `metricsPath` gets a ServiceMonitor and admits Prometheus
   * to its port. @default none (nothing scraped; the CRD may not exist)
   */
  readonly scrape?: ScrapeTarget;
}

/**
 * Registers the objects every application workload has, under `parent`: ServiceAccount (token only
 * for workloads that call the Kubernetes API), Deployment, Service, HPA, PodDisruptionBudget (one
 * replica down at a time: it limits drains once the HPA scales out and never blocks one at a single
 * replica), NetworkPolicy, and a ServiceMonitor when it serves metrics and monitoring is deployed.
 */
export function registerWorkload(parent: pulumi.Resource, a: WorkloadResourcesArgs): void {
  const w = a.workload;
  const metadata = { name: w.name, namespace: a.namespace, labels: w.labels };
  const sa = new k8s.core.v1.ServiceAccount(
    `${a.id}-sa`,
    { metadata, automountServiceAccountToken: w.kubernetesApi },
    { parent },
  );
  new k8s.apps.v1.Deployment(
    a.id,
    { metadata, spec: deploymentSpec(w, a.autoscaling.min) },
    // The HPA owns the replica count.
    { parent, dependsOn: [sa, ...(a.dependsOn ?? [])], ignoreChanges: ["spec.replicas"] },
  );
  new k8s.core.v1.Service(`${a.id}-service`, { metadata, spec: serviceSpec(w) }, { parent });
  new k8s.autoscaling.v2.HorizontalPodAutoscaler(
    `${a.id}-hpa`,
    { metadata, spec: hpaSpec(w, a.autoscaling) },
    { parent },
  );
  new k8s.policy.v1.PodDisruptionBudget(`${a.id}-pdb`, { metadata, spec: pdbSpec(w) }, { parent });
  const monitor = a.scrape ? serviceMonitorSpec(w) : undefined;
  new k8s.networking.v1.NetworkPolicy(
    `${a.id}-network`,
    { metadata, spec: monitor ? withMetricsIngress(w, a.networkPolicy) : a.networkPolicy },
    { parent },
  );
  if (monitor && a.scrape) {
    new k8s.apiextensions.CustomResource(
      `${a.id}-monitor`,
      { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata, spec: monitor },
      { parent, dependsOn: a.scrape.dependsOn },
    );
  }
}
