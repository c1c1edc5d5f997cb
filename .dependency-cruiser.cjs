/**
 * The layering rules (README "Layout"; house style 15): dependencies point one way,
 * `scripts → stacks → components`, and nothing imports in a circle. Type-only imports count
 * (`tsPreCompilationDeps`): a component that needs a stack's type has its dependency backwards.
 * Run by `pnpm lint` and the static checks of scripts/test.sh; test/unit/architecture.test.ts
 * proves a back-edge fails it.
 * @see https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */
/**
 * `from/**` may not import `to/**`.
 * @param {string} from
 * @param {string} to
 * @param {string} comment why
 * @returns {import('dependency-cruiser').IForbiddenRuleType}
 */
function layer(from, to, comment) {
  return {
    name: `${from}-not-to-${to}`,
    severity: "error",
    comment,
    from: { path: `^${from}/` },
    to: { path: `^${to}/` },
  };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    layer(
      "components",
      "stacks",
      "A component owns its types and validation; the stack imports them, never the reverse.",
    ),
    layer("components", "scripts", "Components are wired by the stack, never by the commands around it."),
    layer("stacks", "scripts", "The program does not depend on the commands that run it."),
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules that import each other cannot be understood (or tested) one at a time.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|\\.sophia)/" },
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".d.ts", ".cjs", ".mjs", ".js", ".json"] },
  },
};
