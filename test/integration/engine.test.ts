/**
 * The real engine end to end: the pinned CLI, the Node.js language host and the Kubernetes plugin,
 * on throwaway file backends. dev goes up twice (the second run changes nothing) and is destroyed;
 * production and staging are previewed from their stack files plus their ESC definitions resolved
 * with fixture secrets.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { fixtureSecret, resolveEscConfig } from "../harness/esc";
import {
  parseJson,
  prepareDevStack,
  prepareEscStack,
  PulumiWorkspace,
  toolchainEnv,
  type PreviewJson,
} from "../harness/pulumi";

let env: Record<string, string>;
beforeAll(() => {
  env = toolchainEnv();
});

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

function manifests(dir: string): Manifest[] {
  const out: Manifest[] = [];
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  for (const file of walk(dir).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) out.push(doc.toJS() as Manifest);
  }
  return out;
}

describe("dev stack: up, up again, destroy", () => {
  let ws: PulumiWorkspace;
  let renderDir: string;

  beforeAll(() => {
    ws = new PulumiWorkspace(env);
    renderDir = join(ws.dir, "manifests");
    prepareDevStack(ws, { "sophia-infra:kubernetes.renderDirectory": renderDir });
  });
  afterAll(() => ws.cleanup());

  it("the first up renders the namespaces and policies with the real Kubernetes provider", () => {
    const up = ws.must(["up", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(up.stdout).toMatch(/Resources:\s+\+ 12 created/);
    const objects = manifests(renderDir);
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`).sort()).toEqual([
      "Namespace//sophia-apps",
      "Namespace//sophia-data",
      "Namespace//sophia-mcp",
      "NetworkPolicy/sophia-apps/allow-dns",
      "NetworkPolicy/sophia-apps/default-deny",
      "NetworkPolicy/sophia-data/allow-dns",
      "NetworkPolicy/sophia-data/default-deny",
      "NetworkPolicy/sophia-mcp/allow-dns",
      "NetworkPolicy/sophia-mcp/default-deny",
    ]);
    const apps = objects.find((o) => o.metadata.name === "sophia-apps");
    expect(apps?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("the second run reports no changes", () => {
    const preview = ws.pulumi(["preview", "--stack", "dev", "--expect-no-changes", "--json"]);
    expect(preview.code).toBe(0);
    expect(parseJson<PreviewJson>(preview).changeSummary).toEqual({ same: 12 });
    const up = ws.must(["up", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(up.stdout).toMatch(/Resources:\s+12 unchanged/);
  });

  it("outputs name the endpoints and layers, and never a secret in plaintext", () => {
    const out = parseJson<Record<string, unknown>>(
      ws.must(["stack", "output", "--stack", "dev", "--json", "--show-secrets"]),
    );
    expect(out["environment"]).toBe("dev");
    expect(out["endpoints"]).toEqual({
      api: "https://api.sophia-dev.localhost",
      mcp: "https://mcp.sophia-dev.localhost",
      monitor: "https://monitor.sophia-dev.localhost",
    });
    expect(out["kubernetesNamespaces"]).toEqual({
      "sophia-apps": "sophia-apps",
      "sophia-mcp": "sophia-mcp",
      "sophia-data": "sophia-data",
    });
    const exported = ws.must(["stack", "export", "--stack", "dev"]).stdout;
    const token = ws.must(["config", "get", "--stack", "dev", "sophia-infra:mcpGatewayToken"]).stdout.trim();
    expect(token).toMatch(/^dev-gateway-token-/);
    expect(exported).not.toContain(token);
  });

  it("a wrong passphrase says so and changes nothing", () => {
    const r = ws.pulumi(["preview", "--stack", "dev"], {
      env: { PULUMI_CONFIG_PASSPHRASE_FILE: "", PULUMI_CONFIG_PASSPHRASE: "not-the-dev-passphrase" },
    });
    expect(r.code).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/incorrect passphrase/i);
  });

  it("destroy removes everything it rendered", () => {
    ws.must(["destroy", "--stack", "dev", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(existsSync(renderDir) ? manifests(renderDir) : []).toEqual([]);
  });
});

describe.each(["production", "staging"] as const)("%s preview (ESC resolved with fixtures)", (stack) => {
  let ws: PulumiWorkspace;

  beforeAll(() => {
    ws = new PulumiWorkspace(env, { passphrase: `throwaway-${stack}` });
    prepareEscStack(ws, stack);
  });
  afterAll(() => ws.cleanup());

  it("previews every namespace of the platform, warning about layers not built yet", () => {
    const r = ws.pulumi(["preview", "--stack", stack, "--json"]);
    const preview = parseJson<PreviewJson>(r);
    expect(r.code, r.stderr).toBe(0);
    const creates = (preview.steps ?? [])
      .filter((s) => s.op === "create")
      .map((s) => `${s.newState?.type}::${s.urn.split("::").at(-1)}`);
    expect(creates.filter((u) => u.startsWith("kubernetes:core/v1:Namespace")).sort()).toEqual(
      ["cert-manager", "gpu-operator", "ingress", "monitoring", "sophia-apps", "sophia-data", "sophia-mcp"].map(
        (n) => `kubernetes:core/v1:Namespace::platform-${n}`,
      ),
    );
    expect(creates).toContain("pulumi:providers:kubernetes::kubernetes");
    const warnings = (preview.diagnostics ?? []).filter((d) => d.severity === "warning").map((d) => d.message);
    expect(warnings.some((w) => w.includes("postgres: enabled in config but not built yet"))).toBe(true);
  });

  it("never shows a fixture secret in the preview", () => {
    const r = ws.pulumi(["preview", "--stack", stack, "--diff"]);
    const text = `${r.stdout}${r.stderr}`;
    for (const [key, v] of Object.entries(resolveEscConfig(stack))) {
      if (v.secret && !key.endsWith("kubeconfig")) expect(text).not.toContain(v.value);
    }
    expect(text).not.toContain(fixtureSecret("kubernetes.kubeconfig").split("token: ")[1]!.split("\n")[0]);
  });
});

describe("bad config through the real engine", () => {
  let ws: PulumiWorkspace;
  afterAll(() => ws?.cleanup());

  it("one error lists a misspelled key, a wrong type and a missing secret, and nothing is registered", () => {
    ws = new PulumiWorkspace(env, { passphrase: "throwaway-bad" });
    ws.write(
      "Pulumi.bad.yaml",
      [
        "config:",
        "  sophia-infra:environment: staging",
        "  sophia-infra:domain: staging.sophia-intel.ai",
        "  sophia-infra:kubernetes: { target: render }",
        "  sophia-infra:monitoring: { mode: skip }",
        "  sophia-infra:mcp: { mode: skip }",
        "  sophia-infra:postgres: { instancez: 3 }",
        "  sophia-infra:redis: { replicas: three }",
        "  sophia-infra:weaviate: { mode: cloud, url: 'https://sophia.weaviate.cloud' }",
        "",
      ].join("\n"),
    );
    ws.must(["stack", "init", "bad", "--secrets-provider", "passphrase"]);
    const r = ws.pulumi(["up", "--stack", "bad", "--yes", "--skip-preview"]);
    expect(r.code).not.toBe(0);
    const text = `${r.stdout}${r.stderr}`;
    expect(text).toContain('Stack "bad" has 3 configuration problems; nothing was registered or changed.');
    expect(text).toContain('sophia-infra:postgres has unknown key "instancez"');
    expect(text).toContain('sophia-infra:redis.replicas must be number, got string "three"');
    expect(text).toContain("sophia-infra:weaviateApiKey is a required secret (weaviate.mode is cloud) and is not set");
    // Only the stack resource itself exists: no provider, no namespace.
    const state = JSON.parse(ws.must(["stack", "export", "--stack", "bad"]).stdout) as {
      deployment: { resources?: { type: string }[] };
    };
    expect((state.deployment.resources ?? []).map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack")).toEqual(
      [],
    );
  });
});
