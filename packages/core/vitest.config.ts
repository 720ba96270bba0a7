// Test configuration for @spool/core. Multi-process suites spawn real processes, so every file
// runs in its own forked process and long suites get generous (but bounded) timeouts.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "core",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
