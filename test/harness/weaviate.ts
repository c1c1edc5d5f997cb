/**
 * A local Weaviate server for a test (scripts/weaviate-local.sh in a temp directory, on free ports),
 * and a weaviate-client v3 connection to it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import weaviate, { type WeaviateClient } from "weaviate-client";

import { freePortRange, portFree } from "./ports";
import { repoRoot } from "./stack-config";

const script = join(repoRoot, "scripts", "weaviate-local.sh");

export class LocalWeaviate {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get grpcPort(): number {
    return this.port + 1;
  }

  get apiKey(): string {
    return readFileSync(join(this.dir, "api-key"), "utf8").trim();
  }

  static async start(toolEnv: Record<string, string>): Promise<LocalWeaviate> {
    const dir = mkdtempSync(join(tmpdir(), "sophia-weaviate-"));
    // REST, gRPC, gossip, data, raft and raft RPC.
    const port = await freePortRange(6);
    const env = { ...toolEnv, SOPHIA_WEAVIATE_PORT: String(port) };
    execFileSync(script, ["start", "--dir", dir], { env, stdio: ["ignore", "ignore", "inherit"] });
    return new LocalWeaviate(dir, port, env);
  }

  /** A client; its start-up check is retried once (a pooled keep-alive socket may have gone stale). */
  async client(apiKey = this.apiKey): Promise<WeaviateClient> {
    const connect = () =>
      weaviate.connectToCustom({
        httpHost: "127.0.0.1",
        httpPort: this.port,
        grpcHost: "127.0.0.1",
        grpcPort: this.grpcPort,
        authCredentials: new weaviate.ApiKey(apiKey),
      });
    return connect().catch(connect);
  }

  /** Stops the server; returns the ports still listening afterwards (expected: none). */
  async stop(): Promise<number[]> {
    spawnSync(script, ["stop", "--dir", this.dir], { env: this.env, stdio: "inherit" });
    const still: number[] = [];
    for (const p of [this.port, this.grpcPort]) if (!(await portFree(p))) still.push(p);
    rmSync(this.dir, { recursive: true, force: true });
    return still;
  }
}
