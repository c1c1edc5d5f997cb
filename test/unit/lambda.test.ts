/**
 * The pure logic behind the Lambda Cloud providers, without mocks: machine validation, pacing,
 * backoff, error rendering, launch bodies, finding a lost launch, diffs, and SSH key derivation.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { utils } from "ssh2";
import { describe, expect, it } from "vitest";

import {
  backoffMs,
  changedLaunchFields,
  checkInstanceSpec,
  findOwnInstance,
  INITIAL_PACING,
  launchRequest,
  OWNER_TAG,
  parseRetryAfter,
  publicKeyFromPrivate,
  publicKeyIdentity,
  renderCapacityError,
  renderLambdaError,
  reserveSlot,
  validateLambdaMachine,
  waitVerdict,
  type InstanceSpec,
  type LambdaInstanceJson,
} from "../../components/lambda";
import { repoRoot } from "../harness/stack-config";

const spec: InstanceSpec = {
  name: "sophia-ai-core",
  nodeClass: "gh200",
  instanceType: "gpu_1x_gh200",
  region: "us-east-1",
  sshKeyName: "sophia-infra-production",
  owner: "sophia-infra/production",
};

function instance(over: Partial<LambdaInstanceJson>): LambdaInstanceJson {
  return {
    id: "i-1",
    name: spec.name,
    status: "active",
    ssh_key_names: [spec.sshKeyName],
    file_system_names: [],
    tags: [{ key: OWNER_TAG, value: spec.owner }],
    ...over,
  };
}

describe("validateLambdaMachine", () => {
  it("accepts each class with its default and listed types", () => {
    expect(validateLambdaMachine({ nodeClass: "gh200", region: "us-east-1" })).toEqual([]);
    expect(validateLambdaMachine({ nodeClass: "a100", region: "us-west-2", instanceType: "gpu_1x_a100_sxm4" })).toEqual(
      [],
    );
  });

  it("names an unknown region, a type of another class and an unknown type, with the fix", () => {
    const p = validateLambdaMachine({ nodeClass: "gh200", region: "us-east-9", instanceType: "gpu_1x_a100" });
    expect(p.map((x) => x.field)).toEqual(["region", "instanceType"]);
    expect(p[0]!.message).toBe('unknown Lambda Cloud region "us-east-9"');
    expect(p[0]!.fix).toContain("us-east-1");
    expect(p[1]!.message).toBe('"gpu_1x_a100" is a a100 instance type, not gh200');
    expect(
      validateLambdaMachine({ nodeClass: "a6000", region: "us-east-1", instanceType: "gpu_8x_h100" })[0]!.message,
    ).toBe('unknown instance type "gpu_8x_h100" for class a6000');
    expect(validateLambdaMachine({ nodeClass: "h100", region: "us-east-1" })[0]!.field).toBe("nodeClass");
  });

  it("refuses an x86-only image family on a GH200 and an arm64 family on an x86 class", () => {
    const gh = validateLambdaMachine({
      nodeClass: "gh200",
      region: "us-east-1",
      image: { family: "lambda-stack-22-04-x86_64" },
    });
    expect(gh).toHaveLength(1);
    expect(gh[0]!.message).toBe(
      'image family "lambda-stack-22-04-x86_64" is built for amd64, but a gh200 node is arm64',
    );
    expect(
      validateLambdaMachine({ nodeClass: "a100", region: "us-east-1", image: { family: "ubuntu-arm64" } }),
    ).toHaveLength(1);
    // Multi-architecture families and image ids are allowed.
    expect(
      validateLambdaMachine({ nodeClass: "gh200", region: "us-east-1", image: { family: "lambda-stack-24-04" } }),
    ).toEqual([]);
    expect(validateLambdaMachine({ nodeClass: "gh200", region: "us-east-1", image: { id: "img-1" } })).toEqual([]);
  });

  it("limits the name and the user data", () => {
    const p = validateLambdaMachine({
      nodeClass: "a6000",
      region: "us-east-1",
      name: "x".repeat(65),
      userData: "y".repeat(1024 * 1024 + 1),
    });
    expect(p.map((x) => x.field)).toEqual(["name", "userData"]);
  });
});

describe("pacing", () => {
  const iv = { requestMs: 1000, launchMs: 12_000 };
  it("spaces requests one interval apart and launches twelve seconds apart", () => {
    let s = INITIAL_PACING;
    const waits: number[] = [];
    for (const kind of ["request", "launch", "request", "launch"] as const) {
      const r = reserveSlot(s, 10_000, kind, iv);
      waits.push(r.waitMs);
      s = r.state;
    }
    // request at 10 s; launch at 11 s; request at 12 s; the second launch waits for 11 + 12 = 23 s.
    expect(waits).toEqual([0, 1000, 2000, 13_000]);
    expect(s).toEqual({ nextRequestAt: 24_000, nextLaunchAt: 35_000 });
  });

  it("does not wait once the interval has passed", () => {
    expect(reserveSlot({ nextRequestAt: 5000, nextLaunchAt: 9000 }, 20_000, "launch", iv).waitMs).toBe(0);
  });

  it("backs off exponentially up to the cap, and honours Retry-After", () => {
    const p = { attempts: 5, baseDelayMs: 2000, maxDelayMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6].map((r) => backoffMs(r, p))).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffMs(1, p, 7)).toBe(7000);
    expect(parseRetryAfter("3")).toBe(3);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).toBeUndefined();
  });
});

describe("error rendering", () => {
  it("says resource, action, code, message, suggestion and the fix, without the key", () => {
    const msg = renderLambdaError(
      "Lambda instance sophia-ai-core",
      "launch",
      {
        status: 401,
        body: {
          error: {
            code: "global/invalid-api-key",
            message: "API key was invalid, expired, or deleted.",
            suggestion: "Check your API key or create a new one, then try again.",
          },
        },
      },
      "sophia-infra:lambdaApiKey",
    );
    expect(msg).toBe(
      "Lambda instance sophia-ai-core: launch failed: global/invalid-api-key (HTTP 401): API key was invalid, expired, or deleted. " +
        "Suggestion: Check your API key or create a new one, then try again. " +
        "Fix: check sophia-infra:lambdaApiKey (a deleted or expired key must be replaced by a new one from the Lambda Cloud dashboard).",
    );
  });

  it("lists field errors and handles bodies without an error object", () => {
    const msg = renderLambdaError("Lambda SSH key k", "adding the SSH key", {
      status: 400,
      body: {
        error: { code: "global/invalid-parameters", message: "Invalid request." },
        field_errors: { public_key: { code: "global/invalid-parameters", message: "Not a public key." } },
      },
    });
    expect(msg).toContain("Field public_key: Not a public key.");
    expect(renderLambdaError("r", "a", { status: 502, body: "Bad Gateway" })).toBe(
      "r: a failed: HTTP 502: Bad Gateway",
    );
    expect(renderLambdaError("r", "launch", { network: "socket hang up" })).toBe(
      "r: launch failed: no response from the Lambda Cloud API (socket hang up)",
    );
  });

  it("names the instance type and the regions with capacity now", () => {
    const types = {
      gpu_1x_gh200: {
        instance_type: {
          name: "gpu_1x_gh200",
          description: "1x GH200 (96 GB)",
          gpu_description: "GH200 (96 GB)",
          price_cents_per_hour: 149,
          specs: { vcpus: 64, memory_gib: 432, storage_gib: 4096, gpus: 1 },
        },
        regions_with_capacity_available: [
          { name: "us-east-3", description: "Washington DC" },
          { name: "us-west-1", description: "California" },
        ],
      },
    };
    expect(renderCapacityError("Lambda instance sophia-ai-core", "gpu_1x_gh200", "us-east-1", types)).toBe(
      "Lambda instance sophia-ai-core: launch failed: instance-operations/launch/insufficient-capacity: no gpu_1x_gh200 capacity in us-east-1; " +
        "regions with gpu_1x_gh200 capacity now: us-east-3, us-west-1. Fix: set the node's region to one of them, or run up again later.",
    );
    expect(renderCapacityError("x", "gpu_1x_a100", "us-east-1", {})).toContain(
      "no region has gpu_1x_a100 capacity now",
    );
  });
});

describe("launch and adoption", () => {
  it("sends exactly one instance with the owner tag and only the fields given", () => {
    expect(launchRequest(spec)).toEqual({
      region_name: "us-east-1",
      instance_type_name: "gpu_1x_gh200",
      ssh_key_names: ["sophia-infra-production"],
      quantity: 1,
      name: "sophia-ai-core",
      tags: [{ key: OWNER_TAG, value: "sophia-infra/production" }],
    });
    const full = launchRequest({
      ...spec,
      image: { family: "lambda-stack-24-04" },
      userData: "#cloud-config\n",
      hostname: "core",
      tags: [
        { key: "role", value: "server" },
        { key: OWNER_TAG, value: "spoofed" },
      ],
      firewallRulesetIds: ["fw-1"],
    });
    expect(full.tags).toEqual([
      { key: OWNER_TAG, value: "sophia-infra/production" },
      { key: "role", value: "server" },
    ]);
    expect(full.firewall_rulesets).toEqual([{ id: "fw-1" }]);
    expect(full.image).toEqual({ family: "lambda-stack-24-04" });
  });

  it("finds our live instance by name and owner tag, never a gone one or another stack's", () => {
    const ours = instance({ id: "ours", status: "booting" });
    const live = [
      instance({ id: "gone", status: "terminated" }),
      instance({ id: "preempted", status: "preempted" }),
      instance({ id: "other-stack", tags: [{ key: OWNER_TAG, value: "sophia-infra/staging" }] }),
      instance({ id: "untagged", tags: [] }),
      ours,
    ];
    expect(findOwnInstance(live, spec)?.id).toBe("ours");
    expect(findOwnInstance(live.slice(0, 4), spec)).toBeUndefined();
  });

  it("replaces on launch fields only", () => {
    expect(changedLaunchFields(spec, { ...spec })).toEqual([]);
    expect(changedLaunchFields(spec, { ...spec, region: "us-west-1", image: { family: "f" } })).toEqual([
      "region",
      "image",
    ]);
  });

  it("waits through booting and unhealthy, fails on gone", () => {
    expect(["active", "booting", "unhealthy", "preempted", "terminated", undefined].map(waitVerdict)).toEqual([
      "ready",
      "wait",
      "wait",
      "failed",
      "failed",
      "failed",
    ]);
  });

  it("check reports missing fields and machine problems, and skips values unknown at preview", () => {
    expect(checkInstanceSpec({ ...spec, sshKeyName: "" }).map((f) => f.property)).toEqual(["sshKeyName"]);
    const f = checkInstanceSpec({ ...spec, region: "mars-1" });
    expect(f).toHaveLength(1);
    expect(f[0]!.reason).toMatch(
      /^Lambda instance sophia-ai-core: unknown Lambda Cloud region "mars-1"; fix: use one of/,
    );
    expect(checkInstanceSpec({ ...spec, sshKeyName: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })).toEqual([]);
  });
});

describe("SSH key", () => {
  it("derives the registered public key from the private key", () => {
    const pair = utils.generateKeyPairSync("ed25519", { comment: "ops" });
    expect(publicKeyFromPrivate(pair.private)).toBe(publicKeyIdentity(pair.public));
    expect(publicKeyIdentity(pair.public)).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
  });

  it("refuses garbage and a public key without echoing it", () => {
    expect(() => publicKeyFromPrivate("not-a-key-SECRET")).toThrow(/could not be parsed/);
    expect(() => publicKeyFromPrivate("not-a-key-SECRET")).not.toThrow(/SECRET/);
    const pair = utils.generateKeyPairSync("ed25519");
    expect(() => publicKeyFromPrivate(pair.public)).toThrow(/is a public key/);
  });
});

describe("generated client types", () => {
  it("lambda-cloud-api.d.ts is what openapi-typescript makes of the description (run pnpm gen:lambda-types)", () => {
    const out = join(mkdtempSync(join(tmpdir(), "lambda-types-")), "api.d.ts");
    execFileSync(
      join(repoRoot, "node_modules", ".bin", "openapi-typescript"),
      [join(repoRoot, "components/lambda/lambda-cloud.openapi.yaml"), "-o", out],
      { stdio: "ignore" },
    );
    expect(readFileSync(out, "utf8")).toBe(
      readFileSync(join(repoRoot, "components/lambda/lambda-cloud-api.d.ts"), "utf8"),
    );
  }, 60_000);
});
