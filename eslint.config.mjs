// Lint: typescript-eslint's type-aware recommended rules plus Pulumi's own rules (an Output inside a
// template literal renders as a warning string instead of its value).
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "**/.sophia/**",
      "toolchain/go/**",
      "**/*.mjs",
      // The toolchain's entry is JSDoc-typed (toolchain/tsconfig.json) and linted like the rest.
      "!toolchain/ensure.mjs",
      "**/*.cjs",
      "test/fixtures/lint/**",
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { pulumi },
    rules: {
      "pulumi/no-output-in-template-literal": "error",
      "pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
);
