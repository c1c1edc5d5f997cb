/**
 * Runs a real `pulumi preview` with the sophia-guardrails policy pack and reads what the pack did
 * from the engine's event log (the structured stream the Automation API reads): each violation, and
 * which policies each resource passed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import type { PulumiWorkspace, RunResult } from "./pulumi";
import { repoRoot } from "./stack-config";

/** The launcher the CLI runs as the pack (an absolute path: the engine starts it from the program's directory). */
export const POLICY_PACK = join(repoRoot, "policy", "analyzer");

export interface PolicyViolation {
  readonly policy: string;
  /** The resource's Pulumi name (last URN segment). */
  readonly resource: string;
  readonly message: string;
  readonly level: string;
}

export interface PolicyPreview {
  readonly run: RunResult;
  readonly violations: PolicyViolation[];
  /** Policy name → resources that passed it (stack policies: the stack). */
  readonly passed: Map<string, string[]>;
  /** Packs the engine loaded (`name|local|path` → version). */
  readonly packs: Record<string, string>;
  readonly result: string | undefined;
}

interface EngineEvent {
  policyEvent?: { resourceUrn?: string; policyName: string; message: string; enforcementLevel: string };
  policyAnalyzeSummaryEvent?: { resourceUrn: string; passed?: string[] };
  policyAnalyzeStackSummaryEvent?: { resourceUrn: string; passed?: string[] };
  summaryEvent?: { PolicyPacks?: Record<string, string>; result?: string };
}

const lastSegment = (urn: string | undefined) => (urn ?? "").split("::").at(-1) ?? "";

/** `pulumi preview` of `stack` in `ws` with the pack (and optional policy config file). */
export async function previewWithPolicies(
  ws: PulumiWorkspace,
  stack: string,
  opts: { policyConfig?: string } = {},
): Promise<PolicyPreview> {
  const log = join(ws.dir, `events-${stack}-${Date.now()}.jsonl`);
  const args = ["preview", "--stack", stack, "--policy-pack", POLICY_PACK, `--event-log=${log}`];
  if (opts.policyConfig) args.push("--policy-pack-config", opts.policyConfig);
  // --event-log is one of the CLI's debug flags (PULUMI_DEBUG_COMMANDS).
  const run = await ws.run(args, { env: { PULUMI_DEBUG_COMMANDS: "true" } });
  const violations: PolicyViolation[] = [];
  const passed = new Map<string, string[]>();
  let packs: Record<string, string> = {};
  let result: string | undefined;
  let text: string;
  try {
    text = readFileSync(log, "utf8");
  } catch {
    throw new Error(`no event log (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as EngineEvent;
    if (e.policyEvent) {
      violations.push({
        policy: e.policyEvent.policyName,
        resource: lastSegment(e.policyEvent.resourceUrn),
        message: e.policyEvent.message,
        level: e.policyEvent.enforcementLevel,
      });
    }
    for (const summary of [e.policyAnalyzeSummaryEvent, e.policyAnalyzeStackSummaryEvent]) {
      for (const policy of summary?.passed ?? []) {
        passed.set(policy, [...(passed.get(policy) ?? []), lastSegment(summary!.resourceUrn)]);
      }
    }
    if (e.summaryEvent) {
      packs = e.summaryEvent.PolicyPacks ?? {};
      result = e.summaryEvent.result;
    }
  }
  return { run, violations, passed, packs, result };
}
