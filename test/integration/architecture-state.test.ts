/**
 * Refactoring the program's shape (issue 14) must not change what it deploys. The program at
 * BASELINE is taken with `git archive` and built with its own scripts/aot.cjs, then, with the real
 * engine and the same stack config:
 * - dev: the baseline goes up on a fresh file-backend stack against a local Kubernetes API server
 *   and Weaviate; a preview of the current program against that state must show no changes;
 * - production and staging: previews of both programs against empty state must register the same
 *   steps (URNs, types, inputs, parents, providers, dependencies: test/harness/graph.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { checkoutBaseline, type BaselineProgram } from "../harness/baseline";
import { expectSameGraph, previewGraph } from "../harness/graph";
import { LocalKube } from "../harness/kube";
import {
  parseJson,
  prepareEscStack,
  prepareLocalDevStack,
  PulumiWorkspace,
  toolchainEnv,
  type PreviewJson,
} from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";
import { LocalWeaviate } from "../harness/weaviate";

/**
 * The commit whose program the current one must match: the last one before the change this test
 * guards. When a change that is meant to alter resources is merged, move it to that merge commit
 * (one line). A clone without this commit fails the test with a message saying so (never a skip).
 */
const BASELINE = "cf1a6069102097e7efc86af9091b49864658a911";

let env: Record<string, string>;
let baseline: BaselineProgram;
beforeAll(() => {
  env = toolchainEnv();
  baseline = checkoutBaseline(BASELINE);
}, 120_000);
afterAll(() => baseline?.cleanup());

describe("dev: state the baseline program created", () => {
  let ws: PulumiWorkspace;
  let kube: LocalKube;
  let weaviate: LocalWeaviate;
  beforeAll(async () => {
    kube = await LocalKube.start(env);
    weaviate = await LocalWeaviate.start(env);
    ws = new PulumiWorkspace(env, { projectSource: baseline.dir });
    prepareLocalDevStack(ws, { kubeconfigPath: kube.kubeconfigPath, weaviate });
  });
  afterAll(async () => {
    ws?.cleanup();
    expect(await kube?.stop()).toEqual([]);
    expect(await weaviate?.stop()).toEqual([]);
  });

  it("the current program previews no changes against it", async () => {
    const up = await ws.mustRun(["up", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
    const created = /Resources:\s+\+ (\d+) created/.exec(up.stdout)?.[1];
    expect(Number(created), up.stdout).toBeGreaterThan(200);

    ws.linkProject(repoRoot);
    const preview = await ws.run(["preview", "--stack", "dev", "--expect-no-changes", "--json"]);
    const json = parseJson<PreviewJson>(preview);
    const changed = (json.steps ?? []).filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn}`);
    expect(changed).toEqual([]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(json.changeSummary).toEqual({ same: Number(created) });
  });
});

describe.each(["production", "staging"] as const)("%s: previews against empty state", (stack) => {
  let ws: PulumiWorkspace;
  beforeAll(() => {
    ws = new PulumiWorkspace(env, { passphrase: `architecture-${stack}`, projectSource: baseline.dir });
    prepareEscStack(ws, stack);
  });
  afterAll(() => ws?.cleanup());

  it("the current program registers the baseline's steps", async () => {
    const before = await previewGraph(ws, stack);
    ws.linkProject(repoRoot);
    const after = await previewGraph(ws, stack);
    expect(before.size).toBeGreaterThan(100);
    expectSameGraph(after, before);
  });
});
