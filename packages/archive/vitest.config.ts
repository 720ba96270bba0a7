// Test configuration for @spool/archive: tests start a throwaway PostgreSQL 15 cluster of their
// own on 127.0.0.1 (test/pg-fixture.ts); each file runs in its own forked process, with bounded
// timeouts.
import { defineProject } from "vitest/config";

/**
 * Workspace packages resolve to their TypeScript sources through the `@spool/source` export
 * condition, so in-process tests need no build; the rest are vite's default server conditions.
 */
const conditions = ["@spool/source", "module", "node", "development|production"];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: "archive",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
