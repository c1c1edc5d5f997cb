#!/usr/bin/env node
// @ts-check
// Makes sure the real Pulumi engine this repository is pinned to is present, offline.
//
// Pieces: the `pulumi` CLI, the Node.js language host, the dynamic-provider shim and every resource
// plugin whose npm SDK package the program installs. Each piece is either found (a matching `pulumi`
// already on PATH) or built from Go modules, and cached outside the repository under a key derived
// from its recipe, so fresh clones on the same machine reuse it. The result is one directory:
//
//   <cache>/sets/<key>/bin    pulumi, pulumi-language-nodejs, pulumi-resource-pulumi-nodejs
//   <cache>/sets/<key>/home   PULUMI_HOME with the resource plugins installed
//   <cache>/sets/<key>/env    shell exports for the other scripts (`source` it)
//
// Usage: node toolchain/ensure.mjs [--print-env-file] [--quiet] [--with kube] [--recipes <file>]
// Environment: SOPHIA_CACHE_DIR (default ~/.cache/sophia-infra), SOPHIA_TOOLCHAIN_FORCE_BUILD=1.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * @typedef {object} GoRecipe A piece built from Go: a wrapper module (`wrapper`) or a provider's own module.
 * @property {string} name
 * @property {string} version
 * @property {string} main Go package to build.
 * @property {string} binary Output file name.
 * @property {string} ldflags
 * @property {string} [wrapper] Directory under toolchain/go with the go.mod/go.sum to build from.
 * @property {string} [module] A provider's own module (with `moduleVersion` and `moduleSum`).
 * @property {string} [moduleVersion]
 * @property {string} [moduleSum]
 * @property {string[][]} [goModEdits] `go mod edit` argument lists applied before building.
 * @property {{ dir: string, args: string[], env?: Record<string, string> }[]} [generate]
 *
 * @typedef {GoRecipe & { npm: string }} PluginRecipe A resource plugin, paired with its npm SDK package.
 * @typedef {{ name: string, npm: string, reason: string }} UnbuiltPlugin
 * @typedef {GoRecipe & { env: string }} ServerRecipe A local server or tool, exported as `env`.
 * @typedef {object} ManifestRecipe Upstream manifests fetched from a Go module.
 * @property {string} name
 * @property {string} version
 * @property {string} module
 * @property {string} [sum]
 * @property {Record<string, string>} [files] Output name to path in the module.
 * @property {string[]} [dirs] Module directories whose YAML files are copied.
 * @property {boolean} [dropTemplateLines]
 *
 * @typedef {object} RecipeModule What toolchain/pieces.mjs (or `--recipes`) exports.
 * @property {{ nosumdb: string[], cli: GoRecipe, languageHost: GoRecipe }} PIECES
 * @property {PluginRecipe[]} PLUGINS
 * @property {UnbuiltPlugin[]} [UNBUILT_PLUGINS]
 * @property {number} RECIPE_REVISION
 * @property {Record<string, ServerRecipe[]>} [SERVERS]
 * @property {ManifestRecipe[]} [MANIFESTS]
 * @property {Record<string, string[]>} [GROUP_SETS]
 *
 * @typedef {{ version: string, dependencies?: Record<string, string>, pulumi?: { resource?: boolean, name?: string, version?: string } }} NpmPackage
 * @typedef {{ work: string, out: string, logFile: string }} BuildDirs
 * @typedef {(dirs: BuildDirs) => Promise<void>} BuildStep
 * @typedef {{ pulumi: string, host: string }} BinSources
 * @typedef {PluginRecipe & { bin: string }} BuiltPlugin
 * @typedef {{ env: string, bin: string }} BuiltServer
 */

// `--recipes <file>` swaps in another recipe module (tests of the failure paths, trying a new pin).
const recipesArg = process.argv.indexOf("--recipes");
const recipesUrl =
  recipesArg >= 0
    ? new URL(`file://${path.resolve(process.argv[recipesArg + 1] ?? "")}`)
    : new URL("./pieces.mjs", import.meta.url);
/** @type {unknown} */
const recipeModule = await import(recipesUrl.href);
const {
  PIECES,
  PLUGINS,
  UNBUILT_PLUGINS = [],
  RECIPE_REVISION,
  SERVERS = {},
  MANIFESTS = [],
  GROUP_SETS = {},
} = /** @type {RecipeModule} */ (recipeModule);
const withArg = process.argv.indexOf("--with");
// A named set (`main`, `test`; see GROUP_SETS in pieces.mjs) stands for its groups.
const withGroups = [
  ...new Set(
    (withArg >= 0 ? (process.argv[withArg + 1] ?? "").split(",").filter(Boolean) : []).flatMap(
      (g) => GROUP_SETS[g] ?? [g],
    ),
  ),
];
const wantManifests = withGroups.includes("manifests");
const serverGroups = withGroups.filter((g) => g !== "manifests");

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cacheRoot = process.env.SOPHIA_CACHE_DIR ?? path.join(os.homedir(), ".cache", "sophia-infra");
const toolchainRoot = path.join(cacheRoot, "toolchain");
const quiet = process.argv.includes("--quiet");

/** Thrown for a failure of one piece; the top level prints it as the single error. */
class PieceError extends Error {
  /**
   * @param {string} piece
   * @param {string} message
   * @param {string} command
   * @param {string} [logFile]
   */
  constructor(piece, message, command, logFile) {
    super(message);
    this.piece = piece;
    this.command = command;
    this.logFile = logFile;
  }
}

/** @param {string} msg */
const log = (msg) => {
  if (!quiet) process.stderr.write(`[toolchain] ${msg}\n`);
};

/**
 * JSON of a shape the caller knows (the Go tool's and npm's own formats).
 * @template T
 * @param {string} text
 * @returns {T}
 */
function parseJson(text) {
  /** @type {unknown} */
  const value = JSON.parse(text);
  return /** @type {T} */ (value);
}

/** @param {string} text */
function sha(text) {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

function goVersion() {
  const r = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  if (r.status !== 0) {
    throw new PieceError(
      "go",
      "the Go toolchain is not on PATH (needed to build the Pulumi engine)",
      "go env GOVERSION",
    );
  }
  return r.stdout.trim();
}

/**
 * Reads `pulumi.version` (plugin) or `version` from an installed npm package.
 * @param {string} name
 * @returns {NpmPackage | undefined}
 */
function npmPackage(name) {
  const file = path.join(repoRoot, "node_modules", name, "package.json");
  if (!fs.existsSync(file)) return undefined;
  return parseJson(fs.readFileSync(file, "utf8"));
}

/**
 * Environment every Go step runs with: module proxy only, no VCS fallbacks.
 * @param {Record<string, string>} [extra]
 * @returns {NodeJS.ProcessEnv}
 */
function goEnv(extra = {}) {
  return {
    ...process.env,
    GOFLAGS: "-mod=readonly",
    GOPROXY: process.env.GOPROXY && process.env.GOPROXY !== "" ? process.env.GOPROXY : "https://proxy.golang.org",
    GONOSUMDB: PIECES.nosumdb.join(","),
    CGO_ENABLED: "0",
    GOTOOLCHAIN: "local",
    ...extra,
  };
}

/**
 * Runs one command, logging to `logFile`, printing a progress line every 15 s (go build -v names each
 * package it compiles, so the line says how far it got).
 * @param {string} piece
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env: NodeJS.ProcessEnv, logFile: string }} opts
 * @returns {Promise<void>}
 */
function run(piece, command, args, { cwd, env, logFile }) {
  const printable = [command, ...args].join(" ");
  fs.appendFileSync(logFile, `\n$ (cd ${cwd} && ${printable})\n`);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out = fs.openSync(logFile, "a");
    let lines = 0;
    let last = "";
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      fs.writeSync(out, chunk);
      for (const line of chunk.toString().split("\n")) {
        if (line.trim() !== "") {
          lines += 1;
          last = line.trim();
        }
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setInterval(() => {
      const secs = Math.round((Date.now() - started) / 1000);
      log(
        `${piece}: ${command === "go" ? "go " : ""}${args[0]} still running (${secs}s, ${lines} lines of output; last: ${last.slice(0, 100)})`,
      );
    }, 15_000);
    child.on("error", (err) => {
      clearInterval(timer);
      fs.closeSync(out);
      reject(new PieceError(piece, `could not start ${command}: ${err.message}`, printable, logFile));
    });
    child.on("close", (code) => {
      clearInterval(timer);
      fs.closeSync(out);
      if (code === 0) resolve();
      else reject(new PieceError(piece, `exited with status ${code}`, printable, logFile));
    });
  });
}

/**
 * @param {string} file
 * @param {number} [n]
 */
function tail(file, n = 25) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

/**
 * A cached piece: built once into <toolchainRoot>/pieces/<id>, marked complete by a `.ok` file.
 * @param {GoRecipe} recipe
 * @param {string} goVer
 * @param {BuildStep} build
 * @returns {Promise<{ dir: string, built: boolean }>}
 */
async function ensureBuilt(recipe, goVer, build) {
  const key = sha(JSON.stringify({ recipe, goVer, RECIPE_REVISION }));
  const id = `${recipe.name}-${recipe.version}-${key}`;
  const dir = path.join(toolchainRoot, "pieces", id);
  const ok = path.join(dir, ".ok");
  if (fs.existsSync(ok) && process.env.SOPHIA_TOOLCHAIN_FORCE_BUILD !== "1") {
    log(`${recipe.name} ${recipe.version}: cached (${dir})`);
    return { dir, built: false };
  }
  const work = path.join(toolchainRoot, "build", id);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const logFile = path.join(toolchainRoot, "logs", `${id}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, `building ${recipe.name} ${recipe.version}\n`);
  const started = Date.now();
  log(`${recipe.name} ${recipe.version}: building from Go modules (log: ${logFile})`);
  await build({ work, out: partial, logFile });
  fs.renameSync(partial, dir);
  fs.writeFileSync(ok, `${new Date().toISOString()} ${Math.round((Date.now() - started) / 1000)}s\n`);
  fs.rmSync(work, { recursive: true, force: true });
  log(`${recipe.name} ${recipe.version}: built in ${Math.round((Date.now() - started) / 1000)}s`);
  return { dir, built: true };
}

/**
 * `go build` of the recipe's main package into `out` (-v names each package, for progress).
 * @param {GoRecipe} recipe
 * @param {{ cwd: string, out: string, env: NodeJS.ProcessEnv, logFile: string }} opts
 */
function goBuild(recipe, { cwd, out, env, logFile }) {
  const args = ["build", "-v", "-o", path.join(out, recipe.binary), "-ldflags", recipe.ldflags, recipe.main];
  return run(recipe.name, "go", args, { cwd, env, logFile });
}

/**
 * Builds a main package from a committed wrapper module (go.mod + go.sum in toolchain/go/<dir>).
 * @param {GoRecipe} recipe
 * @returns {BuildStep}
 */
function wrapperBuild(recipe) {
  return async ({ work, out, logFile }) => {
    if (!recipe.wrapper)
      throw new PieceError(recipe.name, "the recipe names no wrapper module", "toolchain/pieces.mjs");
    const src = path.join(repoRoot, "toolchain", "go", recipe.wrapper);
    for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(work, f));
    const env = goEnv();
    // No separate `go mod download`: it would fetch test-only modules the proxy here refuses.
    await goBuild(recipe, { cwd: work, out, env, logFile });
  };
}

/**
 * Builds a provider from its own module (upstream go.mod and go.sum kept): download at the pinned
 * pseudo-version, check the module hash, copy it somewhere writable, apply the recipe's edits, run its
 * generate step, build.
 * @param {GoRecipe} recipe
 * @returns {BuildStep}
 */
function moduleBuild(recipe) {
  return async ({ work, out, logFile }) => {
    const env = goEnv({ GOFLAGS: "-mod=mod" });
    const ref = `${recipe.module}@${recipe.moduleVersion}`;
    const dl = spawnSync("go", ["mod", "download", "-json", ref], {
      cwd: work,
      env: goEnv({ GOFLAGS: "" }),
      encoding: "utf8",
    });
    fs.appendFileSync(logFile, `$ go mod download -json ${ref}\n${dl.stdout}${dl.stderr}`);
    /** @type {{ Error?: string, Sum?: string, Dir?: string }} */
    let info;
    try {
      info = parseJson(dl.stdout);
    } catch {
      info = { Error: dl.stderr.trim() || "no output" };
    }
    if (info.Error) {
      const refused = /403|not available/.test(info.Error);
      throw new PieceError(
        recipe.name,
        refused
          ? `the Go module proxy refuses ${ref} ("This module version is not available"): the plugin cannot be built on this machine`
          : `cannot download ${ref}: ${info.Error}`,
        `go mod download -json ${ref}`,
        logFile,
      );
    }
    if (info.Sum !== recipe.moduleSum) {
      throw new PieceError(
        recipe.name,
        `module hash mismatch for ${ref}: got ${info.Sum}, pinned ${recipe.moduleSum}`,
        `go mod download -json ${ref}`,
        logFile,
      );
    }
    const src = path.join(work, "src");
    fs.cpSync(info.Dir ?? "", src, { recursive: true });
    // The module cache is read-only; make the copy writable for the edits below.
    spawnSync("chmod", ["-R", "u+w", src]);
    for (const edit of recipe.goModEdits ?? []) {
      await run(recipe.name, "go", ["mod", "edit", ...edit], { cwd: src, env, logFile });
    }
    for (const step of recipe.generate ?? []) {
      await run(recipe.name, "go", step.args, { cwd: path.join(src, step.dir), env: { ...env, ...step.env }, logFile });
    }
    await goBuild(recipe, { cwd: src, out, env, logFile });
  };
}

/**
 * A `pulumi` already on PATH is used when it is exactly the pinned version and has its language host.
 * @param {string} version
 * @returns {string | undefined} the directory holding both
 */
function ambientPulumi(version) {
  if (process.env.SOPHIA_TOOLCHAIN_FORCE_BUILD === "1") return undefined;
  const which = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" });
  if (which.status !== 0) return undefined;
  const bin = fs.realpathSync(which.stdout.trim());
  const v = spawnSync(bin, ["version"], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  const host = path.join(path.dirname(bin), "pulumi-language-nodejs");
  if (v.status === 0 && v.stdout.trim() === `v${version}` && fs.existsSync(host)) return path.dirname(bin);
  return undefined;
}

/**
 * Copies one manifest set out of its Go module (downloaded through the module proxy, verified
 * against the checksum database) into `<dir>/<name>-<version>/`. Returns whether it was fetched now.
 * @param {ManifestRecipe} m
 * @param {string} dir
 * @returns {Promise<boolean>}
 */
async function ensureManifest(m, dir) {
  const out = path.join(dir, `${m.name}-${m.version}`);
  if (fs.existsSync(path.join(out, ".ok"))) return false;
  log(`${m.name} ${m.version}: fetching ${m.module} through the Go module proxy`);
  const logFile = path.join(toolchainRoot, "logs", `manifests-${m.name}-${m.version}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, "");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-manifests-"));
  try {
    const command = `go mod download -json ${m.module}@${m.version}`;
    await run(m.name, "go", ["mod", "download", "-json", `${m.module}@${m.version}`], {
      cwd: tmp,
      env: goEnv(m.sum ? { GONOSUMDB: m.module } : {}),
      logFile,
    });
    const logText = fs.readFileSync(logFile, "utf8");
    /** @type {{ Dir?: string, Sum?: string, Error?: string }} */
    const info = parseJson(logText.slice(logText.indexOf("{")));
    if (!info.Dir) throw new PieceError(m.name, `no module directory: ${info.Error ?? "?"}`, command, logFile);
    if (m.sum && info.Sum !== m.sum) {
      throw new PieceError(m.name, `module hash ${info.Sum} differs from the pinned ${m.sum}`, command, logFile);
    }
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    const moduleDir = info.Dir;
    for (const [name, rel] of Object.entries(m.files ?? {}))
      fs.copyFileSync(path.join(moduleDir, rel), path.join(out, name));
    for (const rel of m.dirs ?? []) {
      for (const f of fs
        .readdirSync(path.join(moduleDir, rel))
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()) {
        const text = fs.readFileSync(path.join(moduleDir, rel, f), "utf8");
        const kept = m.dropTemplateLines
          ? text
              .split("\n")
              .filter((l) => !/^\{\{-?\s*(if|end)\b/.test(l))
              .join("\n")
          : text;
        fs.writeFileSync(path.join(out, f), kept);
      }
    }
    for (const f of fs.readdirSync(out)) fs.chmodSync(path.join(out, f), 0o644);
    fs.writeFileSync(path.join(out, ".ok"), `${m.module}@${m.version} ${info.Sum ?? ""}\n`);
    return true;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The program's @pulumi/pulumi is installed and is the CLI recipe's release.
 * @returns {NpmPackage}
 */
function checkSdk() {
  const sdk = npmPackage("@pulumi/pulumi");
  if (!sdk) {
    throw new PieceError("@pulumi/pulumi", "node_modules/@pulumi/pulumi is missing", "pnpm install --frozen-lockfile");
  }
  if (sdk.version !== PIECES.cli.version) {
    throw new PieceError(
      "pulumi",
      `the CLI recipe is pinned to ${PIECES.cli.version} but @pulumi/pulumi is ${sdk.version}; pin both to the same release`,
      "toolchain/pieces.mjs",
    );
  }
  return sdk;
}

/**
 * 1. CLI and language host: ambient if it matches exactly, otherwise built.
 * @param {string} goVer
 * @param {string[]} built names of the pieces built now (appended to)
 * @returns {Promise<BinSources>}
 */
async function ensureEngine(goVer, built) {
  const ambient = ambientPulumi(PIECES.cli.version);
  if (ambient) {
    log(`pulumi ${PIECES.cli.version}: using the one already installed in ${ambient}`);
    return { pulumi: path.join(ambient, "pulumi"), host: path.join(ambient, "pulumi-language-nodejs") };
  }
  const cli = await ensureBuilt(PIECES.cli, goVer, wrapperBuild(PIECES.cli));
  const host = await ensureBuilt(PIECES.languageHost, goVer, wrapperBuild(PIECES.languageHost));
  if (cli.built) built.push(PIECES.cli.name);
  if (host.built) built.push(PIECES.languageHost.name);
  return { pulumi: path.join(cli.dir, "pulumi"), host: path.join(host.dir, "pulumi-language-nodejs") };
}

/**
 * Before any plugin is built: SDKs whose plugin is deliberately not built (UNBUILT_PLUGINS, each
 * with why); any other dependency carrying a resource plugin needs a recipe or an exclusion.
 */
function checkPluginBearingDeps() {
  for (const u of UNBUILT_PLUGINS) {
    const pkg = npmPackage(u.npm);
    if (pkg) log(`${u.name}: ${u.npm} ${pkg.version} is a dependency, but its plugin is not built here: ${u.reason}`);
  }
  /** @type {NpmPackage} */
  const program = parseJson(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
  for (const dep of Object.keys(program.dependencies ?? {})) {
    const resource = npmPackage(dep)?.pulumi;
    if (!resource?.resource) continue;
    if (PLUGINS.some((p) => p.npm === dep) || UNBUILT_PLUGINS.some((u) => u.npm === dep)) continue;
    throw new PieceError(
      dep,
      `${dep} carries resource plugin ${resource.name} ${resource.version}, which has neither a recipe (PLUGINS) nor an exclusion naming why (UNBUILT_PLUGINS)`,
      "toolchain/pieces.mjs",
    );
  }
}

/**
 * 2. Resource plugins for every plugin-bearing npm package the program installs.
 * @param {string} goVer
 * @param {string[]} built
 * @returns {Promise<BuiltPlugin[]>}
 */
async function ensurePlugins(goVer, built) {
  const plugins = [];
  for (const plugin of PLUGINS) {
    const pkg = npmPackage(plugin.npm);
    if (!pkg) {
      log(`${plugin.name}: ${plugin.npm} is not a dependency of the program; skipped`);
      continue;
    }
    const wanted = pkg.pulumi?.version;
    if (wanted !== plugin.version) {
      throw new PieceError(
        plugin.name,
        `${plugin.npm} asks for plugin ${plugin.name} ${wanted} but the recipe builds ${plugin.version}; pin the npm package to ${plugin.version} or update the recipe`,
        "toolchain/pieces.mjs",
      );
    }
    const result = await ensureBuilt(plugin, goVer, moduleBuild(plugin));
    if (result.built) built.push(plugin.name);
    plugins.push({ ...plugin, bin: path.join(result.dir, plugin.binary) });
  }
  return plugins;
}

/**
 * 3. Local servers requested with --with (e.g. kube: kube-apiserver and etcd).
 * @param {string} goVer
 * @param {string[]} built
 * @returns {Promise<BuiltServer[]>}
 */
async function ensureServers(goVer, built) {
  const servers = [];
  for (const group of serverGroups) {
    const recipes = SERVERS[group];
    if (!recipes)
      throw new PieceError(
        group,
        `unknown server group (known: ${Object.keys(SERVERS).join(", ")})`,
        `--with ${group}`,
      );
    for (const recipe of recipes) {
      const result = await ensureBuilt(recipe, goVer, wrapperBuild(recipe));
      if (result.built) built.push(recipe.name);
      servers.push({ env: recipe.env, bin: path.join(result.dir, recipe.binary) });
    }
  }
  return servers;
}

/**
 * 4. Upstream manifests requested with --with manifests.
 * @param {string} manifestsDir
 * @param {string[]} built
 */
async function ensureManifests(manifestsDir, built) {
  if (!wantManifests) return;
  for (const m of MANIFESTS) if (await ensureManifest(m, manifestsDir)) built.push(`${m.name} manifests`);
}

/**
 * 5. Assemble the set: bin dir + PULUMI_HOME with plugins installed by the real CLI, and the env file.
 * @param {string} setDir
 * @param {{ binSources: BinSources, plugins: BuiltPlugin[], servers: BuiltServer[], manifestsDir: string, setKey: string }} parts
 * @returns {Promise<void>}
 */
async function assembleSet(setDir, { binSources, plugins, servers, manifestsDir, setKey }) {
  fs.rmSync(setDir, { recursive: true, force: true });
  const bin = path.join(setDir, "bin");
  const home = path.join(setDir, "home");
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  fs.copyFileSync(binSources.pulumi, path.join(bin, "pulumi"));
  fs.copyFileSync(binSources.host, path.join(bin, "pulumi-language-nodejs"));
  // The dynamic-provider plugin is the shell shim shipped in @pulumi/pulumi (bundled plugins are
  // looked up next to the pulumi binary).
  fs.copyFileSync(
    path.join(repoRoot, "node_modules", "@pulumi", "pulumi", "pulumi-resource-pulumi-nodejs"),
    path.join(bin, "pulumi-resource-pulumi-nodejs"),
  );
  for (const f of fs.readdirSync(bin)) fs.chmodSync(path.join(bin, f), 0o755);
  const logFile = path.join(toolchainRoot, "logs", `set-${setKey}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, "");
  const env = {
    ...process.env,
    PULUMI_HOME: home,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PATH: `${bin}:${process.env.PATH}`,
  };
  for (const p of plugins) {
    await run(p.name, path.join(bin, "pulumi"), ["plugin", "install", "resource", p.name, p.version, "--file", p.bin], {
      cwd: setDir,
      env,
      logFile,
    });
  }
  fs.writeFileSync(
    path.join(setDir, "env"),
    [
      "# Generated by toolchain/ensure.mjs: the pinned Pulumi engine, offline.",
      `export PATH="${bin}:$PATH"`,
      `export PULUMI_HOME="${home}"`,
      "export PULUMI_SKIP_UPDATE_CHECK=true",
      "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
      ...servers.map((srv) => `export ${srv.env}="${srv.bin}"`),
      ...(wantManifests ? [`export SOPHIA_MANIFESTS="${manifestsDir}"`] : []),
      "",
    ].join("\n"),
  );
  fs.writeFileSync(path.join(setDir, ".ok"), new Date().toISOString());
}

/**
 * 6. Prove the set: the CLI runs and lists every plugin. Returns the listed `name@version`s.
 * @param {string} setDir
 * @param {BuiltPlugin[]} plugins
 * @returns {string[]}
 */
function verifySet(setDir, plugins) {
  const check = spawnSync(path.join(setDir, "bin", "pulumi"), ["plugin", "ls", "--json"], {
    env: { ...process.env, PULUMI_HOME: path.join(setDir, "home"), PULUMI_SKIP_UPDATE_CHECK: "true" },
    encoding: "utf8",
  });
  if (check.status !== 0) {
    throw new PieceError(
      "pulumi",
      `the assembled CLI does not run: ${check.stderr.trim()}`,
      `${setDir}/bin/pulumi plugin ls --json`,
    );
  }
  /** @type {{ name: string, version: string }[]} */
  const reported = parseJson(check.stdout || "[]");
  const listed = reported.map((p) => `${p.name}@${p.version}`);
  for (const p of plugins) {
    if (!listed.includes(`${p.name}@${p.version}`)) {
      throw new PieceError(
        p.name,
        `plugin ${p.name} ${p.version} is not listed by 'pulumi plugin ls'`,
        `${setDir}/bin/pulumi plugin ls --json`,
      );
    }
  }
  return listed;
}

async function main() {
  const sdk = checkSdk();
  const goVer = goVersion();
  /** @type {string[]} */
  const built = [];
  const binSources = await ensureEngine(goVer, built);
  checkPluginBearingDeps();
  const plugins = await ensurePlugins(goVer, built);
  const servers = await ensureServers(goVer, built);
  const manifestsDir = path.join(cacheRoot, "manifests");
  await ensureManifests(manifestsDir, built);

  const setKey = sha(
    JSON.stringify({
      binSources,
      plugins: plugins.map((p) => p.bin),
      servers: servers.map((s) => s.bin),
      manifests: wantManifests ? manifestsDir : undefined,
      sdk: sdk.version,
    }),
  );
  const setDir = path.join(toolchainRoot, "sets", setKey);
  if (!fs.existsSync(path.join(setDir, ".ok"))) {
    await assembleSet(setDir, { binSources, plugins, servers, manifestsDir, setKey });
  }
  const listed = verifySet(setDir, plugins);
  log(
    `ready: pulumi ${PIECES.cli.version}, language host ${PIECES.languageHost.version}, plugins ${listed.join(", ") || "none"}${built.length ? ` (built: ${built.join(", ")})` : ""}`,
  );
  if (process.argv.includes("--print-env-file")) process.stdout.write(`${path.join(setDir, "env")}\n`);
}

main().catch((/** @type {unknown} */ err) => {
  if (err instanceof PieceError) {
    process.stderr.write(`\n[toolchain] error: ${err.piece}: ${err.message}\n  command: ${err.command}\n`);
    if (err.logFile) process.stderr.write(`  log: ${err.logFile}\n--- last lines ---\n${tail(err.logFile)}\n`);
  } else {
    process.stderr.write(`\n[toolchain] error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
