/**
 * Contract checks for Lambda Cloud traffic: each request and response is validated by openapi-backend
 * (Ajv underneath) against our description (components/lambda/lambda-cloud.openapi.yaml) and, for
 * what the published 1.5.3 description has, against that one too (read where it lies, outside the
 * repository). "What 1.5.3 has": fields and enum values our description marks `x-sophia-since` are
 * taken out before the 1.5.3 check, and status codes 1.5.3 does not list are not checked against it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAPIBackend, { type Document } from "openapi-backend";
import { parse } from "yaml";

import { repoRoot } from "./stack-config";

export const OUR_DESCRIPTION = join(repoRoot, "components", "lambda", "lambda-cloud.openapi.yaml");
/** The published description (1.5.3), beside the repository; see /work/shared/mirror/MANIFEST.md. */
export const PUBLISHED_153 =
  process.env["SOPHIA_LAMBDA_PUBLISHED_SPEC"] ??
  join(repoRoot, "..", "shared", "mirror", "specs", "lambda-cloud-api-1.5.3.openapi.yaml");

type Json = Record<string, unknown>;

export function loadDescription(file: string): Json {
  return parse(readFileSync(file, "utf8")) as Json;
}

/** Resolves a local `$ref` (`#/components/...`). */
export function deref(root: Json, schema: unknown): Json | undefined {
  let s = schema as Json | undefined;
  for (let i = 0; s && typeof s["$ref"] === "string" && i < 20; i++) {
    s = s["$ref"]
      .slice(2)
      .split("/")
      .reduce<unknown>((o, k) => (o as Json | undefined)?.[k], root) as Json | undefined;
  }
  return s;
}

/** Whether `v` holds a value that our schema marks as newer than 1.5.3 (an enum value). */
function usesNewerValue(root: Json, schema: unknown, v: unknown): boolean {
  const s = deref(root, schema);
  if (!s || v === null || v === undefined) return false;
  const newer = s["x-sophia-values-since"] as Record<string, string> | undefined;
  if (typeof v === "string" && newer && v in newer) return true;
  for (const sub of (s["allOf"] as unknown[] | undefined) ?? []) if (usesNewerValue(root, sub, v)) return true;
  if (Array.isArray(v)) return v.some((x) => usesNewerValue(root, s["items"], x));
  if (typeof v === "object") {
    const props = (s["properties"] as Json | undefined) ?? {};
    return Object.entries(v as Json).some(([k, x]) =>
      usesNewerValue(
        root,
        props[k] ?? (typeof s["additionalProperties"] === "object" ? s["additionalProperties"] : undefined),
        x,
      ),
    );
  }
  return false;
}

/** `v` without the properties our schema marks `x-sophia-since` (a deep copy). */
export function withoutNewer(root: Json, schema: unknown, v: unknown): unknown {
  const s = deref(root, schema);
  if (!s || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => withoutNewer(root, s["items"], x));
  const props = (s["properties"] as Json | undefined) ?? {};
  const extra = typeof s["additionalProperties"] === "object" ? s["additionalProperties"] : undefined;
  const out: Json = {};
  for (const [k, x] of Object.entries(v as Json)) {
    const ps = deref(root, props[k]);
    if (ps?.["x-sophia-since"]) continue;
    out[k] = withoutNewer(root, props[k] ?? extra, x);
  }
  return out;
}

export interface Exchange {
  readonly method: string;
  /** Path below the API root, e.g. `/instances/abc`. */
  readonly path: string;
  readonly requestBody?: unknown;
  readonly status: number;
  /** Undefined when the response was never sent (a dropped connection). */
  readonly responseBody?: unknown;
}

/** Validators for our description and the published 1.5.3 one. */
export class LambdaContract {
  private constructor(
    private readonly ours: OpenAPIBackend,
    private readonly published: OpenAPIBackend | undefined,
    private readonly ourDoc: Json,
  ) {}

  static async load(): Promise<LambdaContract> {
    const ourDoc = loadDescription(OUR_DESCRIPTION);
    const ours = new OpenAPIBackend({ definition: ourDoc as unknown as Document, quick: false, validate: true });
    await ours.init();
    let published: OpenAPIBackend | undefined;
    if (existsSync(PUBLISHED_153)) {
      published = new OpenAPIBackend({
        definition: loadDescription(PUBLISHED_153) as unknown as Document,
        validate: true,
      });
      await published.init();
    }
    return new LambdaContract(ours, published, ourDoc);
  }

  get hasPublished(): boolean {
    return this.published !== undefined;
  }

  /** Every violation of the exchange, each prefixed with the description it breaks. Empty when it conforms. */
  check(x: Exchange): string[] {
    const problems: string[] = [];
    const req = {
      method: x.method.toLowerCase(),
      path: x.path,
      headers: { "content-type": "application/json" },
      body: x.requestBody,
    };
    const op = this.ours.matchOperation(req);
    if (!op) return [`ours: ${x.method} ${x.path} is not in our description`];
    const label = `${x.method} ${x.path} → ${x.status}`;
    const r = this.ours.validateRequest(req, op);
    if (!r.valid) problems.push(`ours: request ${label}: ${JSON.stringify(r.errors)}`);
    if (x.responseBody !== undefined || x.status === 200) {
      if (!(op.responses ?? {})[String(x.status)]) problems.push(`ours: ${label}: status not described`);
      else if (x.responseBody !== undefined) {
        const v = this.ours.validateResponse(x.responseBody, op, x.status);
        if (!v.valid) problems.push(`ours: response ${label}: ${JSON.stringify(v.errors)}`);
      }
    }
    if (!this.published) return problems;
    const pop = this.published.matchOperation(req);
    if (!pop) return problems;
    const reqSchema = deref(this.ourDoc, op.requestBody)?.["content"] as Json | undefined;
    const bodySchema = (reqSchema?.["application/json"] as Json | undefined)?.["schema"];
    const oldReq = {
      ...req,
      body: x.requestBody === undefined ? undefined : withoutNewer(this.ourDoc, bodySchema, x.requestBody),
    };
    const pr = this.published.validateRequest(oldReq, pop);
    if (!pr.valid) problems.push(`1.5.3: request ${label}: ${JSON.stringify(pr.errors)}`);
    const pResponses = (pop.responses ?? {}) as Json;
    if (x.responseBody !== undefined && pResponses[String(x.status)]) {
      const ourResp = deref(this.ourDoc, (op.responses ?? {})[String(x.status)]);
      const respSchema = ((ourResp?.["content"] as Json | undefined)?.["application/json"] as Json | undefined)?.[
        "schema"
      ];
      if (!usesNewerValue(this.ourDoc, respSchema, x.responseBody)) {
        const pv = this.published.validateResponse(
          withoutNewer(this.ourDoc, respSchema, x.responseBody),
          pop,
          x.status,
        );
        if (!pv.valid) problems.push(`1.5.3: response ${label}: ${JSON.stringify(pv.errors)}`);
      }
    }
    return problems;
  }
}
