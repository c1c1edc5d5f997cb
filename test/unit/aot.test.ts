/**
 * The ahead-of-time build (scripts/aot.cjs) on a throwaway target: it transpiles what changed and
 * nothing else, picks up new files, drops deleted ones, and stops with the file and line of a
 * syntax error; the repo's targets cover every source folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { ensureBuilt, sourceFiles, TARGETS, type BuildTarget } from "../../scripts/aot.cjs";
import { repoRoot } from "../harness/stack-config";

const dir = mkdtempSync(join(tmpdir(), "sophia-aot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const target: BuildTarget = { root: dir, sources: ["src"], out: join(dir, ".sophia", "build") };
const write = (rel: string, text: string) => {
  mkdirSync(join(dir, rel, ".."), { recursive: true });
  writeFileSync(join(dir, rel), text);
};
const built = (rel: string) => readFileSync(join(target.out, rel), "utf8");

describe("ensureBuilt", () => {
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", strict: true } }));
  write("src/a.ts", 'import { b } from "./lib/b";\nexport const a: number = b + 1;\n');
  write("src/lib/b.ts", "export const b: number = 1;\n");

  it("transpiles every source the first time, to CommonJS with a source map naming the .ts file", () => {
    expect(ensureBuilt(target).transpiled).toBe(2);
    expect(built("src/a.js")).toContain('require("./lib/b")');
    const map = /sourceMappingURL=data:application\/json;base64,(\S+)/.exec(built("src/a.js"))?.[1];
    const parsed = JSON.parse(Buffer.from(map!, "base64").toString("utf8")) as { sources: string[] };
    expect(parsed.sources).toEqual([join(dir, "src", "a.ts")]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect((require(join(target.out, "src", "a.js")) as { a: number }).a).toBe(2);
  });

  it("does nothing while the sources are unchanged", () => {
    expect(ensureBuilt(target).transpiled).toBe(0);
  });

  it("transpiles only an edited file", () => {
    write("src/lib/b.ts", "export const b: number = 41;\n");
    expect(ensureBuilt(target).transpiled).toBe(1);
    expect(built("src/lib/b.js")).toContain("41");
  });

  it("picks up a new file and drops a deleted one", () => {
    write("src/new/c.ts", "export const c = 3;\n");
    expect(ensureBuilt(target).transpiled).toBe(1);
    expect(existsSync(join(target.out, "src", "new", "c.js"))).toBe(true);
    rmSync(join(dir, "src", "new", "c.ts"));
    ensureBuilt(target);
    expect(existsSync(join(target.out, "src", "new", "c.js"))).toBe(false);
  });

  it("rebuilds everything when the tsconfig changes", () => {
    write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2020", module: "commonjs" } }));
    expect(ensureBuilt(target).transpiled).toBe(2);
  });

  it("stops at a syntax error, naming the file and line, and keeps the build stale", () => {
    write("src/lib/b.ts", "export const b: number = 41;\nexport const = ;\n");
    expect(() => ensureBuilt(target)).toThrow(/src\/lib\/b\.ts:2:\d+: /);
    expect(() => ensureBuilt(target)).toThrow(/src\/lib\/b\.ts:2/);
  });
});

describe("the repo's targets", () => {
  it("build every .ts file of the program and the pack", () => {
    const program = sourceFiles(TARGETS.program);
    expect(program).toContain(join("stacks", "index.ts"));
    expect(program).toContain(join("components", "mcp", "mcp-servers.ts"));
    expect(program.every((f) => /^(stacks|components)\//.test(f))).toBe(true);
    const policy = sourceFiles(TARGETS.policy);
    expect(policy).toContain("index.ts");
    expect(policy).toContain(join("policies", "pinned-images.ts"));
    expect(policy.some((f) => f.includes("node_modules"))).toBe(false);
  });
});
