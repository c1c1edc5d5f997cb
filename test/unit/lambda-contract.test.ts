/**
 * The Lambda Cloud contract: our description agrees with the published 1.5.3 one where both speak;
 * every request the client sends and every response the stand-in returns is valid against ours (and
 * 1.5.3 where it applies); and the providers' behaviour against the stand-in (lost launch, 429s,
 * provider errors, capacity, 401, quota, preemption, pacing), called directly with short intervals.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { utils } from "ssh2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import {
  lambdaClient,
  lambdaInstanceProvider,
  lambdaSshKeyProvider,
  OWNER_TAG,
  publicKeyFromPrivate,
  type LambdaApi,
  type LambdaInstanceInputs,
  type LambdaInstanceOutputs,
} from "../../components/lambda";
import { deref, LambdaContract, loadDescription, OUR_DESCRIPTION, PUBLISHED_153 } from "../harness/lambda-contract";
import { LambdaStandIn } from "../harness/lambda-standin";
import { repoRoot } from "../harness/stack-config";

type Json = Record<string, unknown>;

/** Every disagreement between two descriptions on the paths, methods, statuses and fields both have. */
function disagreements(ours: Json, theirs: Json): { problems: string[]; compared: number } {
  const problems: string[] = [];
  let compared = 0;
  const walk = (a: unknown, b: unknown, at: string): void => {
    let x = deref(ours, a);
    const y = deref(theirs, b);
    if (!x || !y) return;
    const allOf = x["allOf"] as unknown[] | undefined;
    if (allOf?.length === 1) x = deref(ours, allOf[0])!;
    compared++;
    if (x["type"] !== undefined && y["type"] !== undefined && x["type"] !== y["type"]) {
      problems.push(`${at}: type ${JSON.stringify(x["type"])} vs ${JSON.stringify(y["type"])}`);
    }
    if (Boolean(x["nullable"]) !== Boolean(y["nullable"])) problems.push(`${at}: nullable differs`);
    for (const c of ["minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum"]) {
      if (x[c] !== undefined && y[c] !== undefined && x[c] !== y[c])
        problems.push(`${at}: ${c} ${JSON.stringify(x[c])} vs ${JSON.stringify(y[c])}`);
    }
    if (y["enum"] || x["enum"]) {
      const xe = (x["enum"] as string[] | undefined) ?? [];
      const ye = (y["enum"] as string[] | undefined) ?? [];
      const newer = Object.keys((x["x-sophia-values-since"] as Json | undefined) ?? {});
      for (const v of ye) if (!xe.includes(v)) problems.push(`${at}: enum value ${v} missing`);
      for (const v of xe)
        if (!ye.includes(v) && !newer.includes(v))
          problems.push(`${at}: enum value ${v} not in 1.5.3 and not marked newer`);
    }
    const xp = (x["properties"] as Json | undefined) ?? {};
    const yp = (y["properties"] as Json | undefined) ?? {};
    const xr = (x["required"] as string[] | undefined) ?? [];
    const yr = (y["required"] as string[] | undefined) ?? [];
    for (const k of Object.keys(xp)) {
      if (k in yp) {
        if (xr.includes(k) !== yr.includes(k)) problems.push(`${at}.${k}: required-ness differs`);
        walk(xp[k], yp[k], `${at}.${k}`);
      } else if (!deref(ours, xp[k])?.["x-sophia-since"]) {
        problems.push(`${at}.${k}: not in 1.5.3 and not marked x-sophia-since`);
      }
    }
    if (x["items"] || y["items"]) walk(x["items"], y["items"], `${at}[]`);
    if (typeof x["additionalProperties"] === "object" && typeof y["additionalProperties"] === "object") {
      walk(x["additionalProperties"], y["additionalProperties"], `${at}{}`);
    }
  };
  const op = (doc: Json, p: string, m: string) =>
    ((doc["paths"] as Json)[p] as Json | undefined)?.[m] as Json | undefined;
  const json = (doc: Json, r: unknown) =>
    ((deref(doc, r)?.["content"] as Json | undefined)?.["application/json"] as Json | undefined)?.["schema"];
  for (const p of Object.keys(ours["paths"] as Json)) {
    for (const m of ["get", "post", "delete"]) {
      const a = op(ours, p, m);
      const b = op(theirs, p, m);
      if (!a || !b) continue;
      walk(json(ours, a["requestBody"]), json(theirs, b["requestBody"]), `${m.toUpperCase()} ${p} body`);
      for (const param of (a["parameters"] as Json[] | undefined) ?? []) {
        const other = ((b["parameters"] as Json[] | undefined) ?? []).find((q) => q["name"] === param["name"]);
        if (other) walk(param["schema"], other["schema"], `${m.toUpperCase()} ${p} ${String(param["name"])}`);
      }
      const ar = a["responses"] as Json;
      const br = b["responses"] as Json;
      for (const s of Object.keys(ar))
        if (s in br) walk(json(ours, ar[s]), json(theirs, br[s]), `${m.toUpperCase()} ${p} ${s}`);
    }
  }
  return { problems, compared };
}

describe("our description and the published 1.5.3", () => {
  it("agree on every path and field both have (types, required-ness, enums, limits)", () => {
    const { problems, compared } = disagreements(loadDescription(OUR_DESCRIPTION), loadDescription(PUBLISHED_153));
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(60);
  });

  it("the comparison finds a disagreement when there is one", () => {
    const ours = loadDescription(OUR_DESCRIPTION);
    const schemas = (ours["components"] as Json)["schemas"] as Json;
    (schemas["InstanceType"] as { properties: Json }).properties["price_cents_per_hour"] = { type: "string" };
    (schemas["Instance"] as { required: string[] }).required.push("ip");
    (schemas["LaunchRequest"] as { properties: Json }).properties["color"] = { type: "string" };
    expect(disagreements(ours, loadDescription(PUBLISHED_153)).problems).toEqual(
      expect.arrayContaining([
        'GET /instance-types 200.data{}.instance_type.price_cents_per_hour: type "string" vs "integer"',
        "GET /instances/{id} 200.data.ip: required-ness differs",
        "POST /instance-operations/launch body.color: not in 1.5.3 and not marked x-sophia-since",
      ]),
    );
  });
});

let contract: LambdaContract;
beforeAll(async () => {
  contract = await LambdaContract.load();
}, 120_000);

describe("the contract validator", () => {
  it("catches a malformed response and a request field neither description has", () => {
    const c = contract;
    const bad = c.check({ method: "GET", path: "/instances", status: 200, responseBody: { data: [{ id: 1 }] } });
    expect(bad.filter((p) => p.startsWith("ours: response"))).toHaveLength(1);
    expect(bad.filter((p) => p.startsWith("1.5.3: response"))).toHaveLength(1);
    const launch = { region_name: "us-east-1", instance_type_name: "gpu_1x_a100", ssh_key_names: ["k"], name: "n" };
    // 1.10.0 fields pass ours and are left out of the 1.5.3 check; an undocumented one fails both.
    expect(
      c.check({
        method: "POST",
        path: "/instance-operations/launch",
        requestBody: { ...launch, tags: [{ key: "a", value: "b" }] },
        status: 0,
      }),
    ).toEqual([]);
    const extra = c.check({
      method: "POST",
      path: "/instance-operations/launch",
      requestBody: { ...launch, color: "red" },
      status: 0,
    });
    expect(extra.map((p) => p.slice(0, 14))).toEqual(["ours: request ", "1.5.3: request"]);
  });
});

const fast = {
  pacing: { requestMs: 5, launchMs: 40 },
  retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 },
  pollIntervalMs: 20,
};

describe("providers against the stand-in", () => {
  let standIn: LambdaStandIn;
  let api: LambdaApi;
  const pair = utils.generateKeyPairSync("ed25519");
  const publicKey = publicKeyFromPrivate(pair.private);

  beforeAll(() => {
    expect(contract.hasPublished).toBe(true);
  });
  const fresh = async (opts: { quota?: number } = {}) => {
    standIn = await LambdaStandIn.start({
      apiKey: "test-key-123",
      contract,
      bootDelayMs: 100,
      terminateDelayMs: 50,
      ...opts,
    });
    api = { apiKey: "test-key-123", baseUrl: standIn.url, apiKeySource: "sophia-infra:lambdaApiKey", ...fast };
  };
  afterEach(async () => {
    // Every exchange of every test is valid against our description (and 1.5.3 where it applies).
    expect(standIn.violations).toEqual([]);
    await standIn.stop();
  });
  afterAll(() => undefined);

  const spec = (over: Partial<LambdaInstanceInputs> = {}): LambdaInstanceInputs => ({
    api,
    name: "sophia-ai-core",
    nodeClass: "gh200",
    instanceType: "gpu_1x_gh200",
    region: "us-east-1",
    sshKeyName: "sophia-test",
    owner: "sophia-infra/test",
    activeTimeoutSeconds: 10,
    ...over,
  });
  const key = () => lambdaSshKeyProvider.create({ api, name: "sophia-test", publicKey });

  it("registers the key, launches, waits for active, and terminates", async () => {
    await fresh();
    const k = await key();
    expect(standIn.sshKeys.get(k.id)?.public_key).toBe(publicKey);
    // Registering again adopts the same key instead of failing on its name.
    expect((await key()).id).toBe(k.id);
    const created = await lambdaInstanceProvider.create(spec());
    const outs = created.outs as LambdaInstanceOutputs;
    expect(outs).toMatchObject({ status: "active", arch: "arm64", ip: "198.18.10.1", instanceId: created.id });
    expect(standIn.instances.get(created.id)?.tags).toEqual([{ key: OWNER_TAG, value: "sophia-infra/test" }]);
    await lambdaInstanceProvider.delete!(created.id, outs);
    expect(standIn.instances.get(created.id)?.status).toBe("terminated");
    await lambdaSshKeyProvider.delete!(k.id, { api, name: "sophia-test", publicKey, keyId: k.id });
    expect(standIn.sshKeys.size).toBe(0);
  });

  it("a launch whose response was lost does not rent a second machine", async () => {
    await fresh();
    await key();
    standIn.loseNextLaunch();
    const created = await lambdaInstanceProvider.create(spec());
    expect(standIn.live("sophia-ai-core").map((i) => i.id)).toEqual([created.id]);
    expect(standIn.requests.filter((r) => r.path === "/instance-operations/launch")).toHaveLength(1);
  });

  it("retries 429s and provider errors on reads, within the bound", async () => {
    await fresh();
    await key();
    standIn.rateLimit(2);
    standIn.fail(
      1,
      500,
      { error: { code: "provider/internal-unavailable", message: "Upstream unavailable." } },
      /^\/instances\//,
    );
    const created = await lambdaInstanceProvider.create(spec());
    expect(created.id).toBeTruthy();
    expect(standIn.requests.filter((r) => r.status === 429)).toHaveLength(2);
    // More failures than attempts: the error says what happened.
    standIn.rateLimit(10);
    const lambda = await lambdaClient(api, "Lambda instance x");
    await expect(lambda.listInstances()).rejects.toThrow(
      "Lambda instance x: listing instances failed: global/unknown (HTTP 429): Too many requests.",
    );
  });

  it("no capacity: names the type and the regions that have it now", async () => {
    await fresh();
    await key();
    standIn.removeCapacity("gpu_1x_gh200", "us-east-1");
    await expect(lambdaInstanceProvider.create(spec())).rejects.toThrow(
      "Lambda instance sophia-ai-core: launch failed: instance-operations/launch/insufficient-capacity: no gpu_1x_gh200 capacity in us-east-1; regions with gpu_1x_gh200 capacity now: us-east-3.",
    );
    expect(standIn.live()).toEqual([]);
  });

  it("a wrong key and an exceeded quota are one clear error each, without the key", async () => {
    await fresh({ quota: 0 });
    await key();
    let err = await lambdaInstanceProvider.create(spec()).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^Lambda instance sophia-ai-core: launch failed: global\/quota-exceeded \(HTTP 400\): Quota exceeded\. Suggestion: Contact Support/,
    );
    err = await lambdaInstanceProvider
      .create(spec({ api: { ...api, apiKey: "wrong-secret-key" } }))
      .catch((e: Error) => e);
    expect((err as Error).message).toContain("global/invalid-api-key (HTTP 401)");
    expect((err as Error).message).toContain("Fix: check sophia-infra:lambdaApiKey");
    expect((err as Error).message).not.toContain("wrong-secret-key");
  });

  it("refresh drops a preempted instance from the state", async () => {
    await fresh();
    await key();
    const created = await lambdaInstanceProvider.create(spec());
    const outs = created.outs as LambdaInstanceOutputs;
    expect((await lambdaInstanceProvider.read!(created.id, outs)).id).toBe(created.id);
    standIn.preempt(created.id);
    expect((await lambdaInstanceProvider.read!(created.id, outs)).id).toBeUndefined();
    // The next create launches a new one (the preempted one is not adopted).
    const again = await lambdaInstanceProvider.create(spec());
    expect(again.id).not.toBe(created.id);
  });

  it("work after closure serialization, the way the engine runs them", async () => {
    // The engine runs a dynamic provider from its serialized closure; a captured Set, for one, does
    // not survive that (found with the real engine), so run create, read and delete from the text.
    // Serialized in a child process with ts-node, as a program is (vitest's transform cannot be).
    const dir = join(repoRoot, ".sophia", `serialized-providers-${process.pid}`);
    execFileSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", join(repoRoot, "test/harness/serialize-providers.ts"), dir],
      {
        cwd: repoRoot,
        stdio: "inherit",
      },
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = <T>(file: string) => (require(join(dir, file)) as { handler: () => T }).handler();
    const instances = load<typeof lambdaInstanceProvider>("instance.js");
    const keys = load<typeof lambdaSshKeyProvider>("ssh-key.js");
    await fresh();
    await keys.create({ api, name: "sophia-test", publicKey });
    standIn.loseNextLaunch();
    const created = await instances.create(spec());
    expect(standIn.live().map((i) => i.id)).toEqual([created.id]);
    standIn.preempt(created.id);
    expect((await instances.read!(created.id, created.outs as LambdaInstanceOutputs)).id).toBeUndefined();
    const again = await instances.create(spec());
    await instances.delete!(again.id, again.outs as LambdaInstanceOutputs);
    expect(standIn.instances.get(again.id)?.status).toBe("terminated");
  }, 60_000);

  it("check refuses bad input before any request", async () => {
    await fresh();
    const r = await lambdaInstanceProvider.check!(
      {} as LambdaInstanceInputs,
      spec({ region: "us-nowhere-1", image: { family: "lambda-stack-22-04-x86_64" }, api: { ...api, apiKey: "" } }),
    );
    expect(r.failures?.map((f) => f.property)).toEqual(["region", "image", "api"]);
    expect(r.failures?.[2]?.reason).toBe(
      "Lambda instance sophia-ai-core: no Lambda Cloud API key; set sophia-infra:lambdaApiKey",
    );
    expect(standIn.requests).toEqual([]);
  });

  it("paces requests program-wide and launches further apart", async () => {
    await fresh();
    await key();
    const paced = { ...api, pacing: { requestMs: 60, launchMs: 400 } };
    const first = standIn.requests.length;
    await Promise.all([
      lambdaInstanceProvider.create(spec({ api: paced, name: "a" })),
      lambdaInstanceProvider.create(spec({ api: paced, name: "b" })),
    ]);
    const launches = standIn.requests.filter((r) => r.path === "/instance-operations/launch");
    expect(launches).toHaveLength(2);
    expect(launches[1]!.at - launches[0]!.at).toBeGreaterThanOrEqual(350);
    const ours = standIn.requests.slice(first);
    const gaps = ours.slice(1).map((r, i) => r.at - ours[i]!.at);
    // 60 ms apart, less a few ms of timer granularity on a busy machine.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(50);
  });
});
