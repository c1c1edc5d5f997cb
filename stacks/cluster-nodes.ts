/**
 * `cluster.nodes` as the cluster component sees them. Pure: used by the config rules and the stack.
 */
import { NODE_CLASS_ARCH, type K3sClusterShape, type K3sNodeSpec } from "../components/cluster/k3s-config";
import type { ClusterNode, Settings } from "./config/schema";

export type K3sSettings = Extract<Settings["cluster"], { mode: "k3s" }>;

/** A node as the cluster component sees it (a `lambda` machine has no address until it is launched). */
export function nodeSpec(n: ClusterNode): K3sNodeSpec {
  const m = n.machine;
  return {
    name: n.name,
    address: m.source === "existing" ? m.address : "",
    ...(m.source === "existing" && m.privateAddress ? { privateAddress: m.privateAddress } : {}),
    sshUser: m.source === "existing" ? m.sshUser : "ubuntu",
    class: n.class,
    role: n.role,
    arch: n.arch ?? NODE_CLASS_ARCH[n.class],
  };
}

export function clusterShape(c: K3sSettings): K3sClusterShape {
  return { nodes: c.nodes.map(nodeSpec), privateNetwork: c.privateNetwork, tlsSans: c.tlsSans };
}

/** Nodes the cluster layer cannot bootstrap yet (Lambda Cloud machines come with their own issue). */
export function pendingMachines(s: Settings): string[] {
  return s.cluster.mode === "k3s"
    ? s.cluster.nodes.filter((n) => n.machine.source === "lambda").map((n) => n.name)
    : [];
}
