/**
 * Reads and validates the whole stack configuration once, before any resource is registered.
 * `parseConfig` is pure (raw config in, settings or every problem out); `loadConfig` feeds it the
 * engine's config and turns problems into one error. The layers get typed values (`StackConfig`):
 * the settings, each credential by name as a Pulumi secret, `mcpSecrets` parsed and the MCP catalog
 * resolved here once; no layer spells a config key.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

import { resolveCatalog, type McpSecretValues, type McpServer } from "../../components/mcp/catalog";
import { CONFIG_NAMESPACE, configKey } from "./keys";
import type { ConfigProblem } from "./problem";
import { crossChecks } from "./rules";
import { settingsSchema, type Settings } from "./schema";
import { PROVIDER_SETTINGS, SECRETS, type PartialSettings, type SecretName, type SecretSpec } from "./secrets";
import type { SecretValues, StackConfig } from "./stack-config";

export type { ConfigProblem } from "./problem";
export type { StackConfig } from "./stack-config";

const DOCS = "docs/config.md";

/** The engine's view of config: flat `namespace:key` strings plus which keys are secret. */
export interface RawConfig {
  readonly values: Readonly<Record<string, string>>;
  readonly secretKeys: ReadonlySet<string>;
}

export interface ParsedConfig {
  readonly settings: Settings;
  /** Secret values by name, plaintext here; `loadConfig` wraps them as Pulumi secrets. */
  readonly secrets: SecretValues<string>;
  /** `mcpSecrets` parsed (once), plaintext here. */
  readonly mcpSecrets?: McpSecretValues;
  /** The resolved MCP catalog (empty unless `mcp.mode` is create). */
  readonly mcpCatalog: readonly McpServer[];
}

export type ParseResult = { ok: true; config: ParsedConfig } | { ok: false; problems: ConfigProblem[] };

type SettingsKey = keyof Settings;
const settingKeys = Object.keys(settingsSchema.shape) as SettingsKey[];
const secretByKey = new Map<string, SecretSpec>(SECRETS.map((s) => [s.key, s]));

/** Keys whose raw value is the plain string (everything else is JSON: objects, lists, numbers). */
const stringKeys = new Set<SettingsKey>(["environment", "domain"]);

export function parseConfig(raw: RawConfig): ParseResult {
  const problems: ConfigProblem[] = [];
  const sections: Record<string, unknown> = {};
  const secrets: { -readonly [K in SecretName]?: string } = {};
  let mcpSecrets: McpSecretValues | undefined;
  const known = [...settingKeys.map(configKey), ...SECRETS.map((s) => s.key), ...PROVIDER_SETTINGS];

  for (const [fullKey, value] of Object.entries(raw.values)) {
    const secret = secretByKey.get(fullKey);
    if (secret) {
      if (!raw.secretKeys.has(fullKey)) {
        problems.push({
          path: fullKey,
          message: "is a credential given as plaintext",
          fix: `remove it and set it encrypted: pulumi config set --secret ${fullKey} <value> (or fn::secret in the ESC environment)`,
        });
        continue;
      }
      const checked = checkSecretShape(secret, value);
      if ("problem" in checked) {
        problems.push(checked.problem);
        continue;
      }
      secrets[secret.name] = value;
      if (secret.name === "mcpSecrets") mcpSecrets = checked.json as McpSecretValues;
      continue;
    }
    if (PROVIDER_SETTINGS.includes(fullKey)) continue;
    const [ns, key] = splitKey(fullKey);
    if (ns !== CONFIG_NAMESPACE || !settingKeys.includes(key as SettingsKey)) {
      const guess = closest(fullKey, known);
      problems.push({
        path: fullKey,
        message: "is not a key this program reads",
        fix: guess ? `did you mean ${guess}? (keys: ${DOCS})` : `remove it (keys: ${DOCS})`,
      });
      continue;
    }
    if (raw.secretKeys.has(fullKey)) {
      problems.push({
        path: fullKey,
        message: "is a secret, but it is a setting, not a credential",
        fix: "set it without --secret; credentials go in their own keys",
      });
      continue;
    }
    if (stringKeys.has(key as SettingsKey)) {
      sections[key] = value;
    } else {
      try {
        sections[key] = JSON.parse(value) as unknown;
      } catch {
        problems.push({
          path: fullKey,
          message: `must be a YAML object, got the string ${JSON.stringify(value)}`,
          fix: `write it as a map in the stack file (see ${DOCS}#${key.toLowerCase()})`,
        });
        sections[key] = undefined;
      }
    }
  }

  // Parse each section on its own so one bad section does not hide the others' problems, and so
  // secrets can be checked against every section that did parse.
  const parsed: Partial<Record<SettingsKey, unknown>> = {};
  for (const key of settingKeys) {
    if (problems.some((p) => p.path === configKey(key))) continue;
    const result = settingsSchema.shape[key].safeParse(sections[key]);
    if (result.success) parsed[key] = result.data;
    else problems.push(...result.error.issues.map((issue) => toProblem(key, issue, sections[key])));
  }
  const partial = parsed as PartialSettings;
  // Resolved once: the secrets' requirements, the rules and the MCP layer all read this catalog.
  const mcpCatalog = partial.mcp?.mode === "create" ? resolveCatalog(partial.mcp) : [];

  for (const spec of SECRETS) {
    const reason = spec.requiredWhen(partial, { mcpCatalog });
    if (reason && !(spec.key in raw.values)) {
      problems.push({
        path: spec.key,
        message: `is a required secret (${reason}) and is not set`,
        fix: `pulumi config set --secret ${spec.key} <value>, or add it to the stack's ESC environment`,
      });
    }
  }

  const derived = { mcpCatalog, ...(mcpSecrets ? { mcpSecrets } : {}) };
  if (problems.length === 0) problems.push(...crossChecks(parsed as Settings, secrets, derived));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { settings: parsed as Settings, secrets, ...derived } };
}

function splitKey(fullKey: string): [string, string] {
  const i = fullKey.indexOf(":");
  return i < 0 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

/** A secret's value checked against its shape: the problem, or the value (parsed when it is JSON). */
function checkSecretShape(spec: SecretSpec, value: string): { problem: ConfigProblem } | { json?: unknown } {
  if (value.trim() === "") {
    return {
      problem: {
        path: spec.key,
        message: "is empty",
        fix: `set a value: pulumi config set --secret ${spec.key} <value>`,
      },
    };
  }
  if (spec.shape === "stringMapMap") {
    let json: unknown;
    try {
      json = JSON.parse(value) as unknown;
    } catch {
      json = undefined;
    }
    const ok =
      isRecord(json) &&
      Object.values(json).every((m) => isRecord(m) && Object.values(m).every((s) => typeof s === "string"));
    if (!ok) {
      return {
        problem: {
          path: spec.key,
          message: "must be a map of server name to a map of ENV_VAR to string",
          fix: "e.g. { github: { GITHUB_TOKEN: { secure: ... } } } in the stack file or ESC",
        },
      };
    }
    return { json };
  }
  return {};
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Turns one zod issue into a problem with the config path and a concrete fix. */
function toProblem(key: SettingsKey, issue: z.core.$ZodIssue, sectionValue: unknown): ConfigProblem {
  const base = configKey(key);
  const path = issue.path.length > 0 ? `${base}.${issue.path.map(String).join(".")}` : base;
  const anchor = `${DOCS}#${key.toLowerCase()}`;
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = allowedKeysAt(key, issue.path, sectionValue);
      return {
        path,
        message: `has unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`,
        fix: issue.keys
          .map((k) => {
            const guess = closest(k, allowed);
            return guess ? `"${k}" → did you mean "${guess}"?` : `remove "${k}"`;
          })
          .join("; ")
          .concat(allowed.length > 0 ? ` (allowed: ${allowed.join(", ")}; ${anchor})` : ""),
      };
    }
    case "invalid_type": {
      const got = valueAt(sectionValue, issue.path);
      if (got === undefined) {
        return { path, message: `is required (${issue.expected})`, fix: `set ${path} (${anchor})` };
      }
      return {
        path,
        message: `must be ${issue.expected}, got ${describe(got)}`,
        fix: `write it as ${issue.expected === "number" ? "a number without quotes" : issue.expected} (${anchor})`,
      };
    }
    case "invalid_union":
    case "invalid_value": {
      const options = "values" in issue ? issue.values.map((v) => JSON.stringify(v)).join(", ") : undefined;
      return {
        path,
        message: issue.message,
        fix: options ? `use one of ${options} (${anchor})` : `see ${anchor}`,
      };
    }
    case "custom": {
      // Rules a component checks (e.g. validateRestore) carry their own fix.
      const fix = (issue.params as { fix?: unknown } | undefined)?.fix;
      return { path, message: issue.message, fix: typeof fix === "string" ? fix : `see ${anchor}` };
    }
    default:
      return { path, message: issue.message, fix: `see ${anchor}` };
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The keys the schema allows at `path` inside a section (for did-you-mean hints). */
function allowedKeysAt(key: SettingsKey, path: readonly PropertyKey[], sectionValue: unknown): string[] {
  const json = jsonSchemaOf(key);
  let node: JsonSchemaNode | undefined = json;
  let value = sectionValue;
  for (const p of path) {
    node = pickVariant(node, value);
    value = typeof value === "object" && value !== null ? (value as Record<PropertyKey, unknown>)[p] : undefined;
    if (node?.properties && typeof p === "string") node = node.properties[p];
    else if (node?.items) node = node.items;
    else if (node?.additionalProperties && typeof node.additionalProperties === "object")
      node = node.additionalProperties;
    else return [];
  }
  node = pickVariant(node, value);
  return Object.keys(node?.properties ?? {});
}

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  const?: unknown;
}

/** For a discriminated union, the variant whose `mode`/`source` constant matches the value. */
function pickVariant(node: JsonSchemaNode | undefined, value: unknown): JsonSchemaNode | undefined {
  const variants = node?.oneOf ?? node?.anyOf;
  if (!variants) return node;
  if (typeof value !== "object" || value === null) return variants[0];
  const v = value as Record<string, unknown>;
  return (
    variants.find((variant) =>
      Object.entries(variant.properties ?? {}).some(([k, s]) => s.const !== undefined && v[k] === s.const),
    ) ?? variants[0]
  );
}

const jsonSchemaCache = new Map<SettingsKey, JsonSchemaNode>();
function jsonSchemaOf(key: SettingsKey): JsonSchemaNode {
  let s = jsonSchemaCache.get(key);
  if (!s) {
    s = settingsSchema.shape[key].toJSONSchema({ io: "input", unrepresentable: "any" }) as JsonSchemaNode;
    jsonSchemaCache.set(key, s);
  }
  return s;
}

/** The candidate within edit distance 3 (or a case-insensitive match), for did-you-mean hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(word.length / 3))) ? best : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i]![j] = v;
    }
  }
  return at(a.length, b.length);
}

/** Formats every problem into one message. */
export function formatProblems(stack: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.path} ${p.message}.\n      fix: ${p.fix}`);
  return (
    `Stack "${stack}" has ${problems.length} configuration problem${problems.length === 1 ? "" : "s"}; ` +
    `nothing was registered or changed.\n${lines.join("\n")}`
  );
}

/** Reads the engine's config for this run. */
export function readRawConfig(): RawConfig {
  const values = pulumi.runtime.allConfig();
  const secretKeysJson = process.env["PULUMI_CONFIG_SECRET_KEYS"];
  const secretKeys = new Set<string>(secretKeysJson ? (JSON.parse(secretKeysJson) as string[]) : []);
  return { values, secretKeys };
}

export function loadConfig(raw: RawConfig = readRawConfig(), stack: string = pulumi.getStack()): StackConfig {
  const result = parseConfig(raw);
  if (!result.ok) throw new pulumi.RunError(formatProblems(stack, result.problems));
  const { settings, secrets, mcpSecrets, mcpCatalog } = result.config;
  const wrapped: SecretValues<pulumi.Output<string>> = Object.fromEntries(
    Object.entries(secrets).map(([name, value]) => [name, pulumi.secret(value)]),
  );
  return {
    stack,
    settings,
    secrets: wrapped,
    ...(mcpSecrets ? { mcpSecrets: pulumi.secret(mcpSecrets) } : {}),
    mcpCatalog,
    requireSecret: (name) => {
      const s = wrapped[name];
      if (!s) throw new pulumi.RunError(`internal: secret ${name} was required but not validated as present`);
      return s;
    },
  };
}
