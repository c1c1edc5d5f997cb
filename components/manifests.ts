/**
 * Upstream manifests the toolchain fetches through the Go module proxy
 * (`node toolchain/ensure.mjs --with manifests`, pinned in toolchain/pieces.mjs).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** Pins the program relies on; a unit test checks they equal toolchain/pieces.mjs. */
export const MANIFEST_PINS = {
  cloudNativePg: { name: "cloudnative-pg", version: "v1.30.0", file: "cnpg.yaml" },
} as const;

export function manifestsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env["SOPHIA_MANIFESTS"] ?? join(env["SOPHIA_CACHE_DIR"] ?? join(homedir(), ".cache", "sophia-infra"), "manifests")
  );
}

function manifestFile(pin: { name: string; version: string; file: string }, env: NodeJS.ProcessEnv): string {
  return join(manifestsDirectory(env), `${pin.name}-${pin.version}`, pin.file);
}

/** The text of a fetched manifest, or an error that says how to fetch it. */
export function readManifest(pin: { name: string; version: string; file: string }, env = process.env): string {
  const file = manifestFile(pin, env);
  if (!existsSync(file)) {
    throw new Error(
      `${pin.name} ${pin.version} manifest not found at ${file}; fetch it with ` +
        "`node toolchain/ensure.mjs --with manifests` (scripts/up.sh and scripts/test.sh do this)",
    );
  }
  return readFileSync(file, "utf8");
}

/** The documents of a multi-document YAML manifest, as plain values (an empty document is null). */
export function parseManifest(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

/**
 * The documents of a fetched manifest. Parsing CloudNativePG's 1.3 MB of YAML took about a second
 * of every preview (issue 18), so the parsed documents are kept as JSON beside the manifest, named
 * by a hash of its text: a changed manifest is parsed afresh, never read from an old cache. Where the
 * directory is read-only the manifest is simply parsed.
 */
export function readManifestDocuments(
  pin: { name: string; version: string; file: string },
  env = process.env,
): unknown[] {
  const text = readManifest(pin, env);
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const cache = `${manifestFile(pin, env)}.${hash}.json`;
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, "utf8")) as unknown[];
  const docs = parseManifest(text);
  try {
    const tmp = `${cache}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(docs));
    renameSync(tmp, cache);
  } catch {
    // A read-only cache: parse every time.
  }
  return docs;
}
