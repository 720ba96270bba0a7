// Test configuration for the doc-test. It runs the built CLI (packages/cli) in child processes;
// every block has its own hard limit, and the files run concurrently (most of the time is spent
// waiting for long-running examples to be stopped).
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "docs",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 90_000,
  },
});
