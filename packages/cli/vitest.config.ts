// Test configuration for the spool CLI. Tests run the built CLI (dist/cli.js) as child processes,
// so every file runs in its own forked process with generous but bounded timeouts.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "cli",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
