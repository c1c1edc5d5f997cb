/**
 * Where one `pulumi preview` spends its time (issue 18; not a test). Runs a preview of a stack (ESC
 * resolved with fixtures, stand-in charts, as the tests do) with the Node.js processes under
 * `--cpu-prof`, and prints:
 *   - the wall time, and the engine's own timeline from its log (`-v=9`, glog timestamps): when the
 *     language host, the program and the Kubernetes plugin started, the first and last resource
 *     registration, the program's exit;
 *   - per Node.js process (the program; the policy pack with `--policy-pack`): CPU time by what ran
 *     (the TypeScript compiler, ts-node, Node's module loader, each package, our own code, GC) and
 *     by phase (loading modules before the first registration, then registering).
 * It profiles the program as it runs now (its ahead-of-time build, the pack from its build) and then,
 * in the same workspace, as it ran before issue 18 (`stacks/index.ts` through ts-node, the pack
 * through the SDK's run-policy-pack with type checking), back to back so the two compare on a
 * shared machine.
 * Usage: scripts/bench.sh is the figure of record; this explains it:
 *   node_modules/.bin/tsx scripts/profile-preview.ts [--stack production] [--policy] [--keep DIR]
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { POLICY_PACK } from "../test/harness/policy";
import { prepareEscStack, PulumiWorkspace, runFromSources, toolchainEnv } from "../test/harness/pulumi";
import { repoRoot } from "../test/harness/stack-config";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const stack = (flag("--stack") ?? "production") as "production" | "staging";
const withPolicy = args.includes("--policy");

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** What a profile node's code is: the package it belongs to, or a runtime category. */
export function category(url: string, fn: string): string {
  if (fn === "(garbage collector)") return "garbage collection";
  if (fn === "(idle)") return "idle (waiting for the engine)";
  if (fn === "(program)") return "V8 native (parsing, compiling JS)";
  if (!url) return "native builtins";
  if (url.includes("/typescript/")) return "TypeScript compiler";
  if (url.includes("/ts-node/")) return "ts-node";
  if (url.includes("internal/modules")) return "Node module loader";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return "Node internals";
  if (/\/(stacks|components|policy)\//.test(url)) return "our program";
  return "other";
}

function summarise(file: string): void {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Phase boundary: the first sample inside the SDK's registerResource (module loading is over).
  const inRegister = new Set<number>();
  const mark = (id: number, inside: boolean) => {
    const n = byId.get(id)!;
    const here = inside || n.callFrame.functionName === "registerResource";
    if (here) inRegister.add(id);
    for (const c of n.children ?? []) mark(c, here);
  };
  mark(p.nodes[0]!.id, false);
  const cats = new Map<string, number>();
  let t = 0;
  let firstRegister: number | undefined;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    const n = byId.get(p.samples[i]!)!;
    if (firstRegister === undefined && inRegister.has(n.id)) firstRegister = t;
    const c = category(n.callFrame.url, n.callFrame.functionName);
    cats.set(c, (cats.get(c) ?? 0) + dt);
    total += dt;
  }
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
  console.log(`  ${file.split("/").at(-1)}: ${ms(p.endTime - p.startTime)} from Node's start to exit`);
  if (firstRegister !== undefined)
    console.log(`    first registerResource at ${ms(firstRegister)} (before it: loading and evaluating modules)`);
  for (const [c, us] of [...cats].sort((a, b) => b[1] - a[1]).slice(0, 16))
    console.log(`    ${ms(us)} ${((100 * us) / total).toFixed(1).padStart(5)}%  ${c}`);
}

/** glog lines: `I1204 19:20:00.123456 ...`; the engine events worth placing on a timeline. */
const EVENTS: [string, RegExp][] = [
  ["language host started", /langruntime_plugin.*(NewLanguageRuntime|Launching)|language runtime plugin/i],
  ["program started (RunRequest)", /RunRequest|langhost\.Run\(/],
  ["kubernetes plugin loaded", /plugin.*kubernetes.*(loaded|Launching|started)/i],
  ["first RegisterResource", /RegisterResource\(/],
  ["program finished", /langhost\.Run\(.*\) success|RunResponse|Run\(\) finished/i],
];

function engineTimeline(stderr: string, startedAt: Date): void {
  const lines = stderr.split("\n");
  const stamp = (line: string) => {
    const m = /^[IWE]\d{4} (\d\d):(\d\d):(\d\d\.\d+)/.exec(line);
    if (!m) return undefined;
    const d = new Date(startedAt);
    d.setUTCHours(Number(m[1]), Number(m[2]), 0, 0);
    return (d.getTime() + Number(m[3]) * 1000 - startedAt.getTime()) / 1000;
  };
  let last: number | undefined;
  let lastRegister: number | undefined;
  let registers = 0;
  for (const line of lines) {
    const s = stamp(line);
    if (s === undefined) continue;
    last = s;
    if (/RegisterResource\(/.test(line)) {
      registers++;
      lastRegister = s;
    }
  }
  for (const [name, re] of EVENTS) {
    const line = lines.find((l) => re.test(l) && stamp(l) !== undefined);
    if (line) console.log(`  ${stamp(line)!.toFixed(2).padStart(6)} s  ${name}`);
  }
  if (lastRegister !== undefined)
    console.log(`  ${lastRegister.toFixed(2).padStart(6)} s  last RegisterResource (${registers} log lines)`);
  if (last !== undefined) console.log(`  ${last.toFixed(2).padStart(6)} s  last engine log line`);
}

/** The pack's launcher as it was before issue 18: the SDK's run-policy-pack, ts-node type-checking the sources. */
function sourcePackLauncher(dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(repoRoot, "policy", "PulumiPolicy.yaml"), join(dir, "PulumiPolicy.yaml"));
  const launcher = join(dir, "analyzer");
  const policy = join(repoRoot, "policy");
  writeFileSync(
    launcher,
    `#!/bin/sh\ncd "${policy}"\nexec node node_modules/@pulumi/pulumi/cmd/run-policy-pack "$1" .\n`,
  );
  chmodSync(launcher, 0o755);
  return launcher;
}

function profileOnce(ws: PulumiWorkspace, dir: string, label: string, pack: string | undefined): void {
  const cpu = join(dir, label, "cpu");
  mkdirSync(cpu, { recursive: true });
  const extra = pack ? ["--policy-pack", pack] : [];
  const startedAt = new Date();
  const engine = join(dir, label, "engine");
  const r = ws.pulumi(["preview", "--stack", stack, "--logtostderr", "-v=9", `--profiling=${engine}`, ...extra], {
    env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${cpu}` },
  });
  writeFileSync(join(dir, label, "engine.log"), r.stderr);
  if (r.code !== 0) throw new Error(`preview failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  console.log(
    `== ${label}: ${stack} preview${pack ? " with the policy pack" : ""}: ${r.seconds.toFixed(2)} s wall (-v=9 logging on)`,
  );
  console.log("engine timeline (seconds after the CLI started, from its -v=9 log):");
  engineTimeline(r.stderr, startedAt);
  console.log("Node.js processes (CPU profiles):");
  for (const f of readdirSync(cpu).sort()) summarise(join(cpu, f));
  // The CLI's own CPU profile (the engine; not its plugins): the top functions by cumulative time.
  for (const f of readdirSync(join(dir, label)).filter((f) => f.startsWith("engine.") && f.endsWith(".cpu"))) {
    const top = spawnSync("go", ["tool", "pprof", "-top", "-cum", "-nodecount=25", join(dir, label, f)], {
      encoding: "utf8",
    });
    console.log(`engine CPU profile (${f}):`);
    console.log(
      top.stdout
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n"),
    );
  }
}

function main(): void {
  const keep = flag("--keep");
  const dir = keep ?? mkdtempSync(join(tmpdir(), "sophia-profile-"));
  const ws = new PulumiWorkspace(toolchainEnv(), { passphrase: "profile" });
  try {
    prepareEscStack(ws, stack);
    profileOnce(ws, dir, "after", withPolicy ? POLICY_PACK : undefined);
    runFromSources(ws);
    profileOnce(ws, dir, "before", withPolicy ? sourcePackLauncher(join(ws.dir, "source-pack")) : undefined);
    if (keep) console.log(`profiles and logs kept in ${dir}`);
  } finally {
    ws.cleanup();
  }
}

main();
