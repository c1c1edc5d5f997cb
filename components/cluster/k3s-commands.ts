/**
 * The shell commands the cluster component runs on each node, and the order upgrades take. Pure:
 * every command is a fixed script under `k8s/cluster/` with non-secret arguments (tokens travel on
 * stdin), so a command line is safe to show in a diff or a log.
 */
import { readAsset } from "../assets";
import { K3S_PATHS, nodeLabels, nodeTaints, sha256, type K3sClusterShape, type K3sNodeSpec } from "./k3s-config";

/** The node scripts, copied to every node's stage directory. */
export const NODE_SCRIPTS = ["k3s-lib.sh", "k3s-install.sh", "k3s-node.sh", "k3s-uninstall.sh"] as const;

/** Where the k3s binary and its checksum file come from. */
export type K3sInstallSource =
  /** Each node downloads the pinned release from GitHub (`curl`), verified against its checksum file. */
  | { readonly mode: "download" }
  /**
   * Copied over SSH from `directory` (air-gapped nodes): `k3s` (amd64) or `k3s-arm64`, and the
   * release's `sha256sum-<arch>.txt`, as downloaded from the release page.
   */
  | { readonly mode: "airgap"; readonly directory: string };

/** The scripts' text, by file name. */
export function nodeScripts(): Record<string, string> {
  return Object.fromEntries(NODE_SCRIPTS.map((f) => [f, readAsset(`cluster/${f}`)]));
}

/** Hash of the scripts: a changed script re-runs the install (it is idempotent). */
export function scriptsHash(): string {
  return sha256(JSON.stringify(nodeScripts()));
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_./:=+,@%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `sudo -n` unless the SSH user is root (the rehearsal's hosts have no sudo). */
function asRoot(node: K3sNodeSpec): string {
  return node.sshUser === "root" ? "" : "sudo -n ";
}

function script(node: K3sNodeSpec, file: string, args: readonly string[]): string {
  return `${asRoot(node)}bash ${K3S_PATHS.stage}/${file} ${args.map(quote).join(" ")}`.trimEnd();
}

/** Waits for SSH (the connection retries), checks the architecture and makes the stage directory. */
export function prepareCommand(node: K3sNodeSpec): string {
  const machine = node.arch === "arm64" ? "aarch64" : "x86_64";
  return [
    `m="$(uname -m)"`,
    `if [ "$m" != ${machine} ]; then echo "node ${node.name} is $m, configured as ${node.arch}" >&2; exit 1; fi`,
    `${asRoot(node)}mkdir -p ${K3S_PATHS.stage}/release`,
    `${asRoot(node)}chmod 700 ${K3S_PATHS.stage}`,
  ].join("; ");
}

export function installCommand(node: K3sNodeSpec, source: K3sInstallSource["mode"]): string {
  return script(node, "k3s-install.sh", ["install", node.role, node.arch, source]);
}

export function upgradeCommand(node: K3sNodeSpec, source: K3sInstallSource["mode"], version: string): string {
  return script(node, "k3s-install.sh", ["upgrade", node.role, node.arch, source, version]);
}

export function uninstallCommand(node: K3sNodeSpec): string {
  return script(node, "k3s-uninstall.sh", [node.role]);
}

/** A node operation run on `server` against `node`. */
export function nodeOperationCommand(
  server: K3sNodeSpec,
  action: "drain" | "uncordon" | "remove" | "forget",
  node: K3sNodeSpec,
): string {
  return script(server, "k3s-node.sh", [action, node.name]);
}

/** Prints the k3s version installed on the node (what the install script recorded; empty when none). */
export function installedVersionCommand(node: K3sNodeSpec): string {
  return `${asRoot(node)}cat ${K3S_PATHS.stage}/installed-version 2>/dev/null || true`;
}

/** Makes the node's managed labels and taints exactly the placement table's, through the API. */
export function labelsCommand(server: K3sNodeSpec, node: K3sNodeSpec): string {
  const labels = Object.entries(nodeLabels(node)).map(([k, v]) => `${k}=${v}`);
  return script(server, "k3s-node.sh", ["labels", node.name, ...labels, "--", ...nodeTaints(node)]);
}

/** Prints the server's kubeconfig (a secret: the command's output is marked secret). */
export function kubeconfigCommand(server: K3sNodeSpec): string {
  return `${asRoot(server)}cat ${K3S_PATHS.kubeconfig}`;
}

/** The release asset name of the k3s binary for an architecture. */
export function k3sAsset(arch: K3sNodeSpec["arch"]): string {
  return arch === "arm64" ? "k3s-arm64" : "k3s";
}

/** Upgrade order: servers first (the initial one first), then agents, each in list order. */
export function upgradeOrder(shape: K3sClusterShape): K3sNodeSpec[] {
  return [...shape.nodes.filter((n) => n.role === "server"), ...shape.nodes.filter((n) => n.role === "agent")];
}
