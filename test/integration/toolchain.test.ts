/**
 * toolchain/ensure.mjs: the assembled engine is the pinned one, and each way it can fail names the
 * piece and the command.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { repoRoot } from "../harness/stack-config";

const ensure = join(repoRoot, "toolchain", "ensure.mjs");
const scratch = mkdtempSync(join(tmpdir(), "sophia-toolchain-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [ensure, ...args], { env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A recipe module: the real one with one plugin entry replaced (and, given, the exclusions). */
function recipeWith(plugin: Record<string, unknown>, unbuilt?: Record<string, unknown>[]): string {
  const file = join(scratch, `recipe-${Math.random().toString(36).slice(2)}.mjs`);
  const pieces = JSON.stringify(join(repoRoot, "toolchain", "pieces.mjs"));
  writeFileSync(
    file,
    `import { PIECES, RECIPE_REVISION, UNBUILT_PLUGINS as REAL_UNBUILT } from ${pieces};\n` +
      `export { PIECES, RECIPE_REVISION };\nexport const PLUGINS = [${JSON.stringify(plugin)}];\n` +
      `export const UNBUILT_PLUGINS = ${unbuilt ? JSON.stringify(unbuilt) : "REAL_UNBUILT"};\n`,
  );
  return file;
}

const kubernetesPlugin = {
  name: "kubernetes",
  npm: "@pulumi/kubernetes",
  version: "4.25.0",
  main: "./cmd/pulumi-resource-kubernetes",
  binary: "pulumi-resource-kubernetes",
  ldflags: "",
};

describe("toolchain/ensure.mjs", () => {
  it("assembles the pinned CLI with its plugins, automatic downloads off", () => {
    const r = run(["--print-env-file", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const envFile = r.stdout.trim();
    const envText = readFileSync(envFile, "utf8");
    expect(envText).toContain("export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true");
    expect(envText).toContain("export PULUMI_SKIP_UPDATE_CHECK=true");
    const check = spawnSync("bash", ["-c", `source "${envFile}" && pulumi version && pulumi plugin ls --json`], {
      encoding: "utf8",
    });
    expect(check.status, check.stderr).toBe(0);
    const [version, ...json] = check.stdout.split("\n");
    expect(version).toBe("v3.259.0");
    const plugins = JSON.parse(json.join("\n")) as { name: string; version: string; kind: string }[];
    expect(plugins.map((p) => `${p.kind}:${p.name}@${p.version}`)).toEqual(["resource:kubernetes@4.25.0"]);
    const pkg = JSON.parse(
      readFileSync(join(repoRoot, "node_modules", "@pulumi", "kubernetes", "package.json"), "utf8"),
    ) as {
      pulumi: { version: string };
    };
    expect(pkg.pulumi.version).toBe("4.25.0");
  });

  it("a second run builds nothing", () => {
    const r = run([]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("building from Go modules");
    expect(r.stderr).toMatch(/kubernetes 4\.25\.0: cached/);
  });

  it("names the SDK whose plugin is not built, with why, and refuses a plugin-bearing SDK without a recipe or exclusion", () => {
    const r = run([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "vercel: @pulumiverse/vercel 5.4.1 is a dependency, but its plugin is not built here: the Go module proxy refuses",
    );
    const strict = run(["--recipes", recipeWith(kubernetesPlugin, [])]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(
      "[toolchain] error: @pulumiverse/vercel: @pulumiverse/vercel carries resource plugin vercel 5.4.1, which has neither a recipe (PLUGINS) nor an exclusion naming why (UNBUILT_PLUGINS)",
    );
  });

  it("without Go, it says Go is missing and which command failed", () => {
    const r = run([], { ...process.env, PATH: "/usr/bin:/bin", SOPHIA_TOOLCHAIN_FORCE_BUILD: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[toolchain] error: go: the Go toolchain is not on PATH");
    expect(r.stderr).toContain("command: go env GOVERSION");
  });

  it("a plugin version that does not match its npm package is refused before building", () => {
    const r = run(["--recipes", recipeWith({ ...kubernetesPlugin, version: "4.24.0" })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "[toolchain] error: kubernetes: @pulumi/kubernetes asks for plugin kubernetes 4.25.0 but the recipe builds 4.24.0",
    );
  });

  it("a module that cannot be downloaded names the plugin, the module and the command", () => {
    const module = "github.com/pulumi/pulumi-kubernetes/provider/v4";
    const version = "v4.0.0-20200101000000-000000000000";
    const r = run([
      "--recipes",
      recipeWith({ ...kubernetesPlugin, module, moduleVersion: version, moduleSum: "h1:x" }),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `\\[toolchain\\] error: kubernetes: (the Go module proxy refuses|cannot download) ${module.replace(/\./g, "\\.")}@${version}`,
      ),
    );
    expect(r.stderr).toContain(`command: go mod download -json ${module}@${version}`);
    expect(r.stderr).toMatch(/log: .*\.log/);
  });
});
