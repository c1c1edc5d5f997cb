/**
 * A k3s cluster bootstrapped over SSH on given machines: the server first, then the agents in
 * parallel; each node's whole config written from a pure renderer, re-applied only when its hash
 * changes; labels and taints reconciled through the API; version bumps one node at a time; a removed
 * node drained, deleted from the cluster and uninstalled; the kubeconfig fetched, rewritten and
 * exported as a secret.
 * @see https://docs.k3s.io/installation/configuration
 */
import { join } from "node:path";

import * as pulumi from "@pulumi/pulumi";

import { CopyToRemote, RemoteCommand, type CopyFileArgs, type RemoteConnection } from "../remote";
import {
  installCommand,
  installedVersionCommand,
  k3sAsset,
  kubeconfigCommand,
  labelsCommand,
  nodeOperationCommand,
  nodeScripts,
  prepareCommand,
  scriptsHash,
  uninstallCommand,
  upgradeCommand,
  upgradeOrder,
  type K3sInstallSource,
} from "./k3s-commands";
import {
  assertValidClusterNodes,
  configHash,
  initialServer,
  K3S_PATHS,
  labelsHash,
  PENDING_ADDRESS,
  renderK3sConfig,
  type K3sClusterShape,
  type K3sNodeSpec,
} from "./k3s-config";
import { K3sToken } from "./k3s-token";
import { K3sUpgrade } from "./k3s-upgrade";
import { rewriteKubeconfig } from "./kubeconfig";

/** A machine of the cluster and how to reach it. */
export interface K3sClusterNode extends Omit<K3sNodeSpec, "address" | "privateAddress"> {
  /** Public address (IP or DNS name); may come from another resource (a launched machine's IP). */
  readonly address: pulumi.Input<string>;
  /** Address on the servers' private network (required for each server when HA). */
  readonly privateAddress?: pulumi.Input<string | undefined>;
  /**
   * Identity of the machine behind the node (a rented instance's ID). Given for disposable machines
   * that a cloud may replace under the same node name: a new identity means a new machine, which is
   * prepared and installed from scratch after the server forgets the old node (k3s refuses a known
   * name from another machine), and the old machine's uninstall is skipped when it is gone (terminated,
   * or another machine answers at its address). Omitted: the machine is permanent.
   */
  readonly machineId?: pulumi.Input<string>;
  /** OpenSSH private key of `sshUser` (pass a secret). */
  readonly privateKey: pulumi.Input<string>;
  /**
   * The machine's SSH host key (`ssh-ed25519 AAAA…`). Omitted: recorded at the first connection
   * and required from then on.
   */
  readonly hostKey?: pulumi.Input<string>;
  /** @default 22 */
  readonly sshPort?: number;
}

export interface K3sClusterArgs {
  /** The machines; the first must be a server (it initialises the cluster). Keyed by `name`. */
  readonly nodes: readonly K3sClusterNode[];
  /**
   * Pinned k3s release. Changing it upgrades one node at a time, servers first, draining agents.
   * @see https://github.com/k3s-io/k3s/releases
   */
  readonly k3sVersion: string;
  /** Replaces `default` in the kubeconfig's names. */
  readonly clusterName: string;
  /** Servers share a private network (required for more than one server). */
  readonly privateNetwork: boolean;
  /** Extra names for the API server certificate. @default [] */
  readonly tlsSans?: readonly string[];
  /** kubelet arguments on every node. @default DEFAULT_KUBELET_ARGS */
  readonly kubeletArgs?: readonly string[];
  /** @default { mode: "download" } */
  readonly installSource?: K3sInstallSource;
  /** Dial attempts while waiting for a machine's SSH (a booting machine needs several). @default 20 */
  readonly dialErrorLimit?: number;
  /** Seconds one SSH dial may take. @default 15 */
  readonly perDialTimeout?: number;
  /** Seconds an install or upgrade may take on one node. @default 900 */
  readonly installTimeout?: number;
}

interface NodeResources {
  /** The node with placeholder addresses: what the commands and the names are built from. */
  readonly spec: K3sNodeSpec;
  readonly connection: RemoteConnection;
  readonly install: RemoteCommand;
  readonly lifecycle: RemoteCommand;
}

export class K3sCluster extends pulumi.ComponentResource {
  /** Admin kubeconfig pointing at the first server's public address (secret; stable across runs). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Node names, in list order. */
  public readonly nodes: pulumi.Output<string[]>;
  /** The API server URL clients use. */
  public readonly serverAddress: pulumi.Output<string>;

  constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:cluster:K3sCluster", name, {}, opts);
    // Addresses of launched machines are known only once they run: the node list is checked with
    // placeholders before anything is registered (a bad list fails the preview, not the update),
    // and each node's config is rendered from the resolved addresses.
    const shape: K3sClusterShape = {
      nodes: args.nodes.map(withPlaceholders),
      privateNetwork: args.privateNetwork,
      tlsSans: args.tlsSans,
      kubeletArgs: args.kubeletArgs,
    };
    assertValidClusterNodes(shape);
    const resolved = resolveShape(shape, args.nodes);
    const source = args.installSource ?? { mode: "download" };
    const first = initialServer(shape);
    const scripts = nodeScripts();
    const scriptsVersion = scriptsHash();

    const token = new K3sToken(`${name}-token`, {}, { parent: this });
    const agentToken = new K3sToken(`${name}-agent-token`, {}, { parent: this });
    const serverStdin = pulumi.secret(pulumi.interpolate`${token.value}\n${agentToken.value}\n`);
    const agentStdin = pulumi.secret(pulumi.interpolate`${agentToken.value}\n`);

    const built = new Map<string, NodeResources>();
    const buildNode = (node: K3sClusterNode, index: number, server?: NodeResources): NodeResources => {
      const after = server ? [server.install] : [];
      const key = `${name}-${node.name}`;
      const spec = shape.nodes[index]!;
      const machine = node.machineId !== undefined ? [node.machineId] : undefined;
      const base = {
        host: node.address,
        port: node.sshPort ?? 22,
        user: node.sshUser,
        privateKey: pulumi.secret(node.privateKey),
        perDialTimeout: args.perDialTimeout ?? 15,
      };
      // Waits for SSH; records the host key when none is given, and every later connection requires it.
      const prepare = new RemoteCommand(
        `${key}-ssh`,
        {
          connection: { ...base, hostKey: node.hostKey, dialErrorLimit: args.dialErrorLimit ?? 20 },
          create: prepareCommand(spec),
          // A new machine under this name: wait for it and record its host key again.
          ...(machine ? { triggers: machine } : {}),
        },
        { parent: this },
      );
      const connection: RemoteConnection = { ...base, hostKey: node.hostKey ?? prepare.hostKey };
      const files: Record<string, CopyFileArgs> = Object.fromEntries(
        Object.entries<pulumi.Input<string>>({
          ...scripts,
          "config.yaml": resolved.apply((s) => renderK3sConfig(s, s.nodes[index]!)),
          "k3s-version": `${args.k3sVersion}\n`,
        }).map(([file, content]) => [file, { content, mode: file.endsWith(".sh") ? "0755" : "0600" }]),
      );
      if (source.mode === "airgap") {
        // Read by the copy's provider from the local file, byte for byte: the content never enters the state.
        for (const file of [k3sAsset(spec.arch), `sha256sum-${spec.arch}.txt`]) {
          files[`release/${file}`] = {
            localPath: join(source.directory, file),
            mode: file.startsWith("k3s") ? "0755" : "0600",
          };
        }
      }
      // One copy per node: every file over one SSH connection, and only changed files rewritten.
      const bundle = new CopyToRemote(
        `${key}-files`,
        {
          connection,
          files,
          remotePath: K3S_PATHS.stage,
          sudo: node.sshUser !== "root",
          ...(machine ? { triggers: machine } : {}),
        },
        { parent: this, dependsOn: [prepare] },
      );
      // Joining under a name a replaced machine held: the server forgets that node first.
      const forget =
        machine && server
          ? [
              new RemoteCommand(
                `${key}-forget`,
                {
                  connection: server.connection,
                  create: nodeOperationCommand(first, "forget", spec),
                  triggers: machine,
                },
                { parent: this, dependsOn: after },
              ),
            ]
          : [];
      const install = new RemoteCommand(
        `${key}-install`,
        {
          connection,
          create: installCommand(spec, source.mode),
          stdin: node.role === "server" ? serverStdin : agentStdin,
          // Re-runs (it is idempotent) only when this node's config or the scripts change (or a new
          // machine holds the node); the version is read from the staged k3s-version, and bumps go
          // through the cluster's upgrade resource.
          triggers: [resolved.apply((s) => configHash(s, s.nodes[index]!)), scriptsVersion, ...(machine ?? [])],
          timeout: args.installTimeout ?? 900,
        },
        {
          parent: this,
          dependsOn: [bundle, ...after, ...forget],
          customTimeouts: { create: "20m", update: "20m" },
        },
      );
      // Owns the node's removal: deleted only when the node leaves the config or the stack is
      // destroyed (or, for a disposable machine, when another machine takes its place).
      const lifecycle = new RemoteCommand(
        `${key}-node`,
        {
          connection,
          delete: uninstallCommand(spec),
          ...(machine ? { triggers: machine, whenGone: "skip" as const } : {}),
        },
        { parent: this, dependsOn: [install, bundle] },
      );
      const resources = { spec, connection, install, lifecycle };
      built.set(node.name, resources);
      return resources;
    };

    const server = buildNode(args.nodes[0]!, 0);
    // Everything else joins in parallel: each depends on the initial server only.
    args.nodes.slice(1).forEach((node, i) => buildNode(node, i + 1, server));

    for (const n of built.values()) {
      if (n.spec.name !== first.name) {
        // On the server: drain and delete this node from the cluster before its machine is uninstalled.
        new RemoteCommand(
          `${name}-${n.spec.name}-membership`,
          { connection: server.connection, delete: nodeOperationCommand(first, "remove", n.spec) },
          { parent: this, dependsOn: [n.lifecycle, server.lifecycle] },
        );
      }
      // k3s reads node-label/node-taint only at first registration: later changes go through the API.
      new RemoteCommand(
        `${name}-${n.spec.name}-labels`,
        {
          connection: server.connection,
          create: labelsCommand(first, n.spec),
          triggers: [labelsHash(n.spec)],
        },
        { parent: this, dependsOn: n === server ? [n.install] : [n.install, server.install] },
      );
    }

    // Upgrades: one resource for the whole cluster. Creating it runs nothing (the installs just put
    // this version in place); a version bump upgrades one node at a time, servers first, draining and
    // uncordoning each agent, so the engine's serial steps on create do not grow with the agents.
    const order = upgradeOrder(shape);
    new K3sUpgrade(
      `${name}-upgrade`,
      {
        version: args.k3sVersion,
        steps: order.map((spec) => ({
          name: spec.name,
          role: spec.role,
          versionCommand: installedVersionCommand(spec),
          upgradeCommand: upgradeCommand(spec, source.mode, args.k3sVersion),
          ...(spec.role === "agent"
            ? {
                drainCommand: nodeOperationCommand(first, "drain", spec),
                uncordonCommand: nodeOperationCommand(first, "uncordon", spec),
              }
            : {}),
        })),
        connections: Object.fromEntries(order.map((spec) => [spec.name, built.get(spec.name)!.connection])),
        operator: first.name,
        timeout: args.installTimeout ?? 900,
      },
      { parent: this, dependsOn: [...built.values()].map((n) => n.install) },
    );

    const fetched = new RemoteCommand(
      `${name}-kubeconfig`,
      { connection: server.connection, create: kubeconfigCommand(first), secret: true, logging: "none" },
      { parent: this, dependsOn: [server.install] },
    );
    const firstAddress = pulumi.output(args.nodes[0]!.address);
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([fetched.stdout, firstAddress])
        .apply(([raw, address]) => rewriteKubeconfig(raw ?? "", address, args.clusterName)),
    );
    this.nodes = pulumi.output(args.nodes.map((n) => n.name));
    this.serverAddress = firstAddress.apply((a) => `https://${a.includes(":") ? `[${a}]` : a}:6443`);
    this.registerOutputs({ kubeconfig: this.kubeconfig, nodes: this.nodes, serverAddress: this.serverAddress });
  }
}

/** The node as the pure rules see it, with these addresses. */
function specOf(n: K3sClusterNode, address: string, privateAddress: string | undefined): K3sNodeSpec {
  const { name, sshUser, class: nodeClass, role, arch } = n;
  return {
    name,
    address,
    ...(privateAddress !== undefined ? { privateAddress } : {}),
    sshUser,
    class: nodeClass,
    role,
    arch,
  };
}

/** The node before its addresses are known: placeholders for those that come from other resources. */
function withPlaceholders(n: K3sClusterNode): K3sNodeSpec {
  const known = (v: pulumi.Input<string | undefined>) => (typeof v === "string" ? v : PENDING_ADDRESS);
  return specOf(n, known(n.address), n.privateAddress === undefined ? undefined : known(n.privateAddress));
}

/** The shape with every node's resolved addresses (checked again: a private address may resolve empty). */
function resolveShape(shape: K3sClusterShape, nodes: readonly K3sClusterNode[]): pulumi.Output<K3sClusterShape> {
  return pulumi.all(nodes.map((n) => pulumi.all([n.address, n.privateAddress]))).apply((addresses) => {
    const resolved: K3sClusterShape = {
      ...shape,
      nodes: nodes.map((n, i) => specOf(n, addresses[i]![0], addresses[i]![1] || undefined)),
    };
    assertValidClusterNodes(resolved);
    return resolved;
  });
}
