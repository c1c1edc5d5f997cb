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

import { CopyToRemote, RemoteCommand, type CopyFile, type RemoteConnection } from "../remote";
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
  renderK3sConfig,
  type K3sClusterShape,
  type K3sNodeSpec,
} from "./k3s-config";
import { K3sToken } from "./k3s-token";
import { K3sUpgrade } from "./k3s-upgrade";
import { rewriteKubeconfig } from "./kubeconfig";

/** A machine of the cluster and how to reach it. */
export interface K3sClusterNode extends K3sNodeSpec {
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
    const shape: K3sClusterShape = {
      nodes: args.nodes,
      privateNetwork: args.privateNetwork,
      tlsSans: args.tlsSans,
      kubeletArgs: args.kubeletArgs,
    };
    // Before anything is registered: a bad node list fails the preview, not the update.
    assertValidClusterNodes(shape);
    const source = args.installSource ?? { mode: "download" };
    const first = initialServer(shape);
    const scripts = nodeScripts();
    const scriptsVersion = scriptsHash();

    const token = new K3sToken(`${name}-token`, {}, { parent: this });
    const agentToken = new K3sToken(`${name}-agent-token`, {}, { parent: this });
    const serverStdin = pulumi.secret(pulumi.interpolate`${token.value}\n${agentToken.value}\n`);
    const agentStdin = pulumi.secret(pulumi.interpolate`${agentToken.value}\n`);

    const built = new Map<string, NodeResources>();
    const buildNode = (node: K3sClusterNode, after: pulumi.Resource[]): NodeResources => {
      const key = `${name}-${node.name}`;
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
          create: prepareCommand(node),
        },
        { parent: this },
      );
      const connection: RemoteConnection = { ...base, hostKey: node.hostKey ?? prepare.hostKey };
      const files: Record<string, CopyFile> = Object.fromEntries(
        Object.entries({
          ...scripts,
          "config.yaml": renderK3sConfig(shape, node),
          "k3s-version": `${args.k3sVersion}\n`,
        }).map(([file, content]) => [file, { content, mode: file.endsWith(".sh") ? "0755" : "0600" }]),
      );
      if (source.mode === "airgap") {
        // Read by the copy's provider from the local file, byte for byte: the content never enters the state.
        for (const file of [k3sAsset(node.arch), `sha256sum-${node.arch}.txt`]) {
          files[`release/${file}`] = {
            localPath: join(source.directory, file),
            mode: file.startsWith("k3s") ? "0755" : "0600",
          };
        }
      }
      // One copy per node: every file over one SSH connection, and only changed files rewritten.
      const copies = [
        new CopyToRemote(
          `${key}-files`,
          { connection, files, remotePath: K3S_PATHS.stage, sudo: node.sshUser !== "root" },
          { parent: this, dependsOn: [prepare] },
        ),
      ];
      const install = new RemoteCommand(
        `${key}-install`,
        {
          connection,
          create: installCommand(node, source.mode),
          stdin: node.role === "server" ? serverStdin : agentStdin,
          // Re-runs (it is idempotent) only when this node's config or the scripts change; the
          // version is read from the staged k3s-version, and bumps go through the upgrade chain.
          triggers: [configHash(shape, node), scriptsVersion],
          timeout: args.installTimeout ?? 900,
        },
        { parent: this, dependsOn: [...copies, ...after], customTimeouts: { create: "20m", update: "20m" } },
      );
      // Owns the node's removal: deleted only when the node leaves the config or the stack is destroyed.
      const lifecycle = new RemoteCommand(
        `${key}-node`,
        { connection, delete: uninstallCommand(node) },
        { parent: this, dependsOn: [install, ...copies] },
      );
      const resources = { spec: node, connection, install, lifecycle };
      built.set(node.name, resources);
      return resources;
    };

    const server = buildNode(args.nodes[0]!, []);
    // Everything else joins in parallel: each depends on the initial server only.
    for (const node of args.nodes.slice(1)) buildNode(node, [server.install]);

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
    this.kubeconfig = pulumi.secret(
      fetched.stdout.apply((raw) => rewriteKubeconfig(raw ?? "", first.address, args.clusterName)),
    );
    this.nodes = pulumi.output(args.nodes.map((n) => n.name));
    this.serverAddress = pulumi.output(
      `https://${first.address.includes(":") ? `[${first.address}]` : first.address}:6443`,
    );
    this.registerOutputs({ kubeconfig: this.kubeconfig, nodes: this.nodes, serverAddress: this.serverAddress });
  }
}
