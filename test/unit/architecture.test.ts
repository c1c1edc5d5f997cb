/**
 * The layering rules of .dependency-cruiser.cjs (`scripts → stacks → components`, no cycles), run
 * the way `pnpm lint:deps` runs them: on the real tree they pass; on a copy of the tree with one
 * deliberate back-edge per rule they fail, naming that edge.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const LAYERS = ["components", "stacks", "scripts"];

interface CruiseJson {
  modules: { source: string; dependencies: { resolved: string }[] }[];
  summary: { error: number; violations: { rule: { name: string }; from: string; to: string }[] };
}

/** `depcruise` over the layers in `cwd` with the repository's rules (`pnpm lint:deps`), plus `args`. */
function depcruise(cwd: string, args: string[] = []) {
  const r = spawnSync(
    join(root, "node_modules", ".bin", "depcruise"),
    [...LAYERS, "--config", join(root, ".dependency-cruiser.cjs"), ...args],
    { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (!r.stdout) throw new Error(`depcruise printed nothing (exit ${r.status}): ${r.stderr}`);
  return { code: r.status ?? -1, stdout: r.stdout };
}

/**
 * The lint step's run (its exit code and report) and the same cruise as JSON (the JSON reporter
 * always exits 0, so the exit code comes from the lint step's own reporter).
 */
function cruise(cwd: string): { code: number; report: string; result: CruiseJson } {
  const lint = depcruise(cwd);
  const json = depcruise(cwd, ["--output-type", "json"]);
  return { code: lint.code, report: lint.stdout, result: JSON.parse(json.stdout) as CruiseJson };
}

/** Imports from one top-level folder into another, as `from -> to` module pairs. */
function edgesBetween(result: CruiseJson, from: string, to: string): string[] {
  return result.modules.flatMap((m) =>
    m.source.startsWith(`${from}/`)
      ? m.dependencies.filter((d) => d.resolved.startsWith(`${to}/`)).map((d) => `${m.source} -> ${d.resolved}`)
      : [],
  );
}

describe("the real tree", () => {
  it("passes every layering rule; components import nothing from stacks", () => {
    const { code, report, result } = cruise(root);
    expect(result.summary.violations).toEqual([]);
    expect(code, report).toBe(0);
    expect(edgesBetween(result, "components", "stacks")).toEqual([]);
    expect(edgesBetween(result, "components", "scripts")).toEqual([]);
    expect(edgesBetween(result, "stacks", "scripts")).toEqual([]);
    // The stack does use the components (a cruise that resolved nothing would pass the rules, too).
    expect(edgesBetween(result, "stacks", "components").length).toBeGreaterThan(20);
  }, 60_000);
});

describe("a copy of the tree with deliberate back-edges", () => {
  let dir: string;
  let run: ReturnType<typeof cruise>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sophia-arch-"));
    for (const layer of LAYERS) cpSync(join(root, layer), join(dir, layer), { recursive: true });
    cpSync(join(root, "tsconfig.json"), join(dir, "tsconfig.json"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    // A component reaching back into the stack's config schema.
    writeFileSync(
      join(dir, "components", "placement", "back-edge.ts"),
      'import type { Settings } from "../../stacks/config/schema";\nexport type S = Settings;\n',
    );
    // The stack importing one of the commands.
    writeFileSync(
      join(dir, "stacks", "uses-script.ts"),
      'import { ensureBuilt } from "../scripts/aot.cjs";\nexport const e = ensureBuilt;\n',
    );
    // Two stack modules importing each other.
    writeFileSync(join(dir, "stacks", "cycle-a.ts"), 'import { b } from "./cycle-b";\nexport const a = () => b;\n');
    writeFileSync(join(dir, "stacks", "cycle-b.ts"), 'import { a } from "./cycle-a";\nexport const b = () => a;\n');
    run = cruise(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fails the lint step, its report naming the back-edge", () => {
    expect(run.code).not.toBe(0);
    expect(run.report).toMatch(
      /error components-not-to-stacks: components\/placement\/back-edge\.ts → \s*stacks\/config\/schema\.ts/,
    );
    expect(run.report).toContain("3 dependency violations (3 errors, 0 warnings)");
  });

  it("names each added edge under its rule, and nothing else", () => {
    const found = run.result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
    expect(found).toEqual(
      [
        "components-not-to-stacks: components/placement/back-edge.ts -> stacks/config/schema.ts",
        "stacks-not-to-scripts: stacks/uses-script.ts -> scripts/aot.cjs",
        "no-circular: stacks/cycle-a.ts -> stacks/cycle-b.ts",
      ].sort(),
    );
  });
});
