/**
 * The cluster layer from config: the K3sCluster on the configured machines, `existing` ones by
 * address and `lambda` ones as the Lambda Cloud layer launches them.
 */
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

import { K3sCluster, type K3sClusterNode } from "../components/cluster";
import type { LambdaNodeAddress } from "../components/lambda";
import { nodeSpec, type K3sSettings } from "./cluster-nodes";
import type { StackConfig } from "./config/load";
import { PROJECT_ROOT } from "./local-files";

/**
 * Each configured node with how to reach it: an `existing` machine by its configured address (and
 * host key), a `lambda` one by the launched instance's addresses, with the instance ID as the
 * machine's identity (a replaced instance is bootstrapped again under the same node name).
 */
export function clusterNodes(
  c: K3sSettings,
  privateKey: pulumi.Input<string>,
  launched: Readonly<Record<string, LambdaNodeAddress>>,
): K3sClusterNode[] {
  return c.nodes.map((n): K3sClusterNode => {
    const spec = nodeSpec(n, c.privateNetwork);
    if (n.machine.source === "existing") {
      return { ...spec, privateKey, ...(n.machine.hostKey ? { hostKey: n.machine.hostKey } : {}) };
    }
    const machine = launched[n.name];
    if (!machine) throw new Error(`cluster.nodes: "${n.name}" is a lambda node, but no instance was launched for it`);
    return {
      ...spec,
      address: machine.address,
      privateAddress: c.privateNetwork ? machine.privateAddress.apply((a) => a ?? undefined) : undefined,
      machineId: machine.instanceId,
      privateKey,
    };
  });
}

/** The cluster, or undefined (`cluster.mode: skip`). `launched`: the Lambda Cloud layer's nodes. */
export function createCluster(
  config: StackConfig,
  launched: Readonly<Record<string, LambdaNodeAddress>> = {},
  opts?: pulumi.ComponentResourceOptions,
): K3sCluster | undefined {
  const c = config.settings.cluster;
  if (c.mode !== "k3s") return undefined;
  return new K3sCluster(
    "cluster",
    {
      nodes: clusterNodes(c, config.requireSecret("sshPrivateKey"), launched),
      k3sVersion: c.k3sVersion,
      clusterName: c.name,
      privateNetwork: c.privateNetwork,
      tlsSans: c.tlsSans,
      installSource:
        c.install.mode === "airgap"
          ? { mode: "airgap", directory: path.resolve(PROJECT_ROOT, c.install.directory) }
          : { mode: "download" },
    },
    opts,
  );
}
