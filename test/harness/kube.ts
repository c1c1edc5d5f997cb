/**
 * A local Kubernetes API server for a test (scripts/kube-local.sh in a temp directory, on free
 * ports), and a client for it from @kubernetes/client-node.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";

import { freePortRange, portFree } from "./ports";
import { repoRoot } from "./stack-config";

const script = join(repoRoot, "scripts", "kube-local.sh");

export class LocalKube {
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly etcdPort: number,
    private readonly env: Record<string, string>,
  ) {}

  get kubeconfigPath(): string {
    return join(this.dir, "admin.kubeconfig");
  }

  static async start(toolEnv: Record<string, string>): Promise<LocalKube> {
    const dir = mkdtempSync(join(tmpdir(), "sophia-kube-"));
    const port = await freePortRange(1);
    // etcd's client port and the peer port above it.
    const etcdPort = await freePortRange(2);
    const env = { ...toolEnv, SOPHIA_KUBE_PORT: String(port), SOPHIA_ETCD_PORT: String(etcdPort) };
    execFileSync(script, ["start", "--dir", dir], { env, stdio: ["ignore", "ignore", "inherit"] });
    return new LocalKube(dir, port, etcdPort, env);
  }

  /** Stops the server; returns the ports still listening afterwards (expected: none). */
  async stop(): Promise<number[]> {
    spawnSync(script, ["stop", "--dir", this.dir], { env: this.env, stdio: "inherit" });
    const still: number[] = [];
    for (const p of [this.port, this.etcdPort, this.etcdPort + 1]) if (!(await portFree(p))) still.push(p);
    rmSync(this.dir, { recursive: true, force: true });
    return still;
  }

  config(): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }
}
