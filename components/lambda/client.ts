/**
 * The Lambda Cloud client: openapi-fetch over the types generated from our description
 * (lambda-cloud.openapi.yaml), with the program-wide pacing, bounded retries, and errors that say
 * code, message and suggestion with the resource they concern. The API key never enters a message.
 */
import type { components, paths } from "./lambda-cloud-api";
import {
  backoffMs,
  DEFAULT_PACING,
  DEFAULT_RETRY,
  parseRetryAfter,
  waitForSlot,
  type PacingIntervals,
  type RetryPolicy,
} from "./rate-limit";

export type LambdaInstanceJson = components["schemas"]["Instance"];
export type LambdaSshKeyJson = components["schemas"]["SshKey"];
export type LambdaLaunchRequest = components["schemas"]["LaunchRequest"];
export type LambdaInstanceTypes = Record<string, components["schemas"]["InstanceTypeAvailability"]>;
export type LambdaErrorJson = components["schemas"]["ErrorBody"];

export const LAMBDA_API_URL = "https://cloud.lambda.ai/api/v1";

/** How to reach the API. Passed to the providers as a secret (it holds the API key). */
export interface LambdaApi {
  /** Bearer API key. */
  readonly apiKey: string;
  /** @default "https://cloud.lambda.ai/api/v1" */
  readonly baseUrl?: string;
  /** Where the key comes from, named in errors about it (e.g. the config key). @default "the Lambda Cloud API key" */
  readonly apiKeySource?: string;
  /** Client-side pacing. @default { requestMs: 1000, launchMs: 12000 } */
  readonly pacing?: Partial<PacingIntervals>;
  /** Retries on 429, 5xx and `provider/*` errors. @default { attempts: 5, baseDelayMs: 2000, maxDelayMs: 30000 } */
  readonly retry?: Partial<RetryPolicy>;
  /** How often to poll an instance's status while waiting. @default 5000 */
  readonly pollIntervalMs?: number;
}

/** What a failed call left: the HTTP status and error body, or a network error. */
export interface LambdaFailure {
  readonly status?: number;
  readonly body?: unknown;
  readonly network?: string;
}

/** The error body's `error`, when the body has one. */
export function errorOf(body: unknown): LambdaErrorJson["error"] | undefined {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return e && typeof e.code === "string" && typeof e.message === "string" ? (e as LambdaErrorJson["error"]) : undefined;
}

/** A fix for the error codes where we know one. */
function fixFor(code: string, apiKeySource: string): string | undefined {
  switch (code) {
    case "global/invalid-api-key":
      return `check ${apiKeySource} (a deleted or expired key must be replaced by a new one from the Lambda Cloud dashboard)`;
    case "global/account-inactive":
      return "reactivate the Lambda Cloud account (billing) before launching";
    case "global/quota-exceeded":
      return "ask Lambda to raise the account's instance quota, or declare fewer Lambda nodes";
    case "ssh-keys/key-in-use":
      return "terminate the instances launched with this key first (the Lambda Cloud dashboard lists them)";
    default:
      return undefined;
  }
}

/**
 * One line for a failed call: `<resource>: <action> failed: <code> (HTTP n): <message>.
 * Suggestion: …. Fix: …`. Pure; never includes request headers.
 */
export function renderLambdaError(
  resource: string,
  action: string,
  f: LambdaFailure,
  apiKeySource = "the Lambda Cloud API key",
): string {
  if (f.network !== undefined) {
    return `${resource}: ${action} failed: no response from the Lambda Cloud API (${f.network})`;
  }
  const e = errorOf(f.body);
  if (!e) {
    const text = typeof f.body === "string" ? f.body.slice(0, 200) : JSON.stringify(f.body ?? null).slice(0, 200);
    return `${resource}: ${action} failed: HTTP ${f.status ?? "?"}: ${text}`;
  }
  const parts = [
    `${resource}: ${action} failed: ${e.code} (HTTP ${f.status ?? "?"}): ${e.message.replace(/\.$/, "")}.`,
  ];
  if (e.suggestion) parts.push(`Suggestion: ${e.suggestion.replace(/\.$/, "")}.`);
  const fields = (f.body as LambdaErrorJson).field_errors;
  if (fields) {
    for (const [field, fe] of Object.entries(fields)) parts.push(`Field ${field}: ${fe.message.replace(/\.$/, "")}.`);
  }
  const fix = fixFor(e.code, apiKeySource);
  if (fix) parts.push(`Fix: ${fix}.`);
  return parts.join(" ");
}

/**
 * The message for `instance-operations/launch/insufficient-capacity`: the type and the regions
 * that have it now. Pure.
 */
export function renderCapacityError(
  resource: string,
  instanceType: string,
  region: string,
  types: LambdaInstanceTypes | undefined,
): string {
  const regions = types?.[instanceType]?.regions_with_capacity_available.map((r) => r.name) ?? [];
  const now =
    types === undefined
      ? "the regions with capacity could not be listed"
      : regions.length > 0
        ? `regions with ${instanceType} capacity now: ${regions.join(", ")}`
        : `no region has ${instanceType} capacity now`;
  const fix =
    regions.length > 0
      ? `set the node's region to one of them, or run up again later`
      : "run up again later, or choose another instance type of the node class";
  return `${resource}: launch failed: instance-operations/launch/insufficient-capacity: no ${instanceType} capacity in ${region}; ${now}. Fix: ${fix}.`;
}

/** An Error carrying the failure (a plain Error: subclasses do not survive closure serialization). */
export function lambdaError(message: string, f: LambdaFailure): Error & { lambda: LambdaFailure } {
  return Object.assign(new Error(message), { lambda: f });
}

/** The error code of a failure, if the body had one. */
export function failureCode(err: unknown): string | undefined {
  return errorOf((err as { lambda?: LambdaFailure } | undefined)?.lambda?.body)?.code;
}

/** Whether a request may be sent again after a 5xx, `provider/*` error or lost response. */
function repeatable(method: string, url: string): boolean {
  // A launch is not idempotent and has no idempotency key; adding a key twice fails on its name.
  // Both are retried by their callers after looking for what the first attempt did.
  if (method === "GET" || method === "DELETE") return true;
  return url.endsWith("/instance-operations/terminate");
}

async function isProviderError(res: Response): Promise<boolean> {
  if (res.status < 400) return false;
  try {
    return errorOf(await res.clone().json())?.code.startsWith("provider/") ?? false;
  } catch {
    return false;
  }
}

/** `fetch` with the shared pacing and bounded retries. */
function pacedFetch(api: LambdaApi): (request: Request) => Promise<Response> {
  const pacing = { ...DEFAULT_PACING, ...api.pacing };
  const retry = { ...DEFAULT_RETRY, ...api.retry };
  const endpoint = api.baseUrl ?? LAMBDA_API_URL;
  return async (request: Request) => {
    const kind = request.url.endsWith("/instance-operations/launch") ? "launch" : "request";
    const again = repeatable(request.method, request.url);
    for (let attempt = 1; ; attempt++) {
      await waitForSlot(endpoint, kind, pacing);
      const last = attempt >= retry.attempts;
      let res: Response;
      try {
        res = await fetch(request.clone(), { signal: AbortSignal.timeout(60_000) });
      } catch (err) {
        if (!again || last) throw err;
        await new Promise((r) => setTimeout(r, backoffMs(attempt, retry)));
        continue;
      }
      // 429: the request was not processed, so even a launch may be sent again.
      const retryable = res.status === 429 || (again && (res.status >= 500 || (await isProviderError(res))));
      if (!retryable || last) return res;
      await res.body?.cancel();
      await new Promise((r) =>
        setTimeout(r, backoffMs(attempt, retry, parseRetryAfter(res.headers.get("retry-after")))),
      );
    }
  };
}

/** The calls the providers make. Throws `lambdaError`s (message from `renderLambdaError`). */
export interface LambdaCalls {
  listInstanceTypes(): Promise<LambdaInstanceTypes>;
  listInstances(): Promise<LambdaInstanceJson[]>;
  /** Undefined when the instance does not exist (404). */
  getInstance(id: string): Promise<LambdaInstanceJson | undefined>;
  launch(body: LambdaLaunchRequest): Promise<string[]>;
  terminate(ids: string[]): Promise<LambdaInstanceJson[]>;
  listSshKeys(): Promise<LambdaSshKeyJson[]>;
  addSshKey(name: string, publicKey: string): Promise<LambdaSshKeyJson>;
  /** False when the key did not exist. */
  deleteSshKey(id: string): Promise<boolean>;
}

/**
 * A client for `api`, its errors naming `resource`. Loads openapi-fetch on call (the providers
 * are serialized with their closures, so clients are made inside their methods).
 */
export async function lambdaClient(api: LambdaApi, resource: string): Promise<LambdaCalls> {
  const createClient = (await import("openapi-fetch")).default;
  const client = createClient<paths>({
    baseUrl: api.baseUrl ?? LAMBDA_API_URL,
    headers: { Authorization: `Bearer ${api.apiKey}` },
    fetch: pacedFetch(api),
  });
  const source = api.apiKeySource ?? "the Lambda Cloud API key";
  async function call<T>(action: string, run: () => Promise<{ data?: T; error?: unknown; response: Response }>) {
    let r: { data?: T; error?: unknown; response: Response };
    try {
      r = await run();
    } catch (err) {
      const network =
        (err as Error).message +
        ((err as { cause?: Error }).cause ? `: ${(err as { cause: Error }).cause.message}` : "");
      throw lambdaError(renderLambdaError(resource, action, { network }, source), { network });
    }
    if (r.error !== undefined || r.data === undefined) {
      const f = { status: r.response.status, body: r.error };
      throw lambdaError(renderLambdaError(resource, action, f, source), f);
    }
    return r.data;
  }
  return {
    listInstanceTypes: async () => (await call("listing instance types", () => client.GET("/instance-types"))).data,
    listInstances: async () => (await call("listing instances", () => client.GET("/instances"))).data,
    getInstance: async (id) => {
      try {
        return (await call(`reading instance ${id}`, () => client.GET("/instances/{id}", { params: { path: { id } } })))
          .data;
      } catch (err) {
        const f = (err as { lambda?: LambdaFailure }).lambda;
        if (f?.status === 404 || failureCode(err) === "global/object-does-not-exist") return undefined;
        throw err;
      }
    },
    launch: async (body) =>
      (await call("launch", () => client.POST("/instance-operations/launch", { body }))).data.instance_ids,
    terminate: async (ids) =>
      (await call("terminate", () => client.POST("/instance-operations/terminate", { body: { instance_ids: ids } })))
        .data.terminated_instances,
    listSshKeys: async () => (await call("listing SSH keys", () => client.GET("/ssh-keys"))).data,
    addSshKey: async (name, publicKey) =>
      (await call("adding the SSH key", () => client.POST("/ssh-keys", { body: { name, public_key: publicKey } })))
        .data,
    deleteSshKey: async (id) => {
      const r = await client.DELETE("/ssh-keys/{id}", { params: { path: { id } } }).catch((err: Error) => {
        throw lambdaError(renderLambdaError(resource, "delete", { network: err.message }, source), {
          network: err.message,
        });
      });
      if (r.response.ok) return true;
      const f = { status: r.response.status, body: r.error };
      if (r.response.status === 404 || errorOf(r.error)?.code === "global/object-does-not-exist") return false;
      throw lambdaError(renderLambdaError(resource, "delete", f, source), f);
    },
  };
}
