/**
 * The program as it was at an earlier commit, unpacked with `git archive` into a temp directory and
 * built with its own scripts/aot.cjs, to run against the same stacks and state as the current one.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { repoRoot } from "./stack-config";

/** The full commit id of `commit`, or an error saying why the baseline cannot be had. */
export function resolveCommit(commit: string): string {
  const r = spawnSync("git", ["-C", repoRoot, "rev-parse", "--verify", "--quiet", `${commit}^{commit}`], {
    encoding: "utf8",
  });
  if (r.status !== 0) {
    throw new Error(
      `baseline commit ${commit} is not in this clone (${repoRoot}); a shallow clone lacks it: ` +
        `fetch it (git fetch --unshallow, or a clone with full history), or move the test's BASELINE to a commit it has`,
    );
  }
  return r.stdout.trim();
}

export interface BaselineProgram {
  readonly commit: string;
  readonly dir: string;
  cleanup(): void;
}

/** `git archive` of `commit` into a temp dir, with the repo's node_modules, built ahead of time. */
export function checkoutBaseline(commit: string): BaselineProgram {
  const full = resolveCommit(commit);
  const dir = mkdtempSync(join(tmpdir(), "sophia-baseline-"));
  try {
    const archive = execFileSync("git", ["-C", repoRoot, "archive", "--format=tar", full], {
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
    execFileSync("node", [join(dir, "scripts", "aot.cjs"), "build", "program"], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { commit: full, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
