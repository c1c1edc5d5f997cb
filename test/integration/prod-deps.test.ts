/**
 * The program runs on production dependencies alone: a copy of the repository without node_modules
 * gets `pnpm install --prod --frozen-lockfile` (offline from the warm store, the npm registry as a
 * fallback), then every bare import of `stacks/` and `components/` must resolve from the copy, and
 * every program module must load there. A package the program imports at run time but that is only a
 * dev dependency (`yaml` was one) fails this test.
 *
 * Loading needs JavaScript: the sources are transpiled with this checkout's TypeScript (a test tool,
 * not part of the copy), module by module, into the copy; the copy's Node.js then `require`s them
 * with nothing but the production node_modules around.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { repoRoot } from "../harness/stack-config";

/** What the program is made of (the policy pack is a workspace package: pnpm needs its manifest). */
const PROGRAM_DIRS = ["stacks", "components", "k8s", "policy"];
const PROGRAM_FILES = [
  "package.json",
  "pnpm-lock.yaml",
  "pnpm-workspace.yaml",
  ".npmrc",
  "Pulumi.yaml",
  "tsconfig.json",
];
/** Modules that run the program when loaded (the entry point); the rest only define things. */
const ENTRY_POINTS = new Set(["stacks/index.ts"]);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const p = join(dir, entry);
    if (entry === "node_modules") return [];
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** Bare module specifiers a source imports at run time (`import type` and type-only re-exports excluded). */
function runtimeImports(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /^\s*import\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gms,
    /^\s*import\s+"([^"]+)"/gm,
    /^\s*export\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gms,
    /\bimport\(\s*"([^"]+)"\s*\)/g,
    /\brequire\(\s*"([^"]+)"\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.add(m[1]!);
  return [...found].filter((s) => !s.startsWith(".") && !s.startsWith("node:") && !builtinModules.includes(s));
}

const pnpm = (args: string[], cwd: string) =>
  spawnSync("pnpm", args, {
    cwd,
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, CI: "1", npm_config_verify_deps_before_run: "false" },
  });

let copy: string;
let installLog = "";
beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "sophia-prod-deps-"));
  for (const f of PROGRAM_FILES) cpSync(join(repoRoot, f), join(copy, f));
  for (const d of PROGRAM_DIRS) {
    cpSync(join(repoRoot, d), join(copy, d), {
      recursive: true,
      filter: (src) => !src.split("/").includes("node_modules"),
    });
  }
  const args = ["install", "--prod", "--frozen-lockfile", "--ignore-scripts", "--reporter=append-only"];
  let r = pnpm([...args, "--offline"], copy);
  installLog = `${r.stdout}${r.stderr}`;
  // A cold store: the npm registry (the only network the install may use).
  if (r.status !== 0) {
    r = pnpm(args, copy);
    installLog += `\n--- online retry ---\n${r.stdout}${r.stderr}`;
  }
  if (r.status !== 0) throw new Error(`pnpm install --prod failed in ${copy}:\n${installLog}`);
}, 240_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

/**
 * Runs a script with the copy's Node.js and a bare environment: `pnpm exec` sets NODE_PATH to this
 * checkout's node_modules, which would let a module resolve from outside the copy.
 */
function nodeInCopy(name: string, body: string): unknown {
  const file = join(copy, name);
  writeFileSync(file, `${body}\nconsole.log(JSON.stringify(result));\n`);
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  const r = spawnSync(process.execPath, [file], { cwd: copy, encoding: "utf8", timeout: 120_000, env });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const programFiles = () => [...tsFiles(join(copy, "stacks")), ...tsFiles(join(copy, "components"))];

describe("the program on production dependencies alone", () => {
  it("leaves the dev dependencies out of the copy (the install really is production-only)", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    const dev = ["typescript", "vitest", "tsx"];
    for (const d of dev) expect(pkg.devDependencies[d], d).toBeDefined();
    const resolvable = nodeInCopy(
      "resolve-dev.cjs",
      `const result = ${JSON.stringify(dev)}.filter((d) => { try { require.resolve(d + "/package.json"); return true; } catch { return false; } });`,
    );
    expect(resolvable).toEqual([]);
    expect(nodeInCopy("resolve-pulumi.cjs", `const result = require.resolve("@pulumi/pulumi");`)).toContain(copy);
  });

  it("resolves every bare import of stacks/ and components/ from the copy", () => {
    const imports = programFiles().flatMap((file) =>
      runtimeImports(readFileSync(file, "utf8")).map((spec) => [relative(copy, file), spec]),
    );
    expect(imports.length).toBeGreaterThan(20);
    const unresolved = nodeInCopy(
      "resolve-imports.cjs",
      [
        'const { createRequire } = require("node:module");',
        'const path = require("node:path");',
        `const result = ${JSON.stringify(imports)}.filter(([file, spec]) => {`,
        "  try { createRequire(path.join(__dirname, file)).resolve(spec); return false; } catch { return true; }",
        '}).map(([file, spec]) => file + ": " + spec);',
      ].join("\n"),
    );
    expect(unresolved, "imported at run time but not a production dependency").toEqual([]);
  });

  it("loads every program module with Node.js from the copy", () => {
    const modules: string[] = [];
    for (const file of programFiles()) {
      const out = ts.transpileModule(readFileSync(file, "utf8"), {
        fileName: file,
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
          isolatedModules: true,
        },
      });
      writeFileSync(file.replace(/\.ts$/, ".js"), out.outputText);
      const rel = relative(copy, file);
      if (!ENTRY_POINTS.has(rel)) modules.push(rel.replace(/\.ts$/, ".js"));
    }
    expect(modules.length).toBeGreaterThan(30);
    const failures = nodeInCopy(
      "load-modules.cjs",
      [
        "const result = [];",
        `for (const m of ${JSON.stringify(modules)}) {`,
        "  try { require('./' + m); } catch (e) { result.push(m + ': ' + String(e && e.message).split('\\n')[0]); }",
        "}",
      ].join("\n"),
    );
    expect(failures, "modules that fail to load").toEqual([]);
  });
});
