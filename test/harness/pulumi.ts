/**
 * Drives the real Pulumi CLI (the pinned toolchain from toolchain/ensure.mjs) against throwaway file
 * backends, for integration tests and benchmarks.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

import { ensureBuilt } from "../../scripts/aot.cjs";
import { chartMirror, chartsFrom, fallbackNotes, linkProgramMirror } from "./charts";
import { resolveEscConfig } from "./esc";
import { readStackFile, repoRoot } from "./stack-config";

/** Environment exported by the toolchain's env file (PATH, PULUMI_HOME, …). */
export function toolchainEnv(): Record<string, string> {
  const envFile = execFileSync(
    "node",
    [join(repoRoot, "toolchain", "ensure.mjs"), "--print-env-file", "--quiet", "--with", "test"],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  ).trim();
  const out = execFileSync("bash", ["-c", `source "${envFile}" && env -0`], { encoding: "utf8" });
  const env: Record<string, string> = {};
  for (const entry of out.split("\0")) {
    const i = entry.indexOf("=");
    if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return env;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export const DEV_PASSPHRASE_FILE = join(repoRoot, "stacks", "dev.passphrase");

let prebuilt = false;

/**
 * Brings the program's and the policy pack's ahead-of-time builds up to date once per process, so
 * a rebuild's cost never lands inside a timed or time-limited engine run (the program's entry and
 * the pack's launcher would otherwise do it themselves: scripts/aot.cjs).
 */
export function prebuild(): void {
  if (prebuilt) return;
  ensureBuilt("program");
  ensureBuilt("policy");
  prebuilt = true;
}

/**
 * One throwaway workspace: a file backend in a temp dir and a project directory that links every
 * entry of the repository except its stack files, so stacks created here never touch the repo's
 * `Pulumi.<stack>.yaml` (the CLI writes salts and config there).
 */
export class PulumiWorkspace {
  readonly dir: string;
  readonly project: string;
  readonly env: Record<string, string>;

  constructor(
    baseEnv: Record<string, string>,
    opts: { passphrase?: string; passphraseFile?: string; projectSource?: string } = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "sophia-pulumi-"));
    this.project = join(this.dir, "project");
    mkdirSync(this.project);
    mkdirSync(join(this.dir, "state"));
    prebuild();
    this.linkProject(opts.projectSource ?? repoRoot);
    const env: Record<string, string> = {
      ...baseEnv,
      PULUMI_BACKEND_URL: `file://${this.dir}/state`,
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      // Keep any ambient kubeconfig away from the program and provider.
      KUBECONFIG: join(this.dir, "no-kubeconfig"),
    };
    delete env["PULUMI_CONFIG_PASSPHRASE"];
    delete env["PULUMI_CONFIG_PASSPHRASE_FILE"];
    if (opts.passphrase !== undefined) env["PULUMI_CONFIG_PASSPHRASE"] = opts.passphrase;
    else env["PULUMI_CONFIG_PASSPHRASE_FILE"] = opts.passphraseFile ?? DEV_PASSPHRASE_FILE;
    this.env = env;
  }

  /**
   * Points the project at the program in `source`: every entry of it is linked, except stack files
   * (the workspace's own) and its build; the links of a previous source are removed first, so the
   * same stacks and state can be run by another program (test/integration/architecture-state.test.ts).
   */
  linkProject(source: string): void {
    for (const entry of readdirSync(this.project, { withFileTypes: true })) {
      if (entry.isSymbolicLink()) rmSync(join(this.project, entry.name));
    }
    for (const entry of readdirSync(source)) {
      if (/^Pulumi\..+\.yaml$/.test(entry) || entry === ".sophia" || entry === ".git") continue;
      if (entry === "node_modules" && source !== repoRoot) continue;
      symlinkSync(join(source, entry), join(this.project, entry));
    }
    // A test program elsewhere runs with the repo's dependencies.
    if (source !== repoRoot) symlinkSync(join(repoRoot, "node_modules"), join(this.project, "node_modules"));
  }

  pulumi(args: string[], opts: { env?: Record<string, string> } = {}): RunResult {
    const started = process.hrtime.bigint();
    const r = spawnSync("pulumi", [...args, "--non-interactive"], {
      cwd: this.project,
      env: { ...this.env, ...opts.env },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, seconds };
  }

  /**
   * Like `pulumi`, without blocking the event loop: for long runs (up, refresh, destroy), so the
   * test worker keeps answering its runner while the engine works.
   */
  run(
    args: string[],
    opts: { env?: Record<string, string>; onStart?: (kill: (signal: NodeJS.Signals) => void) => void } = {},
  ): Promise<RunResult> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", [...args, "--non-interactive"], {
        cwd: this.project,
        env: { ...this.env, ...opts.env },
        // Its own process group when the caller may kill it: the engine and every plugin it started.
        detached: opts.onStart !== undefined,
      });
      opts.onStart?.((signal) => {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) =>
        resolve({ code: code ?? -1, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }),
      );
    });
  }

  /** Like `run`, but rejects with the output when the command fails. */
  async mustRun(args: string[]): Promise<RunResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** Like `pulumi`, but throws with the output when the command fails. */
  must(args: string[]): RunResult {
    const r = this.pulumi(args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** Writes a file into the throwaway project (e.g. a stack file) and returns its path. */
  write(name: string, content: string): string {
    const file = join(this.project, name);
    writeFileSync(file, content);
    return file;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Layers the real engine here cannot run, left out of the throwaway production and staging stacks.
 * Each is proven under Pulumi mocks instead (test/unit/program.test.ts runs the whole program).
 */
export const LEFT_OUT_OFFLINE: readonly { key: string; value: unknown; why: string }[] = [
  {
    key: "sophia-infra:frontend",
    value: { mode: "skip" },
    why: "the Vercel resource plugin (@pulumiverse/vercel) cannot be built here (toolchain/README.md); the frontend is proven under mocks",
  },
];

/** A stack file's config with the offline exclusions applied, and a line saying what was left out. */
export function offlineConfig(
  stack: string,
  config: Record<string, unknown>,
): { config: Record<string, unknown>; notes: string[] } {
  const out = { ...config };
  const notes: string[] = [];
  for (const { key, value, why } of LEFT_OUT_OFFLINE) {
    if (!(key in out) || JSON.stringify(out[key]) === JSON.stringify(value)) continue;
    out[key] = value;
    notes.push(`[harness] ${stack}: ${key} left out (set to ${JSON.stringify(value)}): ${why}`);
  }
  return { config: out, notes };
}

/**
 * A throwaway stack for `production` or `staging`: the stack file without `environment:` (the file
 * backend cannot open ESC), plus its ESC environment resolved with fixture secrets, set through the
 * real CLI as encrypted config. Layers in `LEFT_OUT_OFFLINE` are switched off, and it says so on
 * stderr; the returned lines are the same notes.
 */
export function prepareEscStack(ws: PulumiWorkspace, stack: "production" | "staging"): string[] {
  const file = readStackFile(stack);
  const { config, notes } = offlineConfig(stack, file.config);
  for (const note of notes) process.stderr.write(`${note}\n`);
  ws.write(`Pulumi.${stack}.yaml`, stringify({ config }));
  ws.must(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  const resolved = resolveEscConfig(stack);
  const args = ["config", "set-all", "--stack", stack];
  for (const [key, { value, secret }] of Object.entries(resolved)) {
    if (key in file.config) continue; // an explicit stack value wins over ESC
    args.push(secret ? "--secret" : "--plaintext", `${key}=${value}`);
  }
  ws.must(args);
  useChartMirror(ws, stack);
  return notes;
}

let fallbacksReported = false;

/**
 * Points the stack at the real charts of the local mirror (test/harness/charts.ts) when there is
 * one; without one, the stack keeps the charts' repositories, as for a real user.
 */
export function useChartMirror(ws: PulumiWorkspace, stack: string): void {
  const mirror = chartMirror();
  if (mirror === undefined) return;
  const charts = chartsFrom(mirror);
  if (!fallbacksReported) {
    for (const note of fallbackNotes(charts)) console.log(note);
    fallbacksReported = true;
  }
  const dir = linkProgramMirror(join(ws.dir, "charts"), charts);
  ws.must(["config", "set", "--stack", stack, "--path", "sophia-infra:charts.source", "mirror"]);
  ws.must(["config", "set", "--stack", stack, "--path", "sophia-infra:charts.directory", dir]);
}

/** The repo's dev stack file (same salt and secrets) with overrides, in a throwaway project. */
export function prepareDevStack(ws: PulumiWorkspace, overrides: Record<string, string> = {}): void {
  ws.write("Pulumi.dev.yaml", readFileSync(join(repoRoot, "Pulumi.dev.yaml"), "utf8"));
  ws.must(["stack", "init", "dev", "--secrets-provider", "passphrase"]);
  for (const [key, value] of Object.entries(overrides)) {
    ws.must(["config", "set", "--stack", "dev", "--path", key, value]);
  }
}
/** The dev stack pointed at a local Kubernetes API server and Weaviate (both started by the caller). */
export function prepareLocalDevStack(
  ws: PulumiWorkspace,
  servers: { kubeconfigPath: string; weaviate: { url: string; dir: string; grpcPort: number } },
): void {
  prepareDevStack(ws, {
    "sophia-infra:kubernetes.kubeconfigPath": servers.kubeconfigPath,
    "sophia-infra:weaviate.url": servers.weaviate.url,
    "sophia-infra:weaviate.apiKeyPath": join(servers.weaviate.dir, "api-key"),
  });
  const grpcPort = String(servers.weaviate.grpcPort);
  ws.must(["config", "set", "--stack", "dev", "--path", "sophia-infra:weaviate.grpcPort", grpcPort, "--type", "int"]);
}

/**
 * Makes `ws` run the program the way it ran before its ahead-of-time build: `stacks/index.ts`
 * transpiled on the fly by ts-node (transpile-only). For comparing the two (test and benchmark).
 */
export function runFromSources(ws: PulumiWorkspace): void {
  // Pulumi.yaml is a link to the repo's: replace the link, never write through it.
  rmSync(join(ws.project, "Pulumi.yaml"));
  const project = { ...(parse(readFileSync(join(repoRoot, "Pulumi.yaml"), "utf8")) as Record<string, unknown>) };
  ws.write(
    "Pulumi.yaml",
    stringify({ ...project, runtime: { name: "nodejs", options: { typescript: true } }, main: "stacks/index.ts" }),
  );
}

/** Parses `pulumi preview --json` output. */
export interface PreviewJson {
  steps?: {
    op: string;
    urn: string;
    newState?: {
      type: string;
      custom?: boolean;
      parent?: string;
      provider?: string;
      dependencies?: string[];
      inputs?: Record<string, unknown>;
    };
  }[];
  changeSummary?: Record<string, number>;
  diagnostics?: { message: string; severity: string }[];
}

/**
 * The steps of a real `pulumi preview --json` of `stack` (ESC resolved with fixtures) in a throwaway
 * workspace: the resource graph the architecture diagram is drawn from.
 */
export async function previewSteps(stack: "production" | "staging"): Promise<NonNullable<PreviewJson["steps"]>> {
  const ws = new PulumiWorkspace(toolchainEnv(), { passphrase: `throwaway-${stack}` });
  try {
    prepareEscStack(ws, stack);
    const r = await ws.run(["preview", "--stack", stack, "--json"]);
    const preview = parseJson<PreviewJson>(r);
    if (r.code !== 0) throw new Error(`preview of ${stack} failed: ${JSON.stringify(preview.diagnostics)}`);
    return preview.steps ?? [];
  } finally {
    ws.cleanup();
  }
}

export function parseJson<T>(r: RunResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout.slice(0, 2000)}\n${r.stderr.slice(0, 2000)}`);
  }
}
