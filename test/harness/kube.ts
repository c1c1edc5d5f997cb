/**
 * A local Kubernetes API server for a test (scripts/kube-local.sh in a temp directory, on free
 * ports), and a client for it from @kubernetes/client-node.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";

import { repoRoot } from "./stack-config";

const script = join(repoRoot, "scripts", "kube-local.sh");

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** A free port p such that p+1 is free too (etcd's client and peer ports). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20000 + Math.floor(Math.random() * 20000);
    if ((await portFree(p)) && (await portFree(p + 1))) return p;
  }
  throw new Error("no free port pair found");
}

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
    let port = await freePortPair();
    while (!(await portFree(port))) port = await freePortPair();
    const etcdPort = await freePortPair();
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
