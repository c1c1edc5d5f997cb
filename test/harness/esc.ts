/**
 * Resolves the repository's ESC environment definitions (esc/*.yaml) the way Pulumi ESC would for
 * what they use: `fn::secret` leaves and whole-value `${path}` references under `pulumiConfig`.
 * Secret placeholders are replaced by fixture values. Anything else ESC can do (`fn::open`, imports,
 * string interpolation) is rejected, so a definition never silently resolves differently here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { utils as sshUtils } from "ssh2";
import { parse } from "yaml";

import { parseConfig } from "../../stacks/config/load";
import type { Settings } from "../../stacks/config/schema";
import { readStackFile, repoRoot, toRawConfig } from "./stack-config";

export interface ResolvedValue {
  readonly value: string;
  readonly secret: boolean;
}

interface Leaf {
  readonly value: unknown;
  readonly secret: boolean;
}

let sshKey: string | undefined;

/**
 * A throwaway OpenSSH key, generated once per test process (never committed: the SSH providers parse
 * the key when a preview checks them, so a placeholder string would not do).
 */
function fixtureSshKey(): string {
  sshKey ??= sshUtils.generateKeyPairSync("ed25519").private;
  return sshKey;
}

/**
 * A fixture for each secret path; kubeconfigs must parse, so they get a real (unreachable) one, and
 * SSH keys a real throwaway key.
 */
export function fixtureSecret(path: string): string {
  if (path.endsWith("sshPrivateKey")) return fixtureSshKey();
  if (path.endsWith("kubeconfig"))
    return readFileSync(join(repoRoot, "test", "fixtures", "unreachable-kubeconfig.yaml"), "utf8");
  return `fixture-${path.replace(/[^A-Za-z0-9]/g, "-")}-value`;
}

export function loadEscDefinition(envName: string): Record<string, unknown> {
  const doc = parse(readFileSync(join(repoRoot, "esc", `${envName}.yaml`), "utf8")) as {
    values?: Record<string, unknown>;
  };
  if (!doc.values) throw new Error(`esc/${envName}.yaml has no values`);
  return doc.values;
}

function resolveNode(node: unknown, path: string, secret: boolean): Leaf {
  if (typeof node === "object" && node !== null && !Array.isArray(node)) {
    const keys = Object.keys(node);
    const fn = keys.find((k) => k.startsWith("fn::"));
    if (fn) {
      if (fn !== "fn::secret" || keys.length !== 1) throw new Error(`${path}: unsupported ESC function ${fn}`);
      return { value: fixtureSecret(path), secret: true };
    }
    // An object is secret when any value in it is.
    const children = Object.entries(node).map(([k, v]) => [k, resolveNode(v, `${path}.${k}`, secret)] as const);
    return {
      value: Object.fromEntries(children.map(([k, leaf]) => [k, leaf.value])),
      secret: secret || children.some(([, leaf]) => leaf.secret),
    };
  }
  return { value: node, secret };
}

function lookup(values: Record<string, unknown>, ref: string): Leaf {
  let node: unknown = values;
  for (const part of ref.split(".")) {
    if (typeof node !== "object" || node === null || !(part in node))
      throw new Error(`unresolved ESC reference \${${ref}}`);
    node = (node as Record<string, unknown>)[part];
  }
  return resolveNode(node, ref, false);
}

/** `pulumiConfig` of an ESC definition, resolved with fixture secrets. */
export function resolveEscConfig(envName: string): Record<string, ResolvedValue> {
  const values = loadEscDefinition(envName);
  const pulumiConfig = values["pulumiConfig"];
  if (typeof pulumiConfig !== "object" || pulumiConfig === null)
    throw new Error(`esc/${envName}.yaml has no pulumiConfig`);
  const out: Record<string, ResolvedValue> = {};
  for (const [key, raw] of Object.entries(pulumiConfig)) {
    let leaf: Leaf;
    if (typeof raw === "string" && /^\$\{[A-Za-z0-9_.]+\}$/.test(raw)) leaf = lookup(values, raw.slice(2, -1));
    else if (typeof raw === "string" && raw.includes("${"))
      throw new Error(`${key}: string interpolation is not supported here`);
    else leaf = resolveNode(raw, `pulumiConfig.${key}`, false);
    out[key] = { value: typeof leaf.value === "string" ? leaf.value : JSON.stringify(leaf.value), secret: leaf.secret };
  }
  return out;
}

/** Every path in the definition that holds an `fn::secret`. */
export function secretPaths(envName: string): string[] {
  const paths: string[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (typeof node !== "object" || node === null) return;
    if ("fn::secret" in node) {
      paths.push(path.join("."));
      return;
    }
    for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
  };
  walk(loadEscDefinition(envName), []);
  return paths;
}

/** The settings a stack's program parses: its stack file plus (but for dev) its ESC environment, resolved with fixtures. */
export function stackSettings(stack: string): Settings {
  const extra = stack === "dev" ? {} : resolveEscConfig(stack);
  const r = parseConfig(toRawConfig(readStackFile(stack).config, extra));
  if (!r.ok) throw new Error(`${stack} config invalid: ${JSON.stringify(r.problems)}`);
  return r.config.settings;
}
