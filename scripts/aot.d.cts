/** Types of scripts/aot.cjs (the ahead-of-time build of the program and the policy pack). */
export interface BuildTarget {
  /** The folder the sources and tsconfig.json are in. */
  readonly root: string;
  /** Folders (relative to `root`) whose `.ts` files are built. */
  readonly sources: readonly string[];
  /** The build directory. */
  readonly out: string;
}
export declare const TARGETS: { readonly program: BuildTarget; readonly policy: BuildTarget };
/** Makes the build match the sources; `transpiled` is how many files it had to transpile (0: fresh). */
export declare function ensureBuilt(which: "program" | "policy" | BuildTarget): { out: string; transpiled: number };
/** The target's `.ts` sources, relative to its root, sorted. */
export declare function sourceFiles(target: BuildTarget): string[];
