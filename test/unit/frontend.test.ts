/**
 * The Vercel frontend under Pulumi mocks: exactly which resources production and staging register,
 * their inputs, the explicit provider, secrecy of the token and team, `deleteBeforeReplace` on the
 * variables and the `import` IDs that adopt an existing project; then the config errors.
 */
import * as pulumi from "@pulumi/pulumi";
import { specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { beforeAll, describe, expect, it } from "vitest";

import { readFileSync } from "node:fs";
import { join } from "node:path";

import {
  childName,
  frontendDnsRecords,
  importIds,
  isApexDomain,
  validateFrontend,
  type FrontendSpec,
} from "../../components/frontend/frontend-spec";
import { loadConfig, parseConfig, type RawConfig } from "../../stacks/config/load";
import { resolveEscConfig } from "../harness/esc";
import { setupMocks, type Registration } from "../harness/mocks";
import { readStackFile, repoRoot, toRawConfig } from "../harness/stack-config";

type Stack = "production" | "staging";

/** Resource options as the SDK sees them, by resource name (a stack transformation records them). */
const options = new Map<string, pulumi.CustomResourceOptions>();
let registered: Registration[];
let settled: () => Promise<void>;

beforeAll(async () => {
  const mocks = await setupMocks("production");
  registered = mocks.registered;
  settled = mocks.settled;
});

/** Records every child's resource options. */
const capture: pulumi.ResourceTransformation = (args) => {
  options.set(args.name, args.opts);
  return undefined;
};

/** Stack file plus ESC resolved with fixtures, with `frontend` replaced when given. */
function rawConfig(stack: Stack, frontend?: Record<string, unknown>): RawConfig {
  const file = readStackFile(stack).config;
  const config = frontend ? { ...file, "sophia-infra:frontend": frontend } : file;
  return toRawConfig(config, resolveEscConfig(stack));
}

/** Runs the frontend layer for `stack` and returns what it registered. */
async function runFrontend(stack: Stack, frontend?: Record<string, unknown>, prefix = "frontend") {
  const { frontendLayer } = await import("../../stacks/frontend");
  const config = loadConfig(rawConfig(stack, frontend), stack);
  const before = registered.length;
  const component = frontendLayer(config, `https://api.${config.settings.domain}`, { transformations: [capture] });
  await settled();
  const mine = registered.slice(before).filter((r) => r.name.startsWith(prefix));
  return { component, mine };
}

const secret = (v: unknown) => typeof v === "object" && v !== null && specialSigKey in v;
const byType = (rs: Registration[], type: string) => rs.filter((r) => r.type === type);
const PROJECT = "vercel:index/project:Project";
const DOMAIN = "vercel:index/projectDomain:ProjectDomain";
const VARIABLE = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable";

describe.each([
  {
    stack: "production" as const,
    project: "sophia-frontend",
    domains: ["sophia-intel.ai", "app.sophia-intel.ai"],
    api: "https://api.sophia-intel.ai",
  },
  {
    stack: "staging" as const,
    project: "sophia-frontend-staging",
    domains: ["staging.sophia-intel.ai"],
    api: "https://api.staging.sophia-intel.ai",
  },
])("$stack frontend", ({ stack, project, domains, api }) => {
  let mine: Registration[];
  let urls: string[] | undefined;

  beforeAll(async () => {
    const r = await runFrontend(stack);
    mine = r.mine;
    urls = r.component?.urls;
  });

  it("registers exactly the component, its provider, the project, one domain each and the two variables", () => {
    const slug = (d: string) => d.replace(/\./g, "-");
    expect(mine.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [
        "sophia:frontend:Frontend::frontend",
        "pulumi:providers:vercel::frontend-vercel",
        `${PROJECT}::frontend-project`,
        ...domains.map((d) => `${DOMAIN}::frontend-domain-${slug(d)}`),
        `${VARIABLE}::frontend-env-vite-api-url`,
        `${VARIABLE}::frontend-env-vite-environment`,
      ].sort(),
    );
  });

  it("the project builds the Vite app in frontend/, linked to the product repository", () => {
    expect(byType(mine, PROJECT)[0]?.inputs).toEqual({
      name: project,
      framework: "vite",
      rootDirectory: "frontend",
      buildCommand: "npm run build",
      installCommand: "npm ci",
      outputDirectory: "dist",
      nodeVersion: "22.x",
      gitRepository: { type: "github", repo: "scoobyjava15/sophia-main", productionBranch: "main" },
      previewDeploymentsDisabled: false,
    });
  });

  it("adds the environment's domains to the project", () => {
    expect(byType(mine, DOMAIN).map((r) => r.inputs)).toEqual(
      domains.map((domain) => ({ projectId: "frontend-project-id", domain })),
    );
    expect(urls).toEqual(domains.map((d) => `https://${d}`));
  });

  it("sets VITE_API_URL from the endpoints output and VITE_ENVIRONMENT, for production and previews", () => {
    // The SDK stores every variable's value as a secret (Vercel may hold credentials there).
    for (const r of byType(mine, VARIABLE)) expect(secret(r.inputs["value"]), r.name).toBe(true);
    const vars: Record<string, unknown> = Object.fromEntries(
      byType(mine, VARIABLE).map((r) => [String(r.inputs["key"]), { ...r.inputs, value: unwrap(r.inputs["value"]) }]),
    );
    expect(vars).toEqual({
      VITE_API_URL: {
        projectId: "frontend-project-id",
        key: "VITE_API_URL",
        value: api,
        sensitive: false,
        targets: ["production", "preview"],
        comment: "managed by sophia-infra",
      },
      VITE_ENVIRONMENT: {
        projectId: "frontend-project-id",
        key: "VITE_ENVIRONMENT",
        value: stack,
        sensitive: false,
        targets: ["production", "preview"],
        comment: "managed by sophia-infra",
      },
    });
    for (const r of byType(mine, VARIABLE)) {
      // ENV_ALREADY_EXISTS: a replacement must delete the old variable first.
      expect(options.get(r.name)?.deleteBeforeReplace, r.name).toBe(true);
    }
  });

  it("every Vercel resource uses the explicit provider, which gets the token and team only as secrets", () => {
    for (const r of mine.filter((x) => x.type.startsWith("vercel:"))) {
      expect(r.provider, r.name).toMatch(/\$pulumi:providers:vercel::frontend-vercel::frontend-vercel-id$/);
      expect(r.importId, r.name).toBeUndefined(); // nothing to adopt in the stack files
    }
    const provider = mine.find((r) => r.type === "pulumi:providers:vercel");
    expect(Object.keys(provider?.inputs ?? {}).sort()).toEqual(["apiToken", "team"]);
    expect(secret(provider?.inputs["apiToken"])).toBe(true);
    expect(secret(provider?.inputs["team"])).toBe(true);
    const fixtures = resolveEscConfig(stack);
    const token = fixtures["sophia-infra:vercelApiToken"]?.value;
    const team = fixtures["sophia-infra:vercelTeam"]?.value;
    expect(token).toMatch(/^fixture-/);
    const visible = JSON.stringify(mine.map((r) => redact(r.inputs)));
    expect(visible).not.toContain(token);
    expect(visible).not.toContain(team);
  });
});

describe("adopting the existing Vercel project", () => {
  it("imports the project, the listed domains and variables by the provider's import IDs", async () => {
    const { mine } = await runFrontend(
      "production",
      {
        mode: "vercel",
        domains: ["sophia-intel.ai", "app.sophia-intel.ai"],
        adopt: { projectId: "prj_Adopt123", domains: ["sophia-intel.ai"], variables: { VITE_API_URL: "envAbc" } },
      },
      "frontend",
    );
    const imports = Object.fromEntries(
      mine.filter((r) => r.type.startsWith("vercel:")).map((r) => [r.name, r.importId]),
    );
    expect(imports).toEqual({
      "frontend-project": "prj_Adopt123",
      "frontend-domain-sophia-intel-ai": "prj_Adopt123/sophia-intel.ai",
      "frontend-domain-app-sophia-intel-ai": undefined, // not on the old project: added
      "frontend-env-vite-api-url": "prj_Adopt123/envAbc",
      "frontend-env-vite-environment": undefined,
    });
  });
});

describe("the README's adoption example", () => {
  it("is valid production config", async () => {
    const { parse } = await import("yaml");
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const block = /```yaml\n(sophia-infra:frontend:\n[\s\S]*?)```/.exec(readme)?.[1];
    const example = (parse(block ?? "") as Record<string, Record<string, unknown>>)["sophia-infra:frontend"];
    expect(example?.["adopt"]).toBeDefined();
    const r = parseConfig(rawConfig("production", example));
    expect(r.ok ? [] : r.problems).toEqual([]);
  });
});

describe("import IDs", () => {
  /** The first `pulumi import` example (no team prefix) in the SDK's docs for `file`, as [type, id]. */
  const sdkExample = (file: string) => {
    const text = readFileSync(join(repoRoot, "node_modules", "@pulumiverse", "vercel", file), "utf8");
    const m = /\$ pulumi import (\S+) example (\S+)/.exec(text);
    return [m?.[1], m?.[2]];
  };

  it("have the provider's documented formats", () => {
    expect(sdkExample("project.d.ts")).toEqual([PROJECT, importIds.project("prj_xxxxxxxxxxxxxxxxxxxxxxxxxxxx")]);
    expect(sdkExample("projectDomain.d.ts")).toEqual([
      DOMAIN,
      importIds.domain("prj_xxxxxxxxxxxxxxxxxxxxxxxxxxxx", "example.com"),
    ]);
    expect(sdkExample("projectEnvironmentVariable.d.ts")).toEqual([
      VARIABLE,
      importIds.variable("prj_xxxxxxxxxxxxxxxxxxxxxxxxxxxx", "FdT2e1E5Of6Cihmt"),
    ]);
  });

  it("the README's pulumi import commands name the types, the component's child names and those IDs", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const commands = readme
      .split("\n")
      .filter((l) => l.startsWith("pulumi import vercel:"))
      .map((l) => l.split(" ").slice(2, 5));
    expect(commands).toEqual([
      [PROJECT, "frontend-project", importIds.project("prj_XXXX")],
      [
        DOMAIN,
        childName("frontend", "domain", "app.sophia-intel.ai"),
        importIds.domain("prj_XXXX", "app.sophia-intel.ai"),
      ],
      [VARIABLE, childName("frontend", "env", "VITE_API_URL"), importIds.variable("prj_XXXX", "XXXXXXXXXXXXXXXX")],
    ]);
  });
});

describe("frontend config errors name the key", () => {
  const problems = (stack: Stack, frontend: Record<string, unknown>, drop: string[] = []) => {
    const raw = rawConfig(stack, frontend);
    const values = Object.fromEntries(Object.entries(raw.values).filter(([k]) => !drop.includes(k)));
    const r = parseConfig({ values, secretKeys: raw.secretKeys });
    return r.ok ? [] : r.problems;
  };

  it("a missing token or team names the secret", () => {
    const found = problems("production", { mode: "vercel", domains: ["sophia-intel.ai"] }, [
      "sophia-infra:vercelApiToken",
      "sophia-infra:vercelTeam",
    ]);
    expect(found).toEqual([
      {
        path: "sophia-infra:vercelApiToken",
        message: "is a required secret (frontend.mode is vercel) and is not set",
        fix: "pulumi config set --secret sophia-infra:vercelApiToken <value>, or add it to the stack's ESC environment",
      },
      {
        path: "sophia-infra:vercelTeam",
        message: "is a required secret (frontend.mode is vercel) and is not set",
        fix: "pulumi config set --secret sophia-infra:vercelTeam <value>, or add it to the stack's ESC environment",
      },
    ]);
  });

  it("the old provider key is refused, so a token never configures a default provider", () => {
    const raw = rawConfig("production");
    const r = parseConfig({
      values: { ...raw.values, "vercel:apiToken": "t" },
      secretKeys: new Set([...raw.secretKeys, "vercel:apiToken"]),
    });
    expect(r.ok ? [] : r.problems.map((p) => [p.path, p.message])).toEqual([
      ["vercel:apiToken", "is not a key this program reads"],
    ]);
  });

  it("a domain outside the stack's domain", () => {
    expect(problems("staging", { mode: "vercel", domains: ["app.sophia-intel.ai"] })).toEqual([
      {
        path: "sophia-infra:frontend.domains.0",
        message: "is app.sophia-intel.ai, outside the stack's domain staging.sophia-intel.ai",
        fix: "use staging.sophia-intel.ai or a name under it (or change sophia-infra:domain)",
      },
    ]);
  });

  it("a variable that is a credential but not marked sensitive (by name or by value)", () => {
    const found = problems("production", {
      mode: "vercel",
      domains: ["sophia-intel.ai"],
      variables: [
        { key: "VITE_SENTRY_DSN", value: "https://public@o1.ingest.sentry.io/1" },
        { key: "VITE_PAYMENTS", value: "sk_live_0123456789abcdefABCDEF" },
        { key: "VITE_FEATURE_FLAGS", value: "beta,search" },
      ],
    });
    expect(found.map((p) => [p.path, p.message])).toEqual([
      [
        "sophia-infra:frontend.variables.0",
        "(VITE_SENTRY_DSN) looks like a credential (its name ends in DSN) but is not marked sensitive",
      ],
      [
        "sophia-infra:frontend.variables.1",
        "(VITE_PAYMENTS) looks like a credential (its value is a Stripe secret key) but is not marked sensitive",
      ],
    ]);
  });
});

describe("validateFrontend", () => {
  const base: FrontendSpec = {
    stackDomain: "sophia-intel.ai",
    gatewayHosts: ["api.sophia-intel.ai", "mcp.sophia-intel.ai", "monitor.sophia-intel.ai"],
    domains: ["sophia-intel.ai"],
    variables: [],
  };

  it("passes the stack files' settings", () => {
    expect(validateFrontend(base)).toEqual([]);
    expect(validateFrontend({ ...base, domains: ["sophia-intel.ai", "app.sophia-intel.ai"] })).toEqual([]);
  });

  it("refuses a gateway host, a reserved or repeated variable, and sensitive variables Vercel or Vite cannot keep", () => {
    const found = validateFrontend({
      ...base,
      domains: ["api.sophia-intel.ai", "sophia-intel.ai", "sophia-intel.ai"],
      variables: [
        { key: "VITE_API_URL", value: "https://x", sensitive: false, targets: ["production"] },
        { key: "BUILD_TOKEN", sensitive: true, targets: ["production", "development"] },
        { key: "VITE_KEY_TOKEN", sensitive: true, targets: [] },
        { key: "BUILD_TOKEN", sensitive: true, targets: ["preview"] },
      ],
    });
    expect(found.map((p) => p.path)).toEqual([
      "domains.0",
      "domains.2",
      "variables.0.key",
      "variables.1.targets",
      "variables.2.targets",
      "variables.2.key",
      "variables.3.key",
    ]);
  });

  it("checks the adoption settings", () => {
    const found = validateFrontend({
      ...base,
      adopt: { projectId: "sophia-frontend", domains: ["app.sophia-intel.ai"], variables: { OTHER: "env1" } },
    });
    expect(found.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'adopt.projectId: is "sophia-frontend", not a Vercel project ID',
      "adopt.domains.0: is app.sophia-intel.ai, which is not in domains",
      "adopt.variables.OTHER: is not a variable this stack manages",
    ]);
  });
});

describe("the registrar's records for the frontend", () => {
  it("an apex domain gets an A record to Vercel, a subdomain a CNAME", () => {
    expect(isApexDomain("sophia-intel.ai")).toBe(true);
    expect(isApexDomain("staging.sophia-intel.ai")).toBe(false);
    expect(isApexDomain("shop.example.co.uk")).toBe(false);
    expect(isApexDomain("example.co.uk")).toBe(true);
    expect(frontendDnsRecords(["sophia-intel.ai", "app.sophia-intel.ai"])).toEqual([
      { name: "sophia-intel.ai", type: "A", ttl: 300, values: ["76.76.21.21"], target: "vercel", needs: null },
      {
        name: "app.sophia-intel.ai",
        type: "CNAME",
        ttl: 300,
        values: ["cname.vercel-dns.com"],
        target: "vercel",
        needs: null,
      },
    ]);
  });
});

/** The plain value inside a serialized secret. */
function unwrap(value: unknown): unknown {
  return secret(value) ? (value as unknown as { value: unknown }).value : value;
}

function redact(value: unknown): unknown {
  if (secret(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}
