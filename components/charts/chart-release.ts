/**
 * Third-party Helm charts: every chart the platform installs, pinned in one table, and where a
 * Release loads it from (the chart's repository, or a local mirror for air-gapped installs).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";

export interface ChartPin {
  /** Chart name in its repository. */
  readonly chart: string;
  /** Exact chart version. */
  readonly version: string;
  /** Repository URL (`https://…`) or OCI registry prefix (`oci://…`). */
  readonly repo: string;
}

/** Every chart, pinned. Bumping one is a reviewed change of this table. */
export const CHARTS = {
  gpuOperator: { chart: "gpu-operator", version: "v25.10.1", repo: "https://helm.ngc.nvidia.com/nvidia" },
  certManager: { chart: "cert-manager", version: "v1.21.2", repo: "https://charts.jetstack.io" },
  envoyGateway: { chart: "gateway-helm", version: "v1.9.1", repo: "oci://docker.io/envoyproxy" },
  barmanCloud: { chart: "plugin-barman-cloud", version: "0.8.1", repo: "https://cloudnative-pg.github.io/charts" },
  kubePrometheusStack: {
    chart: "kube-prometheus-stack",
    version: "79.5.0",
    repo: "https://prometheus-community.github.io/helm-charts",
  },
  loki: { chart: "loki", version: "6.46.0", repo: "https://grafana.github.io/helm-charts" },
  alloy: { chart: "alloy", version: "1.4.0", repo: "https://grafana.github.io/helm-charts" },
} as const satisfies Record<string, ChartPin>;

/**
 * Where charts come from: their repositories, or `<directory>/<chart>-<version>/` (a mirror);
 * `none` installs no chart (rendering manifests: a Helm release needs a cluster to install into).
 */
export type ChartSource =
  | { readonly source: "remote" }
  | { readonly source: "mirror"; readonly directory: string }
  | { readonly source: "none" };

/** The chart-location arguments of a `helm.v3.Release` for `pin`. */
export function chartLocation(
  pin: ChartPin,
  source: Exclude<ChartSource, { source: "none" }>,
): Pick<k8s.helm.v3.ReleaseArgs, "chart" | "version" | "repositoryOpts"> {
  if (source.source === "mirror") {
    return { chart: join(source.directory, mirrorEntry(pin)), version: pin.version };
  }
  if (pin.repo.startsWith("oci://")) return { chart: `${pin.repo}/${pin.chart}`, version: pin.version };
  return { chart: pin.chart, version: pin.version, repositoryOpts: { repo: pin.repo } };
}

/** The directory name of a chart in a mirror. */
export function mirrorEntry(pin: ChartPin): string {
  return `${pin.chart}-${pin.version}`;
}

/** Release options shared by every chart: roll back a failed upgrade, wait up to 15 minutes. */
export const RELEASE_DEFAULTS = {
  atomic: true,
  cleanupOnFail: true,
  timeout: 900,
  createNamespace: false,
  // Helm's own history stays small; Pulumi state is the record.
  maxHistory: 5,
} as const satisfies Partial<k8s.helm.v3.ReleaseArgs>;

/**
 * A Helm release of a pinned chart with the shared defaults, or undefined when `source` is `none`.
 * `release` holds the release's own arguments (name, namespace, values).
 */
export function helmRelease(
  name: string,
  pin: ChartPin,
  source: ChartSource,
  release: Pick<k8s.helm.v3.ReleaseArgs, "name" | "namespace" | "values">,
  opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release | undefined {
  if (source.source === "none") return undefined;
  return new k8s.helm.v3.Release(name, { ...chartLocation(pin, source), ...RELEASE_DEFAULTS, ...release }, opts);
}
