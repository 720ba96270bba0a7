// Test configuration for the deployable (@spool/server-app): one smoke test runs the real bin as
// a child process, so it needs @spool/server built (its bin imports the package's dist).
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "server-app",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
