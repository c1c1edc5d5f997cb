/**
 * Serializes the Lambda providers the way `pulumi.dynamic.Resource` does (closure serialization) and
 * writes each as a module exporting `handler`, for tests that run them as the engine would.
 * Usage: node -r ts-node/register/transpile-only test/harness/serialize-providers.ts <out dir>
 * (run outside vitest: its module transform cannot be serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { lambdaInstanceProvider, lambdaSshKeyProvider } from "../../components/lambda";

async function main(out: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  for (const [file, provider] of [
    ["instance.js", lambdaInstanceProvider],
    ["ssh-key.js", lambdaSshKeyProvider],
  ] as const) {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    writeFileSync(join(out, file), sf.text);
  }
}

void main(process.argv[2]!);
