/**
 * Writes docs/outputs.schema.json, the stack outputs contract as JSON Schema
 * (test/unit/outputs.test.ts fails while it is stale).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { outputsJsonSchema } from "../stacks/outputs";

const file = join(__dirname, "..", "docs", "outputs.schema.json");
writeFileSync(file, `${JSON.stringify(outputsJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file}`);
