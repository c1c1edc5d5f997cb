/**
 * Upstream manifests the toolchain fetches through the Go module proxy
 * (`node toolchain/ensure.mjs --with manifests`, pinned in toolchain/pieces.mjs).
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Pins the program relies on; a unit test checks they equal toolchain/pieces.mjs. */
export const MANIFEST_PINS = {
  cloudNativePg: { name: "cloudnative-pg", version: "v1.30.0", file: "cnpg.yaml" },
} as const;

export function manifestsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env["SOPHIA_MANIFESTS"] ?? join(env["SOPHIA_CACHE_DIR"] ?? join(homedir(), ".cache", "sophia-infra"), "manifests")
  );
}

/** The text of a fetched manifest, or an error that says how to fetch it. */
export function readManifest(pin: { name: string; version: string; file: string }, env = process.env): string {
  const file = join(manifestsDirectory(env), `${pin.name}-${pin.version}`, pin.file);
  if (!existsSync(file)) {
    throw new Error(
      `${pin.name} ${pin.version} manifest not found at ${file}; fetch it with ` +
        "`node toolchain/ensure.mjs --with manifests` (scripts/up.sh and scripts/test.sh do this)",
    );
  }
  return readFileSync(file, "utf8");
}
