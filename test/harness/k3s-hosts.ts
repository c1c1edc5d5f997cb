/**
 * Test hosts ready for the k3s stand-in (test/fixtures/k3s-standin), and a throwaway stack of the
 * cluster fixture program on them: shared by the cluster rehearsal and the benchmark.
 */
import { join } from "node:path";

import type { K3sNodeSpec } from "../../components/cluster";
import { startHosts, type TestHosts } from "./hosts";
import { PulumiWorkspace } from "./pulumi";
import { repoRoot } from "./stack-config";

export const CLUSTER_FIXTURE = join(repoRoot, "test", "fixtures", "cluster-program");
export const K3S_STANDIN = join(repoRoot, "test", "fixtures", "k3s-standin");
/** Where the stand-in records its runs on each host. */
export const STANDIN_RECORDS = "/var/lib/rancher/k3s-standin";

/** Starts the hosts and gives each the stand-in's settings and the project's kubectl. */
export async function startK3sHosts(env: Record<string, string>, names: string[]): Promise<TestHosts> {
  for (const v of ["SOPHIA_KUBE_APISERVER", "SOPHIA_ETCD", "SOPHIA_KUBECTL"]) {
    if (!env[v]) throw new Error(`${v} missing from the toolchain env (node toolchain/ensure.mjs --with test)`);
  }
  const hosts = await startHosts({ count: names.length, names });
  try {
    for (const h of hosts.hosts) {
      const r = await h.exec(
        [
          "mkdir -p /etc/rancher /usr/local/bin",
          `printf 'SOPHIA_KUBE_APISERVER=%s\\nSOPHIA_ETCD=%s\\n' '${env["SOPHIA_KUBE_APISERVER"]}' '${env["SOPHIA_ETCD"]}' > /etc/rancher/k3s-standin.env`,
          `ln -sf '${env["SOPHIA_KUBECTL"]}' /usr/local/bin/kubectl`,
        ].join(" && "),
      );
      if (r.code !== 0) throw new Error(`preparing ${h.name}: ${r.stderr}`);
    }
    return hosts;
  } catch (e) {
    await hosts.stop();
    throw e;
  }
}

/** The first host a server, the others agents, all on amd64 classes (the stand-in is amd64). */
export function rehearsalNodes(hosts: TestHosts): K3sNodeSpec[] {
  const classes = ["rtx6000", "a6000", "a100"] as const;
  return hosts.hosts.map((h, i) => ({
    name: h.name,
    address: h.address,
    sshUser: "root",
    class: i === 0 ? "rtx6000" : classes[i % classes.length]!,
    role: i === 0 ? "server" : "agent",
    arch: "amd64",
  }));
}

/** A stack of the cluster fixture program on `hosts` (air-gapped install of the stand-in). */
export function initClusterStack(
  ws: PulumiWorkspace,
  stack: string,
  hosts: TestHosts,
  nodes: readonly K3sNodeSpec[],
  extra: Record<string, string> = {},
): void {
  ws.must(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  const values: Record<string, string> = {
    // The hosts' key file: a config value cannot start with "-" on the command line.
    privateKeyFile: join(hosts.dir, "id_ed25519"),
    k3sVersion: "v1.33.5+k3s1",
    standin: K3S_STANDIN,
    nodes: JSON.stringify(nodes),
    ...extra,
  };
  for (const [k, v] of Object.entries(values)) ws.must(["config", "set", "--stack", stack, k, v]);
}

export function clusterWorkspace(env: Record<string, string>): PulumiWorkspace {
  return new PulumiWorkspace(env, { passphrase: "throwaway-cluster", projectSource: CLUSTER_FIXTURE });
}
