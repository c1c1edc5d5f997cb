/**
 * `cluster.nodes` as the cluster component sees them. Pure: used by the config rules and the stack.
 */
import {
  NODE_CLASS_ARCH,
  PENDING_ADDRESS,
  type K3sClusterShape,
  type K3sNodeSpec,
} from "../components/cluster/k3s-config";
import type { ClusterNode, Settings } from "./config/schema";

export type K3sSettings = Extract<Settings["cluster"], { mode: "k3s" }>;

/**
 * A node as the cluster component's rules see it. A `lambda` machine's addresses are placeholders
 * until it is launched (its private address exists when the servers share a private network).
 */
export function nodeSpec(n: ClusterNode, privateNetwork: boolean): K3sNodeSpec {
  const m = n.machine;
  const common = { name: n.name, class: n.class, role: n.role, arch: n.arch ?? NODE_CLASS_ARCH[n.class] };
  if (m.source === "existing") {
    return {
      ...common,
      address: m.address,
      ...(m.privateAddress ? { privateAddress: m.privateAddress } : {}),
      sshUser: m.sshUser,
    };
  }
  return {
    ...common,
    address: PENDING_ADDRESS,
    ...(privateNetwork ? { privateAddress: PENDING_ADDRESS } : {}),
    sshUser: m.sshUser,
  };
}

export function clusterShape(c: K3sSettings): K3sClusterShape {
  return {
    nodes: c.nodes.map((n) => nodeSpec(n, c.privateNetwork)),
    privateNetwork: c.privateNetwork,
    tlsSans: c.tlsSans,
  };
}
