/**
 * STAND-IN for the Lambda Cloud API (https://cloud.lambda.ai/api/v1), which tests cannot reach: a
 * stateful HTTP server on loopback that answers the endpoints sophia-infra uses, as documented.
 * Instances go booting → active (after `bootDelayMs`, with an address from `addresses`) and
 * terminating → terminated; faults are injected on demand: 429s, error bodies, a launch whose
 * response is lost (it takes effect, the connection is dropped), capacity disappearing, preemption,
 * a quota, a wrong API key. Every exchange is checked against our description and the published
 * 1.5.3 one (`violations`).
 *
 * What it cannot prove: Lambda's real timings, its real error texts and status codes beyond the
 * documented ones, and fields the documentation does not describe.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { LambdaContract } from "./lambda-contract";
import type { PulumiWorkspace } from "./pulumi";

type Json = Record<string, unknown>;

export interface StandInType {
  readonly name: string;
  readonly description: string;
  readonly priceCentsPerHour: number;
  readonly gpus?: number;
  /** Regions with capacity now. */
  readonly regions: string[];
}

export interface StandInOptions {
  readonly apiKey: string;
  readonly types?: readonly StandInType[];
  /** Time from launch to `active`. @default 300 */
  readonly bootDelayMs?: number;
  /** Time from terminate to `terminated`. @default 200 */
  readonly terminateDelayMs?: number;
  /** Public addresses handed out in order (test addresses, 198.18.0.0/15). @default 198.18.10.1, .2, … */
  readonly addresses?: readonly string[];
  /** Most instances not terminated at once before `global/quota-exceeded`. @default 50 */
  readonly quota?: number;
  /** The contract to check every exchange against. */
  readonly contract?: LambdaContract;
}

interface StandInInstance {
  id: string;
  name: string | null;
  ip: string | null;
  private_ip: string | null;
  status: string;
  ssh_key_names: string[];
  file_system_names: string[];
  region: { name: string; description: string };
  instance_type: Json;
  hostname: string | null;
  tags: { key: string; value: string }[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body?: unknown;
  /** When the stand-in received it (epoch ms). */
  readonly at: number;
}

const REGION_NAMES: Record<string, string> = {
  "us-east-1": "Virginia, USA",
  "us-east-3": "Washington DC, USA",
  "us-west-1": "California, USA",
  "us-west-2": "Arizona, USA",
  "us-south-1": "Texas, USA",
};

export const STANDIN_TYPES: readonly StandInType[] = [
  {
    name: "gpu_1x_gh200",
    description: "1x GH200 (96 GB)",
    priceCentsPerHour: 149,
    regions: ["us-east-1", "us-east-3"],
  },
  {
    name: "gpu_1x_a100",
    description: "1x A100 (40 GB SXM4)",
    priceCentsPerHour: 129,
    regions: ["us-east-1", "us-west-1"],
  },
  { name: "gpu_1x_a100_sxm4", description: "1x A100 (40 GB SXM4)", priceCentsPerHour: 129, regions: ["us-east-1"] },
  { name: "gpu_1x_a6000", description: "1x A6000 (48 GB)", priceCentsPerHour: 80, regions: ["us-east-1", "us-west-1"] },
  {
    name: "gpu_1x_rtx6000",
    description: "1x RTX 6000 (24 GB)",
    priceCentsPerHour: 50,
    regions: ["us-east-1", "us-south-1"],
  },
];

const errorBody = (code: string, message: string, suggestion?: string, field_errors?: Json) => ({
  error: { code, message, ...(suggestion ? { suggestion } : {}) },
  ...(field_errors ? { field_errors } : {}),
});

export class LambdaStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly instances = new Map<string, StandInInstance>();
  readonly sshKeys = new Map<string, { id: string; name: string; public_key: string }>();
  private readonly types: Map<string, { -readonly [K in keyof StandInType]: StandInType[K] }>;
  private readonly faults: { status: number; body: unknown; path?: RegExp; headers?: Record<string, string> }[] = [];
  private loseLaunches = 0;
  private nextAddress = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  apiKey: string;

  private constructor(
    private readonly server: Server,
    private readonly opts: StandInOptions,
  ) {
    this.apiKey = opts.apiKey;
    this.types = new Map((opts.types ?? STANDIN_TYPES).map((t) => [t.name, { ...t, regions: [...t.regions] }]));
  }

  static async start(opts: StandInOptions): Promise<LambdaStandIn> {
    const holder: { standIn?: LambdaStandIn } = {};
    const server = createServer((req, res) => void holder.standIn!.handle(req, res));
    const standIn = (holder.standIn = new LambdaStandIn(server, opts));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return standIn;
  }

  /** The API root, as a client's base URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
  }

  /** The next `n` requests (optionally only those whose path matches) get this status and body. */
  fail(n: number, status: number, body: unknown, path?: RegExp, headers?: Record<string, string>): void {
    for (let i = 0; i < n; i++)
      this.faults.push({ status, body, ...(path ? { path } : {}), ...(headers ? { headers } : {}) });
  }

  /** The next `n` requests get 429 Too Many Requests. */
  rateLimit(n: number): void {
    this.fail(n, 429, errorBody("global/unknown", "Too many requests.", "Slow down and retry."), undefined, {
      "retry-after": "0",
    });
  }

  /** The next launch takes effect but its connection is dropped before the response. */
  loseNextLaunch(): void {
    this.loseLaunches++;
  }

  /** No more capacity for `type` in `region`. */
  removeCapacity(type: string, region: string): void {
    const t = this.types.get(type)!;
    t.regions = t.regions.filter((r) => r !== region);
  }

  /** Lambda takes the instance back. */
  preempt(id: string): void {
    this.instances.get(id)!.status = "preempted";
  }

  /** Instances not terminated, optionally only with this name. */
  live(name?: string): StandInInstance[] {
    return [...this.instances.values()].filter(
      (i) => i.status !== "terminated" && (name === undefined || i.name === name),
    );
  }

  /** Requests per `METHOD path-pattern` (ids replaced by `{id}`). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.requests) {
      const key = `${r.method} ${r.path.replace(/\/(instances|ssh-keys)\/[^/]+$/, "/$1/{id}")}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private later(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    this.timers.add(t);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").replace(/^\/api\/v1/, "").split("?")[0]!;
    const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path, status, at: Date.now(), ...(body !== undefined ? { body } : {}) });
      this.violations.push(
        ...(this.opts.contract?.check({ method, path, requestBody: body, status, responseBody: payload }) ?? []),
      );
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(payload === undefined ? "" : JSON.stringify(payload));
    };

    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return reply(
        401,
        errorBody(
          "global/invalid-api-key",
          "API key was invalid, expired, or deleted.",
          "Check your API key or create a new one, then try again.",
        ),
      );
    }
    const fi = this.faults.findIndex((f) => !f.path || f.path.test(path));
    if (fi >= 0) {
      const [f] = this.faults.splice(fi, 1);
      return reply(f!.status, f!.body, f!.headers);
    }

    if (method === "GET" && path === "/instance-types") {
      const data: Json = {};
      for (const t of this.types.values()) {
        data[t.name] = {
          instance_type: this.typeJson(t),
          regions_with_capacity_available: t.regions.map((r) => ({ name: r, description: REGION_NAMES[r] ?? r })),
        };
      }
      return reply(200, { data });
    }
    if (method === "GET" && path === "/instances") {
      return reply(200, { data: this.live() });
    }
    const one = /^\/instances\/([^/]+)$/.exec(path);
    if (method === "GET" && one) {
      const i = this.instances.get(one[1]!);
      return i
        ? reply(200, { data: i })
        : reply(404, errorBody("global/object-does-not-exist", "Specified instance does not exist."));
    }
    if (method === "POST" && path === "/instance-operations/launch") return this.launch(body as Json, reply, res);
    if (method === "POST" && path === "/instance-operations/terminate") {
      const ids = ((body as Json | undefined)?.["instance_ids"] as string[] | undefined) ?? [];
      const unknown = ids.filter((id) => !this.instances.has(id));
      if (unknown.length) {
        return reply(404, errorBody("global/object-does-not-exist", `Instance ${unknown[0]} does not exist.`));
      }
      const done: StandInInstance[] = [];
      for (const id of ids) {
        const i = this.instances.get(id)!;
        if (i.status !== "terminated") {
          i.status = "terminating";
          this.later(this.opts.terminateDelayMs ?? 200, () => (i.status = "terminated"));
        }
        done.push(i);
      }
      return reply(200, { data: { terminated_instances: done } });
    }
    if (method === "GET" && path === "/ssh-keys") return reply(200, { data: [...this.sshKeys.values()] });
    if (method === "POST" && path === "/ssh-keys") {
      const b = body as { name?: string; public_key?: string };
      if (!b?.name)
        return reply(
          400,
          errorBody("global/invalid-parameters", "Invalid request.", undefined, {
            name: { code: "global/invalid-parameters", message: "Required." },
          }),
        );
      if ([...this.sshKeys.values()].some((k) => k.name === b.name)) {
        return reply(400, errorBody("global/invalid-parameters", "An SSH key with this name already exists."));
      }
      const key = { id: randomBytes(16).toString("hex"), name: b.name, public_key: b.public_key ?? "" };
      this.sshKeys.set(key.id, key);
      return reply(200, { data: key });
    }
    const key = /^\/ssh-keys\/([^/]+)$/.exec(path);
    if (method === "DELETE" && key) {
      const k = this.sshKeys.get(key[1]!);
      if (!k) return reply(404, errorBody("global/object-does-not-exist", "Specified SSH key does not exist."));
      // Assumed: a preempted machine no longer holds its key (the documentation does not say).
      const holders = this.live().filter((i) => i.status !== "preempted" && i.ssh_key_names.includes(k.name));
      if (holders.length > 0) {
        return reply(400, errorBody("ssh-keys/key-in-use", "SSH key is in use by an instance."));
      }
      this.sshKeys.delete(k.id);
      return reply(200, undefined);
    }
    return reply(404, errorBody("global/object-does-not-exist", `No route ${method} ${path}.`));
  }

  private typeJson(t: StandInType): Json {
    return {
      name: t.name,
      description: t.description,
      gpu_description: t.description.replace(/^\d+x /, ""),
      price_cents_per_hour: t.priceCentsPerHour,
      specs: { vcpus: 32, memory_gib: 256, storage_gib: 1024, gpus: t.gpus ?? 1 },
    };
  }

  private launch(b: Json, reply: (status: number, payload?: unknown) => void, res: ServerResponse): void {
    const type = this.types.get(b["instance_type_name"] as string);
    const region = b["region_name"] as string;
    const keys = (b["ssh_key_names"] as string[] | undefined) ?? [];
    if (!type) {
      return reply(
        400,
        errorBody("global/invalid-parameters", "Invalid instance type.", undefined, {
          instance_type_name: { code: "global/invalid-parameters", message: "Unknown instance type." },
        }),
      );
    }
    if (keys.length !== 1 || ![...this.sshKeys.values()].some((k) => k.name === keys[0])) {
      return reply(
        400,
        errorBody("global/invalid-parameters", "Invalid SSH key.", undefined, {
          ssh_key_names: {
            code: "global/invalid-parameters",
            message: "Exactly one existing SSH key name is required.",
          },
        }),
      );
    }
    if (this.live().length >= (this.opts.quota ?? 50)) {
      return reply(
        400,
        errorBody("global/quota-exceeded", "Quota exceeded.", "Contact Support to increase your quota."),
      );
    }
    if (!type.regions.includes(region)) {
      return reply(
        400,
        errorBody(
          "instance-operations/launch/insufficient-capacity",
          "Not enough capacity to fulfill launch request.",
          "Choose an instance type with more availability, or try again later.",
        ),
      );
    }
    const addresses = this.opts.addresses;
    const n = this.nextAddress++;
    const ip = addresses ? addresses[n % addresses.length]! : `198.18.10.${n + 1}`;
    const i: StandInInstance = {
      id: randomBytes(16).toString("hex"),
      name: (b["name"] as string | undefined) ?? null,
      ip,
      private_ip: `10.0.0.${n + 1}`,
      status: "booting",
      ssh_key_names: keys,
      file_system_names: (b["file_system_names"] as string[] | undefined) ?? [],
      region: { name: region, description: REGION_NAMES[region] ?? region },
      instance_type: this.typeJson(type),
      hostname: (b["hostname"] as string | undefined) ?? null,
      tags: (b["tags"] as { key: string; value: string }[] | undefined) ?? [],
    };
    this.instances.set(i.id, i);
    this.later(this.opts.bootDelayMs ?? 300, () => {
      if (i.status === "booting") i.status = "active";
    });
    if (this.loseLaunches > 0) {
      this.loseLaunches--;
      this.requests.push({ method: "POST", path: "/instance-operations/launch", status: 0, body: b, at: Date.now() });
      this.violations.push(
        ...(this.opts.contract?.check({
          method: "POST",
          path: "/instance-operations/launch",
          requestBody: b,
          status: 0,
        }) ?? []),
      );
      res.socket?.destroy();
      return;
    }
    reply(200, { data: { instance_ids: [i.id] } });
  }
}

/**
 * Points a stack of a fixture program that reads test/fixtures/lambda-api.ts at the stand-in, with
 * the API key and waits shortened for tests (pacing and polling; the request counts do not depend on them).
 */
export function configureLambdaApi(ws: PulumiWorkspace, standIn: LambdaStandIn, apiKey: string): void {
  ws.must(["config", "set", "apiUrl", standIn.url]);
  ws.must(["config", "set", "--secret", "apiKey", apiKey]);
  ws.must(["config", "set", "pacing", JSON.stringify({ requestMs: 20, launchMs: 200 })]);
  ws.must(["config", "set", "retry", JSON.stringify({ attempts: 4, baseDelayMs: 100, maxDelayMs: 400 })]);
  ws.must(["config", "set", "pollIntervalMs", "100"]);
}
