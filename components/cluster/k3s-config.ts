/**
 * A k3s node's whole `/etc/rancher/k3s/config.yaml`, its hash, and the cross-field rules of a node
 * list. Pure: the cluster component renders one file per node from these, and the unit tests pin
 * them byte for byte.
 * @see https://docs.k3s.io/installation/configuration#configuration-file
 * @see https://docs.k3s.io/cli/server
 * @see https://docs.k3s.io/cli/agent
 */
import { createHash } from "node:crypto";

import { stringify } from "yaml";

import { nodeLabelsAndTaints } from "../placement";

/** GPU node class (the placement table's vocabulary). */
export type K3sNodeClass = Parameters<typeof nodeLabelsAndTaints>[0];
export type K3sRole = "server" | "agent";
export type K3sArch = "amd64" | "arm64";

/** CPU architecture of each GPU class's machines: GH200 is Grace (arm64), the others x86-64. */
export const NODE_CLASS_ARCH: Readonly<Record<K3sNodeClass, K3sArch>> = {
  gh200: "arm64",
  a100: "amd64",
  a6000: "amd64",
  rtx6000: "amd64",
};

/** Where things live on a node. The token files hold secrets; config.yaml only names them. */
export const K3S_PATHS = {
  config: "/etc/rancher/k3s/config.yaml",
  token: "/etc/rancher/k3s/cluster-token",
  agentToken: "/etc/rancher/k3s/agent-token",
  kubeconfig: "/etc/rancher/k3s/k3s.yaml",
  /** Our scripts, the air-gapped binary and its checksum file. */
  stage: "/var/lib/rancher/sophia",
} as const;

/** Label selecting a node's time-slicing entry in the GPU operator's device-plugin ConfigMap. */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";

/** Built-ins replaced by the platform (Envoy Gateway, no cloud load balancer, no node-local volumes). */
export const DISABLED_COMPONENTS = ["traefik", "servicelb", "local-storage"] as const;

/**
 * Reserved for the OS and k3s on every node, so pods cannot starve sshd or the kubelet, and evict
 * before the kernel's OOM killer picks a victim.
 * @see https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/
 */
export const DEFAULT_KUBELET_ARGS: readonly string[] = [
  "system-reserved=cpu=500m,memory=1Gi",
  "eviction-hard=memory.available<500Mi,nodefs.available<10%",
];

/** Stands in for an address not known before the machine runs (validated, never rendered). */
export const PENDING_ADDRESS = "(pending: known once the machine runs)";

/** One machine of the cluster, as the cluster layer sees it (no credentials). */
export interface K3sNodeSpec {
  /** Kubernetes node name; also the stable key of every per-node resource. */
  readonly name: string;
  /** Public address (IP or DNS name): SSH, and k3s when nodes talk over public networks. */
  readonly address: string;
  /** Address on a private network the servers share (required for each server when HA). */
  readonly privateAddress?: string;
  readonly sshUser: string;
  readonly class: K3sNodeClass;
  readonly role: K3sRole;
  readonly arch: K3sArch;
}

export interface K3sClusterShape {
  readonly nodes: readonly K3sNodeSpec[];
  /** Servers share a private network: embedded-etcd HA and private join addresses. */
  readonly privateNetwork: boolean;
  /** Extra names and addresses for the API server certificate (the servers' own are always in). */
  readonly tlsSans?: readonly string[];
  /** @default DEFAULT_KUBELET_ARGS */
  readonly kubeletArgs?: readonly string[];
}

export interface ClusterNodeProblem {
  /** Config key relative to the node list, e.g. `nodes.2.role`. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** Every cross-field problem of a node list at once (empty when valid). */
export function validateClusterNodes(shape: K3sClusterShape): ClusterNodeProblem[] {
  const problems: ClusterNodeProblem[] = [];
  const { nodes } = shape;
  const firstIndex = new Map<string, number>();
  nodes.forEach((n, i) => {
    const first = firstIndex.get(n.name);
    if (first !== undefined) {
      problems.push({
        path: `nodes.${i}.name`,
        message: `"${n.name}" is also node ${first}'s name`,
        fix: "give every node a unique name",
      });
    } else firstIndex.set(n.name, i);
    if (n.arch !== NODE_CLASS_ARCH[n.class]) {
      problems.push({
        path: `nodes.${i}.arch`,
        message: `is ${n.arch} but ${n.class} machines are ${NODE_CLASS_ARCH[n.class]}`,
        fix: `use arch ${NODE_CLASS_ARCH[n.class]} (the k3s binary is per architecture)`,
      });
    }
  });
  if (nodes.length > 0 && nodes[0]!.role !== "server") {
    problems.push({
      path: "nodes.0.role",
      message: nodes.some((n) => n.role === "server")
        ? "is agent: the first node must be the server that initialises the cluster"
        : "is agent and no node is a server: agents need a server to join",
      fix: "list a server node first",
    });
  }
  const servers = nodes.filter((n) => n.role === "server");
  if (servers.length > 1) {
    if (!shape.privateNetwork) {
      problems.push({
        path: "privateNetwork",
        message: `is false but there are ${servers.length} servers; an embedded-etcd HA control plane is only supported between servers on a shared private network`,
        fix: "set privateNetwork: true and give each server its privateAddress, or keep a single server",
      });
    } else {
      for (const srv of servers) {
        if (!srv.privateAddress) {
          problems.push({
            path: `nodes.${nodes.indexOf(srv)}.privateAddress`,
            message: `is missing for server "${srv.name}" (privateNetwork is true)`,
            fix: "give every server its address on the private network",
          });
        }
      }
    }
  }
  return problems;
}

/** Throws one error listing every problem (for callers without a config-path context). */
export function assertValidClusterNodes(shape: K3sClusterShape): void {
  const problems = validateClusterNodes(shape);
  if (problems.length > 0) {
    throw new Error(
      `invalid cluster nodes:\n${problems.map((p) => `  ${p.path}: ${p.message} (fix: ${p.fix})`).join("\n")}`,
    );
  }
}

/** The server every other node joins: the first node (a server, by validation). */
export function initialServer(shape: K3sClusterShape): K3sNodeSpec {
  const first = shape.nodes[0];
  if (!first || first.role !== "server") throw new Error("the first cluster node must be a server");
  return first;
}

/** Nodes reach each other over the private network (only when every node has a private address). */
function usesPrivateNetwork(shape: K3sClusterShape, node: K3sNodeSpec): boolean {
  return shape.privateNetwork && node.privateAddress !== undefined && initialServer(shape).privateAddress !== undefined;
}

/** The URL joiners register with. */
export function joinUrl(shape: K3sClusterShape, node: K3sNodeSpec): string {
  const first = initialServer(shape);
  const host = usesPrivateNetwork(shape, node) ? first.privateAddress! : first.address;
  return `https://${hostPort(host)}:6443`;
}

function hostPort(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** The node's labels (placement table plus the device-plugin config selector), sorted by key. */
export function nodeLabels(node: K3sNodeSpec): Record<string, string> {
  const labels: Record<string, string> = {
    ...nodeLabelsAndTaints(node.class).labels,
    [DEVICE_PLUGIN_CONFIG_LABEL]: node.class,
  };
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

/** The node's taints as `key=value:Effect`. */
export function nodeTaints(node: K3sNodeSpec): string[] {
  return nodeLabelsAndTaints(node.class).taints.map((t) => `${t.key}=${t.value}:${t.effect}`);
}

/**
 * The node's whole config.yaml as an object (keys in a fixed order). Tokens are referenced by file
 * (`token-file`, `agent-token-file`): the rendered config holds no secret, so its hash and text can
 * be shown in a diff.
 */
export function k3sConfig(shape: K3sClusterShape, node: K3sNodeSpec): Record<string, unknown> {
  const first = initialServer(shape);
  const isFirst = node.name === first.name;
  const servers = shape.nodes.filter((n) => n.role === "server");
  const ha = servers.length > 1;
  const overPrivate = usesPrivateNetwork(shape, node);
  const everyNodePrivate = shape.nodes.every((n) => usesPrivateNetwork(shape, n));
  const c: Record<string, unknown> = {};
  c["node-name"] = node.name;
  if (!isFirst) c["server"] = joinUrl(shape, node);
  if (node.role === "server") {
    if (isFirst && ha) c["cluster-init"] = true;
    c["token-file"] = K3S_PATHS.token;
    c["agent-token-file"] = K3S_PATHS.agentToken;
  } else {
    // An agent joins with the agent token only: a leaked agent token cannot join a server.
    c["token-file"] = K3S_PATHS.agentToken;
  }
  c["node-ip"] = overPrivate ? node.privateAddress : node.address;
  // Nodes that meet over the public internet announce their public address to each other.
  if (!everyNodePrivate) c["node-external-ip"] = node.address;
  if (node.role === "server") {
    const sans = new Set<string>();
    for (const srv of servers) {
      sans.add(srv.address);
      if (srv.privateAddress) sans.add(srv.privateAddress);
    }
    for (const san of shape.tlsSans ?? []) sans.add(san);
    c["tls-san"] = [...sans];
    c["disable"] = [...DISABLED_COMPONENTS];
    // WireGuard encrypts pod traffic between machines that only share the public internet.
    c["flannel-backend"] = "wireguard-native";
    if (!everyNodePrivate) c["flannel-external-ip"] = true;
    c["write-kubeconfig-mode"] = "0600";
    c["secrets-encryption"] = true;
  }
  c["node-label"] = Object.entries(nodeLabels(node)).map(([k, v]) => `${k}=${v}`);
  c["node-taint"] = nodeTaints(node);
  c["kubelet-arg"] = [...(shape.kubeletArgs ?? DEFAULT_KUBELET_ARGS)];
  return c;
}

/** The node's whole config.yaml text. */
export function renderK3sConfig(shape: K3sClusterShape, node: K3sNodeSpec): string {
  return `# Written by sophia-infra (components/cluster). Edits are overwritten on the next update.\n${stringify(
    k3sConfig(shape, node),
    { lineWidth: 0 },
  )}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Hash of a node's config: the install re-runs on that node only when it changes. */
export function configHash(shape: K3sClusterShape, node: K3sNodeSpec): string {
  return sha256(renderK3sConfig(shape, node));
}

/** Hash of a node's labels and taints: the API-side reconcile re-runs only when it changes. */
export function labelsHash(node: K3sNodeSpec): string {
  return sha256(JSON.stringify({ labels: nodeLabels(node), taints: nodeTaints(node) }));
}
