// Test configuration for @spool/conformance: the suite runs every manifest through the api, cli
// (child processes of the built CLI) and http (a real server on 127.0.0.1, port 0, per session)
// drivers, so files run in forked processes with bounded timeouts.
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
