/**
 * Files the local servers write for the dev stack (the API server's kubeconfig, Weaviate's API key),
 * read with one clear error when the server has not been started.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

/**
 * The project root (where Pulumi.yaml is): relative paths in config are relative to it. Found from
 * this file's folder upward, so the ahead-of-time build (`.sophia/build/stacks/`, scripts/aot.cjs)
 * resolves the same root as the sources.
 */
export const PROJECT_ROOT = projectRoot(__dirname);

/** The nearest folder at or above `from` that holds a Pulumi.yaml. */
export function projectRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml in ${from} or any folder above it`);
  }
}

/**
 * Reads `configured` (relative to the project root).
 * @param setting the config that asks for it, e.g. `kubernetes.target is "local"`.
 * @param server the local server that writes it, e.g. `API server` (started by `scripts/<script>`).
 */
export function readLocalFile(configured: string, setting: string, server: string, script: string): string {
  const file = path.resolve(PROJECT_ROOT, configured);
  if (!fs.existsSync(file)) {
    throw new pulumi.RunError(
      `${setting} but ${file} does not exist: start the local ${server} first ` +
        `(scripts/${script} start, which scripts/up.sh runs for you)`,
    );
  }
  return fs.readFileSync(file, "utf8");
}
