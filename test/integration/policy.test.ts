/**
 * The sophia-guardrails policy pack in the real engine: previews of dev (local API server and
 * Weaviate), production and staging (ESC resolved with fixtures) pass every policy on every
 * resource; a program breaking each policy once fails its preview with exactly those violations,
 * mandatory, and a policy config can lower them to advisory.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { POLICY_PACK, previewWithPolicies, type PolicyPreview } from "../harness/policy";
import { LocalKube } from "../harness/kube";
import { prepareEscStack, prepareLocalDevStack, PulumiWorkspace, toolchainEnv } from "../harness/pulumi";
import { repoRoot } from "../harness/stack-config";
import { LocalWeaviate } from "../harness/weaviate";

const RESOURCE_POLICIES = [
  "pinned-images",
  "container-resources",
  "no-privileged-containers",
  "no-host-access",
  "no-load-balancers",
  "no-plaintext-credentials",
  "gpu-tolerations",
];
const STACK_POLICIES = ["disruption-budgets"];
const PACK = `sophia-guardrails|local|${POLICY_PACK}`;

let env: Record<string, string>;
beforeAll(() => {
  env = toolchainEnv();
});

/** Every resource the preview analysed passed every resource policy, and the stack passed the stack policies. */
function expectClean(p: PolicyPreview, minResources: number): void {
  expect(p.violations, p.violations.map((v) => `${v.policy} ${v.resource}: ${v.message}`).join("\n")).toEqual([]);
  expect(p.run.code, p.run.stderr).toBe(0);
  expect(p.result).toBe("succeeded");
  expect(p.packs).toEqual({ [PACK]: "1.0.0" });
  const analysed = p.passed.get(RESOURCE_POLICIES[0]!) ?? [];
  expect(analysed.length).toBeGreaterThanOrEqual(minResources);
  for (const policy of RESOURCE_POLICIES) expect(p.passed.get(policy)?.length, policy).toBe(analysed.length);
  for (const policy of STACK_POLICIES) expect(p.passed.get(policy), policy).toHaveLength(1);
}

describe("the platform's stacks pass the pack", () => {
  it("dev (local API server and Weaviate)", async () => {
    const kube = await LocalKube.start(env);
    const weaviate = await LocalWeaviate.start(env);
    const ws = new PulumiWorkspace(env);
    try {
      prepareLocalDevStack(ws, { kubeconfigPath: kube.kubeconfigPath, weaviate });
      expectClean(await previewWithPolicies(ws, "dev"), 209);
    } finally {
      ws.cleanup();
      expect(await weaviate.stop()).toEqual([]);
      expect(await kube.stop()).toEqual([]);
    }
  });

  it.each([
    ["production", 275],
    ["staging", 274],
  ] as const)("%s (ESC resolved with fixtures)", async (stack, resources) => {
    const ws = new PulumiWorkspace(env, { passphrase: `throwaway-${stack}` });
    try {
      prepareEscStack(ws, stack);
      // The stack's objects go to the cluster this program bootstraps: until it exists their
      // namespaces are unknown in a preview, and the pack cannot evaluate what it cannot read (it
      // does at the update). Its Kubernetes layer is checked here against the ESC kubeconfig, where
      // every input is known, beside the Lambda instances and the cluster layer's own resources.
      ws.must(["config", "set", "--stack", stack, "--path", "sophia-infra:kubernetes.target", "kubeconfig"]);
      expectClean(await previewWithPolicies(ws, stack), resources);
    } finally {
      ws.cleanup();
    }
  });
});

describe("a program breaking each policy once", () => {
  let ws: PulumiWorkspace;
  beforeAll(() => {
    ws = new PulumiWorkspace(env, {
      passphrase: "policy-test",
      projectSource: join(repoRoot, "test", "fixtures", "policy-violations"),
    });
    ws.must(["stack", "init", "bad", "--secrets-provider", "passphrase"]);
  });
  afterAll(() => ws.cleanup());

  const byPolicy = (p: PolicyPreview) => {
    const out: Record<string, string[]> = {};
    for (const v of p.violations) (out[v.policy] ??= []).push(v.resource);
    for (const list of Object.values(out)) list.sort();
    return out;
  };
  const expected = {
    "pinned-images": ["violates-pinned-images-latest", "violates-pinned-images-untagged"],
    "container-resources": ["violates-container-resources"],
    "no-privileged-containers": ["violates-no-privileged-containers", "violates-no-privileged-containers-gpu-operator"],
    "no-host-access": ["violates-no-host-access"],
    "no-load-balancers": ["violates-no-load-balancers"],
    "no-plaintext-credentials": ["violates-no-plaintext-credentials-env", "violates-no-plaintext-credentials-url"],
    "gpu-tolerations": ["violates-gpu-tolerations"],
    "disruption-budgets": ["violates-disruption-budgets"],
  };

  it("fails its preview: each policy fires on exactly its objects, mandatory, saying what to fix", async () => {
    const p = await previewWithPolicies(ws, "bad");
    expect(byPolicy(p), `${p.run.stdout}\n${p.run.stderr}`).toEqual(expected);
    expect(new Set(p.violations.map((v) => v.level))).toEqual(new Set(["mandatory"]));
    expect(p.run.code).not.toBe(0);
    expect(p.result).toBe("failed");
    const message = (resource: string) => p.violations.find((v) => v.resource === resource)?.message;
    expect(message("violates-pinned-images-untagged")).toContain(
      'image "ghcr.io/example/app" has no tag (Kubernetes pulls latest)',
    );
    expect(message("violates-container-resources")).toContain("sets no limits.cpu, limits.memory");
    expect(message("violates-no-plaintext-credentials-env")).toContain(
      "sets DB_PASSWORD inline; take it from a Secret (env[].valueFrom.secretKeyRef)",
    );
    expect(message("violates-no-plaintext-credentials-url")).toContain("data.DATABASE_URL holds a URL with a password");
    // The credential itself is never repeated in a message.
    expect(p.violations.map((v) => v.message).join("\n")).not.toContain("hunter2");
    expect(message("violates-disruption-budgets")).toContain(
      "Deployment sophia-apps/violates-disruption-budgets runs up to 3 replicas but no PodDisruptionBudget",
    );
  });

  it("a policy config lowering every policy to advisory lets the preview pass, still reporting each", async () => {
    const config = join(ws.dir, "advisory.json");
    writeFileSync(config, JSON.stringify({ all: "advisory" }));
    const p = await previewWithPolicies(ws, "bad", { policyConfig: config });
    expect(byPolicy(p), `${p.run.stdout}\n${p.run.stderr}`).toEqual(expected);
    expect(new Set(p.violations.map((v) => v.level))).toEqual(new Set(["advisory"]));
    expect(p.run.code, p.run.stderr).toBe(0);
  });
});
