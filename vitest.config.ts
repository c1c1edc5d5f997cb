import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // Pulumi mocks are process-global: one fork per file keeps them apart.
          pool: "forks",
          // Some files run the whole program under mocks in `beforeAll`: seconds on a busy 2-core machine.
          hookTimeout: 60_000,
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          // Real engine runs: one file at a time (2 cores), generous timeouts.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
