// Test configuration for @spool/mcp: the official MCP client talks to real processes (the built
// CLI's `spool mcp` over stdio, `spool serve`'s /mcp over loopback HTTP); each file runs in its
// own forked process, with bounded timeouts.
import { defineProject } from "vitest/config";

/** Workspace packages resolve to their TypeScript sources (the `@spool/source` condition). */
const conditions = ["@spool/source", "module", "node", "development|production"];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: "mcp",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
