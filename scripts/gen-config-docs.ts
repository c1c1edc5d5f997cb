// Writes docs/config.md from the config schema (run: pnpm docs:config).
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { renderConfigDocs } from "../stacks/config/docs";

const file = join(__dirname, "..", "docs", "config.md");
writeFileSync(file, renderConfigDocs());
console.log(`wrote ${file}`);
