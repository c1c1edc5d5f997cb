/**
 * Reads a stack file the way the engine presents config to the program: `namespace:key` to a string
 * (objects and lists as JSON), plus which keys are secret. `secure:` values cannot be decrypted
 * without the passphrase, so they are replaced by a fixture value.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

import type { RawConfig } from "../../stacks/config/load";

export const repoRoot = join(__dirname, "..", "..");

export interface StackFile {
  readonly environment?: string[];
  readonly config: Record<string, unknown>;
}

export function readStackFile(stack: string): StackFile {
  const doc = parse(readFileSync(join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as {
    environment?: string[];
    config?: Record<string, unknown>;
  };
  return { environment: doc.environment, config: doc.config ?? {} };
}

function isSecure(v: unknown): v is { secure: string } {
  return typeof v === "object" && v !== null && "secure" in v;
}

/** Converts stack-file config (plus extra already-resolved values) into the engine's RawConfig. */
export function toRawConfig(
  config: Record<string, unknown>,
  extra: Record<string, { value: string; secret: boolean }> = {},
): RawConfig {
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  for (const [k, v] of Object.entries(config)) {
    let secure = false;
    // Secure leaves inside objects (`pulumi config set --path --secret`) make the whole key secret.
    const replace = (node: unknown, path: string): unknown => {
      if (isSecure(node)) {
        secure = true;
        return `fixture-${path}`;
      }
      if (typeof node === "object" && node !== null && !Array.isArray(node)) {
        return Object.fromEntries(Object.entries(node).map(([ck, cv]) => [ck, replace(cv, `${path}.${ck}`)]));
      }
      return node;
    };
    const value = replace(v, k);
    values[k] = typeof value === "string" ? value : JSON.stringify(value);
    if (secure) secretKeys.add(k);
  }
  for (const [k, { value, secret }] of Object.entries(extra)) {
    if (!(k in values)) values[k] = value; // an explicit stack value wins over ESC
    if (secret && !(k in config)) secretKeys.add(k);
  }
  return { values, secretKeys };
}
