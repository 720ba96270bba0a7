// Test configuration for @spool/conformance: the suite runs every manifest through the api and
// cli drivers (child processes of the built CLI), so files run in forked processes with bounded
// timeouts.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "conformance",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
