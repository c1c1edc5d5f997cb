/**
 * Reads the engine's event log (`pulumi up --event-log <file>`, a JSON event per line; the flag is
 * shown with PULUMI_DEBUG_COMMANDS) into per-resource step times, and finds the critical path: from
 * the step that finished last, back through the dependency that finished last before it. Load on a
 * shared machine stretches every step, but the path's length in steps does not change with it.
 * The engine stamps events in whole seconds.
 */

/** One resource's step: from its pre-event (the step starts) to its outputs event (it is done). */
export interface StepTiming {
  urn: string;
  /** The resource's name (the URN's last part). */
  name: string;
  op: string;
  start: number;
  end: number;
}

interface EngineEvent {
  timestamp: number;
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
}

interface StepMetadata {
  op: string;
  urn: string;
  new?: { custom?: boolean } | null;
  old?: { custom?: boolean } | null;
}

/** The steps of custom resources (components and the stack only group them), in start order. */
export function stepTimings(eventLog: string): StepTiming[] {
  const steps = new Map<string, StepTiming>();
  for (const line of eventLog.split("\n")) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as EngineEvent;
    const pre = e.resourcePreEvent?.metadata;
    const out = e.resOutputsEvent?.metadata;
    const m = pre ?? out;
    if (!m || !(m.new?.custom ?? m.old?.custom) || m.op === "same") continue;
    if (m.urn.includes("::pulumi:providers:")) continue;
    if (pre && !steps.has(m.urn)) {
      steps.set(m.urn, { urn: m.urn, name: m.urn.split("::").at(-1)!, op: m.op, start: e.timestamp, end: e.timestamp });
    }
    if (out && steps.has(m.urn)) steps.get(m.urn)!.end = e.timestamp;
  }
  return [...steps.values()].sort((a, b) => a.start - b.start || a.name.localeCompare(b.name));
}

/** Each resource's dependencies (dependsOn and input dependencies) from `pulumi stack export`. */
export function stateDependencies(exported: string): Map<string, string[]> {
  const state = JSON.parse(exported) as {
    deployment: {
      resources?: { urn: string; dependencies?: string[]; propertyDependencies?: Record<string, string[]> }[];
    };
  };
  const deps = new Map<string, string[]>();
  for (const r of state.deployment.resources ?? []) {
    const all = new Set([...(r.dependencies ?? []), ...Object.values(r.propertyDependencies ?? {}).flat()]);
    deps.set(r.urn, [...all]);
  }
  return deps;
}

export interface CriticalPath {
  /** The chain, first step first. */
  steps: StepTiming[];
  /** From the first step's start to the last one's end. */
  seconds: number;
  /** Time the chain's steps spent running (the rest is waiting: engine, parallelism, load). */
  busySeconds: number;
}

/** The chain that decided when the update finished. */
export function criticalPath(steps: readonly StepTiming[], deps: ReadonlyMap<string, readonly string[]>): CriticalPath {
  const byUrn = new Map(steps.map((s) => [s.urn, s]));
  let current = [...steps].sort((a, b) => b.end - a.end || b.start - a.start)[0];
  const chain: StepTiming[] = [];
  while (current) {
    chain.unshift(current);
    const before = (deps.get(current.urn) ?? [])
      .map((u) => byUrn.get(u))
      .filter((s): s is StepTiming => s !== undefined && s.end <= current!.start);
    current = before.sort((a, b) => b.end - a.end || b.start - a.start)[0];
  }
  const first = chain[0];
  const last = chain.at(-1);
  return {
    steps: chain,
    seconds: first && last ? last.end - first.start : 0,
    busySeconds: chain.reduce((t, s) => t + (s.end - s.start), 0),
  };
}
