// Test configuration for @spool/server: real servers on 127.0.0.1 port 0 and the real bin as a
// child process where signals and exit codes matter; each file runs in its own forked process.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "server",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
