/**
 * Ahead-of-time build of the Pulumi program and of the policy pack, so the engine never transpiles
 * TypeScript while it waits (issue 18: ts-node cost most of the program's fixed time).
 *
 * Each target's `.ts` sources are transpiled file by file with TypeScript's own `transpileModule`
 * under the target's tsconfig.json (what ts-node's transpile-only mode did on every run; the
 * resource graph is the same, test/integration/aot-build.test.ts), into a git-ignored build directory, with inline source maps that point
 * stack traces at the `.ts` files. A manifest records a hash of every source, the tsconfig and the
 * compiler version; `ensureBuilt` compares it with the sources on disk (a few milliseconds) and
 * rebuilds only what changed, so a stale build is never used: the program's entry
 * (`scripts/program.cjs`, Pulumi.yaml `main`) and the pack's launcher (`policy/analyzer`) both call
 * it before loading anything. New files under the source folders are picked up by the same walk.
 *
 * Type errors are `pnpm typecheck`'s job, as they were with transpile-only ts-node.
 *
 *   node scripts/aot.cjs build [program|policy ...]   build (or confirm fresh), print what it did
 *   node scripts/aot.cjs run-policy-pack <engine>     the pack's analyzer plugin (policy/analyzer)
 */
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
/** Bump when the build's output format changes, so every existing build is rebuilt. */
const FORMAT = 1;

/** What each target builds: source folders (relative to `root`) and the tsconfig.json whose options apply. */
const TARGETS = {
  program: { root: ROOT, sources: ["stacks", "components"], out: path.join(ROOT, ".sophia", "build") },
  policy: { root: path.join(ROOT, "policy"), sources: ["."], out: path.join(ROOT, "policy", ".sophia", "build") },
};

const SKIP_DIRS = new Set(["node_modules", ".sophia", ".git"]);

/** Every `.ts` source of the target (not `.d.ts`), relative to its root, sorted. */
function sourceFiles(target) {
  const found = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(target.root, rel), { withFileTypes: true })) {
      const child = rel === "." ? entry.name : path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(child);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        found.push(child);
      }
    }
  };
  for (const dir of target.sources) walk(dir);
  return found.sort();
}

function sha256(text) {
  return crypto.createHash("sha256").update(text).digest("hex");
}

/** The inputs the build depends on: each source's hash, the tsconfig, the compiler version. */
function fingerprint(target) {
  const tsPackage = require.resolve("typescript/package.json", { paths: [target.root] });
  const files = {};
  for (const rel of sourceFiles(target)) files[rel] = sha256(fs.readFileSync(path.join(target.root, rel)));
  return {
    format: FORMAT,
    typescript: JSON.parse(fs.readFileSync(tsPackage, "utf8")).version,
    tsconfig: sha256(fs.readFileSync(path.join(target.root, "tsconfig.json"))),
    files,
  };
}

function readManifest(target) {
  try {
    return JSON.parse(fs.readFileSync(path.join(target.out, "manifest.json"), "utf8"));
  } catch {
    return undefined;
  }
}

function writeAtomically(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function outputFor(target, rel) {
  return path.join(target.out, rel.replace(/\.ts$/, ".js"));
}

/** Compiler options of the target's tsconfig.json, set up to emit CommonJS with inline source maps. */
function compilerOptions(ts, target) {
  const file = path.join(target.root, "tsconfig.json");
  const parsed = ts.getParsedCommandLineOfConfigFile(
    file,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      },
    },
  );
  return { ...parsed.options, noEmit: false, sourceMap: true, inlineSourceMap: false, declaration: false };
}

function transpile(ts, options, target, rel) {
  const file = path.join(target.root, rel);
  const result = ts.transpileModule(fs.readFileSync(file, "utf8"), {
    compilerOptions: options,
    fileName: file,
    reportDiagnostics: true,
  });
  const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const text = errors.map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const at = where ? `${rel}:${where.line + 1}:${where.character + 1}` : rel;
      return `${at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    throw new Error(`cannot build ${rel}:\n${text.join("\n")}`);
  }
  // The map names the source by its absolute path, so stack traces show the .ts file and line.
  const map = JSON.parse(result.sourceMapText);
  map.sources = [file];
  map.sourcesContent = undefined;
  const js = result.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  return `${js}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`;
}

/** Removes built files whose source is gone, so a deleted module cannot be loaded from the build. */
function removeOrphans(target, files) {
  const wanted = new Set(Object.keys(files).map((rel) => outputFor(target, rel)));
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith(".js") && !wanted.has(file)) fs.rmSync(file, { force: true });
    }
  };
  walk(target.out);
}

/**
 * Makes the target's build match its sources, transpiling only the files that changed; returns the
 * build directory and how many files were transpiled (0: it was fresh).
 * @param {"program" | "policy" | { root: string, sources: string[], out: string }} which a target's name, or a target
 */
function ensureBuilt(which) {
  const target = typeof which === "string" ? TARGETS[which] : which;
  if (!target) throw new Error(`unknown build target ${which} (program or policy)`);
  const now = fingerprint(target);
  const before = readManifest(target);
  const sameSetup =
    before?.format === now.format && before.typescript === now.typescript && before.tsconfig === now.tsconfig;
  const changed = Object.keys(now.files).filter(
    (rel) => !sameSetup || before.files?.[rel] !== now.files[rel] || !fs.existsSync(outputFor(target, rel)),
  );
  const removed = Object.keys(before?.files ?? {}).some((rel) => !(rel in now.files));
  if (changed.length === 0 && !removed) return { out: target.out, transpiled: 0 };
  const ts = require(require.resolve("typescript", { paths: [target.root] }));
  const options = compilerOptions(ts, target);
  for (const rel of changed) writeAtomically(outputFor(target, rel), transpile(ts, options, target, rel));
  removeOrphans(target, now.files);
  writeAtomically(path.join(target.out, "manifest.json"), `${JSON.stringify(now, null, 1)}\n`);
  return { out: target.out, transpiled: changed.length };
}

/** The policy pack as an analyzer plugin: serve it from its build (the engine's address is not needed). */
function runPolicyPack() {
  const { out } = ensureBuilt("policy");
  // PolicyPack reads the pack's version from package.json in the working directory.
  process.chdir(TARGETS.policy.root);
  require(path.join(out, "index.js"));
}

module.exports = { ensureBuilt, sourceFiles, TARGETS };

if (require.main === module) {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "build") {
    for (const name of rest.length > 0 ? rest : Object.keys(TARGETS)) {
      const started = process.hrtime.bigint();
      const { out, transpiled } = ensureBuilt(name);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const what = transpiled === 0 ? "up to date" : `${transpiled} file(s) transpiled`;
      console.error(`${name}: ${path.relative(ROOT, out)} ${what} (${ms.toFixed(0)} ms)`);
    }
  } else if (command === "run-policy-pack") {
    runPolicyPack();
  } else {
    console.error("usage: node scripts/aot.cjs build [program|policy ...] | run-policy-pack <engine-address>");
    process.exit(2);
  }
}
