/**
 * The cluster nodes rented from Lambda Cloud (`machine.source: lambda`): the stack's SSH key and one
 * instance per node. Their addresses and architectures are what the k3s layer bootstraps.
 */
import * as pulumi from "@pulumi/pulumi";

import { LambdaNodes, type LambdaNodeArgs } from "../components/lambda";
import type { StackConfig } from "./config/load";
import { secretKey } from "./config/secrets";

/** The launch plan for the configured nodes (only `lambda` ones). Pure. */
export function lambdaNodePlan(cluster: StackConfig["settings"]["cluster"]): LambdaNodeArgs[] {
  if (cluster.mode !== "k3s") return [];
  return cluster.nodes.flatMap((n) =>
    n.machine.source === "lambda"
      ? [
          {
            name: n.name,
            nodeClass: n.class,
            region: n.machine.region,
            ...(n.machine.instanceType ? { instanceType: n.machine.instanceType } : {}),
            ...(n.machine.image ? { image: n.machine.image } : {}),
            tags: [
              { key: "sophia-node-class", value: n.class },
              { key: "sophia-k3s-role", value: n.role },
            ],
          },
        ]
      : [],
  );
}

export function lambdaMachines(config: StackConfig): LambdaNodes | undefined {
  const nodes = lambdaNodePlan(config.settings.cluster);
  if (nodes.length === 0) return undefined;
  const l = config.settings.lambda;
  return new LambdaNodes("lambda", {
    api: pulumi.secret(
      config.requireSecret("lambdaApiKey").apply((apiKey) => ({
        apiKey,
        baseUrl: l.apiUrl,
        apiKeySource: secretKey("lambdaApiKey"),
      })),
    ),
    sshPrivateKey: config.requireSecret("sshPrivateKey"),
    ...(l.sshKeyName ? { sshKeyName: l.sshKeyName } : {}),
    activeTimeoutSeconds: l.activeTimeoutSeconds,
    nodes,
  });
}
