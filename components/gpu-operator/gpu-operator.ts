import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { CHARTS, helmRelease, type ChartSource } from "../charts";
import {
  gpuOperatorValues,
  TIME_SLICING_CONFIG_MAP,
  timeSlicingConfig,
  type GpuOperatorOptions,
} from "./gpu-operator-values";

export interface GpuOperatorArgs extends GpuOperatorOptions {
  /** The `gpu-operator` namespace (Pod Security `privileged`: the operands use host devices). */
  readonly namespace: pulumi.Input<string>;
  /**
   * Where the Helm charts come from (their repositories, a local mirror, or none when rendering).
   * @see https://helm.sh/docs/topics/charts/
   */
  readonly chartSource: ChartSource;
  /** Chart version. @default CHARTS.gpuOperator.version */
  readonly chartVersion?: string;
  /** Resources (e.g. the Prometheus operator) the release waits for. @default [] */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The NVIDIA GPU operator (Helm), configured for k3s and Lambda machine images, with DCGM metrics
 * and per-node-class GPU time-slicing.
 */
export class GpuOperator extends pulumi.ComponentResource {
  constructor(name: string, args: GpuOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:gpu-operator:GpuOperator", name, {}, opts);
    const dependsOn = [...(args.dependsOn ?? [])];
    const slicing = timeSlicingConfig(args.timeSlicing);
    if (Object.keys(slicing).length > 0) {
      dependsOn.push(
        new k8s.core.v1.ConfigMap(
          `${name}-time-slicing`,
          { metadata: { name: TIME_SLICING_CONFIG_MAP, namespace: args.namespace }, data: slicing },
          { parent: this },
        ),
      );
    }
    const pin = { ...CHARTS.gpuOperator, version: args.chartVersion ?? CHARTS.gpuOperator.version };
    helmRelease(
      `${name}`,
      pin,
      args.chartSource,
      { name: "gpu-operator", namespace: args.namespace, values: gpuOperatorValues(args) },
      { parent: this, dependsOn },
    );
    this.registerOutputs({});
  }
}
