// Test configuration for the doc-test. It runs the built CLI (packages/cli) in child processes;
// every block has its own hard limit, and the files run concurrently (most of the time is spent
// waiting for long-running examples to be stopped).
import { defineProject } from "vitest/config";

/**
 * Workspace packages resolve to their TypeScript sources through the `@spool/source` export
 * condition (listed first in every package.json `exports` entry), so in-process tests need no
 * build; the rest are vite's default server conditions.
 */
const conditions = ["@spool/source", "module", "node", "development|production"];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: "docs",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 90_000,
  },
});
