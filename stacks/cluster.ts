/**
 * The cluster layer from config: the K3sCluster on the `existing` machines.
 */
import * as path from "node:path";

import type * as pulumi from "@pulumi/pulumi";

import { K3sCluster } from "../components/cluster";
import { nodeSpec, pendingMachines } from "./cluster-nodes";
import type { StackConfig } from "./config/load";
import { PROJECT_ROOT } from "./local-files";

/** The cluster on `existing` machines, or undefined (`skip`, or machines still to be launched). */
export function createCluster(config: StackConfig, opts?: pulumi.ComponentResourceOptions): K3sCluster | undefined {
  const c = config.settings.cluster;
  if (c.mode !== "k3s" || pendingMachines(config.settings).length > 0) return undefined;
  const privateKey = config.requireSecret("sshPrivateKey");
  return new K3sCluster(
    "cluster",
    {
      nodes: c.nodes.map((n) => ({
        ...nodeSpec(n),
        privateKey,
        ...(n.machine.source === "existing" && n.machine.hostKey ? { hostKey: n.machine.hostKey } : {}),
      })),
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
