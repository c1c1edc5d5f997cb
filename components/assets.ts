/**
 * Declarative assets under `k8s/` (config templates, scripts, SQL, values, dashboards), read at
 * program start. Pure helpers, shared by the components.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

let assetsDirectory: string | undefined;

/**
 * The `k8s/` folder: the nearest one at or above this file's folder, so the ahead-of-time build
 * (`.sophia/build/components/`, scripts/aot.cjs) reads the same files as the sources.
 */
export function findAssetsDirectory(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "k8s"))) return join(dir, "k8s");
    if (dirname(dir) === dir) throw new Error(`no k8s/ folder in ${from} or any folder above it`);
  }
}

/** The text of `k8s/<relative>`. */
export function readAsset(relative: string): string {
  assetsDirectory ??= findAssetsDirectory(__dirname);
  return readFileSync(join(assetsDirectory, relative), "utf8");
}

/**
 * Fills `{{name}}` placeholders. Every placeholder must have a value and every value must be used,
 * so a template and its renderer cannot drift apart silently.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  const used = new Set<string>();
  const missing = new Set<string>();
  const out = template.replace(/\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) {
      missing.add(key);
      return "";
    }
    used.add(key);
    return String(value);
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (missing.size > 0 || unused.length > 0) {
    const parts = [];
    if (missing.size > 0) parts.push(`no value for ${[...missing].join(", ")}`);
    if (unused.length > 0) parts.push(`values not in the template: ${unused.join(", ")}`);
    throw new Error(`template: ${parts.join("; ")}`);
  }
  return out;
}
