/**
 * Where one `pulumi preview` spends its time (issue 18; not a test). Runs a preview of a stack (ESC
 * resolved with fixtures, stand-in charts, as the tests do) with every Node.js process under the V8
 * CPU profiler, and prints:
 *   - the wall time; with `--log`, the engine's timeline from its `-v=9` log (which slows it): when
 *     the pack, the language host, the program and the Kubernetes plugin started, the first and last
 *     resource registration, the program's end;
 *   - per Node.js process that exits by itself (the program; the engine kills the pack): CPU time by what ran
 *     (the TypeScript compiler, ts-node, Node's module loader, each package, our own code, GC, idle);
 *   - the engine's own CPU profile (`--profiling`, Go pprof), its top functions;
 *   - with `--trace`, the timeline from the CLI's OpenTelemetry trace (scripts/otel-timeline.ts):
 *     plugin starts, the program's run, pauses between registrations, and the engine's calls to
 *     providers and the pack, counted and timed (the trace costs little, unlike `-v=9`).
 * It profiles the program as it runs now (its ahead-of-time build, the pack from its build) and then,
 * in the same workspace, as it ran before issue 18 (`stacks/index.ts` through ts-node, the pack
 * through the SDK's run-policy-pack with type checking), back to back so the two compare on a
 * shared machine.
 * Usage: scripts/bench.sh is the figure of record; this explains it:
 *   node_modules/.bin/tsx scripts/profile-preview.ts [--stack production] [--policy] [--log] [--trace] [--keep DIR]
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { manifestsDirectory } from "../components/manifests";
import { formatTimeline, parseTrace, previewTimeline } from "./otel-timeline";
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
// The engine's -v=9 log gives a timeline but costs the engine half its CPU: off unless asked.
const withLog = args.includes("--log");
const withTrace = args.includes("--trace");

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
    console.log(`    first registerResource (the stack's own, before the program loads) at ${ms(firstRegister)}`);
  for (const [c, us] of [...cats].sort((a, b) => b[1] - a[1]).slice(0, 16))
    console.log(`    ${ms(us)} ${((100 * us) / total).toFixed(1).padStart(5)}%  ${c}`);
}

/** The engine's log (`-v=9`, one JSON object a line): the events worth placing on a timeline. */
const EVENTS: [string, RegExp][] = [
  ["policy pack launched", /Launching plugin .*\(analyzer\)/],
  ["language host launched", /Launching plugin .*pulumi-language-nodejs/],
  ["program run requested", /langhost\[nodejs\]\.Run\(.*executing/],
  ["kubernetes plugin launched", /Launching plugin .*pulumi-resource-kubernetes/],
  ["first resource registered", /RegisterResource\(/],
  ["program finished", /langhost\[nodejs\]\.Run\(.*(success|failed)/],
  ["update complete", /Update\(preview=true\) complete/],
];

function engineTimeline(stderr: string, startedAt: Date): void {
  const entries: { t: number; msg: string }[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const e = JSON.parse(line) as { time?: string; msg?: string };
      if (e.time && e.msg) entries.push({ t: (Date.parse(e.time) - startedAt.getTime()) / 1000, msg: e.msg });
    } catch {
      // a line that only looks like JSON
    }
  }
  for (const [name, re] of EVENTS) {
    const e = entries.find((x) => re.test(x.msg));
    if (e) console.log(`  ${e.t.toFixed(2).padStart(6)} s  ${name}`);
  }
  const registers = entries.filter((x) => /RegisterResource\(/.test(x.msg));
  if (registers.length > 0)
    console.log(
      `  ${registers.at(-1)!.t.toFixed(2).padStart(6)} s  last RegisterResource log line (${registers.length} lines)`,
    );
  if (entries.length > 0) console.log(`  ${entries.at(-1)!.t.toFixed(2).padStart(6)} s  last engine log line`);
}

/** A copy of the fetched manifests without the parsed JSON beside them (components/manifests.ts). */
export function unparsedManifests(env: Record<string, string>, to: string): string {
  cpSync(manifestsDirectory(env), to, { recursive: true, filter: (src) => !src.endsWith(".json") });
  return to;
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

/**
 * A preload for every Node.js process of the run (NODE_OPTIONS, which may not carry --cpu-prof):
 * it profiles the process through the inspector and writes the profile when it exits.
 */
function profilerPreload(dir: string, cpu: string): string {
  const file = join(dir, "cpu-profiler.cjs");
  writeFileSync(
    file,
    [
      'const inspector = require("node:inspector");',
      'const fs = require("node:fs");',
      "const session = new inspector.Session();",
      "session.connect();",
      'session.post("Profiler.enable");',
      'session.post("Profiler.setSamplingInterval", { interval: 1000 });',
      'session.post("Profiler.start");',
      'process.on("exit", () => {',
      '  session.post("Profiler.stop", (err, r) => {',
      `    if (!err) fs.writeFileSync(${JSON.stringify(cpu)} + "/" + process.pid + ".cpuprofile", JSON.stringify(r.profile));`,
      "  });",
      "});",
      "",
    ].join("\n"),
  );
  return file;
}

function profileOnce(
  ws: PulumiWorkspace,
  dir: string,
  label: string,
  pack: string | undefined,
  env: Record<string, string> = {},
): void {
  const cpu = join(dir, label, "cpu");
  mkdirSync(cpu, { recursive: true });
  const extra = pack ? ["--policy-pack", pack] : [];
  const startedAt = new Date();
  const engine = join(dir, label, "engine");
  const log = withLog ? ["--logtostderr", "-v=9"] : [];
  const traceFile = join(dir, label, "trace.json");
  const trace = withTrace ? [`--otel-traces=file://${traceFile}`] : [];
  const r = ws.pulumi(["preview", "--stack", stack, ...log, ...trace, `--profiling=${engine}`, ...extra], {
    env: { NODE_OPTIONS: `--require ${profilerPreload(join(dir, label), cpu)}`, ...env },
  });
  writeFileSync(join(dir, label, "engine.log"), r.stderr);
  if (r.code !== 0) throw new Error(`preview failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  const what = `${stack} preview${pack ? " with the policy pack" : ""}`;
  console.log(`== ${label}: ${what}: ${r.seconds.toFixed(2)} s wall${withLog ? " (-v=9 logging on)" : ""}`);
  if (withLog) {
    console.log("engine timeline (seconds after the CLI started, from its -v=9 log, which slows it):");
    engineTimeline(r.stderr, startedAt);
  }
  if (withTrace) {
    console.log("timeline (seconds after the CLI started, from its OpenTelemetry trace):");
    for (const l of formatTimeline(previewTimeline(parseTrace(readFileSync(traceFile, "utf8"))))) console.log(l);
  }
  console.log("Node.js processes (CPU profiles):");
  for (const f of readdirSync(cpu).sort()) summarise(join(cpu, f));
  // The CLI's own CPU profile (the engine; not its plugins): the top functions by cumulative time.
  for (const f of readdirSync(join(dir, label)).filter((f) => f.startsWith("engine.") && f.endsWith(".cpu"))) {
    const top = spawnSync("go", ["tool", "pprof", "-top", "-cum", "-nodecount=30", join(dir, label, f)], {
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
    // Before issue 18 every run parsed CloudNativePG's manifest: give this run an unparsed copy.
    const manifests = unparsedManifests(ws.env, join(ws.dir, "manifests-before"));
    profileOnce(ws, dir, "before", withPolicy ? sourcePackLauncher(join(ws.dir, "source-pack")) : undefined, {
      SOPHIA_MANIFESTS: manifests,
    });
    if (keep) console.log(`profiles and logs kept in ${dir}`);
  } finally {
    ws.cleanup();
  }
}

main();
