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

import { CopyToRemote, RemoteCommand, type RemoteConnection } from "../remote";
import {
  installCommand,
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
      const files: Record<string, { content: string } | { localPath: string }> = Object.fromEntries(
        Object.entries({
          ...scripts,
          "config.yaml": renderK3sConfig(shape, node),
          "k3s-version": `${args.k3sVersion}\n`,
        }).map(([file, content]) => [file, { content }]),
      );
      if (source.mode === "airgap") {
        // Read by the copy's provider from the local file: the content never enters the state.
        for (const file of [k3sAsset(node.arch), `sha256sum-${node.arch}.txt`]) {
          files[`release/${file}`] = { localPath: join(source.directory, file) };
        }
      }
      const copies = Object.entries(files).map(
        ([file, from]) =>
          new CopyToRemote(
            `${key}-file-${file.replace(/[^A-Za-z0-9.-]/g, "-")}`,
            {
              connection,
              ...from,
              remotePath: `${K3S_PATHS.stage}/${file}`,
              mode: file.endsWith(".sh") || file.startsWith("release/k3s") ? "0755" : "0600",
              sudo: node.sshUser !== "root",
            },
            { parent: this, dependsOn: [prepare] },
          ),
      );
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

    // Upgrades: one node at a time, servers first. On creation each step does nothing (the install
    // just put this version in place); a version bump changes the commands, which run as updates.
    let previous: pulumi.Resource | undefined;
    for (const spec of upgradeOrder(shape)) {
      const n = built.get(spec.name)!;
      const chain = (r: pulumi.Resource) => (previous ? [r, previous] : [r]);
      if (spec.role === "agent") {
        previous = new RemoteCommand(
          `${name}-${spec.name}-drain`,
          { connection: server.connection, update: nodeOperationCommand(first, "drain", spec, args.k3sVersion) },
          { parent: this, dependsOn: chain(n.install) },
        );
      }
      previous = new RemoteCommand(
        `${name}-${spec.name}-upgrade`,
        {
          connection: n.connection,
          update: upgradeCommand(spec, source.mode, args.k3sVersion),
          timeout: args.installTimeout ?? 900,
        },
        { parent: this, dependsOn: chain(n.install), customTimeouts: { update: "20m" } },
      );
      if (spec.role === "agent") {
        previous = new RemoteCommand(
          `${name}-${spec.name}-uncordon`,
          { connection: server.connection, update: nodeOperationCommand(first, "uncordon", spec, args.k3sVersion) },
          { parent: this, dependsOn: [previous] },
        );
      }
    }

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
