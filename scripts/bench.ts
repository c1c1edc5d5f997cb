/**
 * Benchmark (not a test): prints the figures the foundation is judged by.
 *   - toolchain: warm (everything cached) measured now; cold measured now with `--cold` (empty Go
 *     module and build caches in a temp dir: a fresh machine), otherwise the build times recorded
 *     when each cached piece was built;
 *   - `pulumi preview` (issue 18), one table from one run: the engine's floor (an empty program with
 *     the same plugins), dev, production, staging and production run through ts-node as before the
 *     ahead-of-time build (`preview`), production with the policy pack (`policy`), production with a
 *     160-server MCP catalog (`mcp`); production with and without the pack once more with the CLI's
 *     automatic log blocked (what that log costs: docs/performance.md); each as seconds and as a
 *     ratio to the floor, the per-resource cost, and the targets;
 *   - the unit suite's wall time;
 *   - Redis failover time with our Sentinel settings against the Bitnami chart's defaults (real
 *     redis-server and redis-sentinel on loopback, 3 + 3 processes, the master killed);
 *   - the disaster-recovery drill on a larger database than the test's (test/harness/dr.ts): RPO,
 *     RTO and restore rate, extrapolated to production's volume size (`dr`);
 *   - the cluster layer's `pulumi up` on test hosts with the k3s stand-in, 1 server + 3 agents and
 *     1 server + 15 agents (the critical path must not grow with the agents), and a second `up`:
 *     wall and CPU time, and the critical path from the engine's event log (its length in steps
 *     does not depend on the machine's load) (`--only cluster`: needs root, like the rehearsal; not
 *     in the default set).
 * Usage: scripts/bench.sh [--cold] [--runs N] [--only toolchain,preview,unit,redis,mcp,policy,dr,cluster]
 *        [--dr-rows N]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import {
  prepareDevStack,
  prepareEscStack,
  PulumiWorkspace,
  runFromSources,
  toolchainEnv,
  type PreviewJson,
} from "../test/harness/pulumi";
import { BITNAMI_SENTINEL_TIMING, SOPHIA_SENTINEL_TIMING, type SentinelTiming } from "../components/redis/redis-config";
import { POLICY_PACK } from "../test/harness/policy";
import { Drill, lossFigures } from "../test/harness/dr";
import { criticalPath, stateDependencies, stepTimings } from "../test/harness/event-log";
import { clusterWorkspace, initClusterStack, rehearsalNodes, startK3sHosts } from "../test/harness/k3s-hosts";
import { LocalRedisSentinel } from "../test/harness/redis";
import { repoRoot } from "../test/harness/stack-config";

const args = process.argv.slice(2);
const cold = args.includes("--cold");
const runsArg = args.indexOf("--runs");
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
const onlyArg = args.indexOf("--only");
const sections = new Set(
  onlyArg >= 0
    ? (args[onlyArg + 1] ?? "").split(",")
    : ["toolchain", "preview", "unit", "redis", "mcp", "policy", "dr"],
);
const drRowsArg = args.indexOf("--dr-rows");
const drRows = drRowsArg >= 0 ? Number(args[drRowsArg + 1]) : 500_000;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function fmt(x: number): string {
  return `${x.toFixed(2)}s`;
}

function timeEnsure(env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync("node", [join(repoRoot, "toolchain", "ensure.mjs"), "--quiet", "--with", "test"], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (r.status !== 0) throw new Error("toolchain/ensure.mjs failed");
  return seconds(start);
}

function toolchainFigures(): void {
  console.log("toolchain");
  const warm = [0, 1, 2].map(() => timeEnsure(process.env));
  console.log(`  warm (all cached), median of 3: ${fmt(median(warm))}`);
  if (cold) {
    const dir = mkdtempSync(join(tmpdir(), "sophia-cold-"));
    const env = {
      ...process.env,
      SOPHIA_CACHE_DIR: join(dir, "cache"),
      GOCACHE: join(dir, "gocache"),
      GOMODCACHE: join(dir, "gomod"),
      PATH: process.env["PATH"]!.split(":")
        .filter((p) => !existsSync(join(p, "pulumi")))
        .join(":"),
    };
    console.log(`  cold: building everything from scratch in ${dir} (several minutes)...`);
    console.log(`  cold (empty Go caches): ${fmt(timeEnsure(env))}`);
    spawnSync("chmod", ["-R", "u+w", dir]);
    rmSync(dir, { recursive: true, force: true });
  } else {
    const pieces = join(
      process.env["SOPHIA_CACHE_DIR"] ?? join(homedir(), ".cache", "sophia-infra"),
      "toolchain",
      "pieces",
    );
    for (const p of existsSync(pieces) ? readdirSync(pieces) : []) {
      const ok = join(pieces, p, ".ok");
      if (existsSync(ok))
        console.log(
          `  ${p}: built in ${readFileSync(ok, "utf8").trim().split(" ")[1]} (recorded; --cold re-measures from scratch)`,
        );
    }
  }
}

function unitFigures(): void {
  const start = process.hrtime.bigint();
  const vitest = join(repoRoot, "node_modules", ".bin", "vitest");
  execFileSync(vitest, ["run", "--project", "unit", "--reporter=dot"], { cwd: repoRoot, stdio: "ignore" });
  console.log(`unit suite: ${fmt(seconds(start))} wall (vitest, including start-up)`);
}

/** One failover: 3 servers + 3 sentinels, acknowledged writes, master killed; seconds to a writable master. */
async function failoverOnce(timing: SentinelTiming): Promise<{ promoted: number; writable: number; lost: number }> {
  const cluster = await LocalRedisSentinel.start(timing);
  try {
    const [master] = cluster.redisPorts as [number];
    const log = await cluster.writeAcknowledged(master, "bench", 200);
    const killedAt = process.hrtime.bigint();
    cluster.kill(master);
    const f = await cluster.awaitFailover(master, killedAt, timing.downAfterMs + timing.failoverTimeoutMs * 2);
    const c = cluster.connect(f.port);
    const values = await c.mget(...log.acknowledged);
    c.disconnect();
    return { promoted: f.promotedSeconds, writable: f.writableSeconds, lost: values.filter((v) => v === null).length };
  } finally {
    const left = await cluster.stop();
    if (left.length > 0) throw new Error(`ports still listening after the failover run: ${left.join(", ")}`);
  }
}

async function redisFigures(): Promise<void> {
  console.log("Redis failover (3 redis-server + 3 redis-sentinel on loopback, quorum 2, master SIGKILLed)");
  const describe = (t: SentinelTiming) =>
    `down-after ${t.downAfterMs / 1000} s, failover-timeout ${t.failoverTimeoutMs / 1000} s`;
  const ours = [];
  for (let i = 0; i < runs; i++) ours.push(await failoverOnce(SOPHIA_SENTINEL_TIMING));
  const oursWritable = median(ours.map((r) => r.writable));
  console.log(
    `  ours    (${describe(SOPHIA_SENTINEL_TIMING)}): writable after ${fmt(oursWritable)} (median of ${runs}; promoted ${fmt(median(ours.map((r) => r.promoted)))}), acknowledged writes lost: ${ours.reduce((a, r) => a + r.lost, 0)}`,
  );
  console.log("  bitnami defaults: one run (over a minute)...");
  const bitnami = await failoverOnce(BITNAMI_SENTINEL_TIMING);
  console.log(
    `  bitnami (${describe(BITNAMI_SENTINEL_TIMING)}): writable after ${fmt(bitnami.writable)} (promoted ${fmt(bitnami.promoted)}), acknowledged writes lost: ${bitnami.lost}`,
  );
  console.log(`  ratio: ${(bitnami.writable / oursWritable).toFixed(1)}x faster with ours`);
}

interface Timing {
  /** Wall time. */
  readonly seconds: number;
  /** CPU time (user + system) of the CLI and every process it started: the engine, language host, program, plugins. */
  readonly cpu: number;
  readonly resources: number;
}

/** One thing to time: a preview (or the floor's), run once per round. */
interface PreviewCase {
  readonly label: string;
  readonly run: () => Timing;
  readonly cleanup: () => void;
}

/**
 * `pulumi <args>` in `cwd` under GNU time, which reports the CPU time of the CLI and all it waited
 * for (every plugin and the program): on a shared machine, a figure other processes disturb less
 * than wall time.
 */
function timedPulumi(
  cwd: string,
  env: Record<string, string>,
  args: string[],
): { stdout: string; seconds: number; cpu: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "cpu %U %S", "pulumi", ...args, "--non-interactive"], {
    cwd,
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = seconds(start);
  if (r.status !== 0)
    throw new Error(`pulumi ${args.join(" ")} failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`no CPU time from /usr/bin/time:\n${r.stderr.slice(-500)}`);
  return { stdout: r.stdout, seconds: wall, cpu: Number(m[1]) + Number(m[2]) };
}

/** A preview of `stack` in `ws` (a failed one throws): its wall and CPU time and how many resources it has. */
function previewIn(ws: PulumiWorkspace, stack: string, extra: string[] = []): () => Timing {
  return () => {
    const r = timedPulumi(ws.project, ws.env, ["preview", "--stack", stack, "--json", ...extra]);
    const steps = (JSON.parse(r.stdout) as PreviewJson).steps ?? [];
    return { seconds: r.seconds, cpu: r.cpu, resources: steps.length };
  };
}

/** The floor: the same engine, language host and Kubernetes plugin, a JavaScript program with one provider. */
function floorCase(env: Record<string, string>): PreviewCase {
  const dir = mkdtempSync(join(tmpdir(), "sophia-floor-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: floor\nruntime: nodejs\n");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "floor", main: "index.js" }));
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  writeFileSync(
    join(dir, "index.js"),
    `const k8s = require("@pulumi/kubernetes");\nnew k8s.Provider("k", { renderYamlToDirectory: "out", kubeconfig: "" });\n`,
  );
  const ws = new PulumiWorkspace(env, { passphrase: "bench" });
  spawnSync("pulumi", ["stack", "init", "floor", "--secrets-provider", "passphrase", "--non-interactive"], {
    cwd: dir,
    env: ws.env,
  });
  return {
    label: "floor (empty program, same plugins)",
    run: () => {
      const r = timedPulumi(dir, ws.env, ["preview", "--stack", "floor", "--json"]);
      return { seconds: r.seconds, cpu: r.cpu, resources: ((JSON.parse(r.stdout) as PreviewJson).steps ?? []).length };
    },
    cleanup: () => {
      ws.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A PULUMI_HOME like `env`'s (the same installed plugins) in which the CLI's automatic log cannot
 * start: `logs` is a file, so creating the log directory fails and the CLI runs without it (it has
 * no switch for it: docs/performance.md). For measuring that log's cost only; the programs, the
 * commands and the tests keep the toolchain's home and the log.
 */
function homeWithoutAutomaticLog(env: Record<string, string>): { env: Record<string, string>; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), "sophia-home-"));
  symlinkSync(join(env["PULUMI_HOME"]!, "plugins"), join(home, "plugins"));
  writeFileSync(join(home, "logs"), "a file, so the CLI's automatic log cannot start (scripts/bench.ts)\n");
  return { env: { ...env, PULUMI_HOME: home }, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** A case in its own throwaway workspace. */
function workspaceCase(
  env: Record<string, string>,
  label: string,
  stack: string,
  prepare: (ws: PulumiWorkspace) => void,
  extra: string[] = [],
): PreviewCase {
  // dev's stack file carries its salt and secrets: the dev passphrase; the others are created here.
  const ws = new PulumiWorkspace(env, stack === "dev" ? {} : { passphrase: "bench" });
  prepare(ws);
  return { label, run: previewIn(ws, stack, extra), cleanup: () => ws.cleanup() };
}

/** Production with `extra` MCP servers added to the catalog (no secrets, ports from 9100). */
function addMcpServers(ws: PulumiWorkspace, extra: number): void {
  // One path per field: `config set --path` would store a JSON list given whole as a string.
  const fields = Array.from({ length: extra }, (_, i) => [
    "--plaintext",
    `sophia-infra:mcp.servers[${i}].name=bench-${i}`,
    "--plaintext",
    `sophia-infra:mcp.servers[${i}].port=${9100 + i}`,
  ]).flat();
  ws.must(["config", "set-all", "--stack", "production", "--path", ...fields]);
}

/**
 * The preview figures of issue 18, from one run: every case once per round, `runs` rounds (so load
 * on a shared machine hits every case alike), the median of each, as seconds and as a ratio to the
 * floor; the per-resource cost from the 16- and 160-server catalogs; the targets.
 */
function previewFigures(env: Record<string, string>): void {
  const cases: PreviewCase[] = [floorCase(env)];
  const noLog = homeWithoutAutomaticLog(env);
  try {
    if (sections.has("preview")) {
      cases.push(
        workspaceCase(env, "dev", "dev", (ws) =>
          // Rendered instead of applied, with a placeholder Weaviate key: previews of new objects and
          // collections make no server calls, so the figure needs no local server.
          prepareDevStack(ws, {
            "sophia-infra:kubernetes.target": "render",
            "sophia-infra:kubernetes.renderDirectory": join(ws.dir, "manifests"),
            "sophia-infra:weaviate.apiKeyPath": ws.write("weaviate-api-key", "bench-placeholder"),
          }),
        ),
      );
    }
    const production = workspaceCase(env, "production", "production", (ws) => prepareEscStack(ws, "production"));
    cases.push(production);
    if (sections.has("preview")) {
      cases.push(workspaceCase(env, "staging", "staging", (ws) => prepareEscStack(ws, "staging")));
      cases.push(
        workspaceCase(env, "production, ts-node (before issue 18)", "production", (ws) => {
          prepareEscStack(ws, "production");
          runFromSources(ws);
        }),
      );
    }
    if (sections.has("policy")) {
      cases.push(
        workspaceCase(env, "production with the policy pack", "production", (ws) => prepareEscStack(ws, "production"), [
          "--policy-pack",
          POLICY_PACK,
        ]),
      );
    }
    if (sections.has("preview")) {
      cases.push(
        workspaceCase(noLog.env, "production, automatic log blocked", "production", (ws) =>
          prepareEscStack(ws, "production"),
        ),
      );
    }
    if (sections.has("policy")) {
      cases.push(
        workspaceCase(
          noLog.env,
          "production + pack, automatic log blocked",
          "production",
          (ws) => prepareEscStack(ws, "production"),
          ["--policy-pack", POLICY_PACK],
        ),
      );
    }
    if (sections.has("mcp")) {
      cases.push(
        workspaceCase(env, "production, 160 MCP servers", "production", (ws) => {
          prepareEscStack(ws, "production");
          addMcpServers(ws, 144);
        }),
      );
    }
    const times = cases.map(() => [] as number[]);
    const cpus = cases.map(() => [] as number[]);
    const resources = cases.map(() => 0);
    for (let round = 0; round < runs; round++) {
      cases.forEach((c, i) => {
        const r = c.run();
        times[i]!.push(r.seconds);
        cpus[i]!.push(r.cpu);
        resources[i] = r.resources;
      });
    }
    const t = times.map(median);
    const cpu = cpus.map(median);
    const floor = t[0]!;
    const floorCpu = cpu[0]!;
    console.log(
      `pulumi preview: median of ${runs} rounds, every case once per round; load average now ${loadavg()[0]!.toFixed(1)}`,
    );
    cases.forEach((c, i) => {
      console.log(
        `  ${c.label.padEnd(40)} ${fmt(t[i]!).padStart(7)} ${(t[i]! / floor).toFixed(2).padStart(5)}x floor  | CPU ${fmt(cpu[i]!).padStart(7)} ${(cpu[i]! / floorCpu).toFixed(2).padStart(5)}x  | ${String(resources[i]).padStart(5)} resources`,
      );
    });
    const at = (label: string) => cases.findIndex((c) => c.label === label);
    const p = at("production");
    const prod = t[p]!;
    console.log(
      `  production's own fixed cost (production - floor): ${fmt(prod - floor)} wall, ${fmt(cpu[p]! - floorCpu)} CPU`,
    );
    const pack = at("production with the policy pack");
    const large = at("production, 160 MCP servers");
    if (large >= 0) {
      const added = resources[large]! - resources[p]!;
      const ms = (x: number) => `${((x / added) * 1000).toFixed(1)} ms`;
      console.log(
        `  per resource: ${ms(t[large]! - prod)} wall, ${ms(cpu[large]! - cpu[p]!)} CPU (the ${added} resources 144 more servers add)`,
      );
    }
    const quiet = at("production, automatic log blocked");
    const quietPack = at("production + pack, automatic log blocked");
    if (quiet >= 0)
      console.log(
        `  the CLI's automatic log costs production: ${fmt(prod - t[quiet]!)} wall, ${fmt(cpu[p]! - cpu[quiet]!)} CPU`,
      );
    if (quiet >= 0 && quietPack >= 0)
      console.log(
        `  the pack's overhead without that log: +${fmt(t[quietPack]! - t[quiet]!)} wall (+${fmt(cpu[quietPack]! - cpu[quiet]!)} CPU)`,
      );
    console.log("targets (issue 18), wall time (CPU time):");
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    console.log(
      `  production <= 2.0x floor: ${ratio(prod, floor)} (${ratio(cpu[p]!, floorCpu)}), ${verdict(prod / floor <= 2)}`,
    );
    if (pack >= 0) {
      const overhead = t[pack]! - prod;
      console.log(
        `  policy pack overhead <= 1 s: +${fmt(overhead)} (+${fmt(cpu[pack]! - cpu[p]!)}), ${verdict(overhead <= 1)}`,
      );
    }
    if (large >= 0) {
      console.log(
        `  160 MCP servers <= 2x the 16-server preview: ${ratio(t[large]!, prod)} (${ratio(cpu[large]!, cpu[p]!)}), ${verdict(t[large]! / prod <= 2)}`,
      );
    }
  } finally {
    for (const c of cases) c.cleanup();
    noLog.cleanup();
  }
}

/** The drill at bench size: one run (minutes), figures and their extrapolation to production. */
async function drFigures(): Promise<void> {
  // A test-set tool: bench.sh sources the main set, so ask ensure.mjs unless the caller gave it.
  const weed = process.env["SOPHIA_SEAWEEDFS"] ?? toolchainEnv()["SOPHIA_SEAWEEDFS"];
  if (!weed) throw new Error("SOPHIA_SEAWEEDFS is not set (toolchain --with test builds SeaweedFS)");
  const archiveTimeoutSeconds = 5;
  console.log(
    `disaster-recovery drill (PostgreSQL + barman-cloud-* + SeaweedFS S3 on loopback; ${drRows} payload rows, archive_timeout ${archiveTimeoutSeconds} s)`,
  );
  const drill = Drill.create();
  try {
    const r = await drill.run(
      {
        payloadRows: drRows,
        archiveTimeoutSeconds,
        writeBeforeBackupSeconds: 2,
        writeAfterBackupSeconds: 20,
        commitIntervalMs: 20,
        log: (line) => console.log(`  ${line}`),
      },
      weed,
    );
    const loss = lossFigures(r.acks, r.latest.ids);
    const rate = r.latest.restoredBytes / 1e6 / r.latest.baseRestoreSeconds;
    console.log(`  database: ${(r.databaseBytes / 1e6).toFixed(0)} MB; base backup took ${fmt(r.backupSeconds)}`);
    console.log(
      `  RPO: ${loss.lost} of ${r.acks.length} acknowledged commits lost = ${fmt(loss.rpoSeconds)} of commits (holes: ${loss.holes})`,
    );
    console.log(
      `  RTO: ${fmt(r.rtoSeconds)} from SIGKILL to the restored server answering (base restore ${fmt(r.latest.baseRestoreSeconds)}, WAL replay + promotion ${fmt(r.latest.replaySeconds)})`,
    );
    console.log(`  restore rate: ${rate.toFixed(1)} MB/s (data directory bytes / barman-cloud-restore wall time)`);
    console.log(
      `  PITR: target ${r.pitr.targetTime}, rows past the target: ${r.pitr.rowsPastTarget}, acknowledged before it but missing: ${r.pitr.missingBeforeTarget}`,
    );
    // Production: a 100 Gi volume per instance (Pulumi.production.yaml), at this machine's rate. The
    // loss bound is archive_timeout plus one upload; the drill's upload time is what it lost beyond
    // its own timeout.
    const prodMB = (100 * 1024 ** 3) / 1e6;
    const upload = Math.max(0, loss.rpoSeconds - archiveTimeoutSeconds);
    console.log(
      `  extrapolation: a full 100 GiB volume restores in ${(prodMB / rate / 60).toFixed(0)} min at this rate (plus WAL replay since the last daily backup); RPO bound at production's archive_timeout of 300 s: ${(300 + upload).toFixed(0)} s`,
    );
  } finally {
    await drill.cleanup();
  }
}

/** CPU seconds of this process's finished children (the engine, its plugins and the program). */
function childCpuSeconds(): number {
  // /proc/self/stat fields 16 and 17: cutime and cstime, in clock ticks (100 a second on Linux).
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface UpFigures {
  wall: number;
  cpu: number;
  steps: number;
  /** The critical path from the event log: its steps and seconds. */
  pathSteps: number;
  pathSeconds: number;
}

/** `pulumi up` of the cluster on 1 server + `agents` agents, then a second `up`, then destroy. */
async function clusterUp(
  env: Record<string, string>,
  agents: number,
): Promise<{ first: UpFigures; second: UpFigures }> {
  const names = ["server", ...Array.from({ length: agents }, (_, i) => `agent-${i + 1}`)];
  const hosts = await startK3sHosts(env, names);
  const ws = clusterWorkspace(env);
  try {
    initClusterStack(ws, "bench", hosts, rehearsalNodes(hosts));
    const up = async (run: string): Promise<UpFigures> => {
      const log = join(ws.dir, `${run}.events.jsonl`);
      const cpu = childCpuSeconds();
      // The engine's --event-log is listed with PULUMI_DEBUG_COMMANDS.
      const r = await ws.run(["up", "--stack", "bench", "--yes", "--skip-preview", "--event-log", log], {
        env: { PULUMI_DEBUG_COMMANDS: "true" },
      });
      if (r.code !== 0) throw new Error(`pulumi up failed:\n${r.stdout}\n${r.stderr}`);
      const steps = stepTimings(readFileSync(log, "utf8"));
      const path = criticalPath(steps, stateDependencies(ws.must(["stack", "export", "--stack", "bench"]).stdout));
      return {
        wall: r.seconds,
        cpu: childCpuSeconds() - cpu,
        steps: steps.length,
        pathSteps: path.steps.length,
        pathSeconds: path.seconds,
      };
    };
    const first = await up("first");
    const second = await up("second");
    await ws.run(["destroy", "--stack", "bench", "--yes", "--skip-preview"]);
    return { first, second };
  } finally {
    ws.cleanup();
    await hosts.stop();
  }
}

function upLine(f: UpFigures): string {
  const path = f.steps ? `, critical path ${f.pathSteps} steps over ${f.pathSeconds}s` : "";
  return `${fmt(f.wall)} (CPU ${fmt(f.cpu)}, ${f.steps} resource steps${path})`;
}

async function clusterFigures(env: Record<string, string>): Promise<void> {
  console.log("cluster layer: pulumi up on test hosts (k3s stand-in serving the real API server)");
  for (const agents of [3, 15]) {
    const r = await clusterUp(env, agents);
    console.log(`  1 server + ${agents} agents: first up ${upLine(r.first)}`);
    console.log(`  ${" ".repeat(String(agents).length + 19)}second up ${upLine(r.second)}`);
  }
  console.log("  (engine, program and providers' CPU; event times are whole seconds; the machine may be shared)");
}

async function main(): Promise<void> {
  if (sections.has("toolchain")) toolchainFigures();
  if (["preview", "policy", "mcp"].some((s) => sections.has(s))) previewFigures(toolchainEnv());
  if (sections.has("unit")) unitFigures();
  if (sections.has("redis")) await redisFigures();
  if (sections.has("dr")) await drFigures();
  if (sections.has("cluster")) await clusterFigures(toolchainEnv());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
